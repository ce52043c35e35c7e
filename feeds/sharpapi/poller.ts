// The poller: one window after another from the checkpointed `since`, each request paced and retried.
import { Agent, request } from 'undici';
import type { OddsTick } from '../../schemas/odds';
import { SharpApiDeltaResponseSchema, SharpApiErrorSchema, parseRateLimitHeaders } from '../../schemas/sharpapi';
import type { RefusedRecord } from '../../rejections/record';
import type { FeedGap, FeedHealth, FeedRunContext } from '../types';
import { mapSharpApiOdd, removedIdOf } from './mapping';
import type { DescribedOdd } from '../types';
import {
  SHARPAPI_DEFAULT_LEAGUES,
  SHARPAPI_DEFAULT_MARKETS,
  SHARPAPI_DELTA_PATH,
  SHARPAPI_MAX_LIMIT,
  SHARPAPI_MAX_OFFSET,
  type SharpApiAdapterOptions,
} from './options';
import { RESET_MARGIN_MS, RatePacer } from './pacer';
import { pollWindow, type Page } from './window';

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

/** Members that are not private are what pollWindow (window.ts) uses. */
export class SharpApiPoller {
  readonly known = new Map<string, DescribedOdd>();
  private readonly pacer = new RatePacer();
  private readonly health: FeedHealth = {
    connected: false,
    lastMessageAt: null,
    lastTickTs: null,
    reconnects: 0,
    gaps: 0,
    rejected: 0,
    messages: 0,
  };
  private readonly agent: Agent;
  private failures = 0;
  /** Lowered if the server's offset cap turns out smaller than documented. */
  offsetCap = SHARPAPI_MAX_OFFSET;
  readonly limit: number;
  private readonly query: Record<string, string>;

  constructor(
    private readonly o: SharpApiAdapterOptions,
    readonly ctx: FeedRunContext,
  ) {
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
      let resumedFrom = this.ctx.checkpoint?.position === since ? since : null;
      while (!ctx.signal.aborted) {
        const started = Math.max(Date.now(), notBefore);
        const next = await pollWindow(this, since, notBefore, resumedFrom !== null);
        if (next === null) break;
        if (resumedFrom !== null) await this.reportCatchUp(resumedFrom, next, interval);
        resumedFrom = null;
        since = next;
        notBefore = started + interval;
      }
    } finally {
      this.setHealth({ connected: false });
      await this.agent.close().catch(() => undefined);
    }
  }

  /**
   * After downtime the first window re-reads every odd changed since the checkpoint, but only in
   * its current version: the price moves in between are gone (the delta endpoint keeps no
   * history). Analysts must know that interval's ticks are collapsed, so it becomes a gap.
   */
  private async reportCatchUp(from: string, to: string, intervalMs: number): Promise<void> {
    const downMs = Date.parse(to) - Date.parse(from);
    if (!(downMs > Math.max(60_000, 3 * intervalMs))) return;
    await this.gap({
      reason: 'catch_up',
      from,
      to,
      detail: `resumed ${Math.round(downMs / 1000)} s after the checkpoint: the latest version of every odd changed in between was re-read; intermediate price moves are not recoverable`,
    });
  }

  private async startPosition(): Promise<string> {
    const pos = this.ctx.checkpoint?.position;
    if (pos && !Number.isNaN(Date.parse(pos))) return pos;
    const start = new Date(Date.now() - (this.o.initialLookbackMs ?? 5 * 60_000)).toISOString();
    if (pos)
      await this.gap({
        reason: 'checkpoint_invalid',
        from: null,
        to: start,
        detail: `checkpoint position ${JSON.stringify(pos)} is not a timestamp; restarting from ${start}`,
      });
    return start;
  }

  /** Row `index` of a page's `data`: its tick, or null when it is refused (alone: the page loads). */
  async toTick(raw: unknown, receivedAt: string, index: number): Promise<OddsTick | null> {
    const m = mapSharpApiOdd(raw, receivedAt);
    if (!m.ok) {
      await this.reject(raw, m.reason, m.detail, { path: `data[${index}]`, id: idOf(raw), context: { kind: 'odds' } });
      return null;
    }
    this.remember(m.odd.id, m.tick);
    return m.tick;
  }

  /**
   * The odds ids a page's `removed` list names; an entry naming none is refused alone. Its replay
   * needs the window's `since`, which its removal tick's id and time key on.
   */
  async removedIds(entries: readonly unknown[], windowSince: string): Promise<string[]> {
    const ids: string[] = [];
    for (const [i, entry] of entries.entries()) {
      const r = removedIdOf(entry);
      if (r.ok) ids.push(r.id);
      else
        await this.reject(entry, r.reason, r.detail, {
          path: `removed[${i}]`,
          id: null,
          context: { kind: 'removed', window_since: windowSince },
        });
    }
    return ids;
  }

  /** Removals of odds this run never quoted take the stored quote they removed: one at or before the window's since. */
  async describeUnknown(ids: string[], windowSince: string): Promise<void> {
    const unknown = ids.filter((id) => !this.known.has(id));
    if (unknown.length === 0 || !this.ctx.describeOdds) return;
    for (const [id, odd] of await this.ctx.describeOdds(unknown, windowSince))
      if (!this.known.has(id)) this.known.set(id, odd);
  }

  async storedRemovals(tickIds: string[], since: string): Promise<Set<string>> {
    return (await this.ctx.storedTickIds?.(tickIds, since)) ?? new Set();
  }

  private remember(id: string, t: OddsTick): void {
    this.known.delete(id);
    this.known.set(id, {
      book: t.book,
      sport: t.sport,
      league: t.league,
      event_key: t.event_key,
      home_team: t.home_team,
      away_team: t.away_team,
      start_time: t.start_time,
      market: t.market,
      market_raw: t.market_raw,
      selection: t.selection,
      line: t.line,
      is_live: t.is_live,
    });
    if (this.known.size > KNOWN_CAP) this.known.delete(this.known.keys().next().value!);
  }

  async emit(ticks: OddsTick[], position: string): Promise<void> {
    await this.ctx.emit({ ticks }, { position });
    const last = ticks.reduce<string | null>(
      (m, t) => (t.removed || (m !== null && m >= t.ts) ? m : t.ts),
      this.health.lastTickTs,
    );
    this.setHealth({ lastTickTs: last });
  }

  /** One request, retried until it yields a usable page; throws only when the feed cannot work. */
  async fetchPage(since: string, offset: number, notBefore: number): Promise<Page> {
    const { ctx } = this;
    const url = new URL(SHARPAPI_DELTA_PATH, this.o.baseUrl.replace(/\/+$/, '') + '/');
    url.search = new URLSearchParams({
      since,
      ...this.query,
      limit: String(this.limit),
      offset: String(offset),
    }).toString();
    for (;;) {
      const gate = this.pacer.nextAllowedAt();
      const waitUntil = Math.max(notBefore, gate?.at ?? 0);
      if (gate && gate.at > Date.now() && gate.at >= notBefore)
        ctx.log.info('sharpapi.rate_limit_wait', { ms: gate.at - Date.now(), reason: gate.reason });
      await sleep(waitUntil - Date.now(), ctx.signal);
      if (ctx.signal.aborted) return { kind: 'aborted' };

      let status: number;
      let text: string;
      let headers: Record<string, string | string[] | undefined>;
      try {
        const res = await request(url, {
          dispatcher: this.agent,
          headers: { 'x-api-key': this.o.apiKey, accept: 'application/json' },
          signal: ctx.signal,
        });
        status = res.statusCode;
        headers = res.headers;
        text = await res.body.text();
      } catch (e) {
        if (ctx.signal.aborted) return { kind: 'aborted' };
        await this.retryLater('sharpapi.request_failed', {
          error: e instanceof Error ? e.message : String(e),
          since,
          offset,
        });
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
          await this.reject(
            text,
            'schema',
            parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          );
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
        const waitMs = Math.max(
          BACKOFF_MIN_MS,
          rl.retryAfterMs ?? (rl.resetAtMs !== null ? rl.resetAtMs + RESET_MARGIN_MS - now : BACKOFF_MIN_MS),
        );
        ctx.log.warn('sharpapi.rate_limited', { ms: waitMs, since, offset });
        await sleep(waitMs, ctx.signal);
        continue;
      }
      if (status === 400 && code === 'offset_too_large') return { kind: 'offset_too_large' };
      if (status === 401)
        throw new FeedUnusableError(
          `SharpAPI rejected the API key (401 ${code}: ${message}): set SHARPAPI_API_KEY to a valid key`,
        );
      if (status === 403)
        throw new FeedUnusableError(
          `SharpAPI refused access (403 ${code}: ${message}): the key's plan does not cover this endpoint or filter; check SHARPAPI_LEAGUES/SHARPAPI_SPORTSBOOKS/SHARPAPI_MARKETS or the subscription`,
        );
      if (status === 400)
        throw new FeedUnusableError(
          `SharpAPI rejected the request (400 ${code}: ${message}) for ${url.pathname}${url.search}: check SHARPAPI_LEAGUES/SHARPAPI_SPORTSBOOKS/SHARPAPI_MARKETS`,
        );
      if (status === 404)
        throw new FeedUnusableError(
          `SharpAPI has no ${SHARPAPI_DELTA_PATH} at ${this.o.baseUrl} (404): check SHARPAPI_BASE_URL`,
        );
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

  async flagOnce(flagged: Set<string>, gap: FeedGap): Promise<void> {
    if (flagged.has(gap.reason)) return;
    flagged.add(gap.reason);
    await this.gap(gap);
  }

  async gap(gap: FeedGap): Promise<void> {
    this.ctx.log.warn('sharpapi.gap', { ...gap });
    this.setHealth({ gaps: this.health.gaps + 1 });
    await this.ctx.gap(gap);
  }

  private async reject(raw: unknown, reason: string, detail: string, record?: RefusedRecord): Promise<void> {
    this.setHealth({ rejected: this.health.rejected + 1 });
    this.ctx.log.warn('sharpapi.rejected', { reason, detail, record: record?.path });
    await this.ctx.reject(
      typeof raw === 'string' && !record ? raw : (JSON.stringify(raw) ?? String(raw)),
      reason,
      detail,
      record,
    );
  }

  private setHealth(update: Partial<FeedHealth>): void {
    Object.assign(this.health, update);
    this.ctx.health({ ...this.health });
  }
}

function idOf(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
