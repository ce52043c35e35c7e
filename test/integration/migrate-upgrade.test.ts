import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { log } from '../../platform/log';
import { createWarehouse, insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import {
  loadMigrations,
  loadRepeatables,
  migrate,
  PRE_REPEATABLE_CHECKSUMS,
  SCHEMA_MIGRATIONS_DDL,
  SQL_DIR,
  splitStatements,
} from '../../platform/warehouse/migrate';
import { tempDir } from '../support/stack';

/**
 * A warehouse migrated by the old layout (every view and function defined, again and again, in
 * the numbered files sql/NNNN_*.sql) migrates with sql/migrations + sql/views + sql/functions
 * without error and without `migration.changed_after_apply`, and ends with exactly the views of a
 * warehouse migrated only by the new layout. The old files are taken from the last commit that
 * had them, so the test keeps working after the layout change is committed.
 */
const OLD_LAYOUT_COMMIT = 'af95ca91a81e41de74ffd2a9a41b54ee7ac0311b';
const REPO = path.resolve(SQL_DIR, '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', maxBuffer: 16 << 20 });

interface OldFile {
  version: number;
  name: string;
  file: string;
  text: string;
}
let oldFiles: OldFile[] = [];
let copy: string;

// chDB holds one data directory per process: one warehouse open at a time.
let open: Warehouse | null = null;
async function fresh(name: string): Promise<Warehouse> {
  await open?.close();
  open = await createWarehouse({
    dataDir: tempDir(name),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  return open;
}

beforeAll(() => {
  const dir = tempDir('old-layout');
  oldFiles = git('ls-tree', '--name-only', OLD_LAYOUT_COMMIT, 'sql/')
    .split('\n')
    .map((p) => path.basename(p))
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = git('show', `${OLD_LAYOUT_COMMIT}:sql/${file}`);
      fs.writeFileSync(path.join(dir, file), text);
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/^\d{4}_|\.sql$/g, ''),
        file,
        text: fs.readFileSync(path.join(dir, file), 'utf8'),
      };
    });
  copy = tempDir('sql-copy');
  fs.cpSync(SQL_DIR, copy, { recursive: true });
});
afterAll(async () => {
  await open?.close();
});

/** What the old migrate did: schema_migrations, then each file's statements in order, recorded with the checksum of its text. */
async function applyOldLayout(ch: Warehouse, upTo = Infinity): Promise<void> {
  await ch.command({ query: SCHEMA_MIGRATIONS_DDL });
  for (const f of oldFiles.filter((o) => o.version <= upTo)) {
    for (const statement of splitStatements(f.text)) await ch.command({ query: statement });
    await insertRows(ch, 'schema_migrations', [
      { version: f.version, name: f.name, checksum: crypto.createHash('sha256').update(f.text).digest('hex') },
    ]);
  }
}

type ViewRow = { name: string; as_select: string };
const views = (ch: Warehouse) =>
  queryRows<ViewRow>(
    ch,
    "SELECT name, as_select FROM system.tables WHERE database = currentDatabase() AND engine = 'View' ORDER BY name",
  );
const functions = (ch: Warehouse) =>
  queryRows<{ name: string; create_query: string }>(
    ch,
    "SELECT name, create_query FROM system.functions WHERE origin = 'SQLUserDefined' AND name LIKE 'lh\\_%' ORDER BY name",
  );
const tables = (ch: Warehouse) =>
  queryRows<{ name: string; create_table_query: string }>(
    ch,
    "SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() AND engine != 'View' AND name NOT IN ('schema_migrations', 'schema_repeatables') ORDER BY name",
  );
const recordedChecksums = async (ch: Warehouse) =>
  new Map(
    (
      await queryRows<{ version: number; checksum: string }>(
        ch,
        'SELECT version, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY version',
      )
    ).map((r) => [Number(r.version), r.checksum]),
  );

/** migrate, with every warning it logs. */
async function migrateWatching(ch: Warehouse, dir?: string) {
  const warn = vi.spyOn(log, 'warn');
  try {
    const result = await migrate(ch, dir);
    return { result, warnings: warn.mock.calls.map((c) => c[0]) };
  } finally {
    warn.mockRestore();
  }
}

let want: { views: ViewRow[]; functions: unknown[]; tables: unknown[] };

describe('the old layout and the new one', () => {
  it('the stripped migrations hold exactly the old files’ statements other than views and functions, and only their checksums moved', () => {
    expect(oldFiles.map((f) => f.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const now = new Map(loadMigrations().map((m) => [m.version, m]));
    for (const f of oldFiles) {
      const m = now.get(f.version)!;
      expect(m.file).toBe(f.file);
      expect(m.statements, f.file).toEqual(
        splitStatements(f.text).filter((s) => !/^CREATE OR REPLACE (VIEW|FUNCTION)\b/.test(s)),
      );
      const old = crypto.createHash('sha256').update(f.text).digest('hex');
      // Unchanged files keep their checksum; a changed one is accepted under its old checksum.
      expect(PRE_REPEATABLE_CHECKSUMS[f.version] ?? m.checksum, f.file).toBe(old);
    }
  });
});

describe('migrate from the old layout', () => {
  it('a fresh warehouse with only the new layout (the reference), and a second run is a no-op', async () => {
    const ch = await fresh('new-layout');
    const { result, warnings } = await migrateWatching(ch);
    expect(warnings).toEqual([]);
    expect(result.repeatables).toEqual(loadRepeatables().map((r) => r.name));
    want = { views: await views(ch), functions: await functions(ch), tables: await tables(ch) };
    expect(want.views.map((v) => v.name)).toEqual(
      loadRepeatables()
        .filter((r) => r.kind === 'view')
        .map((r) => r.name)
        .sort(),
    );
    expect(want.functions.length).toBeGreaterThan(20);
    expect(await migrate(ch)).toEqual({
      applied: [],
      alreadyApplied: loadMigrations().length,
      rechecksummed: [],
      repeatables: [],
    });
  });

  it('every old migration applied: records the new checksums silently, applies every repeatable, ends with the same views', async () => {
    const ch = await fresh('old-layout-all');
    await applyOldLayout(ch);
    expect((await views(ch)).map((v) => v.name)).toEqual([
      'bet_clv',
      'bet_clv_at',
      'closing_events',
      'closing_lines',
      'closing_lines_live',
      'closing_partials_pending',
      'market_map',
    ]);

    const { result, warnings } = await migrateWatching(ch);
    expect(warnings).not.toContain('migration.changed_after_apply');
    expect(warnings).toEqual([]);
    expect(result.applied).toEqual(
      loadMigrations()
        .filter((m) => m.version > 12)
        .map((m) => m.file),
    );
    expect(result.rechecksummed).toEqual([
      '0006_odds_functions.sql',
      '0007_clv.sql',
      '0008_closing_lines_cache.sql',
      '0010_team_names.sql',
      '0011_bet_clv_plan.sql',
    ]);
    expect(result.repeatables).toEqual(loadRepeatables().map((r) => r.name));

    expect(await views(ch)).toEqual(want.views);
    expect(await functions(ch)).toEqual(want.functions);
    expect(await tables(ch)).toEqual(want.tables);
    const sums = await recordedChecksums(ch);
    for (const m of loadMigrations()) expect(sums.get(m.version), m.file).toBe(m.checksum);

    // Re-running is a no-op.
    const again = await migrateWatching(ch);
    expect(again.warnings).toEqual([]);
    expect(again.result).toMatchObject({ applied: [], rechecksummed: [], repeatables: [] });
  });

  it('old migrations up to 0008 only: the rest applied as the new files, the views as repeatables', async () => {
    const ch = await fresh('old-layout-0008');
    await applyOldLayout(ch, 8);
    const { result, warnings } = await migrateWatching(ch);
    expect(warnings).toEqual([]);
    expect(result.applied).toEqual(
      loadMigrations()
        .filter((m) => m.version > 8)
        .map((m) => m.file),
    );
    expect(result.rechecksummed).toEqual(['0006_odds_functions.sql', '0007_clv.sql', '0008_closing_lines_cache.sql']);
    expect(await views(ch)).toEqual(want.views);
    expect(await tables(ch)).toEqual(want.tables);
  });

  it('an applied migration that changed otherwise is still reported', async () => {
    const ch = await fresh('old-layout-edited');
    await applyOldLayout(ch);
    await insertRows(ch, 'schema_migrations', [{ version: 7, name: 'clv', checksum: 'f'.repeat(64) }]);
    const { result, warnings } = await migrateWatching(ch);
    expect(warnings).toEqual(['migration.changed_after_apply']);
    expect(result.rechecksummed).not.toContain('0007_clv.sql');
  });
});

describe('repeatables on a migrated warehouse', () => {
  const edit = (file: string, from: string | RegExp, to: string) => {
    const p = path.join(copy, file);
    const text = fs.readFileSync(p, 'utf8');
    const next = text.replace(from, to);
    expect(next, file).not.toBe(text);
    fs.writeFileSync(p, next);
  };
  const asSelect = async (ch: Warehouse, name: string) => (await views(ch)).find((v) => v.name === name)!.as_select;

  it('a changed view file re-applies only that view, or with the views that depend on it; a function file re-applies its callers', async () => {
    const ch = await fresh('repeatables');
    await migrate(ch, copy);
    const before = await views(ch);
    expect(before).toEqual(want.views);

    // Nothing reads closing_lines_live: it alone.
    edit('views/closing_lines_live.sql', /HAVING NOT close_removed;\s*$/, 'HAVING NOT close_removed AND 1 = 1;\n');
    expect((await migrate(ch, copy)).repeatables).toEqual(['closing_lines_live']);
    const after = await views(ch);
    expect(after.find((v) => v.name === 'closing_lines_live')!.as_select).toMatch(/1 = 1/);
    expect(after.filter((v) => v.name !== 'closing_lines_live')).toEqual(
      before.filter((v) => v.name !== 'closing_lines_live'),
    );

    // bet_clv_at and the bet_clv generated from it read market_map: re-created after it.
    edit('views/market_map.sql', 'FROM bets FINAL;', 'FROM bets FINAL\nWHERE 1 = 1;');
    expect((await migrate(ch, copy)).repeatables).toEqual(['market_map', 'bet_clv', 'bet_clv_at', 'clv_significance']);
    expect(await asSelect(ch, 'market_map')).toMatch(/WHERE 1 = 1/);

    // ClickHouse writes a function's body into the views that call it: they must be created again.
    expect(await asSelect(ch, 'bet_clv')).not.toMatch(/\blh_/);
    expect(await asSelect(ch, 'bet_clv')).toMatch(
      /\(bet_decimal \/ same_book_close_decimal\) - 1 AS price_clv_same_book/,
    );
    edit(
      'functions/odds.sql',
      'CREATE OR REPLACE FUNCTION lh_price_clv AS (d_bet, d_close) -> d_bet / d_close - 1;',
      'CREATE OR REPLACE FUNCTION lh_price_clv AS (d_bet, d_close) -> (d_bet / d_close) - 1 + 0;',
    );
    expect((await migrate(ch, copy)).repeatables).toEqual(['odds', 'bet_clv', 'bet_clv_at', 'clv_significance']);
    expect(await asSelect(ch, 'bet_clv')).toMatch(
      /\(bet_decimal \/ same_book_close_decimal\) - 1\) \+ 0 AS price_clv_same_book/,
    );

    expect((await migrate(ch, copy)).repeatables).toEqual([]);
  });
});
