import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config';
import { log } from '../log';
import { insertRows, queryRows, type Warehouse } from './client';
import { clusterStatements, createDatabaseOnCluster, type ClusterOptions } from './cluster-ddl';

export const SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql');

export interface Migration {
  version: number;
  name: string;
  file: string;
  checksum: string;
  statements: string[];
}

/** Statements are separated by a line that ends with `;` (comments and blank lines are dropped). */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function loadMigrations(dir = SQL_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/^\d{4}_|\.sql$/g, ''),
        file,
        checksum: crypto.createHash('sha256').update(text).digest('hex'),
        statements: splitStatements(text),
      };
    });
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
  /** View definitions not run because a later pending migration replaces the view first. */
  supersededViews: number;
}

const VIEW_DEF = /^CREATE OR REPLACE VIEW ([A-Za-z_][A-Za-z0-9_]*) AS\b/;

/**
 * Which of these statements (in apply order) are view definitions that need not run: a later one
 * replaces the same view, and no statement run in between names it. Creating a view analyses its
 * whole query, and the CLV views are defined three times over the migrations (0007, 0008, 0011):
 * on a fresh warehouse only the last definitions matter. Decided from the end, so a statement
 * that names a view counts only if it runs itself.
 */
export function supersededViewDefinitions(statements: readonly string[]): Set<number> {
  const skip = new Set<number>();
  const mentions = (stmt: string, name: string) => new RegExp(`\\b${name}\\b`).test(stmt);
  for (let i = statements.length - 1; i >= 0; i--) {
    const name = VIEW_DEF.exec(statements[i])?.[1];
    if (!name) continue;
    for (let j = i + 1; j < statements.length; j++) {
      if (skip.has(j)) continue;
      if (VIEW_DEF.exec(statements[j])?.[1] === name) {
        skip.add(i);
        break;
      }
      if (mentions(statements[j], name)) break;
    }
  }
  return skip;
}

/** `cluster` set: the DDL of platform/warehouse/cluster-ddl.ts (CLICKHOUSE_CLUSTER); unset: sql/ as written. */
export interface MigrateOptions {
  cluster?: string;
  database: string;
}

/** The configured mode, for callers that do not pass one (`linehouse up`). */
export function migrateOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MigrateOptions {
  const { cluster, database } = loadConfig(env).clickhouse;
  return { cluster, database };
}

export const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
      version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version
    COMMENT 'Read by linehouse migrate: which numbered sql/ files this warehouse already has.'`;

const clusterOf = (o: MigrateOptions): ClusterOptions | undefined => (o.cluster ? { cluster: o.cluster, database: o.database } : undefined);

/** What runs before any migration: the database on every node (cluster) and schema_migrations. */
export function bootstrapStatements(o: MigrateOptions): string[] {
  const c = clusterOf(o);
  return c ? [createDatabaseOnCluster(c), ...clusterStatements([SCHEMA_MIGRATIONS_DDL], c)] : [SCHEMA_MIGRATIONS_DDL];
}

/** A migration's statements for the mode; without a cluster exactly the parsed file. */
export function migrationStatements(m: Migration, o: MigrateOptions): string[] {
  const c = clusterOf(o);
  return c ? clusterStatements(m.statements, c) : m.statements;
}

async function run(ch: Warehouse, statement: string, where: string): Promise<void> {
  try {
    await ch.command({ query: statement });
  } catch (err) {
    throw new Error(`${where} failed: ${(err as Error).message}`);
  }
}

/**
 * Applies numbered migrations in order and records each in `schema_migrations`. Every
 * statement is idempotent (IF NOT EXISTS / OR REPLACE), so a run cut short and repeated
 * converges; a changed file that was already applied is reported, never silently re-run.
 */
export async function migrate(ch: Warehouse, dir = SQL_DIR, opts: MigrateOptions = migrateOptionsFromEnv()): Promise<MigrateResult> {
  for (const [i, statement] of bootstrapStatements(opts).entries()) await run(ch, statement, `migration bootstrap statement ${i + 1}`);
  const done = new Map(
    (await queryRows<{ version: number; checksum: string }>(ch, 'SELECT version, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY version')).map(
      (r) => [Number(r.version), r.checksum],
    ),
  );
  const applied: string[] = [];
  const migrations = loadMigrations(dir);
  for (const m of migrations) {
    const prior = done.get(m.version);
    if (prior !== undefined && prior !== m.checksum) log.warn('migration.changed_after_apply', { file: m.file, hint: 'add a new numbered migration instead of editing an applied one' });
  }
  const pending = migrations.filter((m) => !done.has(m.version));
  // On a cluster every statement runs as rewritten for it (ON CLUSTER, local and Distributed tables).
  const flat = opts.cluster ? [] : pending.flatMap((m) => m.statements.map((statement, index) => ({ m, index, statement })));
  const skipped = new Set([...supersededViewDefinitions(flat.map((x) => x.statement))].map((k) => `${flat[k].m.version}:${flat[k].index}`));
  for (const m of pending) {
    const started = Date.now();
    const statements = migrationStatements(m, opts);
    for (const [i, statement] of statements.entries()) {
      if (skipped.has(`${m.version}:${i}`)) continue;
      await run(ch, statement, `migration ${m.file} statement ${i + 1}`);
    }
    const row = { version: m.version, name: m.name, checksum: m.checksum };
    // Through a Distributed table an insert is forwarded in the background by default; the next
    // migrate (or a concurrent `up`) must see this row, so the cluster insert waits for the shard.
    if (opts.cluster) await ch.insert({ table: 'schema_migrations', values: [row], format: 'JSONEachRow', clickhouse_settings: { insert_distributed_sync: 1 } });
    else await insertRows(ch, 'schema_migrations', [row]);
    applied.push(m.file);
    log.info('migration.applied', { file: m.file, statements: statements.length, ms: Date.now() - started, progress: `${applied.length}/${pending.length}` });
  }
  return { applied, alreadyApplied: done.size, supersededViews: skipped.size };
}
