// The slips sandbox bettors place on a season: each leg at its book's price at placement time.
// Half the singles back the side the market then moves toward (they beat the close), half the
// other side; the first account bets a parlay, the second the spread of the game whose line moves.
import { mulberry32 } from './prng';
import { ABBR_BOOK, type SeasonMarket, type SeasonSide } from './season-teams';

type FairProbabilities = { ml: number; cover: number; over: number };
interface PlannedGame {
  index: number;
  closeAtMs: number;
  open: FairProbabilities;
  close: FairProbabilities;
  lineMove: { atMs: number; to: number } | null;
}
/** What a slip plan reads of a Season (sandbox/season.ts), so this file need not import it. */
export interface PlannedSeason<G extends PlannedGame> {
  readonly seed: number;
  readonly baseTimeMs: number;
  readonly games: readonly G[];
  at(seconds: number): number;
  quote(
    g: G,
    market: SeasonMarket,
    side: SeasonSide,
    book: string,
    tMs: number,
  ): { american: number; line: number | null } | null;
}
type Season = PlannedSeason<PlannedGame>;

export interface PlannedLeg {
  game: number;
  market: SeasonMarket;
  side: SeasonSide;
  line: number | null;
  /** The book's price at placement. */
  american: number;
}

export interface SlipPlan {
  /** Stable per season and account (the sandbox's slip ids are salted from it). */
  key: string;
  accountId: string;
  abbr: string;
  /** Feed book name of the account's sportsbook. */
  book: string;
  placedAtMs: number;
  /** Cents. */
  atRisk: number;
  legs: PlannedLeg[];
}

const MARKETS: SeasonMarket[] = ['moneyline', 'spread', 'total'];

/** The side whose fair probability rises between open and close (a bet on it placed early beats the close). */
function risingSide(s: Season, game: number, market: SeasonMarket): SeasonSide {
  const g = s.games[game];
  const k = market === 'moneyline' ? 'ml' : market === 'spread' ? 'cover' : 'over';
  const up = g.close[k] > g.open[k];
  if (market === 'total') return up ? 'over' : 'under';
  return up ? 'home' : 'away';
}

const flip = (side: SeasonSide): SeasonSide =>
  (({ home: 'away', away: 'home', over: 'under', under: 'over' }) as const)[side];

export function planSlips(s: Season, accounts: ReadonlyArray<{ id: string; abbr: string }>): SlipPlan[] {
  const rng = mulberry32(s.seed * 7919 + accounts.length);
  const n = s.games.length;
  const plans: SlipPlan[] = [];
  // Bets go in during the first half of the pre-game window, well before any line settles.
  const lastPlacement = Math.min(s.at(16), ...s.games.map((g) => g.closeAtMs - 4000));
  const placedAt = () => Math.round((s.at(3) + rng() * Math.max(0, lastPlacement - s.at(3))) / 1000) * 1000;
  const leg = (book: string, game: number, market: SeasonMarket, side: SeasonSide, at: number): PlannedLeg => {
    const q = s.quote(s.games[game], market, side, book, at)!;
    return { game, market, side, line: q.line, american: q.american };
  };
  const add = (a: { id: string; abbr: string }, at: number, legs: (book: string) => PlannedLeg[]) => {
    const book = ABBR_BOOK[a.abbr] ?? a.abbr;
    const atRisk = (2 + Math.floor(rng() * 18)) * 500;
    plans.push({
      key: `${s.seed}:${s.baseTimeMs}:${a.id}:${plans.length}`,
      accountId: a.id,
      abbr: a.abbr,
      book,
      placedAtMs: at,
      atRisk,
      legs: legs(book),
    });
  };
  accounts.forEach((a, k) => {
    for (let j = 0; j < 2; j++) {
      const game = (k * 3 + j * 5 + 2) % n;
      const market = MARKETS[(k + j) % MARKETS.length];
      const side = j === 0 ? risingSide(s, game, market) : flip(risingSide(s, game, market));
      const at = placedAt();
      add(a, at, (book) => [leg(book, game, market, side, at)]);
    }
    if (k === 0 && n >= 4) {
      const at = placedAt();
      add(a, at, (book) => [
        leg(book, 2, 'moneyline', risingSide(s, 2, 'moneyline'), at),
        leg(book, 3, 'total', flip(risingSide(s, 3, 'total')), at),
      ]);
    }
    const moving = s.games.find((g) => g.lineMove);
    if (k === 1 && moving) {
      const at = Math.min(placedAt(), moving.lineMove!.atMs - 2000);
      add(a, at, (book) => [leg(book, moving.index, 'spread', 'home', at)]);
    }
  });
  return plans.sort((x, y) => x.placedAtMs - y.placedAtMs || (x.key < y.key ? -1 : 1));
}
