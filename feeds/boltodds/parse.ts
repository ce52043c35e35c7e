// Normalization of provider fields: market names, leagues, `info.when`, game keys, timestamps, lines.
import type { BoltOddsOutcome } from '../../schemas/boltodds';

const LEAGUE_SPORT: Record<string, string> = {
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
  UFC: 'mma',
  MMA: 'mma',
  BOXING: 'boxing',
};
/** BoltOdds "sport" values are leagues ("NBA", "Wimbledon (M)"); map the ones we know to a sport. */
export const sportOf = (league: string) => LEAGUE_SPORT[league.toUpperCase()] ?? league.toLowerCase();

const easternParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
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

export function parseLine(v: BoltOddsOutcome['outcome_line']): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  return v.trim() === '' ? null : Number(v);
}

export function overUnder(v: string | null | undefined): 'Over' | 'Under' | null {
  const s = v?.trim().toLowerCase();
  return s === 'over' ? 'Over' : s === 'under' ? 'Under' : null;
}
