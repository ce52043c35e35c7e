// The BoltOdds side of a shared season (sandbox/season.ts), driven by the wall clock instead of
// the random script: every book lists each game from the start of the run, streams its outcomes as
// their prices change, replaces a spread's outcomes when the main line moves (keys carry the line),
// updates `info.when` when the start moves, suspends every outcome at the start (odds None) and
// removes the game once it is over — the doc's Mets game: odds until the start, removed after.
import type { Season, SeasonGame, SeasonMarket, SeasonSide } from '../season';
import { SPORTS, easternLabels, type WGame, type WOutcome, type WorldEvent } from './world';

export const SEASON_BOOKS = ['draftkings', 'fanduel', 'betmgm', 'caesars'];

const fmtLine = (n: number) => (n > 0 ? `+${n}` : String(n));
type Phase = 'open' | 'suspended' | 'removed';

export class SeasonWorld {
  readonly games: WGame[] = [];
  private phase = new Map<number, Phase>();
  private announced = new Set<number>();
  private cursor = 0;

  constructor(
    private readonly season: Season,
    private readonly books: string[],
    private readonly now: () => number = Date.now,
  ) {
    for (const g of season.games) {
      const v = g.views.boltodds;
      const wg: WGame = {
        id: v.id,
        sport: g.league,
        home: g.home.name,
        away: g.away.name,
        startMs: g.scheduledStartMs,
        game: v.game,
        when: v.when,
        books: new Map(),
      };
      for (const book of books) wg.books.set(book, this.outcomes(g, book, season.baseTimeMs));
      this.games.push(wg);
      this.phase.set(v.id, 'open');
    }
  }

  marketNames(): Set<string> {
    const names = new Set<string>(['Moneyline']);
    for (const g of this.season.games)
      for (const n of [SPORTS[g.league].spread?.name, SPORTS[g.league].total?.name]) if (n) names.add(n);
    return names;
  }

  /** What happened since the last call: starts, ends and start changes first, else one (game, book) whose prices moved. */
  step(): WorldEvent[] {
    const now = this.now();
    const events: WorldEvent[] = [];
    for (const g of this.season.games) {
      const wg = this.games.find((x) => x.id === g.views.boltodds.id);
      if (!wg) continue;
      const phase = this.phase.get(wg.id);
      if (phase === 'open' && now >= g.startMs) {
        this.phase.set(wg.id, 'suspended');
        for (const book of this.books) {
          const outs = [...wg.books.get(book)!.values()];
          for (const o of outs) o.price = null;
          events.push({ kind: 'line_update', game: wg, book, outcomes: outs.map((o) => ({ ...o })) });
        }
      } else if (phase === 'suspended' && now >= g.endMs) {
        this.phase.set(wg.id, 'removed');
        this.games.splice(this.games.indexOf(wg), 1);
        for (const book of this.books) events.push({ kind: 'game_removed', game: wg, book });
      } else if (phase === 'open' && g.move && now >= g.move.announcedAtMs && !this.announced.has(wg.id)) {
        this.announced.add(wg.id);
        wg.when = easternLabels(g.move.toMs).when;
        wg.startMs = g.move.toMs;
        for (const book of this.books) events.push({ kind: 'game_update', game: wg, book });
      }
    }
    if (events.length) return events;
    const open = this.games.filter((wg) => this.phase.get(wg.id) === 'open');
    const combos = open.length * this.books.length;
    for (let i = 0; i < combos; i++) {
      const k = this.cursor++ % combos;
      const wg = open[Math.floor(k / this.books.length)];
      const book = this.books[k % this.books.length];
      const ev = this.refresh(wg, book, now);
      if (ev) return [ev];
    }
    return [];
  }

  /** GET /api/get_games: every listed game by its game string, with its universal_id. */
  getGames(): Record<string, { when: string; game: string; orig_teams: string; universal_id: string; sport: string }> {
    return Object.fromEntries(
      this.games.map((wg) => {
        const g = this.season.games.find((x) => x.views.boltodds.id === wg.id)!;
        return [
          wg.game,
          {
            when: wg.when,
            game: wg.game,
            orig_teams: `${wg.home} vs ${wg.away}`,
            universal_id: g.views.boltodds.universalId,
            sport: wg.sport,
          },
        ];
      }),
    );
  }

  /** A reconnecting provider feed: the book's games (of one sport) resent as they stand. */
  clear(book: string, sport: string | null): WorldEvent[] {
    const events: WorldEvent[] = [sport ? { kind: 'sport_clear', sport, book } : { kind: 'book_clear', book }];
    for (const game of this.games) if (!sport || game.sport === sport) events.push({ kind: 'game_update', game, book });
    return events;
  }

  /** New prices for one (game, book): a line_update of the changed outcomes, or a game_update when the line itself moved. */
  private refresh(wg: WGame, book: string, now: number): WorldEvent | null {
    const g = this.season.games.find((x) => x.views.boltodds.id === wg.id)!;
    const cur = wg.books.get(book)!;
    const next = this.outcomes(g, book, now);
    const keysChanged = cur.size !== next.size || [...next.keys()].some((k) => !cur.has(k));
    wg.books.set(book, next);
    if (keysChanged) return { kind: 'game_update', game: wg, book };
    const changed = [...next.values()].filter((o) => cur.get(o.key)!.price !== o.price);
    return changed.length ? { kind: 'line_update', game: wg, book, outcomes: changed.map((o) => ({ ...o })) } : null;
  }

  private outcomes(g: SeasonGame, book: string, tMs: number): Map<string, WOutcome> {
    const m = new Map<string, WOutcome>();
    const def = SPORTS[g.league];
    const add = (market: SeasonMarket, side: SeasonSide, name: string) => {
      const q = this.season.quote(g, market, side, book, tMs);
      if (!q) return;
      const team = side === 'home' ? g.home.name : side === 'away' ? g.away.name : null;
      const ou = side === 'over' ? 'Over' : side === 'under' ? 'Under' : null;
      const key =
        market === 'moneyline'
          ? `${team} Moneyline`
          : market === 'spread'
            ? `${team} ${fmtLine(q.line!)} ${name}`
            : `${ou} ${q.line} ${name}`;
      m.set(key, { key, name, target: team, ou, line: q.line, price: q.american, blank: null });
    };
    add('moneyline', 'home', 'Moneyline');
    add('moneyline', 'away', 'Moneyline');
    if (def.spread) for (const side of ['home', 'away'] as const) add('spread', side, def.spread.name);
    if (def.total) for (const side of ['over', 'under'] as const) add('total', side, def.total.name);
    return m;
  }
}
