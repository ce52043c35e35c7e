import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshClv, resolveEvents } from '../../clv';
import { createWarehouse, insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import { tempDir } from '../support/stack';

// Each feed names teams its own way. A close quoted by BoltOdds as "LA Lakers" or by SharpAPI as
// "L.A. Lakers" (home and away swapped) must meet a SharpSports bet on "Los Angeles Lakers".
const dec = (a: number) => (a > 0 ? 1 + a / 100 : 1 + 100 / -a);
const mult = (dA: number, dB: number) => 1 / dA / (1 / dA + 1 / dB);

const START = '2026-02-01T01:00:00.000Z';
const LAL = 'Los Angeles Lakers';
const BOS = 'Boston Celtics';
let n = 0;
function tick(p: {
  source: string;
  event_key: string;
  home: string;
  away: string;
  book: string;
  market: string;
  selection: string;
  line?: number;
  price: number;
  ts: string;
}) {
  n++;
  return {
    tick_id: `tn${n}`,
    source: p.source,
    book: p.book,
    sport: 'basketball',
    league: 'nba',
    event_key: p.event_key,
    provider_event_id: p.event_key,
    provider_odd_id: `on${n}`,
    home_team: p.home,
    away_team: p.away,
    start_time: START,
    market: p.market,
    market_raw: p.market,
    selection: p.selection,
    line: p.line ?? null,
    price_american: p.price,
    price_decimal: dec(p.price),
    implied_prob: null,
    is_main: null,
    is_live: false,
    locked: false,
    removed: false,
    ts: p.ts,
    received_at: p.ts,
  };
}
const opt = { source: 'opticodds', event_key: 'OJ-T', home: LAL, away: BOS };
const bolt = {
  source: 'boltodds',
  event_key: 'LA Lakers vs Celtics, 2026-02-01, 01',
  home: 'LA Lakers',
  away: 'Celtics',
};
const sharp = { source: 'sharpapi', event_key: 'sa-77', home: 'Celtics', away: 'L.A. Lakers' };
const ticks = [
  tick({ ...opt, book: 'pinnacle', market: 'moneyline', selection: LAL, price: -145, ts: '2026-02-01T00:30:00.000Z' }),
  tick({ ...opt, book: 'pinnacle', market: 'moneyline', selection: BOS, price: 135, ts: '2026-02-01T00:30:00.000Z' }),
  // FanDuel only through BoltOdds, in BoltOdds' names.
  tick({
    ...bolt,
    book: 'fanduel',
    market: 'moneyline',
    selection: 'LA Lakers',
    price: -150,
    ts: '2026-02-01T00:40:00.000Z',
  }),
  tick({
    ...bolt,
    book: 'fanduel',
    market: 'moneyline',
    selection: 'Celtics',
    price: 130,
    ts: '2026-02-01T00:40:00.000Z',
  }),
  // BetMGM's spread through SharpAPI, whose event has the teams the other way round.
  tick({
    ...sharp,
    book: 'betmgm',
    market: 'spread',
    selection: 'L.A. Lakers',
    line: -3.5,
    price: -115,
    ts: '2026-02-01T00:50:00.000Z',
  }),
  tick({
    ...sharp,
    book: 'betmgm',
    market: 'spread',
    selection: 'Celtics',
    line: 3.5,
    price: -105,
    ts: '2026-02-01T00:50:00.000Z',
  }),
];

function bet(id: string, book: string, proposition: string, position: string, odds: number, line: number | null) {
  const slip = {
    id: `S-${id}`,
    bettor_id: 'BTTR_t',
    bettor_account_id: `BACT_t_${book}`,
    book_abbr: book,
    book_name: '',
    book_ref: '',
    time_placed: '2026-01-31T20:00:00.000Z',
    type: 'single',
    odds_american: odds,
    status: 'pending',
    incomplete: false,
    adjusted_odds: null,
    adjusted_line: null,
    adjusted_at_risk: null,
    leg_count: 1,
    refresh_response_id: 'r',
    refresh_response_time: '2026-01-31T20:00:00.000Z',
    version: 1,
  };
  const leg = {
    id: `B-${id}`,
    bet_slip_id: slip.id,
    bettor_id: 'BTTR_t',
    bettor_account_id: slip.bettor_account_id,
    book_abbr: book,
    time_placed: slip.time_placed,
    event_id: 'EVNT_t',
    oddsjam_id: 'OJ-T',
    sportsdataio_id: '',
    sportradar_id: '',
    sport: 'Basketball',
    league: 'NBA',
    event_name: `${BOS} @ ${LAL}`,
    event_start_time: START,
    home_team: LAL,
    away_team: BOS,
    bet_type: 'straight',
    proposition,
    segment: null,
    position,
    line,
    odds_american: odds,
    status: 'pending',
    outcome: null,
    live: false,
    incomplete: false,
    book_description: '',
    market_selection: '',
    prop_player: null,
    prop_metric: null,
    refresh_response_id: 'r',
    version: 1,
  };
  return { slip, leg };
}
const bets = [bet('ml', 'fd', 'moneyline', LAL, -140, null), bet('sp', 'mg', 'spread', LAL, -110, -3.5)];

let ch: Warehouse;
beforeAll(async () => {
  ch = await createWarehouse({
    dataDir: tempDir('clv-teams'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await migrate(ch);
  await insertRows(ch, 'odds_ticks', ticks);
  await insertRows(
    ch,
    'bets',
    bets.map((b) => b.leg),
  );
  await insertRows(
    ch,
    'bet_slips',
    bets.map((b) => b.slip),
  );
}, 120_000);
afterAll(async () => {
  await ch?.close();
});

const clv = async (id: string) =>
  (
    await queryRows<Record<string, number | null | boolean>>(
      ch,
      "SELECT * FROM bet_clv WHERE bet_id = {id:String} AND row_kind = 'leg'",
      { id },
    )
  )[0];

describe('team names across feeds', () => {
  it('without the team mapping the BoltOdds/SharpAPI closes never meet the bets (negative control)', async () => {
    await resolveEvents(ch);
    await ch.command({ query: 'TRUNCATE TABLE team_map' });
    expect(await clv('B-ml')).toMatchObject({ no_close: true, same_book_close_decimal: null });
    expect(await clv('B-sp')).toMatchObject({ no_close: true });
  });

  it('names feed selections by the canonical teams, pairs swapped spreads, and prices the bets from first principles', async () => {
    await resolveEvents(ch);
    const closes = await queryRows<{ book: string; selection: string; pair_line: number }>(
      ch,
      "SELECT book, selection, pair_line FROM closing_lines WHERE event_key = 'OJ-T' ORDER BY book, selection",
    );
    expect(closes).toEqual([
      { book: 'betmgm', selection: BOS, pair_line: -3.5 },
      { book: 'betmgm', selection: LAL, pair_line: -3.5 },
      { book: 'fanduel', selection: BOS, pair_line: 0 },
      { book: 'fanduel', selection: LAL, pair_line: 0 },
      { book: 'pinnacle', selection: BOS, pair_line: 0 },
      { book: 'pinnacle', selection: LAL, pair_line: 0 },
    ]);
    const ml = await clv('B-ml');
    expect(ml.no_close).toBe(false);
    expect(ml.same_book_close_decimal).toBeCloseTo(dec(-150), 12);
    expect(ml.price_clv_same_book).toBeCloseTo(dec(-140) / dec(-150) - 1, 12);
    expect(ml.same_book_fair_prob).toBeCloseTo(mult(dec(-150), dec(130)), 12);
    expect(ml.ev_clv_sharp).toBeCloseTo(mult(dec(-145), dec(135)) * dec(-140) - 1, 12);
    const sp = await clv('B-sp');
    expect(sp).toMatchObject({ no_close: false, line_moved: false });
    expect(sp.same_book_close_decimal).toBeCloseTo(dec(-115), 12);
    expect(sp.same_book_fair_prob).toBeCloseTo(mult(dec(-115), dec(-105)), 12);
  });

  it('stored closes read back under the same names (cache equals live)', async () => {
    await refreshClv(ch, { graceSeconds: 0, insertLagMs: 0 });
    const q = (v: string) =>
      queryRows(ch, `SELECT event_key, market, selection, line, book, price_decimal, pair_line FROM ${v} ORDER BY ALL`);
    const [stored, live] = await Promise.all([q('closing_lines'), q('closing_lines_live')]);
    expect(stored).toEqual(live);
    expect((await queryRows<{ n: number }>(ch, 'SELECT count() AS n FROM closing_lines_store'))[0].n).toBeGreaterThan(
      0,
    );
  });
});
