// Options and defaults, the adapter's interface, and filter resolution.
import type { BoltOddsFilters } from '../../schemas/boltodds';
import type { FeedAdapter } from '../types';

export const DEFAULT_SPORTS = ['NFL', 'NBA', 'MLB', 'NHL', 'NCAAF', 'NCAAB'];
/** Names differ per book and league; unknown names are ignored by BoltOdds, so listing the usual spellings is harmless. */
export const DEFAULT_MARKETS = [
  'Moneyline',
  'Spread',
  'Point Spread',
  'Run Line',
  'Puck Line',
  'Total',
  'Total Points',
  'Total Runs',
  'Total Goals',
];
/** Reference: "Re-subscription rate limit hit. Please wait 5 seconds before re-subscribing." */
export const RESUBSCRIBE_INTERVAL_MS = 5_000;
/** Reference, "Rate Limits": WebSocket connections are limited to 12 per minute per IP address. */
export const CONNECTIONS_PER_MINUTE = 12;

export interface BoltOddsAdapterOptions {
  /** ws(s)://…/api — the key is added as `?key=`. */
  url: string;
  apiKey: string;
  /** Omitted: DEFAULT_SPORTS. `[]` or `['*']`: every sport (the filter key is left out). */
  sports?: string[];
  /** Omitted, `[]` or `['*']`: every sportsbook. */
  sportsbooks?: string[];
  /** Omitted: DEFAULT_MARKETS. `[]` or `['*']`: every market. */
  markets?: string[];
  /** Omitted, `[]` or `['*']`: every game. */
  games?: string[];
  /** No message (pings included) for this long while idle: the socket is treated as dead. Default 60 s. */
  pingTimeoutMs?: number;
  /** Tuning, mostly for tests; the defaults follow the reference's limits. */
  resubscribeIntervalMs?: number;
  connectionLimit?: { max: number; windowMs: number; marginMs?: number };
  backoff?: { initialMs: number; maxMs: number };
  /** A connection that stayed up this long resets the backoff. Default 30 s. */
  stableAfterMs?: number;
  /** Wait this long for `socket_connected` before giving up on a connection. Default 10 s. */
  ackTimeoutMs?: number;
  /** Frames buffered while emit() is pending before the socket is paused. Default 64. */
  maxQueuedFrames?: number;
}

export type BoltOddsFilterUpdate = { [K in keyof BoltOddsFilters]?: string[] | null };

export interface BoltOddsAdapter extends FeedAdapter {
  /** Re-subscribe on the open socket (at most once per 5 s; the latest filters win). Keys left out keep their value; null/[]/['*'] mean all. */
  updateFilters(filters: BoltOddsFilterUpdate): void;
  /** Frames received but not yet processed (bounded by maxQueuedFrames plus one socket read). */
  queuedFrames(): number;
  /** Outcomes currently held in memory. */
  stateSize(): { games: number; outcomes: number };
}

export const isAll = (v: string[] | null | undefined) =>
  v !== undefined && (v === null || v.length === 0 || v.includes('*'));

export function resolveFilters(
  o: Pick<BoltOddsAdapterOptions, 'sports' | 'sportsbooks' | 'markets' | 'games'>,
): BoltOddsFilters {
  const f: BoltOddsFilters = {};
  const sports = o.sports === undefined ? DEFAULT_SPORTS : o.sports;
  const markets = o.markets === undefined ? DEFAULT_MARKETS : o.markets;
  if (!isAll(sports)) f.sports = [...sports];
  if (o.sportsbooks && !isAll(o.sportsbooks)) f.sportsbooks = [...o.sportsbooks];
  if (!isAll(markets)) f.markets = [...markets];
  if (o.games && !isAll(o.games)) f.games = [...o.games];
  return f;
}

export const sameFilters = (a: BoltOddsFilters, b: BoltOddsFilters) => JSON.stringify(a) === JSON.stringify(b);
export const allows = (list: string[] | undefined, v: string) => !list || list.includes(v);
