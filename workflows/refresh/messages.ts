import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RefreshPolicy } from '../../platform/config';
import type { RefreshRequestResult, RefreshResponseRef } from '../../refresh/contracts';

/**
 * The refresh workflows' inputs, results, signals and queries, for their clients (the receiver's
 * hand-over, the CLI, tests). Importing this file pulls in no workflow code. The records the
 * refresh path passes between its stages live in refresh/contracts.ts.
 */

export interface AccountRefreshInput {
  accountId: string;
  bettorId?: string;
  bookAbbr?: string;
  /** 'request': POST a refresh and see it through. 'deliveries': only load responses signalled to it. */
  mode?: 'request' | 'deliveries';
  /** A request already made for this account (bettor-level POST); used as attempt 1. */
  preset?: RefreshRequestResult;
  /** An attempt already made and answered elsewhere (a webhook-started run loaded it): continue its retries. */
  prior?: { attempts: number; status: number };
  policy: RefreshPolicy;
  /** State carried across continueAsNew. */
  carried?: CarriedState;
}

export interface LoadedResponse {
  refreshResponseId: string;
  requestId: string;
  status: number;
  type: string;
  pages: number;
  slips: number;
  bets: number;
  skipped: boolean;
}

export interface AccountRefreshResult {
  account: string;
  workflowId: string;
  /** 'deliveries': the run only loaded responses signalled to it (a webhook started it). */
  mode: 'request' | 'deliveries';
  /** Final SharpSports status of linehouse's own request (or of the last loaded response in deliveries mode). */
  status: number | null;
  detail: string | null;
  requestId: string | null;
  refreshResponseId: string | null;
  attempts: number;
  pages: number;
  slips: number;
  bets: number;
  /** Every response this run loaded, including refreshes linehouse did not start. */
  loaded: LoadedResponse[];
}

export interface PagingCursor {
  ref: RefreshResponseRef;
  nextPage: number;
  totalPages: number;
  slips: number;
  bets: number;
  pages: number;
  /** 1 unless the listing changed while paging and the response is being paged again from page 1. */
  pass?: number;
  /** The first and the latest change seen, and the pass that saw the latest. */
  changed?: string;
  lastChange?: string;
  changedInPass?: number;
  /** Per page of this pass and of the one before: which slips it listed, in order (loadBetSlipPage's digest). */
  digests?: string[];
  previousDigests?: string[];
}

export interface CarriedState {
  result: AccountRefreshResult;
  inbox: RefreshResponseRef[];
  handled: string[];
  ownDone: boolean;
  paging?: PagingCursor & { own: boolean };
  startedAtMs: number;
}

export type RefreshPhase =
  | 'starting'
  | 'spacing'
  | 'requesting'
  | 'awaiting-webhook'
  | 'polling'
  | 'awaiting-otp'
  | 'loading'
  | 'paging'
  | 'backoff-429'
  | 'backoff-424'
  | 'backoff-500'
  | 'loading-other'
  | 'done';

export interface RefreshProgress {
  phase: RefreshPhase;
  attempts: number;
  requestId: string | null;
  pages: number;
  slips: number;
  inbox: number;
}

export const refreshResponseCreated = defineSignal<[RefreshResponseRef]>('refreshResponseCreated');
export const submitOtp = defineSignal<[string]>('submitOtp');
export const progressQuery = defineQuery<RefreshProgress>('progress');

export interface BettorRefreshInput {
  bettor: string;
  policy: RefreshPolicy;
}

export interface BettorRefreshResult {
  bettor: string;
  requestId: string | null;
  accounts: AccountRefreshResult[];
}

export const accountWorkflowId = (accountId: string) => `refresh-${accountId}`;
export const bettorWorkflowId = (bettor: string) => `refresh-bettor-${bettor}`;
