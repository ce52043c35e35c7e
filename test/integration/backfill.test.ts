import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import {
  backfillWorkflowId,
  windowCount,
  type BetBackfillInput,
  type BetBackfillResult,
} from '../../workflows/backfill/messages';
import { count, startTestStack } from '../support/stack';

// 20k sandbox slips placed over ~180 days, backfilled in weekly windows of 250-slip pages, on the
// real stack: Temporal dev server, chDB, the SharpSports sandbox over loopback HTTP.
const SLIPS = 20_000;
const DAY = 86_400_000;

let stack: Stack;
let account: string;
let truth: Array<{ id: string; status: string; bets: unknown[] }>;
let input: BetBackfillInput;

/** Runs the backfill; `written` counts the account's slip rows stored while it ran (by loaded_at). */
async function backfill(): Promise<BetBackfillResult & { written: number }> {
  const startedAt = new Date(Date.now() - 1).toISOString();
  const handle = await stack.client.workflow.start('betBackfill', {
    workflowId: backfillWorkflowId(input.scope, input.fromMs, input.toMs),
    taskQueue: stack.run.taskQueue,
    args: [input],
  });
  const result = (await handle.result()) as BetBackfillResult;
  const written = await count(
    stack,
    'SELECT count() AS n FROM bet_slips WHERE bettor_account_id = {a:String} AND loaded_at >= parseDateTime64BestEffort({t:String}, 3)',
    { a: account, t: startedAt },
  );
  return { ...result, written };
}

const inAccount = 'bettor_account_id = {a:String}';

beforeAll(async () => {
  stack = await startTestStack({}, { feedSandboxes: false, sandboxOptions: { bigAccountSlips: SLIPS } });
  const sandbox = stack.sandbox!;
  account = sandbox.accounts().find((a) => a.scenario === 'big')!.id;
  // SharpSports' own cadence refresh makes the history exist; its webhook goes nowhere, so the
  // warehouse learns of these slips only through the backfill.
  sandbox.setWebhookUrl('http://127.0.0.1:9/unreachable');
  await sandbox.triggerRefresh(account, 'cadence');
  truth = sandbox.slips(account) as any;
  const placed = truth.map((s: any) => Date.parse(s.timePlaced));
  const fromMs = Math.floor(Math.min(...placed) / DAY) * DAY;
  input = {
    fromMs,
    toMs: Math.ceil((Math.max(...placed) + 1) / DAY) * DAY,
    scope: { kind: 'account', id: account },
    windowHours: 24 * 7,
    pageSize: 250,
    concurrency: 3,
  };
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('bet backfill (dev server + chDB + sandbox)', () => {
  it(`loads ${SLIPS} slips over many windows and pages, each exactly once, with totals`, async () => {
    expect(truth).toHaveLength(SLIPS);
    const windows = windowCount(input);
    expect(windows).toBeGreaterThan(20);
    const result = await backfill();
    const bets = truth.reduce((n, s) => n + s.bets.length, 0);
    expect(result.counts).toMatchObject({ slips: SLIPS, bets, new: SLIPS, updated: 0, unchanged: 0 });
    expect(result.windowsDone).toBe(windows);
    // The measure the re-runs below rely on sees this run's writes.
    expect(result.written).toBe(SLIPS);
    expect(result.counts.pages).toBeGreaterThanOrEqual(SLIPS / 250);
    const p = { a: account, ids: truth.map((s) => s.id) };
    expect(await count(stack, `SELECT count() AS n FROM bet_slips FINAL WHERE ${inAccount}`, p)).toBe(SLIPS);
    expect(
      await count(
        stack,
        `SELECT count() AS n FROM bet_slips FINAL WHERE ${inAccount} AND has({ids:Array(String)}, id)`,
        p,
      ),
    ).toBe(SLIPS);
    expect(await count(stack, `SELECT count() AS n FROM bets FINAL WHERE ${inAccount}`, p)).toBe(bets);
    // Never double-loaded: not even a physical duplicate waiting for a merge.
    expect(await count(stack, `SELECT count() AS n FROM bet_slips WHERE ${inAccount}`, p)).toBe(SLIPS);
    expect(await count(stack, `SELECT count() AS n FROM bets WHERE ${inAccount}`, p)).toBe(bets);
    const statuses = await count(
      stack,
      `SELECT count() AS n FROM bet_slips FINAL WHERE ${inAccount} AND status = 'completed'`,
      p,
    );
    expect(statuses).toBe(truth.filter((s) => s.status === 'completed').length);
  });

  it('re-running the same range writes nothing and reports every slip unchanged', async () => {
    const result = await backfill();
    expect(result.counts).toMatchObject({ slips: SLIPS, new: 0, updated: 0, unchanged: SLIPS });
    expect(result.written).toBe(0);
  });

  it('after the book grades pending slips, a re-run counts exactly those as updated and lands their grades', async () => {
    const sandbox = stack.sandbox!;
    const pendingBefore = new Set(
      sandbox
        .slips(account)
        .filter((s: any) => s.status === 'pending')
        .map((s: any) => s.id),
    );
    expect(pendingBefore.size).toBeGreaterThan(0);
    await sandbox.gradePending(account);
    const graded = (sandbox.slips(account) as any[]).filter((s) => pendingBefore.has(s.id) && s.status !== 'pending');
    expect(graded.length).toBeGreaterThan(0);
    const result = await backfill();
    expect(result.counts).toMatchObject({
      slips: SLIPS,
      new: 0,
      updated: graded.length,
      unchanged: SLIPS - graded.length,
    });
    const completed = (sandbox.slips(account) as any[]).filter((s) => s.status === 'completed').length;
    expect(
      await count(stack, `SELECT count() AS n FROM bet_slips FINAL WHERE ${inAccount} AND status = 'completed'`, {
        a: account,
      }),
    ).toBe(completed);
    // Exactly the graded slips were written again (counted by this run's tag: a background merge may
    // already have folded their older versions away, so the table's physical total is not a measure).
    expect(result.written).toBe(graded.length);
  });
});
