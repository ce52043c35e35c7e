/**
 * OpticOdds copilot odds stream (SSE) adapter. Spec: /work/shared/reference/opticodds-copilot-odds-stream.txt.
 *
 * One SSE connection per (sport, ≤10 leagues) group, all running at once; each resumes with
 * `last_entry_id` and dedupes on `entry_id`. The checkpoint position is JSON `{ [groupKey]: lastEntryId }`.
 */
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import type { z } from 'zod';
import {
  CopilotEntrySchema,
  CopilotOddSchema,
  CopilotSettledOddSchema,
  FixtureStatusSchema,
  type CopilotOdd,
  type CopilotSettledOdd,
} from '../../schemas/opticodds';
import {
  FixtureUpdateSchema,
  OddsTickSchema,
  SettlementSchema,
  type CanonicalRows,
  type FixtureUpdate,
  type OddsTick,
  type Settlement,
} from '../../schemas/odds';
import { fromAmerican, parseAmerican } from '../odds/price';
import { SseParser, type SseEvent } from './sse';
import type { FeedAdapter, FeedCheckpoint, FeedHealth, FeedRunContext } from './types';

// ---------------------------------------------------------------------------------------------
// Options and defaults

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
export const DEFAULT_MARKETS = ['Moneyline', 'Point Spread', 'Total Points', 'Run Line', 'Total Runs', 'Puck Line', 'Total Goals'];
export const DEFAULT_LEAGUE_SPORTS: Record<string, string> = {
  NFL: 'football',
  NCAAF: 'football',
  CFL: 'football',
  UFL: 'football',
  NBA: 'basketball',
  NCAAB: 'basketball',
  WNBA: 'basketball',
  NCAAW: 'basketball',
  MLB: 'baseball',
  NCAABASEBALL: 'baseball',
  NHL: 'hockey',
  MLS: 'soccer',
  EPL: 'soccer',
  ATP: 'tennis',
  WTA: 'tennis',
};
/** The reference: "we recommend grouping up to 10 leagues per connection". */
export const MAX_LEAGUES_PER_CONNECTION = 10;
const DEFAULT_PING_TIMEOUT_MS = 30_000;
/** Until the server sends `retry:` (the reference shows 5000). */
const DEFAULT_RETRY_MS = 5_000;
const MAX_BACKOFF_MS = 60_000;
/**
 * Client/server clock disagreement tolerated when deciding whether an entry was replayed: an
 * entry created less than this before the reconnect counts as live (a gap is reported rather
 * than missed when clocks disagree).
 */
const CLOCK_TOLERANCE_MS = 500;
const FIXTURE_CACHE_SIZE = 50_000;

// ---------------------------------------------------------------------------------------------
// Deterministic ids (the sandbox uses these same functions for its ground truth)

/** An entry carries many odds: the pair (entry, odd) is one price move. */
export const opticTickId = (entryId: string, oddId: string): string => `opticodds:${entryId}:${oddId}`;
export const opticSettlementId = (entryId: string, oddId: string): string => `opticodds:${entryId}:${oddId}`;
export const opticUpdateId = (entryId: string, fixtureId: string): string => `opticodds:${entryId}:${fixtureId}`;

/** "<ms>-<seq>" → [ms, seq]; ordering of entry ids is numeric, not lexical. */
export function parseEntryId(id: string): [number, number] | null {
  const m = /^(\d+)-(\d+)$/.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function compareEntryIds(a: string, b: string): number {
  const pa = parseEntryId(a);
  const pb = parseEntryId(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  return pa[0] - pb[0] || pa[1] - pb[1];
}

// ---------------------------------------------------------------------------------------------
// Groups (one SSE connection each)

export interface StreamGroup {
  /** Stable across restarts for the same configuration: the checkpoint is keyed by it. */
  key: string;
  sport: string;
  leagues: string[];
}

export function planGroups(leagues: string[], leagueSports: Record<string, string> = {}): StreamGroup[] {
  const sports = new Map<string, string>();
  for (const [l, s] of Object.entries({ ...DEFAULT_LEAGUE_SPORTS, ...leagueSports })) sports.set(l.toUpperCase(), s);
  const bySport = new Map<string, string[]>();
  for (const league of [...new Set(leagues)]) {
    const sport = leagueSports[league] ?? sports.get(league.toUpperCase());
    if (!sport) {
      throw new Error(
        `OpticOdds league "${league}" has no known sport (the stream URL needs one): pass leagueSports: { "${league}": "<sport>" } (e.g. soccer, tennis).`,
      );
    }
    bySport.set(sport, [...(bySport.get(sport) ?? []), league]);
  }
  const groups: StreamGroup[] = [];
  for (const [sport, ls] of [...bySport].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...ls].sort();
    for (let i = 0; i < sorted.length; i += MAX_LEAGUES_PER_CONNECTION) {
      const chunk = sorted.slice(i, i + MAX_LEAGUES_PER_CONNECTION);
      groups.push({ key: `${sport}:${chunk.join(',')}`, sport, leagues: chunk });
    }
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------
// Normalization

const SPREAD_NAMES = new Set(['point spread', 'spread', 'run line', 'puck line', 'handicap', 'asian handicap']);
const TOTAL_NAMES = new Set(['total points', 'total', 'totals', 'total runs', 'total goals', 'over/under']);
const MONEYLINE_NAMES = new Set(['moneyline', 'money line', 'ml']);

export function canonicalMarket(raw: string): string {
  const m = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  if (MONEYLINE_NAMES.has(m)) return 'moneyline';
  if (SPREAD_NAMES.has(m)) return 'spread';
  if (TOTAL_NAMES.has(m)) return 'total';
  return m.replace(/ /g, '_');
}

const slug = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, '_');

/**
 * Real streams carry `sportsbook`. The reference's copilot examples do not: their `id` is
 * "1:-1:<odd_id>" (the leading segments are not a book name; "-1" is `version_id`), so nothing
 * names a book and the row says 'unknown' rather than guess. An id in the
 * "<fixture_id>:<book>:<market>:<selection>" form names its book in the second segment.
 */
export function bookOf(odd: { id: string; fixture_id: string; sportsbook?: string | null }): string {
  if (odd.sportsbook && odd.sportsbook.trim()) return slug(odd.sportsbook);
  if (odd.id.startsWith(`${odd.fixture_id}:`)) {
    const seg = odd.id.slice(odd.fixture_id.length + 1).split(':')[0];
    if (seg && !/^-?\d+$/.test(seg)) return slug(seg);
  }
  return 'unknown';
}

function overUnder(odd: { selection_line?: string | null; name: string }): 'Over' | 'Under' | null {
  const raw = (odd.selection_line ?? '').toLowerCase() || (/\b(over|under)\b/i.exec(odd.name)?.[1] ?? '').toLowerCase();
  return raw === 'over' ? 'Over' : raw === 'under' ? 'Under' : null;
}

export function selectionOf(odd: { selection?: string | null; selection_line?: string | null; name: string }, market: string): string {
  const ou = overUnder(odd);
  let who = (odd.selection ?? '').trim();
  if (ou) {
    // Settled odds have no `selection`: "Miami Heat Over 105.5" still names the team.
    if (!who) who = (/^(.*?)\b(?:over|under)\b/i.exec(odd.name)?.[1] ?? '').trim();
    return market === 'total' || !who ? ou : `${who} ${ou}`;
  }
  return who || odd.name;
}

/** Spread: signed for this selection; total: positive; moneyline: none. Settled odds lack `points`: read it off the name. */
export function lineOf(odd: { points?: number | null; selection_line?: string | null; name: string }, market: string): number | null {
  if (market === 'moneyline') return null;
  let n: number | null = typeof odd.points === 'number' && Number.isFinite(odd.points) ? odd.points : null;
  if (n === null && (market === 'spread' || market === 'total' || overUnder(odd))) {
    const m = /([+-]?\d+(?:\.\d+)?)\s*$/.exec(odd.name);
    n = m ? Number(m[1]) : null;
  }
  if (n === null) return null;
  return market === 'total' ? Math.abs(n) : n;
}

const isoFromSeconds = (s: number): string => new Date(Math.round(s * 1000)).toISOString();
const isoOrNull = (s: string | null | undefined): string | null => (s ? new Date(Date.parse(s)).toISOString() : null);

/** What fixture-status told us about a fixture: odds entries carry no teams or start time. */
interface FixtureInfo {
  home: string;
  away: string;
  start: string | null;
  status: string | null;
}

export class FixtureCache {
  private map = new Map<string, FixtureInfo>();
  get(id: string): FixtureInfo | undefined {
    return this.map.get(id);
  }
  set(id: string, info: FixtureInfo): void {
    this.map.delete(id);
    this.map.set(id, info);
    if (this.map.size > FIXTURE_CACHE_SIZE) this.map.delete(this.map.keys().next().value as string);
  }
}

export interface Rejection {
  raw: string;
  reason: string;
  detail: string;
}

export interface MappedEntry {
  entryId: string;
  rows: CanonicalRows;
  rejects: Rejection[];
  /** Latest provider time in the payload (ms): a fallback clock when entry ids are not time-based. */
  payloadTimeMs: number;
}

const issuesOf = (e: z.ZodError): string => e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

/** Real streams may say `is_live`; otherwise: the fixture went live, or the quote is after its start. */
function isLive(fx: FixtureInfo | undefined, ts: string): boolean {
  if (!fx) return false;
  if (fx.status) return fx.status.toLowerCase() === 'live';
  return fx.start !== null && Date.parse(ts) >= Date.parse(fx.start);
}

function tickOf(odd: CopilotOdd, entryId: string, locked: boolean, receivedAt: string, fixtures: FixtureCache): OddsTick {
  const market = canonicalMarket(odd.market);
  const fx = fixtures.get(odd.fixture_id);
  const american = locked ? null : parseAmerican(odd.price);
  const ts = isoFromSeconds(odd.timestamp);
  return {
    tick_id: opticTickId(entryId, odd.id),
    source: 'opticodds',
    book: bookOf(odd),
    sport: odd.sport,
    league: odd.league,
    event_key: odd.game_id,
    provider_event_id: odd.fixture_id,
    provider_odd_id: odd.id,
    home_team: fx?.home ?? '',
    away_team: fx?.away ?? '',
    start_time: fx?.start ?? null,
    market,
    market_raw: odd.market,
    selection: selectionOf(odd, market),
    line: lineOf(odd, market),
    ...fromAmerican(american),
    is_main: odd.is_main ?? null,
    is_live: odd.is_live ?? isLive(fx, ts),
    // A copilot-odds item without a price is quoted but not bettable: the same thing as locked.
    locked: locked || american === null,
    removed: false,
    ts,
    received_at: receivedAt,
  };
}

function settlementOf(odd: CopilotSettledOdd, entryId: string, receivedAt: string): Settlement {
  const market = canonicalMarket(odd.market);
  return {
    settlement_id: opticSettlementId(entryId, odd.id),
    source: 'opticodds',
    book: bookOf(odd),
    sport: odd.sport,
    league: odd.league,
    event_key: odd.game_id,
    provider_odd_id: odd.id,
    market,
    market_raw: odd.market,
    selection: selectionOf(odd, market),
    line: lineOf(odd, market),
    result: odd.settlement,
    settled_at: isoOrNull(odd.settled_at),
    ts: isoFromSeconds(odd.timestamp),
    received_at: receivedAt,
  };
}

/**
 * One SSE event → canonical rows. Returns a rejection (whole event) when the envelope is unusable,
 * else rows plus per-item rejections (one bad odd never costs the other odds of its entry).
 */
export function mapOpticOddsEvent(
  event: string,
  data: string,
  receivedAt: string,
  fixtures: FixtureCache,
): { ok: true; entry: MappedEntry } | { ok: false; reject: Rejection } {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (e) {
    return { ok: false, reject: { raw: data, reason: 'malformed_json', detail: `${event}: ${(e as Error).message}` } };
  }
  const rows: CanonicalRows = { ticks: [], settlements: [], fixtures: [] };
  const rejects: Rejection[] = [];

  if (event === 'fixture-status') {
    const p = FixtureStatusSchema.safeParse(json);
    if (!p.success) return { ok: false, reject: { raw: data, reason: 'schema', detail: `fixture-status: ${issuesOf(p.error)}` } };
    const d = p.data.data;
    const prev = fixtures.get(d.fixture_id);
    const home = d.fixture?.home_team_display ?? prev?.home ?? '';
    const away = d.fixture?.away_team_display ?? prev?.away ?? '';
    // A status-only change keeps the fixture's current start (so the row always says when it starts).
    const start = isoOrNull(d.new_start_date) ?? isoOrNull(d.fixture?.start_date) ?? prev?.start ?? null;
    fixtures.set(d.fixture_id, { home, away, start, status: d.new_status ?? prev?.status ?? null });
    const row: FixtureUpdate = {
      update_id: opticUpdateId(p.data.entry_id, d.fixture_id),
      source: 'opticodds',
      event_key: d.game_id,
      provider_event_id: d.fixture_id,
      sport: d.sport,
      league: d.league,
      home_team: home,
      away_team: away,
      start_time: start,
      previous_start_time: isoOrNull(d.old_start_date),
      status: d.new_status ?? null,
      previous_status: d.old_status ?? null,
      ts: isoFromSeconds(d.timestamp),
      received_at: receivedAt,
    };
    const v = FixtureUpdateSchema.safeParse(row);
    if (v.success) rows.fixtures.push(v.data);
    else rejects.push({ raw: data, reason: 'schema', detail: `fixture-status → FixtureUpdate: ${issuesOf(v.error)}` });
    return { ok: true, entry: { entryId: p.data.entry_id, rows, rejects, payloadTimeMs: d.timestamp * 1000 } };
  }

  const env = CopilotEntrySchema.safeParse(json);
  if (!env.success) return { ok: false, reject: { raw: data, reason: 'schema', detail: `${event}: ${issuesOf(env.error)}` } };
  const entryId = env.data.entry_id;
  let payloadTimeMs = 0;
  for (const item of env.data.data) {
    const raw = JSON.stringify(item);
    if (event === 'copilot-settled-odds') {
      const p = CopilotSettledOddSchema.safeParse(item);
      if (!p.success) {
        rejects.push({ raw, reason: 'schema', detail: `${event} ${entryId}: ${issuesOf(p.error)}` });
        continue;
      }
      payloadTimeMs = Math.max(payloadTimeMs, p.data.timestamp * 1000);
      const v = SettlementSchema.safeParse(settlementOf(p.data, entryId, receivedAt));
      if (v.success) rows.settlements.push(v.data);
      else rejects.push({ raw, reason: 'schema', detail: `${event} ${entryId} → Settlement: ${issuesOf(v.error)}` });
      continue;
    }
    const p = CopilotOddSchema.safeParse(item);
    if (!p.success) {
      rejects.push({ raw, reason: 'schema', detail: `${event} ${entryId}: ${issuesOf(p.error)}` });
      continue;
    }
    payloadTimeMs = Math.max(payloadTimeMs, p.data.timestamp * 1000);
    let tick: OddsTick;
    try {
      tick = tickOf(p.data, entryId, event === 'copilot-locked-odds', receivedAt, fixtures);
    } catch (e) {
      rejects.push({ raw, reason: 'bad_price', detail: `${event} ${entryId} odd ${p.data.id}: ${(e as Error).message}` });
      continue;
    }
    const v = OddsTickSchema.safeParse(tick);
    if (v.success) rows.ticks.push(v.data);
    else rejects.push({ raw, reason: 'schema', detail: `${event} ${entryId} → OddsTick: ${issuesOf(v.error)}` });
  }
  return { ok: true, entry: { entryId, rows, rejects, payloadTimeMs } };
}

// ---------------------------------------------------------------------------------------------
// Checkpoint

/** Position: JSON `{ [groupKey]: lastEntryId }`. A bare entry id (hand-written) applies to every group. */
export function parsePosition(position: string | null | undefined): { positions: Record<string, string>; bare: string | null; error?: string } {
  if (!position) return { positions: {}, bare: null };
  if (parseEntryId(position)) return { positions: {}, bare: position };
  try {
    const obj = JSON.parse(position) as unknown;
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not an object');
    const positions: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (typeof v === 'string' && parseEntryId(v)) positions[k] = v;
    }
    return { positions, bare: null };
  } catch (e) {
    return { positions: {}, bare: null, error: (e as Error).message };
  }
}

// ---------------------------------------------------------------------------------------------
// Runner

class FatalFeedError extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const fingerprint = (ev: SseEvent): string => createHash('sha1').update(ev.event).update('\n').update(ev.data).digest('hex');

interface GroupState {
  group: StreamGroup;
  /** Last entry handed to emit (the resume point). */
  position: string | null;
  /** Events already processed whose entry_id equals `position` (several events may share one entry). */
  atPosition: Set<string>;
  retryMs: number;
  connected: boolean;
  /** When the previous connection of this group ended (ms), for the replay check. */
  lostAt: number | null;
  everConnected: boolean;
}

export function createOpticOddsAdapter(opts: OpticOddsAdapterOptions): FeedAdapter {
  const leagues = opts.leagues && opts.leagues.length > 0 ? opts.leagues : DEFAULT_LEAGUES;
  const markets = opts.markets && opts.markets.length > 0 ? opts.markets : DEFAULT_MARKETS;
  const groups = planGroups(leagues, opts.leagueSports);
  const pingTimeoutMs = opts.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  const includeFixtureUpdates = opts.includeFixtureUpdates ?? true;
  const base = opts.baseUrl.replace(/\/+$/, '');
  if (!opts.apiKey) throw new Error('OpticOdds needs an API key: set OPTICODDS_API_KEY.');

  function urlFor(g: StreamGroup, lastEntryId: string | null): string {
    const q = new URLSearchParams();
    q.append('key', opts.apiKey);
    for (const l of g.leagues) q.append('league', l);
    for (const b of opts.sportsbooks ?? []) q.append('sportsbook', b);
    for (const m of markets) q.append('market', m);
    if (opts.isMain !== undefined) q.append('is_main', String(opts.isMain));
    if (includeFixtureUpdates) q.append('include_fixture_updates', 'true');
    if (lastEntryId) q.append('last_entry_id', lastEntryId);
    return `${base}/api/v3/stream/copilot/${encodeURIComponent(g.sport)}/odds?${q.toString()}`;
  }

  return {
    source: 'opticodds',
    async run(ctx: FeedRunContext): Promise<void> {
      const log = ctx.log.child({ feed: 'opticodds' });
      const parsed = parsePosition(ctx.checkpoint?.position);
      const positions: Record<string, string> = { ...parsed.positions };
      const health: FeedHealth = { connected: false, lastMessageAt: null, lastTickTs: null, reconnects: 0, gaps: 0, rejected: 0, messages: 0 };
      const fixtures = new FixtureCache();
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      if (ctx.signal.aborted) stop.abort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });
      const agent = new Agent({ keepAliveTimeout: 1_000 });

      // Every ctx call goes through one queue: positions of one group only reach a checkpoint
      // after that group's rows were handed to emit, and emit backpressure applies to all groups.
      let chain: Promise<unknown> = Promise.resolve();
      // A failing sink is fatal: the in-memory position has moved past rows that are not durable,
      // so only a restart from the last durable checkpoint is safe.
      const serial = <T>(fn: () => Promise<T>): Promise<T> => {
        const p = chain.then(fn).catch((e: unknown) => {
          if (e instanceof FatalFeedError) throw e;
          throw new FatalFeedError(`OpticOdds: the sink failed (${(e as Error)?.message ?? String(e)}); restart from the last durable checkpoint.`, { cause: e });
        });
        chain = p.catch(() => undefined);
        return p;
      };
      const pushHealth = (u: Partial<FeedHealth>) => {
        Object.assign(health, u);
        ctx.health(u);
      };
      const reject = (r: Rejection) =>
        serial(async () => {
          health.rejected++;
          await ctx.reject(r.raw, r.reason, r.detail);
          ctx.health({ rejected: health.rejected });
        });
      const gap = (g: { reason: string; from: string | null; to: string | null; detail: string }) =>
        serial(async () => {
          health.gaps++;
          log.warn('opticodds.gap', { ...g });
          await ctx.gap(g);
          ctx.health({ gaps: health.gaps });
        });

      const states: GroupState[] = groups.map((group) => ({
        group,
        position: positions[group.key] ?? parsed.bare,
        atPosition: new Set(),
        retryMs: DEFAULT_RETRY_MS,
        connected: false,
        lostAt: null,
        everConnected: false,
      }));
      const stale = Object.keys(positions).filter((k) => !groups.some((g) => g.key === k));
      if (stale.length > 0) log.info('opticodds.checkpoint_keys_kept', { keys: stale, note: 'not in the current league set; kept in the checkpoint' });
      // Every group's start point goes into each checkpoint, so one group's emit never drops another's.
      for (const st of states) if (st.position) positions[st.group.key] = st.position;
      const setConnected = (st: GroupState, c: boolean) => {
        st.connected = c;
        const any = states.some((s) => s.connected);
        if (any !== health.connected) pushHealth({ connected: any });
      };

      /** One connection: returns whether it made progress (an event arrived); throws FatalFeedError. */
      async function connectOnce(st: GroupState): Promise<boolean> {
        const g = st.group;
        const conn = new AbortController();
        const signal = AbortSignal.any([stop.signal, conn.signal]);
        const resumeFrom = st.position;
        const openedAt = Date.now();
        // Entries created before the previous connection ended are certainly replayed; half the
        // outage (at most CLOCK_TOLERANCE_MS) is the margin for clock disagreement.
        const tolerance = st.lostAt === null ? CLOCK_TOLERANCE_MS : Math.min(CLOCK_TOLERANCE_MS, Math.max(0, (openedAt - st.lostAt) / 2));
        let firstChecked = resumeFrom === null;
        let progressed = false;
        let stalled = false;
        let busy = false;
        let lastAlive = Date.now();
        const watchdog = setInterval(() => {
          if (!busy && Date.now() - lastAlive > pingTimeoutMs) {
            stalled = true;
            conn.abort();
          }
        }, Math.max(10, Math.min(1_000, pingTimeoutMs / 4)));

        try {
          let res: Awaited<ReturnType<typeof request>>;
          try {
            res = await request(urlFor(g, resumeFrom), {
              method: 'GET',
              dispatcher: agent,
              signal,
              headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' },
              headersTimeout: pingTimeoutMs,
              bodyTimeout: 0,
            });
          } catch (e) {
            if (!stop.signal.aborted) log.warn('opticodds.connect_failed', { group: g.key, error: stalled ? 'no response headers' : (e as Error).message });
            return false;
          }
          if (res.statusCode !== 200) {
            const text = (await res.body.text().catch(() => '')).slice(0, 300);
            const what = `OpticOdds stream ${g.sport} [${g.leagues.join(', ')}] answered HTTP ${res.statusCode}: ${text}`;
            if (res.statusCode === 401 || res.statusCode === 403) throw new FatalFeedError(`${what}. The API key was refused: check OPTICODDS_API_KEY.`);
            if ([400, 404, 405, 422].includes(res.statusCode)) {
              throw new FatalFeedError(`${what}. The request was refused: check the sport/league/market/sportsbook settings (OPTICODDS_LEAGUES, …) and OPTICODDS_BASE_URL.`);
            }
            log.warn('opticodds.http_error', { group: g.key, status: res.statusCode, body: text });
            return false;
          }
          const parser = new SseParser();
          try {
            for await (const chunk of res.body) {
              // Any bytes are a sign of life (a large event may span many chunks); only silence is a stall.
              lastAlive = Date.now();
              const events = parser.push(chunk as Buffer);
              if (parser.retry !== undefined) st.retryMs = parser.retry;
              if (events.length === 0) continue;
              if (!progressed) {
                progressed = true;
                st.everConnected = true;
                setConnected(st, true);
              }
              busy = true;
              try {
                firstChecked = await handle(st, events, { resumeFrom, openedAt, tolerance, firstChecked });
              } finally {
                busy = false;
                lastAlive = Date.now();
              }
            }
            if (!stop.signal.aborted) log.info('opticodds.stream_ended', { group: g.key, midEvent: parser.midEvent });
          } catch (e) {
            if (e instanceof FatalFeedError) throw e;
            if (stop.signal.aborted) return progressed;
            if (stalled) log.warn('opticodds.stalled', { group: g.key, silentMs: Date.now() - lastAlive, pingTimeoutMs });
            else log.warn('opticodds.disconnected', { group: g.key, error: (e as Error).message, midEvent: parser.midEvent });
          } finally {
            if (!res.body.destroyed) res.body.destroy();
          }
          return progressed;
        } finally {
          clearInterval(watchdog);
          st.lostAt = Date.now();
          setConnected(st, false);
        }
      }

      /** Processes the events of one chunk and emits them as one batch; returns the updated firstChecked. */
      async function handle(
        st: GroupState,
        events: SseEvent[],
        c: { resumeFrom: string | null; openedAt: number; tolerance: number; firstChecked: boolean },
      ): Promise<boolean> {
        let firstChecked = c.firstChecked;
        const rows: CanonicalRows = { ticks: [], settlements: [], fixtures: [] };
        let advanced = false;
        const receivedAt = new Date().toISOString();
        for (const ev of events) {
          health.messages++;
          health.lastMessageAt = receivedAt;
          if (ev.event === 'connected' || ev.event === 'ping') {
            if (ev.event === 'connected') log.info('opticodds.connected', { group: st.group.key, resumeFrom: c.resumeFrom });
            continue;
          }
          if (!['copilot-odds', 'copilot-locked-odds', 'copilot-settled-odds', 'fixture-status'].includes(ev.event)) {
            await reject({ raw: ev.data, reason: 'unknown_event', detail: `unexpected SSE event "${ev.event}" on ${st.group.key}` });
            continue;
          }
          const m = mapOpticOddsEvent(ev.event, ev.data, receivedAt, fixtures);
          if (!m.ok) {
            await reject(m.reject);
            continue;
          }
          const { entryId } = m.entry;
          const fp = fingerprint(ev);
          if (st.position !== null) {
            const cmp = compareEntryIds(entryId, st.position);
            if (cmp < 0 || (cmp === 0 && st.atPosition.has(fp))) {
              log.debug('opticodds.duplicate_entry', { group: st.group.key, entryId, position: st.position });
              continue;
            }
          }
          if (!firstChecked && c.resumeFrom !== null && compareEntryIds(entryId, c.resumeFrom) > 0) {
            firstChecked = true;
            const created = entryCreatedMs(entryId, m.entry.payloadTimeMs);
            if (created >= c.openedAt - c.tolerance) {
              await gap({
                reason: 'entry_id_gap',
                from: c.resumeFrom,
                to: entryId,
                detail:
                  `${st.group.key}: resumed with last_entry_id=${c.resumeFrom} but the first new entry ${entryId} was created ` +
                  `${created - c.openedAt} ms after the reconnect, so nothing was replayed: entries after ${c.resumeFrom} and before ${entryId} may be missing ` +
                  `(or the stream was quiet while disconnected).`,
              });
            }
          }
          for (const r of m.entry.rejects) await reject(r);
          if (st.position === null || compareEntryIds(entryId, st.position) !== 0) st.atPosition.clear();
          st.position = entryId;
          st.atPosition.add(fp);
          advanced = true;
          rows.ticks.push(...m.entry.rows.ticks);
          rows.settlements.push(...m.entry.rows.settlements);
          rows.fixtures.push(...m.entry.rows.fixtures);
        }
        if (advanced) {
          const position = st.position as string;
          await serial(async () => {
            positions[st.group.key] = position;
            const checkpoint: FeedCheckpoint = { position: JSON.stringify(positions) };
            await ctx.emit(rows, checkpoint);
          });
          for (const t of rows.ticks) if (!health.lastTickTs || t.ts > health.lastTickTs) health.lastTickTs = t.ts;
        }
        ctx.health({ messages: health.messages, lastMessageAt: health.lastMessageAt, lastTickTs: health.lastTickTs });
        return firstChecked;
      }

      async function runGroup(st: GroupState): Promise<void> {
        let failures = 0;
        let first = true;
        while (!stop.signal.aborted) {
          if (!first) pushHealth({ reconnects: health.reconnects + 1 });
          if (!first && st.position === null && st.everConnected) {
            await gap({
              reason: 'reconnect',
              from: null,
              to: null,
              detail: `${st.group.key}: reconnecting before any entry arrived, so there is no last_entry_id to resume from; entries produced while disconnected may be missing.`,
            });
          }
          first = false;
          const progressed = await connectOnce(st);
          if (stop.signal.aborted) break;
          failures = progressed ? 0 : failures + 1;
          const delay = failures === 0 ? st.retryMs : Math.min(MAX_BACKOFF_MS, st.retryMs * 2 ** Math.min(failures - 1, 10));
          log.info('opticodds.reconnect_in', { group: st.group.key, ms: delay, failures });
          await sleep(delay, stop.signal);
        }
      }

      log.info('opticodds.start', { groups: groups.map((g) => g.key), resume: states.map((s) => s.position) });
      let fatal: unknown;
      try {
        if (parsed.error) {
          await gap({ reason: 'checkpoint_unreadable', from: null, to: null, detail: `checkpoint position could not be read (${parsed.error}); starting from now` });
        }
        await Promise.all(
          states.map((st) =>
            runGroup(st).catch((e: unknown) => {
              fatal ??= e;
              stop.abort();
            }),
          ),
        );
        await chain;
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        stop.abort();
        await agent.destroy().catch(() => undefined);
        pushHealth({ connected: false });
      }
      if (fatal) throw fatal;
    },
  };
}

/**
 * When an entry was created. Entry ids are Redis-stream ids whose ms part is the creation time
 * (the reference's fixture-status example: entry_id 1724871720243-0, timestamp 1724871720.24).
 * An id far from the wall clock is evidently not time-based, so the payload's own time is used.
 */
function entryCreatedMs(entryId: string, payloadTimeMs: number): number {
  const ms = parseEntryId(entryId)?.[0] ?? 0;
  if (Math.abs(ms - Date.now()) < 86_400_000) return ms;
  return payloadTimeMs;
}
