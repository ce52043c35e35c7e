/**
 * Production DDL for a replicated, sharded ClickHouse cluster (CLICKHOUSE_CLUSTER), derived from
 * the same parsed sql/ statements the single-node warehouse runs, so the two can never drift: the
 * versioned migrations (sql/migrations) and the repeatables (sql/views, sql/functions) alike.
 *
 * Every *MergeTree table T becomes T_local (Replicated*MergeTree, one Keeper path per shard) plus
 * T = Distributed(cluster, database, T_local, key): the table names are the external contract, so
 * inserts and analyst reads keep using T. Materialized views must hang off the local tables (an
 * INSERT into a Distributed table reaches the shards as inserts into T_local, and only those fire
 * a view; its target must be local too, or every shard would re-distribute its rows). Plain views,
 * parameterized views and SQL UDFs keep their text and only gain ON CLUSTER: they read the
 * Distributed names, so they see every shard.
 *
 * What the DDL cannot guarantee by itself (docs/operations.md (ClickHouse cluster), test/unit/platform/warehouse/cluster-ddl.test.ts):
 * - The views JOIN and IN across tables sharded by different keys (bets by slip, ticks by event).
 *   ClickHouse refuses such double-distributed subqueries by default (distributed_product_mode =
 *   'deny': an error, never a wrong answer; every view but market_map, test/unit/cluster-ddl-
 *   distributed.test.ts). The linehouse profile must set 'global' and prefer_global_in_and_join = 1
 *   (the right side is computed once on the initiator and shipped to every shard; a subquery that
 *   reads a view is otherwise re-run in full on each shard). 'local' would silently drop matches
 *   that live on other shards, so it is not an option. Only INNER and LEFT joins appear, for which
 *   a global right side gives the single-server answer.
 * - Inserts into a Distributed table are queued and forwarded in the background by default; the
 *   loaders read their own writes (load markers, claims, the 60 s refresh spacing), so the profile
 *   must set distributed_foreground_insert = 1 (alias insert_distributed_sync) and the cluster
 *   internal_replication = true.
 * - Lightweight DELETE is not supported on Distributed tables: clv/materialize.ts must delete
 *   from closing_lines_store_local ON CLUSTER in cluster mode.
 */

export interface ClusterOptions {
  cluster: string;
  database: string;
}

/**
 * The Distributed sharding key of every MergeTree-family table. FINAL (and the background merges
 * of Replacing/AggregatingMergeTree) only collapse rows that sit in the same shard, so every key
 * is a hash of columns of the table's ORDER BY: all versions of one row hash alike and land on
 * one shard, where FINAL on the Distributed table (pushed down per shard) folds them. The keys are
 * deterministic (never rand()): a retried insert splits into the same per-shard blocks, so the
 * replicated insert deduplication (insert_deduplication_token) still recognises it.
 */
export const SHARDING_KEYS: Record<string, string> = {
  // Control tables: one row per migration version, one per repeatable (sql/views, sql/functions).
  schema_migrations: 'cityHash64(version)',
  schema_repeatables: 'cityHash64(name)',
  // Landing and rejects: the row identity; rejected_messages is append-only, the hash only spreads it.
  webhook_deliveries: 'cityHash64(delivery_id)',
  rejected_messages: 'cityHash64(source, reason, rejected_at)',
  // Warnings by what they count; a rejection's replays by the rejection (one row wins).
  data_warnings: 'cityHash64(source, rule, field)',
  rejection_replays: 'cityHash64(rejection_id)',
  // A slip and its legs hash the same value (bet_slips.id = bets.bet_slip_id): one shard holds both.
  bet_slips: 'cityHash64(id)',
  bets: 'cityHash64(bet_slip_id)',
  // Refresh tables by account: the last attempt/run of an account is read as one group.
  refresh_runs: 'cityHash64(bettor_account_id)',
  refresh_attempts: 'cityHash64(bettor_account_id)',
  load_markers: 'cityHash64(kind, key)',
  bettors: 'cityHash64(id)',
  bettor_account_events: 'cityHash64(bettor_account_id)',
  // Odds tables by the feed's event key: every tick, settlement, fixture update, per-event fact and
  // stored close of one feed event share a shard, and odds_event_facts_mv's rows land where its
  // ticks do.
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

export const localName = (table: string) => `${table}_local`;

export const replicaPath = (table: string) => `/clickhouse/tables/{shard}/{database}/${localName(table)}`;

/** Columns of `ORDER BY x` or `ORDER BY (a, b, …)`. */
export function orderByColumns(createTable: string): string[] {
  const m = /\bORDER BY\s+(\([^)]*\)|\w+)/.exec(createTable);
  if (!m) return [];
  return m[1]
    .replace(/^\(|\)$/g, '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
}

/** Identifiers a sharding key hashes: the arguments of the outer function, or the bare column. */
export function shardingKeyColumns(key: string): string[] {
  const m = /^\w+\((.*)\)$/.exec(key);
  return (m ? m[1] : key)
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
}

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\w+)(\s*\()/;
// The engine follows the column list's closing parenthesis; only bare identifiers appear as engine
// arguments in sql/ (a version column), which the [^)]* relies on.
const ENGINE = /\)\s*ENGINE\s*=\s*(\w+)(?:\(([^)]*)\))?/;
const CREATE_MV = /^CREATE MATERIALIZED VIEW (IF NOT EXISTS )?(\w+) TO (\w+) AS\b/;
const CREATE_VIEW = /^CREATE (OR REPLACE )?VIEW (IF NOT EXISTS )?(\w+) AS\b/;
const CREATE_FUNCTION = /^CREATE (OR REPLACE )?FUNCTION (\w+) AS\b/;
const ALTER_TABLE = /^ALTER TABLE (\w+) /;
// Column changes must reach the Distributed table too, or it could neither insert nor read them;
// a table's comment (who reads it) belongs on the table users query, the Distributed one.
const COLUMN_ALTER = /^((ADD|DROP|MODIFY|RENAME|COMMENT) COLUMN|MODIFY COMMENT)\b/;

function unsupported(statement: string, why: string): never {
  throw new Error(`cluster DDL: ${why}: ${statement.slice(0, 100).replace(/\s+/g, ' ')}…`);
}

function tableStatements(statement: string, o: ClusterOptions): string[] {
  const name = CREATE_TABLE.exec(statement)![1];
  const engine = ENGINE.exec(statement);
  if (!engine) unsupported(statement, `no ENGINE clause found for ${name}`);
  const [clause, family, args] = engine;
  if (!/^\w*MergeTree$/.test(family) || family.startsWith('Replicated'))
    unsupported(statement, `${name} has engine ${family}; only non-replicated *MergeTree tables are converted`);
  const key = SHARDING_KEYS[name];
  if (!key)
    unsupported(
      statement,
      `no sharding key for ${name}: add one to SHARDING_KEYS in platform/warehouse/cluster-ddl.ts (a hash of its ORDER BY columns)`,
    );
  const order = orderByColumns(statement);
  const outside = shardingKeyColumns(key).filter((c) => !order.includes(c));
  if (outside.length > 0)
    unsupported(
      statement,
      `sharding key of ${name} uses ${outside.join(', ')}, not in its ORDER BY: versions of one row could land on different shards and FINAL would keep them all`,
    );
  const replicatedArgs = [`'${replicaPath(name)}'`, `'{replica}'`, ...(args?.trim() ? [args.trim()] : [])].join(', ');
  const local = statement
    .replace(
      CREATE_TABLE,
      (_m, _n, paren: string) => `CREATE TABLE IF NOT EXISTS ${localName(name)} ON CLUSTER ${o.cluster}${paren}`,
    )
    .replace(clause, () => clause.replace(/ENGINE\s*=\s*.*$/s, () => `ENGINE = Replicated${family}(${replicatedArgs})`))
    // The insert-deduplication window the loaders rely on: replicated tables keep theirs in Keeper
    // under another setting (the non-replicated one would be silently ignored).
    .replace(/\bnon_replicated_deduplication_window = (\d+)/, 'replicated_deduplication_window = $1');
  const comment = /\bCOMMENT\s+('(?:[^'\\]|\\.|'')*')\s*$/.exec(statement);
  const distributed =
    `CREATE TABLE IF NOT EXISTS ${name} ON CLUSTER ${o.cluster} AS ${localName(name)}\n` +
    `ENGINE = Distributed(${o.cluster}, ${o.database}, ${localName(name)}, ${key})` +
    (comment ? `\nCOMMENT ${comment[1]}` : '');
  return [local, distributed];
}

function materializedView(statement: string, o: ClusterOptions): string {
  const [head, ifNot = '', name, target] = CREATE_MV.exec(statement)!;
  if (!SHARDING_KEYS[target])
    unsupported(statement, `materialized view ${name} writes to ${target}, which is not a sharded table`);
  const body = statement.slice(head.length);
  const sources = [...body.matchAll(/\b(?:FROM|JOIN)\s+(\w+)/g)].map((m) => m[1]).filter((t) => SHARDING_KEYS[t]);
  // A view fires on one shard's insert and sees only that shard's local tables: a second sharded
  // source would be joined against one shard's slice of it, which no rewrite can make correct.
  if (new Set(sources).size !== 1)
    unsupported(
      statement,
      `materialized view ${name} must read exactly one sharded table (reads ${sources.join(', ') || 'none'})`,
    );
  const source = sources[0];
  const localBody = body.replace(/\b(FROM|JOIN)(\s+)(\w+)\b/g, (m, kw: string, ws: string, t: string) =>
    t === source ? `${kw}${ws}${localName(t)}` : m,
  );
  return `CREATE MATERIALIZED VIEW ${ifNot}${name} ON CLUSTER ${o.cluster} TO ${localName(target)} AS${localBody}`;
}

function alterTable(statement: string, o: ClusterOptions): string[] {
  const name = ALTER_TABLE.exec(statement)![1];
  const rest = statement.slice(`ALTER TABLE ${name} `.length);
  if (!SHARDING_KEYS[name]) return [`ALTER TABLE ${name} ON CLUSTER ${o.cluster} ${rest}`];
  const local = `ALTER TABLE ${localName(name)} ON CLUSTER ${o.cluster} ${rest}`;
  return COLUMN_ALTER.test(rest) ? [local, `ALTER TABLE ${name} ON CLUSTER ${o.cluster} ${rest}`] : [local];
}

/** One statement of sql/ (a migration, a repeatable or migrate's bootstrap) as the statements a cluster runs, in order. */
export function clusterStatement(statement: string, o: ClusterOptions): string[] {
  if (CREATE_TABLE.test(statement)) return tableStatements(statement, o);
  if (CREATE_MV.test(statement)) return [materializedView(statement, o)];
  if (CREATE_VIEW.test(statement))
    return [
      statement.replace(
        CREATE_VIEW,
        (_m, or = '', ifNot = '', name: string) => `CREATE ${or}VIEW ${ifNot}${name} ON CLUSTER ${o.cluster} AS`,
      ),
    ];
  if (CREATE_FUNCTION.test(statement))
    return [
      statement.replace(
        CREATE_FUNCTION,
        (_m, or = '', name: string) => `CREATE ${or}FUNCTION ${name} ON CLUSTER ${o.cluster} AS`,
      ),
    ];
  if (ALTER_TABLE.test(statement)) return alterTable(statement, o);
  // INSERT cannot run ON CLUSTER: it runs once, through the Distributed table, which routes each
  // row to its shard by the sharding key (migrations 0007's book_map rows, 0008's odds_event_facts backfill).
  if (/^INSERT INTO \w+\b/.test(statement)) return [statement];
  return unsupported(statement, 'statement kind not handled (extend platform/warehouse/cluster-ddl.ts)');
}

export function clusterStatements(statements: readonly string[], o: ClusterOptions): string[] {
  return statements.flatMap((s) => clusterStatement(s, o));
}

/**
 * Mutations (lightweight DELETE included) are not supported on Distributed tables: a delete goes to
 * the local table on every node (replicated tables apply it once per shard).
 */
export const deleteFrom = (table: string, cluster?: string) =>
  cluster ? `DELETE FROM ${localName(table)} ON CLUSTER ${cluster}` : `DELETE FROM ${table}`;

/**
 * What the linehouse sessions need on a cluster (see the header): the server profile should set
 * these for analysts too; platform/warehouse/client.ts can add them per session so linehouse is right
 * even where the profile does not.
 */
export const CLUSTER_SESSION_SETTINGS = {
  distributed_product_mode: 'global',
  prefer_global_in_and_join: 1,
  insert_distributed_sync: 1,
} as const;

/** Databases are per server: the cluster needs it on every node before any ON CLUSTER table. */
export const createDatabaseOnCluster = (o: ClusterOptions) =>
  `CREATE DATABASE IF NOT EXISTS ${o.database} ON CLUSTER ${o.cluster}`;
