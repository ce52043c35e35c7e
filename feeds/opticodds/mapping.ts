// One SSE event → canonical rows (odds ticks, settlements, fixture updates).
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
  isOddsTick,
  OddsTickSchema,
  SettlementSchema,
  type CanonicalRows,
  type FixtureUpdate,
  type OddsTick,
  type Settlement,
} from '../../schemas/odds';
import { fromAmerican, parseAmerican } from '../../odds/price';
import type { RefusedRecord } from '../../rejections/record';
import { opticSettlementId, opticTickId, opticUpdateId } from './ids';
import { isCopilotEntry, isCopilotOdd } from './fast';
import { canonicalMarket } from '../../odds/market';
import { bookOf, lineOf, selectionOf } from './normalize';

const FIXTURE_CACHE_SIZE = 50_000;

// The odds of one entry share their timestamp, and a stream repeats a few markets and books:
// remembering the last answers saves most of the Date formatting and regex work per odd.
let lastSeconds = NaN;
let lastIso = '';
function isoFromSeconds(s: number): string {
  if (s !== lastSeconds) {
    lastIso = new Date(Math.round(s * 1000)).toISOString();
    lastSeconds = s;
  }
  return lastIso;
}
const memo = (f: (k: string) => string) => {
  const m = new Map<string, string>();
  return (k: string): string => {
    let v = m.get(k);
    if (v === undefined) {
      if (m.size >= 10_000) m.clear();
      m.set(k, (v = f(k)));
    }
    return v;
  };
};
const marketOf = memo(canonicalMarket);
const bookBySportsbook = memo((b) => bookOf({ id: '', fixture_id: '', sportsbook: b }));
const bookOfOdd = (odd: CopilotOdd | CopilotSettledOdd): string =>
  odd.sportsbook ? bookBySportsbook(odd.sportsbook) : bookOf(odd);
const isoOrNull = (s: string | null | undefined): string | null => (s ? new Date(Date.parse(s)).toISOString() : null);

/** What fixture-status told us about a fixture: odds entries carry no teams or start time. */
export interface FixtureInfo {
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
  /** Set when one record of an event was refused and the rest loaded. */
  record?: RefusedRecord;
}

/** SSE event names compared as the reference spells them: another casing is the same event. */
export const eventName = (event: string): string => event.trim().toLowerCase();

/**
 * Where a refused odd sat and what replay.ts needs to map it alone: the event (locked or not),
 * the entry id (half of its tick id) and the fixture's teams and start when they were known.
 */
function refusedOdd(event: string, entryId: string, i: number, item: unknown, fixtures: FixtureCache): RefusedRecord {
  const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
  const fx = typeof o.fixture_id === 'string' ? fixtures.get(o.fixture_id) : undefined;
  const context: Record<string, unknown> = { event, entry_id: entryId };
  if (fx) context.fixture = fx;
  return { path: `data[${i}]`, id: typeof o.id === 'string' && o.id !== '' ? o.id : null, context };
}

export interface MappedEntry {
  entryId: string;
  rows: CanonicalRows;
  rejects: Rejection[];
  /** Latest provider time in the payload (ms): a fallback clock when entry ids are not time-based. */
  payloadTimeMs: number;
}

const issuesOf = (e: z.ZodError): string =>
  e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

/** Real streams may say `is_live`; otherwise: the fixture went live, or the quote is after its start. */
function isLive(fx: FixtureInfo | undefined, ts: string): boolean {
  if (!fx) return false;
  if (fx.status) return fx.status.toLowerCase() === 'live';
  return fx.start !== null && Date.parse(ts) >= Date.parse(fx.start);
}

function tickOf(
  odd: CopilotOdd,
  entryId: string,
  locked: boolean,
  receivedAt: string,
  fixtures: FixtureCache,
): OddsTick {
  const market = marketOf(odd.market);
  const fx = fixtures.get(odd.fixture_id);
  const american = locked ? null : parseAmerican(odd.price);
  const ts = isoFromSeconds(odd.timestamp);
  const price = fromAmerican(american);
  return {
    tick_id: opticTickId(entryId, odd.id),
    source: 'opticodds',
    book: bookOfOdd(odd),
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
    price_american: price.price_american,
    price_decimal: price.price_decimal,
    implied_prob: price.implied_prob,
    is_main: typeof odd.is_main === 'boolean' ? odd.is_main : null,
    is_live: typeof odd.is_live === 'boolean' ? odd.is_live : isLive(fx, ts),
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
    book: bookOfOdd(odd),
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

/** A fixture-status is one record: the whole event is what replay.ts maps again. */
function refusedFixture(json: unknown): RefusedRecord {
  const o = (typeof json === 'object' && json !== null ? json : {}) as {
    entry_id?: unknown;
    data?: { fixture_id?: unknown };
  };
  const id = typeof o.data?.fixture_id === 'string' && o.data.fixture_id !== '' ? o.data.fixture_id : null;
  return {
    path: 'data',
    id,
    context: { event: 'fixture-status', entry_id: typeof o.entry_id === 'string' ? o.entry_id : null },
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
    if (!p.success)
      return {
        ok: false,
        reject: {
          raw: data,
          reason: 'schema',
          detail: `fixture-status: ${issuesOf(p.error)}`,
          record: refusedFixture(json),
        },
      };
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
    else
      rejects.push({
        raw: data,
        reason: 'schema',
        detail: `fixture-status → FixtureUpdate: ${issuesOf(v.error)}`,
        record: refusedFixture(json),
      });
    return { ok: true, entry: { entryId: p.data.entry_id, rows, rejects, payloadTimeMs: d.timestamp * 1000 } };
  }

  let envelope: { entry_id: string; data: unknown[] };
  if (isCopilotEntry(json)) envelope = json;
  else {
    const env = CopilotEntrySchema.safeParse(json);
    if (!env.success)
      return { ok: false, reject: { raw: data, reason: 'schema', detail: `${event}: ${issuesOf(env.error)}` } };
    envelope = env.data;
  }
  const entryId = envelope.entry_id;
  const items = envelope.data;
  let payloadTimeMs = 0;
  const refuse = (i: number, reason: string, detail: string) =>
    rejects.push({
      raw: JSON.stringify(items[i]) ?? 'null',
      reason,
      detail,
      record: refusedOdd(event, entryId, i, items[i], fixtures),
    });
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (event === 'copilot-settled-odds') {
      const p = CopilotSettledOddSchema.safeParse(item);
      if (!p.success) {
        refuse(i, 'schema', `${event} ${entryId}: ${issuesOf(p.error)}`);
        continue;
      }
      payloadTimeMs = Math.max(payloadTimeMs, p.data.timestamp * 1000);
      const v = SettlementSchema.safeParse(settlementOf(p.data, entryId, receivedAt));
      if (v.success) rows.settlements.push(v.data);
      else refuse(i, 'schema', `${event} ${entryId} → Settlement: ${issuesOf(v.error)}`);
      continue;
    }
    let odd: CopilotOdd;
    if (isCopilotOdd(item)) odd = item;
    else {
      const p = CopilotOddSchema.safeParse(item);
      if (!p.success) {
        refuse(i, 'schema', `${event} ${entryId}: ${issuesOf(p.error)}`);
        continue;
      }
      odd = p.data;
    }
    payloadTimeMs = Math.max(payloadTimeMs, odd.timestamp * 1000);
    let tick: OddsTick;
    try {
      tick = tickOf(odd, entryId, event === 'copilot-locked-odds', receivedAt, fixtures);
    } catch (e) {
      refuse(i, 'bad_price', `${event} ${entryId} odd ${odd.id}: ${(e as Error).message}`);
      continue;
    }
    if (isOddsTick(tick)) {
      rows.ticks.push(tick);
      continue;
    }
    const v = OddsTickSchema.safeParse(tick);
    if (v.success) rows.ticks.push(v.data);
    else refuse(i, 'schema', `${event} ${entryId} → OddsTick: ${issuesOf(v.error)}`);
  }
  return { ok: true, entry: { entryId, rows, rejects, payloadTimeMs } };
}
