/**
 * Price conversions, done once at the edge (each feed adapter normalizes to all three forms).
 * American +150 = decimal 2.5 = implied 0.4; American -200 = decimal 1.5 = implied 0.6667.
 */
export function americanToDecimal(american: number): number {
  if (!Number.isFinite(american) || (american > -100 && american < 100))
    throw new RangeError(`not an American price: ${american}`);
  return american > 0 ? 1 + american / 100 : 1 + 100 / -american;
}

export function decimalToAmerican(decimal: number): number {
  if (!Number.isFinite(decimal) || decimal <= 1) throw new RangeError(`not a decimal price: ${decimal}`);
  return decimal >= 2 ? Math.round((decimal - 1) * 100) : Math.round(-100 / (decimal - 1));
}

export const impliedProbability = (decimal: number): number => 1 / decimal;

/** "+3300", "-10000", " 150 ", 150 → number; None / '' / null → null (suspended); anything else throws. */
export function parseAmerican(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    americanToDecimal(value);
    return value;
  }
  const text = String(value).trim();
  if (text === '' || text === 'None' || text.toLowerCase() === 'null') return null;
  if (!/^[+-]?\d+(\.\d+)?$/.test(text)) throw new RangeError(`not an American price: "${text}"`);
  const n = Number(text);
  americanToDecimal(n);
  return n;
}

export interface NormalizedPrice {
  price_american: number | null;
  price_decimal: number | null;
  implied_prob: number | null;
}

export function fromAmerican(american: number | null): NormalizedPrice {
  if (american === null) return { price_american: null, price_decimal: null, implied_prob: null };
  const d = americanToDecimal(american);
  return { price_american: Math.round(american), price_decimal: d, implied_prob: 1 / d };
}
