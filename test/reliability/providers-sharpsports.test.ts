import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import { queryRows } from '../../platform/warehouse/client';
import { accountWorkflowId, type AccountRefreshResult } from '../../workflows/refresh/messages';
import { count, eventually, startTestStack } from '../support/stack';
import {
  PLAIN,
  activityAttempts,
  diffAccount,
  loadsPerResponse,
  refreshAccount,
} from '../support/providers/sharpsports-stack';

/**
 * SharpSports misbehaving on the real stack: Temporal dev server, chDB, the SharpSports sandbox
 * over loopback with its fault knobs (sandbox/sharpsports/types.ts ScenarioOverrides: slow*,
 * truncateNextPages, duplicateAcrossPages, pageDrift, webhookDelayMs). Client timeout 1 s
 * (SHARPSPORTS_TIMEOUT_SECONDS), page size 100, sandbox time compressed (3 s rate-limit window,
 * 8 s webhook wait). Every fault gets its own catalog account, reset to plain behaviour first.
 */
let stack: Stack;
const results = new Map<string, AccountRefreshResult>();
const acct: Record<string, string> = {};
let preGradeTruth: ReturnType<NonNullable<Stack['sandbox']>['slips']> = [];

const FAULTS: Record<string, { scenario: string; knobs: Record<string, unknown> }> = {
  slowPost: { scenario: 'good', knobs: { slowNextPosts: 1, slowResponseMs: 2500 } },
  slowPostControl: { scenario: 'changepassword', knobs: { slowNextPosts: 1, slowResponseMs: 200 } },
  hangingPage: { scenario: 'big', knobs: { status: 202, historySlips: 250, slowNextPages: 1, slowResponseMs: 30_000 } },
  truncated: { scenario: 'throttled', knobs: { status: 202, historySlips: 250, truncateNextPages: 2 } },
  overlap: { scenario: 'maintenance', knobs: { status: 202, historySlips: 250, duplicateAcrossPages: 10 } },
  grows: { scenario: 'flaky', knobs: { status: 202, historySlips: 250, pageDrift: 60 } },
  shrinks: { scenario: 'eager', knobs: { status: 202, historySlips: 250, pageDrift: -60 } },
  restless: { scenario: 'errorbet', knobs: { status: 202, historySlips: 250, pageDrift: 60, pageDriftTimes: 99 } },
  lateWebhook: { scenario: 'delayed', knobs: { webhookDelayMs: 14_000 } },
  outOfOrder: { scenario: 'duplicate', knobs: { webhookDelayMs: 6_000 } },
};

beforeAll(async () => {
  stack = await startTestStack(
    { SHARPSPORTS_TIMEOUT_SECONDS: '1', SHARPSPORTS_PAGE_SIZE: '100' },
    { sandboxOptions: { initialSlipsPerAccount: 12 }, feedSandboxes: false },
  );
  const sandbox = stack.sandbox!;
  for (const [fault, { scenario, knobs }] of Object.entries(FAULTS)) {
    acct[fault] = sandbox.accounts().find((a) => a.scenario === scenario)!.id;
    sandbox.setScenario(acct[fault], { ...PLAIN, ...knobs });
  }
  const runs: Promise<unknown>[] = Object.keys(FAULTS)
    .filter((f) => f !== 'outOfOrder')
    .map(async (f) => results.set(f, await refreshAccount(stack, acct[f])));
  // Out of order: the account's own refresh completes, its webhook is held 6 s; meanwhile the book
  // grades the pending slips and that (newer) webhook is delivered at once, before the original.
  runs.push(
    (async () => {
      const id = acct.outOfOrder;
      const run = refreshAccount(stack, id);
      await eventually('the original refresh to complete at SharpSports', async () =>
        sandbox.refreshLog().some((e) => e.accountId === id && e.refreshResponseId),
      );
      preGradeTruth = sandbox.slips(id);
      sandbox.setScenario(id, { webhookDelayMs: 0 });
      await sandbox.gradePending(id);
      results.set('outOfOrder', await run);
    })(),
  );
  await Promise.all(runs);
  // Late webhooks (the slow POST's first refresh, the one answered after the poll) land after their run.
  let behind: unknown[] = [];
  await eventually(
    'every sandbox slip to be in the warehouse',
    async () => {
      behind = [];
      for (const [fault, id] of Object.entries(acct)) {
        const d = await diffAccount(stack, id);
        if (fault !== 'restless' && (d.missing.length || d.stale.length))
          behind.push({
            fault,
            truth: d.truth,
            warehouse: d.warehouse,
            missing: d.missing.length,
            stale: d.stale.length,
          });
      }
      const late = sandbox
        .deliveries()
        .some((d) => d.accountId === acct.lateWebhook && d.event === 'refreshresponse.created' && d.status === 200);
      return behind.length === 0 && late;
    },
    60_000,
  ).catch((e: Error) => {
    throw new Error(
      `${e.message}: ${JSON.stringify(behind)} results ${JSON.stringify([...results].map(([f, r]) => [f, r.status, r.pages, r.slips, r.detail]))}`,
    );
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

const posts = (id: string) => stack.sandbox!.refreshLog().filter((e) => e.accountId === id);

describe('slow responses beyond SHARPSPORTS_TIMEOUT_SECONDS', () => {
  it('a refresh POST answered after the timeout is retried; both refreshes SharpSports ran are loaded once each, nothing twice', async () => {
    const id = acct.slowPost;
    const r = results.get('slowPost')!;
    expect(r.status).toBe(200);
    // The POST runs in requestRefreshIfDue (a local activity, since refresh-lean-2).
    expect((await activityAttempts(stack, id)).requestRefreshIfDue).toEqual([2]);
    // SharpSports accepted both POSTs (the first one's answer was lost to the timeout).
    expect(posts(id).map((e) => e.outcome)).toEqual(['refresh', 'refresh']);
    const loads = await loadsPerResponse(stack, id);
    expect(Object.values(loads)).toEqual([1, 1]);
    expect(await diffAccount(stack, id)).toMatchObject({ missing: [], extra: [], stale: [] });
    const d = await diffAccount(stack, id);
    expect(d.warehouse).toBe(d.truth);
  });

  it('negative control: an answer inside the timeout (200 ms) is not retried, so the retry check fails', async () => {
    const attempts = await activityAttempts(stack, acct.slowPostControl);
    expect(attempts.requestRefreshIfDue).toEqual([1]);
    expect(posts(acct.slowPostControl)).toHaveLength(1);
  });

  it('a page fetch that hangs (30 s) is abandoned at the timeout and retried; every page once, every slip once', async () => {
    const id = acct.hangingPage;
    const r = results.get('hangingPage')!;
    expect(r).toMatchObject({ status: 202, pages: 3, slips: 250 });
    expect(Math.max(...(await activityAttempts(stack, id)).loadBetSlipPage)).toBe(2);
    expect(
      await count(
        stack,
        "SELECT uniqExact(key) AS n FROM load_markers WHERE kind = 'refresh_response_page' AND key LIKE {p:String}",
        { p: `${r.refreshResponseId}/%` },
      ),
    ).toBe(3);
    expect(await diffAccount(stack, id)).toMatchObject({
      truth: 250,
      warehouse: 250,
      distinct: 250,
      missing: [],
      extra: [],
      stale: [],
    });
  });
});

describe('bad pages', () => {
  it('a betSlips page cut mid-body (twice) is retried; no partial load: 250 of 250 slips, 3 pages', async () => {
    const id = acct.truncated;
    const r = results.get('truncated')!;
    expect(r).toMatchObject({ status: 202, pages: 3, slips: 250 });
    const pageAttempts = (await activityAttempts(stack, id)).loadBetSlipPage;
    expect(pageAttempts.reduce((a, b) => a + b, 0) - pageAttempts.length).toBe(2);
    expect(await diffAccount(stack, id)).toMatchObject({
      truth: 250,
      warehouse: 250,
      distinct: 250,
      missing: [],
      extra: [],
      stale: [],
    });
  });

  it('duplicate slips across pages (10 per page boundary) are loaded once and counted once', async () => {
    const id = acct.overlap;
    const r = results.get('overlap')!;
    // pages of 100 with stride 90: 100 + 100 + 70 rows fetched for 250 distinct slips
    expect(r).toMatchObject({ status: 202, pages: 3, slips: 250 });
    expect(await diffAccount(stack, id)).toMatchObject({
      truth: 250,
      warehouse: 250,
      distinct: 250,
      missing: [],
      extra: [],
      stale: [],
    });
  });

  it('totalPages grows after page 1 (60 slips added, sorting first): the response is paged again from page 1 and every slip loads', async () => {
    const id = acct.grows;
    const r = results.get('grows')!;
    // Pass 1: page 1 of 3, then pages 2–4 of 4 (the 60 new slips sort onto page 1, already read);
    // passes 2 and 3: pages 1–4 of the new listing, the same slips both times.
    expect(r).toMatchObject({ status: 202, pages: 12, slips: 310 });
    expect(await diffAccount(stack, id)).toMatchObject({
      truth: 310,
      warehouse: 310,
      distinct: 310,
      missing: [],
      extra: [],
      stale: [],
    });
    const runs = await queryRows<{ detail: string; slips: number }>(
      stack.clickhouse,
      'SELECT detail, slips FROM refresh_runs FINAL WHERE refresh_response_id = {r:String}',
      { r: r.refreshResponseId },
    );
    expect(runs.map((x) => x.detail)).toEqual([
      'totalPages changed while paging (3 → 4 at page 2); re-paged from page 1: passes 2 and 3 read the same listing',
    ]);
    // Later passes' pages have their own insert tokens and load markers (the same token would have deduplicated them away).
    expect(
      await count(
        stack,
        "SELECT uniqExact(key) AS n FROM load_markers WHERE kind = 'refresh_response_page' AND key LIKE {p:String}",
        { p: `${r.refreshResponseId}/%/r_` },
      ),
    ).toBe(8);
  });

  it('totalPages shrinks after page 1 (60 slips moved to a newer response): the moved slips load from it, the shifted ones from a second pass', async () => {
    const id = acct.shrinks;
    const r = results.get('shrinks')!;
    // Pass 1: page 1 of 3, page 2 of 2; passes 2 and 3: pages 1–2 of 2.
    expect(r).toMatchObject({ status: 202, pages: 6 });
    expect(await diffAccount(stack, id)).toMatchObject({
      truth: 250,
      warehouse: 250,
      distinct: 250,
      missing: [],
      extra: [],
      stale: [],
    });
    const runs = await queryRows<{ detail: string }>(
      stack.clickhouse,
      'SELECT detail FROM refresh_runs FINAL WHERE refresh_response_id = {r:String}',
      { r: r.refreshResponseId },
    );
    expect(runs.map((x) => x.detail)).toEqual([
      'totalPages changed while paging (3 → 2 at page 2); re-paged from page 1: passes 2 and 3 read the same listing',
    ]);
  });

  it('negative control: a listing that changes on every read of page 1 is given up after 4 passes, the run says slips may be missing, and the completeness check does fail', async () => {
    const id = acct.restless;
    const r = results.get('restless')!;
    // 60 slips added in front at every read of page 1 (its answer is the listing before): 250 → 310 → 370 → 430 → 490
    // slips over 4 passes of 4, 4, 5 and 5 pages.
    expect(r).toMatchObject({ status: 202, pages: 18 });
    const runs = await queryRows<{ detail: string }>(
      stack.clickhouse,
      'SELECT detail FROM refresh_runs FINAL WHERE refresh_response_id = {r:String}',
      { r: r.refreshResponseId },
    );
    expect(runs.map((x) => x.detail)).toEqual([
      'totalPages changed while paging (3 → 4 at page 2); paged 4 times and the listing kept moving (pass 4 listed other slips than pass 3): slips may be missing, backfill the account',
    ]);
    const d = await diffAccount(stack, id);
    // The 60 slips added when pass 4 read page 1 are the ones not loaded.
    expect({
      truth: d.truth,
      warehouse: d.warehouse,
      missing: d.missing.length,
      extra: d.extra,
      stale: d.stale,
    }).toEqual({ truth: 490, warehouse: 430, missing: 60, extra: [], stale: [] });
  });
});

describe('webhooks late and out of order (twice and never: test/integration/refresh-lifecycle.test.ts)', () => {
  it('a webhook landing after the poll fallback loaded the response is not loaded again', async () => {
    const id = acct.lateWebhook;
    expect(results.get('lateWebhook')!.status).toBe(200);
    const landed = await queryRows<{ source: string }>(
      stack.clickhouse,
      "SELECT source FROM webhook_deliveries WHERE bettor_account_id = {a:String} AND event = 'refreshresponse.created' ORDER BY received_at",
      { a: id },
    );
    await eventually(
      'the late webhook to be handled',
      async () => (await stack.client.workflow.getHandle(accountWorkflowId(id)).describe()).status.name !== 'RUNNING',
    );
    expect(landed.map((x) => x.source)[0]).toBe('poll');
    expect(Object.values(await loadsPerResponse(stack, id))).toEqual([1]);
    expect(await diffAccount(stack, id)).toMatchObject({ missing: [], extra: [], stale: [] });
  });

  it('a grade delivered before the original: the newer version wins whatever the load order; each response loaded once', async () => {
    const id = acct.outOfOrder;
    const truth = stack.sandbox!.slips(id);
    const graded = truth.filter((s) => !preGradeTruth.some((p) => p.refreshResponse === s.refreshResponse));
    expect(graded.length).toBeGreaterThan(0);
    expect(Object.values(await loadsPerResponse(stack, id))).toEqual([1]);
    expect(await diffAccount(stack, id)).toMatchObject({ missing: [], extra: [], stale: [] });
    expect(
      await count(
        stack,
        "SELECT countIf(status = 'completed') AS n FROM bet_slips FINAL WHERE bettor_account_id = {a:String}",
        { a: id },
      ),
    ).toBe(truth.filter((s) => s.status === 'completed').length);
  });

  it('negative control: against the truth from before the grade the same check reports the graded slips as stale', async () => {
    const id = acct.outOfOrder;
    const rows = await queryRows<{ id: string; rr: string }>(
      stack.clickhouse,
      'SELECT id, refresh_response_id AS rr FROM bet_slips FINAL WHERE bettor_account_id = {a:String}',
      { a: id },
    );
    const before = new Map(preGradeTruth.map((s) => [s.id, s.refreshResponse]));
    const stale = rows.filter((r) => before.has(r.id) && before.get(r.id) !== r.rr);
    expect(stale.length).toBeGreaterThan(0);
  });
});
