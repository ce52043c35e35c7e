import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpticOddsSandbox, type OpticOddsSandbox } from '../../sandbox/opticodds';
import { cliQuery, exited, freshPorts, startUp, waitHealthy } from '../support/cli';
import { tempDir } from '../support/stack';
import { opticRowIds } from '../support/reliability/truth-ids';

/**
 * A fresh install's OpticOdds consumer dies (SIGKILL of `linehouse up` and its dev server) after
 * its first batch is inserted but before its first checkpoint. With no position the provider
 * cannot replay, so what was sent meanwhile is lost; linehouse must say so in `feed_gaps`
 * (`before_first_checkpoint`), covering exactly the entries it is missing. Negative control: a
 * second kill after a checkpoint exists replays from `last_entry_id` and records no such gap.
 */
let optic: OpticOddsSandbox;
let env: Record<string, string>;
/** The `up` of the moment, killed with its dev server if an assertion fails mid-test. */
let current: ReturnType<typeof startUp> | undefined;

// env is filled in beforeAll (and its ports per start); the helper reads it at call time.
const query = (sql: string) => cliQuery(env).query(sql);
const scalar = (sql: string) => cliQuery(env).scalar(sql);
/** `opticodds:<ms>-<seq>:<odd>` → the entry's creation time. */
const entryMs = (tickId: string) => Number(/^opticodds:(\d+)-\d+:/.exec(tickId)?.[1] ?? NaN);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await wait(300);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  optic = await startOpticOddsSandbox({ apiKey: 'optic-key-first', ratePerSecond: 100, pingIntervalMs: 500 });
  env = {
    LINEHOUSE_DATA_DIR: tempDir('first-checkpoint'),
    OPTICODDS_BASE_URL: optic.url,
    OPTICODDS_API_KEY: 'optic-key-first',
  };
}, 60_000);

afterAll(async () => {
  if (current?.exitCode === null && current.signalCode === null) {
    process.kill(-current.pid!, 'SIGKILL');
    await exited(current);
  }
  await optic?.close();
});

describe('a feed that dies before its first checkpoint', () => {
  it('records the interval it cannot replay as a before_first_checkpoint gap; a crash after a checkpoint records none', async () => {
    // 1. Killed by the failpoint right after its first batch is durable, before the checkpoint.
    Object.assign(env, await freshPorts());
    const first = (current = startUp([], {
      ...env,
      LINEHOUSE_FAILPOINTS: 'after_insert_before_checkpoint:opticodds@1',
    }));
    expect((await exited(first)).signal).toBe('SIGKILL');
    const killedBy = Date.now();
    await wait(3_000); // entries the stream produces while nobody listens

    // 2. Restarted: no checkpoint, so it starts at "now" and reports the interval since the first start.
    Object.assign(env, await freshPorts());
    let running = (current = startUp([], env));
    await waitHealthy(Number(env.WEBHOOK_PORT), running);
    await until(
      'the first checkpoint',
      async () => (await scalar("SELECT count() FROM feed_checkpoints WHERE feed = 'opticodds'")) > 0,
    );
    const gaps = await query(
      "SELECT gap_from, gap_to, detail FROM feed_gaps WHERE feed = 'opticodds' AND reason = 'before_first_checkpoint'",
    );
    expect(gaps).toHaveLength(1);
    const from = Date.parse(gaps[0].gap_from);
    const to = Date.parse(gaps[0].gap_to);
    expect(from).toBeLessThan(killedBy);
    expect(to).toBeGreaterThan(killedBy + 3_000);
    expect(gaps[0].detail).toMatch(/stopped before its first checkpoint/);

    // The loss is real and inside the gap: entries created between the kill and the restart were
    // produced by the provider and none of them is in the warehouse.
    const stored = (await query("SELECT tick_id FROM odds_ticks WHERE source = 'opticodds'")).map((r) =>
      entryMs(r.tick_id),
    );
    expect(stored.length).toBeGreaterThan(0); // the first batch was inserted before the kill
    const producedWhileDown = opticRowIds(optic.produced())
      .tickIds.map(entryMs)
      .filter((ms) => ms >= killedBy && ms < to);
    expect(producedWhileDown.length).toBeGreaterThan(0);
    expect(stored.filter((ms) => ms >= killedBy && ms < to)).toEqual([]);

    // 3. Negative control: killed again after a checkpoint, it resumes from last_entry_id, records no
    // new before_first_checkpoint gap, and stores what was produced while it was down.
    process.kill(-running.pid!, 'SIGKILL');
    await exited(running);
    const secondKill = Date.now();
    await wait(3_000);
    Object.assign(env, await freshPorts());
    running = current = startUp([], env);
    await waitHealthy(Number(env.WEBHOOK_PORT), running);
    await until(
      'the entries produced during the second outage to be replayed',
      async () =>
        (await scalar(
          `SELECT count() FROM odds_ticks WHERE source = 'opticodds' AND toUInt64(splitByChar('-', splitByChar(':', tick_id)[2])[1]) BETWEEN ${secondKill} AND ${secondKill + 3_000}`,
        )) > 0,
    );
    expect(
      await scalar("SELECT count() FROM feed_gaps WHERE feed = 'opticodds' AND reason = 'before_first_checkpoint'"),
    ).toBe(1);

    process.kill(running.pid!, 'SIGTERM');
    expect(await exited(running)).toEqual({ code: 0, signal: null });
  }, 240_000);
});
