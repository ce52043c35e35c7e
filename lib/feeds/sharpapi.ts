/**
 * SharpAPI odds-delta poller (reference: /work/shared/reference/sharpapi-odds-delta.txt).
 *
 * Position: the next `since`, i.e. the `meta.server_time` of the last response of a fully emitted
 * window ("use the server_time from each response as the since value for your next request").
 *
 * A window is every page for one `since`. Pages are asked oldest-first (`sort=last_seen_at`) and
 * overlap by one row, so a page that does not start with the previous page's last row reveals that
 * rows moved under us (an odd updated or removed mid-window) and we never skip the row that slid
 * across the page boundary. `offset` may not exceed 500, so a window larger than that continues by
 * moving `since` up to the last contiguous row (minus 1 ms: `since` is exclusive and rows may
 * share a millisecond; re-read rows fold away by tick id) — the error body's "advance `since` to
 * the previous response's `updated_at`". Intermediate pages are emitted with the window's starting
 * position, the last page with its `server_time`, so a crash replays the window, never skips it.
 */
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import type { OddsTick } from '../../schemas/odds';
import {
  SharpApiDeltaResponseSchema, SharpApiErrorSchema, SharpApiOddsSchema, parseRateLimitHeaders,
  type RateLimitHeaders, type SharpApiDeltaResponse, type SharpApiOdds,
} from '../../schemas/sharpapi';
import { fromAmerican, parseAmerican, type NormalizedPrice } from '../odds/price';
import type { FeedAdapter, FeedGap, FeedHealth, FeedRunContext } from './types';

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

// ---------------------------------------------------------------------------------------------
// Identity and normalization
// ---------------------------------------------------------------------------------------------

export interface SharpApiTickKey {
  /** SharpAPI odds id. */
  id: string;
  /** `last_seen_at` of a quote; for a removal, the `since` of the window that reported it. */
  lastSeenAt: string;
  oddsAmerican: number | null;
  line: number | null;
  removed: boolean;
}

/**
 * Deterministic tick id. A quote is identified by what makes it a distinct price move; a removal
 * by the window that reported it, because the `removed` list carries no time: a replay starts from
 * the same committed `since`, so it yields the same id, and the same odd removed again later falls
 * in a later window.
 */
export function sharpApiTickId(k: SharpApiTickKey): string {
  const ts = new Date(k.lastSeenAt).toISOString();
  const digest = createHash('sha256').update(JSON.stringify([k.id, ts, k.oddsAmerican, k.line, k.removed])).digest('hex');
  return `sharpapi:${digest.slice(0, 32)}`;
}

export function canonicalMarket(raw: string): string {
  const key = raw.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if (/^(moneyline|money_line|ml|h2h|match_winner|1x2)$/.test(key)) return 'moneyline';
  if (/^(spread|spreads|point_spread|run_line|runline|puck_line|puckline|handicap|asian_handicap)$/.test(key)) return 'spread';
  if (/^(total|totals|over_under|total_points|total_runs|total_goals|game_total)$/.test(key)) return 'total';
  return raw.trim().toLowerCase().replace(/\s+/g, '_');
}

function canonicalSelection(o: Pick<SharpApiOdds, 'selection' | 'selection_type' | 'home_team' | 'away_team'>, market: string): string {
  const type = (o.selection_type ?? '').toLowerCase();
  if (market === 'total') {
    if (type === 'over' || /^over\b/i.test(o.selection)) return 'Over';
    if (type === 'under' || /^under\b/i.test(o.selection)) return 'Under';
  }
  if (o.selection.trim()) return o.selection;
  if (type === 'home') return o.home_team;
  if (type === 'away') return o.away_team;
  return o.selection;
}

const iso = (s: string): string => new Date(s).toISOString();

export class PriceMismatchError extends Error {}

/**
 * SharpAPI sends all three forms; we trust `odds_american` (the form books quote) and derive the
 * other two once. A provider decimal/probability that disagrees beyond its 3-decimal rounding
 * means the row is corrupt and we cannot tell which number is right: the row is rejected.
 */
function checkTriple(o: SharpApiOdds, p: NormalizedPrice): void {
  if (p.price_decimal === null || p.implied_prob === null) return;
  if (o.odds_decimal != null && Math.abs(o.odds_decimal - p.price_decimal) > Math.max(0.01, p.price_decimal * 0.005))
    throw new PriceMismatchError(`odds_decimal ${o.odds_decimal} disagrees with odds_american ${o.odds_american} (${p.price_decimal.toFixed(4)})`);
  if (o.odds_probability != null && Math.abs(o.odds_probability - p.implied_prob) > 0.01)
    throw new PriceMismatchError(`odds_probability ${o.odds_probability} disagrees with odds_american ${o.odds_american} (${p.implied_prob.toFixed(4)})`);
}

/** One odds object → one tick. Throws RangeError (unparseable price) or PriceMismatchError. */
export function sharpApiOddsToTick(o: SharpApiOdds, receivedAt: string): OddsTick {
  const american = parseAmerican(o.odds_american);
  const price = fromAmerican(american);
  checkTriple(o, price);
  const market = canonicalMarket(o.market_type);
  const rawLine = o.line ?? null;
  return {
    tick_id: sharpApiTickId({ id: o.id, lastSeenAt: o.last_seen_at, oddsAmerican: american, line: rawLine, removed: false }),
    source: 'sharpapi',
    book: o.sportsbook,
    sport: o.sport,
    league: o.league,
    event_key: o.event_id,
    provider_event_id: o.event_id,
    provider_odd_id: o.id,
    home_team: o.home_team,
    away_team: o.away_team,
    start_time: o.event_start_time ? iso(o.event_start_time) : null,
    market,
    market_raw: o.market_type,
    selection: canonicalSelection(o, market),
    line: market === 'total' && rawLine !== null ? Math.abs(rawLine) : rawLine,
    ...price,
    is_main: null,
    is_live: o.is_live ?? false,
    // No price without a removal: quoted but not bettable.
    locked: american === null,
    removed: false,
    ts: iso(o.last_seen_at),
    received_at: receivedAt,
  };
}

/** What a removal tick can say about an odd: from its last quote, else from its id. */
export type KnownOdd = Pick<OddsTick, 'book' | 'sport' | 'league' | 'event_key' | 'home_team' | 'away_team' | 'start_time' | 'market' | 'market_raw' | 'selection' | 'line' | 'is_live'>;

/**
 * `draftkings_33483153_moneyline_PHO` → book, event, market, selection. The event id is the first
 * all-digit segment (books and markets may contain `_`); without one, book and event are the first
 * two segments.
 */
export function parseSharpApiOddsId(id: string): KnownOdd {
  const parts = id.split('_');
  let ev = parts.findIndex((p, i) => i > 0 && /^\d+$/.test(p));
  if (ev < 0 || ev > parts.length - 3) ev = parts.length >= 4 ? 1 : -1;
  if (ev < 0) return { book: parts[0] || 'unknown', sport: '', league: '', event_key: id, home_team: '', away_team: '', start_time: null, market: 'unknown', market_raw: '', selection: '', line: null, is_live: false };
  const marketRaw = parts.slice(ev + 1, -1).join('_');
  const market = canonicalMarket(marketRaw);
  const sel = parts.at(-1) ?? '';
  return {
    book: parts.slice(0, ev).join('_'), sport: '', league: '', event_key: parts[ev], home_team: '', away_team: '', start_time: null,
    market, market_raw: marketRaw, selection: market === 'total' && /^(over|under)$/i.test(sel) ? sel[0].toUpperCase() + sel.slice(1).toLowerCase() : sel,
    line: null, is_live: false,
  };
}

export function sharpApiRemovalTick(id: string, windowSince: string, observedAt: string, known: KnownOdd | undefined, receivedAt: string): OddsTick {
  const k = known ?? parseSharpApiOddsId(id);
  return {
    tick_id: sharpApiTickId({ id, lastSeenAt: windowSince, oddsAmerican: null, line: null, removed: true }),
    source: 'sharpapi',
    book: k.book,
    sport: k.sport,
    league: k.league,
    event_key: k.event_key,
    provider_event_id: k.event_key,
    provider_odd_id: id,
    home_team: k.home_team,
    away_team: k.away_team,
    start_time: k.start_time,
    market: k.market,
    market_raw: k.market_raw,
    selection: k.selection,
    line: k.line,
    price_american: null,
    price_decimal: null,
    implied_prob: null,
    is_main: null,
    is_live: k.is_live,
    locked: false,
    removed: true,
    // The removal happened after `since` and no later than this response: it sorts after every quote of the odd.
    ts: iso(observedAt),
    received_at: receivedAt,
  };
}

// ---------------------------------------------------------------------------------------------
// Rate-limit pacing
// ---------------------------------------------------------------------------------------------

/** Below this share of the window's budget, requests are spread over the time left until reset. */
const LOW_BUDGET_SHARE = 0.25;
/** X-RateLimit-Reset has 1 s resolution: wait a little past it. */
const RESET_MARGIN_MS = 100;

export class RatePacer {
  private last: (RateLimitHeaders & { at: number }) | null = null;

  observe(h: RateLimitHeaders, at: number): void {
    if (h.remaining !== null && h.resetAtMs !== null) this.last = { ...h, at };
  }

  /** Earliest time the next request may go out, and why; null when the budget does not constrain us. */
  nextAllowedAt(): { at: number; reason: 'rate_limit_exhausted' | 'rate_limit_low' } | null {
    const h = this.last;
    if (!h || h.remaining === null || h.resetAtMs === null || h.resetAtMs <= h.at) return null;
    if (h.remaining <= 0) return { at: h.resetAtMs + RESET_MARGIN_MS, reason: 'rate_limit_exhausted' };
    const low = Math.max(1, Math.ceil((h.limit ?? h.remaining) * LOW_BUDGET_SHARE));
    if (h.remaining > low) return null;
    return { at: h.at + Math.ceil((h.resetAtMs + RESET_MARGIN_MS - h.at) / (h.remaining + 1)), reason: 'rate_limit_low' };
  }
}

// ---------------------------------------------------------------------------------------------
// Poller
// ---------------------------------------------------------------------------------------------

class FeedUnusableError extends Error {}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

const KNOWN_CAP = 50_000;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 30_000;

type Page =
  | { kind: 'ok'; body: SharpApiDeltaResponse; receivedAt: string }
  | { kind: 'offset_too_large' }
  | { kind: 'aborted' };

class SharpApiPoller {
  private readonly known = new Map<string, KnownOdd>();
  private readonly pacer = new RatePacer();
  private readonly health: FeedHealth = { connected: false, lastMessageAt: null, lastTickTs: null, reconnects: 0, gaps: 0, rejected: 0, messages: 0 };
  private readonly agent: Agent;
  private failures = 0;
  /** Lowered if the server's offset cap turns out smaller than documented. */
  private offsetCap = SHARPAPI_MAX_OFFSET;
  private readonly limit: number;
  private readonly query: Record<string, string>;

  constructor(private readonly o: SharpApiAdapterOptions, private readonly ctx: FeedRunContext) {
    this.limit = Math.min(SHARPAPI_MAX_LIMIT, Math.max(2, Math.floor(o.pageLimit ?? SHARPAPI_MAX_LIMIT)));
    const timeout = o.requestTimeoutMs ?? 30_000;
    this.agent = new Agent({ headersTimeout: timeout, bodyTimeout: timeout, connectTimeout: timeout });
    const leagues = o.leagues ?? SHARPAPI_DEFAULT_LEAGUES;
    const markets = o.markets ?? SHARPAPI_DEFAULT_MARKETS;
    this.query = { sort: 'last_seen_at' };
    if (leagues.length) this.query.league = leagues.join(',');
    if (o.sportsbooks?.length) this.query.sportsbook = o.sportsbooks.join(',');
    if (markets.length) this.query.market = markets.join(',');
  }

  async run(): Promise<void> {
    const { ctx } = this;
    const interval = this.o.pollIntervalMs ?? 5000;
    let notBefore = 0;
    try {
      let since = await this.startPosition();
      while (!ctx.signal.aborted) {
        const started = Math.max(Date.now(), notBefore);
        const next = await this.window(since, notBefore);
        if (next === null) break;
        since = next;
        notBefore = started + interval;
      }
    } finally {
      this.setHealth({ connected: false });
      await this.agent.close().catch(() => undefined);
    }
  }

  private async startPosition(): Promise<string> {
    const pos = this.ctx.checkpoint?.position;
    if (pos && !Number.isNaN(Date.parse(pos))) return pos;
    const start = new Date(Date.now() - (this.o.initialLookbackMs ?? 5 * 60_000)).toISOString();
    if (pos) await this.gap({ reason: 'checkpoint_invalid', from: null, to: start, detail: `checkpoint position ${JSON.stringify(pos)} is not a timestamp; restarting from ${start}` });
    return start;
  }

  /** Polls every page of one window; returns the next window's `since` (null when aborted). */
  private async window(base: string, notBefore: number): Promise<string | null> {
    const ctx = this.ctx;
    const emittedTicks = new Set<string>();
    const emittedRemovals = new Set<string>();
    const flagged = new Set<string>();
    let since = base;
    let offset = 0;
    let prevLastKey: string | null = null;
    /** last_seen_at of the last row of the contiguous, verified-ascending prefix read since `since`. */
    let contiguousMs: number | null = null;
    let ascending = true;

    for (;;) {
      const page = await this.fetchPage(since, offset, notBefore);
      notBefore = 0;
      if (page.kind === 'aborted') return null;
      if (page.kind === 'offset_too_large') {
        ctx.log.warn('sharpapi.offset_too_large', { since, offset });
        this.offsetCap = Math.max(0, Math.min(this.offsetCap, offset - 1));
      }
      let body: SharpApiDeltaResponse | null = null;
      let shifted = false;
      let serverTime = since;
      const ticks: OddsTick[] = [];
      if (page.kind === 'ok') {
        body = page.body;
        serverTime = body.meta.server_time;
        if (body.since_clamped) await this.flagOnce(flagged, {
          reason: 'since_clamped', from: since, to: new Date(Date.parse(serverTime) - SHARPAPI_REMOVAL_RETENTION_MS).toISOString(),
          detail: `since ${since} is older than SharpAPI's 10-minute removal retention: odds removed before the "to" time are not reported`,
        });
        if (body.removed_truncated) await this.flagOnce(flagged, {
          reason: 'removed_truncated', from: since, to: serverTime,
          detail: `the removed list hit SharpAPI's cap (${body.removed?.length ?? 0} ids reported): more odds were removed than reported`,
        });
        if (offset > 0) shifted = body.data.length === 0 || rowKey(body.data[0]) !== prevLastKey;
        const inData = new Set<string>();
        let pageLastMs: number | null = null;
        for (const raw of body.data) {
          const tick = await this.toTick(raw, page.receivedAt);
          if (!tick) continue;
          inData.add(tick.provider_odd_id);
          const ms = Date.parse(tick.ts);
          if ((pageLastMs ?? contiguousMs ?? -Infinity) > ms) ascending = false;
          pageLastMs = ms;
          if (emittedTicks.has(tick.tick_id)) continue;
          emittedTicks.add(tick.tick_id);
          ticks.push(tick);
        }
        if (!shifted && pageLastMs !== null) contiguousMs = pageLastMs;
        for (const id of body.removed ?? []) {
          // A removed id that is also in `data` was re-listed after its removal: the quote is the newer state.
          if (emittedRemovals.has(id) || inData.has(id)) continue;
          emittedRemovals.add(id);
          ticks.push(sharpApiRemovalTick(id, base, serverTime, this.known.get(id), page.receivedAt));
        }
      }

      const rowsOnPage = body?.data.length ?? 0;
      const hasMore = body !== null && rowsOnPage > 0
        && (body.meta.pagination?.has_more ?? offset + rowsOnPage < (body.meta.total ?? 0));
      // A shifted last page may have skipped the rows that slid before its offset: not done yet.
      if (body !== null && !hasMore && !shifted) {
        await this.emit(ticks, serverTime);
        return serverTime;
      }
      if (ticks.length) await this.emit(ticks, base);

      const nextOffset = offset + rowsOnPage - 1;
      if (body !== null && !shifted && rowsOnPage > 1 && nextOffset <= this.offsetCap) {
        offset = nextOffset;
        prevLastKey = rowKey(body.data[rowsOnPage - 1]);
        continue;
      }
      // Past the offset cap (or rows moved under us): continue from the last contiguous row.
      const sinceMs = Date.parse(since);
      if (ascending && contiguousMs !== null && contiguousMs > sinceMs) {
        let nextMs = contiguousMs - 1;
        if (nextMs <= sinceMs) {
          nextMs = contiguousMs;
          await this.gap({
            reason: 'offset_cap', from: since, to: new Date(nextMs).toISOString(),
            detail: `more than ${this.offsetCap + this.limit} odds share last_seen_at ${new Date(nextMs).toISOString()}; those past the offset cap are skipped`,
          });
        }
        ctx.log.debug('sharpapi.keyset', { since, next: new Date(nextMs).toISOString(), offset, shifted });
        since = new Date(nextMs).toISOString();
        offset = 0;
        prevLastKey = null;
        contiguousMs = null;
        continue;
      }
      // No verified last_seen_at order to continue from (the server ignored `sort`, or no row was valid).
      await this.gap({
        reason: 'offset_cap', from: since, to: serverTime,
        detail: `more than ${offset + rowsOnPage} changes since ${since} and no last_seen_at-ordered prefix to continue from (${ascending ? 'no valid row' : 'rows not ordered by last_seen_at'}): the rest of the window cannot be paged past offset ${this.offsetCap}`,
      });
      await this.emit([], serverTime);
      return serverTime;
    }
  }

  private async toTick(raw: unknown, receivedAt: string): Promise<OddsTick | null> {
    const parsed = SharpApiOddsSchema.safeParse(raw);
    if (!parsed.success) {
      await this.reject(raw, 'schema', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      return null;
    }
    try {
      const tick = sharpApiOddsToTick(parsed.data, receivedAt);
      this.remember(parsed.data.id, tick);
      return tick;
    } catch (e) {
      await this.reject(raw, e instanceof PriceMismatchError ? 'price_inconsistent' : 'price', e instanceof Error ? e.message : String(e));
      return null;
    }
  }

  private remember(id: string, t: OddsTick): void {
    this.known.delete(id);
    this.known.set(id, {
      book: t.book, sport: t.sport, league: t.league, event_key: t.event_key, home_team: t.home_team, away_team: t.away_team,
      start_time: t.start_time, market: t.market, market_raw: t.market_raw, selection: t.selection, line: t.line, is_live: t.is_live,
    });
    if (this.known.size > KNOWN_CAP) this.known.delete(this.known.keys().next().value!);
  }

  private async emit(ticks: OddsTick[], position: string): Promise<void> {
    await this.ctx.emit({ ticks }, { position });
    const last = ticks.reduce<string | null>((m, t) => (t.removed || (m !== null && m >= t.ts) ? m : t.ts), this.health.lastTickTs);
    this.setHealth({ lastTickTs: last });
  }

  /** One request, retried until it yields a usable page; throws only when the feed cannot work. */
  private async fetchPage(since: string, offset: number, notBefore: number): Promise<Page> {
    const { ctx } = this;
    const url = new URL(SHARPAPI_DELTA_PATH, this.o.baseUrl.replace(/\/+$/, '') + '/');
    url.search = new URLSearchParams({ since, ...this.query, limit: String(this.limit), offset: String(offset) }).toString();
    for (;;) {
      const gate = this.pacer.nextAllowedAt();
      const waitUntil = Math.max(notBefore, gate?.at ?? 0);
      if (gate && gate.at > Date.now() && gate.at >= notBefore) ctx.log.info('sharpapi.rate_limit_wait', { ms: gate.at - Date.now(), reason: gate.reason });
      await sleep(waitUntil - Date.now(), ctx.signal);
      if (ctx.signal.aborted) return { kind: 'aborted' };

      let status: number;
      let text: string;
      let headers: Record<string, string | string[] | undefined>;
      try {
        const res = await request(url, { dispatcher: this.agent, headers: { 'x-api-key': this.o.apiKey, accept: 'application/json' }, signal: ctx.signal });
        status = res.statusCode;
        headers = res.headers;
        text = await res.body.text();
      } catch (e) {
        if (ctx.signal.aborted) return { kind: 'aborted' };
        await this.retryLater('sharpapi.request_failed', { error: e instanceof Error ? e.message : String(e), since, offset });
        continue;
      }
      const now = Date.now();
      const header = (name: string) => {
        const v = headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      const rl = parseRateLimitHeaders(header, now);
      this.pacer.observe(rl, now);

      if (status === 200) {
        const receivedAt = new Date(now).toISOString();
        this.setHealth({ lastMessageAt: receivedAt, messages: this.health.messages + 1 });
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (e) {
          await this.reject(text, 'malformed_json', e instanceof Error ? e.message : String(e));
          await this.retryLater('sharpapi.malformed_response', { since, offset });
          continue;
        }
        const parsed = SharpApiDeltaResponseSchema.safeParse(json);
        if (!parsed.success) {
          await this.reject(text, 'schema', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
          await this.retryLater('sharpapi.malformed_response', { since, offset });
          continue;
        }
        this.failures = 0;
        this.setHealth({ connected: true });
        return { kind: 'ok', body: parsed.data, receivedAt };
      }

      const err = SharpApiErrorSchema.safeParse(safeJson(text));
      const code = err.success ? err.data.error.code : `http_${status}`;
      const message = err.success ? err.data.error.message : text.slice(0, 200);
      if (status === 429) {
        const waitMs = Math.max(BACKOFF_MIN_MS, rl.retryAfterMs ?? (rl.resetAtMs !== null ? rl.resetAtMs + RESET_MARGIN_MS - now : BACKOFF_MIN_MS));
        ctx.log.warn('sharpapi.rate_limited', { ms: waitMs, since, offset });
        await sleep(waitMs, ctx.signal);
        continue;
      }
      if (status === 400 && code === 'offset_too_large') return { kind: 'offset_too_large' };
      if (status === 401) throw new FeedUnusableError(`SharpAPI rejected the API key (401 ${code}: ${message}): set SHARPAPI_API_KEY to a valid key`);
      if (status === 403) throw new FeedUnusableError(`SharpAPI refused access (403 ${code}: ${message}): the key's plan does not cover this endpoint or filter; check SHARPAPI_LEAGUES/SHARPAPI_SPORTSBOOKS/SHARPAPI_MARKETS or the subscription`);
      if (status === 400) throw new FeedUnusableError(`SharpAPI rejected the request (400 ${code}: ${message}) for ${url.pathname}${url.search}: check SHARPAPI_LEAGUES/SHARPAPI_SPORTSBOOKS/SHARPAPI_MARKETS`);
      if (status === 404) throw new FeedUnusableError(`SharpAPI has no ${SHARPAPI_DELTA_PATH} at ${this.o.baseUrl} (404): check SHARPAPI_BASE_URL`);
      await this.retryLater('sharpapi.http_error', { status, code, message, since, offset });
    }
  }

  private async retryLater(event: string, fields: Record<string, unknown>): Promise<void> {
    this.failures += 1;
    const ms = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.failures - 1));
    this.setHealth({ connected: false, reconnects: this.health.reconnects + 1 });
    this.ctx.log.warn(event, { ...fields, retryInMs: ms, failures: this.failures });
    await sleep(ms, this.ctx.signal);
  }

  private async flagOnce(flagged: Set<string>, gap: FeedGap): Promise<void> {
    if (flagged.has(gap.reason)) return;
    flagged.add(gap.reason);
    await this.gap(gap);
  }

  private async gap(gap: FeedGap): Promise<void> {
    this.ctx.log.warn('sharpapi.gap', { ...gap });
    this.setHealth({ gaps: this.health.gaps + 1 });
    await this.ctx.gap(gap);
  }

  private async reject(raw: unknown, reason: string, detail: string): Promise<void> {
    this.setHealth({ rejected: this.health.rejected + 1 });
    this.ctx.log.warn('sharpapi.rejected', { reason, detail });
    await this.ctx.reject(typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw), reason, detail);
  }

  private setHealth(update: Partial<FeedHealth>): void {
    Object.assign(this.health, update);
    this.ctx.health({ ...this.health });
  }
}

/** Identity of a row for the page-overlap check: a changed odd has a new last_seen_at. */
function rowKey(raw: unknown): string {
  const r = raw as { id?: unknown; last_seen_at?: unknown } | null;
  return r && typeof r.id === 'string' && typeof r.last_seen_at === 'string' ? `${r.id}@${r.last_seen_at}` : JSON.stringify(raw);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function createSharpApiAdapter(opts: SharpApiAdapterOptions): FeedAdapter {
  if (!opts.baseUrl) throw new Error('SharpAPI needs a base URL: set SHARPAPI_BASE_URL (e.g. https://api.sharpapi.io)');
  if (!opts.apiKey) throw new Error('SharpAPI needs an API key: set SHARPAPI_API_KEY');
  return {
    source: 'sharpapi',
    run: (ctx) => new SharpApiPoller(opts, ctx).run(),
  };
}
