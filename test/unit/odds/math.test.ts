import { mulberry32 } from '../../../sandbox/prng';
import { describe, expect, it } from 'vitest';
import { evAtClose, parlayEvAtClose, parlayPriceClv, pointsClv, priceClv } from '../../oracles/clv';
import {
  additiveShift,
  BISECTION_STEPS,
  DEVIG_METHODS,
  devig,
  devigAdditive,
  devigMultiplicative,
  devigPower,
  devigShin,
  overround,
  powerK,
  shinProbabilities,
  shinZ,
} from '../../oracles/devig';
import { americanToDecimal, decimalToAmerican, impliedProbability } from '../../../odds/price';

/** |actual − expected| ≤ tol, element by element, with a readable failure. */
function near(actual: number[] | number, expected: number[] | number, tol: number): void {
  const a = Array.isArray(actual) ? actual : [actual];
  const e = Array.isArray(expected) ? expected : [expected];
  expect(a).toHaveLength(e.length);
  a.forEach((x, i) => expect(Math.abs(x - e[i]), `[${i}] ${x} vs ${e[i]} (tol ${tol})`).toBeLessThanOrEqual(tol));
}
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

const rng = mulberry32;

describe('American / decimal / implied', () => {
  it('matches the worked prices in odds/price.ts and the usual -110', () => {
    expect(americanToDecimal(150)).toBe(2.5);
    expect(americanToDecimal(-200)).toBe(1.5);
    expect(americanToDecimal(-110)).toBeCloseTo(1.9090909090909, 12);
    expect(americanToDecimal(100)).toBe(2);
    expect(impliedProbability(2.5)).toBe(0.4);
    expect(impliedProbability(americanToDecimal(-200))).toBeCloseTo(0.6667, 4);
    expect(impliedProbability(americanToDecimal(-110))).toBeCloseTo(110 / 210, 15);
    expect(decimalToAmerican(2.5)).toBe(150);
    expect(decimalToAmerican(1.5)).toBe(-200);
    expect(decimalToAmerican(1.9090909090909092)).toBe(-110);
  });

  it('round-trips every whole American price from -10000 to +10000 (±100 both mean even money, 2.0, shown as +100)', () => {
    const bad: number[] = [];
    for (let a = 100; a <= 10_000; a++)
      for (const s of [a, -a]) if (decimalToAmerican(americanToDecimal(s)) !== (s === -100 ? 100 : s)) bad.push(s);
    expect(bad).toEqual([]);
  });

  it('refuses what is not a price', () => {
    expect(() => americanToDecimal(99)).toThrow(RangeError);
    expect(() => americanToDecimal(-50)).toThrow(RangeError);
    expect(() => decimalToAmerican(1)).toThrow(RangeError);
  });
});

describe('de-vig: published worked examples', () => {
  it('-110 / -110: 4.76 % overround, every method gives 0.5 / 0.5', () => {
    const m = [americanToDecimal(-110), americanToDecimal(-110)];
    expect(overround(m)).toBeCloseTo(1 / 21, 15); // 2 × 110/210 − 1
    for (const method of DEVIG_METHODS) near(devig(m, method), [0.5, 0.5], 1e-15);
  });

  // penaltyblog (martineastwood/penaltyblog, README.md "Implied Probabilities"): odds [2.7, 2.3, 4.4].
  // Probabilities printed by numpy to 8 significant digits; margin printed in full; k from
  // scipy.optimize.ridder (xtol 2e-12) and z from its Shin loop (change < 1e-12), so those agree
  // to about 1e-12.
  it('penaltyblog [2.7, 2.3, 4.4]: multiplicative, additive, power, Shin', () => {
    const m = [2.7, 2.3, 4.4];
    expect(overround(m)).toBeCloseTo(0.03242570633874986, 15);
    near(devigMultiplicative(m), [0.35873804, 0.42112726, 0.2201347], 5e-9);
    near(devigAdditive(m), [0.3595618, 0.42397404, 0.21646416], 5e-9);
    near(devigPower(m), [0.3591711, 0.42373075, 0.21709815], 5e-9);
    near(powerK(m), 1.0309132393169356, 1e-11);
    near(devigShin(m), [0.35934392, 0.42324385, 0.21741223], 5e-9);
    near(shinZ(m), 0.016236442857291165, 1e-11);
  });

  // penaltyblog docs/implied/implied.ipynb: American ["+170", "+130", "+340"] (= the same
  // 2.7 / 2.3 / 4.4), Shin printed at full precision.
  it('penaltyblog docs, American +170 / +130 / +340 with Shin at full precision', () => {
    const m = [170, 130, 340].map(americanToDecimal);
    expect(m).toEqual([2.7, 2.3, 4.4]);
    near(devigShin(m), [0.35934391959159157, 0.42324384818283234, 0.21741223222458853], 1e-11);
  });

  // The Python `shin` package (mberk/shin, README.md and tests/test_shin.py): iterative
  // Jullien–Salanié solve stopped when z changes by < 1e-12 (its printed delta 9.67e-13), so its
  // 17-digit output is right to ~1e-12; with two outcomes it uses the analytic z (Štrumbelj 2014).
  it('shin package [2.6, 2.4, 4.3] (3-way) and [1.5, 2.74] (2-way)', () => {
    near(devigShin([2.6, 2.4, 4.3]), [0.37299406033208965, 0.4047794109200184, 0.2222265287474275], 1e-11);
    near(shinZ([2.6, 2.4, 4.3]), 0.01694251276407055, 1e-11);
    near(devigShin([1.5, 2.74]), [0.6508515815085157, 0.3491484184914841], 1e-12);
    near(shinZ([1.5, 2.74]), 0.03172728540646625, 1e-12);
    // "With two outcomes, Shin is equivalent to the Additive Method described in Clarke et al. (2017)".
    near(devigAdditive([1.5, 2.74]), [0.6508515815085157, 0.3491484184914841], 1e-15);
  });

  // R package implied (opisthokonta/implied, README.md): three football matches, Home/Draw/Away,
  // printed to 7 decimals. 'basic' (= multiplicative) and the margins are exact, so they agree to
  // the printed precision. Its 'power' and 'shin' are solved by uniroot / the Jullien–Salanié loop
  // with tolerance .Machine$double.eps^0.25 ≈ 1.2e-4 on the parameter, so those printed digits
  // are only good to ~1e-5: checked to 4–5 decimals (the tight checks are the two above).
  it('implied (R) README: three football matches', () => {
    const odds = [
      [4.2, 3.7, 1.95],
      [2.45, 3.7, 2.9],
      [2.05, 3.2, 3.8],
    ];
    const basic = [
      [0.2331556, 0.2646631, 0.5021813],
      [0.3988848, 0.2641264, 0.3369888],
      [0.4586948, 0.2938514, 0.2474538],
    ];
    const margins = [0.02118602, 0.02326112, 0.06346277];
    const power = [
      [0.2311414, 0.2630644, 0.5057942],
      [0.4003156, 0.2627189, 0.3369655],
      [0.4667139, 0.2908985, 0.2423876],
    ];
    const inverseExponents = [0.9797664, 0.9788115, 0.9419744];
    const shin = [
      [0.2315716, 0.2635742, 0.5048542],
      [0.4000221, 0.2629271, 0.3370508],
      [0.4645882, 0.2919788, 0.2434331],
    ];
    const zvalues = [0.01061048, 0.01163552, 0.03182353];
    odds.forEach((m, i) => {
      near(devigMultiplicative(m), basic[i], 5e-8);
      near(overround(m), margins[i], 5e-9);
      near(devigPower(m), power[i], 5e-6);
      near(1 / powerK(m), inverseExponents[i], 5e-5);
      near(devigShin(m), shin[i], 5e-5);
      near(shinZ(m), zvalues[i], 5e-5);
    });
  });

  // The odds of implied's tests/testthat/test_1.R "designed to be problematic with the additive
  // method": 1/c(0.870, 0.2, 0.1, 0.05, 0.02, 0.01), booksum 1.25. An equal share 0.25/6 = 0.041667
  // would take the last two below 0; the clamp (devig.ts) zeroes every outcome the share would
  // push ≤ 0 and spreads the overround over the rest: τ = (0.87 + 0.2 + 0.1 − 1)/3 = 0.056667.
  it('additive clamp: long shots that would go negative get 0, the rest share the overround', () => {
    const m = [0.87, 0.2, 0.1, 0.05, 0.02, 0.01].map((p) => 1 / p);
    near(additiveShift(m), 0.17 / 3, 1e-15);
    near(devigAdditive(m), [0.87 - 0.17 / 3, 0.2 - 0.17 / 3, 0.1 - 0.17 / 3, 0, 0, 0], 1e-15);
    expect(sum(devigAdditive(m))).toBeCloseTo(1, 15);
    // Without a clamp the shift is exactly (S − 1)/n.
    expect(additiveShift([2.7, 2.3, 4.4])).toBeCloseTo(0.03242570633874986 / 3, 16);
  });
});

describe('de-vig: properties on seeded random markets', () => {
  const next = rng(20261121);
  const markets = Array.from({ length: 300 }, (_, i) => {
    const n = i < 100 ? 2 : i < 200 ? 3 : 4 + (i % 7);
    const w = Array.from({ length: n }, () => 0.2 + 0.8 * next()); // no outcome above 0.83 before the margin
    const q = w.map((x) => x / sum(w));
    const margin = 0.01 + 0.14 * next();
    return q.map((p) => 1 / (p * (1 + margin)));
  });

  it('every method returns one probability per outcome, in [0, 1], summing to 1', () => {
    for (const m of markets)
      for (const method of DEVIG_METHODS) {
        const p = devig(m, method);
        expect(p).toHaveLength(m.length);
        expect(p.every((x) => x >= 0 && x <= 1)).toBe(true);
        expect(Math.abs(sum(p) - 1)).toBeLessThan(1e-14);
      }
  });

  it('the bisections converge: Σπ^k = 1 and Σ p_i(z) = 1 before the final normalization', () => {
    for (const m of markets) {
      const k = powerK(m);
      expect(k).toBeGreaterThan(1);
      expect(Math.abs(sum(m.map((d) => Math.pow(1 / d, k))) - 1)).toBeLessThan(1e-13);
      const z = shinZ(m);
      expect(z).toBeGreaterThan(0);
      expect(Math.abs(sum(shinProbabilities(m, z)) - 1)).toBeLessThan(1e-13);
    }
    expect(BISECTION_STEPS).toBe(64);
  });

  it('two-way Shin equals the additive method (Štrumbelj 2014)', () => {
    for (const m of markets.filter((x) => x.length === 2)) near(devigShin(m), devigAdditive(m), 1e-12);
  });

  it('favourite-longshot: power and Shin take more margin off the long shot than multiplicative does', () => {
    const m = [1.25, 4.6]; // heavy favourite
    const mult = devigMultiplicative(m);
    expect(devigPower(m)[0]).toBeGreaterThan(mult[0]);
    expect(devigShin(m)[0]).toBeGreaterThan(mult[0]);
  });

  it('a market without margin (a best-price consensus) still solves: k < 1, z < 0, sums to 1', () => {
    const m = [2.1, 2.05]; // booksum 0.9640
    expect(overround(m)).toBeLessThan(0);
    expect(powerK(m)).toBeLessThan(1);
    expect(shinZ(m)).toBeLessThan(0);
    for (const method of DEVIG_METHODS) expect(sum(devig(m, method))).toBeCloseTo(1, 14);
  });

  it('refuses what is not a market', () => {
    expect(() => devig([1.9], 'multiplicative')).toThrow(RangeError);
    expect(() => devig([1.9, 1], 'power')).toThrow(RangeError);
    expect(() => devig([1.9, Number.NaN], 'shin')).toThrow(RangeError);
    expect(() => devig([1.9, 1.9], 'bogus' as never)).toThrow(/unknown de-vig method/);
  });
});

describe('CLV', () => {
  // Worked case: Team A taken at -110 (21/11); at the close the reference book has A -120 (11/6)
  // and B +100 (2). Multiplicative fair p_A = (6/11)/(6/11 + 1/2) = 12/23.
  const dBet = americanToDecimal(-110);
  const close = [americanToDecimal(-120), americanToDecimal(100)];
  const pFair = devigMultiplicative(close)[0];

  it('EV at close: p_fair_close × d_bet − 1 (beat the price but not the vig: slightly negative)', () => {
    expect(pFair).toBeCloseTo(12 / 23, 15);
    expect(evAtClose(pFair, dBet)).toBeCloseTo(252 / 253 - 1, 15); // −0.39 %
    expect(evAtClose(0.45, 2.5)).toBeCloseTo(0.125, 15); // +150 on a 45 % shot: +12.5 %
    expect(evAtClose(0.5, 1.9)).toBeCloseTo(-0.05, 15);
  });

  it('price CLV: d_bet / d_close − 1, positive when the price taken was longer than the close', () => {
    expect(priceClv(dBet, close[0])).toBeCloseTo(5 / 121, 15); // -110 vs -120 close: +4.13 %
    expect(priceClv(1.8, 2.0)).toBeCloseTo(-0.1, 15);
    expect(priceClv(2.0, 2.0)).toBe(0);
  });

  it('points CLV: spreads bet − close, totals Over close − bet, Under bet − close; positive = beat the close', () => {
    expect(pointsClv('spread', 'Chicago Bears', -3, -4.5)).toBe(1.5);
    expect(pointsClv('spread', 'Chicago Bears', 7, 6)).toBe(1);
    expect(pointsClv('spread', 'Chicago Bears', -3, -2.5)).toBe(-0.5);
    expect(pointsClv('total', 'Over', 220.5, 223)).toBe(2.5);
    expect(pointsClv('total', 'Over', 220.5, 218)).toBe(-2.5);
    expect(pointsClv('Total', 'Under', 230, 228)).toBe(2);
    expect(pointsClv('total', 'under', 230, 231.5)).toBe(-1.5);
    expect(pointsClv('total', 'Los Angeles Lakers Over', 112.5, 114)).toBe(1.5);
    expect(pointsClv('total', 'Lakers', 112.5, 114)).toBeNull();
    expect(pointsClv('moneyline', 'Chicago Bears', null, null)).toBeNull();
    expect(pointsClv('spread', 'Chicago Bears', -3, null)).toBeNull();
  });

  it('parlay slip: Π(p_i·d_i) − 1 (each leg 1 + its EV), or (Π p_i)·d_slip − 1 with the slip price; price CLV Π(d_bet/d_close) − 1', () => {
    const legs = [
      { pFairClose: pFair, dBet, dClose: close[0] },
      { pFairClose: 0.55, dBet: 2.0, dClose: 1.85 },
    ];
    expect(parlayEvAtClose(legs)).toBeCloseTo((252 / 253) * 1.1 - 1, 15);
    expect(parlayEvAtClose(legs)).toBeCloseTo((1 + evAtClose(pFair, dBet)) * (1 + evAtClose(0.55, 2.0)) - 1, 15);
    expect(parlayEvAtClose(legs, 3.5)).toBeCloseTo((12 / 23) * 0.55 * 3.5 - 1, 15);
    expect(parlayPriceClv(legs)).toBeCloseTo((126 / 121) * (2 / 1.85) - 1, 15);
    expect(parlayEvAtClose([])).toBe(0);
  });
});
