import { describe, expect, it } from 'vitest';
import { linehouse } from '../support/cli';
import { tempDir } from '../support/stack';

// `linehouse rejected list|replay` as a user runs them, each in its own process on the embedded
// warehouse: a slip an older release set aside (a rule since relaxed) is listed, replayed once,
// and a second replay loads nothing.
describe('linehouse rejected', () => {
  it('lists, replays with a progress line and a count, and a second replay is harmless', async () => {
    const env = { LINEHOUSE_DATA_DIR: tempDir('cli-rejected'), LINEHOUSE_LOG_LEVEL: 'warn' };
    expect((await linehouse(['migrate'], env, 180_000)).code).toBe(0);
    const slip = {
      id: 'slip-cli-1',
      bettorAccount: 'acct-cli',
      book: { id: 'b', abbr: 'dk' },
      timePlaced: '2026-11-30T17:00:00Z',
      status: 'pending',
      atRisk: 500,
      bets: [{ id: 'leg-cli-1', proposition: 'total' }],
    };
    const context = {
      refreshResponseId: 'resp-cli',
      refreshResponseTime: '2026-12-01T00:00:00Z',
      bettorId: null,
      origin: 'page',
    };
    const insert = `INSERT INTO rejected_messages (rejection_id, source, reason, detail, raw, raw_bytes, record_path, record_id, context) VALUES ('rej-cli-1', 'sharpsports-slip', 'schema', 'id must start with "SLIP_"', '${JSON.stringify(slip)}', 10, 'objects[2]', 'slip-cli-1', '${JSON.stringify(context)}')`;
    expect((await linehouse(['query', insert], env)).code).toBe(0);

    const listed = await linehouse(
      ['rejected', 'list', '--source', 'sharpsports-slip', '--since', '7d', '--format', 'json'],
      env,
    );
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { rejection_id: 'rej-cli-1', record_path: 'objects[2]', record_id: 'slip-cli-1', replay: '' },
    ]);

    const first = await linehouse(['rejected', 'replay', '--id', 'rej-cli-1'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ considered: 1, loaded: 1, slips: 1, bets: 1, stillRefused: 0 });
    expect(first.stderr).toMatch(/\[#{24}\] 1\/1 {2}1 loaded/);
    expect(first.stderr).toMatch(/replay: 1 considered: 1 loaded \(1 slips, 1 bets/);

    const second = await linehouse(['rejected', 'replay'], env);
    expect(JSON.parse(second.stdout)).toMatchObject({ considered: 0, loaded: 0 });
    const stored = await linehouse(['query', "SELECT count() AS n FROM bet_slips WHERE id = 'slip-cli-1'"], env);
    expect(JSON.parse(stored.stdout).n).toBe(1);
    const table = await linehouse(['rejected', 'list'], env);
    expect(table.stdout).toMatch(/rej-cli-1 .* sharpsports-slip .* objects\[2\] .* loaded/);

    const bad = await linehouse(['rejected', 'list', '--since', 'whenever'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since "whenever" is neither a time/);
  }, 300_000);
});
