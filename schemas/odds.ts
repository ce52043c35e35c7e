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
