// Static world of the OpticOdds sandbox: leagues, teams, books and the markets each sport quotes.

export const BOOKS = ['DraftKings', 'FanDuel', 'Pinnacle', 'BetMGM', 'Caesars'];

/**
 * League → OpticOdds sport id, for leagues the caller does not map itself. The reference
 * (opticodds-copilot-odds-stream.txt) shows only a few leagues (NBA, NCAAB, ATP, WTA), so these
 * mirror the provider's league list (the same table the adapter keeps, copied, not imported: the
 * sandbox must not run product code).
 */
export const LEAGUE_SPORTS: Record<string, string> = {
  NFL: 'football',
  NCAAF: 'football',
  CFL: 'football',
  UFL: 'football',
  NBA: 'basketball',
  NCAAB: 'basketball',
  WNBA: 'basketball',
  NCAAW: 'basketball',
  MLB: 'baseball',
  NCAABASEBALL: 'baseball',
  NHL: 'hockey',
  MLS: 'soccer',
  EPL: 'soccer',
  ATP: 'tennis',
  WTA: 'tennis',
};

/** Sports the sandbox accepts in the URL path (OpticOdds sport ids). */
export const SPORTS = ['basketball', 'football', 'baseball', 'hockey', 'soccer', 'tennis'];

export interface MarketSet {
  moneyline: string;
  spread: string;
  total: string;
  /** A non-main market, so the adapter's lower-cased passthrough is exercised. */
  extra: string;
}

export const SPORT_MARKETS: Record<string, MarketSet> = {
  basketball: { moneyline: 'Moneyline', spread: 'Point Spread', total: 'Total Points', extra: 'Team Total' },
  football: { moneyline: 'Moneyline', spread: 'Point Spread', total: 'Total Points', extra: 'Team Total' },
  baseball: { moneyline: 'Moneyline', spread: 'Run Line', total: 'Total Runs', extra: 'Team Total' },
  hockey: { moneyline: 'Moneyline', spread: 'Puck Line', total: 'Total Goals', extra: 'Team Total' },
  soccer: { moneyline: 'Moneyline', spread: 'Asian Handicap', total: 'Total Goals', extra: 'Team Total' },
  tennis: { moneyline: 'Moneyline', spread: 'Game Spread', total: 'Total Games', extra: 'Team Total' },
};

/** Typical main lines: spread magnitude range and total around which games are set. */
export const SPORT_LINES: Record<string, { spread: [number, number]; total: [number, number]; teamTotal: number }> = {
  basketball: { spread: [1.5, 12.5], total: [205.5, 238.5], teamTotal: 110.5 },
  football: { spread: [1.5, 10.5], total: [37.5, 52.5], teamTotal: 22.5 },
  baseball: { spread: [1.5, 1.5], total: [7.5, 10.5], teamTotal: 4.5 },
  hockey: { spread: [1.5, 1.5], total: [5.5, 6.5], teamTotal: 3.5 },
  soccer: { spread: [0.5, 1.5], total: [2.5, 3.5], teamTotal: 1.5 },
  tennis: { spread: [1.5, 4.5], total: [20.5, 23.5], teamTotal: 11.5 },
};

export const TEAMS: Record<string, string[]> = {
  NBA: [
    'Boston Celtics',
    'New York Knicks',
    'Miami Heat',
    'Milwaukee Bucks',
    'Denver Nuggets',
    'Los Angeles Lakers',
    'Golden State Warriors',
    'Phoenix Suns',
  ],
  NFL: [
    'Kansas City Chiefs',
    'Buffalo Bills',
    'Philadelphia Eagles',
    'Dallas Cowboys',
    'San Francisco 49ers',
    'Detroit Lions',
    'Baltimore Ravens',
    'Miami Dolphins',
  ],
  NHL: [
    'Boston Bruins',
    'Toronto Maple Leafs',
    'Edmonton Oilers',
    'Colorado Avalanche',
    'New York Rangers',
    'Florida Panthers',
    'Dallas Stars',
    'Vegas Golden Knights',
  ],
  MLB: [
    'New York Yankees',
    'Los Angeles Dodgers',
    'Houston Astros',
    'Atlanta Braves',
    'Philadelphia Phillies',
    'Baltimore Orioles',
    'Texas Rangers',
    'Seattle Mariners',
  ],
  NCAAB: [
    'Duke Blue Devils',
    'Kansas Jayhawks',
    'Gonzaga Bulldogs',
    'UConn Huskies',
    'Houston Cougars',
    'Purdue Boilermakers',
  ],
  NCAAF: [
    'Georgia Bulldogs',
    'Michigan Wolverines',
    'Alabama Crimson Tide',
    'Ohio State Buckeyes',
    'Texas Longhorns',
    'Oregon Ducks',
  ],
};

export function sportOf(league: string, leagueSports: Record<string, string> = {}): string {
  const sport = leagueSports[league] ?? LEAGUE_SPORTS[league.toUpperCase()];
  if (!sport) throw new Error(`sandbox: league ${league} has no sport; pass leagueSports`);
  if (!SPORT_MARKETS[sport])
    throw new Error(`sandbox: sport ${sport} is not simulated (${Object.keys(SPORT_MARKETS).join(', ')})`);
  return sport;
}

export function teamsOf(league: string): string[] {
  return TEAMS[league.toUpperCase()] ?? Array.from({ length: 6 }, (_, i) => `${league} Team ${i + 1}`);
}

/** OpticOdds-style team number for game ids ("16903-41811-2024-10-22"): stable per team name. */
export function teamNumber(name: string): number {
  let h = 2166136261;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return 10000 + (h % 90000);
}

/** "Boston Celtics" → "boston_celtics"; "-3.5" → "-3_5" (the reference's odd id style: over_104_5). */
export const idSlug = (s: string): string => s.trim().toLowerCase().replace(/\./g, '_').replace(/\s+/g, '_');
