import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareSharpSports, doubleRefreshes, emptyComparison } from '../support/reliability/compare';
import {
  Linehouse,
  PAGE_SIZE,
  RATE_LIMIT_SECONDS,
  baseEnv,
  sleep,
  startSources,
  waitWorkflowsDone,
  type Sources,
} from '../support/reliability/harness';
import { TestTemporalServer } from '../support/reliability/temporal-server';
import { freePort } from '../../platform/net';

/**
 * Issue 7: kill only the Temporal server (SIGKILL, twice) while `linehouse up` keeps running and
 * refreshes are waiting on webhooks and durable timers, a 202 account is paging and a backfill
 * is loading windows; start it again on the same SQLite file. Every workflow completes, every
 * slip and bet is in the warehouse exactly once, and the SharpSports sandbox's own log shows no
 * account refreshed twice inside its rate-limit window.
 */
const BIG = 4_000;
let src: Sources;
let lh: Linehouse;
let temporal: TestTemporalServer;

beforeAll(async () => {
  src = await startSources({
    opticEntries: 0,
    opticRate: 1,
    boltUpdates: 0,
    boltRate: 1,
    sharpChanges: 0,
    sharpRate: 1,
    bigSlips: BIG,
  });
  const env = baseEnv(src, 'temporal-restart', false);
  // Long enough that the lost-webhook refresh is still on its timer at the kill however slowly the CLIs start.
  env.SHARPSPORTS_WEBHOOK_WAIT_SECONDS = '30';
  temporal = new TestTemporalServer(env.LINEHOUSE_DATA_DIR, await freePort());
  await temporal.start();
  env.TEMPORAL_ADDRESS = temporal.address;
  lh = new Linehouse(env, src);
}, 120_000);

afterAll(async () => {
  lh?.killAll();
  await temporal?.kill();
  await Promise.all([src?.sharpsports.close(), src?.optic.close(), src?.bolt.close(), src?.sharp.close()]);
});

describe('Temporal server restart mid-run', () => {
  it('workflows continue to completion, counts are exact, no account is refreshed twice in its window', async () => {
    const up = await lh.up({}, { keepTemporal: true });
    const refresh = async (b: string) => {
      const r = await lh.cli(['refresh', '--bettor', b]);
      expect(r.code, r.stderr).toBe(0);
    };
    // A backfill of the goodusers' slips runs across the outage.
    await refresh('gooduser');
    for (let i = 0; i < 150 && src.sharpsports.slips('BACT_gooduser_fd').length === 0; i++) await sleep(200);
    const placed = src.sharpsports
      .slips()
      .filter((s) => s.bettorAccount.startsWith('BACT_gooduser'))
      .map((s) => s.timePlaced)
      .sort();
    const day = (d: string, n: number) =>
      new Date(Date.parse(d.slice(0, 10)) + n * 86_400_000).toISOString().slice(0, 10);
    // Everything starts at once, so the kill lands while it is in flight: the realuser's webhook is
    // 5 s late and the lost-webhook user's never comes (its refresh polls after a durable 30 s
    // timer), the 202 account pages 200 pages, and the backfill loads one-hour windows one at a time.
    const [backfill] = await Promise.all([
      lh.cli([
        'backfill',
        'bets',
        '--from',
        day(placed[0], 0),
        '--to',
        day(placed.at(-1)!, 1),
        '--bettor',
        'BTTR_gooduser',
        '--window-hours',
        '1',
        '--concurrency',
        '1',
        '--detach',
      ]),
      ...['bigbettor', 'realuser', 'lostwebhookuser', 'eageruser'].map(refresh),
    ]);
    expect(backfill.code, backfill.stderr).toBe(0);
    for (
      let i = 0;
      i < 300 && (await lh.scalar("SELECT count() FROM load_markers WHERE kind = 'refresh_response_page'")) < 5;
      i++
    )
      await sleep(200);

    const pagesBefore = await lh.scalar("SELECT count() FROM load_markers WHERE kind = 'refresh_response_page'");
    const runningBefore = await lh.running();
    console.log(
      `temporal-restart: running at the first kill ${JSON.stringify(runningBefore)}, pages loaded ${pagesBefore}/${BIG / PAGE_SIZE}`,
    );
    // The two that cannot finish before the kill: one waits on a durable timer, one is paging.
    expect(runningBefore).toEqual(
      expect.arrayContaining([
        'accountRefresh:refresh-BACT_lostwebhookuser_dk',
        'accountRefresh:refresh-BACT_bigbettor_dk',
      ]),
    );
    expect(pagesBefore).toBeLessThan(BIG / PAGE_SIZE);

    // Kill 1: the server dies mid-run, stays down 5 s, comes back on the same file and port.
    await temporal.kill();
    await sleep(5_000);
    await temporal.start();
    // Kill 2: again while the workers are re-attaching.
    await sleep(4_000);
    await temporal.kill();
    await sleep(3_000);
    await temporal.start();

    const still = await waitWorkflowsDone(lh, 300_000);
    expect(still, 'every refresh and the backfill finished').toEqual([]);
    expect(await lh.notCompleted(), 'none failed, timed out or was terminated').toEqual([]);
    expect(up.exitCode, `up survived the Temporal outages: ${up.output().slice(-2000)}`).toBeNull();

    // Exact: every sandbox slip and bet once (FINAL and physically, per version), with its status.
    const c = emptyComparison();
    await compareSharpSports(lh.query, src.sharpsports, c);
    const big = await lh.scalar("SELECT count() FROM bet_slips FINAL WHERE bettor_account_id = 'BACT_bigbettor_dk'");
    console.log(
      `temporal-restart report ${JSON.stringify({ temporalKills: 2, workflowsAtKill: runningBefore.length, rowsCompared: c.compared, lost: c.lost.length, duplicates: c.duplicates.length, parts: c.parts, bigAccountSlips: big })}`,
    );
    expect(c.lost.slice(0, 20)).toEqual([]);
    expect(c.duplicates.slice(0, 20)).toEqual([]);
    expect(big).toBe(BIG);

    // No double refresh: the sandbox logged every POST; none inside an account's rate-limit window,
    // and each account was asked once.
    const log = src.sharpsports.refreshLog();
    expect(doubleRefreshes(log, RATE_LIMIT_SECONDS * 1000)).toEqual([]);
    const perAccount = new Map<string, number>();
    for (const e of log) perAccount.set(e.accountId, (perAccount.get(e.accountId) ?? 0) + 1);
    expect([...perAccount].filter(([, n]) => n > 1)).toEqual([]);

    // Negative control: the same check on the log plus one repeated POST 500 ms after a real one reports it.
    const first = log.find((e) => e.accountId === 'BACT_bigbettor_dk')!;
    const doubled = doubleRefreshes(
      [...log, { ...first, requestId: 'REQ_injected', at: first.at + 500 }],
      RATE_LIMIT_SECONDS * 1000,
    );
    console.log(`temporal-restart negative control ${JSON.stringify(doubled)}`);
    expect(doubled).toHaveLength(1);
    expect(doubled[0]).toMatch(/^BACT_bigbettor_dk: .* 500 ms apart$/);

    process.kill(up.pid!, 'SIGTERM');
    await new Promise((r) => up.once('exit', r));
  }, 600_000);
});
