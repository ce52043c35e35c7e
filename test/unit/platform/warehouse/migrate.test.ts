import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  dependentsOf,
  generateView,
  loadMigrations,
  loadRepeatables,
  migrationsNamingRepeatables,
  namedObjects,
  PRE_REPEATABLE_CHECKSUMS,
  SCHEMA_MIGRATIONS_DDL,
  SCHEMA_REPEATABLES_DDL,
  splitStatements,
} from '../../../../platform/warehouse/migrate';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** A throwaway sql/ root holding these files (paths relative to it). */
function sqlRoot(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-sql-'));
  roots.push(root);
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
  return root;
}
const view = (name: string, deps: string, body = 'SELECT 1 AS x') =>
  `-- depends: ${deps}\nCREATE OR REPLACE VIEW ${name} AS ${body};\n`;

describe('migrations', () => {
  it('splits statements on line-ending semicolons and drops comment lines', () => {
    expect(
      splitStatements(
        "-- a comment; not a statement\nCREATE TABLE a (x String DEFAULT ';') ENGINE = Memory;\n\nCREATE VIEW b AS SELECT 1;\n",
      ),
    ).toEqual(["CREATE TABLE a (x String DEFAULT ';') ENGINE = Memory", 'CREATE VIEW b AS SELECT 1']);
  });

  it('numbers migrations uniquely and in order, and every table states who reads it', () => {
    const ms = loadMigrations();
    expect(ms.length).toBeGreaterThan(0);
    expect(ms.map((m) => m.version)).toEqual([...new Set(ms.map((m) => m.version))].sort((a, b) => a - b));
    for (const s of [SCHEMA_MIGRATIONS_DDL, SCHEMA_REPEATABLES_DDL, ...ms.flatMap((m) => m.statements)])
      if (/^CREATE TABLE/i.test(s)) expect(s, s.slice(0, 60)).toMatch(/COMMENT '[^']*Read by [^']+'/);
  });

  it('keeps storage in the migrations: no plain view or function there, materialized views only with a TO table', () => {
    for (const m of loadMigrations())
      for (const s of m.statements) {
        expect(s, `${m.file}: ${s.slice(0, 60)}`).not.toMatch(/^CREATE (OR REPLACE )?(VIEW|FUNCTION)\b/);
        if (/^CREATE MATERIALIZED VIEW/.test(s))
          expect(s, m.file).toMatch(/^CREATE MATERIALIZED VIEW IF NOT EXISTS \w+ TO \w+ AS\b/);
      }
  });

  it('keeps the table names of the external contract', () => {
    const all = loadMigrations()
      .flatMap((m) => m.statements)
      .join('\n');
    for (const t of ['bet_slips', 'bets', 'refresh_runs', 'rejected_messages'])
      expect(all).toMatch(new RegExp(`CREATE TABLE IF NOT EXISTS ${t}\\b`));
  });

  it('accepts an old-layout checksum only for a version whose file changed', () => {
    const byVersion = new Map(loadMigrations().map((m) => [m.version, m.checksum]));
    for (const [v, sum] of Object.entries(PRE_REPEATABLE_CHECKSUMS)) {
      expect(byVersion.has(Number(v)), `version ${v}`).toBe(true);
      expect(byVersion.get(Number(v))).not.toBe(sum);
    }
  });
});

describe('repeatables (sql/views, sql/functions)', () => {
  const rs = loadRepeatables();
  const byName = new Map(rs.map((r) => [r.name, r]));

  it('one file per view, named by it; the lh_* functions in functions/odds.sql and stats.sql', () => {
    expect(
      rs
        .filter((r) => r.kind === 'view')
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      'bet_clv',
      'bet_clv_at',
      'closing_events',
      'closing_lines',
      'closing_lines_live',
      'closing_partials_pending',
      'clv_significance',
      'market_map',
    ]);
    const odds = byName.get('odds')!;
    expect(odds.kind).toBe('functions');
    expect(odds.defines.length).toBeGreaterThan(20);
    expect(odds.defines.every((f) => f.startsWith('lh_'))).toBe(true);
  });

  it('declares in -- depends: exactly the repeatables it names, and is ordered after them', () => {
    for (const r of rs) {
      const named = [
        ...namedObjects(
          r.statements,
          rs.filter((o) => o !== r),
        ).keys(),
      ];
      expect([...r.depends].sort(), r.file).toEqual(named.sort());
      for (const d of r.depends)
        expect(
          rs.findIndex((o) => o.name === d),
          `${r.name} after ${d}`,
        ).toBeLessThan(rs.indexOf(r));
    }
    expect(byName.get('bet_clv_at')!.depends.sort()).toEqual(['closing_lines', 'market_map', 'odds']);
  });

  it('no migration names a view or function of a repeatable (they run after every migration)', () => {
    expect(migrationsNamingRepeatables(loadMigrations(), rs)).toEqual([]);
    // Names inside string literals (table COMMENTs say who reads them) do not count; a real use does.
    const m = (statements: string[]) => [{ version: 99, name: 'x', file: '0099_x.sql', checksum: '', statements }];
    expect(
      migrationsNamingRepeatables(
        m(["CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x COMMENT 'Read by closing_lines'"]),
        rs,
      ),
    ).toEqual([]);
    expect(migrationsNamingRepeatables(m(['INSERT INTO t SELECT count() FROM closing_lines']), rs)).toEqual([
      '0099_x.sql names closing_lines',
    ]);
    expect(
      migrationsNamingRepeatables(m(['ALTER TABLE t ADD COLUMN d Float64 DEFAULT lh_american_to_decimal(110)']), rs),
    ).toEqual(['0099_x.sql names lh_american_to_decimal']);
  });

  it('generates bet_clv from bet_clv_at with the default parameters written in, and nothing else changed', () => {
    const at = byName.get('bet_clv_at')!;
    const gen = byName.get('bet_clv')!;
    expect(gen.generatedFrom).toEqual({
      view: 'bet_clv_at',
      params: { sharp_book: "'pinnacle'", devig: "'multiplicative'" },
    });
    expect(gen.depends).toEqual(at.depends);
    expect(gen.statements[0]).toMatch(/^CREATE OR REPLACE VIEW bet_clv AS\n/);
    expect(gen.statements[0]).not.toMatch(/\{\w+:/);
    // Rebuilt independently: bet_clv_at's text cut at its placeholders, each replaced by its default.
    const parts = at.statements[0].split(/\{(\w+):String\}/);
    expect(parts.length).toBeGreaterThan(10);
    const params = gen.generatedFrom!.params;
    const rebuilt = parts.map((p, i) => (i % 2 === 1 ? params[p] : p)).join('');
    expect(gen.statements[0]).toBe(
      rebuilt.replace(/^CREATE OR REPLACE VIEW bet_clv_at AS\n/, 'CREATE OR REPLACE VIEW bet_clv AS\n'),
    );
  });

  it('refuses a parameter left unsubstituted or a value for no parameter', () => {
    const at = 'CREATE OR REPLACE VIEW v_at AS SELECT {a:String} AS a, {b:UInt8} AS b';
    expect(generateView(at, 'v_at', 'v', { a: "'x'", b: '1' })).toBe(
      "CREATE OR REPLACE VIEW v AS SELECT 'x' AS a, 1 AS b",
    );
    expect(() => generateView(at, 'v_at', 'v', { a: "'x'" })).toThrow(/without a value for parameter b/);
    expect(() => generateView(at, 'v_at', 'v', { a: "'x'", b: '1', c: '2' })).toThrow(
      /with c, which v_at has no parameter for/,
    );
  });

  it('re-applies a changed repeatable and everything that depends on it, in order', () => {
    const names = (s: string[]) => dependentsOf(rs, new Set(s)).map((r) => r.name);
    expect(names(['closing_lines_live'])).toEqual(['closing_lines_live']);
    expect(names(['market_map'])).toEqual(['market_map', 'bet_clv', 'bet_clv_at', 'clv_significance']);
    expect(names(['closing_events'])).toEqual([
      'closing_events',
      'closing_partials_pending',
      'closing_lines',
      'bet_clv',
      'bet_clv_at',
      'clv_significance',
    ]);
    expect(names(['odds'])).toEqual(['odds', 'bet_clv', 'bet_clv_at', 'clv_significance']);
    expect(names(['stats'])).toEqual(['stats', 'clv_significance']);
    expect(names([])).toEqual([]);
  });

  it('orders by dependency, then by name; refuses undeclared or unknown dependencies, cycles and stray statements', () => {
    const order = (files: Record<string, string>) => loadRepeatables(sqlRoot(files)).map((r) => r.name);
    expect(
      order({
        'views/a.sql': view('a', 'c', 'SELECT * FROM c'),
        'views/b.sql': view('b', ''),
        'views/c.sql': view('c', 'b', 'SELECT * FROM b'),
      }),
    ).toEqual(['b', 'c', 'a']);
    expect(() => order({ 'views/a.sql': view('a', '', 'SELECT * FROM b'), 'views/b.sql': view('b', '') })).toThrow(
      /views\/a.sql: names b \(b\) without declaring it/,
    );
    expect(() => order({ 'views/a.sql': view('a', 'nope') })).toThrow(/depends on nope, which no file/);
    expect(() =>
      order({ 'views/a.sql': view('a', 'b', 'SELECT * FROM b'), 'views/b.sql': view('b', 'a', 'SELECT * FROM a') }),
    ).toThrow(/dependency cycle among a, b/);
    expect(() => order({ 'views/a.sql': 'CREATE OR REPLACE VIEW a AS SELECT 1;\n' })).toThrow(
      /exactly one `-- depends: a, b` line/,
    );
    expect(() => order({ 'views/a.sql': view('b', '') })).toThrow(/exactly one statement, CREATE OR REPLACE VIEW a AS/);
    expect(() => order({ 'functions/f.sql': '-- depends:\nCREATE TABLE t (x UInt8) ENGINE = Memory;\n' })).toThrow(
      /not CREATE OR REPLACE FUNCTION/,
    );
    // A function file's dependents are the views that call its functions.
    expect(() =>
      order({
        'functions/f.sql': '-- depends:\nCREATE OR REPLACE FUNCTION lhx_one AS () -> 1;\n',
        'views/a.sql': view('a', '', 'SELECT lhx_one() AS x'),
      }),
    ).toThrow(/names lhx_one \(f\) without declaring it/);
  });
});
