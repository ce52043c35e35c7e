import { z } from 'zod';

/**
 * Canonical rows every feed adapter produces (the normalize stage). One row per price move
 * per selection per book; one settlement per settled selection; one fixture update per start-time
 * or status change. `*_id` fields are deterministic identities: replaying the same provider
 * message yields the same id, which is what makes a replayed batch harmless.
 */
export const FEED_SOURCES = ['opticodds', 'boltodds', 'sharpapi'] as const;
export type FeedSource = (typeof FEED_SOURCES)[number];

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 timestamp');

export const OddsTickSchema = z.object({
  tick_id: z.string().min(1),
  source: z.enum(FEED_SOURCES),
  book: z.string().min(1),
  sport: z.string(),
  league: z.string(),
  /** Canonical event key: OpticOdds game_id / BoltOdds universal_id or game / SharpAPI event_id. */
  event_key: z.string().min(1),
  provider_event_id: z.string(),
  provider_odd_id: z.string(),
  home_team: z.string(),
  away_team: z.string(),
  start_time: isoTime.nullable(),
  /** Lower-case canonical market: 'moneyline' | 'spread' | 'total' | the provider's name lower-cased. */
  market: z.string().min(1),
  market_raw: z.string(),
  /** Team name, 'Over' / 'Under', or the provider's selection label. */
  selection: z.string(),
  line: z.number().nullable(),
  price_american: z.number().int().nullable(),
  price_decimal: z.number().nullable(),
  implied_prob: z.number().nullable(),
  is_main: z.boolean().nullable(),
  is_live: z.boolean(),
  /** Quoted but not bettable (OpticOdds locked, BoltOdds None/'' odds): no price. */
  locked: z.boolean(),
  /** The provider withdrew the selection (SharpAPI removed[], BoltOdds game_removed). */
  removed: z.boolean(),
  ts: isoTime,
  received_at: isoTime,
});
export type OddsTick = z.infer<typeof OddsTickSchema>;

export const SettlementSchema = z.object({
  settlement_id: z.string().min(1),
  source: z.enum(FEED_SOURCES),
  book: z.string(),
  sport: z.string(),
  league: z.string(),
  event_key: z.string().min(1),
  provider_odd_id: z.string(),
  market: z.string(),
  market_raw: z.string(),
  selection: z.string(),
  line: z.number().nullable(),
  /** Won / Lost / Push / Void / Refund / Half Won / Half Lost …, as the provider says it. */
  result: z.string().min(1),
  settled_at: isoTime.nullable(),
  ts: isoTime,
  received_at: isoTime,
});
export type Settlement = z.infer<typeof SettlementSchema>;

export const FixtureUpdateSchema = z.object({
  update_id: z.string().min(1),
  source: z.enum(FEED_SOURCES),
  event_key: z.string().min(1),
  provider_event_id: z.string(),
  sport: z.string(),
  league: z.string(),
  home_team: z.string(),
  away_team: z.string(),
  /** The start time after this update (decides the closing line); null when unchanged/unknown. */
  start_time: isoTime.nullable(),
  previous_start_time: isoTime.nullable(),
  status: z.string().nullable(),
  previous_status: z.string().nullable(),
  ts: isoTime,
  received_at: isoTime,
});
export type FixtureUpdate = z.infer<typeof FixtureUpdateSchema>;

export interface CanonicalRows {
  ticks: OddsTick[];
  settlements: Settlement[];
  fixtures: FixtureUpdate[];
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isNonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isBool = (v: unknown): boolean => typeof v === 'boolean';
/** One remembered valid time per field: a batch repeats its received_at, an entry its ts, on every row. */
const isoMemo = () => {
  // null, not '': an empty string is not a time and must never match the memo.
  let last: string | null = null;
  return (v: unknown): boolean => {
    if (typeof v !== 'string') return false;
    if (v === last) return true;
    if (Number.isNaN(Date.parse(v))) return false;
    last = v;
    return true;
  };
};
const isStart = isoMemo();
const isTs = isoMemo();
const isReceived = isoMemo();

/**
 * The fast path in front of OddsTickSchema: true only when the schema would accept `t` as it is
 * (stricter is allowed: a false sends the row through the schema, which has the final word and the
 * error text). Row for row this costs a tenth of safeParse, which copies every field.
 */
export function isOddsTick(t: OddsTick): boolean {
  return (
    isNonEmpty(t.tick_id) &&
    (t.source === 'opticodds' || t.source === 'boltodds' || t.source === 'sharpapi') &&
    isNonEmpty(t.book) &&
    isStr(t.sport) &&
    isStr(t.league) &&
    isNonEmpty(t.event_key) &&
    isStr(t.provider_event_id) &&
    isStr(t.provider_odd_id) &&
    isStr(t.home_team) &&
    isStr(t.away_team) &&
    (t.start_time === null || isStart(t.start_time)) &&
    isNonEmpty(t.market) &&
    isStr(t.market_raw) &&
    isStr(t.selection) &&
    (t.line === null || isNum(t.line)) &&
    (t.price_american === null || Number.isSafeInteger(t.price_american)) &&
    (t.price_decimal === null || isNum(t.price_decimal)) &&
    (t.implied_prob === null || isNum(t.implied_prob)) &&
    (t.is_main === null || isBool(t.is_main)) &&
    isBool(t.is_live) &&
    isBool(t.locked) &&
    isBool(t.removed) &&
    isTs(t.ts) &&
    isReceived(t.received_at)
  );
}
