// What the warehouse already holds of a feed's odds, for a consumer that restarted: the two
// questions a FeedRunContext can ask (describeOdds, storedSince, storedTickIds), answered from odds_ticks.
import { queryRows, type Warehouse } from '../platform/warehouse/client';
import type { DescribedOdd, StoredOdd } from './types';

// argMax skips a row whose first argument is NULL (a suspension's price, a moneyline's line), so
// each query takes one tuple, which is never NULL: every field then comes from the same, latest row.

/** The latest stored row of each odd with a tick at or after `since`. */
export async function storedSince(ch: Warehouse, source: string, since: string): Promise<StoredOdd[]> {
  const rows = await queryRows<{
    book: string;
    event_key: string;
    provider_odd_id: string;
    last: [number | null, unknown, unknown];
  }>(
    ch,
    `SELECT book, event_key, provider_odd_id, argMax((price_american, locked, removed), (ts, tick_id)) AS last
     FROM odds_ticks WHERE source = {s:String} AND ts >= parseDateTime64BestEffort({since:String}, 3, 'UTC') GROUP BY book, event_key, provider_odd_id`,
    { s: source, since },
  );
  return rows.map(({ last, ...r }) => ({
    ...r,
    price_american: last[0] === null ? null : Number(last[0]),
    locked: Boolean(last[1]),
    removed: Boolean(last[2]),
  }));
}

/** The tuple's fields, in the order the query lists them. */
const DESCRIBED = [
  'book',
  'sport',
  'league',
  'event_key',
  'home_team',
  'away_team',
  'start_time',
  'market',
  'market_raw',
  'selection',
  'line',
  'is_live',
] as const;

/**
 * The key fields of the latest stored quote (not removal) of each of these odds, quoted at or
 * before `atOrBefore` when given: a removal describes the quote it removed, never one of a later
 * re-listing, or a replayed removal would differ from the first copy in its key (crash test,
 * docs/reliability.md Finding 7).
 */
export async function describeStoredOdds(
  ch: Warehouse,
  source: string,
  ids: string[],
  atOrBefore?: string,
): Promise<Map<string, DescribedOdd>> {
  const rows = await queryRows<{ id: string; q: unknown[] }>(
    ch,
    `SELECT provider_odd_id AS id,
       argMax((book, sport, league, event_key, home_team, away_team, start_time, market, market_raw, selection, line, is_live), (ts, tick_id)) AS q
     FROM odds_ticks WHERE source = {s:String} AND provider_odd_id IN {ids:Array(String)} AND NOT removed
       AND ts <= parseDateTime64BestEffort({before:String}, 3, 'UTC') GROUP BY provider_odd_id`,
    { s: source, ids, before: atOrBefore ?? '2299-12-31T23:59:59.999Z' },
  );
  return new Map(
    rows.map(({ id, q }) => {
      const odd = Object.fromEntries(DESCRIBED.map((k, i) => [k, q[i]])) as unknown as DescribedOdd;
      return [id, { ...odd, line: odd.line === null ? null : Number(odd.line), is_live: Boolean(odd.is_live) }];
    }),
  );
}

/** Which of these tick ids are stored with a time at or after `since` (the bound prunes partitions: tick_id is last in the sort key). */
export async function storedTickIds(
  ch: Warehouse,
  source: string,
  tickIds: string[],
  since: string,
): Promise<Set<string>> {
  if (tickIds.length === 0) return new Set();
  const rows = await queryRows<{ id: string }>(
    ch,
    `SELECT DISTINCT tick_id AS id FROM odds_ticks
     WHERE source = {s:String} AND ts >= parseDateTime64BestEffort({since:String}, 3, 'UTC') AND tick_id IN {ids:Array(String)}`,
    { s: source, since, ids: tickIds },
  );
  return new Set(rows.map((r) => r.id));
}
