import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printDdl } from '../../../../cli/migrate';
import { createWarehouse, queryRows, type Warehouse } from '../../../../platform/warehouse/client';
import {
  clusterStatement,
  deleteFrom,
  orderByColumns,
  shardingKeyColumns,
} from '../../../../platform/warehouse/cluster-ddl';
import {
  bootstrapStatements,
  loadMigrations,
  loadRepeatables,
  migrate,
  migrationStatements,
  repeatableStatements,
  SCHEMA_MIGRATIONS_DDL,
  SCHEMA_REPEATABLES_DDL,
} from '../../../../platform/warehouse/migrate';

const CLUSTER = { cluster: 'prod', database: 'linehouse' };
const SINGLE = { database: 'linehouse' };

// Written out here, not imported, so a changed key has to be changed (and justified) twice.
const EXPECTED_KEYS: Record<string, string> = {
  schema_migrations: 'cityHash64(version)',
  schema_repeatables: 'cityHash64(name)',
  webhook_deliveries: 'cityHash64(delivery_id)',
  rejected_messages: 'cityHash64(source, reason, rejected_at)',
  data_warnings: 'cityHash64(source, rule, field)',
  rejection_replays: 'cityHash64(rejection_id)',
  bet_slips: 'cityHash64(id)',
  bets: 'cityHash64(bet_slip_id)',
  refresh_runs: 'cityHash64(bettor_account_id)',
  refresh_attempts: 'cityHash64(bettor_account_id)',
  load_markers: 'cityHash64(kind, key)',
  bettors: 'cityHash64(id)',
  bettor_account_events: 'cityHash64(bettor_account_id)',
  odds_ticks: 'cityHash64(event_key)',
  settlements: 'cityHash64(event_key)',
  fixtures: 'cityHash64(event_key)',
  odds_event_facts: 'cityHash64(event_key)',
  closing_materializations: 'cityHash64(event_key)',
  closing_lines_store: 'cityHash64(event_key)',
  event_map: 'cityHash64(source_event_key)',
  team_map: 'cityHash64(source_event_key)',
  feed_checkpoints: 'cityHash64(feed)',
  feed_gaps: 'cityHash64(feed)',
  feed_starts: 'cityHash64(feed)',
  book_map: 'cityHash64(sharpsports_book)',
};

const TABLE = /^CREATE TABLE IF NOT EXISTS (\w+)/;
const ENGINE = /\)\s*ENGINE\s*=\s*(\w+)(?:\(([^)]*)\))?/;
const HEAD_ON_CLUSTER = /^(CREATE|ALTER)\b[^\n(]*? ON CLUSTER prod\b/;

const migrations = loadMigrations();
const repeatables = loadRepeatables();
// The bootstrap and the migrations; linehouse migrate --print-ddl (cli/migrate.ts) prints these, then the repeatables.
const printable = [SCHEMA_MIGRATIONS_DDL, SCHEMA_REPEATABLES_DDL, ...migrations.flatMap((m) => m.statements)];
// Everything migrate runs: the repeatables (sql/views, sql/functions) go through the same rewrite.
const original = [...printable, ...repeatables.flatMap((r) => r.statements)];
const pairs = original.map((s) => ({ s, out: clusterStatement(s, CLUSTER) }));
const mergeTreeTables = original
  .filter((s) => TABLE.test(s) && /^\w*MergeTree$/.test(ENGINE.exec(s)?.[1] ?? ''))
  .map((s) => TABLE.exec(s)![1]);

describe('cluster DDL (CLICKHOUSE_CLUSTER=prod), statement by statement', () => {
  it('without a cluster the DDL is byte-identical to the sql/ files and the bootstrap of before', () => {
    for (const m of migrations) expect(migrationStatements(m, SINGLE)).toEqual(m.statements);
    for (const r of repeatables) expect(repeatableStatements(r, SINGLE)).toEqual(r.statements);
    expect(bootstrapStatements(SINGLE)).toEqual([
      `CREATE TABLE IF NOT EXISTS schema_migrations (
      version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version
    COMMENT 'Read by linehouse migrate: which numbered sql/ files this warehouse already has.'`,
      SCHEMA_REPEATABLES_DDL,
    ]);
    const printed = printDdl(SINGLE);
    expect(printed).not.toMatch(/ON CLUSTER|_local\b|Replicated|Distributed/);
    for (const s of [...printable, ...repeatables.flatMap((r) => r.statements)]) expect(printed).toContain(`${s};\n`);
  });

  it('puts ON CLUSTER in the head of every DDL statement; only INSERTs (which cannot) go without', () => {
    expect(bootstrapStatements(CLUSTER)[0]).toBe('CREATE DATABASE IF NOT EXISTS linehouse ON CLUSTER prod');
    const printed = printDdl(CLUSTER);
    for (const o of [
      ...bootstrapStatements(CLUSTER),
      ...pairs.filter((p) => printable.includes(p.s)).flatMap((p) => p.out),
    ])
      expect(printed).toContain(`${o};\n`);
    const viaMigrate = repeatables.flatMap((r) => repeatableStatements(r, CLUSTER));
    expect(viaMigrate).toEqual(pairs.filter((p) => !printable.includes(p.s)).flatMap((p) => p.out));
    for (const o of viaMigrate) expect(printed).toContain(`${o};\n`);
    for (const { s, out } of pairs)
      for (const o of out) {
        if (/^INSERT INTO/.test(s)) expect(o).toBe(s);
        else expect(o, o.slice(0, 80)).toMatch(HEAD_ON_CLUSTER);
      }
  });

  it('turns every MergeTree-family table into a Replicated <t>_local with its engine arguments kept', () => {
    expect(mergeTreeTables.length).toBeGreaterThan(15);
    for (const { s, out } of pairs.filter((p) => TABLE.test(p.s))) {
      const t = TABLE.exec(s)![1];
      const [, family, args] = ENGINE.exec(s)!;
      expect(out, t).toHaveLength(2);
      const path = `'/clickhouse/tables/{shard}/{database}/${t}_local', '{replica}'`;
      expect(out[0]).toMatch(new RegExp(`^CREATE TABLE IF NOT EXISTS ${t}_local ON CLUSTER prod\\b`));
      expect(out[0]).toContain(`ENGINE = Replicated${family}(${path}${args ? `, ${args}` : ''})`);
      if (family === 'ReplacingMergeTree' && args) expect(out[0]).toMatch(new RegExp(`'\\{replica\\}', ${args}\\)`));
      // Columns, ORDER BY, PARTITION BY, SETTINGS and COMMENT survive unchanged.
      const back = out[0]
        .replace(`${t}_local ON CLUSTER prod`, t)
        .replace(`Replicated${family}(${path}${args ? `, ${args}` : ''})`, args ? `${family}(${args})` : family)
        .replace(/\breplicated_deduplication_window = /, 'non_replicated_deduplication_window = ');
      expect(out[0]).not.toMatch(/non_replicated_deduplication_window/);
      if (/non_replicated_deduplication_window = 1000/.test(s))
        expect(out[0]).toContain('replicated_deduplication_window = 1000');
      expect(back).toBe(s);
    }
  });

  it('adds a Distributed table under the original name, sharded by a hash of ORDER BY columns so FINAL stays per shard', () => {
    const seen = new Set<string>();
    for (const { s, out } of pairs.filter((p) => TABLE.test(p.s))) {
      const t = TABLE.exec(s)![1];
      const m = new RegExp(
        `^CREATE TABLE IF NOT EXISTS ${t} ON CLUSTER prod AS ${t}_local\\nENGINE = Distributed\\(prod, linehouse, ${t}_local, (.+)\\)\\nCOMMENT '`,
      ).exec(out[1]);
      expect(m, out[1]).not.toBeNull();
      expect(m![1], t).toBe(EXPECTED_KEYS[t]);
      const order = orderByColumns(s);
      for (const c of shardingKeyColumns(m![1])) expect(order, `${t}: ${c}`).toContain(c);
      expect(out[1]).toContain(/COMMENT '.*'$/s.exec(s)![0]);
      seen.add(t);
    }
    expect([...seen].sort()).toEqual([...mergeTreeTables].sort());
    expect([...seen].sort()).toEqual(Object.keys(EXPECTED_KEYS).sort());
  });

  it('creates materialized views on the local tables, so every shard’s inserts feed them', () => {
    const mvs = pairs.filter((p) => /^CREATE MATERIALIZED VIEW/.test(p.s));
    expect(mvs.map((p) => /VIEW (?:IF NOT EXISTS )?(\w+)/.exec(p.s)![1])).toEqual(['odds_event_facts_mv']);
    for (const { out } of mvs) {
      expect(out).toHaveLength(1);
      expect(out[0]).toMatch(
        /^CREATE MATERIALIZED VIEW IF NOT EXISTS odds_event_facts_mv ON CLUSTER prod TO odds_event_facts_local AS\b/,
      );
      expect(out[0]).toMatch(/\bFROM odds_ticks_local\b/);
      expect(out[0]).not.toMatch(/\b(FROM|JOIN)\s+odds_ticks\b(?!_local)/);
    }
  });

  it('leaves views, parameterized views and UDFs untouched except ON CLUSTER (they read the Distributed names)', () => {
    const kinds = pairs.filter((p) => /^CREATE (OR REPLACE )?(VIEW|FUNCTION)/.test(p.s));
    expect(kinds.some((p) => /VIEW bet_clv_at\b/.test(p.s))).toBe(true);
    expect(kinds.filter((p) => /FUNCTION/.test(p.s)).length).toBeGreaterThan(20);
    for (const { s, out } of kinds) {
      expect(out).toHaveLength(1);
      expect(out[0].replace(/^(CREATE (?:OR REPLACE )?(?:VIEW|FUNCTION) \w+) ON CLUSTER prod AS\b/, '$1 AS')).toBe(s);
      expect(out[0]).not.toMatch(/_local\b/);
    }
  });

  it('sends column ALTERs to the local table and then the Distributed one; INSERTs go through the Distributed table', () => {
    const alter = pairs.find((p) => /^ALTER TABLE bet_slips ADD COLUMN IF NOT EXISTS content_hash/.test(p.s))!;
    const rest = alter.s.slice('ALTER TABLE bet_slips '.length);
    expect(alter.out).toEqual([
      `ALTER TABLE bet_slips_local ON CLUSTER prod ${rest}`,
      `ALTER TABLE bet_slips ON CLUSTER prod ${rest}`,
    ]);
    expect(clusterStatement('ALTER TABLE odds_ticks MODIFY TTL toDateTime(ts) + INTERVAL 1 YEAR', CLUSTER)).toEqual([
      'ALTER TABLE odds_ticks_local ON CLUSTER prod MODIFY TTL toDateTime(ts) + INTERVAL 1 YEAR',
    ]);
    const inserts = pairs.filter((p) => /^INSERT/.test(p.s));
    expect(inserts.map((p) => /^INSERT INTO (\w+)/.exec(p.s)![1]).sort()).toEqual([
      'book_map',
      'feed_starts',
      'odds_event_facts',
    ]);
  });

  it('refuses what it cannot make correct, naming the table; deletes go to the local tables', () => {
    const cols = '(\n    id String,\n    v UInt64\n)\nENGINE = ReplacingMergeTree(v)\n';
    expect(() =>
      clusterStatement(`CREATE TABLE IF NOT EXISTS new_table ${cols}ORDER BY id COMMENT 'Read by x'`, CLUSTER),
    ).toThrow(/no sharding key for new_table/);
    expect(() =>
      clusterStatement(`CREATE TABLE IF NOT EXISTS bet_slips ${cols}ORDER BY (v) COMMENT 'Read by x'`, CLUSTER),
    ).toThrow(/sharding key of bet_slips uses id, not in its ORDER BY/);
    expect(() => clusterStatement('CREATE TABLE IF NOT EXISTS bets (id String) ENGINE = Memory', CLUSTER)).toThrow(
      /engine Memory/,
    );
    expect(() =>
      clusterStatement(
        'CREATE MATERIALIZED VIEW IF NOT EXISTS x_mv TO odds_event_facts AS SELECT * FROM odds_ticks AS t JOIN event_map AS e ON e.source = t.source',
        CLUSTER,
      ),
    ).toThrow(/must read exactly one sharded table/);
    expect(() => clusterStatement('DROP TABLE bets', CLUSTER)).toThrow(/statement kind not handled/);
    expect(deleteFrom('closing_lines_store', 'prod')).toBe('DELETE FROM closing_lines_store_local ON CLUSTER prod');
    expect(deleteFrom('closing_lines_store')).toBe('DELETE FROM closing_lines_store');
  });
});

// chDB has no Keeper and no clusters: parse every statement as written, then run the table
// parts with the Replicated engines swapped back and Merge standing in for Distributed.
describe('cluster DDL on chDB', () => {
  let dir: string;
  let ch: Warehouse;
  const cluster = [
    ...bootstrapStatements(CLUSTER),
    ...migrations.flatMap((m) => migrationStatements(m, CLUSTER)),
    ...repeatables.flatMap((r) => repeatableStatements(r, CLUSTER)),
  ];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-cluster-ddl-'));
    ch = await createWarehouse({ dataDir: dir, clickhouse: { user: 'default', password: '', database: 'lh_single' } });
    await migrate(ch, undefined, { database: 'lh_single' });
    await ch.command({ query: 'CREATE DATABASE IF NOT EXISTS lh_cluster' });
    await ch.command({ query: 'USE lh_cluster' });
  });
  afterAll(async () => {
    await ch?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('parses every generated statement (EXPLAIN AST), and a broken one does not', async () => {
    for (const s of cluster)
      await expect(
        ch.query({ query: `EXPLAIN AST ${s}` }).then((r) => r.text()),
        s.slice(0, 80),
      ).resolves.toMatch(/Query/);
    await expect(
      ch.query({ query: `EXPLAIN AST ${cluster[1].replace('ENGINE = Replicated', 'ENGINE = (Replicated')}` }),
    ).rejects.toThrow(/Syntax error/);
  });

  it('runs the table parts de-replicated, and the schema matches the single-node one column for column', async () => {
    for (const s of cluster.slice(1)) {
      const local = s
        .replace(' ON CLUSTER prod', '')
        .replace(/Replicated(\w*MergeTree)\('[^']*', '\{replica\}'(?:, ([^)]*))?\)/, (_m, f: string, a?: string) =>
          a ? `${f}(${a})` : f,
        )
        .replace(/ENGINE = Distributed\(prod, linehouse, (\w+), .+\)/, "ENGINE = Merge(currentDatabase(), '^$1$$')")
        .replace(/^INSERT INTO (\w+)/, 'INSERT INTO $1_local');
      await ch.command({ query: local });
    }
    const shape = (db: string) =>
      queryRows<{ table: string; cols: string[] }>(
        ch,
        `SELECT table, groupArray(name || ' ' || type) AS cols FROM (SELECT table, name, type FROM system.columns WHERE database = '${db}' AND table NOT LIKE '%\\_local' ORDER BY table, position) GROUP BY table ORDER BY table`,
      );
    const single = await shape('lh_single');
    expect(single.length).toBeGreaterThan(25);
    expect(await shape('lh_cluster')).toEqual(single);
    const engines = await queryRows<{ name: string; engine: string }>(
      ch,
      "SELECT name, engine FROM system.tables WHERE database = 'lh_cluster' AND name LIKE '%\\_local' ORDER BY name",
    );
    expect(engines.map((e) => e.name)).toEqual(
      Object.keys(EXPECTED_KEYS)
        .map((t) => `${t}_local`)
        .sort(),
    );
  });

  it('folds versions with FINAL through the stand-in, feeds odds_event_facts from local inserts, and the views resolve', async () => {
    await ch.command({
      query: "INSERT INTO bet_slips_local (id, status, version) VALUES ('S1', 'pending', 1), ('S1', 'won', 2)",
    });
    expect(await queryRows(ch, "SELECT status FROM bet_slips FINAL WHERE id = 'S1'")).toEqual([{ status: 'won' }]);
    await ch.command({
      query:
        "INSERT INTO odds_ticks_local (tick_id, source, event_key, ts) VALUES ('t1', 'opticodds', 'E1', '2026-01-01 00:00:00')",
    });
    expect(
      await queryRows(ch, 'SELECT event_key, sum(ticks) AS n FROM odds_event_facts_local GROUP BY event_key'),
    ).toEqual([{ event_key: 'E1', n: 1 }]);
    expect(await queryRows(ch, 'SELECT count() AS n FROM book_map_local')).toEqual([{ n: 4 }]);
    for (const v of ['closing_lines', 'bet_clv', 'closing_events', 'market_map'])
      await expect(queryRows(ch, `SELECT count() AS n FROM ${v}`)).resolves.toHaveLength(1);
  });
});
