import { describe, expect, it } from 'vitest';
import { loadMigrations, splitStatements, supersededViewDefinitions } from '../../platform/warehouse/migrate';

describe('migrations', () => {
  it('splits statements on line-ending semicolons and drops comment lines', () => {
    expect(splitStatements("-- a comment; not a statement\nCREATE TABLE a (x String DEFAULT ';') ENGINE = Memory;\n\nCREATE VIEW b AS SELECT 1;\n")).toEqual([
      "CREATE TABLE a (x String DEFAULT ';') ENGINE = Memory",
      'CREATE VIEW b AS SELECT 1',
    ]);
  });

  it('numbers migrations uniquely and in order, and every table states who reads it', () => {
    const ms = loadMigrations();
    expect(ms.length).toBeGreaterThan(0);
    expect(ms.map((m) => m.version)).toEqual([...new Set(ms.map((m) => m.version))].sort((a, b) => a - b));
    for (const m of ms)
      for (const s of m.statements)
        if (/^CREATE TABLE/i.test(s)) expect(s, `${m.file}: ${s.slice(0, 60)}`).toMatch(/COMMENT '[^']*Read by [^']+'/);
  });

  it('skips a view definition only when a later one replaces it and nothing run in between names it', () => {
    const v = (name: string, body = 'SELECT 1') => `CREATE OR REPLACE VIEW ${name} AS ${body}`;
    // b reads a in between: a's first definition must run.
    expect([...supersededViewDefinitions([v('a'), v('b', 'SELECT * FROM a'), v('a', 'SELECT 2')])]).toEqual([]);
    // b's first definition (the only reader of a's first) is replaced before anything else reads it: both skipped.
    expect([...supersededViewDefinitions([v('a'), v('b', 'SELECT * FROM a'), v('b', 'SELECT 3'), v('a', 'SELECT 2')])].sort()).toEqual([0, 1]);
    // Whole words: bet_clv_at is not a mention of bet_clv; a table or insert that names the view is.
    expect([...supersededViewDefinitions([v('bet_clv'), v('bet_clv_at'), v('bet_clv', 'SELECT 2')])]).toEqual([0]);
    expect([...supersededViewDefinitions([v('c'), 'CREATE MATERIALIZED VIEW IF NOT EXISTS m TO t AS SELECT * FROM c', v('c', 'SELECT 2')])]).toEqual([]);
    // The last definition always runs.
    expect([...supersededViewDefinitions([v('a'), v('a', 'SELECT 2'), v('a', 'SELECT 3')])].sort()).toEqual([0, 1]);
  });

  it('keeps the table names of the external contract', () => {
    const all = loadMigrations().flatMap((m) => m.statements).join('\n');
    for (const t of ['bet_slips', 'bets', 'refresh_runs', 'rejected_messages']) expect(all).toMatch(new RegExp(`CREATE TABLE IF NOT EXISTS ${t}\\b`));
  });
});
