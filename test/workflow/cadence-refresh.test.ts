import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCadenceActivities } from '../../activities/refresh/cadence';
import { defaultPolicy } from '../../platform/config';
import { createSharpSportsClient } from '../../refresh/sharpsports-client';
import { createWarehouse, insertRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import { startSharpSportsSandbox, type SharpSportsSandbox } from '../../sandbox/sharpsports';
import type { CadenceRefreshInput, CadenceRefreshResult } from '../../workflows/refresh/cadence-messages';
import { bettorWorkflowId } from '../../workflows/refresh/messages';
import { tempDir } from '../support/stack';
import { createTimeSkippingEnv, workflowBundle } from '../support/time-skipping';

// Production spacing (60 s); the server skips the waits between passes.
const policy = defaultPolicy({
  SHARPSPORTS_RATE_LIMIT_SECONDS: 60,
  SHARPSPORTS_WEBHOOK_WAIT_SECONDS: 300,
  SHARPSPORTS_PAGE_SIZE: 500,
});
const KEY = 'sbx-cadence-key';
const FAN_OUT = 3;

let env: TestWorkflowEnvironment;
let sandbox: SharpSportsSandbox;
let ch: Warehouse;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  sandbox = await startSharpSportsSandbox({ apiKey: KEY, webhookSecret: 'unused' });
  ch = await createWarehouse({
    dataDir: tempDir('cadence'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await migrate(ch);
}, 60_000);
afterAll(async () => {
  await ch?.close();
  await sandbox?.close();
  await env?.teardown();
});

describe('cadenceRefresh (time-skipping)', () => {
  it('pages every bettor, fans out at most N at once, skips a running refresh and accounts inside the rate-limit window', async () => {
    const taskQueue = 'cadence';
    const bettors = sandbox.bettors();
    const [busy, recentAccount, recentBettor, stale] = bettors;
    const http = createSharpSportsClient({ baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 10_000 });
    const real = createCadenceActivities({
      clickhouse: ch,
      http,
      config: { sharpsports: { baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 10_000, policy } },
      temporal: { client: env.client, taskQueue },
    });

    // The bettor-level POST is faked (this test is about the cadence, not the refresh): it records
    // the request in refresh_attempts at server time, as the real one does at its answer.
    const requests: Array<{ bettor: string; at: number }> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let releaseBusy!: () => void;
    const busyReleased = new Promise<void>((r) => (releaseBusy = r));
    const activities = {
      ...real,
      async requestBettorRefresh({ bettor, workflowId }: { bettor: string; workflowId: string }) {
        const at = Context.current().info.currentAttemptScheduledTimestampMs;
        requests.push({ bettor, at });
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          if (bettor === busy.internalId) await busyReleased;
          else await new Promise((r) => setTimeout(r, 150));
        } finally {
          inFlight -= 1;
        }
        await insertRows(ch, 'refresh_attempts', [
          {
            bettor_account_id: '',
            workflow_id: workflowId,
            attempt: 1,
            requested_at: new Date(at).toISOString(),
            request_id: `req-${requests.length}`,
            outcome: 'refresh',
          },
        ]);
        return { requestId: `req-${requests.length}`, cid: null, requestedAtMs: at, bettorId: null, accounts: [] };
      },
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities,
    });
    const input: CadenceRefreshInput = { policy, pageSize: 4, fanOut: FAN_OUT };
    const pass = (id: string) =>
      env.client.workflow.execute('cadenceRefresh', {
        workflowId: id,
        taskQueue,
        args: [input],
      }) as Promise<CadenceRefreshResult>;

    let now0 = 0;
    await worker.runUntil(async () => {
      // A refresh of `busy` is already running (someone ran `linehouse refresh`).
      const running = await env.client.workflow.start('bettorRefresh', {
        workflowId: bettorWorkflowId(busy.internalId),
        taskQueue,
        args: [{ bettor: busy.internalId, policy }],
      });
      while (!requests.some((r) => r.bettor === busy.internalId)) await new Promise((r) => setTimeout(r, 50));
      // recentAccount's account was refreshed 20 s ago; recentBettor had a bettor-level refresh 10 s
      // ago; stale's account was refreshed 2 minutes ago (outside the window).
      const now = await env.currentTimeMs();
      now0 = now;
      await insertRows(
        ch,
        'refresh_runs',
        [recentAccount, stale].map((b) => ({
          workflow_id: 'w',
          bettor_account_id: b.accounts[0],
          bettor_id: b.id,
          book_abbr: 'dk',
          request_id: `r-${b.id}`,
          refresh_response_id: '',
          refresh_type: 'manual',
          origin: 'linehouse',
          status: 200,
          detail: '',
          attempts: 1,
          pages: 0,
          slips: 0,
          bets: 0,
          started_at: new Date(now).toISOString(),
          finished_at: new Date(now).toISOString(),
        })),
      );
      await insertRows(ch, 'refresh_attempts', [
        {
          bettor_account_id: recentAccount.accounts[0],
          workflow_id: 'w',
          attempt: 1,
          requested_at: new Date(now - 20_000).toISOString(),
          request_id: 'a',
          outcome: 'refresh',
        },
        {
          bettor_account_id: '',
          workflow_id: bettorWorkflowId(recentBettor.internalId),
          attempt: 1,
          requested_at: new Date(now - 10_000).toISOString(),
          request_id: 'b',
          outcome: 'refresh',
        },
        {
          bettor_account_id: stale.accounts[0],
          workflow_id: 'w',
          attempt: 1,
          requested_at: new Date(now - 120_000).toISOString(),
          request_id: 'c',
          outcome: 'refresh',
        },
      ]);

      const first = await pass('cadence-1');
      expect(first).toMatchObject({
        pages: Math.ceil(bettors.length / 4),
        bettors: bettors.length,
        refreshed: bettors.length - 3,
        skippedRunning: 1,
        skippedRecent: 2,
        failed: 0,
      });
      const refreshed = new Set(requests.map((r) => r.bettor));
      expect(refreshed.has(stale.internalId)).toBe(true);
      expect(refreshed.has(recentAccount.internalId)).toBe(false);
      expect(refreshed.has(recentBettor.internalId)).toBe(false);
      expect(requests.filter((r) => r.bettor === busy.internalId)).toHaveLength(1);
      expect(maxInFlight).toBeLessThanOrEqual(FAN_OUT + 1); // + the refresh that was already running
      expect(maxInFlight).toBeGreaterThanOrEqual(2);
      releaseBusy();
      await running.result();

      // 30 s later: a bettor is refreshed again exactly when its last request (ours, or the ones
      // recorded before the first pass) is a minute old at this pass. Normally none is; on a slow
      // machine the first pass itself can take long enough that the earliest ones fall due.
      await env.sleep('30 seconds');
      const now2 = await env.currentTimeMs();
      const last = new Map<string, number>([
        [recentAccount.internalId, now0 - 20_000],
        [recentBettor.internalId, now0 - 10_000],
      ]);
      for (const r of requests) last.set(r.bettor, Math.max(last.get(r.bettor) ?? 0, r.at));
      const before = requests.length;
      const second = await pass('cadence-2');
      const nearEdge = bettors.some((b) => Math.abs((last.get(b.internalId) ?? 0) - (now2 - 60_000)) < 3_000);
      if (!nearEdge) {
        const due = bettors
          .filter((b) => (last.get(b.internalId) ?? 0) < now2 - 60_000)
          .map((b) => b.internalId)
          .sort();
        expect(
          requests
            .slice(before)
            .map((r) => r.bettor)
            .sort(),
        ).toEqual(due);
        expect(second).toMatchObject({
          refreshed: due.length,
          skippedRecent: bettors.length - due.length,
          skippedRunning: 0,
        });
      }

      // After the window, the next pass refreshes every bettor again, each once.
      await env.sleep('61 seconds');
      const third = await pass('cadence-3');
      expect(third).toMatchObject({ refreshed: bettors.length, skippedRecent: 0, skippedRunning: 0 });
      // Across all passes no bettor was asked twice inside a minute (server time).
      for (const b of bettors) {
        const times = requests.filter((r) => r.bettor === b.internalId).map((r) => r.at);
        for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(60_000);
      }
    });
  }, 180_000);
});
