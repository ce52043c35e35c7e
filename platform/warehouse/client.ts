import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { Config } from '../config';
import { CLUSTER_SESSION_SETTINGS } from './cluster-ddl';
import { failpoint, failpointArmed } from '../failpoints';
import { openStaging, writeStagedFile } from './staging';
import { Coalescers, coalescing } from './coalesce';
import { shieldEngineFromStdin } from './engine-stdin';
import { describeStatement, warehouseError } from './errors';

/** chDB's zero-copy raw insert, when the warehouse is embedded (the engine's parser runs on its own threads). */
type RawInsert = (params: {
  table: string;
  values: Buffer;
  format: 'JSONEachRow';
  settings?: Record<string, string | number>;
}) => Promise<unknown>;

interface WarehouseParts {
  client: ClickHouseClient;
  mode: 'embedded' | 'server';
  cluster?: string;
  /** Embedded only: where encoded batches are staged for the engine to read with file(). */
  stagingDir?: string;
  rawInsert?: RawInsert;
}

/**
 * The warehouse one process talks to, with what it knows about it: embedded (chDB in this
 * process) or a server, the cluster it was opened with, chDB's raw insert and the staging
 * directory, and its coalescers. `query`, `command`, `insert` and `exec` are the client's own,
 * with every failure named (WarehouseError).
 */
export class Warehouse {
  readonly client: ClickHouseClient;
  readonly mode: 'embedded' | 'server';
  /** The CLICKHOUSE_CLUSTER a server warehouse was opened with (statements that must target local tables need it). */
  readonly cluster?: string;
  readonly stagingDir?: string;
  readonly rawInsert?: RawInsert;
  /** Group commits of this warehouse's small statements (platform/warehouse/coalesce.ts). */
  readonly coalescers = new Coalescers();
  readonly query: ClickHouseClient['query'];
  readonly command: ClickHouseClient['command'];
  readonly insert: ClickHouseClient['insert'];
  readonly exec: ClickHouseClient['exec'];

  constructor(parts: WarehouseParts) {
    this.client = parts.client;
    this.mode = parts.mode;
    this.cluster = parts.cluster;
    this.stagingDir = parts.stagingDir;
    this.rawInsert = parts.rawInsert;
    this.query = parts.client.query.bind(parts.client);
    this.command = parts.client.command.bind(parts.client);
    this.insert = parts.client.insert.bind(parts.client);
    this.exec = parts.client.exec.bind(parts.client);
  }

  async close(): Promise<void> {
    await this.client.close();
    if (this.stagingDir) fs.rmSync(this.stagingDir, { recursive: true, force: true });
  }
}

let staged = 0;

/** The CLICKHOUSE_CLUSTER a server warehouse was opened with. */
export const clusterOf = (ch: Warehouse): string | undefined => ch.cluster;

/**
 * Settings every linehouse session runs with, on chDB and on a server alike. chdb/connection
 * turns `clickhouse_settings` into `SET` statements that stay on the session, so a setting meant
 * for one statement goes in that statement's SETTINGS clause (as insertEncoded and chDB's raw
 * insert do), never in a per-call `clickhouse_settings` on the embedded warehouse.
 */
const SESSION_SETTINGS = {
  // Synchronous inserts, whatever the engine's default (1 since ClickHouse 26): linehouse batches
  // its own inserts, and a load is acknowledged only once its block is stored under its
  // deduplication token, which is what the exactly-once tests count.
  async_insert: 0,
  date_time_input_format: 'best_effort',
  // JSON rows may carry fields a table lacks (raw provider objects); extra keys are not an error.
  input_format_skip_unknown_fields: 1,
  output_format_json_quote_64bit_integers: 0,
} as const;

export function chdbPath(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'chdb');
}

/**
 * One factory for both deployments. CLICKHOUSE_URL unset: chDB in this process, at
 * <data dir>/chdb (one process per data dir: `linehouse up` owns it and serves
 * `linehouse query` for other processes). Set: a ClickHouse server, same SQL.
 */
export async function createWarehouse(config: Pick<Config, 'clickhouse' | 'dataDir'>): Promise<Warehouse> {
  const { url, user, password, database } = config.clickhouse;
  if (url) {
    const bootstrap = nameFailures(
      createClient({ url, username: user, password, clickhouse_settings: SESSION_SETTINGS }),
      {
        embedded: false,
        location: serverLocation(url, database),
      },
    );
    try {
      await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    } finally {
      await bootstrap.close();
    }
    // On a cluster the views join Distributed tables: those joins and INs must be GLOBAL, and an
    // insert must be on its shard before it is acknowledged (platform/warehouse/cluster-ddl.ts).
    const settings = config.clickhouse.cluster
      ? { ...SESSION_SETTINGS, ...CLUSTER_SESSION_SETTINGS }
      : SESSION_SETTINGS;
    const client = createClient({
      url,
      username: user,
      password,
      database,
      clickhouse_settings: settings,
      request_timeout: 300_000,
    });
    return new Warehouse({
      client: nameFailures(client, { embedded: false, location: serverLocation(url, database) }),
      mode: 'server',
      cluster: config.clickhouse.cluster,
    });
  }
  fs.mkdirSync(chdbPath(config), { recursive: true });
  const session = openEmbeddedSession(config);
  const ch = new Warehouse({
    client: session.client,
    mode: 'embedded',
    rawInsert: session.rawInsert,
    stagingDir: openStaging(config.dataDir),
  });
  await ch.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  // chDB's connection has no per-request database: select it once for the session.
  await ch.command({ query: `USE ${database}` });
  return ch;
}

/**
 * A chDB session on the data dir, with insertRows' zero-copy raw insert. Several sessions in one
 * process share the engine and its data and run statements in parallel (one session runs one
 * statement at a time): the webhook receiver lands on a session of its own (refresh/webhook/landing-store.ts).
 * The caller selects the database (`USE`).
 */
export function openEmbeddedSession(config: Pick<Config, 'dataDir'>): Warehouse {
  shieldEngineFromStdin();
  const where = { embedded: true, location: chdbPath(config) };
  let chdb: ReturnType<typeof createChdbConnection>;
  try {
    chdb = createChdbConnection({ path: chdbPath(config) });
  } catch (err) {
    throw warehouseError(err, 'opening the warehouse', where);
  }
  // chdb/connection is typed against its own copy of @clickhouse/client-common; the runtime
  // interface is the same, so the cast only bridges the duplicate type declarations.
  const connection = chdb as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'];
  const client = nameFailures(createClient({ connection, clickhouse_settings: SESSION_SETTINGS }), where);
  const rawInsert: RawInsert = async (params) => {
    try {
      return await chdb.chdb.rawInsert(params);
    } catch (err) {
      throw warehouseError(err, `insert into ${params.table}`, where);
    }
  };
  return new Warehouse({ client, mode: 'embedded', rawInsert });
}

const serverLocation = (url: string, database: string): string => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host} (database ${database})`;
  } catch {
    return `${url} (database ${database})`;
  }
};

/**
 * Every statement's failure becomes a WarehouseError naming the statement, the warehouse and the
 * next step (platform/warehouse/errors.ts), whichever call sent it: the helpers here, the migrations,
 * the reports' own queries.
 */
function nameFailures(client: ClickHouseClient, where: { embedded: boolean; location: string }): ClickHouseClient {
  const guard =
    <P>(send: (p: P) => Promise<unknown>, statement: (p: P) => string) =>
    async (p: P) => {
      try {
        return await send(p);
      } catch (err) {
        throw warehouseError(err, statement(p), where);
      }
    };
  const bySql = (p: { query: string }) => describeStatement(p.query);
  client.query = guard(client.query.bind(client), bySql) as typeof client.query;
  client.command = guard(client.command.bind(client), bySql) as typeof client.command;
  client.exec = guard(client.exec.bind(client), bySql) as typeof client.exec;
  const insert = client.insert.bind(client) as (p: { table: string }) => Promise<unknown>;
  client.insert = guard(insert, (p) => `insert into ${p.table}`) as typeof client.insert;
  return client;
}

export async function queryRows<T = Record<string, unknown>>(
  ch: Warehouse,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const rs = await ch.query({ query, query_params: params, format: 'JSONEachRow' });
  return (await rs.json()) as T[];
}

export async function insertRows(
  ch: Warehouse,
  table: string,
  rows: readonly object[],
  dedupToken?: string,
): Promise<void> {
  if (rows.length === 0) return;
  failpoint(`before_insert:${table}`);
  if (failpointArmed(`during_insert:${table}`)) return crashDuringInsert(ch, table, rows, dedupToken);
  await sendInsert(ch, table, rows, dedupToken);
  failpoint(`after_insert:${table}`);
}

/**
 * insertRows for small rows from concurrent callers (markers, run rows, attempts): calls that
 * arrive while an insert into the table runs go out together as the next insert
 * (platform/warehouse/coalesce.ts). No deduplication token: a shared insert is one block of several
 * callers' rows, so use it only where a row stored twice after a retry is harmless (never for
 * bets or slips, whose replayed insert must be deduplicated).
 */
export async function appendRows(ch: Warehouse, table: string, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  if (failpointArmed(`during_insert:${table}`)) return insertRows(ch, table, rows);
  failpoint(`before_insert:${table}`);
  const append = ch.coalescers.get(`insert:${table}`, () =>
    coalescing(async (batches: (readonly object[])[]) => {
      await sendInsert(ch, table, batches.flat());
      return batches.map(() => undefined);
    }),
  );
  await append(rows);
  failpoint(`after_insert:${table}`);
}

/**
 * A point lookup by one string key, coalesced with the concurrent lookups of the same statement
 * into one `IN`. `sql` takes the keys as `{keys:Array(String)}` and returns each row's key as
 * `lookup_key`, at most one row per key; the row of `key` comes back, or undefined.
 */
export function lookupByKey<T extends { lookup_key: string }>(
  ch: Warehouse,
  sql: string,
  key: string,
  params: Record<string, unknown> = {},
): Promise<T | undefined> {
  const lookup = ch.coalescers.get(`lookup:${sql}:${JSON.stringify(params)}`, () =>
    coalescing(async (keys: string[]) => {
      const rows = await queryRows<T>(ch, sql, { ...params, keys: [...new Set(keys)] });
      const byKey = new Map(rows.map((r) => [String(r.lookup_key), r]));
      return keys.map((k) => byKey.get(k));
    }),
  );
  return lookup(key);
}

/**
 * Reliability tests only (platform/failpoints.ts): sends the insert, then dies before it is
 * acknowledged, so the engine is mid-insert when the process goes. A ClickHouse insert of one
 * block is atomic (the part is renamed into place or not at all), so this is the honest
 * "during": whether the rows landed is up to the engine, never half of one block.
 */
async function crashDuringInsert(
  ch: Warehouse,
  table: string,
  rows: readonly object[],
  dedupToken?: string,
): Promise<void> {
  const sent = sendInsert(ch, table, rows, dedupToken);
  await new Promise((r) => setImmediate(r));
  failpoint(`during_insert:${table}`);
  await sent;
}

async function sendInsert(ch: Warehouse, table: string, rows: readonly object[], dedupToken?: string): Promise<void> {
  const raw = ch.rawInsert;
  if (raw) {
    // Embedded: one JSONEachRow buffer handed to chDB without copying it into an SQL string
    // (200k odds rows: 0.73 s here vs 2.85 s through client.insert, which splices rows into the SQL text).
    let body = '';
    for (const row of rows) body += JSON.stringify(row) + '\n';
    await raw({
      table,
      values: Buffer.from(body),
      format: 'JSONEachRow',
      settings: { ...SESSION_SETTINGS, ...(dedupToken ? { insert_deduplication_token: dedupToken } : {}) },
    });
    return;
  }
  await ch.insert({
    table,
    values: rows as object[],
    format: 'JSONEachRow',
    clickhouse_settings: dedupToken ? { insert_deduplication_token: dedupToken } : undefined,
  });
}

/** Rows already encoded in an insert format (feeds/tsv.ts): no row objects reach the insert. */
export interface EncodedRows {
  /** Native only where the engine reads a staged file (embedded: see `stagesInserts`). */
  format: 'TabSeparated' | 'Native';
  /** The target columns, in order; the table's other columns take their defaults. */
  columns: readonly string[];
  /** The bytes, in order: a columnar format's parts go out as they are, never joined into one copy. */
  body: readonly Buffer[];
  rows: number;
  /** The file's own column list (`name Type, …`), when it is not the target table's. */
  structure?: string;
  /** One SELECT expression per target column over the file's columns (default `*`). */
  select?: readonly string[];
}

/** True when inserts go through a staged file the engine reads itself (chDB), so any file format works. */
export const stagesInserts = (ch: Warehouse): boolean => ch.stagingDir !== undefined;

/**
 * insertRows for rows already encoded: same failpoints, same atomicity (one batch, one block).
 * Embedded, the body goes to a file the engine reads with file(): chDB's raw insert parses
 * inline data at about 8 ns a byte (5.5 µs per odds row), file() at about a fifth of that, and
 * the structure comes from the target table (use_structure_from_insertion_table_in_table_functions).
 */
export async function insertEncoded(ch: Warehouse, table: string, enc: EncodedRows): Promise<void> {
  if (enc.rows === 0) return;
  failpoint(`before_insert:${table}`);
  const sent = sendEncoded(ch, table, enc);
  if (failpointArmed(`during_insert:${table}`)) {
    await new Promise((r) => setImmediate(r));
    failpoint(`during_insert:${table}`);
  }
  await sent;
  failpoint(`after_insert:${table}`);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

async function sendEncoded(ch: Warehouse, table: string, enc: EncodedRows): Promise<void> {
  for (const c of [table, ...enc.columns])
    if (!IDENT.test(c)) throw new Error(`insertEncoded: "${c}" is not a plain identifier`);
  const staging = ch.stagingDir;
  if (!staging) {
    if (enc.format !== 'TabSeparated')
      throw new Error(`insertEncoded: ${enc.format} needs the embedded warehouse; send TabSeparated to a server`);
    await ch.insert({
      table,
      values: Readable.from(enc.body),
      format: enc.format,
      columns: [...enc.columns] as [string, ...string[]],
    });
    return;
  }
  const file = path.join(staging, `${table}-${process.pid}-${++staged}.${enc.format.toLowerCase()}`);
  // Synchronous on purpose: an async write proceeds one 512 KiB chunk per turn of the event loop,
  // and a feed busy parsing gives it few turns (50 batches took 5 s of writes at 1M ticks).
  writeStagedFile(file, enc.body);
  try {
    const source = `file(${sqlString(file)}, ${enc.format}${enc.structure ? `, ${sqlString(enc.structure)}` : ''})`;
    // One parsing thread: chosen when staged batches were TabSeparated (measured 2026-11-21; in the git history of bench/RESULTS.md);
    // Native has no parallel parser, so for it the setting changes nothing.
    await ch.command({
      query: `INSERT INTO ${table} (${enc.columns.join(', ')}) SELECT ${enc.select?.join(', ') ?? '*'} FROM ${source} SETTINGS input_format_parallel_parsing = 0`,
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const ROW_RETURNING = /^\s*(\(|select\b|with\b|show\b|describe\b|desc\b|explain\b|exists\b)/i;

/** Runs analyst SQL: row-returning statements give JSONEachRow text, others run as commands. */
export async function runSql(ch: Warehouse, sql: string): Promise<string> {
  const statement = sql.trim().replace(/;\s*$/, '');
  if (ROW_RETURNING.test(statement)) {
    const rs = await ch.query({ query: statement, format: 'JSONEachRow' });
    return rs.text();
  }
  await ch.command({ query: statement });
  return '';
}
