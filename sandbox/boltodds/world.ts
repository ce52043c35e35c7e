// The seeded "provider side" of the BoltOdds sandbox: games, books, outcomes, and how they move.
// Everything is driven by one PRNG, so the same seed and the same sequence of calls give the same stream.

import { mulberry32 } from '../prng';

export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed >>> 0 || 0x9e3779b9);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

interface SportDef {
  teams: readonly string[];
  spread?: { name: string; base: number; fixed?: boolean };
  total?: { name: string; base: number };
  /** Markets outside the adapter's defaults, so filters have something to cut. */
  prop?: { name: string; players: readonly string[]; base: number };
  yesNo?: string;
}

export const SPORTS: Record<string, SportDef> = {
  NFL: {
    teams: [
      'Buffalo Bills',
      'Kansas City Chiefs',
      'Philadelphia Eagles',
      'Dallas Cowboys',
      'Detroit Lions',
      'Green Bay Packers',
      'Baltimore Ravens',
      'Miami Dolphins',
    ],
    spread: { name: 'Spread', base: 3.5 },
    total: { name: 'Total', base: 44.5 },
  },
  NBA: {
    teams: [
      'Boston Celtics',
      'Denver Nuggets',
      'Los Angeles Lakers',
      'Golden State Warriors',
      'Milwaukee Bucks',
      'Phoenix Suns',
      'Miami Heat',
      'New York Knicks',
    ],
    spread: { name: 'Spread', base: 5.5 },
    total: { name: 'Total', base: 224.5 },
    prop: {
      name: 'Player Points',
      players: ['Jayson Tatum', 'Nikola Jokic', 'LeBron James', 'Stephen Curry'],
      base: 24.5,
    },
  },
  MLB: {
    teams: [
      'New York Mets',
      'Los Angeles Angels',
      'San Francisco Giants',
      'Philadelphia Phillies',
      'Chicago Cubs',
      'Seattle Mariners',
      'Toronto Blue Jays',
      'Houston Astros',
    ],
    spread: { name: 'Run Line', base: 1.5, fixed: true },
    total: { name: 'Total Runs', base: 8.5 },
  },
  NHL: {
    teams: [
      'Toronto Maple Leafs',
      'New York Rangers',
      'Boston Bruins',
      'Edmonton Oilers',
      'Vegas Golden Knights',
      'Florida Panthers',
      'Dallas Stars',
      'Colorado Avalanche',
    ],
    spread: { name: 'Puck Line', base: 1.5, fixed: true },
    total: { name: 'Total Goals', base: 6.5 },
  },
  NCAAB: {
    teams: [
      'Duke Blue Devils',
      'Kansas Jayhawks',
      'Gonzaga Bulldogs',
      'Houston Cougars',
      'UConn Huskies',
      'Purdue Boilermakers',
    ],
    spread: { name: 'Spread', base: 6.5 },
    total: { name: 'Total Points', base: 141.5 },
  },
  UFC: {
    teams: ['Damian Pinas', 'Wes Schultz', 'Erik Silva', 'Francis Marshall', 'Alex Pereira', 'Israel Adesanya'],
    yesNo: 'Fight To Not Go Distance',
  },
};

export const DEFAULT_BOOKS = ['draftkings', 'fanduel', 'betmgm', 'ballybet'];

export interface WOutcome {
  key: string;
  name: string;
  target: string | null;
  ou: 'Over' | 'Under' | null;
  /** Props carry their line as a string, as the doc's parlay legs do ("0.5"). */
  line: number | string | null;
  price: number | null;
  /** How a suspended price is spelled on the wire: Python None (JSON null) or ''. */
  blank: null | '';
}

export interface WGame {
  id: number;
  sport: string;
  home: string;
  away: string;
  startMs: number;
  /** "Home vs Away, YYYY-MM-DD, HH" (US Eastern, 12-hour clock) */
  game: string;
  /** "YYYY-MM-DD, HH:MM AM" */
  when: string;
  books: Map<string, Map<string, WOutcome>>;
}

export type WorldEvent =
  | { kind: 'line_update'; game: WGame; book: string; outcomes: WOutcome[] }
  | { kind: 'game_update'; game: WGame; book: string }
  | { kind: 'game_removed'; game: WGame; book: string }
  | { kind: 'sport_clear'; sport: string; book: string }
  | { kind: 'book_clear'; book: string };

const eastern = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

export function easternLabels(ms: number): { game: string; when: string } {
  const p = Object.fromEntries(eastern.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const h24 = +p.hour % 24;
  const h12 = String(h24 % 12 === 0 ? 12 : h24 % 12).padStart(2, '0');
  const date = `${p.year}-${p.month}-${p.day}`;
  return { game: `${date}, ${h12}`, when: `${date}, ${h12}:${p.minute} ${h24 < 12 ? 'AM' : 'PM'}` };
}

export function probToAmerican(p: number): number {
  const q = Math.min(0.97, Math.max(0.03, p));
  const a = q >= 0.5 ? -Math.round((100 * q) / (1 - q)) : Math.round((100 * (1 - q)) / q);
  return a > -100 && a < 100 ? (a < 0 ? -100 : 100) : a;
}

export const formatAmerican = (a: number) => (a > 0 ? `+${a}` : String(a));
const fmtLine = (n: number) => (n > 0 ? `+${n}` : String(n));

export interface WorldOptions {
  seed: number;
  books: string[];
  sports: string[];
  gamesPerSport: number;
  startMs: number;
}

export class World {
  readonly rng: Rng;
  readonly games: WGame[] = [];
  private nextId = 1022036600;
  private slot = 0;
  private sportsSeen = new Set<string>();

  constructor(readonly opts: WorldOptions) {
    this.rng = new Rng(opts.seed);
    for (const sport of opts.sports) for (let i = 0; i < opts.gamesPerSport; i++) this.addGame(sport);
  }

  /** Every market name the world can send (the valid values of the `markets` filter). */
  marketNames(): Set<string> {
    const names = new Set<string>(['Moneyline']);
    for (const s of this.opts.sports) {
      const d = SPORTS[s];
      for (const n of [d.spread?.name, d.total?.name, d.prop?.name, d.yesNo]) if (n) names.add(n);
    }
    return names;
  }

  addGame(sport: string): WGame {
    const def = SPORTS[sport];
    const used = new Set(this.games.filter((g) => g.sport === sport).flatMap((g) => [g.home, g.away]));
    const free = def.teams.filter((t) => !used.has(t));
    const pool = free.length >= 2 ? free : def.teams;
    const home = this.rng.pick(pool);
    const away = this.rng.pick(pool.filter((t) => t !== home));
    // The first game of each sport is already live; the rest start over the next hours.
    const live = !this.sportsSeen.has(sport);
    this.sportsSeen.add(sport);
    const startMs =
      Math.floor((this.opts.startMs + (live ? -3_600_000 : ++this.slot * 45 * 60_000)) / 300_000) * 300_000;
    const labels = easternLabels(startMs);
    const g: WGame = {
      id: this.nextId++,
      sport,
      home,
      away,
      startMs,
      game: `${home} vs ${away}, ${labels.game}`,
      when: labels.when,
      books: new Map(),
    };
    const pHome = 0.3 + this.rng.next() * 0.4;
    for (const book of this.opts.books)
      g.books.set(book, this.outcomesFor(g, def, pHome + (this.rng.next() - 0.5) * 0.04));
    this.games.push(g);
    return g;
  }

  private outcomesFor(g: WGame, def: SportDef, pHome: number): Map<string, WOutcome> {
    const m = new Map<string, WOutcome>();
    const add = (o: Omit<WOutcome, 'blank'>) => m.set(o.key, { ...o, blank: null });
    const vig = () => 0.5 + (this.rng.next() - 0.5) * 0.06;
    add({
      key: `${g.home} Moneyline`,
      name: 'Moneyline',
      target: g.home,
      ou: null,
      line: null,
      price: probToAmerican(pHome + 0.02),
    });
    add({
      key: `${g.away} Moneyline`,
      name: 'Moneyline',
      target: g.away,
      ou: null,
      line: null,
      price: probToAmerican(1.02 - pHome),
    });
    if (def.spread) this.setSpread(m, g, def.spread, pHome >= 0.5 ? -def.spread.base : def.spread.base, vig());
    if (def.total) this.setTotal(m, def.total, def.total.base, vig());
    if (def.prop) {
      const player = this.rng.pick(def.prop.players);
      const line = String(def.prop.base + this.rng.int(6) - 3);
      add({
        key: `${player} Over ${line} ${def.prop.name}`,
        name: def.prop.name,
        target: player,
        ou: 'Over',
        line,
        price: probToAmerican(vig()),
      });
      add({
        key: `${player} Under ${line} ${def.prop.name}`,
        name: def.prop.name,
        target: player,
        ou: 'Under',
        line,
        price: probToAmerican(vig()),
      });
    }
    if (def.yesNo) {
      add({
        key: `${def.yesNo} Yes`,
        name: def.yesNo,
        target: 'Yes',
        ou: null,
        line: null,
        price: probToAmerican(vig()),
      });
      add({
        key: `${def.yesNo} No`,
        name: def.yesNo,
        target: 'No',
        ou: null,
        line: null,
        price: probToAmerican(vig()),
      });
    }
    return m;
  }

  /** Spread keys carry the line, as BoltOdds keys do: a line move replaces both outcomes. */
  private setSpread(
    m: Map<string, WOutcome>,
    g: WGame,
    def: NonNullable<SportDef['spread']>,
    homeLine: number,
    p: number,
  ) {
    for (const [k, o] of m) if (o.name === def.name) m.delete(k);
    m.set(`${g.home} ${fmtLine(homeLine)} ${def.name}`, {
      key: `${g.home} ${fmtLine(homeLine)} ${def.name}`,
      name: def.name,
      target: g.home,
      ou: null,
      line: homeLine,
      price: probToAmerican(p),
      blank: null,
    });
    m.set(`${g.away} ${fmtLine(-homeLine)} ${def.name}`, {
      key: `${g.away} ${fmtLine(-homeLine)} ${def.name}`,
      name: def.name,
      target: g.away,
      ou: null,
      line: -homeLine,
      price: probToAmerican(1.04 - p),
      blank: null,
    });
  }

  private setTotal(m: Map<string, WOutcome>, def: NonNullable<SportDef['total']>, line: number, p: number) {
    for (const [k, o] of m) if (o.name === def.name) m.delete(k);
    for (const ou of ['Over', 'Under'] as const) {
      const key = `${ou} ${line} ${def.name}`;
      m.set(key, {
        key,
        name: def.name,
        target: null,
        ou,
        line,
        price: probToAmerican(ou === 'Over' ? p : 1.04 - p),
        blank: null,
      });
    }
  }

  /** A new price for one outcome, always different from the current one (or a suspension / reopening). */
  private move(o: WOutcome): void {
    if (o.price === null) {
      o.price = probToAmerican(0.35 + this.rng.next() * 0.3);
      return;
    }
    if (this.rng.chance(0.12)) {
      o.price = null;
      o.blank = this.rng.chance(0.5) ? null : '';
      return;
    }
    const step = (this.rng.int(4) + 1) * 5 * (this.rng.chance(0.5) ? 1 : -1);
    let next = o.price + step;
    if (next > -100 && next < 100) next = next < 0 ? next + 200 : next - 200; // cross even money
    o.price = next === o.price ? next + 5 : next;
  }

  private randomBookGame(): { game: WGame; book: string; outcomes: Map<string, WOutcome> } {
    const game = this.rng.pick(this.games);
    const book = this.rng.pick(this.opts.books);
    return { game, book, outcomes: game.books.get(book)! };
  }

  /** One scripted update: mutates the world and says which messages describe it. */
  step(): WorldEvent[] {
    const r = this.rng.next();
    if (r < 0.5) {
      const { game, book, outcomes } = this.randomBookGame();
      const o = this.rng.pick([...outcomes.values()]);
      // Now and then the provider resends a line unchanged: no tick is due.
      if (!this.rng.chance(0.06)) this.move(o);
      return [{ kind: 'line_update', game, book, outcomes: [{ ...o }] }];
    }
    if (r < 0.9) {
      const { game, book, outcomes } = this.randomBookGame();
      const list = [...outcomes.values()];
      const n = this.rng.int(3); // 0–2 changes: most of the snapshot is unchanged
      for (let i = 0; i < n; i++) this.move(this.rng.pick(list));
      const def = SPORTS[game.sport];
      if (this.rng.chance(0.15) && def.spread && !def.spread.fixed) {
        const cur = list.find((o) => o.name === def.spread!.name && o.target === game.home);
        const line = typeof cur?.line === 'number' ? cur.line : -def.spread.base;
        this.setSpread(outcomes, game, def.spread, line + (this.rng.chance(0.5) ? 0.5 : -0.5) || 0.5, 0.5);
      } else if (this.rng.chance(0.1) && def.total) {
        const cur = list.find((o) => o.name === def.total!.name);
        const line = typeof cur?.line === 'number' ? cur.line : def.total.base;
        this.setTotal(outcomes, def.total, line + (this.rng.chance(0.5) ? 1 : -1), 0.5);
      }
      return [{ kind: 'game_update', game, book }];
    }
    // A game ends: every book removes it, and a new game in the same sport appears.
    const game = this.rng.pick(this.games);
    this.games.splice(this.games.indexOf(game), 1);
    const events: WorldEvent[] = this.opts.books.map((book) => ({ kind: 'game_removed', game, book }));
    const fresh = this.addGame(game.sport);
    for (const book of this.opts.books) events.push({ kind: 'game_update', game: fresh, book });
    return events;
  }

  /** The book's feed dropped at the provider and came back: clear, then every game resent with a few real moves. */
  clear(book: string, sport: string | null): WorldEvent[] {
    const events: WorldEvent[] = [sport ? { kind: 'sport_clear', sport, book } : { kind: 'book_clear', book }];
    for (const game of this.games) {
      if (sport && game.sport !== sport) continue;
      const list = [...game.books.get(book)!.values()];
      if (this.rng.chance(0.5)) this.move(this.rng.pick(list));
      events.push({ kind: 'game_update', game, book });
    }
    return events;
  }
}
