import type { Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import type { RefreshActivities } from '../../../activities/refresh';
import { accountWorkflowId, refreshResponseCreated } from '../../../workflows/refresh/messages';
import type { ImmediateOutcome, RefreshResponseRef } from '../../../refresh/contracts';

/**
 * The one scripted stand-in for the SharpSports side of the refresh activities, for workflow
 * logic on the time-skipping server (the samples' hello-world test split): what each POST gets
 * is `decide(account, attempt, skipped time since the account's first POST)`. Workflow tests
 * script one account (FakeSharpSports); storms run many accounts on one worker (runStorm in
 * test/support/providers/scripted-fake.ts). Integration tests use the real activities against
 * the sandbox, chDB and a dev server.
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
  /** How the response reaches the workflow (default: a webhook before the POST returns). */
  delivery?: 'webhook-before-return' | 'webhook-twice' | 'landed-earlier' | 'poll-only' | 'never';
}

export type Decide = (accountId: string, attempt: number, sinceFirstMs: number) => Attempt;

export interface AccountLog {
  requests: Array<{ attempt: number; requestId: string; at: number; outcome: ImmediateOutcome; status: number | null }>;
  loads: string[];
  pages: Array<{ rr: string; page: number; pass?: number }>;
  runs: Array<{ requestId: string; status: number; origin: string; attempts: number; detail: string | null }>;
  otps: string[];
  polls: string[];
}

type FakeActivities = Pick<
  RefreshActivities,
  | 'lastRefreshAttemptAt'
  | 'requestRefreshIfDue'
  | 'requestAccountRefresh'
  | 'submitOtpCode'
  | 'findLandedResponse'
  | 'pollRefreshResponse'
  | 'loadLandedResponse'
  | 'loadBetSlipPage'
  | 'markResponseLoaded'
  | 'recordRefreshRun'
  | 'loadLandedAndRecord'
>;

export class ScriptedSharpSports {
  readonly log = new Map<string, AccountLog>();
  private readonly attemptOf = new Map<string, Attempt>();
  private readonly accountOf = new Map<string, string>();
  private readonly landed = new Map<string, RefreshResponseRef>();
  private readonly pollable = new Map<string, RefreshResponseRef>();
  /** A POST an earlier run made (the 1-per-minute rule counts it), by account. */
  readonly earlierAttemptAt = new Map<string, number>();

  /**
   * `now` is the test server's clock: the POST runs as a local activity, whose scheduled time is
   * the machine's clock, not the time the server has skipped to.
   */
  constructor(
    private readonly client: Client,
    private readonly decide: Decide,
    private readonly now: () => Promise<number> = async () => Context.current().info.scheduledTimestampMs,
    private readonly requestIdOf: (accountId: string, attempt: number) => string = (accountId, attempt) =>
      `${accountId}-req-${attempt}`,
  ) {}

  private lastAttemptOf(accountId: string): number | null {
    return this.account(accountId).requests.at(-1)?.at ?? this.earlierAttemptAt.get(accountId) ?? null;
  }

  account(id: string): AccountLog {
    let l = this.log.get(id);
    if (!l) this.log.set(id, (l = { requests: [], loads: [], pages: [], runs: [], otps: [], polls: [] }));
    return l;
  }

  /** The reference a webhook of this request carries (registered, so its load is logged to the account). */
  refFor(accountId: string, requestId: string, a: Attempt, n: number, deliverySuffix = ''): RefreshResponseRef {
    const ref: RefreshResponseRef = {
      deliveryId: `dlv-${requestId}${deliverySuffix}`,
      refreshResponseId: `RRES_${requestId}`,
      requestId,
      bettorAccountId: accountId,
      bettorId: 'BTTR_test',
      bookAbbr: 'dk',
      status: a.status ?? 200,
      detail: a.detail ?? null,
      type: 'manual',
      timeCreated: new Date(1_700_000_000_000 + n * 1000).toISOString(),
      slipCount: 3,
      source: 'webhook',
    };
    this.accountOf.set(ref.deliveryId, accountId);
    this.attemptOf.set(ref.refreshResponseId, a);
    return ref;
  }

  /** The attempt whose 202 a page belongs to. */
  protected pagedAttempt(refreshResponseId: string): Attempt | undefined {
    return this.attemptOf.get(refreshResponseId);
  }

  activities(): Partial<RefreshActivities> {
    const activities: FakeActivities = {
      lastRefreshAttemptAt: async ({ accountId }) => this.lastAttemptOf(accountId),
      // The real one's rule (activities/refresh/requests.ts) on the test server's clock.
      requestRefreshIfDue: async (req) => {
        const last = this.lastAttemptOf(req.accountId);
        const now = await this.now();
        if (Context.current().info.attempt === 1 && last !== null && last + req.minSpacingMs > now)
          return { waitMs: last + req.minSpacingMs - now };
        return activities.requestAccountRefresh(req);
      },
      requestAccountRefresh: async ({ accountId, attempt }) => {
        const at = await this.now();
        const l = this.account(accountId);
        const a = this.decide(accountId, attempt, at - (l.requests[0]?.at ?? at));
        const outcome = a.outcome ?? 'refresh';
        const requestId = this.requestIdOf(accountId, attempt);
        l.requests.push({ attempt, requestId, at, outcome, status: outcome === 'refresh' ? (a.status ?? 200) : null });
        if (outcome === 'refresh' || outcome === 'otpRequired') {
          const ref = this.refFor(accountId, requestId, a, attempt);
          const handle = this.client.workflow.getHandle(accountWorkflowId(accountId));
          if (a.delivery === 'webhook-before-return' || a.delivery === undefined)
            await handle.signal(refreshResponseCreated, ref);
          if (a.delivery === 'webhook-twice') {
            await handle.signal(refreshResponseCreated, ref);
            await handle.signal(refreshResponseCreated, this.refFor(accountId, requestId, a, attempt, '-again'));
          }
          if (a.delivery === 'landed-earlier') this.landed.set(requestId, ref);
          if (a.delivery === 'poll-only')
            this.pollable.set(requestId, { ...ref, source: 'poll', deliveryId: `poll:${ref.refreshResponseId}` });
        }
        return { requestId, outcome, cid: outcome === 'otpRequired' ? 'cid-1' : null, requestedAtMs: at };
      },
      submitOtpCode: async ({ accountId, code }) => {
        this.account(accountId).otps.push(code);
      },
      findLandedResponse: async ({ requestId }) => this.landed.get(requestId) ?? null,
      pollRefreshResponse: async ({ accountId, requestId }) => {
        this.account(accountId).polls.push(requestId);
        return this.pollable.get(requestId) ?? null;
      },
      loadLandedResponse: async ({ deliveryId }) => {
        const accountId =
          this.accountOf.get(deliveryId) ?? this.accountOf.get(deliveryId.replace(/^poll:RRES_/, 'dlv-'));
        if (accountId) this.account(accountId).loads.push(deliveryId);
        return { slips: 3, bets: 4, skipped: false };
      },
      loadBetSlipPage: async ({ ref, pageNum, pass }) => {
        this.account(ref.bettorAccountId).pages.push({
          rr: ref.refreshResponseId,
          page: pageNum,
          ...(pass ? { pass } : {}),
        });
        const a = this.pagedAttempt(ref.refreshResponseId);
        const listed = a?.listing?.(pass ?? 1, pageNum) ?? {
          totalPages: a?.totalPages ?? 1,
          digest: `page-${pageNum}`,
        };
        return { slips: 10, bets: 12, ...listed };
      },
      markResponseLoaded: async ({ slips, bets }) => ({ slips, bets }),
      recordRefreshRun: async (r) => {
        this.account(r.bettorAccountId).runs.push({
          requestId: r.requestId,
          status: r.status,
          origin: r.origin,
          attempts: r.attempts,
          detail: r.detail,
        });
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

/** One account and a script of attempts (attempt n gets script[n - 1], the last one repeating); request ids are `req-<n>`. */
export class FakeSharpSports extends ScriptedSharpSports {
  constructor(
    client: Client,
    readonly accountId: string,
    private readonly script: Attempt[],
    now?: () => Promise<number>,
  ) {
    super(
      client,
      (_, attempt) => script[Math.min(attempt, script.length) - 1],
      now,
      (_, attempt) => `req-${attempt}`,
    );
  }

  /** A 202 that reached the workflow from elsewhere (a webhook-started run) pages as the script's 202 does. */
  protected override pagedAttempt(refreshResponseId: string): Attempt | undefined {
    return super.pagedAttempt(refreshResponseId) ?? this.script.find((x) => x.status === 202);
  }

  ref(requestId: string, a: Attempt, n: number, deliverySuffix = ''): RefreshResponseRef {
    return this.refFor(this.accountId, requestId, a, n, deliverySuffix);
  }

  /** A POST an earlier run made at `at` (ms on the test server's clock). */
  set lastAttemptAt(at: number) {
    this.earlierAttemptAt.set(this.accountId, at);
  }

  private get own(): AccountLog {
    return this.account(this.accountId);
  }
  get requests() {
    return this.own.requests;
  }
  get loads() {
    return this.own.loads;
  }
  get pages() {
    return this.own.pages;
  }
  get otps() {
    return this.own.otps;
  }
  get polls() {
    return this.own.polls;
  }
  get runs() {
    return this.own.runs.map(({ requestId, status, origin }) => ({ requestId, status, origin }));
  }
  get details() {
    return this.own.runs.map((r) => r.detail);
  }
}
