import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import type { WindowHeartbeat } from '../../activities/backfill/backfill';
import { defaultPolicy } from '../../platform/config';
import { createSharpSportsClient } from '../../refresh/sharpsports-client';
import { createWarehouse, queryRows } from '../../platform/warehouse/client';
import { startSharpSportsSandbox, type SharpSportsSandbox } from '../../sandbox/sharpsports';
import {
  emptyCounts,
  windowCount,
  type BackfillCounts,
  type BetBackfillInput,
  type BetBackfillResult,
} from '../../workflows/backfill/messages';
import { tempDir } from '../support/stack';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping';

const DAY = 86_400_000;
const KEY = 'sbx-backfill-key';
let env: TestWorkflowEnvironment;
let sandbox: SharpSportsSandbox;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  sandbox = await startSharpSportsSandbox({
    apiKey: KEY,
    webhookSecret: 'unused',
    bigAccountSlips: 3000,
    webhookUrl: 'http://127.0.0.1:9/unreachable',
  });
}, 60_000);
afterAll(async () => {
  await sandbox?.close();
  await env?.teardown();
});

function spawnWorker(dataDir: string, taskQueue: string): { child: ChildProcess; lines: AsyncIterable<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/backfill-worker.ts'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: taskQueue,
      DATA_DIR: dataDir,
      SANDBOX_URL: sandbox.url,
      SANDBOX_KEY: KEY,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return { child, lines: readline.createInterface({ input: child.stderr! }) };
}

describe('betBackfill (time-skipping)', () => {
  it('resumes from the heartbeat after its worker is SIGKILLed mid-window, and never double-loads', async () => {
    const account = sandbox.accounts().find((a) => a.scenario === 'big')!.id;
    await sandbox.triggerRefresh(account, 'cadence');
    const truth = sandbox.slips(account);
    const placed = truth.map((s) => Date.parse(s.timePlaced));
    const input: BetBackfillInput = {
      fromMs: Math.floor(Math.min(...placed) / DAY) * DAY,
      toMs: Math.ceil((Math.max(...placed) + 1) / DAY) * DAY,
      scope: { kind: 'account', id: account },
      windowHours: 24 * 30,
      pageSize: 50,
      concurrency: 1,
    };
    const dataDir = tempDir('backfill-kill');
    const taskQueue = 'backfill-kill';
    const handle = await env.client.workflow.start('betBackfill', {
      workflowId: 'backfill-kill',
      taskQueue,
      args: [input],
    });

    // Worker 1, in its own process: killed once it is well into the second window.
    const first = spawnWorker(dataDir, taskQueue);
    let pagesBeforeKill = 0;
    const seen: string[] = [];
    for await (const line of first.lines) {
      seen.push(line);
      if (!line.includes('backfill.page.loaded')) continue;
      const e = JSON.parse(line);
      pagesBeforeKill += 1;
      if (e.window >= 1 && e.page >= 5) break;
    }
    expect(pagesBeforeKill, `worker 1 stopped before the kill point:\n${seen.slice(-20).join('\n')}`).toBeGreaterThan(
      5,
    );
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    // Worker 2, in this process, on the same warehouse: it must pick the window up where the heartbeat says.
    const clickhouse = await createWarehouse({
      dataDir,
      clickhouse: { user: 'default', password: '', database: 'linehouse' },
    });
    const http = createSharpSportsClient({ baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 10_000 });
    let fetches = 0;
    const counting: typeof http = {
      ...http,
      get: <T>(p: string, q?: Record<string, string | number | undefined>) => ((fetches += 1), http.get<T>(p, q)),
    };
    const policy = defaultPolicy({
      SHARPSPORTS_RATE_LIMIT_SECONDS: 60,
      SHARPSPORTS_WEBHOOK_WAIT_SECONDS: 300,
      SHARPSPORTS_PAGE_SIZE: 50,
    });
    const activities = createActivities({
      clickhouse,
      http: counting,
      config: { sharpsports: { baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 10_000, policy } },
    });
    const resumed: Array<{ window: number; attempt: number; beat?: WindowHeartbeat }> = [];
    const backfillWindow: typeof activities.backfillWindow = (args) => {
      const info = Context.current().info;
      resumed.push({
        window: args.window.index,
        attempt: info.attempt,
        beat: info.heartbeatDetails as WindowHeartbeat | undefined,
      });
      return activities.backfillWindow(args);
    };
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: { ...activities, backfillWindow },
      });
      const result = (await worker.runUntil(handle.result())) as BetBackfillResult;

      const bets = truth.reduce((n, s) => n + s.bets.length, 0);
      expect(result.counts).toMatchObject({ slips: truth.length, bets, new: truth.length, updated: 0, unchanged: 0 });
      expect(result.windowsDone).toBe(windowCount(input));
      const [row] = await queryRows<{ finalSlips: number; rawSlips: number; finalBets: number }>(
        clickhouse,
        `SELECT (SELECT count() FROM bet_slips FINAL) AS finalSlips, (SELECT count() FROM bet_slips) AS rawSlips, (SELECT count() FROM bets FINAL) AS finalBets`,
      );
      expect(Number(row.finalSlips)).toBe(truth.length);
      expect(Number(row.rawSlips)).toBe(truth.length);
      expect(Number(row.finalBets)).toBe(bets);
      // The killed window came back as a retry carrying the dead worker's heartbeat, past page 1…
      const retry = resumed.find((r) => r.attempt > 1);
      expect(retry?.beat?.nextPage).toBeGreaterThan(1);
      // …so worker 2 fetched fewer pages than the whole backfill has (it did not start over).
      expect(pagesBeforeKill).toBeGreaterThan(5);
      expect(fetches).toBeLessThan(result.counts.pages);
    } finally {
      await clickhouse.close();
    }
  }, 240_000);

  it('a long backfill continues as new runs and keeps each history small (100k slips in 2,000 windows)', async () => {
    const taskQueue = 'backfill-long';
    const perWindow: BackfillCounts = { ...emptyCounts(), pages: 1, slips: 50, bets: 60, new: 50 };
    const calls = new Map<number, number>();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: {
        async backfillWindow({ window }: { window: { index: number } }) {
          calls.set(window.index, (calls.get(window.index) ?? 0) + 1);
          return perWindow;
        },
      },
    });
    const input: BetBackfillInput = {
      fromMs: 0,
      toMs: 2000 * 3_600_000,
      scope: { kind: 'all' },
      windowHours: 1,
      pageSize: 500,
      concurrency: 8,
      maxWindowsPerRun: 300,
    };
    const handle = await env.client.workflow.start('betBackfill', {
      workflowId: 'backfill-long',
      taskQueue,
      args: [input],
    });
    const result = (await worker.runUntil(handle.result())) as BetBackfillResult;
    expect(result.counts).toMatchObject({ slips: 100_000, bets: 120_000, new: 100_000, pages: 2000 });
    expect(result.windowsDone).toBe(2000);
    expect(result.runs).toBe(Math.ceil(2000 / 300));
    // Every window exactly once across all runs.
    expect(calls.size).toBe(2000);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    // Each run's history stays far below Temporal's 51,200-event / 50 MB limits: follow the chain of runs.
    const sizes: number[] = [];
    let runId: string | undefined = handle.firstExecutionRunId;
    while (runId) {
      const history: Awaited<ReturnType<typeof handle.fetchHistory>> = await env.client.workflow
        .getHandle('backfill-long', runId)
        .fetchHistory();
      const events = history.events ?? [];
      sizes.push(events.length);
      runId =
        events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)
          ?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    expect(sizes).toHaveLength(result.runs);
    for (const n of sizes) expect(n).toBeLessThan(3000);
  }, 240_000);
});
