/**
 * Closing-line value (docs/analysts.md, "Closing-line value"): how a bet's price compares with the
 * market at the close.
 * Three figures, positive = the bettor beat the close:
 *   - EV at close     p_fair_close × d_bet − 1   (expected return per unit staked, if the de-vigged
 *                                                 closing probability is the truth)
 *   - price CLV       d_bet / d_close − 1        (same selection, same line)
 *   - points CLV      points gained on a spread or total line
 * The `lh_ev_at_close`, `lh_price_clv`, `lh_points_clv`, `lh_parlay_*` SQL functions in
 * sql/functions/odds.sql are the same formulas. When the bet's line is not quoted at the close
 * the caller reports `line_moved` instead of a price figure; these functions never guess a price.
 */

/** Expected value per unit staked at decimal price `dBet`, if `pFairClose` is the true probability. */
export function evAtClose(pFairClose: number, dBet: number): number {
  return pFairClose * dBet - 1;
}

/** How much better (positive) or worse the price taken was than the closing price: d_bet / d_close − 1. */
export function priceClv(dBet: number, dClose: number): number {
  return dBet / dClose - 1;
}

/** The last word of a position, any case: 'Over', 'Lakers Over', ' under ' → 'over' / 'under' (same regex as SQL). */
function overUnder(position: string): 'over' | 'under' | null {
  const m = /(?:^|\s)(over|under)\s*$/i.exec(position);
  return m ? (m[1].toLowerCase() as 'over' | 'under') : null;
}

/**
 * Points of line value, positive = the bettor's number was better than the closing number for the
 * same side. `proposition` is SharpSports' / the canonical market ('spread' | 'total', any case).
 *   - spread: lines are quoted for the side bet (position = that team), and more points are
 *     better for that side: bet − close. Bet −3, close −4.5 → +1.5; bet +7, close +6 → +1;
 *     bet −3, close −2.5 → −0.5.
 *   - total, Over (the position's last word): a lower number is better: close − bet.
 *     Over 220.5, close 223 → +2.5.
 *   - total, Under: a higher number is better: bet − close. Under 230, close 228 → +2.
 * Anything else (moneyline, 3-way, props without a line, a missing line) → null.
 */
export function pointsClv(
  proposition: string | null | undefined,
  position: string | null | undefined,
  betLine: number | null | undefined,
  closeLine: number | null | undefined,
): number | null {
  if (betLine === null || betLine === undefined || closeLine === null || closeLine === undefined) return null;
  const prop = proposition ?? '';
  if (/^\s*spread\s*$/i.test(prop)) return betLine - closeLine;
  if (/^\s*total\s*$/i.test(prop)) {
    const side = overUnder(position ?? '');
    if (side === 'over') return closeLine - betLine;
    if (side === 'under') return betLine - closeLine;
  }
  return null;
}

export interface ParlayLeg {
  /** The leg's de-vigged closing probability (reference book, chosen method). */
  pFairClose: number;
  /** The decimal price the leg was taken at. */
  dBet: number;
}

/**
 * Slip-level EV at close of a parlay: Π(p_i · d_i) − 1 = (Π p_i)(Π d_i) − 1, the probability that
 * every leg wins times the parlay payout, minus the stake. Assumptions, stated so nobody reads
 * more into the figure: legs are independent (for positively correlated same-game legs Π p_i
 * understates the chance that all win, so the figure understates that parlay's EV), and the slip
 * pays the product of its legs' prices. When the book paid different slip odds (boosts, SGP
 * pricing), pass them as `dSlip`: EV = (Π p_i) · dSlip − 1. Void / pushed legs drop out of a
 * parlay: leave them out. No legs → 0 (an empty product).
 */
export function parlayEvAtClose(legs: readonly ParlayLeg[], dSlip?: number): number {
  if (dSlip === undefined) return legs.reduce((acc, l) => acc * (l.pFairClose * l.dBet), 1) - 1;
  return legs.reduce((acc, l) => acc * l.pFairClose, 1) * dSlip - 1;
}

/** Slip-level price CLV of a parlay: Π(d_bet_i / d_close_i) − 1 (the parlay price taken vs the parlay of the closes). */
export function parlayPriceClv(legs: readonly { dBet: number; dClose: number }[]): number {
  return legs.reduce((acc, l) => acc * (l.dBet / l.dClose), 1) - 1;
}
