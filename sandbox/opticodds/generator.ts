// Seeded script of copilot stream entries: price moves, locks, start-time/status changes and,
// when a game ends, its settlements. Same seed → same sequence of payloads (timestamps aside).
import { decimalToAmerican } from '../../odds/price';
import { BOOKS, SPORT_LINES, SPORT_MARKETS, idSlug, sportOf, teamNumber, teamsOf } from './catalog';

type MarketKey = 'moneyline' | 'spread' | 'total' | 'extra';
const MARKET_KEYS: MarketKey[] = ['moneyline', 'spread', 'total', 'extra'];
const VIG = 1.0238;

export type OddsEventName = 'copilot-odds' | 'copilot-locked-odds' | 'copilot-settled-odds';
export type ScriptEntry =
  | { event: OddsEventName; sport: string; league: string; items: Record<string, unknown>[] }
  | { event: 'fixture-status'; sport: string; league: string; data: Record<string, unknown> };

/** A real game to quote (e.g. from another sandbox's schedule, so game ids join across feeds). */
export interface GameSpec {
  league: string;
  home: string;
  away: string;
  startMs: number;
  /** OpticOdds game_id ("<away code>-<home code>-<date>"). */
  gameId: string;
}

import { mulberry32 } from '../prng';

export { mulberry32 };

interface Game {
  league: string;
  sport: string;
  fixtureId: string;
  gameId: string;
  home: string;
  away: string;
  startMs: number;
  status: 'unplayed' | 'live';
  /** Home line (negative: home favoured). */
  spread: number;
  total: number;
  teamTotal: number;
  /** book|market → probability of side 0 (home / over). */
  probs: Map<string, number>;
  entries: number;
  life: number;
}

const signed = (n: number): string => (n > 0 ? `+${n}` : `${n}`);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', '+00:00');

export class ScriptGenerator {
  private rng: () => number;
  private games: Game[] = [];
  private queue: ScriptEntry[] = [];
  private gameCount = 0;

  constructor(
    seed: number,
    private leagues: string[],
    private leagueSports: Record<string, string>,
    private baseTimeMs: number,
    gamesPerLeague = 2,
    private specs: GameSpec[] = [],
  ) {
    this.rng = mulberry32(seed);
    for (const league of leagues) for (let i = 0; i < gamesPerLeague; i++) this.games.push(this.newGame(league));
  }

  next(nowMs: number): ScriptEntry {
    const queued = this.queue.shift();
    if (queued) return this.stamp(queued, nowMs);
    const g = this.pick(this.games);
    g.entries++;
    let entry: ScriptEntry;
    const r = this.rng();
    if (r < 0.05) entry = this.startTimeChange(g, nowMs);
    else if (r < 0.08 && g.status === 'unplayed') entry = this.statusChange(g, 'live', nowMs);
    else if (r < 0.16 && g.probs.size > 0) entry = this.locked(g);
    else entry = this.move(g);
    if (g.entries >= g.life) this.finish(g, nowMs);
    return this.stamp(entry, nowMs);
  }

  private pick<T>(xs: T[]): T {
    return xs[Math.floor(this.rng() * xs.length)];
  }

  private specIndex = new Map<string, number>();

  private newGame(league: string): Game {
    const sport = sportOf(league, this.leagueSports);
    const teams = teamsOf(league);
    const h = Math.floor(this.rng() * teams.length);
    let a = Math.floor(this.rng() * (teams.length - 1));
    if (a >= h) a++;
    const lines = SPORT_LINES[sport];
    const startMs = this.baseTimeMs + (2 + this.gameCount++) * 3_600_000;
    const hex = Array.from({ length: 12 }, () => '0123456789ABCDEF'[Math.floor(this.rng() * 16)]).join('');
    const spreadMag = lines.spread[0] + Math.floor(this.rng() * (lines.spread[1] - lines.spread[0] + 1));
    const specs = this.specs.filter((g) => g.league === league);
    const i = this.specIndex.get(league) ?? 0;
    this.specIndex.set(league, i + 1);
    const spec: GameSpec | undefined = specs[i];
    return {
      league,
      sport,
      fixtureId: hex,
      gameId:
        spec?.gameId ??
        `${teamNumber(teams[a])}-${teamNumber(teams[h])}-${new Date(startMs).toISOString().slice(0, 10)}`,
      home: spec?.home ?? teams[h],
      away: spec?.away ?? teams[a],
      startMs: spec?.startMs ?? startMs,
      status: 'unplayed',
      spread: this.rng() < 0.5 ? -spreadMag : spreadMag,
      total: lines.total[0] + Math.floor(this.rng() * (lines.total[1] - lines.total[0] + 1)),
      teamTotal: lines.teamTotal,
      probs: new Map(),
      entries: 0,
      life: 12 + Math.floor(this.rng() * 20),
    };
  }

  private odd(g: Game, book: string, m: MarketKey, side: 0 | 1, p: number): Record<string, unknown> {
    const market = SPORT_MARKETS[g.sport][m];
    const team = side === 0 ? g.home : g.away;
    let selection = '';
    let selectionLine = '';
    let points: number | null = null;
    let name: string;
    let selKey: string;
    if (m === 'moneyline') {
      selection = team;
      name = team;
      selKey = team;
    } else if (m === 'spread') {
      selection = team;
      points = side === 0 ? g.spread : -g.spread;
      name = `${team} ${signed(points)}`;
      selKey = `${team} ${points}`;
    } else {
      selectionLine = side === 0 ? 'over' : 'under';
      points = m === 'total' ? g.total : g.teamTotal;
      if (m === 'extra') selection = g.home;
      name = `${selection ? `${selection} ` : ''}${side === 0 ? 'Over' : 'Under'} ${points}`;
      selKey = `${selection} ${selectionLine} ${points}`;
    }
    const oddId = `${g.fixtureId}:${idSlug(market)}:${idSlug(selKey)}`;
    const prob = (side === 0 ? p : 1 - p) * VIG;
    return {
      fixture_id: g.fixtureId,
      game_id: g.gameId,
      grouping_key: points === null ? 'default' : `default:${Math.abs(points)}`,
      id: `${g.fixtureId}:${idSlug(book)}:${idSlug(market)}:${idSlug(selKey)}`,
      is_main: m !== 'extra',
      league: g.league,
      market,
      name,
      odd_id: oddId,
      player_id: '',
      points,
      price: decimalToAmerican(1 / prob),
      selection,
      selection_line: selectionLine,
      sport: g.sport,
      sportsbook: book,
      team_id: selection ? String(teamNumber(selection)) : '',
      timestamp: 0,
      version_id: -1,
    };
  }

  private move(g: Game): ScriptEntry {
    const m = this.pick(MARKET_KEYS);
    const books = [...BOOKS];
    for (let i = books.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng() * (i + 1));
      [books[i], books[j]] = [books[j], books[i]];
    }
    books.length = 1 + Math.floor(this.rng() * 3);
    const items: Record<string, unknown>[] = [];
    for (const book of books) {
      const key = `${book}|${m}`;
      const prev = g.probs.get(key) ?? 0.3 + this.rng() * 0.4;
      const step = (0.005 + this.rng() * 0.025) * (this.rng() < 0.5 ? -1 : 1);
      const p = Math.min(0.85, Math.max(0.15, prev + step));
      g.probs.set(key, p);
      items.push(this.odd(g, book, m, 0, p), this.odd(g, book, m, 1, p));
    }
    return { event: 'copilot-odds', sport: g.sport, league: g.league, items };
  }

  private locked(g: Game): ScriptEntry {
    const key = this.pick([...g.probs.keys()]);
    const [book, m] = key.split('|') as [string, MarketKey];
    const p = g.probs.get(key) as number;
    return {
      event: 'copilot-locked-odds',
      sport: g.sport,
      league: g.league,
      items: [this.odd(g, book, m, 0, p), this.odd(g, book, m, 1, p)],
    };
  }

  private fixtureStatus(
    g: Game,
    change: { newStart: number | null; oldStart: number | null; newStatus: string | null; oldStatus: string | null },
  ): ScriptEntry {
    return {
      event: 'fixture-status',
      sport: g.sport,
      league: g.league,
      data: {
        fixture: {
          away_team_display: g.away,
          game_id: g.gameId,
          home_team_display: g.home,
          id: g.fixtureId,
          start_date: iso(g.startMs),
        },
        fixture_id: g.fixtureId,
        game_id: g.gameId,
        league: g.league,
        new_start_date: change.newStart === null ? null : iso(change.newStart),
        new_status: change.newStatus,
        old_start_date: change.oldStart === null ? null : iso(change.oldStart),
        old_status: change.oldStatus,
        sport: g.sport,
        timestamp: 0,
      },
    };
  }

  private startTimeChange(g: Game, _nowMs: number): ScriptEntry {
    const old = g.startMs;
    g.startMs += (this.rng() < 0.7 ? 15 : -10) * 60_000;
    return this.fixtureStatus(g, { newStart: g.startMs, oldStart: old, newStatus: null, oldStatus: null });
  }

  private statusChange(g: Game, to: string, _nowMs: number): ScriptEntry {
    const from = g.status;
    if (to === 'live') g.status = 'live';
    return this.fixtureStatus(g, { newStart: null, oldStart: null, newStatus: to, oldStatus: from });
  }

  /** Final score → a fixture-status "completed", then one settled entry per book that quoted the game. */
  private finish(g: Game, nowMs: number): void {
    const margin = Math.round(-g.spread + (this.rng() - 0.5) * 2 * Math.max(3, Math.abs(g.spread)));
    const sum = Math.max(Math.abs(margin), Math.round(g.total + (this.rng() - 0.5) * g.total * 0.3));
    const hs = Math.round((sum + margin) / 2);
    const as = Math.max(0, sum - hs);
    const grade = (x: number): string => (x > 0 ? 'Won' : x < 0 ? 'Lost' : 'Push');
    const result = (m: MarketKey, side: 0 | 1): string => {
      const s = side === 0 ? 1 : -1;
      if (m === 'moneyline') return grade(s * (hs - as));
      if (m === 'spread') return grade(s * (hs - as + g.spread));
      if (m === 'total') return grade(s * (hs + as - g.total));
      return grade(s * (hs - g.teamTotal));
    };
    this.queue.push(this.statusChange(g, 'completed', nowMs));
    const byBook = new Map<string, MarketKey[]>();
    for (const key of g.probs.keys()) {
      const [book, m] = key.split('|') as [string, MarketKey];
      byBook.set(book, [...(byBook.get(book) ?? []), m]);
    }
    for (const [book, ms] of byBook) {
      const items: Record<string, unknown>[] = [];
      for (const m of ms) {
        for (const side of [0, 1] as const) {
          const o = this.odd(g, book, m, side, 0.5);
          // Settled odds carry no price or points in the reference example.
          const { price: _p, points: _pts, grouping_key: _gk, is_main: _im, selection_line: _sl, ...rest } = o;
          items.push({ ...rest, settlement: result(m, side), settled_at: '' });
        }
      }
      this.queue.push({ event: 'copilot-settled-odds', sport: g.sport, league: g.league, items });
    }
    this.games[this.games.indexOf(g)] = this.newGame(g.league);
  }

  private stamp(e: ScriptEntry, nowMs: number): ScriptEntry {
    if (e.event === 'fixture-status') return { ...e, data: { ...e.data, timestamp: nowMs / 1000 } };
    const ts = Math.floor(nowMs / 1000);
    const settledAt = iso(Math.floor(nowMs / 1000) * 1000);
    return {
      ...e,
      items: e.items.map((o) => ({
        ...o,
        timestamp: ts,
        ...(e.event === 'copilot-settled-odds' ? { settled_at: settledAt } : {}),
      })),
    };
  }
}
