import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshClv } from '../../clv';
import type { Stack } from '../../workers/stack';
import { queryRows } from '../../platform/warehouse/client';
import { Season, americanToDecimal, type SeasonGame, type SeasonMarket, type SeasonSide } from '../../sandbox/season';
import type { SandboxSlip } from '../../sandbox/sharpsports';
import { SEASON_SCENARIOS } from '../../sandbox/sharpsports/season';
import { count, eventually, startTestStack } from '../support/stack';

/**
 * A short season through the real stack (Temporal dev server, chDB, the four simulators on
 * loopback): bettors' slips land through cadence and grade refreshes, the three feeds stream the
 * same games, and bet_clv's figures are checked against prices computed here from the season.
 */
const ACCOUNTS = ['BACT_gooduser_dk', 'BACT_gooduser_fd', 'BACT_realuser_mg', 'BACT_maintenanceuser_ca'];
const BOOK: Record<string, string> = { dk: 'draftkings', fd: 'fanduel', mg: 'betmgm', ca: 'caesars' };
let stack: Stack;
let season: Season;

beforeAll(async () => {
  season = new Season({ baseTimeMs: Date.now(), seed: 21, games: 4, timeScale: 0.75 });
  stack = await startTestStack({}, { season });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const seasonGame = (oddsjamId: string): SeasonGame | undefined =>
  season.games.find((g) => g.views.opticodds.gameId === oddsjamId);
const seasonSlips = (): SandboxSlip[] =>
  stack
    .sandbox!.slips()
    .filter((s) => ACCOUNTS.includes(s.bettorAccount) && s.bets.some((b) => seasonGame(b.event.oddsjamId ?? '')));
const sideOf = (g: SeasonGame, position: string): SeasonSide =>
  position === 'Over' ? 'over' : position === 'Under' ? 'under' : position === g.home.name ? 'home' : 'away';
const other: Record<SeasonSide, SeasonSide> = { home: 'away', away: 'home', over: 'under', under: 'over' };
const close = (g: SeasonGame, m: string, side: SeasonSide, book: string) =>
  americanToDecimal(season.closingQuote(g, m as SeasonMarket, side, book).american);

describe('a season through the stack', () => {
  it('lands the bettors season slips before the games and settles them after', async () => {
    const betting = stack
      .sandbox!.accounts()
      .filter((a) => SEASON_SCENARIOS.has(a.scenario))
      .map((a) => ({ id: a.id, abbr: a.bookAbbr }));
    const lastPlaced = Math.max(...season.slips(betting).map((p) => p.placedAtMs));
    await new Promise((r) => setTimeout(r, Math.max(0, lastPlaced + 200 - Date.now())));
    for (const a of ACCOUNTS) await stack.sandbox!.triggerRefresh(a, 'cadence');
    expect(seasonSlips().length).toBeGreaterThanOrEqual(2 * ACCOUNTS.length);
    const ids = seasonSlips().map((s) => s.id);
    await eventually(
      'season slips to land pending',
      async () =>
        (await count(
          stack,
          "SELECT count() AS n FROM bet_slips FINAL WHERE has({ids:Array(String)}, id) AND status = 'pending'",
          { ids },
        )) === ids.length,
      30_000,
    );
    await new Promise((r) => setTimeout(r, Math.max(0, season.lastEndMs + 1000 - Date.now())));
    await stack.sandbox!.gradePending();
    await eventually(
      'graded season slips to land',
      async () =>
        (await count(
          stack,
          "SELECT count() AS n FROM bet_slips FINAL WHERE has({ids:Array(String)}, id) AND status = 'completed'",
          { ids },
        )) === ids.length,
      30_000,
    );
  }, 120_000);

  it('resolves every BoltOdds and SharpAPI event to its OpticOdds game and closes the moved game at its latest start', async () => {
    await eventually(
      'every feed to quote every game',
      async () =>
        (await count(
          stack,
          "SELECT uniqExact(source, event_key) AS n FROM odds_ticks WHERE source IN ('opticodds', 'boltodds', 'sharpapi')",
        )) >=
        3 * season.games.length,
      30_000,
    );
    const { resolve } = await refreshClv(stack.clickhouse);
    expect(resolve).toMatchObject({ unmatched: 0, ambiguous: 0 });
    const mapped = await queryRows<{ source: string; event_key: string }>(
      stack.clickhouse,
      "SELECT source, argMax(event_key, resolved_at) AS event_key FROM event_map WHERE source != 'opticodds' GROUP BY source, source_event_key",
    );
    for (const g of season.games) {
      expect(
        mapped
          .filter((m) => m.event_key === g.views.opticodds.gameId)
          .map((m) => m.source)
          .sort(),
      ).toEqual(['boltodds', 'sharpapi']);
    }
    const moved = season.games.find((g) => g.move)!;
    const [row] = await queryRows<any>(
      stack.clickhouse,
      "SELECT toUnixTimestamp64Milli(start_time) AS start, price_american FROM closing_lines WHERE event_key = {e:String} AND book = 'pinnacle' AND market = 'moneyline' AND selection = {s:String}",
      { e: moved.views.opticodds.gameId, s: moved.home.name },
    );
    expect(Number(row.start)).toBe(moved.startMs);
    expect(Number(row.price_american)).toBe(season.closingQuote(moved, 'moneyline', 'home', 'pinnacle').american);
  }, 60_000);

  it('gives every season bet a CLV figure equal to the one computed from the simulators closing prices', async () => {
    const rows = await queryRows<any>(
      stack.clickhouse,
      'SELECT * FROM bet_clv WHERE has({ids:Array(String)}, bet_slip_id)',
      { ids: seasonSlips().map((s) => s.id) },
    );
    const byId = new Map(rows.map((r) => [r.bet_id, r]));
    let checked = 0;
    let lineMoved = 0;
    for (const slip of seasonSlips()) {
      const book = BOOK[slip.book.abbr];
      const legs = slip.bets.map((b) => {
        const g = seasonGame(b.event.oddsjamId!)!;
        const r = byId.get(b.id);
        expect(r, `bet_clv row for ${b.id}`).toBeDefined();
        expect(r.unresolved_reason).toBeNull();
        const side = sideOf(g, b.position!);
        const closingLine = season.closingQuote(g, b.proposition as SeasonMarket, side, book).line;
        if (closingLine !== b.line) {
          // The spread whose main line moved after the bet: no close at the bet's line, points instead.
          lineMoved++;
          expect(r.line_moved).toBe(true);
          expect(r.price_clv_same_book).toBeNull();
          expect(Number(r.points_clv)).toBeCloseTo(b.line! - closingLine!, 9);
          return null;
        }
        const dBet = americanToDecimal(b.oddsAmerican!);
        const dClose = close(g, b.proposition!, side, book);
        const pin = close(g, b.proposition!, side, 'pinnacle');
        const pinOther = close(g, b.proposition!, other[side], 'pinnacle');
        const fair = 1 / pin / (1 / pin + 1 / pinOther);
        const what = `${b.id}: game ${g.index} ${b.proposition} ${side} ${b.line ?? ''} at ${book}`;
        expect(Number(r.price_clv_same_book), what).toBeCloseTo(dBet / dClose - 1, 9);
        expect(Number(r.price_clv_sharp), what).toBeCloseTo(dBet / pin - 1, 9);
        expect(Number(r.ev_clv_sharp), what).toBeCloseTo(fair * dBet - 1, 9);
        checked++;
        return { dClose, fair };
      });
      const slipRow = byId.get(slip.id);
      if (slip.type === 'parlay' && legs.every((l) => l)) {
        const dSlip = americanToDecimal(slip.oddsAmerican);
        expect(slipRow.row_kind).toBe('slip');
        expect(Number(slipRow.price_clv_same_book)).toBeCloseTo(dSlip / legs.reduce((a, l) => a * l!.dClose, 1) - 1, 9);
        expect(Number(slipRow.ev_clv_sharp)).toBeCloseTo(legs.reduce((a, l) => a * l!.fair, 1) * dSlip - 1, 9);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2 * ACCOUNTS.length);
    expect(lineMoved).toBe(1);
    // Some bets beat the close and some did not.
    const figures = rows
      .filter((r) => r.row_kind === 'leg' && r.price_clv_same_book !== null)
      .map((r) => Number(r.price_clv_same_book));
    expect(figures.some((x) => x > 0) && figures.some((x) => x < 0)).toBe(true);
  }, 60_000);
});
