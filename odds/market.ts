/**
 * The one canonical market name every feed adapter writes to `odds_ticks.market`, so closing
 * lines join across providers: 'moneyline' | 'spread' | 'total' for the main markets in any
 * provider's spelling ("Point Spread", "Run Line", "total_points", "h2h", …), otherwise the
 * provider's name lower-cased with spaces as '_' ("1st Half Total Points" → '1st_half_total_points').
 */
const MONEYLINE = new Set([
  'moneyline',
  'money_line',
  'ml',
  'h2h',
  'head_to_head',
  'match_winner',
  'winner',
  'to_win',
  'fight_winner',
  '1x2',
]);
const SPREAD = new Set([
  'spread',
  'spreads',
  'point_spread',
  'points_spread',
  'game_spread',
  'run_line',
  'runline',
  'puck_line',
  'puckline',
  'handicap',
  'asian_handicap',
]);
const TOTAL = new Set([
  'total',
  'totals',
  'total_points',
  'total_runs',
  'total_goals',
  'game_total',
  'over/under',
  'over_under',
]);

export function canonicalMarket(raw: string): string {
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (MONEYLINE.has(key)) return 'moneyline';
  if (SPREAD.has(key)) return 'spread';
  if (TOTAL.has(key)) return 'total';
  return raw.trim().toLowerCase().replace(/\s+/g, '_');
}
