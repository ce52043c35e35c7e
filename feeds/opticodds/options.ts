// OpticOdds adapter options and defaults, and the timing constants of its connections.

export interface OpticOddsAdapterOptions {
  baseUrl: string;
  apiKey: string;
  /** League ids as OpticOdds spells them (default: NFL, NBA, MLB, NHL, NCAAF, NCAAB). */
  leagues?: string[];
  sportsbooks?: string[];
  /** Market names as OpticOdds spells them (default: the main game markets of each sport). */
  markets?: string[];
  isMain?: boolean;
  includeFixtureUpdates?: boolean;
  /** No event (ping or data) for this long means the stream stalled: drop it and reconnect. */
  pingTimeoutMs?: number;
  /** Extra or overriding league → sport path segment ("EPL": "soccer"). */
  leagueSports?: Record<string, string>;
}

export const DEFAULT_LEAGUES = ['NFL', 'NBA', 'MLB', 'NHL', 'NCAAF', 'NCAAB'];
/** OpticOdds names the main lines per sport; passing all of them is harmless where one does not apply. */
export const DEFAULT_MARKETS = [
  'Moneyline',
  'Point Spread',
  'Total Points',
  'Run Line',
  'Total Runs',
  'Puck Line',
  'Total Goals',
];
export const DEFAULT_PING_TIMEOUT_MS = 30_000;
/** Until the server sends `retry:` (the reference shows 5000). */
export const DEFAULT_RETRY_MS = 5_000;
export const MAX_BACKOFF_MS = 60_000;
/**
 * Client/server clock disagreement tolerated when deciding whether an entry was replayed: an
 * entry created less than this before the reconnect counts as live (a gap is reported rather
 * than missed when clocks disagree).
 */
export const CLOCK_TOLERANCE_MS = 500;
