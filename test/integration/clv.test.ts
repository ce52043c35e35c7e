import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEvents, unresolvedBets, type ResolveResult } from '../../clv';
import { createWarehouse, insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import { tempDir } from '../support/stack';

// Independent arithmetic (deliberately not lib/odds): American → decimal, multiplicative and
// additive de-vig of a two-way market.
const dec = (a: number) => (a > 0 ? 1 + a / 100 : 1 + 100 / -a);
const mult = (dA: number, dB: number) => 1 / dA / (1 / dA + 1 / dB);
const addi = (dA: number, dB: number) => 1 / dA - (1 / dA + 1 / dB - 1) / 2;

const T = (hhmm: string, day = '2026-01-10') => `${day}T${hhmm}:00.000Z`;
const DAY0 = '2026-01-09';
const A = 'OJ-A';
const LAL = 'Los Angeles Lakers';
const BOS = 'Boston Celtics';

let n = 0;
function tick(p: {
  source?: string;
  book: string;
  event_key?: string;
  league?: string;
  home?: string;
  away?: string;
  start?: string;
  market: string;
  selection: string;
  line?: number | null;
  price: number | null;
  ts: string;
  locked?: boolean;
  removed?: boolean;
  main?: boolean | null;
}) {
  n++;
  return {
    tick_id: `t${n}`,
    source: p.source ?? 'opticodds',
    book: p.book,
    sport: 'basketball',
    league: p.league ?? 'nba',
    event_key: p.event_key ?? A,
    provider_event_id: p.event_key ?? A,
    provider_odd_id: `o${n}`,
    home_team: p.home ?? LAL,
    away_team: p.away ?? BOS,
    start_time: p.start ?? T('01:00'),
    market: p.market,
    market_raw: p.market,
    selection: p.selection,
    line: p.line ?? null,
    price_american: p.price,
    price_decimal: p.price === null ? null : dec(p.price),
    implied_prob: null,
    is_main: p.main ?? null,
    is_live: false,
    locked: p.locked ?? false,
    removed: p.removed ?? false,
    ts: p.ts,
    received_at: p.ts,
  };
}

const ticks = [
  // Moneyline, DraftKings: the close is 00:20 (the start moved from 01:00 to 00:30; the 00:45 tick is after it).
  tick({ book: 'draftkings', market: 'moneyline', selection: LAL, price: -150, ts: T('23:00', DAY0) }),
  tick({ book: 'draftkings', market: 'moneyline', selection: BOS, price: 130, ts: T('23:00', DAY0) }),
  tick({ book: 'draftkings', market: 'moneyline', selection: LAL, price: -160, ts: T('00:20') }),
  tick({ book: 'draftkings', market: 'moneyline', selection: BOS, price: 140, ts: T('00:20') }),
  tick({ book: 'draftkings', market: 'moneyline', selection: LAL, price: -200, ts: T('00:45') }),
  tick({ book: 'draftkings', market: 'moneyline', selection: BOS, price: 170, ts: T('00:45') }),
  // Pinnacle: a locked tick after the last price is not the close.
  tick({ book: 'pinnacle', market: 'moneyline', selection: LAL, price: -155, ts: T('00:00') }),
  tick({ book: 'pinnacle', market: 'moneyline', selection: BOS, price: 145, ts: T('00:00') }),
  tick({ book: 'pinnacle', market: 'moneyline', selection: LAL, price: -170, ts: T('00:25'), locked: true }),
  // Spread: DraftKings pulls -3.5 and moves to -4.5.
  tick({ book: 'draftkings', market: 'spread', selection: LAL, line: -3.5, price: -110, ts: T('23:00', DAY0) }),
  tick({ book: 'draftkings', market: 'spread', selection: BOS, line: 3.5, price: -110, ts: T('23:00', DAY0) }),
  tick({
    book: 'draftkings',
    market: 'spread',
    selection: LAL,
    line: -3.5,
    price: null,
    ts: T('00:10'),
    removed: true,
  }),
  tick({ book: 'draftkings', market: 'spread', selection: BOS, line: 3.5, price: null, ts: T('00:10'), removed: true }),
  tick({ book: 'draftkings', market: 'spread', selection: LAL, line: -4.5, price: -110, ts: T('00:10'), main: true }),
  tick({ book: 'draftkings', market: 'spread', selection: BOS, line: 4.5, price: -110, ts: T('00:10'), main: true }),
  tick({ book: 'pinnacle', market: 'spread', selection: LAL, line: -4.5, price: -105, ts: T('00:10') }),
  tick({ book: 'pinnacle', market: 'spread', selection: BOS, line: 4.5, price: -105, ts: T('00:10') }),
  // Total 220.5.
  tick({ book: 'draftkings', market: 'total', selection: 'Over', line: 220.5, price: -110, ts: T('00:15') }),
  tick({ book: 'draftkings', market: 'total', selection: 'Under', line: 220.5, price: -110, ts: T('00:15') }),
  tick({ book: 'pinnacle', market: 'total', selection: 'Over', line: 220.5, price: 100, ts: T('00:15') }),
  tick({ book: 'pinnacle', market: 'total', selection: 'Under', line: 220.5, price: -120, ts: T('00:15') }),
  // BoltOdds, same game under its own key and names (resolves to OJ-A): Circa joins the consensus.
  tick({
    source: 'boltodds',
    event_key: 'LAL-BOS-2026-01-10',
    league: 'NBA',
    home: 'LA Lakers',
    away: 'The Celtics',
    start: T('01:10'),
    book: 'circa',
    market: 'moneyline',
    selection: LAL,
    price: -150,
    ts: T('00:00'),
  }),
  tick({
    source: 'boltodds',
    event_key: 'LAL-BOS-2026-01-10',
    league: 'NBA',
    home: 'LA Lakers',
    away: 'The Celtics',
    start: T('01:10'),
    book: 'circa',
    market: 'moneyline',
    selection: BOS,
    price: 130,
    ts: T('00:00'),
  }),
  tick({
    source: 'boltodds',
    event_key: 'LAL-BOS-2026-01-10',
    league: 'NBA',
    home: 'LA Lakers',
    away: 'The Celtics',
    start: T('01:10'),
    book: 'circa',
    market: 'moneyline',
    selection: LAL,
    price: -300,
    ts: T('00:40'),
  }),
  tick({
    source: 'boltodds',
    event_key: 'LAL-BOS-2026-01-10',
    league: 'NBA',
    home: 'LA Lakers',
    away: 'The Celtics',
    start: T('01:10'),
    book: 'circa',
    market: 'moneyline',
    selection: BOS,
    price: 250,
    ts: T('00:40'),
  }),
  // SharpAPI, same game with home/away swapped and nicknames: resolves to OJ-A too.
  tick({
    source: 'sharpapi',
    event_key: 'sa-2',
    league: 'nba',
    home: 'Celtics',
    away: 'L.A. Lakers',
    start: T('00:45'),
    book: 'bet365',
    market: 'total',
    selection: 'Over',
    line: 230,
    price: -110,
    ts: T('00:00'),
  }),
  // Two OpticOdds listings of Knicks–Nets 2 h apart: the SharpAPI event between them is ambiguous.
  tick({
    event_key: 'OJ-B',
    home: 'New York Knicks',
    away: 'Brooklyn Nets',
    start: T('00:00', '2026-01-11'),
    book: 'draftkings',
    market: 'moneyline',
    selection: 'New York Knicks',
    price: -120,
    ts: T('20:00'),
  }),
  tick({
    event_key: 'OJ-C',
    home: 'Knicks',
    away: 'Nets',
    start: T('02:00', '2026-01-11'),
    book: 'draftkings',
    market: 'moneyline',
    selection: 'Knicks',
    price: -120,
    ts: T('20:00'),
  }),
  tick({
    source: 'sharpapi',
    event_key: 'sa-1',
    home: 'NY Knicks',
    away: 'Brooklyn Nets!',
    start: T('01:00', '2026-01-11'),
    book: 'bet365',
    market: 'moneyline',
    selection: 'Knicks',
    price: -125,
    ts: T('20:00'),
  }),
  // BoltOdds NHL game nobody else lists: unmatched.
  tick({
    source: 'boltodds',
    event_key: 'bo-nhl',
    league: 'nhl',
    home: 'Bruins',
    away: 'Rangers',
    start: T('00:00'),
    book: 'circa',
    market: 'moneyline',
    selection: 'Bruins',
    price: -130,
    ts: T('20:00'),
  }),
];

const fixtures = [
  {
    update_id: 'f1',
    source: 'opticodds',
    event_key: A,
    provider_event_id: A,
    sport: 'basketball',
    league: 'nba',
    home_team: LAL,
    away_team: BOS,
    start_time: T('01:00'),
    ts: T('20:00', DAY0),
    received_at: T('20:00', DAY0),
  },
  {
    update_id: 'f2',
    source: 'opticodds',
    event_key: A,
    provider_event_id: A,
    sport: 'basketball',
    league: 'nba',
    home_team: LAL,
    away_team: BOS,
    start_time: T('00:30'),
    previous_start_time: T('01:00'),
    ts: T('23:30', DAY0),
    received_at: T('23:30', DAY0),
  },
];

const placed = T('22:00', DAY0);
function slip(
  id: string,
  p: { book?: string; type?: string; odds: number; incomplete?: boolean; adjusted_odds?: boolean; legs?: number },
) {
  return {
    id,
    bettor_id: 'BTTR_1',
    bettor_account_id: 'BACT_1',
    book_abbr: p.book ?? 'dk',
    book_name: '',
    book_ref: '',
    time_placed: placed,
    type: p.type ?? 'single',
    odds_american: p.odds,
    status: 'pending',
    incomplete: p.incomplete ?? false,
    adjusted_odds: p.adjusted_odds ?? null,
    adjusted_line: null,
    adjusted_at_risk: null,
    leg_count: p.legs ?? 1,
    refresh_response_id: 'RRES_1',
    refresh_response_time: placed,
    version: 1,
  };
}
function bet(
  id: string,
  slipId: string,
  p: {
    book?: string;
    oddsjam?: string;
    league?: string;
    proposition: string;
    position: string;
    line?: number | null;
    odds: number;
    segment?: string | null;
    incomplete?: boolean;
  },
) {
  return {
    id,
    bet_slip_id: slipId,
    bettor_id: 'BTTR_1',
    bettor_account_id: 'BACT_1',
    book_abbr: p.book ?? 'dk',
    time_placed: placed,
    event_id: 'EVNT_1',
    oddsjam_id: p.oddsjam ?? A,
    sport: 'basketball',
    league: p.league ?? 'NBA',
    event_name: 'Celtics @ Lakers',
    event_start_time: T('01:00'),
    home_team: LAL,
    away_team: BOS,
    bet_type: p.proposition,
    proposition: p.proposition,
    segment: p.segment ?? null,
    position: p.position,
    line: p.line ?? null,
    odds_american: p.odds,
    status: 'pending',
    live: false,
    incomplete: p.incomplete ?? false,
    version: 1,
  };
}
const slips = [
  slip('S1', { odds: -140 }),
  slip('S2', { odds: -110 }),
  slip('S3', { odds: -105 }),
  slip('S4', { type: 'parlay', odds: 380, legs: 2 }),
  slip('S5', { odds: 135, incomplete: true }),
  slip('S6', { odds: 100, adjusted_odds: true }),
  slip('S7', { odds: -110 }),
  slip('S8', { odds: 200 }),
  slip('S9', { odds: -110 }),
  slip('S10', { odds: -110 }),
  slip('S11', { book: 'ca', odds: -150 }),
];
const bets = [
  bet('B1', 'S1', { proposition: 'moneyline', position: LAL, odds: -140 }),
  bet('B2', 'S2', { proposition: 'spread', position: LAL, line: -3.5, odds: -110 }),
  bet('B3', 'S3', { proposition: 'total', position: 'Over', line: 220.5, odds: -105 }),
  bet('B4a', 'S4', { proposition: 'moneyline', position: BOS, odds: 150 }),
  bet('B4b', 'S4', { proposition: 'total', position: 'Under', line: 220.5, odds: -110 }),
  bet('B5', 'S5', { proposition: 'moneyline', position: BOS, odds: 135, incomplete: true }),
  bet('B6', 'S6', { proposition: 'moneyline', position: LAL, odds: 100 }),
  bet('B7', 'S7', { proposition: 'spread', position: LAL, line: -1.5, odds: -110, segment: '1st Half' }),
  bet('B8', 'S8', { proposition: '3-way', position: 'Draw', odds: 200 }),
  bet('B9', 'S9', { oddsjam: '', proposition: 'moneyline', position: LAL, odds: -110 }),
  bet('B10', 'S10', { oddsjam: 'OJ-NOPE', league: 'NHL', proposition: 'moneyline', position: LAL, odds: -110 }),
  bet('B11', 'S11', { book: 'ca', proposition: 'moneyline', position: LAL, odds: -150 }),
];

type Row = Record<string, unknown>;
let ch: Warehouse;
let resolved: ResolveResult;
let clv: Map<string, Row>;
beforeAll(async () => {
  ch = await createWarehouse({
    dataDir: tempDir('clv'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await migrate(ch);
  await insertRows(ch, 'odds_ticks', ticks);
  await insertRows(ch, 'fixtures', fixtures);
  await insertRows(ch, 'bet_slips', slips);
  await insertRows(ch, 'bets', bets);
  resolved = await resolveEvents(ch);
  await resolveEvents(ch); // idempotent
  clv = new Map((await queryRows<Row>(ch, 'SELECT * FROM bet_clv')).map((r) => [`${r.row_kind}:${r.bet_id}`, r]));
});
afterAll(async () => {
  await ch?.close();
});

const close = (a: unknown, b: number) => expect(Number(a)).toBeCloseTo(b, 10);

// Closes (00:30 start): DraftKings ML -160/+140, Pinnacle ML -155/+145, Circa ML -150/+130,
// DraftKings total -110/-110, Pinnacle total +100/-120.
const dkL = mult(dec(-160), dec(140));
const dkB = 1 - dkL;
const pnL = mult(dec(-155), dec(145));
const pnB = 1 - pnL;
const ciL = mult(dec(-150), dec(130));
const dkO = mult(dec(-110), dec(-110));
const pnO = mult(dec(100), dec(-120));
const pnU = 1 - pnO;

describe('event resolution', () => {
  it('maps BoltOdds/SharpAPI keys by league, time and teams, and leaves the ambiguous and the unknown alone', async () => {
    expect(resolved).toMatchObject({
      identity: 3,
      resolved: 2,
      unmatched: 1,
      ambiguous: 1,
      ambiguousKeys: ['sharpapi:sa-1'],
      unmatchedKeys: ['boltodds:bo-nhl'],
    });
    const rows = await queryRows<Row>(
      ch,
      'SELECT source, source_event_key, event_key, method FROM event_map FINAL ORDER BY source, source_event_key',
    );
    expect(rows).toEqual([
      { source: 'boltodds', source_event_key: 'LAL-BOS-2026-01-10', event_key: A, method: 'league_time_teams' },
      { source: 'opticodds', source_event_key: 'OJ-A', event_key: 'OJ-A', method: 'oddsjam_id' },
      { source: 'opticodds', source_event_key: 'OJ-B', event_key: 'OJ-B', method: 'oddsjam_id' },
      { source: 'opticodds', source_event_key: 'OJ-C', event_key: 'OJ-C', method: 'oddsjam_id' },
      { source: 'sharpapi', source_event_key: 'sa-2', event_key: A, method: 'league_time_teams' },
    ]);
  });
});

describe('closing_lines', () => {
  it('takes the last unlocked tick before the latest known start, per book', async () => {
    const rows = await queryRows<Row>(
      ch,
      `SELECT book, selection, price_american, close_ts, seconds_before_start, start_source FROM closing_lines WHERE event_key = '${A}' AND market = 'moneyline' ORDER BY book, selection`,
    );
    expect(rows).toEqual([
      {
        book: 'circa',
        selection: BOS,
        price_american: 130,
        close_ts: '2026-01-10 00:00:00.000',
        seconds_before_start: 1800,
        start_source: 'fixtures',
      },
      {
        book: 'circa',
        selection: LAL,
        price_american: -150,
        close_ts: '2026-01-10 00:00:00.000',
        seconds_before_start: 1800,
        start_source: 'fixtures',
      },
      {
        book: 'draftkings',
        selection: BOS,
        price_american: 140,
        close_ts: '2026-01-10 00:20:00.000',
        seconds_before_start: 600,
        start_source: 'fixtures',
      },
      {
        book: 'draftkings',
        selection: LAL,
        price_american: -160,
        close_ts: '2026-01-10 00:20:00.000',
        seconds_before_start: 600,
        start_source: 'fixtures',
      },
      {
        book: 'pinnacle',
        selection: BOS,
        price_american: 145,
        close_ts: '2026-01-10 00:00:00.000',
        seconds_before_start: 1800,
        start_source: 'fixtures',
      },
      {
        book: 'pinnacle',
        selection: LAL,
        price_american: -155,
        close_ts: '2026-01-10 00:00:00.000',
        seconds_before_start: 1800,
        start_source: 'fixtures',
      },
    ]);
  });

  it('a pulled line has no close', async () => {
    const rows = await queryRows<Row>(
      ch,
      `SELECT selection, line FROM closing_lines WHERE event_key = '${A}' AND market = 'spread' AND book = 'draftkings' ORDER BY line`,
    );
    expect(rows).toEqual([
      { selection: LAL, line: -4.5 },
      { selection: BOS, line: 4.5 },
    ]);
  });
});

describe('bet_clv', () => {
  it('moneyline single: same book, sharp and consensus', () => {
    const r = clv.get('leg:B1')!;
    const d = dec(-140);
    expect(r).toMatchObject({
      bet_slip_id: 'S1',
      market: 'moneyline',
      selection: LAL,
      book_abbr: 'dk',
      sharp_book: 'pinnacle',
      devig_method: 'multiplicative',
      consensus_books: 3,
      line_moved: false,
      no_close: false,
      incomplete_bet: false,
      boosted: false,
      adjusted: false,
      unresolved_reason: null,
      points_clv: null,
      same_book_close_ts: '2026-01-10 00:20:00.000',
      month: '2026-01-01',
    });
    close(r.bet_decimal, d);
    close(r.same_book_close_decimal, dec(-160));
    close(r.sharp_close_decimal, dec(-155));
    close(r.sharp_fair_prob, pnL);
    close(r.consensus_fair_prob, (dkL + pnL + ciL) / 3);
    close(r.ev_clv_same_book, dkL * d - 1);
    close(r.ev_clv_sharp, pnL * d - 1);
    close(r.ev_clv_consensus, ((dkL + pnL + ciL) / 3) * d - 1);
    close(r.price_clv_same_book, d / dec(-160) - 1);
    close(r.price_clv_sharp, d / dec(-155) - 1);
  });

  it('spread whose line moved: flagged, points against the closing main line, no price figure', () => {
    const r = clv.get('leg:B2')!;
    expect(r).toMatchObject({
      market: 'spread',
      bet_line: -3.5,
      line_moved: true,
      no_close: false,
      same_book_close_line: -4.5,
      same_book_close_decimal: null,
      sharp_close_decimal: null,
      ev_clv_same_book: null,
      ev_clv_sharp: null,
      ev_clv_consensus: null,
      price_clv_same_book: null,
      price_clv_sharp: null,
      consensus_books: 0,
    });
    close(r.points_clv, -3.5 - -4.5);
  });

  it('total at the quoted line', () => {
    const r = clv.get('leg:B3')!;
    const d = dec(-105);
    expect(r).toMatchObject({
      market: 'total',
      selection: 'Over',
      bet_line: 220.5,
      same_book_close_line: 220.5,
      line_moved: false,
      consensus_books: 2,
    });
    close(r.points_clv, 0);
    close(r.ev_clv_same_book, dkO * d - 1);
    close(r.ev_clv_sharp, pnO * d - 1);
    close(r.price_clv_same_book, d / dec(-110) - 1);
    close(r.price_clv_sharp, d / dec(100) - 1);
    close(r.ev_clv_consensus, ((dkO + pnO) / 2) * d - 1);
  });

  it('parlay: per leg and one slip row at the slip price', () => {
    const a = clv.get('leg:B4a')!;
    const b = clv.get('leg:B4b')!;
    close(a.ev_clv_sharp, pnB * dec(150) - 1);
    close(b.ev_clv_sharp, pnU * dec(-110) - 1);
    close(b.ev_clv_same_book, (1 - dkO) * dec(-110) - 1);
    const s = clv.get('slip:S4')!;
    const dSlip = dec(380);
    expect(s).toMatchObject({
      bet_slip_id: 'S4',
      market: 'parlay',
      bet_odds_american: 380,
      line_moved: false,
      no_close: false,
      unresolved_reason: null,
      consensus_books: 2,
    });
    close(s.bet_decimal, dSlip);
    close(s.same_book_close_decimal, dec(140) * dec(-110));
    close(s.sharp_close_decimal, dec(145) * dec(-120));
    close(s.sharp_fair_prob, pnB * pnU);
    close(s.ev_clv_same_book, dkB * (1 - dkO) * dSlip - 1);
    close(s.ev_clv_sharp, pnB * pnU * dSlip - 1);
    close(s.price_clv_same_book, dSlip / (dec(140) * dec(-110)) - 1);
    close(s.price_clv_sharp, dSlip / (dec(145) * dec(-120)) - 1);
    expect([...clv.keys()].filter((k) => k.startsWith('slip:'))).toEqual(['slip:S4']);
  });

  it('flags incomplete and boosted bets but still prices them', () => {
    const inc = clv.get('leg:B5')!;
    expect(inc).toMatchObject({ incomplete_bet: true, boosted: false });
    close(inc.ev_clv_same_book, dkB * dec(135) - 1);
    const boost = clv.get('leg:B6')!;
    expect(boost).toMatchObject({ incomplete_bet: false, boosted: true, adjusted: true });
    close(boost.ev_clv_sharp, pnL * 2 - 1);
  });

  it('a book with no quotes is no_close, not unresolved', () => {
    expect(clv.get('leg:B11')).toMatchObject({
      no_close: true,
      line_moved: false,
      same_book_close_decimal: null,
      ev_clv_same_book: null,
      unresolved_reason: null,
    });
    close(clv.get('leg:B11')!.ev_clv_sharp, pnL * dec(-150) - 1);
  });

  it('counts unresolved legs by reason', async () => {
    expect(await unresolvedBets(ch)).toEqual({ no_event_key: 1, no_feed_event: 1, proposition: 1, segment: 1 });
    expect(clv.get('leg:B7')).toMatchObject({ unresolved_reason: 'segment', no_close: false, line_moved: false });
  });

  it('reference book and de-vig method are parameters (bet_clv_at)', async () => {
    const [r] = await queryRows<Row>(
      ch,
      "SELECT * FROM bet_clv_at(sharp_book = {b:String}, devig = 'additive') WHERE bet_id = 'B1'",
      { b: 'draftkings' },
    );
    expect(r).toMatchObject({ sharp_book: 'draftkings', devig_method: 'additive' });
    close(r.sharp_fair_prob, addi(dec(-160), dec(140)));
    close(r.ev_clv_sharp, addi(dec(-160), dec(140)) * dec(-140) - 1);
  });

  it('power and Shin de-vig give what lh_devig gives for the same close; an unknown method gives NULL', async () => {
    for (const m of ['power', 'shin']) {
      const [r] = await queryRows<Row>(
        ch,
        "SELECT sharp_fair_prob, consensus_books FROM bet_clv_at(sharp_book = 'pinnacle', devig = {m:String}) WHERE bet_id = 'B1'",
        { m },
      );
      const [e] = await queryRows<Row>(ch, 'SELECT lh_devig([{a:Float64}, {b:Float64}], {m:String})[1] AS p', {
        a: dec(-155),
        b: dec(145),
        m,
      });
      close(r.sharp_fair_prob, Number(e.p));
      expect(Number(e.p)).not.toBeCloseTo(pnL, 6); // a different method, not the multiplicative figure
      expect(r.consensus_books).toBe(3);
    }
    const [u] = await queryRows<Row>(
      ch,
      "SELECT sharp_fair_prob, sharp_close_decimal, consensus_books FROM bet_clv_at(sharp_book = 'pinnacle', devig = 'nope') WHERE bet_id = 'B1'",
    );
    expect(u).toMatchObject({ sharp_fair_prob: null, consensus_books: 0 });
    close(u.sharp_close_decimal, dec(-155));
  });
});
