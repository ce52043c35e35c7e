// One seeded, compressed-time season shared by all four simulators: the games, their fair lines
// drifting to a close, each book's price from them, each provider's names for every game, and the
// slips the sandbox bettors place. Every simulator derives its view from the same object, so a
// SharpSports bet's price, the books' closes on three feeds and the final score agree by design.
import { createHash } from 'node:crypto';
import { teamNumber } from './opticodds/catalog';
import { easternLabels } from './boltodds/world';
import { mulberry32 } from './prng';
import {
  BOOK_VIG,
  LEAGUE_LINES,
  LEAGUE_SPORT,
  SEASON_TEAMS,
  type SeasonLeague,
  type SeasonMarket,
  type SeasonSide,
  type SeasonTeam,
} from './season-teams';
import { planSlips, type SlipPlan } from './season-slips';

export type { SeasonLeague, SeasonTeam } from './season-teams';
export { ABBR_BOOK, BOOK_VIG } from './season-teams';
export type { SlipPlan, PlannedLeg } from './season-slips';

export type { SeasonMarket, SeasonSide } from './season-teams';

export interface SeasonOptions {
  /** Wall-clock start of the run; every time below is an offset from it. */
  baseTimeMs: number;
  seed?: number;
  /** Default 12. Leagues take turns (NBA, NFL, NHL, MLB). */
  games?: number;
  leagues?: SeasonLeague[];
  /**
   * Multiplies every offset (default 1: first start 40 s into the run, a start every 2 s, games
   * 12 s long, lines settle 6 s before the start). 0.5 runs a season twice as fast.
   */
  timeScale?: number;
  /**
   * OpticOdds game ids already used (e.g. by an earlier run on the same warehouse): a game_id is
   * teams and date, so the same matchup on the same day would merge two runs' games.
   */
  avoidGameIds?: Iterable<string>;
}

/** The provider views of one game: each feed's id and spelling. */
export interface ProviderViews {
  /** OpticOdds: game_id "<away number>-<home number>-<date>" (also SharpSports bets[].event.oddsjamId) and fixture id. */
  opticodds: { gameId: string; fixtureId: string };
  /** BoltOdds: "Home vs Away, YYYY-MM-DD, HH" (US Eastern), `info.when` at the scheduled start, get_games universal_id, book event id. */
  boltodds: { game: string; when: string; universalId: string; id: number };
  /** SharpAPI: numeric event_id and "<ABBR> <nickname>" team names. */
  sharpapi: { eventId: string; home: string; away: string };
}

export interface SeasonGame {
  index: number;
  league: SeasonLeague;
  sport: string;
  home: SeasonTeam;
  away: SeasonTeam;
  /** Start as first published. */
  scheduledStartMs: number;
  /** Start after any fixture change: quotes stop and lock here. */
  startMs: number;
  /** A published start-time change: known from announcedAtMs on. */
  move: { announcedAtMs: number; fromMs: number; toMs: number } | null;
  endMs: number;
  /** From here on every fair line holds its closing value. */
  closeAtMs: number;
  homeScore: number;
  awayScore: number;
  /** Home spread (negative: home favoured), before and from lineMove.atMs after a move. */
  homeSpread: number;
  lineMove: { atMs: number; to: number } | null;
  total: number;
  /** Fair probabilities at the open and at the close: home win, home covers the main line, over. */
  open: { ml: number; cover: number; over: number };
  close: { ml: number; cover: number; over: number };
  views: ProviderViews;
}

export interface FairLine {
  pHome: number;
  homeSpread: number;
  pHomeCover: number;
  total: number;
  pOver: number;
}

const hex = (n: number, ...parts: Array<string | number>) =>
  createHash('sha256').update(parts.join('|')).digest('hex').slice(0, n);
const hashInt = (...parts: Array<string | number>) =>
  createHash('sha256').update(parts.join('|')).digest().readUInt32LE(0);
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const secs = (ms: number) => Math.round(ms / 1000) * 1000;

export class Season {
  readonly games: SeasonGame[];
  readonly baseTimeMs: number;
  readonly seed: number;
  readonly scale: number;
  /** Earliest start and latest end over the season. */
  readonly firstStartMs: number;
  readonly lastEndMs: number;
  private slipCache = new Map<string, SlipPlan[]>();

  constructor(opts: SeasonOptions) {
    this.baseTimeMs = secs(opts.baseTimeMs);
    this.seed = opts.seed ?? 7;
    this.scale = opts.timeScale ?? 1;
    const leagues = opts.leagues ?? ['NBA', 'NFL', 'NHL', 'MLB'];
    const n = opts.games ?? 12;
    const rng = mulberry32(hashInt('season', this.seed));
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const pools = new Map(leagues.map((l) => [l, shuffle([...SEASON_TEAMS[l]], rng)]));
    const at = (s: number) => this.baseTimeMs + secs(s * 1000 * this.scale);
    const avoid = new Set(opts.avoidGameIds ?? []);
    const dateOf = (ms: number) => easternLabels(ms).game.slice(0, 10);
    this.games = [];
    for (let i = 0; i < n; i++) {
      const league = leagues[i % leagues.length];
      const pool = pools.get(league)!;
      if (pool.length < 2) throw new Error(`season: not enough ${league} teams for ${n} games`);
      const scheduledStartMs = at(40 + 2 * i);
      const [home, away] = pickPair(
        pool,
        (h, a) => !avoid.has(`${teamNumber(a.name)}-${teamNumber(h.name)}-${dateOf(scheduledStartMs)}`),
      );
      const lines = LEAGUE_LINES[league];
      // The second game is pushed back after it was published: closes must use the latest start.
      const move =
        i === 1
          ? { announcedAtMs: at(24), fromMs: scheduledStartMs, toMs: scheduledStartMs + secs(8000 * this.scale) }
          : null;
      const startMs = move ? move.toMs : scheduledStartMs;
      const homeFav = rng() < 0.58;
      const mag = lines.spreads[Math.floor(rng() * lines.spreads.length)];
      const homeSpread = homeFav ? -mag : mag;
      // The first game's main spread moves by a point after the early bets: a bet at the old line has no same-line close.
      const lineMove = i === 0 && !lines.fixedSpread ? { atMs: at(28), to: homeSpread - 1 } : null;
      const total = lines.totals[Math.floor(rng() * lines.totals.length)];
      const mlOpen = clamp(0.5 + (homeFav ? 1 : -1) * (0.04 + rng() * 0.2), 0.2, 0.8);
      // Big enough that an early bet on the side the market moves to can beat a retail book's vig.
      const drift = () => (rng() < 0.5 ? -1 : 1) * (0.03 + rng() * 0.05);
      const open = { ml: mlOpen, cover: 0.48 + rng() * 0.04, over: 0.48 + rng() * 0.04 };
      const close = {
        ml: clamp(open.ml + drift(), 0.15, 0.85),
        cover: clamp(open.cover + drift(), 0.4, 0.6),
        over: clamp(open.over + drift(), 0.4, 0.6),
      };
      const finalSpread = lineMove ? lineMove.to : homeSpread;
      let margin = Math.round(-finalSpread + normal() * lines.sd[0]);
      const sum = Math.max(Math.abs(margin) + 1, Math.round(total + normal() * lines.sd[1]));
      if (margin === 0) margin = rng() < close.ml ? 1 : -1; // overtime / extra innings
      const homeScore = Math.max(0, Math.round((sum + margin) / 2));
      const awayScore = Math.max(0, homeScore - margin);
      const labels = easternLabels(scheduledStartMs);
      this.games.push({
        index: i,
        league,
        sport: LEAGUE_SPORT[league],
        home,
        away,
        scheduledStartMs,
        startMs,
        move,
        endMs: startMs + secs(12_000 * this.scale),
        closeAtMs: startMs - secs(6000 * this.scale),
        homeScore,
        awayScore,
        homeSpread,
        lineMove,
        total,
        open,
        close,
        views: {
          opticodds: {
            gameId: `${teamNumber(away.name)}-${teamNumber(home.name)}-${labels.game.slice(0, 10)}`,
            fixtureId: hex(12, 'fixture', this.seed, this.baseTimeMs, i).toUpperCase(),
          },
          boltodds: {
            game: `${home.name} vs ${away.name}, ${labels.game}`,
            when: labels.when,
            universalId: hex(12, 'universal', this.seed, this.baseTimeMs, i),
            id: 1_100_000_000 + (hashInt('bolt', this.seed, this.baseTimeMs, i) % 90_000_000),
          },
          sharpapi: {
            eventId: String(34_000_000 + (hashInt('sharpapi', this.seed, this.baseTimeMs, i) % 900_000)),
            home: `${home.abbr} ${home.nickname}`,
            away: `${away.abbr} ${away.nickname}`,
          },
        },
      });
    }
    this.firstStartMs = Math.min(...this.games.map((g) => g.startMs));
    this.lastEndMs = Math.max(...this.games.map((g) => g.endMs));
  }

  /** Seconds of the default schedule → wall-clock ms of this run. */
  at(seconds: number): number {
    return this.baseTimeMs + secs(seconds * 1000 * this.scale);
  }

  /** The start a provider publishes at `tMs` (a moved game shows its old start until the change is announced). */
  knownStart(g: SeasonGame, tMs: number): number {
    return g.move && tMs < g.move.announcedAtMs ? g.move.fromMs : g.startMs;
  }

  /** The fair line at `tMs`: open → close linearly with a small wobble that vanishes at closeAtMs. */
  fair(g: SeasonGame, tMs: number): FairLine {
    const f = clamp((tMs - this.baseTimeMs) / Math.max(1, g.closeAtMs - this.baseTimeMs), 0, 1);
    const wobble = (k: number) => 0.006 * Math.sin(f * Math.PI * 3 + k) * (1 - f);
    const lerp = (a: number, b: number) => a + (b - a) * f;
    return {
      pHome: lerp(g.open.ml, g.close.ml) + wobble(g.index),
      homeSpread: g.lineMove && tMs >= g.lineMove.atMs ? g.lineMove.to : g.homeSpread,
      pHomeCover: lerp(g.open.cover, g.close.cover) + wobble(g.index + 1),
      total: g.total,
      pOver: lerp(g.open.over, g.close.over) + wobble(g.index + 2),
    };
  }

  /**
   * What `book` quotes for one side at `tMs`: the fair probability plus a small book-specific lean,
   * grossed up by the book's vig, as an American price. Null once the game has started.
   */
  quote(
    g: SeasonGame,
    market: SeasonMarket,
    side: SeasonSide,
    book: string,
    tMs: number,
  ): { american: number; line: number | null } | null {
    if (tMs >= g.startMs) return null;
    const fl = this.fair(g, tMs);
    const lean = ((hashInt('lean', this.seed, g.index, market, book) % 1000) / 1000 - 0.5) * 0.012;
    const p0 = market === 'moneyline' ? fl.pHome : market === 'spread' ? fl.pHomeCover : fl.pOver;
    const p = clamp(p0 + lean, 0.05, 0.95);
    const first = side === 'home' || side === 'over';
    const implied = (first ? p : 1 - p) * (1 + (BOOK_VIG[book] ?? 0.05));
    const line =
      market === 'moneyline' ? null : market === 'total' ? fl.total : side === 'home' ? fl.homeSpread : -fl.homeSpread;
    return { american: toAmerican(1 / implied), line };
  }

  /** The price every feed shows for the book at the close (the last quote before the start). */
  closingQuote(
    g: SeasonGame,
    market: SeasonMarket,
    side: SeasonSide,
    book: string,
  ): { american: number; line: number | null } {
    return this.quote(g, market, side, book, g.closeAtMs)!;
  }

  /** Slips the given SharpSports accounts place on this season (deterministic per seed and account). */
  slips(accounts: ReadonlyArray<{ id: string; abbr: string }>): SlipPlan[] {
    const key = accounts.map((a) => `${a.id}:${a.abbr}`).join(',');
    let plans = this.slipCache.get(key);
    if (!plans) this.slipCache.set(key, (plans = planSlips(this, accounts)));
    return plans;
  }
}

/** Decimal → American as books print it: an integer, never inside (-100, 100). */
export function toAmerican(decimal: number): number {
  return decimal >= 2 ? Math.round((decimal - 1) * 100) : -Math.max(100, Math.round(100 / (decimal - 1)));
}

export function americanToDecimal(a: number): number {
  return a > 0 ? 1 + a / 100 : 1 + 100 / -a;
}

/** Takes the first (home, away) pair of the pool that `ok` accepts (else the first pair) out of it. */
function pickPair<T>(pool: T[], ok: (home: T, away: T) => boolean): [T, T] {
  for (let i = pool.length - 1; i >= 0; i--) {
    for (let j = pool.length - 1; j >= 0; j--) {
      if (i === j || !ok(pool[i], pool[j])) continue;
      const pair: [T, T] = [pool[i], pool[j]];
      for (const k of [i, j].sort((x, y) => y - x)) pool.splice(k, 1);
      return pair;
    }
  }
  return [pool.pop()!, pool.pop()!];
}

function shuffle<T>(xs: T[], rng: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
