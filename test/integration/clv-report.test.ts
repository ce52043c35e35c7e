import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as clvCli } from '../../cli/clv';
import { createAdminServer } from '../../workers/admin-server';
import { REPO_ROOT } from '../../platform/paths';
import { bindAsHex, clvReport, REPORT_TITLE, warehouseRunner, type ClvGroup, type ClvReport } from '../../clv/report';
import { createWarehouse, insertRows, queryRows, runSql, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import { tempDir } from '../support/stack';
import { runFilePath } from '../../workers/run-file';

// Independent arithmetic (not lib/odds): American → decimal, multiplicative de-vig of a two-way market.
const dec = (a: number) => (a > 0 ? 1 + a / 100 : 1 + 100 / -a);
const mult = (dA: number, dB: number) => 1 / dA / (1 / dA + 1 / dB);

const T = (hhmm: string, day: string) => `${day}T${hhmm}:00.000Z`;
const JAN = '2026-01-10';
const FEB = '2026-02-14';
const LAL = 'Los Angeles Lakers';
const BOS = 'Boston Celtics';
const NYK = 'New York Knicks';
const BKN = 'Brooklyn Nets';

let n = 0;
function tick(p: {
  event: string;
  home: string;
  away: string;
  start: string;
  book: string;
  market: string;
  selection: string;
  line?: number | null;
  price: number;
  ts: string;
  main?: boolean;
}) {
  n++;
  return {
    tick_id: `t${n}`,
    source: 'opticodds',
    book: p.book,
    sport: 'basketball',
    league: 'nba',
    event_key: p.event,
    provider_event_id: p.event,
    provider_odd_id: `o${n}`,
    home_team: p.home,
    away_team: p.away,
    start_time: p.start,
    market: p.market,
    market_raw: p.market,
    selection: p.selection,
    line: p.line ?? null,
    price_american: p.price,
    price_decimal: dec(p.price),
    implied_prob: null,
    is_main: p.main ?? null,
    is_live: false,
    locked: false,
    removed: false,
    ts: p.ts,
    received_at: p.ts,
  };
}
const A = { event: 'OJ-A', home: LAL, away: BOS, start: T('00:30', JAN) };
const B = { event: 'OJ-B', home: NYK, away: BKN, start: T('01:00', FEB) };
const ticks = [
  tick({ ...A, book: 'draftkings', market: 'moneyline', selection: LAL, price: -150, ts: T('23:00', '2026-01-09') }),
  tick({ ...A, book: 'draftkings', market: 'moneyline', selection: BOS, price: 130, ts: T('23:00', '2026-01-09') }),
  tick({ ...A, book: 'draftkings', market: 'moneyline', selection: LAL, price: -160, ts: T('00:20', JAN) }),
  tick({ ...A, book: 'draftkings', market: 'moneyline', selection: BOS, price: 140, ts: T('00:20', JAN) }),
  tick({ ...A, book: 'pinnacle', market: 'moneyline', selection: LAL, price: -155, ts: T('00:00', JAN) }),
  tick({ ...A, book: 'pinnacle', market: 'moneyline', selection: BOS, price: 145, ts: T('00:00', JAN) }),
  tick({
    ...A,
    book: 'draftkings',
    market: 'spread',
    selection: LAL,
    line: -4.5,
    price: -110,
    ts: T('00:10', JAN),
    main: true,
  }),
  tick({
    ...A,
    book: 'draftkings',
    market: 'spread',
    selection: BOS,
    line: 4.5,
    price: -110,
    ts: T('00:10', JAN),
    main: true,
  }),
  tick({ ...A, book: 'draftkings', market: 'total', selection: 'Over', line: 220.5, price: -110, ts: T('00:15', JAN) }),
  tick({
    ...A,
    book: 'draftkings',
    market: 'total',
    selection: 'Under',
    line: 220.5,
    price: -110,
    ts: T('00:15', JAN),
  }),
  tick({ ...A, book: 'pinnacle', market: 'total', selection: 'Over', line: 220.5, price: 100, ts: T('00:15', JAN) }),
  tick({ ...A, book: 'pinnacle', market: 'total', selection: 'Under', line: 220.5, price: -120, ts: T('00:15', JAN) }),
  tick({ ...B, book: 'draftkings', market: 'moneyline', selection: NYK, price: -120, ts: T('00:30', FEB) }),
  tick({ ...B, book: 'draftkings', market: 'moneyline', selection: BKN, price: 100, ts: T('00:30', FEB) }),
  tick({ ...B, book: 'pinnacle', market: 'moneyline', selection: NYK, price: -125, ts: T('00:40', FEB) }),
  tick({ ...B, book: 'pinnacle', market: 'moneyline', selection: BKN, price: 105, ts: T('00:40', FEB) }),
];

function slip(
  id: string,
  bettor: string,
  day: string,
  p: { book?: string; type?: string; odds: number; legs?: number },
) {
  const placed = T('12:00', day === JAN ? '2026-01-09' : '2026-02-13');
  return {
    id,
    bettor_id: bettor,
    bettor_account_id: `BACT_${bettor}`,
    book_abbr: p.book ?? 'dk',
    book_name: '',
    book_ref: '',
    time_placed: placed,
    type: p.type ?? 'single',
    odds_american: p.odds,
    status: 'pending',
    incomplete: false,
    adjusted_odds: null,
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
  s: ReturnType<typeof slip>,
  p: {
    oddsjam: string;
    proposition: string;
    position: string;
    line?: number;
    odds: number;
    status?: string;
    outcome?: string;
  },
) {
  return {
    id,
    bet_slip_id: s.id,
    bettor_id: s.bettor_id,
    bettor_account_id: s.bettor_account_id,
    book_abbr: s.book_abbr,
    time_placed: s.time_placed,
    event_id: 'EVNT',
    oddsjam_id: p.oddsjam,
    sport: 'basketball',
    league: 'NBA',
    event_name: '',
    event_start_time: null,
    home_team: '',
    away_team: '',
    bet_type: p.proposition,
    proposition: p.proposition,
    segment: null,
    position: p.position,
    line: p.line ?? null,
    odds_american: p.odds,
    status: p.status ?? 'pending',
    outcome: p.outcome ?? null,
    live: false,
    incomplete: false,
    version: 1,
  };
}
const S = {
  S1: slip('S1', 'BTTR_1', JAN, { odds: -140 }),
  S2: slip('S2', 'BTTR_1', JAN, { odds: -110 }),
  S3: slip('S3', 'BTTR_1', JAN, { odds: -105 }),
  S4: slip('S4', 'BTTR_1', JAN, { type: 'parlay', odds: 380, legs: 2 }),
  S8: slip('S8', 'BTTR_1', JAN, { odds: 200 }),
  S5: slip('S5', 'BTTR_2', FEB, { odds: -110 }),
  S6: slip('S6', 'BTTR_2', FEB, { book: 'fd', odds: 110 }),
  S7: slip('S7', 'BTTR_2', FEB, { odds: -115 }),
  S9: slip('S9', 'BTTR_2', FEB, { book: 'mg', odds: -110 }),
};
const bets = [
  bet('B1', S.S1, {
    oddsjam: 'OJ-A',
    proposition: 'moneyline',
    position: LAL,
    odds: -140,
    status: 'completed',
    outcome: 'win',
  }),
  bet('B2', S.S2, {
    oddsjam: 'OJ-A',
    proposition: 'spread',
    position: LAL,
    line: -3.5,
    odds: -110,
    status: 'completed',
    outcome: 'loss',
  }),
  bet('B3', S.S3, { oddsjam: 'OJ-A', proposition: 'total', position: 'Over', line: 220.5, odds: -105 }),
  bet('B4a', S.S4, { oddsjam: 'OJ-A', proposition: 'moneyline', position: BOS, odds: 150 }),
  bet('B4b', S.S4, { oddsjam: 'OJ-A', proposition: 'total', position: 'Under', line: 220.5, odds: -110 }),
  bet('B8', S.S8, { oddsjam: 'OJ-A', proposition: '3-way', position: 'Draw', odds: 200 }),
  bet('B5', S.S5, { oddsjam: 'OJ-B', proposition: 'moneyline', position: NYK, odds: -110 }),
  bet('B6', S.S6, { oddsjam: 'OJ-B', proposition: 'moneyline', position: BKN, odds: 110 }),
  bet('B7', S.S7, { oddsjam: '', proposition: 'moneyline', position: NYK, odds: -115 }),
  bet('B9', S.S9, { oddsjam: 'OJ-NOPE', proposition: 'moneyline', position: NYK, odds: -110 }),
];

// Expected EV at close vs Pinnacle (multiplicative), per leg; null where there is no figure.
const pnL = mult(dec(-155), dec(145));
const pnO = mult(dec(100), dec(-120));
const pnN = mult(dec(-125), dec(105));
const evSharp: Record<string, number | null> = {
  B1: pnL * dec(-140) - 1,
  B2: null, // line moved (and Pinnacle has no spread)
  B3: pnO * dec(-105) - 1,
  B4a: (1 - pnL) * dec(150) - 1,
  B4b: (1 - pnO) * dec(-110) - 1,
  B8: null,
  B5: pnN * dec(-110) - 1,
  B6: (1 - pnN) * dec(110) - 1, // FanDuel has no close, Pinnacle does
  B7: null,
  B9: null,
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const figures = (ids: string[]) => ids.map((id) => evSharp[id]).filter((v): v is number => v !== null);

const RESULTS = path.join(REPO_ROOT, 'test-results');
let dataDir: string;
let ch: Warehouse | null;
let report: ClvReport;

beforeAll(async () => {
  dataDir = tempDir('clv-report');
  ch = await createWarehouse({ dataDir, clickhouse: { user: 'default', password: '', database: 'linehouse' } });
  await migrate(ch);
  await insertRows(ch, 'odds_ticks', ticks);
  await insertRows(ch, 'bet_slips', Object.values(S));
  await insertRows(ch, 'bets', bets);
  await insertRows(ch, 'feed_gaps', [
    { feed: 'opticodds', reason: 'resume_not_replayable', gap_from: '1', gap_to: '2', detail: 'test' },
  ]);
  await insertRows(ch, 'refresh_runs', [
    {
      workflow_id: 'w1',
      bettor_account_id: 'BACT_BTTR_1',
      bettor_id: 'BTTR_1',
      book_abbr: 'dk',
      request_id: 'r1',
      refresh_response_id: 'RRES_1',
      refresh_type: 'manual',
      origin: 'linehouse',
      status: 200,
      detail: '',
      attempts: 1,
      pages: 1,
      slips: 5,
      bets: 6,
      started_at: T('12:00', '2026-01-09'),
      finished_at: T('12:01', '2026-01-09'),
    },
  ]);
  report = await clvReport(warehouseRunner(ch));
  fs.mkdirSync(RESULTS, { recursive: true });
});
afterAll(async () => {
  await ch?.close();
});

describe('clvReport aggregates', () => {
  it('overall counts, flags and unresolved reasons (legs)', () => {
    const o = report.overall;
    // no_close: B6 (FanDuel never quoted OJ-B) and B9 (no feed has OJ-NOPE at all, also no_feed_event).
    expect(o).toMatchObject({
      dimension: 'all',
      bets: 10,
      resolved: 7,
      lineMoved: 1,
      noClose: 2,
      unresolved: 3,
      withEvClvSharp: 6,
      withPointsClv: 3,
    });
    expect(o.unresolvedByReason).toEqual({ proposition: 1, no_event_key: 1, no_feed_event: 1 });
    const all = figures(Object.keys(evSharp));
    expect(o.avgEvClvSharp).toBeCloseTo(mean(all), 10);
    expect(o.beatCloseShare).toBeCloseTo(all.filter((v) => v > 0).length / all.length, 10);
    // Points: B2 spread −3.5 vs the closing main line −4.5 (+1), B3/B4b totals at the closing line (0).
    expect(o.avgPointsClv).toBeCloseTo(1 / 3, 10);
    expect(report).toMatchObject({ sharpBook: 'pinnacle', devig: 'multiplicative', rows: 'legs' });
  });

  it('by month and by bettor', () => {
    expect(report.groups.month.map((g) => [g.key, g.bets])).toEqual([
      ['2026-01-01', 6],
      ['2026-02-01', 4],
    ]);
    const [jan, feb] = report.groups.month;
    expect(jan.avgEvClvSharp).toBeCloseTo(mean(figures(['B1', 'B2', 'B3', 'B4a', 'B4b', 'B8'])), 10);
    expect(feb.avgEvClvSharp).toBeCloseTo(mean(figures(['B5', 'B6', 'B7', 'B9'])), 10);
    // Same book: DraftKings' own close for B5 only (B6 FanDuel has none, B7/B9 unresolved).
    expect(feb.avgEvClvSameBook).toBeCloseTo(mult(dec(-120), dec(100)) * dec(-110) - 1, 10);
    expect(feb.avgPriceClvSharp).toBeCloseTo(mean([dec(-110) / dec(-125) - 1, dec(110) / dec(105) - 1]), 10);
    expect(feb).toMatchObject({ resolved: 2, noClose: 2, lineMoved: 0, unresolved: 2, avgPointsClv: null });
    const bettors = Object.fromEntries(report.groups.bettor.map((g) => [g.key, g]));
    expect(bettors.BTTR_1).toMatchObject({
      bets: 6,
      resolved: 5,
      lineMoved: 1,
      unresolvedByReason: { proposition: 1 },
    });
    expect(bettors.BTTR_2).toMatchObject({
      bets: 4,
      resolved: 2,
      noClose: 2,
      unresolvedByReason: { no_event_key: 1, no_feed_event: 1 },
    });
  });

  it('by book, league and market match an aggregation of the raw view rows', async () => {
    const raw = await queryRows<Record<string, any>>(ch!, "SELECT * FROM bet_clv WHERE row_kind = 'leg'");
    for (const [dim, col] of [
      ['book', 'book_abbr'],
      ['league', 'league'],
      ['market', 'market'],
    ] as const) {
      const keys = [...new Set(raw.map((r) => String(r[col] ?? '')))].sort();
      expect(report.groups[dim].map((g) => g.key).sort()).toEqual(keys);
      for (const g of report.groups[dim]) {
        const rows = raw.filter((r) => String(r[col] ?? '') === g.key);
        const ev = rows.map((r) => r.ev_clv_consensus).filter((v) => v !== null) as number[];
        expect(g.bets).toBe(rows.length);
        expect(g.resolved).toBe(rows.filter((r) => r.unresolved_reason === null).length);
        expect(g.noClose).toBe(rows.filter((r) => r.no_close).length);
        if (ev.length) expect(g.avgEvClvConsensus).toBeCloseTo(mean(ev), 10);
        else expect(g.avgEvClvConsensus).toBeNull();
      }
    }
    expect(Object.fromEntries(report.groups.book.map((g) => [g.key, g.bets]))).toEqual({ dk: 8, fd: 1, mg: 1 });
  });

  it('histogram holds every per-bet EV figure; wagers count a parlay once; other devig/book are bound', async () => {
    expect(report.histogram.bins.reduce((a, b) => a + b.count, 0)).toBe(6);
    const b1 = evSharp.B1!;
    const bin = report.histogram.bins.find((b) => b1 >= b.from && b1 < b.to)!;
    expect(bin.count).toBeGreaterThan(0);
    const wagers = await clvReport(warehouseRunner(ch!), { rows: 'wagers' });
    expect(wagers.overall.bets).toBe(9); // 10 legs − 2 parlay legs + 1 slip row
    const shin = await clvReport(warehouseRunner(ch!), { devig: 'shin', sharpBook: "pin'nacle" });
    expect(shin).toMatchObject({
      devig: 'shin',
      sharpBook: "pin'nacle",
      overall: { bets: 10, withEvClvSharp: 0, avgEvClvSharp: null, beatCloseShare: null },
    });
    expect(bindAsHex('x = {a:String} AND y = {b:String}', { a: "it's", b: 'é' })).toBe(
      "x = unhex('69742773') AND y = unhex('c3a9')",
    );
  });
});

// Significance, from first principles: the mean of the legs' EV vs the sharp book, its standard
// error clustered by event (CR1: G/(G−1) · Σ_events (Σ_legs (y − mean))² / n²), t = mean / se, the
// 95 % interval mean ± z·se and the bets needed n·(z·se/mean)², with z the normal 97.5 % quantile.
const Z95 = 1.959963984540054;
const eventOf = Object.fromEntries(bets.map((b) => [b.id, b.oddsjam_id]));
function significance(ids: string[]) {
  const legs = ids.filter((id) => evSharp[id] !== null);
  const n = legs.length;
  const m = mean(legs.map((id) => evSharp[id]!));
  const byEvent = new Map<string, number[]>();
  for (const id of legs) byEvent.set(eventOf[id], [...(byEvent.get(eventOf[id]) ?? []), evSharp[id]!]);
  const g = byEvent.size;
  if (g < 2) return { n, g, mean: m, se: null, t: null, ci: null, n95: null, naive: null };
  let residuals = 0;
  for (const ys of byEvent.values()) {
    const e = ys.reduce((acc, y) => acc + (y - m), 0);
    residuals += e * e;
  }
  const se = Math.sqrt(((g / (g - 1)) * residuals) / (n * n));
  const sd = Math.sqrt(legs.reduce((acc, id) => acc + (evSharp[id]! - m) ** 2, 0) / (n - 1));
  return {
    n,
    g,
    mean: m,
    se,
    t: m / se,
    ci: [m - Z95 * se, m + Z95 * se],
    n95: Math.ceil(n * ((Z95 * se) / m) ** 2),
    naive: sd / Math.sqrt(n),
  };
}

describe('significance (clustered by event)', () => {
  const ALL = bets.map((b) => b.id);
  const DK = bets.filter((b) => b.book_abbr === 'dk').map((b) => b.id);
  const expectGroup = (got: ClvGroup, want: ReturnType<typeof significance>) => {
    expect(got.withEvClvSharp).toBe(want.n);
    expect(got.clustersEvClvSharp).toBe(want.g);
    expect(got.avgEvClvSharp!).toBeCloseTo(want.mean, 9);
    if (want.se === null) {
      expect([got.seEvClvSharp, got.tEvClvSharp, got.ci95EvClvSharp, got.betsFor95EvClvSharp]).toEqual([
        null,
        null,
        null,
        null,
      ]);
      return;
    }
    expect(got.seEvClvSharp!).toBeCloseTo(want.se, 9);
    expect(got.tEvClvSharp!).toBeCloseTo(want.t!, 9);
    expect(got.ci95EvClvSharp![0]).toBeCloseTo(want.ci![0], 9);
    expect(got.ci95EvClvSharp![1]).toBeCloseTo(want.ci![1], 9);
    expect(got.betsFor95EvClvSharp).toBe(want.n95);
  };

  it('the report: overall and DraftKings span two events (4 legs on one game), a bettor on one game has no interval', () => {
    const overall = significance(ALL);
    expect(overall).toMatchObject({ n: 6, g: 2 });
    // The clustered case: four legs on OJ-A move together, so the naive standard error is wrong.
    expect(Math.abs(overall.naive! - overall.se!)).toBeGreaterThan(1e-4);
    expectGroup(report.overall, overall);
    const dk = significance(DK);
    expect(dk).toMatchObject({ n: 5, g: 2 });
    expectGroup(
      report.groups.book.find((x) => x.key === 'dk')!,
      dk,
    );
    expectGroup(
      report.groups.bettor.find((x) => x.key === 'BTTR_1')!,
      significance(bets.filter((b) => b.bettor_id === 'BTTR_1').map((b) => b.id)),
    );
  });

  it('the clv_significance view gives the same figures', async () => {
    const rows = await queryRows<Record<string, any>>(
      ch!,
      "SELECT * FROM clv_significance WHERE (dimension, key) IN (('all', ''), ('book', 'dk'), ('bettor', 'BTTR_1')) ORDER BY dimension, key",
    );
    const byKey = Object.fromEntries(rows.map((r) => [`${r.dimension}:${r.key}`, r]));
    for (const [k, want] of [
      ['all:', significance(ALL)],
      ['book:dk', significance(DK)],
    ] as const) {
      const r = byKey[k];
      expect([Number(r.legs), Number(r.events)]).toEqual([want.n, want.g]);
      expect(r.mean_ev_clv).toBeCloseTo(want.mean, 9);
      expect(r.se_clustered).toBeCloseTo(want.se!, 9);
      expect(r.t_stat).toBeCloseTo(want.t!, 9);
      expect(r.ci95_low).toBeCloseTo(want.ci![0], 9);
      expect(r.ci95_high).toBeCloseTo(want.ci![1], 9);
      expect(Number(r.bets_for_95)).toBe(want.n95);
    }
    expect(byKey['bettor:BTTR_1'].se_clustered).toBeNull();
  });

  it('lh_mean_se_clustered on a hand example: three games, six legs', async () => {
    // Game A: +0.10, +0.06; B: −0.02; C: +0.04, 0.00, +0.02.
    const games = [[0.1, 0.06], [-0.02], [0.04, 0, 0.02]];
    const ys = games.flat();
    const m = ys.reduce((a, b) => a + b, 0) / ys.length;
    const residuals = games.map((g) => g.reduce((acc, y) => acc + (y - m), 0) ** 2).reduce((a, b) => a + b, 0);
    const want = Math.sqrt(((3 / 2) * residuals) / 36);
    const S = games.map((g) => g.reduce((a, b) => a + b, 0));
    const N = games.map((g) => g.length);
    const [r] = await queryRows<{ se: number; none: number | null; n95: number }>(
      ch!,
      'SELECT lh_mean_se_clustered(6, 3, {s:Float64}, {a:Float64}, {b:Float64}, {c:Float64}) AS se, lh_mean_se_clustered(2, 1, 0.2, 0.04, 0.4, 4) AS none, lh_bets_for_95(6, {m:Float64}, se) AS n95',
      {
        s: S.reduce((a, b) => a + b, 0),
        a: S.reduce((acc, x) => acc + x * x, 0),
        b: S.reduce((acc, x, i) => acc + x * N[i], 0),
        c: N.reduce((acc, x) => acc + x * x, 0),
        m,
      },
    );
    expect(r.se).toBeCloseTo(want, 12);
    expect(r.none).toBeNull();
    expect(Number(r.n95)).toBe(Math.ceil(6 * ((Z95 * want) / m) ** 2));
  });
});

describe('docs/analysts.md', () => {
  it('the eleven ready-to-run queries all run', async () => {
    const md = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'analysts.md'), 'utf8');
    const queries = [...md.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1].trim());
    expect(queries).toHaveLength(11);
    const results: string[] = [];
    for (const q of queries) {
      try {
        results.push(await runSql(ch!, q));
      } catch (err) {
        throw new Error(`docs query failed: ${(err as Error).message}\n${q}`);
      }
    }
    const rows = (i: number) =>
      results[i]
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows(0).map((r) => r.month)).toEqual(['2026-01-01']); // BTTR_1 by month
    expect(rows(2).length).toBeGreaterThan(0); // OJ-A closing line movement
    expect(rows(4).find((r) => r.status === 'line_moved')).toMatchObject({ bets: 1 });
    expect(rows(5)).toHaveLength(1); // the feed gap seeded now
    expect(rows(6)).toMatchObject([{ bettor_account_id: 'BACT_BTTR_1', refreshes: 1, ok: 1 }]);
    expect(rows(7).length).toBeGreaterThan(0);
    // One bettor per game here: no bettor spans two events yet.
    expect(rows(10)).toEqual([]);
  });
});

describe('linehouse clv', () => {
  let server: http.Server;
  const out = path.join(RESULTS, 'clv-report.html');

  /** Runs the command in this process, through an admin endpoint like a running `linehouse up` (this process owns the engine). */
  async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    const prev = process.env.LINEHOUSE_DATA_DIR;
    process.env.LINEHOUSE_DATA_DIR = dataDir;
    try {
      const code = await clvCli(argv);
      return { code, stdout, stderr };
    } finally {
      spy.mockRestore();
      errSpy.mockRestore();
      if (prev === undefined) delete process.env.LINEHOUSE_DATA_DIR;
      else process.env.LINEHOUSE_DATA_DIR = prev;
    }
  }

  beforeAll(async () => {
    const token = crypto.randomBytes(16).toString('hex');
    server = createAdminServer(ch!, token);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const adminUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    fs.mkdirSync(path.dirname(runFilePath({ dataDir })), { recursive: true });
    fs.writeFileSync(runFilePath({ dataDir }), JSON.stringify({ pid: process.pid, adminUrl, token }));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('prints a fixed-width table and parseable JSON', async () => {
    const table = await cli(['--by', 'month']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^CLV by month — sharp book pinnacle/);
    expect(table.stdout).toContain('2026-01-01');
    const lines = table.stdout.split('\n').filter((l) => /^(month|2026|ALL)/.test(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/EV vs sharp +±95% +t +bets for 95%/);
    // ALL spans two events: its half-width is z · se from the significance test above.
    const all = significance(bets.map((b) => b.id));
    expect(lines[3]).toContain(`±${(Z95 * all.se! * 100).toFixed(2)}%`);
    expect(lines[3]).toContain(` ${all.t!.toFixed(2)} `);
    // One month is one game here: no interval.
    expect(lines[1]).toMatch(/—/);
    const json = await cli(['--format', 'json', '--devig=multiplicative']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as ClvReport;
    expect(parsed.overall).toEqual(report.overall);
    expect(parsed.groups.month).toEqual(report.groups.month);
    expect(await cli(['--by', 'nope'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('--by must be one of'),
    });
  });

  it('writes one self-contained HTML file that Chromium renders with its charts and error bars', async () => {
    const html = await cli(['--format', 'html', '--out', out]);
    expect(html).toEqual({ code: 0, stdout: out + '\n', stderr: '' });
    const text = fs.readFileSync(out, 'utf8');
    expect(text).not.toMatch(/https?:\/\//);
    expect(text).not.toMatch(/<script|<link|@import|url\(/i);
    // Over time, the distribution, and one interval chart per dimension.
    expect(text.match(/<svg/g)).toHaveLength(7);

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${out}`);
      expect(await page.title()).toBe(REPORT_TITLE);
      expect(await page.locator('h1').textContent()).toBe(REPORT_TITLE);
      for (const id of ['#clv-over-time', '#clv-distribution']) {
        const box = await page.locator(id).boundingBox();
        expect(box!.width).toBeGreaterThan(0);
        expect(box!.height).toBeGreaterThan(0);
      }
      expect(await page.locator('#clv-over-time circle').count()).toBeGreaterThan(0);
      expect(await page.locator('#clv-distribution rect').count()).toBeGreaterThan(0);
      // Error bars (a bar and its two caps) only where a group spans 2+ events: DraftKings, not FanDuel's one game.
      expect(await page.locator('#clv-interval-book line.bar').count()).toBe(3);
      expect(await page.locator('#clv-interval-book circle').count()).toBe(2);
      expect(await page.locator('#clv-interval-bettor line.bar').count()).toBe(0);
      const box = await page.locator('#clv-interval-book').boundingBox();
      expect(box!.height).toBeGreaterThan(0);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      await page.screenshot({ path: path.join(RESULTS, 'clv-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('opens the warehouse itself when no linehouse up runs', async () => {
    fs.rmSync(runFilePath({ dataDir }));
    await ch!.close();
    ch = null;
    const script = path.join(RESULTS, 'clv-direct.mjs'); // inside the repo, so tsx resolves from node_modules
    fs.writeFileSync(
      script,
      `import { register } from 'tsx/esm/api';\nregister();\nconst m = await import(${JSON.stringify(path.join(REPO_ROOT, 'cli', 'clv.ts'))});\nprocess.exitCode = await m.run(['--format', 'json', '--by', 'book']);\n`,
    );
    const child = spawn(process.execPath, [script], {
      cwd: REPO_ROOT,
      env: { ...process.env, LINEHOUSE_DATA_DIR: dataDir, CLICKHOUSE_URL: '', LINEHOUSE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const parsed = JSON.parse(stdout) as ClvReport;
    expect(Object.keys(parsed.groups)).toEqual(['book']);
    expect(parsed.overall).toEqual(report.overall);
  });
});
