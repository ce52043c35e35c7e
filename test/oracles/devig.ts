/**
 * De-vigging: a book's decimal prices for every outcome of one market → fair probabilities that
 * sum to 1. The same formulas, step for step, are the `lh_*` ClickHouse functions in
 * sql/functions/odds.sql (test/integration/odds-sql-parity.test.ts holds them equal to 1e-9).
 *
 * Notation: d_i decimal price, π_i = 1/d_i the implied probability, S = Σπ_i the booksum,
 * S − 1 the overround (margin).
 *
 * The two solved methods (power, Shin) use plain bisection with a fixed number of halvings
 * (BISECTION_STEPS) and no early exit, so ClickHouse can run the identical steps with
 * `arrayFold` over `range(BISECTION_STEPS)`. 64 halvings shrink the bracket by 2^-64 (≈5e-20 of
 * its width): the Shin bracket is 2 wide and the power bracket max(1, ln n / ln d_min) wide (693
 * for a two-way market with a 1.001 favourite), so the solved parameter ends within ~1e-16 of
 * the root, far inside the 1e-12 target. Each solved method ends with a division by the sum, which
 * only removes the last-bit residual of the solve, so the output sums to 1 to rounding.
 */
import { impliedProbability } from '../../odds/price';

export type DevigMethod = 'multiplicative' | 'additive' | 'power' | 'shin';
export const DEVIG_METHODS: readonly DevigMethod[] = ['multiplicative', 'additive', 'power', 'shin'];

/** Halvings done by the power and Shin solvers (the SQL functions use the same constant). */
export const BISECTION_STEPS = 64;

/** Throws a RangeError unless this is a market: ≥ 2 finite decimal prices, each > 1. */
function implied(decimals: readonly number[]): number[] {
  if (!Array.isArray(decimals) || decimals.length < 2)
    throw new RangeError(`a market needs at least two prices, got ${JSON.stringify(decimals)}`);
  for (const d of decimals)
    if (typeof d !== 'number' || !Number.isFinite(d) || d <= 1) throw new RangeError(`not a decimal price: ${d}`);
  return decimals.map(impliedProbability);
}

/** Left-to-right sum from 0 (the order ClickHouse's arraySum uses; kept identical on purpose). */
function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

const normalize = (ps: readonly number[]): number[] => {
  const s = sum(ps);
  return ps.map((p) => p / s);
};

/** Σ 1/d_i − 1: 0.0476… for −110/−110 (1.9091 each). Negative when the prices are an arbitrage. */
export function overround(decimals: readonly number[]): number {
  return sum(implied(decimals)) - 1;
}

/** Multiplicative (a.k.a. basic / normalization): p_i = π_i / S. */
export function devigMultiplicative(decimals: readonly number[]): number[] {
  return normalize(implied(decimals));
}

/**
 * Additive (Clarke, Kovalchik & Ingram 2017): every outcome gives back the same share of the
 * overround, p_i = π_i − (S − 1)/n.
 *
 * Clamp: when that share is ≥ π_i for a long shot (heavy margin on a many-way market), the plain
 * formula would give p_i ≤ 0. Such an outcome is set to 0 and the overround is shared equally by
 * the remaining outcomes, repeated until none goes negative. Closed form (it is the Euclidean
 * projection of π onto the probability simplex): with u = π sorted descending and
 * C_j = u_1 + … + u_j, the shift is τ = max_j (C_j − 1)/j and p_i = max(π_i − τ, 0). When no
 * outcome is clamped the maximum is at j = n and τ = (S − 1)/n, i.e. the plain formula.
 * Example: π = (0.87, 0.2, 0.1, 0.05, 0.02, 0.01), S = 1.25: the plain share 0.041667 would make
 * the last two negative; τ = (1.17 − 1)/3 = 0.056667 → (0.813333, 0.143333, 0.043333, 0, 0, 0).
 */
export function additiveShift(decimals: readonly number[]): number {
  const u = implied(decimals).sort((a, b) => b - a);
  let c = 0;
  let tau = -Infinity;
  u.forEach((x, j) => {
    c += x;
    tau = Math.max(tau, (c - 1) / (j + 1));
  });
  return tau;
}

export function devigAdditive(decimals: readonly number[]): number[] {
  const tau = additiveShift(decimals);
  return implied(decimals).map((p) => Math.max(p - tau, 0));
}

/**
 * Power (Buchdahl's "logarithmic" method; `power` in the R package implied): p_i = π_i^k with k
 * such that Σ π_i^k = 1 (k > 1 when there is a margin: long shots lose more, favourites less).
 * Σ π_i^k falls as k grows; at k = 0 it is n ≥ 2 > 1 and at k = ln n / ln d_min it is ≤ 1
 * (every π_i^k ≤ π_max^k = 1/n), so k is bisected in [0, max(1, ln n / ln d_min)].
 */
export function powerK(decimals: readonly number[]): number {
  const pis = implied(decimals);
  let lo = 0;
  let hi = Math.max(1, Math.log(pis.length) / Math.log(Math.min(...decimals)));
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = (lo + hi) / 2;
    if (sum(pis.map((p) => Math.pow(p, mid))) > 1) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function devigPower(decimals: readonly number[]): number[] {
  const k = powerK(decimals);
  return normalize(implied(decimals).map((p) => Math.pow(p, k)));
}

/**
 * Shin's probabilities for a given insider share z (Shin 1992, 1993; the form of Jullien &
 * Salanié 1994, as in the Python `shin` package and the R package `implied`):
 *   p_i(z) = (sqrt(z² + 4(1 − z)·π_i²/S) − z) / (2(1 − z)).
 */
export function shinProbabilities(decimals: readonly number[], z: number): number[] {
  const pis = implied(decimals);
  const s = sum(pis);
  return pis.map((p) => (Math.sqrt(z * z + (4 * (1 - z) * p * p) / s) - z) / (2 * (1 - z)));
}

/**
 * Shin's z: the root of Σ p_i(z) = 1. Σ p_i(z) falls as z grows: at z = −1 every p_i ≥ 1/2 (sum
 * ≥ 1) and as z → 1 the sum tends to Σπ_i²/S < 1, so z is bisected in [−1, 1). With a margin
 * (S > 1) the sum at z = 0 is √S > 1 and z lands in (0, 1), the usual insider share; a book
 * without margin (S ≤ 1, e.g. a best-price consensus) gives z ≤ 0 from the same formula rather
 * than an error. With two outcomes the result equals the additive method (Štrumbelj 2014).
 */
export function shinZ(decimals: readonly number[]): number {
  const pis = implied(decimals);
  const s = sum(pis);
  let lo = -1;
  let hi = 1;
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const z = (lo + hi) / 2;
    if (sum(pis.map((p) => (Math.sqrt(z * z + (4 * (1 - z) * p * p) / s) - z) / (2 * (1 - z)))) > 1) lo = z;
    else hi = z;
  }
  return (lo + hi) / 2;
}

export function devigShin(decimals: readonly number[]): number[] {
  return normalize(shinProbabilities(decimals, shinZ(decimals)));
}

/** Fair probabilities (summing to 1) of every outcome of one market, in the order given. */
export function devig(decimals: number[], method: DevigMethod): number[] {
  switch (method) {
    case 'multiplicative':
      return devigMultiplicative(decimals);
    case 'additive':
      return devigAdditive(decimals);
    case 'power':
      return devigPower(decimals);
    case 'shin':
      return devigShin(decimals);
    default:
      throw new RangeError(`unknown de-vig method: ${String(method)} (one of ${DEVIG_METHODS.join(', ')})`);
  }
}
