/**
 * BoltOdds odds WebSocket adapter (reference: /work/shared/reference/boltodds-websocket-api.txt).
 *
 * BoltOdds has no resume position: every (re)subscription starts with `initial_state` snapshots,
 * and `game_update` resends a whole game. So the adapter keeps the last known value of every
 * outcome (in memory and in the checkpoint `state`) and emits a tick only when an outcome's
 * price, line or suspension actually changed. The checkpoint `position` is the timestamp of the
 * last message processed; it is informational, since the provider cannot replay from it.
 */
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { z } from 'zod';
import {
  BoltOddsMessageSchema,
  BOLTODDS_ACTIONS,
  type BoltOddsFilters,
  type BoltOddsGameData,
  type BoltOddsMessage,
  type BoltOddsOutcome,
} from '../../schemas/boltodds';
import type { OddsTick } from '../../schemas/odds';
import { registerSecret } from '../log';
import { fromAmerican, parseAmerican } from '../odds/price';
import type { FeedAdapter, FeedGap, FeedHealth, FeedRunContext } from './types';

// ------------------------------------------------------------------ options and defaults

export const DEFAULT_SPORTS = ['NFL', 'NBA', 'MLB', 'NHL', 'NCAAF', 'NCAAB'];
/** Names differ per book and league; unknown names are ignored by BoltOdds, so listing the usual spellings is harmless. */
export const DEFAULT_MARKETS = ['Moneyline', 'Spread', 'Point Spread', 'Run Line', 'Puck Line', 'Total', 'Total Points', 'Total Runs', 'Total Goals'];
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

const isAll = (v: string[] | null | undefined) => v !== undefined && (v === null || v.length === 0 || v.includes('*'));

function resolveFilters(o: Pick<BoltOddsAdapterOptions, 'sports' | 'sportsbooks' | 'markets' | 'games'>): BoltOddsFilters {
  const f: BoltOddsFilters = {};
  const sports = o.sports === undefined ? DEFAULT_SPORTS : o.sports;
  const markets = o.markets === undefined ? DEFAULT_MARKETS : o.markets;
  if (!isAll(sports)) f.sports = [...sports];
  if (o.sportsbooks && !isAll(o.sportsbooks)) f.sportsbooks = [...o.sportsbooks];
  if (!isAll(markets)) f.markets = [...markets];
  if (o.games && !isAll(o.games)) f.games = [...o.games];
  return f;
}

const sameFilters = (a: BoltOddsFilters, b: BoltOddsFilters) => JSON.stringify(a) === JSON.stringify(b);
const allows = (list: string[] | undefined, v: string) => !list || list.includes(v);

// ------------------------------------------------------------------ normalization

export type BoltOddsTickFlag = 'price' | 'locked' | 'removed';

/**
 * tick_id = "bo_" + first 32 hex of sha256(JSON["boltodds", sportsbook, event_key, outcome key,
 * price_american|null, line|null, flag, provider timestamp]). The provider timestamp (as sent,
 * microseconds included) makes two moves of the same outcome distinct; replaying a message gives
 * the same id. The sandbox imports this to state its ground truth.
 */
export function boltOddsTickId(p: { sportsbook: string; eventKey: string; outcomeKey: string; price: number | null; line: number | null; flag: BoltOddsTickFlag; timestamp: string }): string {
  const h = createHash('sha256').update(JSON.stringify(['boltodds', p.sportsbook, p.eventKey, p.outcomeKey, p.price, p.line, p.flag, p.timestamp])).digest('hex');
  return `bo_${h.slice(0, 32)}`;
}

const MONEYLINE = new Set(['moneyline', 'money line', 'ml', 'match winner', 'winner', 'to win', 'h2h', 'head to head', 'fight winner']);
const SPREAD = new Set(['spread', 'point spread', 'points spread', 'run line', 'puck line', 'handicap', 'game spread']);
const TOTAL = new Set(['total', 'totals', 'total points', 'total runs', 'total goals', 'game total', 'over/under']);

export function canonicalMarket(name: string): string {
  const n = name.trim().toLowerCase().replace(/\s+/g, ' ');
  if (MONEYLINE.has(n)) return 'moneyline';
  if (SPREAD.has(n)) return 'spread';
  if (TOTAL.has(n)) return 'total';
  return n.replace(/ /g, '_');
}

const LEAGUE_SPORT: Record<string, string> = {
  NFL: 'football', NCAAF: 'football', CFL: 'football', UFL: 'football',
  NBA: 'basketball', NCAAB: 'basketball', WNBA: 'basketball', NCAAW: 'basketball',
  MLB: 'baseball', NCAABASEBALL: 'baseball', NHL: 'hockey', UFC: 'mma', MMA: 'mma', BOXING: 'boxing',
};
/** BoltOdds "sport" values are leagues ("NBA", "Wimbledon (M)"); map the ones we know to a sport. */
export const sportOf = (league: string) => LEAGUE_SPORT[league.toUpperCase()] ?? league.toLowerCase();

const easternParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
function easternOffsetMs(utcMs: number): number {
  const p = Object.fromEntries(easternParts.formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - Math.floor(utcMs / 1000) * 1000;
}

/**
 * `info.when` ("2025-07-23, 01:09 PM") is local US Eastern time: the doc's Mets game "01:09 PM"
 * gets -10000 odds at 19:45 UTC and is removed at 19:55 UTC, which fits 17:09 UTC (EDT) only.
 */
export function parseWhen(when: string | null | undefined): string | null {
  const m = when?.trim().match(/^(\d{4})-(\d{2})-(\d{2}),?\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?$/);
  if (!m) return null;
  let hour = +m[4];
  if (m[6]) hour = (hour % 12) + (m[6].toUpperCase() === 'PM' ? 12 : 0);
  const local = Date.UTC(+m[1], +m[2] - 1, +m[3], hour, +m[5]);
  let utc = local - easternOffsetMs(local);
  const again = local - easternOffsetMs(utc);
  if (again !== utc) utc = again;
  return Number.isNaN(utc) ? null : new Date(utc).toISOString();
}

const GAME_KEY = /^(.+?) vs (.+?), (\d{4}-\d{2}-\d{2}), (\d{1,2})$/;
/** "Home vs Away, YYYY-MM-DD, HH" → teams (the doc's example lists the home team first). */
export function parseGame(game: string): { home: string; away: string } | null {
  const m = game.match(GAME_KEY);
  return m ? { home: m[1], away: m[2] } : null;
}

/** Keep the provider's microseconds; only "+00:00" becomes "Z". */
export function normalizeTs(raw: string): string {
  const m = raw.match(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:Z|\+00:00)$/);
  return m ? `${m[1]}Z` : new Date(raw).toISOString();
}

function parseLine(v: BoltOddsOutcome['outcome_line']): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  return v.trim() === '' ? null : Number(v);
}

function overUnder(v: string | null | undefined): 'Over' | 'Under' | null {
  const s = v?.trim().toLowerCase();
  return s === 'over' ? 'Over' : s === 'under' ? 'Under' : null;
}

// ------------------------------------------------------------------ state (what a restart must remember)

const OutcomeRecSchema = z.object({
  name: z.string(), target: z.string().nullable(), ou: z.string().nullable(),
  line: z.number().nullable(), price: z.number().nullable(), locked: z.boolean(),
});
const GameRecSchema = z.object({
  book: z.string(), sport: z.string(), game: z.string(), eventKey: z.string(), providerEventId: z.string(),
  home: z.string(), away: z.string(), start: z.string().nullable(), cleared: z.boolean().optional(),
  outcomes: z.record(z.string(), OutcomeRecSchema),
});
export const BoltOddsStateSchema = z.object({ v: z.literal(1), games: z.array(GameRecSchema) });
export type BoltOddsCheckpointState = z.infer<typeof BoltOddsStateSchema>;
type GameRec = z.infer<typeof GameRecSchema>;
type OutcomeRec = z.infer<typeof OutcomeRecSchema>;

export interface ApplyResult {
  ticks: OddsTick[];
  gaps: FeedGap[];
  rejects: { raw: string; reason: string; detail: string }[];
  /** Outcomes withdrawn because their game was missing from a post-reconnect initial_state. */
  swept: number;
}

type DataMessage = Extract<BoltOddsMessage, { timestamp: string }>;
type GameMessage = Exclude<DataMessage, { action: 'sport_clear' | 'book_clear' }>;

/**
 * The diff engine: provider messages in, changed outcomes out. Pure (no I/O) so it can be tested
 * message by message. Game records are copy-on-write: a snapshot handed to emit() is never
 * mutated afterwards, so the state a sink commits always matches the rows before it.
 */
export class BoltOddsState {
  private games = new Map<string, GameRec>();
  private writableKeys = new Set<string>();
  private cached: BoltOddsCheckpointState | null = null;
  private filters: BoltOddsFilters = {};
  private initialPhase: Set<string> | null = null;

  static restore(raw: unknown): { state: BoltOddsState; error: string | null } {
    const state = new BoltOddsState();
    if (raw === undefined || raw === null) return { state, error: null };
    const r = BoltOddsStateSchema.safeParse(raw);
    if (!r.success) return { state, error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; ') };
    for (const g of r.data.games) state.games.set(gameKey(g.book, g.eventKey), g);
    return { state, error: null };
  }

  /** Filters the server is applying: outcomes outside them are unobserved, not withdrawn. */
  setFilters(f: BoltOddsFilters): void {
    this.filters = f;
  }

  /**
   * A fresh subscription follows: games that its initial_state does not resend were withdrawn
   * while we were not looking. The dump has no end marker, so it ends at the first other data message.
   */
  beginInitialState(): void {
    this.initialPhase = new Set();
  }

  size(): { games: number; outcomes: number } {
    let outcomes = 0;
    for (const g of this.games.values()) outcomes += Object.keys(g.outcomes).length;
    return { games: this.games.size, outcomes };
  }

  snapshot(): BoltOddsCheckpointState {
    this.cached ??= { v: 1, games: [...this.games.values()] };
    this.writableKeys.clear();
    return this.cached;
  }

  apply(msg: DataMessage, receivedAt: string): ApplyResult {
    const out: ApplyResult = { ticks: [], gaps: [], rejects: [], swept: 0 };
    if (this.initialPhase && msg.action !== 'initial_state') this.endInitialState(msg.timestamp, receivedAt, out);
    switch (msg.action) {
      case 'initial_state':
      case 'game_update':
      case 'game_added':
        this.applyOutcomes(msg, receivedAt, out, true);
        break;
      case 'line_update':
        this.applyOutcomes(msg, receivedAt, out, false);
        break;
      case 'game_removed':
        this.removeGame(msg, receivedAt, out);
        break;
      case 'sport_clear':
      case 'book_clear': {
        const book = msg.data.sportsbook;
        const sport = msg.action === 'sport_clear' ? msg.data.sport : null;
        let cleared = 0;
        for (const [key, g] of this.games) {
          if (g.book !== book || (sport !== null && g.sport !== sport) || g.cleared) continue;
          this.writable(key).cleared = true;
          cleared += 1;
        }
        out.gaps.push({
          reason: msg.action, from: msg.timestamp, to: msg.timestamp,
          detail: `${msg.action} for ${sport ? `${sport} at ` : ''}${book}: the provider dropped ${cleared} game(s); their last prices stay in history and only real changes are emitted when they are resent`,
        });
        break;
      }
    }
    return out;
  }

  private writable(key: string): GameRec {
    const g = this.games.get(key)!;
    this.cached = null;
    if (this.writableKeys.has(key)) return g;
    const copy = { ...g, outcomes: { ...g.outcomes } };
    this.games.set(key, copy);
    this.writableKeys.add(key);
    return copy;
  }

  private drop(key: string): void {
    this.games.delete(key);
    this.writableKeys.delete(key);
    this.cached = null;
  }

  private applyOutcomes(msg: GameMessage, receivedAt: string, out: ApplyResult, snapshot: boolean): void {
    const data = msg.data;
    const eventKey = eventKeyOf(data);
    const key = gameKey(data.sportsbook, eventKey);
    this.initialPhase?.add(key);
    const existed = this.games.has(key);
    if (!existed) {
      this.games.set(key, { ...gameMeta(data, eventKey), outcomes: {} });
      this.writableKeys.add(key);
      this.cached = null;
    }
    let g = this.games.get(key)!;
    if (g.cleared) {
      g = this.writable(key);
      delete g.cleared;
    }
    const seen = new Set<string>();
    for (const [okey, o] of Object.entries(data.outcomes)) {
      seen.add(okey);
      let price: number | null;
      try {
        price = parseAmerican(o.odds);
      } catch (err) {
        out.rejects.push({
          raw: JSON.stringify({ timestamp: msg.timestamp, action: msg.action, sportsbook: data.sportsbook, game: data.game, outcome: okey, data: o }),
          reason: 'unparseable_price',
          detail: `${data.sportsbook} / ${data.game} / ${okey}: ${(err as Error).message}; the outcome keeps its previous state`,
        });
        continue;
      }
      const rec: OutcomeRec = {
        name: o.outcome_name, target: o.outcome_target ?? null, ou: o.outcome_over_under ?? null,
        line: parseLine(o.outcome_line), price, locked: price === null,
      };
      const prev = g.outcomes[okey];
      if (prev && prev.price === rec.price && prev.line === rec.line && prev.locked === rec.locked) continue;
      g = this.writable(key);
      g.outcomes[okey] = rec;
      out.ticks.push(buildTick(g, okey, rec, rec.locked ? 'locked' : 'price', msg.timestamp, receivedAt));
    }
    if (snapshot) {
      // A snapshot lists every subscribed outcome of the game: one it no longer lists was withdrawn.
      for (const [okey, prev] of Object.entries(g.outcomes)) {
        if (seen.has(okey) || !allows(this.filters.markets, prev.name)) continue;
        g = this.writable(key);
        delete g.outcomes[okey];
        out.ticks.push(buildTick(g, okey, prev, 'removed', msg.timestamp, receivedAt));
      }
    }
    if (Object.keys(g.outcomes).length === 0) this.drop(key);
  }

  private removeGame(msg: GameMessage, receivedAt: string, out: ApplyResult): void {
    const key = gameKey(msg.data.sportsbook, eventKeyOf(msg.data));
    const g = this.games.get(key);
    if (!g) return;
    for (const [okey, prev] of Object.entries(g.outcomes)) out.ticks.push(buildTick(g, okey, prev, 'removed', msg.timestamp, receivedAt));
    this.drop(key);
  }

  private endInitialState(ts: string, receivedAt: string, out: ApplyResult): void {
    const seen = this.initialPhase!;
    this.initialPhase = null;
    const f = this.filters;
    for (const [key, g] of [...this.games]) {
      if (seen.has(key) || !allows(f.sports, g.sport) || !allows(f.sportsbooks, g.book) || !allows(f.games, g.game)) continue;
      let w = g;
      for (const [okey, prev] of Object.entries(g.outcomes)) {
        if (!allows(f.markets, prev.name)) continue;
        w = this.writable(key);
        delete w.outcomes[okey];
        // A cleared game's withdrawal was already reported as a gap; its history stays as is.
        if (!g.cleared) {
          out.ticks.push(buildTick(g, okey, prev, 'removed', ts, receivedAt));
          out.swept += 1;
        }
      }
      if (Object.keys(w.outcomes).length === 0) this.drop(key);
    }
  }
}

const gameKey = (book: string, eventKey: string) => `${book}\u0000${eventKey}`;

/** event_key = universal_id when the message carries one (get_games has it), else the `game` string. */
export function eventKeyOf(data: BoltOddsGameData): string {
  return data.universal_id || data.info?.universal_id || data.game;
}

function gameMeta(data: BoltOddsGameData, eventKey: string): Omit<GameRec, 'outcomes'> {
  const teams = parseGame(data.game);
  const id = data.info?.id;
  return {
    book: data.sportsbook, sport: data.sport, game: data.game, eventKey,
    providerEventId: id !== null && id !== undefined && String(id) !== '' ? String(id) : eventKey,
    home: data.home_team || teams?.home || '', away: data.away_team || teams?.away || '',
    start: parseWhen(data.info?.when),
  };
}

function buildTick(g: GameRec, okey: string, rec: OutcomeRec, flag: BoltOddsTickFlag, timestamp: string, receivedAt: string): OddsTick {
  const market = canonicalMarket(rec.name);
  const ou = overUnder(rec.ou);
  const selection = ou ? (market === 'total' || !rec.target ? ou : `${rec.target} ${ou}`) : (rec.target ?? okey);
  const line = rec.line === null ? null : market === 'total' ? Math.abs(rec.line) : rec.line;
  const price = flag === 'price' ? rec.price : null;
  const ts = normalizeTs(timestamp);
  return {
    tick_id: boltOddsTickId({ sportsbook: g.book, eventKey: g.eventKey, outcomeKey: okey, price, line: rec.line, flag, timestamp }),
    source: 'boltodds',
    book: g.book,
    sport: sportOf(g.sport),
    league: g.sport,
    event_key: g.eventKey,
    provider_event_id: g.providerEventId,
    provider_odd_id: okey,
    home_team: g.home,
    away_team: g.away,
    start_time: g.start,
    market,
    market_raw: rec.name,
    selection,
    line,
    ...fromAmerican(price),
    is_main: null,
    is_live: g.start !== null && Date.parse(ts) >= Date.parse(g.start),
    locked: flag === 'locked',
    removed: flag === 'removed',
    ts,
    received_at: receivedAt,
  };
}

// ------------------------------------------------------------------ connection budget

/** Sliding-window budget of connection attempts (the reference allows 12 per minute per IP). */
export class ConnectionWindow {
  private attempts: number[] = [];
  private blockedUntil = 0;
  constructor(
    private readonly max = CONNECTIONS_PER_MINUTE,
    private readonly windowMs = 60_000,
    /** Our clock and the server's differ by the handshake time: stay a little inside the limit. */
    private readonly marginMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before the next attempt is allowed (0: now). */
  delay(): number {
    const t = this.now();
    this.attempts = this.attempts.filter((a) => a > t - this.windowMs - this.marginMs);
    let wait = Math.max(0, this.blockedUntil - t);
    if (this.attempts.length >= this.max) wait = Math.max(wait, this.attempts[this.attempts.length - this.max] + this.windowMs + this.marginMs - t);
    return wait;
  }

  record(): void {
    this.attempts.push(this.now());
  }

  /** The server refused us anyway (HTTP 429): assume the whole window is spent. */
  block(): void {
    this.blockedUntil = this.now() + this.windowMs + this.marginMs;
  }

  inWindow(): number {
    const t = this.now();
    return this.attempts.filter((a) => a > t - this.windowMs).length;
  }
}

// ------------------------------------------------------------------ socket session

class FatalFeedError extends Error {}

interface Frame { text: string; receivedAt: string }

/** Frames waiting for the (possibly slow) consumer; the socket is paused while it is full. */
class FrameQueue {
  private items: Frame[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  get length() {
    return this.items.length;
  }
  push(f: Frame) {
    this.items.push(f);
    this.wake?.();
  }
  end() {
    this.ended = true;
    this.wake?.();
  }
  async next(): Promise<Frame | null> {
    while (this.items.length === 0) {
      if (this.ended) return null;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
    return this.items.shift()!;
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

const rawText = (data: WebSocket.RawData): string =>
  Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');

interface SessionEnd { reason: string; rateLimited: boolean; upMs: number; subscribed: boolean }

export function createBoltOddsAdapter(opts: BoltOddsAdapterOptions): BoltOddsAdapter {
  if (!opts.apiKey) throw new Error('BoltOdds: apiKey is required (set BOLTODDS_API_KEY)');
  registerSecret(opts.apiKey);
  const base = new URL(opts.url);
  if (base.protocol !== 'ws:' && base.protocol !== 'wss:') throw new Error(`BoltOdds: url must be ws:// or wss:// (got ${opts.url}); set BOLTODDS_WS_URL, e.g. wss://spro.agency/api`);
  const pingTimeoutMs = opts.pingTimeoutMs ?? 60_000;
  const resubscribeMs = opts.resubscribeIntervalMs ?? RESUBSCRIBE_INTERVAL_MS;
  const backoff = opts.backoff ?? { initialMs: 500, maxMs: 30_000 };
  const stableAfterMs = opts.stableAfterMs ?? 30_000;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
  const maxQueued = Math.max(1, opts.maxQueuedFrames ?? 64);
  const limit = opts.connectionLimit ?? { max: CONNECTIONS_PER_MINUTE, windowMs: 60_000 };
  const window = new ConnectionWindow(limit.max, limit.windowMs, limit.marginMs ?? Math.min(1_000, limit.windowMs / 10));

  let desired = resolveFilters(opts);
  let state = new BoltOddsState();
  let active: Session | null = null;

  class Session {
    readonly queue = new FrameQueue();
    subscribed = false;
    /** Filters sent in a re-subscription not yet confirmed by subscription_updated. */
    private inFlight: BoltOddsFilters | null = null;
    private sent: BoltOddsFilters | null = null;
    private lastSubscribeAt = 0;
    private resubTimer: NodeJS.Timeout | null = null;
    constructor(readonly ws: WebSocket, private readonly ctx: FeedRunContext) {}

    subscribe(): void {
      this.send(desired);
      state.setFilters(desired);
      state.beginInitialState();
      this.sent = desired;
      this.subscribed = true;
    }

    private send(filters: BoltOddsFilters): void {
      this.lastSubscribeAt = Date.now();
      this.ws.send(JSON.stringify({ action: 'subscribe', filters }));
    }

    /** Same socket, never twice within the provider's 5 s; whatever is desired when the timer fires is sent. */
    requestResubscribe(): void {
      if (!this.subscribed || this.resubTimer || this.ws.readyState !== WebSocket.OPEN) return;
      const wait = this.lastSubscribeAt + resubscribeMs + 50 - Date.now();
      this.resubTimer = setTimeout(() => {
        this.resubTimer = null;
        if (this.ws.readyState !== WebSocket.OPEN) return;
        const target = desired;
        if (sameFilters(target, this.inFlight ?? this.sent ?? {})) return;
        this.inFlight = target;
        this.send(target);
        this.ctx.log.info('boltodds.resubscribe', { filters: target });
      }, Math.max(0, wait));
    }

    onSubscriptionUpdated(): void {
      if (this.inFlight) {
        this.sent = this.inFlight;
        state.setFilters(this.inFlight);
        this.inFlight = null;
      }
      this.ctx.log.info('boltodds.subscription_updated', { filters: this.sent });
      if (!sameFilters(desired, this.sent ?? {})) this.requestResubscribe();
    }

    onRateLimited(): void {
      // The server kept the previous filters; it asks for 5 s from now.
      this.inFlight = null;
      this.lastSubscribeAt = Date.now();
      this.requestResubscribe();
    }

    close(): void {
      if (this.resubTimer) clearTimeout(this.resubTimer);
      this.resubTimer = null;
    }
  }

  async function run(ctx: FeedRunContext): Promise<void> {
    const restored = BoltOddsState.restore(ctx.checkpoint?.state);
    state = restored.state;
    if (restored.error) ctx.log.warn('boltodds.state_unusable', { error: restored.error, hint: 'starting with empty state: unchanged outcomes are emitted once more' });
    let position = ctx.checkpoint?.position ?? null;
    const health: FeedHealth = { connected: false, lastMessageAt: null, lastTickTs: null, reconnects: 0, gaps: 0, rejected: 0, messages: 0 };
    const setHealth = (u: Partial<FeedHealth>) => {
      Object.assign(health, u);
      ctx.health(u);
    };
    /** Reported with the first timestamp after the gap, so from/to bound exactly what was missed. */
    let pendingGap: Omit<FeedGap, 'to'> | null = ctx.checkpoint
      ? { reason: 'reconnect', from: position, detail: 'restarted from a checkpoint: moves between the checkpoint and the new initial_state were not observed' }
      : null;

    const reject = async (raw: string, reason: string, detail: string) => {
      setHealth({ rejected: health.rejected + 1 });
      ctx.log.warn('boltodds.rejected', { reason, detail });
      await ctx.reject(raw, reason, detail);
    };
    const gap = async (g: FeedGap) => {
      setHealth({ gaps: health.gaps + 1 });
      ctx.log.warn('boltodds.gap', { ...g });
      await ctx.gap(g);
    };

    async function handleMessage(session: Session, msg: BoltOddsMessage, receivedAt: string): Promise<void> {
      switch (msg.action) {
        case 'socket_connected':
          if (!session.subscribed) session.subscribe();
          return;
        case 'ping':
          return;
        case 'subscription_updated':
          session.onSubscriptionUpdated();
          return;
        case 'error':
          ctx.log.warn('boltodds.server_error', { message: msg.message });
          if (/rate limit/i.test(msg.message ?? '')) session.onRateLimited();
          return;
      }
      if (pendingGap) {
        const g = pendingGap;
        pendingGap = null;
        await gap({ ...g, to: msg.timestamp });
      }
      const r = state.apply(msg, receivedAt);
      for (const x of r.rejects) await reject(x.raw, x.reason, x.detail);
      for (const g of r.gaps) await gap(g);
      if (r.swept) ctx.log.info('boltodds.swept', { outcomes: r.swept, detail: 'games missing from initial_state were withdrawn while disconnected' });
      position = msg.timestamp;
      await ctx.emit({ ticks: r.ticks }, { position, state: state.snapshot() });
      if (r.ticks.length) setHealth({ lastTickTs: r.ticks[r.ticks.length - 1].ts });
    }

    async function handleFrame(session: Session, frame: Frame): Promise<void> {
      let parsed: unknown;
      try {
        parsed = JSON.parse(frame.text);
      } catch (err) {
        setHealth({ messages: health.messages + 1 });
        return reject(frame.text, 'malformed_json', (err as Error).message);
      }
      const items = Array.isArray(parsed) ? parsed : [parsed];
      for (const item of items) {
        setHealth({ messages: health.messages + 1, lastMessageAt: new Date().toISOString() });
        const raw = Array.isArray(parsed) ? JSON.stringify(item) : frame.text;
        const r = BoltOddsMessageSchema.safeParse(item);
        if (!r.success) {
          const action = (item as { action?: unknown } | null)?.action;
          const known = typeof action === 'string' && (BOLTODDS_ACTIONS as readonly string[]).includes(action);
          await reject(raw, known ? 'schema' : 'unknown_action', r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).slice(0, 5).join('; '));
          continue;
        }
        await handleMessage(session, r.data, frame.receivedAt);
      }
    }

    /** One connection, from upgrade to close; resolves after every frame received was processed. */
    async function connectOnce(): Promise<SessionEnd> {
      const url = new URL(base);
      url.searchParams.set('key', opts.apiKey);
      const ws = new WebSocket(url, { handshakeTimeout: ackTimeoutMs });
      const session = new Session(ws, ctx);
      active = session;
      const end: SessionEnd = { reason: 'closed', rateLimited: false, upMs: 0, subscribed: false };
      let fatal: Error | null = null;
      let openedAt = 0;
      let lastActivity = Date.now();
      let busy = false;
      let ackTimer: NodeJS.Timeout | null = null;

      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        end.reason = `HTTP ${status} on upgrade`;
        if (status === 401 || status === 403) fatal = new FatalFeedError(`BoltOdds refused the API key (HTTP ${status} on the WebSocket upgrade): check BOLTODDS_API_KEY`);
        if (status === 429) end.rateLimited = true;
        res.resume();
        ws.terminate();
      });
      ws.on('open', () => {
        openedAt = Date.now();
        setHealth({ connected: true });
        ackTimer = setTimeout(() => {
          if (session.subscribed) return;
          end.reason = `no socket_connected within ${ackTimeoutMs} ms`;
          ws.terminate();
        }, ackTimeoutMs);
      });
      ws.on('message', (data) => {
        lastActivity = Date.now();
        session.queue.push({ text: rawText(data), receivedAt: new Date().toISOString() });
        if (session.queue.length >= maxQueued && !ws.isPaused) ws.pause();
      });
      ws.on('error', (err) => {
        if (end.reason === 'closed') end.reason = err.message;
      });
      ws.on('close', (code, why) => {
        if (end.reason === 'closed') end.reason = `closed (${code}${why.length ? ` ${why.toString()}` : ''})`;
        session.queue.end();
      });
      const onAbort = () => ws.terminate();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      // Pings are the provider's keep-alive: silence while we are not busy means a dead socket.
      const watchdog = setInterval(() => {
        if (busy || session.queue.length > 0 || ws.readyState !== WebSocket.OPEN) return;
        if (Date.now() - lastActivity > pingTimeoutMs) {
          end.reason = `no message or ping for ${pingTimeoutMs} ms`;
          ctx.log.warn('boltodds.stalled', { pingTimeoutMs });
          ws.terminate();
        }
      }, Math.max(50, Math.min(1_000, pingTimeoutMs / 4)));

      try {
        for (;;) {
          const frame = await session.queue.next();
          if (!frame || ctx.signal.aborted) break;
          busy = true;
          await handleFrame(session, frame);
          busy = false;
          lastActivity = Date.now();
          if (ackTimer && session.subscribed) clearTimeout(ackTimer);
          if (ws.isPaused && session.queue.length <= maxQueued / 2) ws.resume();
        }
      } catch (err) {
        ws.terminate();
        throw err;
      } finally {
        busy = false;
        clearInterval(watchdog);
        if (ackTimer) clearTimeout(ackTimer);
        ctx.signal.removeEventListener('abort', onAbort);
        session.close();
        if (active === session) active = null;
        setHealth({ connected: false });
      }
      if (fatal) throw fatal;
      end.upMs = openedAt ? Date.now() - openedAt : 0;
      end.subscribed = session.subscribed;
      return end;
    }

    let failures = 0;
    let first = true;
    while (!ctx.signal.aborted) {
      const wait = window.delay();
      if (wait > 0) {
        ctx.log.info('boltodds.connection_budget', { waitMs: wait, max: limit.max, windowMs: limit.windowMs });
        await sleep(wait, ctx.signal);
        if (ctx.signal.aborted) break;
      }
      window.record();
      if (!first) setHealth({ reconnects: health.reconnects + 1 });
      first = false;
      const end = await connectOnce();
      if (ctx.signal.aborted) break;
      if (end.rateLimited) window.block();
      if (end.subscribed) pendingGap ??= { reason: 'reconnect', from: position, detail: `connection lost (${end.reason}): moves until the next initial_state were not observed` };
      failures = end.upMs >= stableAfterMs ? 1 : failures + 1;
      const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1)) * (0.8 + Math.random() * 0.4);
      ctx.log.warn('boltodds.disconnected', { reason: end.reason, retryInMs: Math.round(delay), connectionsInWindow: window.inWindow() });
      await sleep(delay, ctx.signal);
    }
  }

  return {
    source: 'boltodds',
    run: (ctx) => run(ctx),
    updateFilters(update) {
      const next: BoltOddsFilters = { ...desired };
      for (const k of ['sports', 'sportsbooks', 'games', 'markets'] as const) {
        if (!(k in update)) continue;
        const v = update[k];
        if (v === undefined) continue;
        if (isAll(v)) delete next[k];
        else next[k] = [...v!];
      }
      desired = next;
      active?.requestResubscribe();
    },
    queuedFrames: () => active?.queue.length ?? 0,
    stateSize: () => state.size(),
  };
}
