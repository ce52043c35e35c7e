import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import proto from '@temporalio/proto';
import { defaultPolicy } from '../../platform/config';
import { refreshStartAttributes } from '../../platform/temporal/search-attributes';
import {
  accountWorkflowId,
  refreshResponseCreated,
  submitOtp,
  type AccountRefreshInput,
  type AccountRefreshResult,
} from '../../workflows/refresh/messages';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping';
import { FakeSharpSports, type Attempt } from '../support/fakes/sharpsports';

// Production timings: 60 s rate-limit spacing, 5 min webhook wait. The server skips them.
const policy = defaultPolicy({
  SHARPSPORTS_RATE_LIMIT_SECONDS: 60,
  SHARPSPORTS_WEBHOOK_WAIT_SECONDS: 300,
  SHARPSPORTS_PAGE_SIZE: 500,
});

let env: TestWorkflowEnvironment;
let n = 0;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function runRefresh(
  script: Attempt[],
  input: Partial<AccountRefreshInput> = {},
  during?: (fake: FakeSharpSports) => Promise<void>,
) {
  const accountId = `BACT_wf${++n}`;
  const taskQueue = `tq-${n}`;
  const fake = new FakeSharpSports(env.client, accountId, script, () => env.currentTimeMs());
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: fake.activities(),
  });
  const result = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('accountRefresh', {
      workflowId: accountWorkflowId(accountId),
      taskQueue,
      args: [{ accountId, mode: 'request', policy, ...input }],
    });
    if (during) await during(fake);
    return (await handle.result()) as AccountRefreshResult;
  });
  return { result, fake, accountId };
}

const gaps = (fake: FakeSharpSports) => fake.requests.slice(1).map((r, i) => r.at - fake.requests[i].at);

describe('accountRefresh state machine (time-skipping)', () => {
  it('200: loads the slips of the webhook and records the run', async () => {
    const { result, fake } = await runRefresh([{ status: 200 }]);
    expect(result).toMatchObject({
      status: 200,
      attempts: 1,
      slips: 3,
      bets: 4,
      requestId: 'req-1',
      refreshResponseId: 'RRES_req-1',
    });
    expect(fake.loads).toEqual(['dlv-req-1']);
    expect(fake.runs).toEqual([{ requestId: 'req-1', status: 200, origin: 'linehouse' }]);
  });

  it('202: pages 1..totalPages, each page once', async () => {
    const { result, fake } = await runRefresh([{ status: 202, totalPages: 4 }]);
    expect(fake.pages.map((p) => p.page)).toEqual([1, 2, 3, 4]);
    expect(fake.loads).toEqual([]);
    expect(result).toMatchObject({ status: 202, pages: 4, slips: 40, bets: 48 });
  });

  it('202 whose totalPages changes while paging: pages it again from page 1 until two passes read the same listing', async () => {
    // Pass 1: page 1 says 3 pages, page 2 says 4 (slips were added in front); pass 2 reads the new
    // listing; pass 3 reads the same slips as pass 2 (same digests), so the load is complete.
    const listing = (pass: number, pageNum: number) => ({
      totalPages: pass === 1 && pageNum === 1 ? 3 : 4,
      digest: pass === 1 ? `old-${pageNum}` : `new-${pageNum}`,
    });
    const { result, fake } = await runRefresh([{ status: 202, listing }]);
    expect(fake.pages.map((p) => `${p.pass ?? 1}:${p.page}`)).toEqual([
      '1:1',
      '1:2',
      '1:3',
      '1:4',
      '2:1',
      '2:2',
      '2:3',
      '2:4',
      '3:1',
      '3:2',
      '3:3',
      '3:4',
    ]);
    expect(result).toMatchObject({ status: 202, pages: 12 });
    expect(fake.details).toEqual([
      'totalPages changed while paging (3 → 4 at page 2); re-paged from page 1: passes 2 and 3 read the same listing',
    ]);
  });

  it('202 whose listing never settles: gives up after 4 passes and says slips may be missing', async () => {
    const listing = (pass: number, pageNum: number) => ({
      totalPages: pageNum === 1 ? pass + 1 : pass + 2,
      digest: `p${pass}-${pageNum}`,
    });
    const { result, fake } = await runRefresh([{ status: 202, listing }]);
    expect(fake.pages.map((p) => p.pass ?? 1)).toEqual([1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4]);
    expect(result).toMatchObject({ status: 202, pages: 18 });
    expect(fake.details).toEqual([
      'totalPages changed while paging (2 → 3 at page 2); paged 4 times and the listing kept moving (pass 4: totalPages 5 → 6 at page 2): slips may be missing, backfill the account',
    ]);
  });

  it('negative control: a listing that moves without changing totalPages in later passes still needs two equal passes', async () => {
    // Pass 2 and 3 keep totalPages but list other slips on page 1; pass 4 equals pass 3.
    const listing = (pass: number, pageNum: number) => ({
      totalPages: pass === 1 && pageNum === 1 ? 2 : 3,
      digest: pageNum === 1 ? `p${Math.min(pass, 3)}` : `same-${pageNum}`,
    });
    const { fake } = await runRefresh([{ status: 202, listing }]);
    expect(fake.pages.map((p) => p.pass ?? 1)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    expect(fake.details).toEqual([
      'totalPages changed while paging (2 → 3 at page 2); re-paged from page 1: passes 3 and 4 read the same listing',
    ]);
  });

  it('429 in the immediate response: backs off at least 60 s (skipped) and retries until accepted', async () => {
    const { result, fake } = await runRefresh([
      { outcome: 'rateLimited' },
      { outcome: 'rateLimited' },
      { status: 200 },
    ]);
    expect(result).toMatchObject({ status: 200, attempts: 3 });
    expect(fake.requests).toHaveLength(3);
    for (const gap of gaps(fake)) expect(gap).toBeGreaterThanOrEqual(60_000);
    expect(fake.runs.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('429 is bounded: gives up after the configured number of attempts', async () => {
    const { result, fake } = await runRefresh([{ outcome: 'rateLimited' }]);
    expect(result.status).toBe(429);
    expect(fake.requests).toHaveLength(policy.rateLimitedMaxAttempts);
  });

  it('429 reported by the webhook (refresh in progress) is retried the same way', async () => {
    const { result, fake } = await runRefresh([{ status: 429 }, { status: 200 }]);
    expect(result).toMatchObject({ status: 200, attempts: 2 });
    expect(gaps(fake)[0]).toBeGreaterThanOrEqual(60_000);
  });

  it('424: backs off longer, growing, until the book is back', async () => {
    const { result, fake } = await runRefresh([{ outcome: 'bookInactive' }, { status: 424 }, { status: 200 }]);
    expect(result).toMatchObject({ status: 200, attempts: 3 });
    const [first, second] = gaps(fake);
    expect(first).toBeGreaterThanOrEqual(policy.maintenanceBackoffSeconds * 1000);
    expect(second).toBeGreaterThanOrEqual(2 * policy.maintenanceBackoffSeconds * 1000);
  });

  it('424 forever: stops at the deadline with 424 recorded', async () => {
    const { result, fake } = await runRefresh([{ outcome: 'bookRegionInactive' }]);
    expect(result.status).toBe(424);
    const span = fake.requests.at(-1)!.at - fake.requests[0].at;
    expect(span).toBeLessThanOrEqual(policy.maintenanceDeadlineSeconds * 1000);
    expect(fake.requests.length).toBeGreaterThan(2);
  });

  it('500: retries a few times with back-off, then fails with 500 recorded', async () => {
    const { result, fake } = await runRefresh([{ status: 500, detail: 'unhandled error' }]);
    expect(result).toMatchObject({ status: 500, detail: 'unhandled error', attempts: policy.serverErrorMaxAttempts });
    expect(gaps(fake).every((g) => g >= 60_000)).toBe(true);
    expect(fake.runs.every((r) => r.status === 500)).toBe(true);
  });

  it('500 then 200: a flaky refresh succeeds on retry', async () => {
    const { result } = await runRefresh([{ status: 500 }, { status: 200 }]);
    expect(result).toMatchObject({ status: 200, attempts: 2 });
  });

  it.each([
    [401, { status: 401, detail: 'password changed' }],
    [403, { outcome: 'noAccess' as const }],
    [401, { outcome: 'unverified' as const }],
    [401, { outcome: 'isUnverifiable' as const }],
    [403, { status: 403 }],
    [406, { status: 406 }],
  ])('terminal %i: no retry', async (status, attempt) => {
    const { result, fake } = await runRefresh([attempt, { status: 200 }]);
    expect(result.status).toBe(status);
    expect(fake.requests).toHaveLength(1);
  });

  it('otpRequired and no code within the wait: 406, nothing submitted', async () => {
    const { result, fake } = await runRefresh([{ outcome: 'otpRequired', status: 200 }], {}, async () => {
      await new Promise((r) => setTimeout(r, 300));
    });
    // No OTP came within the wait: 406, as SharpSports reports a missing code.
    expect(result.status).toBe(406);
    expect(fake.otps).toEqual([]);
  });

  it('otpRequired with a code submitted: 200', async () => {
    const accountId = `BACT_wf${++n}`;
    const taskQueue = `tq-${n}`;
    const fake = new FakeSharpSports(env.client, accountId, [{ outcome: 'otpRequired', status: 200 }], () =>
      env.currentTimeMs(),
    );
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: fake.activities(),
    });
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('accountRefresh', {
        workflowId: accountWorkflowId(accountId),
        taskQueue,
        args: [{ accountId, mode: 'request', policy }],
      });
      await handle.signal(submitOtp, '123456');
      return (await handle.result()) as AccountRefreshResult;
    });
    expect(fake.otps).toEqual(['123456']);
    expect(result.status).toBe(200);
  });

  it('a lost webhook: waits the full webhook window (skipped), then polls and loads', async () => {
    const { result, fake } = await runRefresh([{ status: 200, delivery: 'poll-only' }]);
    expect(result.status).toBe(200);
    expect(fake.polls.length).toBeGreaterThanOrEqual(1);
    expect(fake.loads).toEqual(['poll:RRES_req-1']);
  });

  it('no webhook and nothing to poll: gives up at the poll deadline without inventing a status', async () => {
    const { result, fake } = await runRefresh([{ status: 200, delivery: 'never' }]);
    expect(result.status).toBeNull();
    expect(result.detail).toMatch(/no refresh response/);
    expect(fake.polls.length).toBeGreaterThan(10);
  });

  it('a duplicate webhook is loaded once', async () => {
    const { result, fake } = await runRefresh([{ status: 200, delivery: 'webhook-twice' }]);
    expect(result.status).toBe(200);
    expect(fake.loads).toEqual(['dlv-req-1']);
    expect(result.loaded).toHaveLength(1);
  });

  it('a webhook that landed before the workflow knew its requestId is found, not waited for', async () => {
    const { result, fake } = await runRefresh([{ status: 200, delivery: 'landed-earlier' }]);
    expect(result.status).toBe(200);
    expect(fake.polls).toEqual([]);
  });

  it('keeps the 1-per-minute rule across runs: an attempt 10 s ago delays the request by the rest of the minute', async () => {
    const accountId = `BACT_wf${++n}`;
    const taskQueue = `tq-${n}`;
    const fake = new FakeSharpSports(env.client, accountId, [{ status: 200 }], () => env.currentTimeMs());
    const start = (await env.currentTimeMs?.()) ?? Date.now();
    fake.lastAttemptAt = start - 10_000;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: fake.activities(),
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('accountRefresh', {
        workflowId: accountWorkflowId(accountId),
        taskQueue,
        args: [{ accountId, mode: 'request', policy }],
      });
      return handle.result();
    });
    expect(fake.requests[0].at - (start - 10_000)).toBeGreaterThanOrEqual(60_000);
  });

  it('refreshes linehouse did not start (cadence, grade) signalled during a run are loaded before it completes', async () => {
    const { result, fake } = await runRefresh([{ status: 200 }], {}, async (f) => {
      const handle = env.client.workflow.getHandle(accountWorkflowId(f.accountId));
      await handle.signal(refreshResponseCreated, { ...f.ref('cadence-1', { status: 200 }, 9), type: 'cadence' });
    });
    expect(fake.loads.sort()).toEqual(['dlv-cadence-1', 'dlv-req-1']);
    expect(result.status).toBe(200);
    expect(result.loaded.map((l) => l.type).sort()).toEqual(['cadence', 'manual']);
    expect(fake.runs.find((r) => r.requestId === 'cadence-1')?.origin).toBe('sharpsports');
  });

  it('a response the receiver already loaded (ref.loaded) is recorded with its counts, not loaded again', async () => {
    const { result, fake } = await runRefresh([{ status: 200 }], {}, async (f) => {
      const handle = env.client.workflow.getHandle(accountWorkflowId(f.accountId));
      await handle.signal(refreshResponseCreated, {
        ...f.ref('cadence-2', { status: 200 }, 9),
        type: 'cadence',
        loaded: { slips: 7, bets: 11, skipped: false },
      });
    });
    expect(fake.loads).toEqual(['dlv-req-1']);
    expect(result.loaded.find((l) => l.type === 'cadence')).toMatchObject({ slips: 7, bets: 11, skipped: false });
    expect(result.slips).toBe(3 + 7);
    expect(fake.runs.find((r) => r.requestId === 'cadence-2')?.origin).toBe('sharpsports');
  });

  it('deliveries mode: loads the signalled response without requesting a refresh', async () => {
    const accountId = `BACT_wf${++n}`;
    const taskQueue = `tq-${n}`;
    const fake = new FakeSharpSports(env.client, accountId, [{ status: 200 }], () => env.currentTimeMs());
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: fake.activities(),
    });
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.signalWithStart('accountRefresh', {
        workflowId: accountWorkflowId(accountId),
        taskQueue,
        args: [{ accountId, mode: 'deliveries', policy }],
        signal: refreshResponseCreated,
        signalArgs: [{ ...fake.ref('grade-1', { status: 200 }, 1), type: 'grade' }],
      });
      return (await handle.result()) as AccountRefreshResult;
    });
    expect(fake.requests).toEqual([]);
    expect(fake.loads).toEqual(['dlv-grade-1']);
    expect(result).toMatchObject({ status: 200, refreshResponseId: 'RRES_grade-1' });
  });
});

/** Event type names and, for upserts and memo changes, the fields they wrote, in history order. */
function shapeOf(history: proto.temporal.api.history.v1.IHistory) {
  // binary/null payloads (a memo field set to null) carry no data.
  const decode = (p: proto.temporal.api.common.v1.IPayload) =>
    p.data?.length ? JSON.parse(Buffer.from(p.data).toString()) : null;
  return (history.events ?? []).map((e) => {
    const type = String(proto.temporal.api.enums.v1.EventType[e.eventType ?? 0]).replace(/^EVENT_TYPE_/, '');
    const sa = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    const memo = e.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields;
    const fields = sa ?? memo;
    return {
      type,
      fields: fields ? Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, decode(v)])) : undefined,
    };
  });
}

describe("accountRefresh's Temporal shape (patched 'refresh-lean-2')", () => {
  async function refreshStartedWithAttributes(script: Attempt[]) {
    const accountId = `BACT_wf${++n}`;
    const taskQueue = `tq-${n}`;
    const fake = new FakeSharpSports(env.client, accountId, script, () => env.currentTimeMs());
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: fake.activities(),
    });
    const handle = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('accountRefresh', {
        workflowId: accountWorkflowId(accountId),
        taskQueue,
        args: [{ accountId, mode: 'request', policy }],
        typedSearchAttributes: refreshStartAttributes(accountId),
      });
      await h.result();
      return h;
    });
    const events = shapeOf(await handle.fetchHistory());
    return { accountId, fake, events, description: await handle.describe() };
  }

  it('200 with the webhook on time: the POST is a local activity, attributes set at start are not upserted, one upsert and one memo at the end', async () => {
    const { accountId, fake, events, description } = await refreshStartedWithAttributes([{ status: 200 }]);
    expect(fake.runs).toEqual([{ requestId: 'req-1', status: 200, origin: 'linehouse' }]);
    expect(events.filter((e) => e.type === 'ACTIVITY_TASK_SCHEDULED')).toEqual([]);
    const upserts = events.filter((e) => e.type === 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES').map((e) => e.fields!);
    // The patch's own TemporalChangeVersion, then everything the run learnt, in one upsert.
    expect(upserts).toEqual([
      { TemporalChangeVersion: ['refresh-lean-2'] },
      { LinehouseBettor: 'BTTR_test', LinehouseBook: 'dk', LinehousePhase: 'done', LinehouseStatus: 200 },
    ]);
    const memos = events.filter((e) => e.type === 'WORKFLOW_PROPERTIES_MODIFIED').map((e) => e.fields!);
    expect(memos).toEqual([
      expect.objectContaining({ requestId: 'req-1', status: 200, slips: 3, bets: 4, attempts: 1 }),
    ]);
    expect(events.at(-1)?.type).toBe('WORKFLOW_EXECUTION_COMPLETED');
    const sa = description.typedSearchAttributes;
    expect([
      sa.get(refreshStartAttributes(accountId)[0].key),
      sa.get(refreshStartAttributes(accountId)[1].key),
    ]).toEqual(['refresh', accountId]);
  });

  it('a webhook that does not come at once: the wait is shown (phase awaiting-webhook, the requestId in the memo) before polling', async () => {
    const { events } = await refreshStartedWithAttributes([{ status: 200, delivery: 'poll-only' }]);
    const shown = events
      .filter((e) => e.type === 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES' || e.type === 'WORKFLOW_PROPERTIES_MODIFIED')
      .map((e) => e.fields!);
    expect(shown).toEqual([
      { TemporalChangeVersion: ['refresh-lean-2'] },
      { requestId: 'req-1', attempts: 1 },
      { LinehousePhase: 'awaiting-webhook' },
      { LinehousePhase: 'polling' },
      { LinehouseBettor: 'BTTR_test', LinehouseBook: 'dk', LinehousePhase: 'done', LinehouseStatus: 200 },
      expect.objectContaining({ status: 200, slips: 3 }),
    ]);
  });
});
