import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOrchestrationActivities } from '../../activities/refresh/orchestration';
import { defaultPolicy } from '../../platform/config';
import { accountWorkflowId, refreshResponseCreated, type AccountRefreshResult } from '../../workflows/refresh/messages';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping';
import { FakeSharpSports } from '../support/fakes/sharpsports';

const policy = defaultPolicy({
  SHARPSPORTS_RATE_LIMIT_SECONDS: 60,
  SHARPSPORTS_WEBHOOK_WAIT_SECONDS: 300,
  SHARPSPORTS_PAGE_SIZE: 500,
});
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

it('a bettor-level refresh whose 500 was loaded by a webhook-started run still gets its retries', async () => {
  const accountId = 'BACT_attach';
  const taskQueue = 'tq-attach';
  // Attempt 1 is the bettor-level POST (its 500 arrives by webhook first); later attempts: 500, then 200.
  const fake = new FakeSharpSports(env.client, accountId, [{ status: 500 }, { status: 500 }, { status: 200 }], () =>
    env.currentTimeMs(),
  );
  const activities = fake.activities();
  const record = activities.recordRefreshRun!;
  // Keep the webhook-started run busy (recording its 500) long enough for the bettor's activity to attach to it.
  let slowOnce = true;
  activities.recordRefreshRun = async (r) => {
    if (slowOnce) await new Promise((resolve) => setTimeout(resolve, 1500));
    slowOnce = false;
    return record(r);
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  const result = await worker.runUntil(async () => {
    const bettorRequest = {
      requestId: 'bettor-req',
      outcome: 'refresh' as const,
      cid: null,
      requestedAtMs: Date.now(),
    };
    await env.client.workflow.signalWithStart('accountRefresh', {
      workflowId: accountWorkflowId(accountId),
      taskQueue,
      args: [{ accountId, mode: 'deliveries', policy }],
      signal: refreshResponseCreated,
      signalArgs: [fake.ref('bettor-req', { status: 500 }, 0)],
    });
    const { startOrAttachAccountRefresh } = createOrchestrationActivities({
      temporal: { client: env.client, taskQueue },
    } as any);
    return (await new MockActivityEnvironment().run(startOrAttachAccountRefresh, {
      accountId,
      mode: 'request' as const,
      preset: bettorRequest,
      policy,
    })) as AccountRefreshResult;
  });
  expect(result.mode).toBe('request');
  expect(result.status).toBe(200);
  expect(result.attempts).toBe(3);
  // Two POSTs by the account workflow after the bettor-level one.
  expect(fake.requests.map((r) => r.attempt)).toEqual([2, 3]);
});
