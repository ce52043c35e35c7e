// Options and the limits the SharpAPI reference documents.

export const SHARPAPI_DEFAULT_LEAGUES = ['nfl', 'nba', 'mlb', 'nhl', 'ncaaf', 'ncaab'];
export const SHARPAPI_DEFAULT_MARKETS = ['moneyline', 'spread', 'total'];
export const SHARPAPI_DELTA_PATH = '/api/v1/odds/delta';
export const SHARPAPI_MAX_LIMIT = 500;
export const SHARPAPI_MAX_OFFSET = 500;
/** Removals older than this are pruned server-side (`since_clamped`). */
export const SHARPAPI_REMOVAL_RETENTION_MS = 10 * 60_000;

export interface SharpApiAdapterOptions {
  baseUrl: string;
  apiKey: string;
  /** Default: SHARPAPI_DEFAULT_LEAGUES. An empty list means all leagues. */
  leagues?: string[];
  /** Default: all books. */
  sportsbooks?: string[];
  /** Default: SHARPAPI_DEFAULT_MARKETS. An empty list means all markets. */
  markets?: string[];
  /** Time from one window's start to the next. Default 5000. */
  pollIntervalMs?: number;
  /** Rows per page, 2..500. Default 500. */
  pageLimit?: number;
  /** First run without a checkpoint starts at now minus this. Default 5 min (inside the 10-min removal retention). */
  initialLookbackMs?: number;
  /** Per-request timeout. Default 30 s. */
  requestTimeoutMs?: number;
}
