// SharpAPI's view of a shared season (sandbox/season.ts): its own event ids, "<ABBR> <nickname>"
// team names and market_type names, and books no other simulated feed carries (a book quoted by two
// feeds under two team spellings would read as four selections). Odds change in place (the line of
// a spread moves on the same odds id), event_start_time follows a start change, and every odd of a
// game is removed once it starts (pre-game odds come off the board).
import type { Season, SeasonGame, SeasonMarket, SeasonSide } from '../season';
import type { SandboxOdd } from './odd';

export const SEASON_SHARPAPI_BOOKS = ['bet365', 'espnbet'];

const SPREAD_MARKET: Record<string, string> = { NBA: 'spread', NFL: 'spread', MLB: 'run_line', NHL: 'puck_line' };
const iso = (ms: number) => new Date(ms).toISOString();

interface Slot {
  game: SeasonGame;
  market: SeasonMarket;
  side: SeasonSide;
}

export class SeasonOdds {
  private slots = new Map<number, Slot>();

  constructor(
    private readonly season: Season,
    private readonly books: string[] = SEASON_SHARPAPI_BOOKS,
  ) {}

  /** Every odd of the season as first listed at `nowMs` (appended to `odds`, indexes continuing). */
  build(odds: SandboxOdd[], nowMs: number): void {
    for (const g of this.season.games) {
      const v = g.views.sharpapi;
      for (const book of this.books) {
        for (const [market, sides] of [
          ['moneyline', ['home', 'away']],
          ['spread', ['home', 'away']],
          ['total', ['over', 'under']],
        ] as const) {
          const first = odds.length;
          for (const side of sides) {
            const q = this.season.quote(g, market, side, book, nowMs);
            if (!q) continue;
            const marketType = market === 'spread' ? SPREAD_MARKET[g.league] : market;
            const team = side === 'home' ? g.home : side === 'away' ? g.away : null;
            const index = odds.length;
            this.slots.set(index, { game: g, market, side });
            odds.push({
              index,
              id: `${book}_${v.eventId}_${marketType}_${team ? team.abbr : side}`,
              sportsbook: book,
              event_id: v.eventId,
              sport: g.sport,
              league: g.league.toLowerCase(),
              home_team: v.home,
              away_team: v.away,
              market_type: marketType,
              category: market,
              selection: side === 'home' ? v.home : side === 'away' ? v.away : side === 'over' ? 'Over' : 'Under',
              selection_type: side,
              odds_american: q.american,
              line: q.line,
              event_start_time: iso(this.season.knownStart(g, nowMs)),
              lastSeenMs: nowMs,
              is_live: false,
              removedAt: null,
              sibling: index === first ? index + 1 : first,
            });
          }
        }
      }
    }
  }

  /** Applies the season at `nowMs`: returns the indexes of odds that changed or were removed. */
  step(odds: SandboxOdd[], nowMs: number): number[] {
    const changed: number[] = [];
    for (const [index, s] of this.slots) {
      const o = odds[index];
      if (o.removedAt !== null) continue;
      const q = this.season.quote(s.game, s.market, s.side, o.sportsbook, nowMs);
      if (!q) {
        o.removedAt = nowMs;
        changed.push(index);
        continue;
      }
      const start = iso(this.season.knownStart(s.game, nowMs));
      if (q.american === o.odds_american && q.line === o.line && start === o.event_start_time) continue;
      Object.assign(o, { odds_american: q.american, line: q.line, event_start_time: start, lastSeenMs: nowMs });
      changed.push(index);
    }
    return changed;
  }
}
