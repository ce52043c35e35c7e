import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../lib/stack';
import type { ReconcilePendingInput, ReconcilePendingResult } from '../../workflows/backfill-messages';
import { count, eventually, startTestStack } from '../helpers/stack';

/**
 * A grade refresh whose webhook never reaches linehouse (SharpSports gave up retrying while it was
 * down) leaves slips pending in the warehouse; the reconcile pass backfills each account with
 * pending slips from its oldest one and lands the grades. Real stack: Temporal dev server, chDB,
 * the SharpSports sandbox over loopback HTTP.
 */
let stack: Stack;
let account: string;
const INPUT: ReconcilePendingInput = { pageSize: 100, fanOut: 2, windowHours: 24 };

const statuses = async () => {
  const rows = await stack.clickhouse.query({ query: 'SELECT id, status FROM bet_slips FINAL WHERE bettor_account_id = {a:String}', query_params: { a: account }, format: 'JSONEachRow' });
  return new Map(((await rows.json()) as Array<{ id: string; status: string }>).map((r) => [r.id, r.status]));
};
const truth = () => new Map(stack.sandbox!.slips(account).map((s: any) => [s.id as string, s.status as string]));
const reconcile = async (tag: string) =>
  (await stack.client.workflow.execute('reconcilePending', { workflowId: `reconcile-test-${tag}`, taskQueue: stack.run.taskQueue, args: [INPUT] })) as ReconcilePendingResult;

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
      return stored.size === truth().size && truth().size > 0 && [...truth()].every(([id, st]) => stored.get(id) === st);
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

    const first = await reconcile('1');
    expect(first.failed).toEqual([]);
    expect(first.accounts).toBe(1);
    expect(first.counts.updated).toBe(graded.length);
    expect(first.counts.new).toBe(0);
    const after = await statuses();
    expect([...truth()].filter(([id, st]) => after.get(id) !== st)).toEqual([]);
    // Each graded slip once after FINAL, and no version stored twice.
    expect(await count(stack, 'SELECT count() - uniqExact(id, version) AS n FROM bet_slips WHERE bettor_account_id = {a:String}', { a: account })).toBe(0);

    // Nothing is pending any more: the next pass has no account to look at.
    const second = await reconcile('2');
    expect(second).toMatchObject({ accounts: 0, failed: [] });
  });
});
