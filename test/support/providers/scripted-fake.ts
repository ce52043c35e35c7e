import type { Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../../activities';
import type { RefreshPolicy } from '../../../platform/config';
import { accountWorkflowId, refreshResponseCreated, type AccountRefreshResult } from '../../../workflows/refresh/messages';
import { workflowBundle } from '../time-skipping';
import type { ImmediateOutcome, RefreshResponseRef } from '../../../refresh/contracts';

/**
 * A SharpSports stand-in for storms on the time-skipping server: what each POST gets is decided by
 * a function of the attempt number and the skipped time since the account's first POST, so a
 * fault can last "an hour" rather than "N attempts". Many accounts share one worker.
 */
export interface Answer {
  outcome?: ImmediateOutcome;
  status?: number;
  detail?: string;
}
export type Decide = (accountId: string, attempt: number, sinceFirstMs: number) => Answer;

export interface AccountLog {
  requests: Array<{ attempt: number; at: number; outcome: string; status: number | null }>;
  runs: Array<{ requestId: string; status: number; attempts: number }>;
  loads: string[];
}

export class ScriptedSharpSports {
  readonly log = new Map<string, AccountLog>();
  /** `now`: the test server's (skipped) clock; the POST is a local activity, whose scheduled time is the machine's. */
  constructor(private readonly client: Client, private readonly decide: Decide, private readonly now: () => Promise<number>) {}

  private acc(id: string): AccountLog {
    let l = this.log.get(id);
    if (!l) this.log.set(id, (l = { requests: [], runs: [], loads: [] }));
    return l;
  }

  activities(): Partial<Activities> {
    const activities: Pick<Activities, 'lastRefreshAttemptAt' | 'requestRefreshIfDue' | 'requestAccountRefresh' | 'findLandedResponse' | 'pollRefreshResponse' | 'loadLandedResponse' | 'markResponseLoaded' | 'recordRefreshRun' | 'loadLandedAndRecord'> = {
      lastRefreshAttemptAt: async ({ accountId }) => this.acc(accountId).requests.at(-1)?.at ?? null,
      // The real one's rule (activities/refresh/requests.ts) on the test server's clock.
      requestRefreshIfDue: async (req) => {
        const last = this.acc(req.accountId).requests.at(-1)?.at ?? null;
        const now = await this.now();
        if (Context.current().info.attempt === 1 && last !== null && last + req.minSpacingMs > now) return { waitMs: last + req.minSpacingMs - now };
        return activities.requestAccountRefresh(req);
      },
      requestAccountRefresh: async ({ accountId, attempt }) => {
        const at = await this.now();
        const l = this.acc(accountId);
        const first = l.requests[0]?.at ?? at;
        const a = this.decide(accountId, attempt, at - first);
        const outcome = a.outcome ?? 'refresh';
        const requestId = `${accountId}-req-${attempt}`;
        l.requests.push({ attempt, at, outcome, status: outcome === 'refresh' ? a.status ?? 200 : null });
        if (outcome === 'refresh') {
          const ref: RefreshResponseRef = {
            deliveryId: `dlv-${requestId}`, refreshResponseId: `RRES_${requestId}`, requestId, bettorAccountId: accountId, bettorId: 'BTTR_storm', bookAbbr: 'dk',
            status: a.status ?? 200, detail: a.detail ?? null, type: 'manual', timeCreated: new Date(at).toISOString(), slipCount: 3, source: 'webhook',
          };
          await this.client.workflow.getHandle(accountWorkflowId(accountId)).signal(refreshResponseCreated, ref);
        }
        return { requestId, outcome, cid: null, requestedAtMs: at };
      },
      findLandedResponse: async () => null,
      pollRefreshResponse: async () => null,
      loadLandedResponse: async ({ deliveryId }) => {
        const accountId = deliveryId.replace(/^dlv-/, '').replace(/-req-\d+$/, '');
        this.acc(accountId).loads.push(deliveryId);
        return { slips: 3, bets: 4, skipped: false };
      },
      markResponseLoaded: async ({ slips, bets }) => ({ slips, bets }),
      recordRefreshRun: async (r) => {
        this.acc(r.bettorAccountId).runs.push({ requestId: r.requestId, status: r.status, attempts: r.attempts });
      },
      loadLandedAndRecord: async ({ deliveryId, run }) => {
        const loaded = await activities.loadLandedResponse({ deliveryId });
        await activities.recordRefreshRun({ ...run, ...loaded });
        return loaded;
      },
    };
    return activities;
  }
}

let q = 0;
/** Runs one accountRefresh per account concurrently on one worker; returns each result. */
export async function runStorm(env: TestWorkflowEnvironment, accounts: string[], policy: RefreshPolicy, decide: Decide) {
  const fake = new ScriptedSharpSports(env.client, decide, () => env.currentTimeMs());
  const taskQueue = `storm-${process.pid}-${++q}`;
  const worker = await Worker.create({
    connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fake.activities(), maxConcurrentActivityTaskExecutions: 64,
  });
  const results = await worker.runUntil(async () => {
    const handles = await Promise.all(accounts.map((accountId) => env.client.workflow.start('accountRefresh', { workflowId: accountWorkflowId(accountId), taskQueue, args: [{ accountId, mode: 'request', policy }] })));
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
  for (const [id, l] of fake.log) for (let i = 1; i < l.requests.length; i++) {
    const gap = l.requests[i].at - l.requests[i - 1].at;
    if (gap < minMs) out.push(`${id}: POST ${i + 1} ${gap} ms after POST ${i}`);
  }
  return out;
}

/** Accounts whose number of POSTs is above `max`. */
export function boundViolations(fake: ScriptedSharpSports, max: number): string[] {
  return [...fake.log].filter(([, l]) => l.requests.length > max).map(([id, l]) => `${id}: ${l.requests.length} POSTs > ${max}`);
}
