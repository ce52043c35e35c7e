import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBoltOddsSandbox, type BoltOddsSandbox } from '../../sandbox/boltodds';
import { startOpticOddsSandbox, type OpticOddsSandbox } from '../../sandbox/opticodds';
import { startSharpApiSandbox, type SharpApiSandbox } from '../../sandbox/sharpapi';
import { cliQuery, exited, freshPorts, startUp, waitHealthy } from '../support/cli';
import { tempDir } from '../support/stack';
import { latestBoltOdds, subscribedBoltOdds } from '../support/reliability/compare';
import { opticRowIds, sharpApiCurrentRowIds } from '../support/reliability/truth-ids';

/**
 * SIGKILL `linehouse up` (and its Temporal dev server: the whole process group) in the middle
 * of three live streams, start it again, and compare the warehouse with what the simulators
 * sent. The simulators live in this test process, so they outlive the crash like real providers.
 */
let optic: OpticOddsSandbox;
let bolt: BoltOddsSandbox;
let sharp: SharpApiSandbox;
let env: Record<string, string>;

async function up() {
  Object.assign(env, await freshPorts());
  const child = startUp([], env);
  await waitHealthy(Number(env.WEBHOOK_PORT), child);
  return child;
}

// env is filled in beforeAll (and its ports per start); the helper reads it at call time.
const query = (sql: string) => cliQuery(env).query(sql);
const scalar = (sql: string) => cliQuery(env).scalar(sql);

beforeAll(async () => {
  optic = await startOpticOddsSandbox({
    apiKey: 'optic-key-crash',
    entries: 3_000,
    ratePerSecond: 300,
    pingIntervalMs: 500,
    startAfterConnections: 4,
  });
  bolt = await startBoltOddsSandbox({
    apiKey: 'bolt-key-crash',
    updates: 1_500,
    ratePerSecond: 150,
    pingIntervalMs: 500,
  });
  sharp = await startSharpApiSandbox({ apiKey: 'sharp-key-crash', totalChanges: 3_000, changesPerSecond: 300 });
  env = {
    LINEHOUSE_DATA_DIR: tempDir('feeds-crash'),
    OPTICODDS_BASE_URL: optic.url,
    OPTICODDS_API_KEY: 'optic-key-crash',
    BOLTODDS_WS_URL: bolt.url,
    BOLTODDS_API_KEY: 'bolt-key-crash',
    SHARPAPI_BASE_URL: sharp.url,
    SHARPAPI_API_KEY: 'sharp-key-crash',
    SHARPAPI_POLL_SECONDS: '0.5',
  };
}, 60_000);

afterAll(async () => {
  await Promise.all([optic?.close(), bolt?.close(), sharp?.close()]);
});

describe('feeds survive SIGKILL of linehouse up', () => {
  it('loses nothing replayable and duplicates nothing', async () => {
    let running = await up();
    // Let every feed load something, then kill everything mid-stream.
    for (let i = 0; i < 300; i++) {
      const [r] = await query(
        "SELECT countIf(source = 'opticodds') AS o, countIf(source = 'boltodds') AS b, countIf(source = 'sharpapi') AS s FROM odds_ticks",
      );
      if (Number(r.o) > 200 && Number(r.b) > 50 && Number(r.s) > 200) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    process.kill(-running.pid!, 'SIGKILL');
    await exited(running);
    const atKill = await scalar("SELECT count() FROM odds_ticks FINAL WHERE source = 'opticodds'");
    expect(atKill).toBeGreaterThan(0);

    running = await up();
    const deadline = Date.now() + 120_000;
    // What the stream sent for linehouse's subscription, including what it replayed after the restart.
    const opticTruth = () => {
      const e = opticRowIds(optic.emitted());
      return new Set([...e.tickIds, ...e.lockedTickIds]);
    };
    while (Date.now() < deadline) {
      const done =
        optic.producedEntries() >= 3_000 &&
        optic.pending() === 0 &&
        bolt.scriptDone() &&
        sharp.changesApplied() >= 3_000;
      const landed = await scalar("SELECT count() FROM odds_ticks FINAL WHERE source = 'opticodds'");
      if (done && landed >= opticTruth().size) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    // One more SharpAPI poll window and BoltOdds message after the streams finished.
    await new Promise((res) => setTimeout(res, 2_000));

    // OpticOdds resumes with last_entry_id: every entry the stream sent is there, once.
    const opticIds = new Set(
      (await query("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'opticodds'")).map((r) => r.id),
    );
    const truth = opticTruth();
    expect([...truth].filter((id) => !opticIds.has(id))).toEqual([]);
    expect(opticIds.size).toBe(truth.size);
    expect(await scalar("SELECT count() FROM settlements FINAL WHERE source = 'opticodds'")).toBe(
      new Set(opticRowIds(optic.emitted()).settlementIds).size,
    );

    // SharpAPI resumes from the durable `since`: the current version of every odd is there.
    const sharpIds = new Set(
      (await query("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'sharpapi'")).map((r) => r.id),
    );
    const current = sharpApiCurrentRowIds(sharp.current()).filter((o) => o.tickId !== null);
    expect(current.filter((o) => !sharpIds.has(o.tickId!)).map((o) => o.id)).toEqual([]);

    // BoltOdds cannot replay: the new initial_state rebuilds the state. The latest price of
    // every outcome equals the provider's, and the restart is reported as a gap.
    const got = await latestBoltOdds(query);
    const subscribed = subscribedBoltOdds(bolt);
    expect(subscribed.length).toBeGreaterThan(0);
    const wrong = subscribed.filter((o) => got.get(`${o.book}|${o.game}|${o.outcomeKey}`) !== o.price);
    expect(wrong).toEqual([]);
    expect(
      await scalar("SELECT count() FROM feed_gaps WHERE feed = 'boltodds' AND reason = 'reconnect'"),
    ).toBeGreaterThanOrEqual(1);

    // Zero duplicates anywhere: every stored tick id is distinct after merging.
    for (const source of ['opticodds', 'boltodds', 'sharpapi'])
      expect(await scalar(`SELECT count() - uniqExact(tick_id) FROM odds_ticks FINAL WHERE source = '${source}'`)).toBe(
        0,
      );

    process.kill(running.pid!, 'SIGTERM');
    expect(await exited(running)).toEqual({ code: 0, signal: null });
  });
});
