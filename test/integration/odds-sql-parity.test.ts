import { mulberry32 } from '../../sandbox/prng';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evAtClose, parlayEvAtClose, parlayPriceClv, pointsClv, priceClv } from '../oracles/clv';
import {
  additiveShift,
  DEVIG_METHODS,
  devig,
  devigAdditive,
  devigMultiplicative,
  devigPower,
  devigShin,
  overround,
  powerK,
  shinZ,
} from '../oracles/devig';
import { americanToDecimal, decimalToAmerican, impliedProbability } from '../../odds/price';
import { createWarehouse, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { loadRepeatables, migrate } from '../../platform/warehouse/migrate';
import { tempDir } from '../support/stack';

/**
 * The lh_* SQL functions of sql/functions/odds.sql against lib/odds on seeded random inputs,
 * to 1e-9 absolute. The TypeScript runs on the values as ClickHouse read them back (JSON output
 * is exact), so a last-bit difference in parsing a query parameter cannot pass for a formula
 * difference.
 */
const TOL = 1e-9;
let ch: Warehouse;
let maxDiff = 0;
const worst: Record<string, number> = {};

beforeAll(async () => {
  ch = await createWarehouse({
    dataDir: tempDir('odds-sql'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await migrate(ch);
});
afterAll(async () => {
  // One line for the record: the largest |SQL − TS| seen, per function.
  console.info(`odds SQL parity: max |SQL − TS| = ${maxDiff.toExponential(3)} ${JSON.stringify(worst)}`);
  await ch?.close();
});

const rng = mulberry32;
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

/** Records |sql − ts| under `name` and fails past TOL; null on both sides counts as equal. */
function same(name: string, sql: number | number[] | null, ts: number | number[] | null, context: unknown): void {
  if (sql === null || ts === null) {
    expect(sql, `${name} ${JSON.stringify(context)}`).toBe(ts);
    return;
  }
  const a = Array.isArray(sql) ? sql : [sql];
  const b = Array.isArray(ts) ? ts : [ts];
  expect(a.length, `${name} ${JSON.stringify(context)}`).toBe(b.length);
  a.forEach((x, i) => {
    const d = Math.abs(x - b[i]);
    worst[name] = Math.max(worst[name] ?? 0, d);
    maxDiff = Math.max(maxDiff, d);
    expect(d, `${name}[${i}] sql ${x} ts ${b[i]} for ${JSON.stringify(context)}`).toBeLessThanOrEqual(TOL);
  });
}

/**
 * Seeded markets: n outcomes with true probabilities q ∝ weight() (default 0.2–1: no outcome above
 * ~0.83), overround r uniform in [1 %, 15 %], applied proportionally, additively or as a power so
 * the methods disagree with each other; 1/4 of them rounded to two decimals like a European book.
 */
function markets(count: number, n: () => number, seed: number, weight = (u: number) => 0.2 + 0.8 * u): number[][] {
  const next = rng(seed);
  return Array.from({ length: count }, () => {
    const k = n();
    const w = Array.from({ length: k }, () => weight(next()));
    const q = w.map((x) => x / sum(w));
    const r = 0.01 + 0.14 * next();
    const style = Math.floor(next() * 3);
    let pi =
      style === 0
        ? q.map((p) => p * (1 + r))
        : style === 1
          ? q.map((p) => p + r / k)
          : q.map((p) => Math.pow(p, 1 / (1 + 2 * r)));
    // Rescale the power style to the drawn overround (it only sets the shape).
    if (style === 2) pi = pi.map((p) => (p * (1 + r)) / sum(pi));
    const ds = pi.map((p) => 1 / p);
    return next() < 0.25 ? ds.map((d) => Math.round(d * 100) / 100) : ds;
  });
}

describe('lh_* SQL functions equal lib/odds (chDB)', () => {
  it('sql/functions/odds.sql defines every function', async () => {
    const names = (
      await queryRows<{ name: string }>(ch, "SELECT name FROM system.functions WHERE name LIKE 'lh\\_%' ORDER BY name")
    ).map((r) => r.name);
    for (const f of [
      'lh_american_to_decimal',
      'lh_decimal_to_american',
      'lh_implied_prob',
      'lh_overround',
      'lh_devig_multiplicative',
      'lh_devig_additive',
      'lh_additive_shift',
      'lh_devig_power',
      'lh_power_k',
      'lh_devig_shin',
      'lh_shin_z',
      'lh_shin_probs',
      'lh_devig',
      'lh_ev_at_close',
      'lh_price_clv',
      'lh_points_clv',
      'lh_parlay_ev_at_close',
      'lh_parlay_ev_at_close_slip',
      'lh_parlay_price_clv',
    ])
      expect(names).toContain(f);
  });

  it('re-running the function file is harmless (CREATE OR REPLACE)', async () => {
    const m = loadRepeatables().find((x) => x.file === 'functions/odds.sql');
    expect(m?.statements.length).toBeGreaterThan(15);
    for (const statement of m!.statements) await ch.command({ query: statement });
    const [r] = await queryRows<{ p: number[] }>(ch, "SELECT lh_devig([1.5, 2.74], 'shin') AS p");
    same('lh_devig/shin after re-run', r.p, devigShin([1.5, 2.74]), [1.5, 2.74]);
  });

  it('an argument named like a lambda parameter inside a function is not captured by it', async () => {
    const m = [2.7, 2.3, 4.4];
    for (const name of ['ds', 'd', 'p', 's', 'z', 'k', 'c', 'j', 'acc', 'i', 'tau', '_d', '_p', '_s', '_acc']) {
      // (Output aliases differ from every input name: an alias equal to a column would shadow it.)
      const [r] = await queryRows<{ out_m: number[]; out_a: number[]; out_p: number[]; out_s: number[] }>(
        ch,
        `SELECT lh_devig(${name}, 'multiplicative') AS out_m, lh_devig(${name}, 'additive') AS out_a, lh_devig(${name}, 'power') AS out_p,
                lh_devig(${name}, 'shin') AS out_s
         FROM (SELECT [2.7, 2.3, 4.4] AS ${name})`,
      );
      same('hygiene/multiplicative', r.out_m, devigMultiplicative(m), name);
      same('hygiene/additive', r.out_a, devigAdditive(m), name);
      same('hygiene/power', r.out_p, devigPower(m), name);
      same('hygiene/shin', r.out_s, devigShin(m), name);
    }
  });

  it('de-vig: 250 two-way, 250 three-way, 60 n-way (4–8) and 40 outright-style markets, every method', async () => {
    const next = rng(7);
    const all = [
      ...markets(250, () => 2, 1),
      ...markets(250, () => 3, 2),
      ...markets(60, () => 4 + Math.floor(next() * 5), 3),
      // Outrights: 6–12 runners down to ~0.3 % each, where the additive share exceeds a long shot.
      ...markets(
        40,
        () => 6 + Math.floor(next() * 7),
        4,
        (u) => 0.02 + u * u * u,
      ),
    ];
    type Row = {
      ds: number[];
      o: number;
      m: number[];
      a: number[];
      tau: number;
      p: number[];
      k: number;
      s: number[];
      z: number;
      dm: number[];
      da: number[];
      dp: number[];
      dsh: number[];
    };
    const rows = await queryRows<Row>(
      ch,
      `SELECT ds, lh_overround(ds) AS o, lh_devig_multiplicative(ds) AS m, lh_devig_additive(ds) AS a, lh_additive_shift(ds) AS tau,
              lh_devig_power(ds) AS p, lh_power_k(ds) AS k, lh_devig_shin(ds) AS s, lh_shin_z(ds) AS z,
              lh_devig(ds, 'multiplicative') AS dm, lh_devig(ds, 'additive') AS da, lh_devig(ds, 'power') AS dp, lh_devig(ds, 'shin') AS dsh
       FROM (SELECT arrayJoin({markets:Array(Array(Float64))}) AS ds)`,
      { markets: all },
    );
    expect(rows).toHaveLength(all.length);
    let clamped = 0;
    for (const r of rows) {
      const or = overround(r.ds);
      expect(or).toBeGreaterThan(0.005);
      expect(or).toBeLessThan(0.16);
      if (devigAdditive(r.ds).some((x) => x === 0)) clamped++;
      same('lh_overround', r.o, or, r.ds);
      same('lh_devig_multiplicative', r.m, devigMultiplicative(r.ds), r.ds);
      same('lh_additive_shift', r.tau, additiveShift(r.ds), r.ds);
      same('lh_devig_additive', r.a, devigAdditive(r.ds), r.ds);
      same('lh_power_k', r.k, powerK(r.ds), r.ds);
      same('lh_devig_power', r.p, devigPower(r.ds), r.ds);
      same('lh_shin_z', r.z, shinZ(r.ds), r.ds);
      same('lh_devig_shin', r.s, devigShin(r.ds), r.ds);
      const byName = { multiplicative: r.dm, additive: r.da, power: r.dp, shin: r.dsh };
      for (const method of DEVIG_METHODS) same(`lh_devig/${method}`, byName[method], devig(r.ds, method), r.ds);
    }
    // The random set exercises the additive clamp too (heavy margin on a long shot).
    expect(clamped).toBeGreaterThan(0);
  });

  it('de-vig of American-priced two-way markets converted in SQL (lh_american_to_decimal → lh_devig)', async () => {
    const next = rng(11);
    const american = (): number => {
      const v = 100 + Math.floor(next() * 400);
      return next() < 0.6 ? -v : v;
    };
    const pairs = Array.from({ length: 200 }, () => [american(), american()]).filter(([a, b]) => a < 0 || b < 0);
    const rows = await queryRows<{ am: number[]; m: number[]; a: number[]; p: number[]; s: number[] }>(
      ch,
      `SELECT am, lh_devig(ds, 'multiplicative') AS m, lh_devig(ds, 'additive') AS a, lh_devig(ds, 'power') AS p, lh_devig(ds, 'shin') AS s
       FROM (SELECT am, arrayMap(x -> assumeNotNull(lh_american_to_decimal(x)), am) AS ds FROM (SELECT arrayJoin({pairs:Array(Array(Int32))}) AS am))`,
      { pairs },
    );
    expect(rows).toHaveLength(pairs.length);
    for (const r of rows) {
      const ds = r.am.map(americanToDecimal);
      same('american→lh_devig/multiplicative', r.m, devig(ds, 'multiplicative'), r.am);
      same('american→lh_devig/additive', r.a, devig(ds, 'additive'), r.am);
      same('american→lh_devig/power', r.p, devig(ds, 'power'), r.am);
      same('american→lh_devig/shin', r.s, devig(ds, 'shin'), r.am);
    }
  });

  it('price conversions: American ↔ decimal and implied probability', async () => {
    const next = rng(3);
    const americans = [
      -100,
      100,
      99,
      -99,
      0,
      -110,
      150,
      -200,
      -10_000,
      10_000,
      ...Array.from({ length: 400 }, () => Math.round((next() < 0.5 ? -1 : 1) * (100 + next() * 4900))),
    ];
    const decimals = Array.from({ length: 300 }, () => 1.001 + next() * 30);
    const rows = await queryRows<{ a: number; d: number | null; back: number | null }>(
      ch,
      'SELECT a, lh_american_to_decimal(a) AS d, lh_decimal_to_american(lh_american_to_decimal(a)) AS back FROM (SELECT arrayJoin({a:Array(Int32)}) AS a)',
      { a: americans },
    );
    expect(rows).toHaveLength(americans.length);
    for (const r of rows) {
      const valid = Math.abs(r.a) >= 100;
      same('lh_american_to_decimal', r.d, valid ? americanToDecimal(r.a) : null, r.a);
      same(
        'lh_decimal_to_american∘lh_american_to_decimal',
        r.back,
        valid ? decimalToAmerican(americanToDecimal(r.a)) : null,
        r.a,
      );
    }
    const drows = await queryRows<{ d: number; am: number | null; ip: number }>(
      ch,
      'SELECT d, lh_decimal_to_american(d) AS am, lh_implied_prob(d) AS ip FROM (SELECT arrayJoin({d:Array(Float64)}) AS d)',
      { d: [...decimals, 1, 0.5, 2, 1.5] },
    );
    for (const r of drows) {
      same('lh_decimal_to_american', r.am, r.d > 1 ? decimalToAmerican(r.d) : null, r.d);
      same('lh_implied_prob', r.ip, impliedProbability(r.d), r.d);
    }
  });

  it('CLV: EV at close, price CLV, points CLV', async () => {
    const next = rng(5);
    const n = 400;
    const p = Array.from({ length: n }, () => 0.02 + 0.96 * next());
    const dBet = Array.from({ length: n }, () => 1.01 + 9 * next());
    const dClose = Array.from({ length: n }, () => 1.01 + 9 * next());
    const props = ['spread', 'total', 'Total', ' spread ', '\tTOTAL', 'moneyline', '3-way', ''];
    const positions = ['Over', 'Under', 'under', 'Los Angeles Lakers Over', 'Chicago Bears', 'Overtime Winner', ''];
    const prop = Array.from({ length: n }, () => props[Math.floor(next() * props.length)]);
    const pos = Array.from({ length: n }, () => positions[Math.floor(next() * positions.length)]);
    const line = (): number | null =>
      next() < 0.1 ? null : Math.round((next() - 0.5) * 120) / 2 + (next() < 0.5 ? 200 : 0);
    const betLine = Array.from({ length: n }, line);
    const closeLine = Array.from({ length: n }, line);
    const rows = await queryRows<{
      i: number;
      p: number;
      b: number;
      c: number;
      ev: number;
      clv: number;
      pts: number | null;
    }>(
      ch,
      `SELECT i, ps[i] AS p, bs[i] AS b, cs[i] AS c, lh_ev_at_close(ps[i], bs[i]) AS ev, lh_price_clv(bs[i], cs[i]) AS clv,
              lh_points_clv(props[i], poss[i], bls[i], cls[i]) AS pts
       FROM (SELECT arrayJoin(range(1, {n:UInt32} + 1)) AS i, {p:Array(Float64)} AS ps, {b:Array(Float64)} AS bs, {c:Array(Float64)} AS cs,
                    {prop:Array(String)} AS props, {pos:Array(String)} AS poss, {bl:Array(Nullable(Float64))} AS bls, {cl:Array(Nullable(Float64))} AS cls)
       ORDER BY i`,
      { n, p, b: dBet, c: dClose, prop, pos, bl: betLine, cl: closeLine },
    );
    expect(rows).toHaveLength(n);
    let withPoints = 0;
    for (const r of rows) {
      const k = r.i - 1;
      same('lh_ev_at_close', r.ev, evAtClose(r.p, r.b), [r.p, r.b]);
      same('lh_price_clv', r.clv, priceClv(r.b, r.c), [r.b, r.c]);
      const ts = pointsClv(prop[k], pos[k], betLine[k], closeLine[k]);
      if (ts !== null) withPoints++;
      same('lh_points_clv', r.pts, ts, [prop[k], pos[k], betLine[k], closeLine[k]]);
    }
    expect(withPoints).toBeGreaterThan(50);
  });

  it('parlay slip figures', async () => {
    const next = rng(9);
    const slips = Array.from({ length: 200 }, () =>
      Array.from({ length: 2 + Math.floor(next() * 5) }, () => ({
        pFairClose: 0.1 + 0.8 * next(),
        dBet: 1.1 + 4 * next(),
        dClose: 1.1 + 4 * next(),
      })),
    );
    const dSlip = slips.map((legs) => legs.reduce((acc, l) => acc * l.dBet, 1) * (0.9 + 0.3 * next()));
    const rows = await queryRows<{
      p: number[];
      b: number[];
      c: number[];
      s: number;
      ev: number;
      evs: number;
      clv: number;
    }>(
      ch,
      `SELECT p, b, c, s, lh_parlay_ev_at_close(p, b) AS ev, lh_parlay_ev_at_close_slip(p, s) AS evs, lh_parlay_price_clv(b, c) AS clv
       FROM (SELECT arrayJoin(arrayZip({p:Array(Array(Float64))}, {b:Array(Array(Float64))}, {c:Array(Array(Float64))}, {s:Array(Float64)})) AS t,
                    t.1 AS p, t.2 AS b, t.3 AS c, t.4 AS s)`,
      {
        p: slips.map((l) => l.map((x) => x.pFairClose)),
        b: slips.map((l) => l.map((x) => x.dBet)),
        c: slips.map((l) => l.map((x) => x.dClose)),
        s: dSlip,
      },
    );
    expect(rows).toHaveLength(slips.length);
    for (const r of rows) {
      const legs = r.p.map((pFairClose, i) => ({ pFairClose, dBet: r.b[i], dClose: r.c[i] }));
      same('lh_parlay_ev_at_close', r.ev, parlayEvAtClose(legs), legs);
      same('lh_parlay_ev_at_close_slip', r.evs, parlayEvAtClose(legs, r.s), [legs, r.s]);
      same('lh_parlay_price_clv', r.clv, parlayPriceClv(legs), legs);
    }
  });
});
