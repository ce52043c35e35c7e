import { defineQuery } from '@temporalio/workflow';
import type { RefreshPolicy } from '../../platform/config';

/** Shapes of the cadence refresh workflow, for it, its schedule and its clients. No workflow code. */

export interface CadenceBettor {
  id: string;
  internalId: string | null;
}

export interface CadencePlan {
  due: CadenceBettor[];
  /** A refresh of the bettor or one of its accounts is running: skipped, never overlapped. */
  running: CadenceBettor[];
  /** An account was refreshed inside the rate-limit window: skipped until the next cadence. */
  recent: CadenceBettor[];
}

export interface CadenceRefreshInput {
  policy: RefreshPolicy;
  /** Bettors per GET /v1/bettors page. */
  pageSize: number;
  /** Bettor refreshes in flight at once. */
  fanOut: number;
  /** A scheduled refresh cannot wait long for a bettor to type a one-time password: after this
   *  it records 406 and moves on (the bettor's own next refresh asks again). Default 60. */
  otpWaitSeconds?: number;
  carried?: { pageNum: number; totals: CadenceTotals };
}

export interface CadenceTotals {
  pages: number;
  bettors: number;
  refreshed: number;
  skippedRunning: number;
  skippedRecent: number;
  failed: number;
  accounts: number;
}

export type CadenceRefreshResult = CadenceTotals;

export const cadenceProgressQuery = defineQuery<CadenceTotals & { inFlight: number }>('cadenceProgress');

export const emptyCadenceTotals = (): CadenceTotals => ({
  pages: 0,
  bettors: 0,
  refreshed: 0,
  skippedRunning: 0,
  skippedRecent: 0,
  failed: 0,
  accounts: 0,
});
