import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { temporalCliPath } from '../platform/paths';
import type { Stack } from '../workers/stack';
import {
  backfillWorkflowId,
  windowCount,
  type BetBackfillInput,
  type BetBackfillResult,
} from '../workflows/backfill/messages';
import type { CadenceRefreshResult } from '../workflows/refresh/cadence-messages';

const say = (line = '') => process.stdout.write(line + '\n');
const DAY = 86_400_000;

/**
 * The scheduled side of linehouse on the demo's data: a bet backfill over every slip the sandbox
 * holds (the warehouse must already equal SharpSports' own listing: all unchanged) and one pass
 * of the cadence refresh, the workflow the `linehouse-cadence` schedule starts.
 */
export async function runScheduledSide(stack: Stack): Promise<void> {
  const placed = stack.sandbox!.slips().map((s) => Date.parse(s.timePlaced));
  const input: BetBackfillInput = {
    fromMs: Math.floor(Math.min(...placed) / DAY) * DAY,
    toMs: Math.ceil((Math.max(...placed) + 1) / DAY) * DAY,
    scope: { kind: 'all' },
    windowHours: 24 * 7,
    pageSize: stack.run.policy.pageSize,
    concurrency: 2,
  };
  say(
    `backfill: GET /v1/betSlips over ${new Date(input.fromMs).toISOString().slice(0, 10)} … ${new Date(input.toMs).toISOString().slice(0, 10)} in ${windowCount(input)} weekly windows …`,
  );
  const bf = (await stack.client.workflow.execute('betBackfill', {
    workflowId: `${backfillWorkflowId(input.scope, input.fromMs, input.toMs)}-${Date.now()}`,
    taskQueue: stack.run.taskQueue,
    args: [input],
  })) as BetBackfillResult;
  const c = bf.counts;
  say(
    `  ${c.pages} pages, ${c.slips} slips: ${c.new} new, ${c.updated} updated, ${c.unchanged} unchanged${c.new + c.updated === 0 ? " — the warehouse already equals SharpSports' own listing" : ''}`,
  );

  say('cadence: one pass of the scheduled refresh of every bettor (what `linehouse schedule create cadence` runs) …');
  const pass = (await stack.client.workflow.execute('cadenceRefresh', {
    workflowId: `cadence-demo-${Date.now()}`,
    taskQueue: stack.run.taskQueue,
    args: [{ policy: stack.run.policy, pageSize: 5, fanOut: 4, otpWaitSeconds: 5 }],
  })) as CadenceRefreshResult;
  say(
    `  ${pass.bettors} bettors over ${pass.pages} pages of GET /v1/bettors: ${pass.refreshed} refreshed (${pass.accounts} accounts), ${pass.skippedRecent} inside the rate-limit window, ${pass.skippedRunning} already refreshing, ${pass.failed} failed`,
  );
}

/**
 * The run's workflow histories as JSON files, the fixtures of test/workflow/replay.test.ts: up to
 * three runs per workflow id (first refresh, webhook-started runs, cadence pass), one per feed,
 * backfill and cadence pass. Names are stable (no run ids or timestamps), so a re-capture
 * replaces the files instead of adding to them.
 */
export async function saveHistories(stack: Stack, dir: string, sinceMs: number): Promise<number> {
  fs.mkdirSync(dir, { recursive: true });
  const perKey = new Map<string, number>();
  let n = 0;
  for await (const wf of stack.client.workflow.list({ query: `StartTime > "${new Date(sinceMs).toISOString()}"` })) {
    const key = `${wf.type}--${wf.workflowId
      .replace(/-\d{13}$/, '')
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .slice(0, 100)}`;
    const seen = perKey.get(key) ?? 0;
    if (seen >= (['feed', 'betBackfill', 'cadenceRefresh'].includes(wf.type) ? 1 : 3)) continue;
    perKey.set(key, seen + 1);
    // The CLI's JSON is the canonical proto3 form that Worker.runReplayHistory reads back.
    const json = execFileSync(
      temporalCliPath(),
      [
        'workflow',
        'show',
        '--address',
        stack.run.temporalAddress,
        '--namespace',
        stack.run.namespace,
        '-w',
        wf.workflowId,
        '-r',
        wf.runId,
        '--output',
        'json',
      ],
      { maxBuffer: 64 << 20 },
    );
    fs.writeFileSync(path.join(dir, `${key}--${seen + 1}.json`), json);
    n += 1;
  }
  return n;
}
