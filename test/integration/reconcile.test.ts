import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import type { ReconcilePendingInput, ReconcilePendingResult } from '../../workflows/backfill/messages';
import { createBackfillActivities } from '../../activities/backfill/backfill';
import type { SharpSportsClient } from '../../refresh/sharpsports-client';
import { insertRows } from '../../platform/warehouse/client';
import { count, eventually, startTestStack } from '../support/stack';

/**
 * A grade refresh whose webhook never reaches linehouse (SharpSports gave up retrying while it was
 * down) leaves slips pending in the warehouse; the reconcile pass backfills each account with
 * pending slips from its oldest one and lands the grades. Real stack: Temporal dev server, chDB,
 * the SharpSports sandbox over loopback HTTP.
 */
let stack: Stack;
let account: string;
const INPUT: ReconcilePendingInput = { pageSize: 100, fanOut: 2, windowHours: 24 };
// The sandbox's book grades on demand, before its games are played: a pass that counts slips
// on games starting in the next 8 days as overdue is what finds those grades.
const AHEAD: ReconcilePendingInput = { ...INPUT, overdueAfterHours: -8 * 24, lookbackDays: 60 };

const statuses = async () => {
  const rows = await stack.clickhouse.query({
    query: 'SELECT id, status FROM bet_slips FINAL WHERE bettor_account_id = {a:String}',
    query_params: { a: account },
    format: 'JSONEachRow',
  });
  return new Map(((await rows.json()) as Array<{ id: string; status: string }>).map((r) => [r.id, r.status]));
};
const truth = () => new Map(stack.sandbox!.slips(account).map((s: any) => [s.id as string, s.status as string]));
const reconcile = async (tag: string, input: ReconcilePendingInput) =>
  (await stack.client.workflow.execute('reconcilePending', {
    workflowId: `reconcile-test-${tag}`,
    taskQueue: stack.run.taskQueue,
    args: [input],
  })) as ReconcilePendingResult;

beforeAll(async () => {
  stack = await startTestStack({}, { feedSandboxes: false });
  account = stack.sandbox!.accounts().find((a) => a.scenario === 'good')!.id;
  // SharpSports' own cadence refreshes, delivered: the account's slips land, some of them pending.
  // The first brings history slips placed over the last 30 days, so whether any is still pending
  // depends on the day the test runs (CI once saw none); the second places new slips on games that
  // start at least 10 minutes after the first refresh, which are pending whatever the day.
  for (const pass of ['history', 'new slips']) {
    await stack.sandbox!.triggerRefresh(account, 'cadence');
    await eventually(`the cadence refresh (${pass}) to load`, async () => {
      const stored = await statuses();
      return (
        stored.size === truth().size && truth().size > 0 && [...truth()].every(([id, st]) => stored.get(id) === st)
      );
    });
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('reconcile of pending slips (dev server + chDB + sandbox)', () => {
  it('lands grades whose webhook never arrived, exactly once, and a second pass finds nothing to do', async () => {
    const sandbox = stack.sandbox!;
    const pending = [...(await statuses())].filter(([, st]) => st === 'pending').map(([id]) => id);
    expect(pending.length).toBeGreaterThan(0);
    // The book grades them; every delivery of the grade webhook goes to a dead address.
    sandbox.setWebhookUrl('http://127.0.0.1:9/unreachable');
    await sandbox.gradePending(account);
    const graded = pending.filter((id) => truth().get(id) !== 'pending');
    expect(graded.length).toBe(pending.length);

    // Negative control: without the reconcile the warehouse still says pending for every graded slip.
    const before = await statuses();
    expect(graded.filter((id) => before.get(id) === truth().get(id))).toEqual([]);

    // With the production default (overdue 12 h after the last event's start), none of these games
    // has started, so the pass asks SharpSports nothing and the warehouse stays as it was.
    const early = await reconcile('early', INPUT);
    expect(early).toMatchObject({ accounts: 0, failed: [] });
    const untouched = await statuses();
    expect(graded.filter((id) => untouched.get(id) !== 'pending')).toEqual([]);

    const first = await reconcile('1', AHEAD);
    expect(first.failed).toEqual([]);
    expect(first.accounts).toBe(1);
    expect(first.counts.updated).toBe(graded.length);
    expect(first.counts.new).toBe(0);
    const after = await statuses();
    expect([...truth()].filter(([id, st]) => after.get(id) !== st)).toEqual([]);
    // Each graded slip once after FINAL, and no version stored twice.
    expect(
      await count(
        stack,
        'SELECT count() - uniqExact(id, version) AS n FROM bet_slips WHERE bettor_account_id = {a:String}',
        { a: account },
      ),
    ).toBe(0);

    // Nothing is pending any more: the next pass has no account to look at.
    const second = await reconcile('2', AHEAD);
    expect(second).toMatchObject({ accounts: 0, failed: [] });
  });

  it('plans only overdue slips: by the last leg’s start, by placement without one, within the lookback', async () => {
    const now = Date.now();
    const day = 86_400_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    // account letter, slip, status, placed (days from now), leg starts (days from now; null: unknown)
    const slips: Array<[string, string, string, number, Array<number | null>]> = [
      ['x', 'started', 'pending', -2, [-3, -1]], // last leg started a day ago: overdue
      ['x', 'future', 'pending', -2, [-1, 1]], // last leg starts tomorrow: not yet
      ['y', 'future', 'pending', -2, [1]],
      ['z', 'no-start', 'pending', -2, [null]], // no start known: its placement two days ago stands in
      ['w', 'too-old', 'pending', -40, [-39]], // before the 30-day lookback
      ['v', 'graded', 'completed', -2, [-1]],
    ];
    const acct = (a: string) => `BACT_zz_plan_${a}`;
    const slipId = (a: string, s: string) => `SLIP_zz_plan_${a}_${s}`;
    await insertRows(
      stack.clickhouse,
      'bet_slips',
      slips.map(([a, s, status, placed]) => ({
        id: slipId(a, s),
        bettor_account_id: acct(a),
        status,
        time_placed: iso(now + placed * day),
        refresh_response_time: iso(now),
        version: 1,
      })),
    );
    await insertRows(
      stack.clickhouse,
      'bets',
      slips.flatMap(([a, s, , placed, starts]) =>
        starts.map((start, i) => ({
          id: `BET_${i}`,
          bet_slip_id: slipId(a, s),
          bettor_account_id: acct(a),
          time_placed: iso(now + placed * day),
          event_start_time: start === null ? null : iso(now + start * day),
          status: 'pending',
          version: 1,
        })),
      ),
    );
    const { pendingSlipAccounts } = createBackfillActivities({
      clickhouse: stack.clickhouse,
      http: null as unknown as SharpSportsClient,
      config: stack.config,
    });
    const plan = await pendingSlipAccounts({
      afterAccount: 'BACT_zz_plan',
      limit: 10,
      overdueBeforeMs: now - 12 * 3_600_000,
      placedFromMs: now - 30 * day,
    });
    expect(plan.map((p) => [p.accountId, p.pending])).toEqual([
      [acct('x'), 1],
      [acct('z'), 1],
    ]);
    expect(plan[0].oldestPendingMs).toBe(now - 2 * day);
    // Paging by account id: after x, only z.
    expect(
      (
        await pendingSlipAccounts({
          afterAccount: acct('x'),
          limit: 10,
          overdueBeforeMs: now - 12 * 3_600_000,
          placedFromMs: now - 30 * day,
        })
      ).map((p) => p.accountId),
    ).toEqual([acct('z')]);
  });
});
