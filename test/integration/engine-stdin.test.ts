import { describe, expect, it } from 'vitest';
import { linehouse } from '../support/cli';
import { tempDir } from '../support/stack';

/**
 * chDB reads the host process's standard input as extra data for an INSERT whose data is inline
 * (chdb-io/chdb-core#239): with bytes waiting there, the engine's default async_insert refused
 * `linehouse migrate`'s first schema_migrations row (Code 48, "both inlined and external data"),
 * which is how `npm run demo` failed on a fresh clone when its caller left input on stdin; with
 * async_insert off the engine appends those bytes as rows instead. Each command here runs with
 * bytes waiting on its standard input that would parse as rows of the statement it sends.
 */
describe('the embedded warehouse with input waiting on standard input', () => {
  it('migrates, inserts and reads as with </dev/null, and loads none of the waiting bytes', async () => {
    const env = { LINEHOUSE_DATA_DIR: tempDir('stdin'), LINEHOUSE_LOG_LEVEL: 'warn' };
    const stdin = '(9999, \'from-stdin\', \'x\')\n{"version":9999,"name":"from-stdin","checksum":"x"}\n';

    const migrated = await linehouse(['migrate'], env, 180_000, { stdin });
    expect(migrated.code, migrated.stderr.slice(-2000)).toBe(0);
    const applied = (JSON.parse(migrated.stdout) as { applied: string[] }).applied;
    expect(applied.length).toBeGreaterThan(10);

    const insert = "INSERT INTO schema_migrations (version, name, checksum) VALUES (9998, 'probe', 'p')";
    const inserted = await linehouse(['query', insert], env, 120_000, { stdin });
    expect(inserted.code, inserted.stderr.slice(-2000)).toBe(0);

    const read = await linehouse(
      ['query', 'SELECT version, name FROM schema_migrations FINAL ORDER BY version'],
      env,
      120_000,
      { stdin },
    );
    expect(read.code, read.stderr.slice(-2000)).toBe(0);
    const rows = read.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { version: number; name: string });
    expect(rows.map((r) => r.version)).toEqual([...applied.map((f) => Number(f.slice(0, 4))), 9998]);
    expect(rows.filter((r) => r.name === 'from-stdin')).toEqual([]);
  }, 400_000);

  it('names the statement, the data dir and the next step when a statement fails', async () => {
    const dataDir = tempDir('stdin-error');
    const r = await linehouse(['query', 'SELECT count() FROM no_such_table'], {
      LINEHOUSE_DATA_DIR: dataDir,
      LINEHOUSE_LOG_LEVEL: 'warn',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`select from no_such_table failed on chDB at ${dataDir}/chdb`);
    expect(r.stderr).toMatch(/engine code 60 UNKNOWN_TABLE\) Next: run `linehouse migrate`/);
  }, 200_000);
});
