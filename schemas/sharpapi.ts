import { z } from 'zod';

/**
 * SharpAPI `GET /api/v1/odds/delta` payloads, as in ../shared/reference/sharpapi-odds-delta.txt.
 * Objects are loose: SharpAPI adds fields over time (`sportsbook_name`, deep links, …) and an
 * unknown field must not turn a good response into a rejection. Only what loading needs is
 * checked (ids, times, prices, paging); descriptive fields take any value and are read when they
 * have the documented type.
 */

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 timestamp');

const notRead = z.unknown().optional();
/** A cross-check only (the price is `odds_american`): a number, a numeric string, or ignored. */
const crossCheck = z
  .unknown()
  .optional()
  .transform((v): number | null => {
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return null;
  });
/** true / "true" in any casing; anything else is false. */
const flag = z
  .unknown()
  .optional()
  .transform((v) => v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true'));
const textOrEmpty = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' ? v : ''));

/** One odds object: "the same odds format as /odds". */
export const SharpApiOddsSchema = z.looseObject({
  /** `{sportsbook}_{event_id}_{market}_{selection}`, e.g. draftkings_33483153_moneyline_PHO. */
  id: z.string().min(1),
  sportsbook: z.string().min(1),
  event_id: z.union([z.string().min(1), z.number()]).transform(String),
  sport: z.string(),
  league: z.string(),
  /** Descriptive (futures and outrights may have none): '' unless a string. */
  home_team: textOrEmpty,
  away_team: textOrEmpty,
  /** The market (part of every tick's key): blank is as good as missing. */
  market_type: z.string().refine((s) => s.trim() !== '', 'market_type must not be blank'),
  selection: z.string(),
  /** home / away / over / under / draw / a value not yet seen; read lower-cased when a string. */
  selection_type: z
    .unknown()
    .optional()
    .transform((v) => (typeof v === 'string' ? v : null)),
  /** Validated later with parseAmerican, so a bad price rejects with a price reason. */
  odds_american: z.union([z.number(), z.string()]).nullable(),
  odds_decimal: crossCheck,
  odds_probability: crossCheck,
  line: z.number().nullable().optional(),
  event_start_time: isoTime.nullable().optional(),
  last_seen_at: isoTime,
  is_live: flag,
  /** upcoming / live / …: not read. */
  status: notRead,
});
export type SharpApiOdds = z.infer<typeof SharpApiOddsSchema>;

/**
 * The reference names a `removed` list of removed odds without showing it: we read it as a
 * top-level array of odds ids (next to the top-level `removed_truncated` flag that caps it), and
 * also accept `{ id }` objects so a richer entry does not reject the whole response.
 */
export const RemovedEntrySchema = z.union([
  z.string().min(1),
  z.looseObject({ id: z.string().min(1) }).transform((o) => o.id),
]);

/** `has_more` decides whether a window is complete, so it is needed; the rest is not read. */
export const SharpApiPaginationSchema = z.looseObject({
  limit: notRead,
  offset: notRead,
  has_more: z.boolean(),
  next_offset: notRead,
});

export const SharpApiDeltaMetaSchema = z.looseObject({
  count: notRead,
  /** Only a fallback for a page without `pagination`: an unusable one is as good as absent. */
  total: z.number().int().optional().catch(undefined),
  /** The next request's `since`. */
  server_time: isoTime,
  books_changed: notRead,
  pagination: SharpApiPaginationSchema.optional(),
  filters: notRead,
});

/**
 * Success (200) envelope. `data` items and `removed` entries are validated one by one (see the
 * adapter) so one bad odd or removal is refused without losing the rest of the page.
 */
export const SharpApiDeltaResponseSchema = z.looseObject({
  success: z
    .unknown()
    .optional()
    .refine((v) => v !== false && v !== 'false', 'success is false'),
  data: z.array(z.unknown()),
  meta: SharpApiDeltaMetaSchema,
  removed: z.array(z.unknown()).optional(),
  removed_truncated: flag,
  since_clamped: flag,
});
export type SharpApiDeltaResponse = z.infer<typeof SharpApiDeltaResponseSchema>;

/** 400 validation_error / offset_too_large, 401 unauthorized, … */
export const SharpApiErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.string().min(1),
    message: z.string(),
    docs: z.string().optional(),
    max_offset: z.number().int().optional(),
  }),
});
export type SharpApiError = z.infer<typeof SharpApiErrorSchema>;

export interface RateLimitHeaders {
  limit: number | null;
  remaining: number | null;
  /** Epoch ms when the window resets. */
  resetAtMs: number | null;
  /** From Retry-After (429), in ms. */
  retryAfterMs: number | null;
}

const intHeader = (v: string | null | undefined): number | null =>
  v != null && /^\s*\d+\s*$/.test(v) ? Number(v) : null;

/**
 * `X-RateLimit-Reset` is a Unix timestamp in seconds (1737853200 in the reference). A small value is
 * read as seconds-from-now and a 13-digit one as epoch ms, so a server that varies does not stall us.
 */
export function parseRateLimitHeaders(
  get: (name: string) => string | null | undefined,
  nowMs: number,
): RateLimitHeaders {
  const reset = intHeader(get('x-ratelimit-reset'));
  const retryAfter = intHeader(get('retry-after'));
  let resetAtMs: number | null = null;
  if (reset !== null) resetAtMs = reset >= 1e12 ? reset : reset >= 1e9 ? reset * 1000 : nowMs + reset * 1000;
  return {
    limit: intHeader(get('x-ratelimit-limit')),
    remaining: intHeader(get('x-ratelimit-remaining')),
    resetAtMs,
    retryAfterMs: retryAfter === null ? null : retryAfter * 1000,
  };
}
