import { defineQuery } from '@temporalio/workflow';

/**
 * Shapes and messages of the bet backfill workflow, for it and its clients (CLI, tests).
 * Importing this file pulls in no workflow code.
 */

export type BackfillScope = { kind: 'all' } | { kind: 'bettor'; id: string } | { kind: 'account'; id: string };

/** One slice of the range, [startMs, endMs): the unit of work and of retry. */
export interface BackfillWindow {
  index: number;
  startMs: number;
  endMs: number;
}

export interface BackfillCounts {
  pages: number;
  slips: number;
  bets: number;
  /** Slips the warehouse did not have. */
  new: number;
  /** Slips whose status, grades, money or legs changed since they were loaded. */
  updated: number;
  /** Slips already loaded exactly as they are: nothing written. */
  unchanged: number;
}

export interface BetBackfillInput {
  fromMs: number;
  toMs: number;
  scope: BackfillScope;
  /** Window length; the range is cut at multiples of it from fromMs. */
  windowHours: number;
  pageSize: number;
  /** Windows loading at once (sliding window). */
  concurrency: number;
  /** Start a new run (continueAsNew) after this many windows, or earlier when Temporal suggests it. */
  maxWindowsPerRun?: number;
  carried?: { nextWindow: number; done: number; counts: BackfillCounts; startedAtMs: number; runs: number };
}

export interface BackfillProgress {
  windows: number;
  windowsDone: number;
  running: number[];
  counts: BackfillCounts;
  startedAtMs: number;
  runs: number;
  done: boolean;
}

export type BetBackfillResult = BackfillProgress;

export const backfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');

export const emptyCounts = (): BackfillCounts => ({ pages: 0, slips: 0, bets: 0, new: 0, updated: 0, unchanged: 0 });
export const addCounts = (a: BackfillCounts, b: BackfillCounts): BackfillCounts => ({
  pages: a.pages + b.pages,
  slips: a.slips + b.slips,
  bets: a.bets + b.bets,
  new: a.new + b.new,
  updated: a.updated + b.updated,
  unchanged: a.unchanged + b.unchanged,
});

export function windowCount(input: Pick<BetBackfillInput, 'fromMs' | 'toMs' | 'windowHours'>): number {
  return Math.max(0, Math.ceil((input.toMs - input.fromMs) / (input.windowHours * 3_600_000)));
}

export function windowAt(
  input: Pick<BetBackfillInput, 'fromMs' | 'toMs' | 'windowHours'>,
  index: number,
): BackfillWindow {
  const len = input.windowHours * 3_600_000;
  return { index, startMs: input.fromMs + index * len, endMs: Math.min(input.toMs, input.fromMs + (index + 1) * len) };
}

/** One backfill per scope and range: starting the same one twice attaches to it. */
export function backfillWorkflowId(scope: BackfillScope, fromMs: number, toMs: number): string {
  const who = scope.kind === 'all' ? 'all' : `${scope.kind}-${scope.id}`;
  return `backfill-bets-${who}-${new Date(fromMs).toISOString().slice(0, 19)}-${new Date(toMs).toISOString().slice(0, 19)}`;
}

/**
 * The reconcile pass: every account with overdue slips still `pending` in the warehouse is
 * backfilled from its oldest overdue slip's placement day to now, so a grade whose webhook never
 * reached linehouse (SharpSports gave up retrying while it was down) still lands.
 */
export interface ReconcilePendingInput {
  pageSize: number;
  /** Account backfills in flight at once. */
  fanOut: number;
  /** Window length of each account's backfill. */
  windowHours: number;
  /**
   * A pending slip is overdue this long after the start of its last event (its placement when no
   * leg has a start): before that no grade can be missing, so the pass asks SharpSports nothing
   * about it. Without this, any account with a pending future would be re-paged from that bet's
   * placement every pass. Default 12; negative reaches into the future (tests).
   */
  overdueAfterHours?: number;
  /** Slips placed longer ago than this are left to a manual `linehouse backfill bets` (default 30). */
  lookbackDays?: number;
  /** Accounts per planning page; the pass continues as new between pages when Temporal suggests it. */
  accountsPerPage?: number;
  carried?: { afterAccount: string; accounts: number; counts: BackfillCounts; failed: string[] };
}

export const RECONCILE_DEFAULTS = { overdueAfterHours: 12, lookbackDays: 30 } as const;

export interface PendingSlipQuery {
  afterAccount: string;
  limit: number;
  /** Only slips whose last event started (or which were placed, without a start) before this. */
  overdueBeforeMs: number;
  /** Only slips placed at or after this. */
  placedFromMs: number;
}

export interface PendingAccount {
  accountId: string;
  /** Placement time of the account's oldest overdue slip still pending in the warehouse. */
  oldestPendingMs: number;
  /** Its overdue pending slips. */
  pending: number;
}

export interface ReconcilePendingResult {
  /** Accounts that had pending slips and were backfilled. */
  accounts: number;
  counts: BackfillCounts;
  /** Accounts whose backfill failed (the API refused them): tried again next pass. */
  failed: string[];
}
