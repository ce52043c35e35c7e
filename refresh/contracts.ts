/**
 * The records the refresh path hands from stage to stage: receiver → landing → hand-over →
 * workflow → load activity (docs/architecture.md). Plain data, so every stage and the workflows
 * can share them without importing each other.
 */

/** What the receiver hands a workflow: a reference to a landed delivery, never the payload. */
export interface RefreshResponseRef {
  deliveryId: string;
  refreshResponseId: string;
  requestId: string;
  bettorAccountId: string;
  bettorId: string | null;
  bookAbbr: string | null;
  status: number;
  detail: string | null;
  type: string;
  timeCreated: string;
  slipCount: number;
  source: 'webhook' | 'poll';
  /** Set when the receiver already loaded the slips (refresh/webhook/preloader.ts): the workflow records the run without loading. */
  loaded?: { slips: number; bets: number; skipped: boolean };
}

/** Which immediate array of the POST refresh response listed the account. */
export type ImmediateOutcome =
  | 'refresh'
  | 'rateLimited'
  | 'bookInactive'
  | 'bookRegionInactive'
  | 'noAccess'
  | 'unverified'
  | 'isUnverifiable'
  | 'otpRequired'
  | 'unlisted';

export interface RefreshRequestResult {
  requestId: string;
  outcome: ImmediateOutcome;
  cid: string | null;
  requestedAtMs: number;
}

/** requestRefreshIfDue's answer inside the account's one-per-minute window: nothing was sent, ask again after waitMs. */
export interface RefreshNotDue {
  waitMs: number;
}

/** A refresh_runs row as the workflow knows it (recordRefreshRun); loadLandedAndRecord fills slips and bets from its load. */
export interface RefreshRunRecord {
  workflowId: string;
  bettorAccountId: string;
  bettorId: string | null;
  bookAbbr: string | null;
  requestId: string;
  refreshResponseId: string;
  type: string;
  origin: string;
  status: number;
  detail: string | null;
  attempts: number;
  pages: number;
  slips: number;
  bets: number;
  startedAtMs: number;
  finishedAtMs: number;
}

/** SharpSports reports the immediate arrays with these statuses (the refresh lifecycle in docs/architecture.md). */
export const IMMEDIATE_STATUS: Record<Exclude<ImmediateOutcome, 'refresh' | 'unlisted' | 'otpRequired'>, number> = {
  noAccess: 403,
  unverified: 401,
  isUnverifiable: 401,
  rateLimited: 429,
  bookInactive: 424,
  bookRegionInactive: 424,
};

/**
 * The hand-over rule. The receiver loads and hands over a landed 200 itself, deferring a hand-over
 * at most this long while ingest is busy; until then a landed 200 with no load marker is still the
 * receiver's, and the polling path (activities/refresh/requests.ts) must leave it alone.
 */
export const RECEIVER_HAND_OVER_MS = 30_000;
