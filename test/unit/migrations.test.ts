import { describe, expect, it } from 'vitest';
import { loadMigrations, splitStatements } from '../../lib/warehouse/migrate';

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

  it('keeps the table names of the external contract', () => {
    const all = loadMigrations().flatMap((m) => m.statements).join('\n');
    for (const t of ['bet_slips', 'bets', 'refresh_runs', 'rejected_messages']) expect(all).toMatch(new RegExp(`CREATE TABLE IF NOT EXISTS ${t}\\b`));
  });
});
