// The copilot stream of a shared season (sandbox/season.ts), on the wall clock: each fixture is
// announced (fixture-status), every book's main lines are streamed as they change until the start,
// locked at the start, and settled from the final score after the end. A start-time change is
// announced when the season says so; a main line that moves is locked at its old points.
import type { Season, SeasonGame, SeasonMarket, SeasonSide } from '../season';
import { BOOKS, SPORT_MARKETS, idSlug, teamNumber } from './catalog';
import type { ScriptEntry } from './generator';

const MARKETS: SeasonMarket[] = ['moneyline', 'spread', 'total'];
const signed = (n: number): string => (n > 0 ? `+${n}` : `${n}`);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', '+00:00');
const feedBook = (book: string) => book.toLowerCase();

interface Timed {
  atMs: number;
  seq: number;
  make: (nowMs: number) => ScriptEntry[];
}

export class SeasonScript {
  private timed: Timed[] = [];
  private ready: ScriptEntry[] = [];
  /** game|market → the items last sent (to stream changes only, and lock or settle what was quoted). */
  private last = new Map<string, Record<string, unknown>[]>();
  private cursor = 0;
  /** game|market → the wall-clock second of its last quote. */
  private sentIn = new Map<string, number>();

  constructor(private readonly season: Season) {
    let seq = 0;
    const at = (atMs: number, make: Timed['make']) => this.timed.push({ atMs, seq: seq++, make });
    for (const g of season.games) {
      at(season.baseTimeMs, (now) => [
        this.fixture(now, g, {
          newStart: season.knownStart(g, season.baseTimeMs),
          oldStart: null,
          newStatus: 'unplayed',
          oldStatus: null,
        }),
      ]);
      if (g.move)
        at(g.move.announcedAtMs, (now) => [
          this.fixture(now, g, { newStart: g.move!.toMs, oldStart: g.move!.fromMs, newStatus: null, oldStatus: null }),
        ]);
      at(g.startMs, (now) => [
        this.fixture(now, g, { newStart: null, oldStart: null, newStatus: 'live', oldStatus: 'unplayed' }),
        ...this.lockAll(g),
      ]);
      at(g.endMs, (now) => [
        this.fixture(now, g, { newStart: null, oldStart: null, newStatus: 'completed', oldStatus: 'live' }),
        ...this.settle(g),
      ]);
    }
    this.timed.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  }

  /** The next entry due at `nowMs`, or null when nothing has changed. */
  next(nowMs: number): ScriptEntry | null {
    while (this.timed.length && this.timed[0].atMs <= nowMs) this.ready.push(...this.timed.shift()!.make(nowMs));
    const queued = this.ready.shift();
    if (queued) return stamp(queued, nowMs);
    const open = this.season.games.filter((g) => nowMs < g.startMs);
    const combos = open.length * MARKETS.length;
    for (let i = 0; i < combos; i++) {
      const k = this.cursor++ % combos;
      const entry = this.quote(open[Math.floor(k / MARKETS.length)], MARKETS[k % MARKETS.length], nowMs);
      if (entry) return stamp(entry, nowMs);
    }
    return null;
  }

  private quote(g: SeasonGame, m: SeasonMarket, nowMs: number): ScriptEntry | null {
    const key = `${g.index}|${m}`;
    // Odds carry whole-second timestamps: two quotes of one odd in the same second could not be
    // told apart by time, so a change waits for the next second.
    const second = Math.floor(nowMs / 1000);
    if (this.sentIn.get(key) === second) return null;
    const prev = this.last.get(key) ?? [];
    const items = BOOKS.flatMap((book) => this.sides(m).map((side) => this.odd(g, book, m, side, nowMs)!));
    const changed = items.filter((o) => !prev.some((p) => p.id === o.id && p.price === o.price));
    if (changed.length === 0) return null;
    this.last.set(key, items);
    this.sentIn.set(key, second);
    const moved = prev.filter((p) => !items.some((o) => o.id === p.id));
    const out: ScriptEntry = { event: 'copilot-odds', sport: g.sport, league: g.league, items: changed };
    // Points that are no longer offered are locked, so no one reads them as still bettable.
    if (moved.length) this.ready.push({ event: 'copilot-locked-odds', sport: g.sport, league: g.league, items: moved });
    return out;
  }

  private sides(m: SeasonMarket): SeasonSide[] {
    return m === 'total' ? ['over', 'under'] : ['home', 'away'];
  }

  private odd(
    g: SeasonGame,
    book: string,
    m: SeasonMarket,
    side: SeasonSide,
    tMs: number,
  ): Record<string, unknown> | null {
    const q = this.season.quote(g, m, side, feedBook(book), tMs);
    if (!q) return null;
    const market = SPORT_MARKETS[g.sport][m];
    const fixtureId = g.views.opticodds.fixtureId;
    const team = side === 'home' ? g.home.name : side === 'away' ? g.away.name : '';
    const ou = side === 'over' ? 'Over' : side === 'under' ? 'Under' : '';
    const name = m === 'moneyline' ? team : m === 'spread' ? `${team} ${signed(q.line!)}` : `${ou} ${q.line}`;
    const selKey = m === 'moneyline' ? team : m === 'spread' ? `${team} ${q.line}` : ` ${side} ${q.line}`;
    return {
      fixture_id: fixtureId,
      game_id: g.views.opticodds.gameId,
      grouping_key: q.line === null ? 'default' : `default:${Math.abs(q.line)}`,
      id: `${fixtureId}:${idSlug(book)}:${idSlug(market)}:${idSlug(selKey)}`,
      is_main: true,
      league: g.league,
      market,
      name,
      odd_id: `${fixtureId}:${idSlug(market)}:${idSlug(selKey)}`,
      player_id: '',
      points: q.line,
      price: q.american,
      selection: team,
      selection_line: m === 'total' ? side : '',
      sport: g.sport,
      sportsbook: book,
      team_id: team ? String(teamNumber(team)) : '',
      timestamp: 0,
      version_id: -1,
    };
  }

  private lockAll(g: SeasonGame): ScriptEntry[] {
    return MARKETS.map((m) => this.last.get(`${g.index}|${m}`) ?? [])
      .filter((items) => items.length > 0)
      .map((items) => ({ event: 'copilot-locked-odds', sport: g.sport, league: g.league, items }));
  }

  /** One settled entry per book, for the lines it quoted last; settled odds carry no price or points (reference example). */
  private settle(g: SeasonGame): ScriptEntry[] {
    const { homeScore: hs, awayScore: as } = g;
    const grade = (x: number) => (x > 0 ? 'Won' : x < 0 ? 'Lost' : 'Push');
    return BOOKS.map((book) => {
      const items = MARKETS.flatMap((m) =>
        (this.last.get(`${g.index}|${m}`) ?? []).filter((o) => o.sportsbook === book),
      ).map((o) => {
        const points = o.points as number | null;
        const market = SPORT_MARKETS[g.sport];
        const homeSide = o.selection === g.home.name;
        const x =
          o.market === market.moneyline
            ? homeSide
              ? hs - as
              : as - hs
            : o.market === market.spread
              ? (homeSide ? hs - as : as - hs) + (points ?? 0)
              : (o.selection_line === 'over' ? 1 : -1) * (hs + as - (points ?? 0));
        const { price: _p, points: _pts, grouping_key: _gk, is_main: _im, selection_line: _sl, ...rest } = o;
        return { ...rest, settlement: grade(x), settled_at: '' };
      });
      return { event: 'copilot-settled-odds' as const, sport: g.sport, league: g.league, items };
    }).filter((e) => e.items.length > 0);
  }

  private fixture(
    nowMs: number,
    g: SeasonGame,
    c: { newStart: number | null; oldStart: number | null; newStatus: string | null; oldStatus: string | null },
  ): ScriptEntry {
    const o = g.views.opticodds;
    return {
      event: 'fixture-status',
      sport: g.sport,
      league: g.league,
      data: {
        fixture: {
          away_team_display: g.away.name,
          game_id: o.gameId,
          home_team_display: g.home.name,
          id: o.fixtureId,
          start_date: iso(this.season.knownStart(g, nowMs)),
        },
        fixture_id: o.fixtureId,
        game_id: o.gameId,
        league: g.league,
        new_start_date: c.newStart === null ? null : iso(c.newStart),
        new_status: c.newStatus,
        old_start_date: c.oldStart === null ? null : iso(c.oldStart),
        old_status: c.oldStatus,
        sport: g.sport,
        timestamp: 0,
      },
    };
  }
}

function stamp(e: ScriptEntry, nowMs: number): ScriptEntry {
  if (e.event === 'fixture-status') return { ...e, data: { ...e.data, timestamp: nowMs / 1000 } };
  const ts = Math.floor(nowMs / 1000);
  const settledAt = iso(ts * 1000);
  return {
    ...e,
    items: e.items.map((o) => ({
      ...o,
      timestamp: ts,
      ...(e.event === 'copilot-settled-odds' ? { settled_at: settledAt } : {}),
    })),
  };
}
