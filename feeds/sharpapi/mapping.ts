// Normalization: an odds object → a tick, a removed id → a removal tick, odds ids, market names.
import type { OddsTick } from '../../schemas/odds';
import { RemovedEntrySchema, SharpApiOddsSchema, type SharpApiOdds } from '../../schemas/sharpapi';
import { fromAmerican, parseAmerican, type NormalizedPrice } from '../../odds/price';
import { canonicalMarket } from '../../odds/market';
import { sharpApiRemovalTickId, sharpApiTickId } from './ids';
import type { DescribedOdd } from '../types';

function canonicalSelection(
  o: Pick<SharpApiOdds, 'selection' | 'selection_type' | 'home_team' | 'away_team'>,
  market: string,
): string {
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
    throw new PriceMismatchError(
      `odds_decimal ${o.odds_decimal} disagrees with odds_american ${o.odds_american} (${p.price_decimal.toFixed(4)})`,
    );
  if (o.odds_probability != null && Math.abs(o.odds_probability - p.implied_prob) > 0.01)
    throw new PriceMismatchError(
      `odds_probability ${o.odds_probability} disagrees with odds_american ${o.odds_american} (${p.implied_prob.toFixed(4)})`,
    );
}

/** One odds object → one tick. Throws RangeError (unparseable price) or PriceMismatchError. */
export function sharpApiOddsToTick(o: SharpApiOdds, receivedAt: string): OddsTick {
  const american = parseAmerican(o.odds_american);
  const price = fromAmerican(american);
  checkTriple(o, price);
  const market = canonicalMarket(o.market_type);
  const rawLine = o.line ?? null;
  return {
    tick_id: sharpApiTickId({
      id: o.id,
      lastSeenAt: o.last_seen_at,
      oddsAmerican: american,
      line: rawLine,
      removed: false,
    }),
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

export type MappedOdd =
  | { ok: true; odd: SharpApiOdds; tick: OddsTick }
  | { ok: false; reason: 'schema' | 'price' | 'price_inconsistent'; detail: string };

const issuesOf = (issues: readonly { path: PropertyKey[]; message: string }[]) =>
  issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');

/** One `data` row as the poller reads it (and a replay of that row): a tick, or why it is refused. */
export function mapSharpApiOdd(raw: unknown, receivedAt: string): MappedOdd {
  const parsed = SharpApiOddsSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'schema', detail: issuesOf(parsed.error.issues) };
  try {
    return { ok: true, odd: parsed.data, tick: sharpApiOddsToTick(parsed.data, receivedAt) };
  } catch (e) {
    return {
      ok: false,
      reason: e instanceof PriceMismatchError ? 'price_inconsistent' : 'price',
      detail: e instanceof Error ? e.message : String(e),
    };
  }
}

/** One `removed` entry → the odds id it removes, or why it names none. */
export function removedIdOf(
  entry: unknown,
): { ok: true; id: string } | { ok: false; reason: 'schema'; detail: string } {
  const r = RemovedEntrySchema.safeParse(entry);
  return r.success
    ? { ok: true, id: r.data }
    : { ok: false, reason: 'schema', detail: `removed entry: ${issuesOf(r.error.issues) || 'not an odds id'}` };
}

/**
 * `draftkings_33483153_moneyline_PHO` → book, event, market, selection. The event id is the first
 * all-digit segment (books and markets may contain `_`); without one, book and event are the first
 * two segments.
 */
export function parseSharpApiOddsId(id: string): DescribedOdd {
  const parts = id.split('_');
  let ev = parts.findIndex((p, i) => i > 0 && /^\d+$/.test(p));
  if (ev < 0 || ev > parts.length - 3) ev = parts.length >= 4 ? 1 : -1;
  if (ev < 0)
    return {
      book: parts[0] || 'unknown',
      sport: '',
      league: '',
      event_key: id,
      home_team: '',
      away_team: '',
      start_time: null,
      market: 'unknown',
      market_raw: '',
      selection: '',
      line: null,
      is_live: false,
    };
  const marketRaw = parts.slice(ev + 1, -1).join('_');
  const market = canonicalMarket(marketRaw);
  const sel = parts.at(-1) ?? '';
  return {
    book: parts.slice(0, ev).join('_'),
    sport: '',
    league: '',
    event_key: parts[ev],
    home_team: '',
    away_team: '',
    start_time: null,
    market,
    market_raw: marketRaw,
    selection:
      market === 'total' && /^(over|under)$/i.test(sel) ? sel[0].toUpperCase() + sel.slice(1).toLowerCase() : sel,
    line: null,
    is_live: false,
  };
}

/**
 * `quotedAfterSince`: the time of a quote of this odd read earlier in the same window (on an earlier
 * page, whose removed list did not name it yet), when there is one: the removal came after it.
 */
export function sharpApiRemovalTick(
  id: string,
  windowSince: string,
  quotedAfterSince: string | null,
  known: DescribedOdd | undefined,
  receivedAt: string,
): OddsTick {
  const k = known ?? parseSharpApiOddsId(id);
  return {
    tick_id: sharpApiRemovalTickId(id, windowSince),
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
    // The removal happened after `since` and no later than this response. Its time is the window's
    // `since` + 1 ms, not the response time, which a replayed window would not repeat; earlier quotes
    // were seen at or before `since` (the previous response's server_time). A quote read earlier in
    // this window is later than `since`, and the removal must still sort after it, or the odd's latest
    // row would say it is listed. (A replayed window does not re-create a stored removal: window.ts.)
    ts: new Date(
      Math.max(Date.parse(windowSince), quotedAfterSince === null ? -Infinity : Date.parse(quotedAfterSince)) + 1,
    ).toISOString(),
    received_at: receivedAt,
  };
}
