// Seeded schedule of real-team games per US-Eastern game day, with a betting market and a final score each.
import { LEAGUES, LEAGUE_NAMES, type League } from './catalog';
import type { SandboxEvent, TeamJson } from './types';
import { DAY, HOUR, Rng, hashHex, hashSeed, isoDate, isoSeconds, probToAmerican } from './util';

export interface Market {
  /** home team spread (negative = home favoured) */
  homeSpread: number;
  homeSpreadOdds: number;
  awaySpreadOdds: number;
  total: number;
  homeMl: number;
  awayMl: number;
}

export interface Game {
  json: SandboxEvent;
  league: League;
  home: string;
  away: string;
  startMs: number;
  endMs: number;
  market: Market;
  homeScore: number;
  awayScore: number;
}

const ET_OFFSET_H = 5; // US Eastern (standard time) is UTC-5

function team(league: League, name: string): TeamJson {
  return { id: `TEAM_${hashHex(32, 'team', league, name)}`, fullName: name };
}
/** OpticOdds-style numeric team code used in oddsjamId ("16903-86230-2023-12-07"). */
function teamCode(league: League, name: string): number {
  return 10000 + (hashSeed('opticteam', league, name) % 90000);
}
function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function makeMarket(league: League, rng: Rng): { market: Market; pFav: number; homeFav: boolean } {
  const homeFav = rng.chance(0.58);
  let spread: number;
  let total: number;
  let pFav: number;
  let favSpreadOdds: number;
  let dogSpreadOdds: number;
  if (league === 'NFL' || league === 'NBA') {
    spread =
      league === 'NFL'
        ? rng.pick([1, 1.5, 2.5, 3, 3, 3, 3.5, 4, 5.5, 6, 6.5, 7, 7, 7.5, 9.5, 10, 13.5])
        : rng.chance(0.7)
          ? rng.int(1, 13) + 0.5
          : rng.int(1, 14);
    total = league === 'NFL' ? rng.int(74, 106) / 2 : rng.int(420, 490) / 2;
    pFav = Math.min(0.92, 0.5 + (league === 'NFL' ? 0.03 : 0.032) * spread);
    favSpreadOdds = rng.pick([-110, -110, -110, -105, -115, -112, -108]);
    dogSpreadOdds = favSpreadOdds === -110 ? -110 : -220 - favSpreadOdds;
  } else {
    spread = 1.5;
    total = league === 'NHL' ? rng.pick([5.5, 5.5, 6, 6.5]) : rng.pick([7, 7.5, 8, 8, 8.5, 9, 9.5, 10]);
    pFav = 0.5 + rng.next() * (league === 'NHL' ? 0.2 : 0.15);
    const pCover = pFav * (league === 'NHL' ? 0.62 : 0.72);
    favSpreadOdds = probToAmerican(pCover);
    dogSpreadOdds = probToAmerican(1 - pCover);
  }
  const favMl = probToAmerican(pFav);
  const dogMl = probToAmerican(1 - pFav);
  const market: Market = {
    homeSpread: homeFav ? -spread : spread,
    homeSpreadOdds: homeFav ? favSpreadOdds : dogSpreadOdds,
    awaySpreadOdds: homeFav ? dogSpreadOdds : favSpreadOdds,
    total,
    homeMl: homeFav ? favMl : dogMl,
    awayMl: homeFav ? dogMl : favMl,
  };
  return { market, pFav, homeFav };
}

function finalScore(league: League, m: Market, rng: Rng): [number, number] {
  const sd: Record<League, [number, number]> = { NFL: [13.5, 10], NBA: [12, 18], NHL: [2.2, 2.2], MLB: [4, 4.2] };
  const [sm, st] = sd[league];
  const margin = -m.homeSpread + rng.normal() * sm;
  const total = Math.max(league === 'NBA' ? 150 : 1, m.total + rng.normal() * st);
  let home = Math.max(0, Math.round((total + margin) / 2));
  let away = Math.max(0, Math.round((total - margin) / 2));
  if (home === away && league !== 'NFL') {
    const bump = league === 'NBA' ? rng.int(1, 8) : 1; // overtime / extra innings
    if (margin >= 0) home += bump;
    else away += bump;
  }
  if (league === 'NFL' && home === 1) home = 0; // no 1-point NFL scores
  if (league === 'NFL' && away === 1) away = 0;
  return [home, away];
}

export class EventCalendar {
  private days = new Map<number, Game[]>();
  readonly byId = new Map<string, Game>();
  constructor(private readonly seed: number) {}

  /** Games whose US-Eastern game day is `day` (days since the epoch). */
  gamesOnDay(day: number): Game[] {
    const cached = this.days.get(day);
    if (cached) return cached;
    const games: Game[] = [];
    const gameDate = isoDate(day * DAY);
    const weekday = new Date(day * DAY).getUTCDay();
    for (const league of LEAGUE_NAMES) {
      const info = LEAGUES[league];
      const rng = new Rng(hashSeed(this.seed, 'schedule', league, day));
      const teams = rng.shuffle([...info.teams]);
      info.slots(weekday).forEach((etHour, idx) => {
        const away = teams[idx * 2];
        const home = teams[idx * 2 + 1];
        if (!away || !home) return;
        const startMs = day * DAY + Math.round(((etHour + ET_OFFSET_H) * HOUR) / 60_000) * 60_000;
        const { market } = makeMarket(league, rng);
        const [homeScore, awayScore] = finalScore(league, market, rng);
        const eventHex = hashHex(32, this.seed, 'event', league, day, idx);
        const json: SandboxEvent = {
          id: `EVNT_${eventHex}`,
          sportsdataioId: String(info.sdioBase + ((day * 16 + idx) % (league === 'NFL' ? 80000 : 1000000))),
          sportradarId: uuidFrom(hashHex(32, this.seed, 'sportradar', eventHex)),
          oddsjamId: `${teamCode(league, away)}-${teamCode(league, home)}-${gameDate}`,
          sport: info.sport,
          league,
          name: `${away} @ ${home}`,
          nameSpecial: null,
          startTime: isoSeconds(startMs),
          startDate: isoDate(startMs),
          sportId: info.sportId,
          leagueId: info.leagueId,
          contestantAway: team(league, away),
          contestantHome: team(league, home),
          neutralVenue: false,
        };
        const game: Game = {
          json,
          league,
          home,
          away,
          startMs,
          endMs: startMs + info.durationH * HOUR,
          market,
          homeScore,
          awayScore,
        };
        games.push(game);
        this.byId.set(json.id, game);
      });
    }
    this.days.set(day, games);
    return games;
  }

  /** Games starting in [fromMs, toMs]. */
  startingBetween(fromMs: number, toMs: number): Game[] {
    const out: Game[] = [];
    const firstDay = Math.floor((fromMs - 28 * HOUR) / DAY);
    const lastDay = Math.floor(toMs / DAY);
    for (let d = firstDay; d <= lastDay; d++) {
      for (const g of this.gamesOnDay(d)) if (g.startMs >= fromMs && g.startMs <= toMs) out.push(g);
    }
    return out;
  }
}
