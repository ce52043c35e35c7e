import type { Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import type { Activities } from '../../../activities';
import { accountWorkflowId, refreshResponseCreated } from '../../../workflows/refresh/messages';
import type { ImmediateOutcome, RefreshResponseRef } from '../../../refresh/contracts';

/**
 * Scripted stand-in for the SharpSports side of the activities, for workflow-logic tests on
 * the time-skipping server (the samples' hello-world test split). Integration tests use the
 * real activities against the sandbox, chDB and a dev server.
 */
export interface Attempt {
  /** Which immediate array names the account. */
  outcome?: ImmediateOutcome;
  /** The refresh response SharpSports produces for this request (if any). */
  status?: number;
  detail?: string;
  totalPages?: number;
  /** A listing that moves while it is paged: what page `pageNum` of pass `pass` answers (default: `totalPages`, the same slips every pass). */
  listing?: (pass: number, pageNum: number) => { totalPages: number; digest: string };
  /** How the response reaches the workflow. */
  delivery?: 'webhook-before-return' | 'webhook-twice' | 'landed-earlier' | 'poll-only' | 'never';
}

export class FakeSharpSports {
  readonly requests: Array<{ attempt: number; requestId: string; at: number }> = [];
  readonly loads: string[] = [];
  readonly pages: Array<{ rr: string; page: number; pass?: number }> = [];
  readonly details: Array<string | null> = [];
  readonly otps: string[] = [];
  readonly polls: string[] = [];
  readonly runs: Array<{ requestId: string; status: number; origin: string }> = [];
  lastAttemptAt: number | null = null;
  private landed = new Map<string, RefreshResponseRef>();
  private pollable = new Map<string, RefreshResponseRef>();

  /**
   * `now` is the test server's clock: the POST runs as a local activity, whose scheduled time is
   * the machine's clock, not the time the server has skipped to.
   */
  constructor(
    private readonly client: Client,
    readonly accountId: string,
    private readonly script: Attempt[],
    private readonly now: () => Promise<number> = async () => Context.current().info.scheduledTimestampMs,
  ) {}

  ref(requestId: string, a: Attempt, n: number, deliverySuffix = ''): RefreshResponseRef {
    return {
      deliveryId: `dlv-${requestId}${deliverySuffix}`,
      refreshResponseId: `RRES_${requestId}`,
      requestId,
      bettorAccountId: this.accountId,
      bettorId: 'BTTR_test',
      bookAbbr: 'dk',
      status: a.status ?? 200,
      detail: a.detail ?? null,
      type: 'manual',
      timeCreated: new Date(1_700_000_000_000 + n * 1000).toISOString(),
      slipCount: 3,
      source: 'webhook',
    };
  }

  activities(): Partial<Activities> {
    const activities: Pick<Activities, 'lastRefreshAttemptAt' | 'requestRefreshIfDue' | 'requestAccountRefresh' | 'submitOtpCode' | 'findLandedResponse' | 'pollRefreshResponse' | 'loadLandedResponse' | 'loadBetSlipPage' | 'markResponseLoaded' | 'recordRefreshRun' | 'loadLandedAndRecord'> = {
      lastRefreshAttemptAt: async () => {
        return this.lastAttemptAt;
      },
      // The real one's rule (activities/refresh/requests.ts) on the test server's clock.
      requestRefreshIfDue: async (req) => {
        const now = await this.now();
        if (Context.current().info.attempt === 1 && this.lastAttemptAt !== null && this.lastAttemptAt + req.minSpacingMs > now) return { waitMs: this.lastAttemptAt + req.minSpacingMs - now };
        return activities.requestAccountRefresh(req);
      },
      requestAccountRefresh: async ({ attempt }) => {
        const at = await this.now();
        const requestId = `req-${attempt}`;
        const a = this.script[Math.min(attempt, this.script.length) - 1];
        this.requests.push({ attempt, requestId, at });
        this.lastAttemptAt = at;
        const outcome = a.outcome ?? 'refresh';
        if (outcome === 'refresh' || outcome === 'otpRequired') {
          const ref = this.ref(requestId, a, attempt);
          const handle = this.client.workflow.getHandle(accountWorkflowId(this.accountId));
          if (a.delivery === 'webhook-before-return' || a.delivery === undefined) await handle.signal(refreshResponseCreated, ref);
          if (a.delivery === 'webhook-twice') {
            await handle.signal(refreshResponseCreated, ref);
            await handle.signal(refreshResponseCreated, { ...ref, deliveryId: ref.deliveryId + '-again' });
          }
          if (a.delivery === 'landed-earlier') this.landed.set(requestId, ref);
          if (a.delivery === 'poll-only') this.pollable.set(requestId, { ...ref, source: 'poll', deliveryId: `poll:${ref.refreshResponseId}` });
        }
        return { requestId, outcome, cid: outcome === 'otpRequired' ? 'cid-1' : null, requestedAtMs: at };
      },
      submitOtpCode: async ({ code }) => {
        this.otps.push(code);
      },
      findLandedResponse: async ({ requestId }) => {
        return this.landed.get(requestId) ?? null;
      },
      pollRefreshResponse: async ({ requestId }) => {
        this.polls.push(requestId);
        return this.pollable.get(requestId) ?? null;
      },
      loadLandedResponse: async ({ deliveryId }) => {
        this.loads.push(deliveryId);
        return { slips: 3, bets: 4, skipped: false };
      },
      loadBetSlipPage: async ({ ref, pageNum, pass }) => {
        this.pages.push({ rr: ref.refreshResponseId, page: pageNum, ...(pass ? { pass } : {}) });
        const a = this.script.find((x) => x.status === 202);
        const listed = a?.listing?.(pass ?? 1, pageNum) ?? { totalPages: a?.totalPages ?? 1, digest: `page-${pageNum}` };
        return { slips: 10, bets: 12, ...listed };
      },
      markResponseLoaded: async ({ slips, bets }) => ({ slips, bets }),
      recordRefreshRun: async (r) => {
        this.runs.push({ requestId: r.requestId, status: r.status, origin: r.origin });
        this.details.push(r.detail);
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
