import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { RefreshPolicy } from '../../../platform/config';
import { accountWorkflowId, type AccountRefreshResult } from '../../../workflows/refresh/messages';
import { ScriptedSharpSports, type Decide } from '../fakes/sharpsports';
import { workflowBundle } from '../time-skipping';

/**
 * Storms on the time-skipping server: many accounts on one worker against the scripted SharpSports
 * (test/support/fakes/sharpsports.ts), whose answers are a function of the attempt and of the
 * skipped time since the account's first POST, so a fault can last "an hour" rather than "N attempts".
 */
export type { Decide };

let q = 0;
/** Runs one accountRefresh per account concurrently on one worker; returns each result. */
export async function runStorm(
  env: TestWorkflowEnvironment,
  accounts: string[],
  policy: RefreshPolicy,
  decide: Decide,
) {
  const fake = new ScriptedSharpSports(env.client, decide, () => env.currentTimeMs());
  const taskQueue = `storm-${process.pid}-${++q}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: fake.activities(),
    maxConcurrentActivityTaskExecutions: 64,
  });
  const results = await worker.runUntil(async () => {
    const handles = await Promise.all(
      accounts.map((accountId) =>
        env.client.workflow.start('accountRefresh', {
          workflowId: accountWorkflowId(accountId),
          taskQueue,
          args: [{ accountId, mode: 'request', policy }],
        }),
      ),
    );
    // One result() at a time: the time-skipping client unlocks skipping per awaiting call, and
    // concurrent unlock/lock pairs stalled the test server. The workflows still run concurrently.
    const out: AccountRefreshResult[] = [];
    for (const h of handles) out.push((await h.result()) as AccountRefreshResult);
    return out;
  });
  return { fake, results: new Map(results.map((r) => [r.account, r])) };
}

/** Gaps between consecutive POSTs of one account that are shorter than `minMs` (the 1-per-minute rule). */
export function spacingViolations(fake: ScriptedSharpSports, minMs: number): string[] {
  const out: string[] = [];
  for (const [id, l] of fake.log)
    for (let i = 1; i < l.requests.length; i++) {
      const gap = l.requests[i].at - l.requests[i - 1].at;
      if (gap < minMs) out.push(`${id}: POST ${i + 1} ${gap} ms after POST ${i}`);
    }
  return out;
}

/** Accounts whose number of POSTs is above `max`. */
export function boundViolations(fake: ScriptedSharpSports, max: number): string[] {
  return [...fake.log]
    .filter(([, l]) => l.requests.length > max)
    .map(([id, l]) => `${id}: ${l.requests.length} POSTs > ${max}`);
}
