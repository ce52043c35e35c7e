/**
 * Event resolution for CLV (`event_map`, sql/migrations/0007_clv.sql): which canonical event (the OpticOdds
 * game_id, the format of SharpSports `bets.oddsjam_id`) a feed's event key is.
 *
 *  - OpticOdds: its event_key is the canonical key (method 'oddsjam_id').
 *  - BoltOdds / SharpAPI: matched against the canonical events (OpticOdds events from odds_ticks
 *    plus the events SharpSports bets name by oddsjam_id) by
 *      1. the same league (lower-case, trimmed),
 *      2. start times within ±3 h (the feed's latest fixtures start, else its latest tick's),
 *      3. both teams matching, home with home and away with away, or both swapped. Team names are
 *         normalized (lower-case, accents and punctuation stripped, the word "the" dropped,
 *         whitespace collapsed); two names match when equal or when their last words are equal
 *         (city/nickname forms: "Los Angeles Lakers" = "LA Lakers" = "Lakers").
 *    Exactly one candidate → resolved (method 'league_time_teams'). None → counted `unmatched`;
 *    more than one → counted `ambiguous` and left unresolved: nothing is guessed.
 * Idempotent: event_map is a ReplacingMergeTree keyed by (source, source_event_key). Feed events
 * are read from odds_event_facts (fed on insert, sql/migrations/0008), which holds per event what the ticks
 * say (latest start and teams by tick time), so resolution does not scan every tick.
 */
import { insertRows, queryRows, type Warehouse } from '../platform/warehouse/client';

export const START_WINDOW_MS = 3 * 60 * 60 * 1000;

export interface ResolveResult {
  identity: number;
  resolved: number;
  unmatched: number;
  ambiguous: number;
  ambiguousKeys: string[];
  unmatchedKeys: string[];
}

export function normalizeTeam(name: string | null | undefined): string {
  return (name ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((w) => w !== '' && w !== 'the')
    .join(' ');
}

export function teamsMatch(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = normalizeTeam(a);
  const y = normalizeTeam(b);
  if (x === '' || y === '') return false;
  return x === y || x.split(' ').at(-1) === y.split(' ').at(-1);
}

interface EventRow {
  source: string;
  event_key: string;
  league: string;
  start_time: string | null;
  home_team: string;
  away_team: string;
}

const toMs = (t: string | null): number | null =>
  t ? Date.parse(t.includes('T') ? t : t.replace(' ', 'T') + 'Z') : null;

export async function resolveEvents(ch: Warehouse): Promise<ResolveResult> {
  const now = new Date().toISOString();
  // Canonical events: OpticOdds feed events and the events bets name. Latest fixtures start wins.
  const canonical = await queryRows<EventRow>(
    ch,
    `WITH fx AS (SELECT event_key, argMax(start_time, ts) AS fx_start FROM fixtures WHERE start_time IS NOT NULL GROUP BY event_key)
     SELECT e.src AS source, e.event_key AS event_key, e.league AS league, coalesce(fx.fx_start, e.start_time) AS start_time, e.home_team AS home_team, e.away_team AS away_team
     FROM (
       SELECT 'opticodds' AS src, event_key, lower(trim(any(league))) AS league, argMaxMerge(tk_start) AS start_time,
              argMaxMerge(home_team) AS home_team, argMaxMerge(away_team) AS away_team
       FROM odds_event_facts WHERE source = 'opticodds' GROUP BY event_key
       UNION ALL
       SELECT 'sharpsports' AS src, oddsjam_id AS event_key, lower(trim(any(league))) AS league, max(event_start_time) AS start_time,
              any(home_team) AS home_team, any(away_team) AS away_team
       FROM bets FINAL WHERE oddsjam_id != '' AND oddsjam_id NOT IN (SELECT event_key FROM odds_event_facts WHERE source = 'opticodds') GROUP BY oddsjam_id
     ) AS e LEFT JOIN fx ON fx.event_key = e.event_key`,
  );
  const identity = canonical.filter((e) => e.source === 'opticodds');
  await insertRows(
    ch,
    'event_map',
    identity.map((e) => ({
      source: 'opticodds',
      source_event_key: e.event_key,
      event_key: e.event_key,
      league: e.league,
      start_time: e.start_time,
      home_team: e.home_team,
      away_team: e.away_team,
      method: 'oddsjam_id',
      resolved_at: now,
    })),
  );
  const teams: object[] = [];
  // Which canonical team each feed team is (sql/migrations/0010_team_names.sql): selections are named by it.
  const mapTeams = (source: string, key: string, ev: EventRow, c: EventRow, swapped: boolean) => {
    const side = (feed: string | null, canonical: string | null, home: boolean) =>
      feed && canonical
        ? [
            {
              source,
              source_event_key: key,
              feed_team: feed.trim().toLowerCase(),
              canonical_team: canonical,
              canonical_home: home,
              resolved_at: now,
            },
          ]
        : [];
    teams.push(
      ...side(ev.home_team, swapped ? c.away_team : c.home_team, !swapped),
      ...side(ev.away_team, swapped ? c.home_team : c.away_team, swapped),
    );
  };

  const others = await queryRows<EventRow>(
    ch,
    `WITH fx AS (SELECT source, event_key, argMax(start_time, ts) AS fx_start FROM fixtures WHERE start_time IS NOT NULL GROUP BY source, event_key)
     SELECT t.source AS source, t.event_key AS event_key, t.league AS league, coalesce(fx.fx_start, t.start_time) AS start_time, t.home_team AS home_team, t.away_team AS away_team
     FROM (
       SELECT source, event_key, lower(trim(any(league))) AS league, argMaxMerge(tk_start) AS start_time, argMaxMerge(home_team) AS home_team,
              argMaxMerge(away_team) AS away_team
       FROM odds_event_facts WHERE source IN ('boltodds', 'sharpapi') GROUP BY source, event_key
     ) AS t LEFT JOIN fx ON fx.source = t.source AND fx.event_key = t.event_key`,
  );
  const result: ResolveResult = {
    identity: identity.length,
    resolved: 0,
    unmatched: 0,
    ambiguous: 0,
    ambiguousKeys: [],
    unmatchedKeys: [],
  };
  const rows: object[] = [];
  for (const ev of others) {
    const start = toMs(ev.start_time);
    const candidates =
      start === null
        ? []
        : canonical.filter((c) => {
            const cs = toMs(c.start_time);
            if (c.league !== ev.league || cs === null || Math.abs(cs - start) > START_WINDOW_MS) return false;
            return (
              (teamsMatch(c.home_team, ev.home_team) && teamsMatch(c.away_team, ev.away_team)) ||
              (teamsMatch(c.home_team, ev.away_team) && teamsMatch(c.away_team, ev.home_team))
            );
          });
    const keys = [...new Set(candidates.map((c) => c.event_key))];
    const label = `${ev.source}:${ev.event_key}`;
    if (keys.length === 0) {
      result.unmatched++;
      result.unmatchedKeys.push(label);
    } else if (keys.length > 1) {
      result.ambiguous++;
      result.ambiguousKeys.push(label);
    } else {
      result.resolved++;
      rows.push({
        source: ev.source,
        source_event_key: ev.event_key,
        event_key: keys[0],
        league: ev.league,
        start_time: ev.start_time,
        home_team: ev.home_team,
        away_team: ev.away_team,
        method: 'league_time_teams',
        resolved_at: now,
      });
      // Candidates of one key are one event (an OpticOdds listing, or the bets naming it); prefer the listing's names.
      const c = candidates.find((x) => x.source === 'opticodds') ?? candidates[0];
      mapTeams(
        ev.source,
        ev.event_key,
        ev,
        c,
        !(teamsMatch(c.home_team, ev.home_team) && teamsMatch(c.away_team, ev.away_team)),
      );
    }
  }
  await insertRows(ch, 'event_map', rows);
  await insertRows(ch, 'team_map', teams);
  return result;
}
