import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { log } from '../log';
import { REPO_ROOT } from '../paths';
import { insertRows, queryRows, type Warehouse } from './client';
import { clusterStatements, createDatabaseOnCluster, type ClusterOptions } from './cluster-ddl';

/**
 * The warehouse schema, in two kinds of file (the Flyway split):
 * - sql/migrations/NNNN_*.sql, versioned: tables, columns, materialized views with a TO table
 *   (storage) and data changes. Applied once each, in order, forward only, recorded with their
 *   checksum in schema_migrations; an applied file that changes is reported, never re-run.
 * - sql/functions/*.sql and sql/views/<view>.sql, repeatable: the one current definition of each SQL
 *   function and plain view (CREATE OR REPLACE). Applied after the migrations, in the order their
 *   `-- depends:` headers give, and again whenever their checksum differs from the one recorded in
 *   schema_repeatables, together with every repeatable that depends on them.
 */
// From the app root, so the compiled build (dist/platform/…) reads the same sql/ (platform/paths.ts).
export const SQL_DIR = path.join(REPO_ROOT, 'sql');

export interface Migration {
  version: number;
  name: string;
  file: string;
  checksum: string;
  statements: string[];
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

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

/** The versioned migrations of `root` (root/migrations/NNNN_*.sql), in version order. */
export function loadMigrations(root = SQL_DIR): Migration[] {
  const dir = path.join(root, 'migrations');
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
        checksum: sha256(text),
        statements: splitStatements(text),
      };
    });
}

/**
 * The checksums of the migrations as the old layout wrote them (every file in sql/, views and
 * functions included; last in commit af95ca9), for the versions whose file lost its view and
 * function definitions to sql/views and sql/functions. A warehouse that recorded one of these
 * applied the same tables, columns and data changes the file holds now (test/integration/
 * migrate-upgrade.test.ts holds the stripped files to the old ones statement for statement), and
 * the definitions it also ran are repeatables, applied after the migrations. So migrate records
 * the new checksum for such a version instead of warning that an applied migration changed. Only
 * the exact old text is accepted, and only for its own version: any other difference still warns.
 */
export const PRE_REPEATABLE_CHECKSUMS: Readonly<Record<number, string>> = {
  6: 'f32ee9f45205fe8912197c5754fe2100ad19f55841c198822ab2f541fd8af3ce',
  7: 'c7332aa59a529aee57bbec641c4e663df5d363112fc07c6f6114b7c75007561f',
  8: '2a1195896a4af3e7563f9b36cb031b11bc189c34ee79a67720fd13f798c07e30',
  10: '01526037f39a18aeb9f561341810510044f4e4aa104017458164b34536b78eb4',
  11: 'e569807b14cf07289196ac07b3ad4b4b47ce316cadc0bbd87b427ad000ba9e97',
};

/**
 * A repeatable: one view file (named by its view), one function file (named by the file: `odds`
 * for functions/odds.sql) or a view a view file generates (`-- generates:`).
 *
 * Order is declared, not inferred: every file has one `-- depends: a, b` line naming the
 * repeatables its statements use (empty when it reads tables only). The header sits next to the SQL
 * that has the dependency, a new file cannot be left out of a separate list, and it is checked
 * against the text: a file that names a view or an lh_* function of another repeatable without
 * declaring it is refused (ClickHouse analyses a view when it is created, so a view needs what it
 * reads to exist, and writes the functions' bodies into it: see dependentsOf).
 */
export interface Repeatable {
  name: string;
  kind: 'view' | 'functions';
  /** Relative to the sql/ root; a generated view names the file it is generated from. */
  file: string;
  depends: string[];
  /** The objects it creates: the view, or the functions of a function file. */
  defines: string[];
  checksum: string;
  statements: string[];
  /** Generated views: the view they are generated from, with these parameter literals. */
  generatedFrom?: { view: string; params: Record<string, string> };
}

const VIEW_HEAD = /^CREATE OR REPLACE VIEW (\w+) AS\b/;
const FUNCTION_HEAD = /^CREATE OR REPLACE FUNCTION (\w+) AS\b/;
const DEPENDS = /^--\s*depends:(.*)$/;
const GENERATES = /^--\s*generates:\s*(\w+)\s*\((.*)\)\s*$/;
const PARAM = /(\w+)\s*=\s*('(?:[^'\\]|\\.|'')*'|-?\d+(?:\.\d+)?)/g;
const PLACEHOLDER = /\{(\w+):[^{}]+\}/g;
const STRING_LITERAL = /'(?:[^'\\]|\\.|'')*'/g;

function refuse(file: string, why: string): never {
  throw new Error(`sql/${file}: ${why}`);
}

function headerLines(text: string, re: RegExp): RegExpExecArray[] {
  return text
    .split('\n')
    .map((l) => re.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null);
}

/**
 * A parameterized view's statement with every `{name:Type}` replaced by the literal given for it,
 * under another name. Every placeholder must get a literal and every literal must be used, so a
 * parameter added to the view (or a misspelt one in the header) fails instead of generating a
 * view that is not the parameterized one at those values.
 */
export function generateView(
  statement: string,
  from: string,
  name: string,
  params: Record<string, string>,
  file = `views/${from}.sql`,
): string {
  if (!VIEW_HEAD.test(statement) || VIEW_HEAD.exec(statement)![1] !== from)
    refuse(file, `generates ${name} from a statement that is not CREATE OR REPLACE VIEW ${from}`);
  const used = new Set<string>();
  const body = statement.replace(PLACEHOLDER, (whole, p: string) => {
    if (!(p in params)) refuse(file, `generates ${name} without a value for parameter ${p} (${whole})`);
    used.add(p);
    return params[p];
  });
  const unused = Object.keys(params).filter((p) => !used.has(p));
  if (unused.length > 0)
    refuse(file, `generates ${name} with ${unused.join(', ')}, which ${from} has no parameter for`);
  return body.replace(VIEW_HEAD, `CREATE OR REPLACE VIEW ${name} AS`);
}

function parseParams(file: string, text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of text.matchAll(PARAM)) params[m[1]] = m[2];
  if (text.replace(PARAM, '').replace(/[\s,]/g, '') !== '')
    refuse(file, `cannot read the generates parameters (${text}): write name = 'literal', …`);
  return params;
}

function readRepeatable(root: string, file: string, kind: Repeatable['kind']): Repeatable[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const statements = splitStatements(text);
  const depends = headerLines(text, DEPENDS);
  if (depends.length !== 1) refuse(file, 'needs exactly one `-- depends: a, b` line (empty when it reads tables only)');
  const deps = depends[0][1]
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  const base = path.basename(file, '.sql');
  let defines: string[];
  if (kind === 'view') {
    if (statements.length !== 1 || VIEW_HEAD.exec(statements[0])?.[1] !== base)
      refuse(file, `must hold exactly one statement, CREATE OR REPLACE VIEW ${base} AS …`);
    defines = [base];
  } else {
    defines = statements.map(
      (s) =>
        FUNCTION_HEAD.exec(s)?.[1] ??
        refuse(file, `holds a statement that is not CREATE OR REPLACE FUNCTION: ${s.slice(0, 60)}`),
    );
    if (defines.length === 0) refuse(file, 'defines no function');
  }
  const own: Repeatable = { name: base, kind, file, depends: deps, defines, checksum: sha256(text), statements };
  const generated = headerLines(text, GENERATES).map(([, name, paramText]): Repeatable => {
    if (kind !== 'view') refuse(file, 'only a view file can generate a view');
    const params = parseParams(file, paramText);
    const statement = generateView(statements[0], base, name, params, file);
    return {
      name,
      kind: 'view',
      file,
      depends: deps,
      defines: [name],
      checksum: sha256(statement),
      statements: [statement],
      generatedFrom: { view: base, params },
    };
  });
  return [own, ...generated];
}

/** The objects (views, lh_* functions) of `others` that `statements` name, outside string literals. */
export function namedObjects(statements: readonly string[], others: readonly Repeatable[]): Map<string, string[]> {
  const text = statements.map((s) => s.replace(STRING_LITERAL, "''")).join('\n');
  const named = new Map<string, string[]>();
  for (const r of others) {
    const hits = r.defines.filter((o) => new RegExp(`\\b${o}\\b`).test(text));
    if (hits.length > 0) named.set(r.name, hits);
  }
  return named;
}

/**
 * Every repeatable of `root` (root/functions/*.sql, root/views/*.sql), in apply order: each after
 * the ones it depends on, otherwise by name. Refuses duplicate names, unknown or undeclared
 * dependencies and cycles.
 */
export function loadRepeatables(root = SQL_DIR): Repeatable[] {
  const list = (sub: string) =>
    fs.existsSync(path.join(root, sub))
      ? fs
          .readdirSync(path.join(root, sub))
          .filter((f) => f.endsWith('.sql'))
          .sort()
      : [];
  const all = [
    ...list('functions').flatMap((f) => readRepeatable(root, `functions/${f}`, 'functions')),
    ...list('views').flatMap((f) => readRepeatable(root, `views/${f}`, 'view')),
  ];
  const byName = new Map<string, Repeatable>();
  const definedBy = new Map<string, string>();
  for (const r of all) {
    if (byName.has(r.name)) refuse(r.file, `the name ${r.name} is taken by sql/${byName.get(r.name)!.file}`);
    byName.set(r.name, r);
    for (const o of r.defines) {
      if (definedBy.has(o)) refuse(r.file, `${o} is also defined by ${definedBy.get(o)}`);
      definedBy.set(o, r.name);
    }
  }
  for (const r of all) {
    for (const d of r.depends)
      if (!byName.has(d)) refuse(r.file, `depends on ${d}, which no file in sql/functions or sql/views defines`);
    const missing = [
      ...namedObjects(
        r.statements,
        all.filter((o) => o !== r),
      ).entries(),
    ].filter(([n]) => !r.depends.includes(n));
    if (missing.length > 0)
      refuse(
        r.file,
        `names ${missing.map(([n, o]) => `${o.join(', ')} (${n})`).join('; ')} without declaring it in its -- depends: line`,
      );
  }
  const order: Repeatable[] = [];
  const placed = new Set<string>();
  while (order.length < all.length) {
    const ready = all
      .filter((r) => !placed.has(r.name) && r.depends.every((d) => placed.has(d)))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (ready.length === 0)
      refuse(
        all.find((r) => !placed.has(r.name))!.file,
        `dependency cycle among ${all
          .filter((r) => !placed.has(r.name))
          .map((r) => r.name)
          .join(', ')}`,
      );
    // One at a time, so a repeatable made ready by an earlier one still sorts by name among the rest.
    order.push(ready[0]);
    placed.add(ready[0].name);
  }
  return order;
}

/**
 * `changed` and every repeatable that depends on one of them, directly or not, in apply order
 * (`repeatables` as loadRepeatables orders them, so one pass sees every dependency first).
 * ClickHouse fixes a view's columns when it is created and writes the bodies of the SQL functions
 * it calls into its stored query, so a view keeps reading the old shape or the old formula until it
 * is created again: a change to a view or a function file re-applies everything above it.
 */
export function dependentsOf(repeatables: readonly Repeatable[], changed: ReadonlySet<string>): Repeatable[] {
  const out = new Set(changed);
  for (const r of repeatables) if (r.depends.some((d) => out.has(d))) out.add(r.name);
  return repeatables.filter((r) => out.has(r.name));
}

/**
 * Migrations that name a view or function of a repeatable: they would run before it exists on a
 * fresh warehouse (repeatables run after every migration) and against whatever definition an older
 * warehouse has. None may: migrate refuses to start, naming them.
 */
export function migrationsNamingRepeatables(
  migrations: readonly Migration[],
  repeatables: readonly Repeatable[],
): string[] {
  return migrations.flatMap((m) =>
    [...namedObjects(m.statements, repeatables).values()].flat().map((o) => `${m.file} names ${o}`),
  );
}

export interface MigrateResult {
  /** Migration files applied by this run. */
  applied: string[];
  alreadyApplied: number;
  /** Migrations applied by the old layout whose new checksum this run recorded (PRE_REPEATABLE_CHECKSUMS). */
  rechecksummed: string[];
  /** Repeatables (re)applied by this run, in order. */
  repeatables: string[];
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

export const SCHEMA_REPEATABLES_DDL = `CREATE TABLE IF NOT EXISTS schema_repeatables (
      name String, kind LowCardinality(String), file String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY name
    COMMENT 'Read by linehouse migrate: the checksum of each sql/views and sql/functions definition as last applied; one that differs is applied again. Latest applied_at wins.'`;

const clusterOf = (o: MigrateOptions): ClusterOptions | undefined =>
  o.cluster ? { cluster: o.cluster, database: o.database } : undefined;

/** What runs before any migration: the database on every node (cluster), schema_migrations and schema_repeatables. */
export function bootstrapStatements(o: MigrateOptions): string[] {
  const c = clusterOf(o);
  const ddl = [SCHEMA_MIGRATIONS_DDL, SCHEMA_REPEATABLES_DDL];
  return c ? [createDatabaseOnCluster(c), ...clusterStatements(ddl, c)] : ddl;
}

/** A migration's statements for the mode; without a cluster exactly the parsed file. */
export function migrationStatements(m: Migration, o: MigrateOptions): string[] {
  const c = clusterOf(o);
  return c ? clusterStatements(m.statements, c) : m.statements;
}

/** A repeatable's statements for the mode, through the same cluster rewrite as the migrations (ON CLUSTER). */
export function repeatableStatements(r: Repeatable, o: MigrateOptions): string[] {
  const c = clusterOf(o);
  return c ? clusterStatements(r.statements, c) : r.statements;
}

async function run(ch: Warehouse, statement: string, where: string): Promise<void> {
  try {
    await ch.command({ query: statement });
  } catch (err) {
    throw new Error(`${where} failed: ${(err as Error).message}`);
  }
}

async function record(
  ch: Warehouse,
  table: string,
  rows: Record<string, unknown>[],
  opts: MigrateOptions,
): Promise<void> {
  // Through a Distributed table an insert is forwarded in the background by default; the next
  // migrate (or a concurrent `up`) must see this row, so the cluster insert waits for the shard.
  if (opts.cluster)
    await ch.insert({
      table,
      values: rows,
      format: 'JSONEachRow',
      clickhouse_settings: { insert_distributed_sync: 1 },
    });
  else await insertRows(ch, table, rows);
}

/**
 * Applies the numbered migrations in order and records each in `schema_migrations`, then every
 * repeatable that is new or changed (and what depends on it) in dependency order, recorded in
 * `schema_repeatables`. Every statement is idempotent (IF NOT EXISTS / OR REPLACE), so a run cut
 * short and repeated converges; a changed migration that was already applied is reported, never
 * silently re-run (except the old-layout checksums of PRE_REPEATABLE_CHECKSUMS, recorded anew).
 */
export async function migrate(
  ch: Warehouse,
  dir = SQL_DIR,
  opts: MigrateOptions = migrateOptionsFromEnv(),
): Promise<MigrateResult> {
  const migrations = loadMigrations(dir);
  const repeatables = loadRepeatables(dir);
  const early = migrationsNamingRepeatables(migrations, repeatables);
  if (early.length > 0)
    throw new Error(
      `migrations run before the views and functions of sql/views and sql/functions exist: ${early.join('; ')}`,
    );

  for (const [i, statement] of bootstrapStatements(opts).entries())
    await run(ch, statement, `migration bootstrap statement ${i + 1}`);
  const done = new Map(
    (
      await queryRows<{ version: number; checksum: string }>(
        ch,
        'SELECT version, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY version',
      )
    ).map((r) => [Number(r.version), r.checksum]),
  );
  const rechecksummed: Migration[] = [];
  for (const m of migrations) {
    const prior = done.get(m.version);
    if (prior === undefined || prior === m.checksum) continue;
    if (PRE_REPEATABLE_CHECKSUMS[m.version] === prior) rechecksummed.push(m);
    else
      log.warn('migration.changed_after_apply', {
        file: m.file,
        hint: 'add a new numbered migration instead of editing an applied one',
      });
  }
  if (rechecksummed.length > 0) {
    await record(
      ch,
      'schema_migrations',
      rechecksummed.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })),
      opts,
    );
    log.info('migration.rechecksummed', {
      files: rechecksummed.map((m) => m.file),
      why: 'applied by the layout before sql/views and sql/functions; their definitions are applied as repeatables',
    });
  }

  const applied: string[] = [];
  const pending = migrations.filter((m) => !done.has(m.version));
  for (const m of pending) {
    const started = Date.now();
    const statements = migrationStatements(m, opts);
    for (const [i, statement] of statements.entries())
      await run(ch, statement, `migration ${m.file} statement ${i + 1}`);
    await record(ch, 'schema_migrations', [{ version: m.version, name: m.name, checksum: m.checksum }], opts);
    applied.push(m.file);
    log.info('migration.applied', {
      file: m.file,
      statements: statements.length,
      ms: Date.now() - started,
      progress: `${applied.length}/${pending.length}`,
    });
  }

  const recorded = new Map(
    (
      await queryRows<{ name: string; checksum: string }>(
        ch,
        'SELECT name, argMax(checksum, applied_at) AS checksum FROM schema_repeatables GROUP BY name',
      )
    ).map((r) => [r.name, r.checksum]),
  );
  const changed = new Set(repeatables.filter((r) => recorded.get(r.name) !== r.checksum).map((r) => r.name));
  const due = dependentsOf(repeatables, changed);
  for (const r of due) {
    const started = Date.now();
    const statements = repeatableStatements(r, opts);
    for (const [i, statement] of statements.entries())
      await run(ch, statement, `repeatable ${r.name} (sql/${r.file}) statement ${i + 1}`);
    const reason = !recorded.has(r.name) ? 'new' : changed.has(r.name) ? 'changed' : 'depends on a changed one';
    log.info('repeatable.applied', { name: r.name, file: r.file, reason, ms: Date.now() - started });
  }
  // Recorded together once all are applied: were a changed view recorded and the run cut short
  // before its dependents, the next run would see nothing changed and leave them stale.
  if (due.length > 0)
    await record(
      ch,
      'schema_repeatables',
      due.map((r) => ({ name: r.name, kind: r.kind, file: r.file, checksum: r.checksum })),
      opts,
    );
  return {
    applied,
    alreadyApplied: done.size,
    rechecksummed: rechecksummed.map((m) => m.file),
    repeatables: due.map((r) => r.name),
  };
}
