import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createSharpSportsClient } from '../../refresh/sharpsports-client';
import type { Stack } from '../../workers/stack';
import { createCadenceSchedule, deleteSchedule, scheduleId } from '../../workers/schedules';
import { eventually, startTestStack } from '../support/stack';
import { workflowBundle } from '../support/time-skipping';

// Schedules need a real server: the time-skipping test server does not implement them
// (temporalio/sdk-java#1954). Dev server, chDB and the SharpSports sandbox, in real time:
// sandbox policy (3 s rate-limit window), a pass every 2 s.
let stack: Stack;

beforeAll(async () => {
  stack = await startTestStack({}, { feedSandboxes: false });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

interface Pass {
  id: string;
  start: number;
  close: number | null;
  status: string;
}

async function passes(queue: string): Promise<Pass[]> {
  const out: Pass[] = [];
  for await (const wf of stack.client.workflow.list({
    query: `WorkflowType = "cadenceRefresh" AND TaskQueue = "${queue}"`,
  }))
    out.push({
      id: wf.workflowId,
      start: wf.startTime.getTime(),
      close: wf.closeTime?.getTime() ?? null,
      status: wf.status.name,
    });
  return out.sort((a, b) => a.start - b.start);
}

describe('cadence schedule (dev server + sandbox)', () => {
  it('fires on its interval, skips passes while one runs (worker down included), and never refreshes an account inside the window', async () => {
    const sandbox = stack.sandbox!;
    const queue = 'cadence-schedule-test';
    const handle = stack.client.schedule.getHandle(scheduleId('cadence'));
    // No worker polls this queue yet: the first pass starts and waits, the next ones must skip.
    await createCadenceSchedule(
      stack.client,
      {
        intervalSeconds: 2,
        catchupWindowSeconds: 60,
        overlap: 'skip',
        fanOut: 4,
        pageSize: 5,
        policy: stack.run.policy,
        taskQueue: queue,
        otpWaitSeconds: 2,
      },
      true,
    );
    await eventually(
      'three due times while the worker is down',
      async () => (await handle.describe()).info.numActionsSkippedOverlap >= 2,
      30_000,
    );
    const down = await handle.describe();
    expect(down.info.numActionsTaken).toBe(1);
    expect(down.info.runningActions).toHaveLength(1);
    expect((await passes(queue)).filter((p) => p.status === 'RUNNING')).toHaveLength(1);

    // The worker comes back: the one waiting pass runs (no burst of the skipped ones), then the
    // schedule goes on at its interval.
    const http = createSharpSportsClient({
      baseUrl: stack.config.sharpsports.baseUrl,
      apiKey: stack.config.sharpsports.apiKey,
      timeoutMs: 10_000,
    });
    const activities = createActivities({
      clickhouse: stack.clickhouse,
      http,
      config: stack.config,
      temporal: { client: stack.client, taskQueue: queue },
    });
    const worker = await Worker.create({
      connection: stack.worker.options.connection!,
      taskQueue: queue,
      workflowBundle: await workflowBundle(),
      activities,
    });
    await worker.runUntil(async () => {
      await eventually(
        'three completed passes',
        async () => (await passes(queue)).filter((p) => p.status === 'COMPLETED').length >= 3,
        120_000,
      );
      await handle.pause('test done');
      await eventually(
        'the last pass to finish',
        async () => (await handle.describe()).info.runningActions.length === 0,
        120_000,
      );
    });
    const info = (await handle.describe()).info;
    const all = await passes(queue);
    expect(all.length).toBe(info.numActionsTaken);
    expect(info.numActionsSkippedOverlap).toBeGreaterThanOrEqual(3);
    expect(all.every((p) => p.status === 'COMPLETED')).toBe(true);
    // Skip means never two passes at once.
    for (let i = 1; i < all.length; i++) expect(all[i].start).toBeGreaterThanOrEqual(all[i - 1].close!);

    // The sandbox is the judge of SharpSports' rule: it answers rateLimited to a refresh inside
    // the window. Only the throttled account (which answers 429 by design) may show it.
    const log = sandbox.refreshLog();
    const scenarioOf = new Map(sandbox.accounts().map((a) => [a.id, a.scenario]));
    const limited = log.filter((e) => e.outcome === 'rateLimited' && scenarioOf.get(e.accountId) !== 'throttled');
    expect(limited).toEqual([]);
    // Every account of a refreshable bettor was refreshed by more than one pass.
    const good = sandbox.accounts().find((a) => a.scenario === 'good')!.id;
    expect(log.filter((e) => e.accountId === good && e.outcome === 'refresh').length).toBeGreaterThanOrEqual(2);
    expect(await deleteSchedule(stack.client, 'cadence')).toBe(true);
  }, 300_000);
});
