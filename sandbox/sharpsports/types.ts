import type { Season } from '../season';

// JSON shapes produced by the SharpSports sandbox, mirroring the reference docs
// (/work/shared/reference/sharpsports-api.txt and sharpsports-refresh-response.txt).

export interface BookJson {
  id: string;
  name: string;
  abbr: string;
}
export interface BookRegionJson {
  id: string;
  name: string;
  abbr: string;
  status: string;
  country: string;
}
export interface TeamJson {
  id: string;
  fullName: string;
}

export interface SandboxEvent {
  id: string;
  sportsdataioId: string | null;
  sportradarId: string | null;
  oddsjamId: string | null;
  sport: string;
  league: string;
  name: string;
  nameSpecial: string | null;
  startTime: string;
  startDate: string;
  sportId: string;
  leagueId: string;
  contestantAway: TeamJson;
  contestantHome: TeamJson;
  neutralVenue: boolean | null;
}

export interface SandboxBet {
  id: string;
  type: 'straight' | 'prop' | null;
  event: SandboxEvent;
  segment: string | null;
  proposition: 'spread' | 'moneyline' | 'total' | null;
  segmentDetail: string | null;
  position: string | null;
  line: number | null;
  oddsAmerican: number | null;
  status: 'pending' | 'completed';
  outcome: 'win' | 'loss' | 'push' | null;
  live: boolean;
  incomplete: boolean;
  bookDescription: string;
  marketSelection: string | null;
  autoGrade: boolean;
  segmentId: string | null;
  propDetails: null;
  sdioMarketId: string | null;
  sportradarMarketId: string | null;
}

/** A betSlip object exactly as the API returns it. */
export interface SandboxSlip {
  id: string;
  bettor: string;
  book: BookJson;
  bettorAccount: string;
  bookRef: string;
  timePlaced: string;
  type: 'single' | 'parlay';
  subtype: string | null;
  oddsAmerican: number;
  atRisk: number;
  toWin: number;
  status: 'pending' | 'completed';
  outcome: 'win' | 'loss' | 'push' | null;
  refreshResponse: string;
  incomplete: boolean;
  netProfit: number | null;
  dateClosed: string | null;
  typeSpecial: string | null;
  bets: SandboxBet[];
  adjusted: { odds: boolean; line: boolean; atRisk: number | null };
}

export type RefreshType = 'manual' | 'verify' | 'reverify' | 'cadence' | 'system' | 'grade';

/**
 * Behaviour knobs of one bettorAccount. Every named scenario is a preset of these;
 * `setScenario` merges a partial object into the account's current values.
 * Counters (`*Next*`) count down as they are used.
 */
export interface ScenarioOverrides {
  /** status of an attempted (accepted) manual/cadence refresh: 200, 202 (slips only via GET /v1/betSlips), 401, 406 or 500 */
  status: 200 | 202 | 401 | 406 | 500;
  /** refreshResponse.detail used with `status` */
  detail: string | null;
  /** the next N attempted refreshes end with status 500 "unhandled error" (then `status` applies) */
  failNextRefreshes: number;
  /** the refresh needs a one-time password: POST lists the account in otpRequired and returns a cid */
  otp: boolean;
  /** the next N refresh POSTs list the account in rateLimited (as if a cadence refresh were running) */
  rateLimitNextPosts: number;
  /** the next N refresh POSTs list the account in bookInactive (book down for maintenance) */
  bookInactiveNextPosts: number;
  /** a 401 result sets verified=false and sends a bettoraccount.unverified webhook */
  unverifyOn401: boolean;
  /** never deliver the webhook of a refresh the client requested (manual/reverify; the refreshResponse still exists and
   *  is findable via GET /v1/refreshResponses?requestId=). cadence/system/grade webhooks are still delivered. */
  dropWebhooks: boolean;
  /** deliver every webhook twice (two Hook-Delivery ids, same body, 200 ms apart) */
  duplicateWebhooks: boolean;
  /** the POST /refresh response waits until the webhook's first delivery attempt finished */
  eagerWebhook: boolean;
  /** extra delay between the refreshResponse being created and its webhook */
  webhookDelayMs: number;
  /** slips created by the first successful refresh (default: initialSlipsPerAccount) */
  historySlips: number | null;
  // ---- provider misbehaviour (reliability tests; all off by default) ----
  /** how long a "slow" answer below waits before it is sent (default 0) */
  slowResponseMs: number;
  /** the next N refresh POSTs naming this account are processed at once (the refresh is accepted and runs) but
   *  answered only after `slowResponseMs`, as a SharpSports that is slower than the client's timeout */
  slowNextPosts: number;
  /** the next N paged GET /v1/betSlips?refreshResponse=<a refresh of this account> answer after `slowResponseMs` */
  slowNextPages: number;
  /** the next N such pages send their headers (full Content-Length) and half the body, then the connection is cut */
  truncateNextPages: number;
  /** such pages overlap: each page after the first repeats the last N slips of the page before it (every slip
   *  is still on some page; totalPages counts the overlap) */
  duplicateAcrossPages: number;
  /** once page 1 of a refresh response of this account has been served, its listing changes: N > 0 adds N new
   *  slips to that response (totalPages grows, later slips shift right); N < 0 moves the first |N| slips of page 1
   *  to a new 'system' refreshResponse whose webhook is sent (totalPages shrinks, later slips shift left) */
  pageDrift: number;
  /** how many times page 1 of one response may trigger `pageDrift` (default 1: a reader that pages it again sees it settled) */
  pageDriftTimes: number;
  // account state (applied to the bettorAccount object when given)
  access?: boolean;
  paused?: boolean;
  verified?: boolean;
  isUnverifiable?: boolean;
}

export interface SharpSportsSandboxOptions {
  /** 0 = random; host is 127.0.0.1 */
  port?: number;
  /** requests must send `Authorization: Token <apiKey>`, else 401 JSON error */
  apiKey: string;
  /** where refreshresponse.created etc. are POSTed; settable later */
  webhookUrl?: string;
  /** HMAC secret (Hook-HMAC header) */
  webhookSecret: string;
  /** deterministic data (default 42) */
  seed?: number;
  /** per-account min spacing between accepted refreshes (default 60) */
  rateLimitSeconds?: number;
  /** simulated refresh duration before the refreshResponse/webhook (default 300) */
  refreshLatencyMs?: number;
  /** extra webhook delay for the realuser (delayed) account (default 5000) */
  delayedWebhookMs?: number;
  /** slips in the 202 account's first refresh (default 2500) */
  bigAccountSlips?: number;
  /** history slips per normal account on its first successful refresh (default 12) */
  initialSlipsPerAccount?: number;
  /** if > 0, an OTP context not answered within this time ends with a 406 refreshResponse (default 0: wait forever) */
  otpTimeoutMs?: number;
  /** extra `good` accounts for load tests, one bettor each: BACT_genuser00001_dk, BACT_genuser00002_fd, … (default 0) */
  generatedAccounts?: number;
  /** clock used for all timestamps (default Date.now) */
  now?: () => number;
  /** mixed into requestId / RRES / cid / slip id generation: SharpSports never reuses them, so two sandbox
   *  runs against one warehouse must not either (default: random per instance; fix it for byte-identical runs) */
  idSalt?: string;
  /** A shared season (sandbox/season.ts): accounts whose refreshes succeed place its planned slips on its games. */
  season?: Season;
}

export interface RefreshLogEntry {
  accountId: string;
  requestId: string;
  at: number;
  /** refresh | otpRequired | rateLimited | noAccess | unverified | isUnverifiable | paused | bookInactive */
  outcome: string;
  refreshResponseId?: string;
  status?: number;
}

export interface DeliveryRecord {
  deliveryId: string;
  event: string;
  status: number | 'error';
  attempt: number;
  refreshResponseId?: string;
  accountId?: string;
  at: number;
  error?: string;
}

export interface SandboxBettorInfo {
  id: string;
  internalId: string;
  accounts: string[];
}
export interface SandboxAccountInfo {
  id: string;
  bettorId: string;
  internalId: string;
  bookAbbr: string;
  scenario: string;
}

export interface SharpSportsSandbox {
  /** http://127.0.0.1:<port> */
  url: string;
  setWebhookUrl(url: string): void;
  close(): Promise<void>;
  /** ground truth: every slip the sandbox has produced, latest version, ordered by timePlaced then id */
  slips(accountId?: string): SandboxSlip[];
  bettors(): SandboxBettorInfo[];
  accounts(): SandboxAccountInfo[];
  /** every refresh POST attempt per account and its outcome (refreshResponseId/status filled in when it completes) */
  refreshLog(): RefreshLogEntry[];
  /** every webhook delivery attempt */
  deliveries(): DeliveryRecord[];
  /** run a refresh the loader did not start; resolves with the refreshResponse id once it exists (webhook sent in background) */
  triggerRefresh(accountId: string, type: 'cadence' | 'system' | 'grade'): Promise<string>;
  /** complete every pending slip (of one account or all) and send a 'grade' refreshresponse.created per affected account */
  gradePending(accountId?: string): Promise<void>;
  setScenario(accountId: string, scenario: Partial<ScenarioOverrides>): void;
}
