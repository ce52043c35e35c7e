import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_SESSION_SETTINGS } from '../../../../platform/warehouse/cluster-ddl';
import {
  bootstrapStatements,
  loadMigrations,
  loadRepeatables,
  migrationStatements,
  repeatableStatements,
} from '../../../../platform/warehouse/migrate';

// chDB with a two-shard cluster `prod` whose shards nobody listens on: the Distributed statements
// run exactly as generated (the engine checks the cluster exists, not that it answers), and a
// query shows how far it gets before it needs a shard. Keeper is absent, so the local tables are
// created with the Replicated engines swapped back (what test/unit/platform/warehouse/cluster-ddl.test.ts also does).
const CLUSTER = { cluster: 'prod', database: 'linehouse' };
const CONFIG = `<clickhouse><remote_servers><prod>
  <shard><replica><host>127.0.0.1</host><port>1</port></replica></shard>
  <shard><replica><host>127.0.0.1</host><port>2</port></replica></shard>
</prod></remote_servers></clickhouse>`;
const VIEWS = [
  'market_map',
  'closing_lines_live',
  'closing_events',
  'closing_partials_pending',
  'closing_lines',
  'bet_clv',
  'clv_significance',
];
const DENIED = /DISTRIBUTED_IN_JOIN_SUBQUERY_DENIED|Double-distributed/;
const NO_SHARD = /NETWORK_ERROR|ALL_CONNECTION_TRIES_FAILED|Connection refused/;

describe('generated Distributed DDL on chDB with a cluster defined', () => {
  let dir: string;
  let s: Session;
  const run = (sql: string) => s.query(sql, 'JSONEachRow');
  const failure = (sql: string): string => {
    try {
      run(sql);
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-cluster-dist-'));
    fs.writeFileSync(path.join(dir, 'cluster.xml'), CONFIG);
    s = new Session(path.join(dir, 'chdb'), { connectionArgs: [`--config-file=${path.join(dir, 'cluster.xml')}`] });
    run('CREATE DATABASE IF NOT EXISTS linehouse');
    run('USE linehouse');
    const statements = [
      ...bootstrapStatements(CLUSTER).slice(1),
      ...loadMigrations().flatMap((m) => migrationStatements(m, CLUSTER)),
      ...loadRepeatables().flatMap((r) => repeatableStatements(r, CLUSTER)),
    ];
    // INSERTs would be queued for shards that never answer; they are checked statement by statement elsewhere.
    for (const st of statements.filter((x) => !/^INSERT/.test(x)))
      run(
        st
          .replace(' ON CLUSTER prod', '')
          .replace(/Replicated(\w*MergeTree)\('[^']*', '\{replica\}'(?:, ([^)]*))?\)/, (_m, f: string, a?: string) =>
            a ? `${f}(${a})` : f,
          ),
      );
  });
  afterAll(() => {
    s?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates every contract table as Distributed over its _local table with the chosen key', () => {
    const rows = run(
      "SELECT name, engine_full FROM system.tables WHERE database = 'linehouse' AND engine = 'Distributed' ORDER BY name",
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; engine_full: string });
    const byName = Object.fromEntries(rows.map((r) => [r.name, r.engine_full]));
    for (const t of [
      'bet_slips',
      'bets',
      'refresh_runs',
      'odds_ticks',
      'settlements',
      'rejected_messages',
      'schema_migrations',
    ])
      expect(byName[t], t).toMatch(new RegExp(`^Distributed\\('prod', 'linehouse', '${t}_local', cityHash64\\(`));
    expect(byName.bets).toContain('cityHash64(bet_slip_id)');
    expect(byName.odds_ticks).toContain('cityHash64(event_key)');
  });

  it('the views need distributed_product_mode = global: the default refuses their cross-shard joins', () => {
    const denied = VIEWS.filter((v) => DENIED.test(failure(`SELECT count() FROM ${v}`)));
    // market_map reads one table; every other view joins or INs Distributed tables in subqueries.
    expect(denied).toEqual([
      'closing_lines_live',
      'closing_events',
      'closing_partials_pending',
      'closing_lines',
      'bet_clv',
      'clv_significance',
    ]);
    // With the settings of docs/operations.md (ClickHouse cluster) every view plans and goes to the shards.
    const settings = Object.entries(CLUSTER_SESSION_SETTINGS)
      .map(([k, v]) => `${k} = ${typeof v === 'string' ? `'${v}'` : v}`)
      .join(', ');
    for (const v of VIEWS) {
      const msg = failure(`SELECT count() FROM ${v} SETTINGS ${settings}`);
      expect(msg, v).not.toMatch(DENIED);
      expect(msg, v).toMatch(NO_SHARD);
    }
  });
});
