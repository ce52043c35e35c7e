import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materializeClosingLines, resolveEvents } from '../../clv';
import { createWarehouse, insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { loadRepeatables, migrate } from '../../platform/warehouse/migrate';
import { tempDir } from '../support/stack';

// Stored closes must equal the live computation (closing_lines_live) row for row, through every
// way a stored close can go stale. bet_clv_live_at is bet_clv_at over closing_lines_live, built
// here from sql/views/bet_clv_at.sql.

const dec = (a: number) => (a > 0 ? 1 + a / 100 : 1 + 100 / -a);
const T = (hhmm: string, day = '2026-01-10') => `${day}T${hhmm}:00.000Z`;
const DAY0 = '2026-01-09';
const LAL = 'Los Angeles Lakers';
const BOS = 'Boston Celtics';
const NYK = 'New York Knicks';
const BKN = 'Brooklyn Nets';

let n = 0;
type TickIn = {
  source?: string;
  event: string;
  league?: string;
  home?: string;
  away?: string;
  start: string | null;
  book: string;
  market: string;
  selection: string;
  line?: number | null;
  price: number | null;
  ts: string;
  locked?: boolean;
  removed?: boolean;
  main?: boolean;
};
function tick(p: TickIn) {
  n++;
  return {
    tick_id: `t${n}`,
    source: p.source ?? 'opticodds',
    book: p.book,
    sport: 'basketball',
    league: p.league ?? 'nba',
    event_key: p.event,
    provider_event_id: p.event,
    provider_odd_id: `o${n}`,
    home_team: p.home ?? LAL,
    away_team: p.away ?? BOS,
    start_time: p.start,
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
const A = { event: 'OJ-A', start: T('01:00') };
const B = { event: 'OJ-B', home: NYK, away: BKN, start: T('02:00') };
const BO = {
  source: 'boltodds',
  event: 'LAL-BOS',
  league: 'NBA',
  home: 'LA Lakers',
  away: 'The Celtics',
  start: T('01:10'),
};
const SA = { source: 'sharpapi', event: 'sa-B', home: 'Knicks', away: 'Nets', start: T('02:00') };
const F = { event: 'OJ-F', start: T('01:00', '2099-01-01') }; // not started: never stored
const ticks = [
  ...[
    ['23:00', -150, 130, DAY0],
    ['00:20', -160, 140],
    ['00:45', -200, 170],
  ]
    .map(([hm, l, b, day]) => [
      tick({
        ...A,
        book: 'draftkings',
        market: 'moneyline',
        selection: LAL,
        price: l as number,
        ts: T(hm as string, day as string | undefined),
      }),
      tick({
        ...A,
        book: 'draftkings',
        market: 'moneyline',
        selection: BOS,
        price: b as number,
        ts: T(hm as string, day as string | undefined),
      }),
    ])
    .flat(),
  tick({ ...A, book: 'pinnacle', market: 'moneyline', selection: LAL, price: -155, ts: T('00:00') }),
  tick({ ...A, book: 'pinnacle', market: 'moneyline', selection: BOS, price: 145, ts: T('00:00') }),
  tick({ ...A, book: 'pinnacle', market: 'moneyline', selection: LAL, price: -170, ts: T('00:25'), locked: true }),
  tick({ ...A, book: 'draftkings', market: 'spread', selection: LAL, line: -3.5, price: -110, ts: T('23:00', DAY0) }),
  tick({ ...A, book: 'draftkings', market: 'spread', selection: BOS, line: 3.5, price: -110, ts: T('23:00', DAY0) }),
  tick({
    ...A,
    book: 'draftkings',
    market: 'spread',
    selection: LAL,
    line: -3.5,
    price: null,
    ts: T('00:10'),
    removed: true,
  }),
  tick({
    ...A,
    book: 'draftkings',
    market: 'spread',
    selection: BOS,
    line: 3.5,
    price: null,
    ts: T('00:10'),
    removed: true,
  }),
  tick({
    ...A,
    book: 'draftkings',
    market: 'spread',
    selection: LAL,
    line: -4.5,
    price: -110,
    ts: T('00:10'),
    main: true,
  }),
  tick({
    ...A,
    book: 'draftkings',
    market: 'spread',
    selection: BOS,
    line: 4.5,
    price: -110,
    ts: T('00:10'),
    main: true,
  }),
  tick({ ...A, book: 'draftkings', market: 'total', selection: 'Over', line: 220.5, price: -110, ts: T('00:15') }),
  tick({ ...A, book: 'draftkings', market: 'total', selection: 'Under', line: 220.5, price: -110, ts: T('00:15') }),
  tick({ ...BO, book: 'circa', market: 'moneyline', selection: LAL, price: -150, ts: T('00:00') }),
  tick({ ...BO, book: 'circa', market: 'moneyline', selection: BOS, price: 130, ts: T('00:00') }),
  tick({ ...BO, book: 'circa', market: 'moneyline', selection: LAL, price: -300, ts: T('00:40') }),
  tick({ ...BO, book: 'circa', market: 'moneyline', selection: BOS, price: 250, ts: T('00:40') }),
  tick({ ...B, book: 'draftkings', market: 'moneyline', selection: NYK, price: -120, ts: T('01:00') }),
  tick({ ...B, book: 'draftkings', market: 'moneyline', selection: BKN, price: 100, ts: T('01:00') }),
  tick({ ...B, book: 'pinnacle', market: 'moneyline', selection: NYK, price: -125, ts: T('01:00') }),
  tick({ ...B, book: 'pinnacle', market: 'moneyline', selection: BKN, price: 105, ts: T('01:00') }),
  // SharpAPI quotes the same DraftKings line later than OpticOdds: once sa-B joins OJ-B it is the close.
  tick({ ...SA, book: 'draftkings', market: 'moneyline', selection: NYK, price: -135, ts: T('01:30') }),
  tick({ ...SA, book: 'draftkings', market: 'moneyline', selection: BKN, price: 115, ts: T('01:30') }),
  tick({ ...F, book: 'draftkings', market: 'moneyline', selection: LAL, price: -110, ts: T('00:00') }),
  tick({ ...F, book: 'draftkings', market: 'moneyline', selection: BOS, price: -110, ts: T('00:00') }),
  // A tick without a start (the event's start comes from its latest tick that has one).
  tick({ ...B, start: null, book: 'circa', market: 'moneyline', selection: NYK, price: -118, ts: T('00:30') }),
];
const fixture = (id: string, start: string, ts: string) => ({
  update_id: id,
  source: 'opticodds',
  event_key: 'OJ-A',
  provider_event_id: 'OJ-A',
  sport: 'basketball',
  league: 'nba',
  home_team: LAL,
  away_team: BOS,
  start_time: start,
  ts,
  received_at: ts,
});
const placed = T('22:00', DAY0);
const slip = (id: string, book = 'dk', type = 'single', odds = -110) => ({
  id,
  bettor_id: 'BTTR_1',
  bettor_account_id: 'BACT_1',
  book_abbr: book,
  book_name: '',
  book_ref: '',
  time_placed: placed,
  type,
  odds_american: odds,
  status: 'pending',
  incomplete: false,
  adjusted_odds: null,
  adjusted_line: null,
  adjusted_at_risk: null,
  leg_count: type === 'parlay' ? 2 : 1,
  refresh_response_id: 'R',
  refresh_response_time: placed,
  version: 1,
});
const bet = (
  id: string,
  slipId: string,
  oddsjam: string,
  proposition: string,
  position: string,
  odds: number,
  line: number | null = null,
) => ({
  id,
  bet_slip_id: slipId,
  bettor_id: 'BTTR_1',
  bettor_account_id: 'BACT_1',
  book_abbr: 'dk',
  time_placed: placed,
  event_id: 'E',
  oddsjam_id: oddsjam,
  sport: 'basketball',
  league: 'NBA',
  event_name: '',
  event_start_time: null,
  home_team: '',
  away_team: '',
  bet_type: proposition,
  proposition,
  segment: null,
  position,
  line,
  odds_american: odds,
  status: 'pending',
  live: false,
  incomplete: false,
  version: 1,
});

type Row = Record<string, unknown>;
let ch: Warehouse;
const CL_ORDER = 'ORDER BY event_key, market, selection, line, book';
const sameAsLive = async () => {
  const cached = await queryRows<Row>(ch, `SELECT * FROM closing_lines ${CL_ORDER}`);
  expect(cached).toEqual(await queryRows<Row>(ch, `SELECT * FROM closing_lines_live ${CL_ORDER}`));
  for (const at of ["sharp_book = 'pinnacle', devig = 'multiplicative'", "sharp_book = 'circa', devig = 'shin'"]) {
    const q = (v: string) => `SELECT * FROM ${v}(${at}) ORDER BY row_kind, bet_id`;
    expect(await queryRows<Row>(ch, q('bet_clv_at'))).toEqual(await queryRows<Row>(ch, q('bet_clv_live_at')));
  }
  const live = await queryRows<Row>(
    ch,
    "SELECT * FROM bet_clv_live_at(sharp_book = 'pinnacle', devig = 'multiplicative') ORDER BY row_kind, bet_id",
  );
  expect(await queryRows<Row>(ch, 'SELECT * FROM bet_clv ORDER BY row_kind, bet_id')).toEqual(live);
  expect(live.filter((r) => r.ev_clv_sharp !== null).length).toBeGreaterThan(2);
  return cached;
};
const cachedEvents = async () =>
  (
    await queryRows<{ k: string }>(
      ch,
      "SELECT concat(source, ':', event_key) AS k FROM closing_events WHERE cached ORDER BY k",
    )
  ).map((r) => r.k);
const materialize = () => materializeClosingLines(ch, { graceSeconds: 0, insertLagMs: 0 });
const close = async (event: string, book: string, selection: string) =>
  (
    await queryRows<Row>(
      ch,
      'SELECT price_american, close_ts FROM closing_lines WHERE event_key = {e:String} AND book = {b:String} AND selection = {s:String}',
      { e: event, b: book, s: selection },
    )
  )[0];

/** The definition of a view (sql/views), renamed, with its sources renamed (word-exact). */
function viewSql(view: string, renames: Record<string, string>, edit: (sql: string) => string = (s) => s): string {
  const stmt = loadRepeatables().find((r) => r.kind === 'view' && r.name === view)!.statements[0];
  let sql = edit(stmt);
  for (const [from, to] of Object.entries(renames)) sql = sql.replace(new RegExp(`\\b${from}\\b`, 'g'), to);
  return sql;
}

beforeAll(async () => {
  ch = await createWarehouse({
    dataDir: tempDir('clv-cache'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await migrate(ch);
  await ch.command({
    query: viewSql('bet_clv_at', { bet_clv_at: 'bet_clv_live_at', closing_lines: 'closing_lines_live' }),
  });
  await insertRows(ch, 'odds_ticks', ticks);
  await insertRows(ch, 'fixtures', [fixture('f1', T('01:00'), T('20:00', DAY0))]);
  await insertRows(ch, 'bet_slips', [slip('S1'), slip('S2'), slip('S3'), slip('S4', 'dk', 'parlay', 300), slip('S5')]);
  await insertRows(ch, 'bets', [
    bet('B1', 'S1', 'OJ-A', 'moneyline', LAL, -140),
    bet('B2', 'S2', 'OJ-A', 'spread', LAL, -110, -3.5),
    bet('B3', 'S3', 'OJ-B', 'moneyline', NYK, -110),
    bet('B4a', 'S4', 'OJ-A', 'total', 'Over', -110, 220.5),
    bet('B4b', 'S4', 'OJ-B', 'moneyline', BKN, 110),
    bet('B5', 'S5', 'OJ-F', 'moneyline', LAL, -105),
  ]);
});
afterAll(async () => {
  await ch?.close();
});

describe('bet_clv', () => {
  it('(generated from bet_clv_at by migrate) gives the rows of bet_clv_at with the default parameters', async () => {
    const gen = loadRepeatables().find((r) => r.name === 'bet_clv')!;
    expect(gen.generatedFrom).toEqual({
      view: 'bet_clv_at',
      params: { sharp_book: "'pinnacle'", devig: "'multiplicative'" },
    });
    const at = await queryRows<Row>(
      ch,
      "SELECT * FROM bet_clv_at(sharp_book = 'pinnacle', devig = 'multiplicative') ORDER BY row_kind, bet_id",
    );
    expect(await queryRows<Row>(ch, 'SELECT * FROM bet_clv ORDER BY row_kind, bet_id')).toEqual(at);
    // Rows that exercise both parameters: a sharp close found at pinnacle, fair probabilities de-vigged.
    expect(at.filter((r) => r.sharp_close_decimal !== null && r.sharp_fair_prob !== null).length).toBeGreaterThan(2);
    expect(new Set(at.map((r) => `${r.sharp_book}/${r.devig_method}`))).toEqual(new Set(['pinnacle/multiplicative']));
    // Not vacuous: another reference book or method gives other figures for the same bets.
    for (const other of ["sharp_book = 'circa', devig = 'multiplicative'", "sharp_book = 'pinnacle', devig = 'shin'"])
      expect(
        await queryRows<Row>(ch, `SELECT * FROM bet_clv_at(${other}) ORDER BY row_kind, bet_id`),
        other,
      ).not.toEqual(at);
  });
});

describe('closing_lines from stored closes equals the live computation', () => {
  it('before any materialization (everything live) and after one', async () => {
    expect(await cachedEvents()).toEqual([]);
    await sameAsLive();
    const r = await materialize();
    expect(r).toMatchObject({ events: 4, pending: 1 }); // OJ-F has not started
    expect(await cachedEvents()).toEqual(['boltodds:LAL-BOS', 'opticodds:OJ-A', 'opticodds:OJ-B', 'sharpapi:sa-B']);
    const rows = await sameAsLive();
    expect(rows.length).toBeGreaterThan(10);
    expect(await close('OJ-A', 'draftkings', LAL)).toEqual({
      price_american: -200,
      close_ts: '2026-01-10 00:45:00.000',
    }); // start 01:00
    const [{ stored }] = await queryRows<{ stored: number }>(ch, 'SELECT count() AS stored FROM closing_lines_store');
    expect(Number(stored)).toBeGreaterThan(0);
  });

  it('(a) a start moved earlier, then later, through fixtures', async () => {
    await insertRows(ch, 'fixtures', [fixture('f2', T('00:30'), T('23:30', DAY0))]);
    expect(await cachedEvents()).not.toContain('opticodds:OJ-A');
    await sameAsLive();
    expect(await close('OJ-A', 'draftkings', LAL)).toEqual({
      price_american: -160,
      close_ts: '2026-01-10 00:20:00.000',
    });
    expect(await materialize()).toMatchObject({ events: 1 });
    expect(await cachedEvents()).toContain('opticodds:OJ-A');
    await sameAsLive();
    await insertRows(ch, 'fixtures', [fixture('f3', T('00:50'), T('00:05'))]);
    await sameAsLive();
    expect(await close('OJ-A', 'draftkings', LAL)).toEqual({
      price_american: -200,
      close_ts: '2026-01-10 00:45:00.000',
    });
    await materialize();
    expect(await cachedEvents()).toContain('opticodds:OJ-A');
    await sameAsLive();
  });

  it('(b) a late tick before the start of a stored event', async () => {
    await insertRows(ch, 'odds_ticks', [
      tick({ ...B, book: 'pinnacle', market: 'moneyline', selection: NYK, price: -140, ts: T('01:40') }),
    ]);
    expect(await cachedEvents()).not.toContain('opticodds:OJ-B');
    await sameAsLive();
    expect(await close('OJ-B', 'pinnacle', NYK)).toMatchObject({ price_american: -140 });
    await materialize();
    expect(await cachedEvents()).toContain('opticodds:OJ-B');
    await sameAsLive();
  });

  it('(c) event_map joins BoltOdds and SharpAPI events to canonical events', async () => {
    expect(await close('OJ-B', 'draftkings', NYK)).toMatchObject({ price_american: -120 });
    await resolveEvents(ch);
    // LAL-BOS now reads OJ-A's fixtures start (00:50, not its ticks' 01:10): stale. sa-B keeps its start: still stored, now under OJ-B.
    expect(await cachedEvents()).toEqual(['opticodds:OJ-A', 'opticodds:OJ-B', 'sharpapi:sa-B']);
    await sameAsLive();
    expect(await close('OJ-B', 'draftkings', NYK)).toMatchObject({ price_american: -135 });
    expect(await close('OJ-A', 'circa', LAL)).toMatchObject({ price_american: -300 });
    expect(await materialize()).toMatchObject({ events: 1 });
    await sameAsLive();
  });

  it('(d) materializing again stores nothing and duplicates no close', async () => {
    const count = async () =>
      Number((await queryRows<{ n: number }>(ch, 'SELECT count() AS n FROM closing_lines_store'))[0].n);
    const before = await count();
    expect(await materialize()).toMatchObject({ version: null, events: 0, closes: 0, pending: 1 });
    expect(await materialize()).toMatchObject({ events: 0 });
    expect(await count()).toBe(before);
    const rows = await sameAsLive();
    // One stored version per event: re-materialized events dropped their superseded closes.
    expect(await count()).toBe(
      Number(
        (await queryRows<{ n: number }>(ch, 'SELECT sum(stored_closes) AS n FROM closing_events WHERE cached'))[0].n,
      ),
    );
    const keys = rows.map((r) => JSON.stringify([r.event_key, r.market, r.selection, r.line, r.book]));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('an in-play tick (an hour after the start) leaves the stored closes current', async () => {
    await insertRows(ch, 'odds_ticks', [
      tick({ ...B, book: 'pinnacle', market: 'moneyline', selection: NYK, price: -400, ts: T('03:10') }),
    ]);
    expect(await cachedEvents()).toContain('opticodds:OJ-B');
    await sameAsLive();
  });

  it('a tick still in flight within insertLagMs keeps its event live', async () => {
    await insertRows(ch, 'odds_ticks', [
      tick({ ...B, book: 'pinnacle', market: 'moneyline', selection: BKN, price: 120, ts: T('01:41') }),
    ]);
    expect(await materializeClosingLines(ch, { graceSeconds: 0, insertLagMs: 60_000 })).toMatchObject({ events: 1 });
    expect(await cachedEvents()).not.toContain('opticodds:OJ-B');
    await sameAsLive();
    await materialize();
    expect(await cachedEvents()).toContain('opticodds:OJ-B');
  });

  it('a claim without its completion (a run that died) keeps the event live until a later run completes', async () => {
    await ch.command({
      query: `INSERT INTO closing_materializations (source, event_key, ev_start, materialized_at, complete, closes)
        SELECT source, event_key, ev_start, now64(3), false, 0 FROM closing_events WHERE source = 'opticodds' AND event_key = 'OJ-A'`,
    });
    expect(await cachedEvents()).not.toContain('opticodds:OJ-A');
    await sameAsLive();
    expect(await materialize()).toMatchObject({ events: 1 });
    expect(await cachedEvents()).toContain('opticodds:OJ-A');
    await sameAsLive();
  });

  it('negative control: without the validity check the stored closes go stale and the comparison fails', async () => {
    const renames = {
      closing_events: 'closing_events_nocheck',
      closing_partials_pending: 'closing_partials_nocheck',
      closing_lines: 'closing_lines_nocheck',
    };
    const noCheck = (s: string) =>
      s.replace(
        'mat.m_at = mat.m_latest\n        AND mat.m_start = ev_start AND last_inserted_before_start < mat.m_at',
        '1',
      );
    await ch.command({
      query: viewSql('closing_events', renames, (s) => {
        const out = noCheck(s);
        expect(out).not.toBe(s);
        return out;
      }),
    });
    await ch.command({ query: viewSql('closing_partials_pending', renames) });
    await ch.command({ query: viewSql('closing_lines', renames) });
    const q = (v: string) => queryRows<Row>(ch, `SELECT * FROM ${v} ${CL_ORDER}`);
    expect(await q('closing_lines_nocheck')).toEqual(await q('closing_lines_live')); // nothing stale yet
    await insertRows(ch, 'fixtures', [fixture('f4', T('00:30'), T('00:06'))]);
    await insertRows(ch, 'odds_ticks', [
      tick({ ...B, book: 'pinnacle', market: 'moneyline', selection: NYK, price: -150, ts: T('01:50') }),
    ]);
    expect(await q('closing_lines_nocheck')).not.toEqual(await q('closing_lines_live'));
    await sameAsLive();
  });
});
