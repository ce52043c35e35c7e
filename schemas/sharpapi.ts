import { z } from 'zod';

/**
 * SharpAPI `GET /api/v1/odds/delta` payloads, as in ../shared/reference/sharpapi-odds-delta.txt.
 * Objects are loose: SharpAPI adds fields over time (`sportsbook_name`, deep links, …) and an
 * unknown field must not turn a good response into a rejection.
 */

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 timestamp');

/** One odds object: "the same odds format as /odds". */
export const SharpApiOddsSchema = z.looseObject({
  /** `{sportsbook}_{event_id}_{market}_{selection}`, e.g. draftkings_33483153_moneyline_PHO. */
  id: z.string().min(1),
  sportsbook: z.string().min(1),
  event_id: z.union([z.string().min(1), z.number()]).transform(String),
  sport: z.string(),
  league: z.string(),
  home_team: z.string(),
  away_team: z.string(),
  market_type: z.string().min(1),
  selection: z.string(),
  selection_type: z.string().nullable().optional(),
  /** Validated later with parseAmerican, so a bad price rejects with a price reason. */
  odds_american: z.union([z.number(), z.string()]).nullable(),
  odds_decimal: z.number().nullable().optional(),
  odds_probability: z.number().nullable().optional(),
  line: z.number().nullable().optional(),
  event_start_time: isoTime.nullable().optional(),
  last_seen_at: isoTime,
  is_live: z.boolean().optional(),
  status: z.string().nullable().optional(),
});
export type SharpApiOdds = z.infer<typeof SharpApiOddsSchema>;

/**
 * The reference names a `removed` list of removed odds without showing it: we read it as a
 * top-level array of odds ids (next to the top-level `removed_truncated` flag that caps it), and
 * also accept `{ id }` objects so a richer entry does not reject the whole response.
 */
export const RemovedEntrySchema = z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) }).transform((o) => o.id)]);

export const SharpApiPaginationSchema = z.looseObject({
  limit: z.number().int(),
  offset: z.number().int(),
  has_more: z.boolean(),
  next_offset: z.number().int().nullable().optional(),
});

export const SharpApiDeltaMetaSchema = z.looseObject({
  count: z.number().int().optional(),
  total: z.number().int().optional(),
  /** The next request's `since`. */
  server_time: isoTime,
  books_changed: z.array(z.string()).optional(),
  pagination: SharpApiPaginationSchema.optional(),
  filters: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Success (200) envelope. `data` items are validated one by one (see the adapter) so one bad odd
 * is rejected without losing the rest of the page.
 */
export const SharpApiDeltaResponseSchema = z.looseObject({
  success: z.boolean().optional().refine((v) => v !== false, 'success is false'),
  data: z.array(z.unknown()),
  meta: SharpApiDeltaMetaSchema,
  removed: z.array(RemovedEntrySchema).optional(),
  removed_truncated: z.boolean().optional(),
  since_clamped: z.boolean().optional(),
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

const intHeader = (v: string | null | undefined): number | null => (v != null && /^\s*\d+\s*$/.test(v) ? Number(v) : null);

/**
 * `X-RateLimit-Reset` is a Unix timestamp in seconds (1737853200 in the reference). A small value is
 * read as seconds-from-now and a 13-digit one as epoch ms, so a server that varies does not stall us.
 */
export function parseRateLimitHeaders(get: (name: string) => string | null | undefined, nowMs: number): RateLimitHeaders {
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
