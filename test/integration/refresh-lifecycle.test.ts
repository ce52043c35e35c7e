import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import { queryRows } from '../../platform/warehouse/client';
import {
  accountWorkflowId,
  bettorWorkflowId,
  progressQuery,
  submitOtp,
  type BettorRefreshResult,
} from '../../workflows/refresh/messages';
import { count, eventually, startTestStack } from '../support/stack';

/**
 * The whole lifecycle on real parts: Temporal dev server, chDB, the SharpSports sandbox over
 * loopback HTTP with Thorn-signed webhooks. Sandbox time is compressed (3 s rate-limit window).
 */
let stack: Stack;
let results: Map<string, BettorRefreshResult['accounts'][number]>;

const EXPECTED: Record<string, { status: number | null; attempts?: number }> = {
  good: { status: 200, attempts: 1 },
  delayed: { status: 200, attempts: 1 },
  errorlogin: { status: 401, attempts: 1 },
  errorbet: { status: 500, attempts: 3 },
  changepassword: { status: 401, attempts: 1 },
  otp: { status: 200, attempts: 1 },
  big: { status: 202, attempts: 1 },
  throttled: { status: 200, attempts: 3 },
  maintenance: { status: 200, attempts: 3 },
  revoked: { status: 403, attempts: 1 },
  lostwebhook: { status: 200, attempts: 1 },
  eager: { status: 200, attempts: 1 },
  duplicate: { status: 200, attempts: 1 },
  flaky: { status: 200, attempts: 2 },
};

beforeAll(async () => {
  stack = await startTestStack({}, { sandboxOptions: { bigAccountSlips: 1234, initialSlipsPerAccount: 12 } });
  const sandbox = stack.sandbox!;
  // Force the race that otherwise happens by chance: the webhook of a failed refresh arrives
  // before the bettor-level POST returns, so a webhook-started run loads it first.
  sandbox.setScenario('BACT_errorbetuser_dk', { eagerWebhook: true });
  sandbox.setScenario('BACT_flakyuser_ca', { eagerWebhook: true });
  const handles = await Promise.all(
    sandbox.bettors().map((b) =>
      stack.client.workflow.start('bettorRefresh', {
        workflowId: bettorWorkflowId(b.internalId),
        taskQueue: stack.run.taskQueue,
        args: [{ bettor: b.internalId, policy: stack.run.policy }],
      }),
    ),
  );
  // The 2FA bettor types the code once linehouse asks for it.
  const otpAccount = sandbox.accounts().find((a) => a.scenario === 'otp')!.id;
  const otpHandle = stack.client.workflow.getHandle(accountWorkflowId(otpAccount));
  await eventually(
    'the OTP prompt',
    async () => (await otpHandle.query(progressQuery).catch(() => null))?.phase === 'awaiting-otp',
  );
  await otpHandle.signal(submitOtp, '123456');
  const all = (await Promise.all(handles.map((h) => h.result()))) as BettorRefreshResult[];
  results = new Map(all.flatMap((r) => r.accounts).map((a) => [a.account, a]));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('refresh lifecycle against the sandbox', () => {
  it('ends every status path with the documented status and number of attempts', () => {
    for (const a of stack.sandbox!.accounts()) {
      const r = results.get(a.id);
      expect(r, a.id).toBeDefined();
      const want = EXPECTED[a.scenario];
      expect({ account: a.id, status: r!.status, attempts: r!.attempts }).toEqual({
        account: a.id,
        status: want.status,
        attempts: want.attempts ?? r!.attempts,
      });
    }
  });

  it('loads exactly the slips and bets the sandbox produced, per account, with no duplicates', async () => {
    for (const a of stack.sandbox!.accounts()) {
      const truth = stack.sandbox!.slips(a.id);
      const slips = await count(
        stack,
        'SELECT count() AS n FROM bet_slips FINAL WHERE bettor_account_id = {a:String}',
        { a: a.id },
      );
      const bets = await count(stack, 'SELECT count() AS n FROM bets FINAL WHERE bettor_account_id = {a:String}', {
        a: a.id,
      });
      expect({ account: a.id, slips, bets }).toEqual({
        account: a.id,
        slips: truth.length,
        bets: truth.reduce((n, s: any) => n + s.bets.length, 0),
      });
    }
    const total = stack.sandbox!.slips().length;
    expect(total).toBeGreaterThan(1234);
    expect(await count(stack, 'SELECT count() AS n FROM bet_slips FINAL')).toBe(total);
    expect(await count(stack, 'SELECT uniqExact(id) AS n FROM bet_slips')).toBe(total);
  });

  it('pages the 202 account: every page once, exactly bigAccountSlips slips', async () => {
    const big = stack.sandbox!.accounts().find((a) => a.scenario === 'big')!;
    const r = results.get(big.id)!;
    expect(r.slips).toBe(1234);
    expect(r.pages).toBe(Math.ceil(1234 / stack.run.policy.pageSize));
    expect(
      await count(
        stack,
        "SELECT count() AS n FROM load_markers FINAL WHERE kind = 'refresh_response_page' AND key LIKE {p:String}",
        { p: `${r.refreshResponseId}/%` },
      ),
    ).toBe(r.pages);
  });

  it('loads a duplicated webhook once and the early webhook (before the POST returned) once', async () => {
    const dup = stack.sandbox!.accounts().find((a) => a.scenario === 'duplicate')!;
    expect(results.get(dup.id)!.loaded.filter((l) => !l.skipped)).toHaveLength(1);
    expect(
      await count(
        stack,
        "SELECT count() AS n FROM webhook_deliveries WHERE bettor_account_id = {a:String} AND source = 'webhook'",
        { a: dup.id },
      ),
    ).toBe(2);
    const eager = stack.sandbox!.accounts().find((a) => a.scenario === 'eager')!;
    expect(results.get(eager.id)!.slips).toBe(stack.sandbox!.slips(eager.id).length);
  });

  it('falls back to polling when the webhook never comes', async () => {
    const lost = stack.sandbox!.accounts().find((a) => a.scenario === 'lostwebhook')!;
    expect(
      await count(
        stack,
        "SELECT count() AS n FROM webhook_deliveries WHERE bettor_account_id = {a:String} AND source = 'poll'",
        { a: lost.id },
      ),
    ).toBe(1);
    expect(results.get(lost.id)!.slips).toBeGreaterThan(0);
  });

  it('records every attempt in refresh_runs, with the final status per request', async () => {
    const throttled = stack.sandbox!.accounts().find((a) => a.scenario === 'throttled')!;
    const rows = await queryRows<{ status: number }>(
      stack.clickhouse,
      'SELECT status FROM refresh_runs FINAL WHERE bettor_account_id = {a:String} ORDER BY finished_at',
      { a: throttled.id },
    );
    expect(rows.map((r) => Number(r.status))).toEqual([429, 429, 200]);
    // SharpSports' rule held: the sandbox never rate-limited linehouse beyond its scripted refusals.
    const log = stack.sandbox!.refreshLog().filter((e) => e.accountId === throttled.id);
    const times = log.map((e) => e.at);
    for (let i = 1; i < times.length; i++)
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(stack.run.policy.minSpacingSeconds * 1000 - 50);
  });

  it('loads refreshes linehouse did not start (cadence) and grades arriving later, exactly once', async () => {
    const sandbox = stack.sandbox!;
    const good = sandbox.accounts().find((a) => a.scenario === 'good')!;
    await new Promise((r) => setTimeout(r, stack.run.policy.minSpacingSeconds * 1000));
    const rrId = await sandbox.triggerRefresh(good.id, 'cadence');
    await eventually(
      'the cadence refresh to load',
      async () =>
        (await count(
          stack,
          "SELECT count() AS n FROM load_markers FINAL WHERE kind = 'refresh_response' AND key = {k:String}",
          { k: rrId },
        )) === 1,
    );
    await sandbox.gradePending();
    const truth = sandbox.slips();
    const settled = truth.filter((s: any) => s.status === 'completed').length;
    await eventually(
      'graded slips to land',
      async () => (await count(stack, "SELECT countIf(status = 'completed') AS n FROM bet_slips FINAL")) === settled,
    );
    expect(await count(stack, 'SELECT count() AS n FROM bet_slips FINAL')).toBe(truth.length);
    const run = await queryRows<{ origin: string; refresh_type: string }>(
      stack.clickhouse,
      'SELECT origin, refresh_type FROM refresh_runs FINAL WHERE refresh_response_id = {r:String}',
      { r: rrId },
    );
    expect(run).toEqual([{ origin: 'sharpsports', refresh_type: 'cadence' }]);
  });

  it('shows each run in Temporal with typed search attributes and a memo with counts', async () => {
    const good = stack.sandbox!.accounts().find((a) => a.scenario === 'good')!;
    const desc = await stack.client.workflow.getHandle(accountWorkflowId(good.id)).describe();
    expect(desc.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([
        ['LinehouseKind', 'refresh'],
        ['LinehouseAccount', good.id],
        ['LinehouseBook', 'dk'],
      ]),
    );
    const found: string[] = [];
    const unverified = stack
      .sandbox!.accounts()
      .filter((a) => EXPECTED[a.scenario].status === 401)
      .map((a) => accountWorkflowId(a.id));
    await eventually(
      'visibility to list the 401 runs',
      async () => {
        found.length = 0;
        for await (const w of stack.client.workflow.list({
          query: `LinehouseKind = "refresh" AND LinehouseStatus = 401`,
        }))
          found.push(w.workflowId);
        return unverified.every((id) => found.includes(id));
      },
      15_000,
    );
    expect(desc.memo).toBeDefined();
  });
});
