import type { BookJson, BookRegionJson } from './types';

export type League = 'NFL' | 'NBA' | 'NHL' | 'MLB';

export interface LeagueInfo {
  sport: string;
  sportId: string;
  leagueId: string;
  teams: readonly string[];
  /** base for sportsdata.io game ids */
  sdioBase: number;
  spreadLabel: string;
  totalLabel: string;
  /** typical game length in hours (grading happens after start + duration) */
  durationH: number;
  /** kickoff times in US Eastern hours for a given weekday (0 = Sunday) */
  slots(weekday: number): number[];
}

export const LEAGUES: Record<League, LeagueInfo> = {
  NFL: {
    sport: 'Football',
    sportId: 'SPRT_americanfootball',
    leagueId: 'LGUE_nfl',
    sdioBase: 18000,
    spreadLabel: 'Spread',
    totalLabel: 'Total Points',
    durationH: 3.25,
    slots: (d) =>
      d === 0
        ? [13, 13, 13, 13, 13, 13, 16 + 5 / 60, 16 + 25 / 60, 16 + 25 / 60, 20 + 20 / 60]
        : d === 1 || d === 4
          ? [20 + 15 / 60]
          : [],
    teams: [
      'Arizona Cardinals',
      'Atlanta Falcons',
      'Baltimore Ravens',
      'Buffalo Bills',
      'Carolina Panthers',
      'Chicago Bears',
      'Cincinnati Bengals',
      'Cleveland Browns',
      'Dallas Cowboys',
      'Denver Broncos',
      'Detroit Lions',
      'Green Bay Packers',
      'Houston Texans',
      'Indianapolis Colts',
      'Jacksonville Jaguars',
      'Kansas City Chiefs',
      'Las Vegas Raiders',
      'Los Angeles Chargers',
      'Los Angeles Rams',
      'Miami Dolphins',
      'Minnesota Vikings',
      'New England Patriots',
      'New Orleans Saints',
      'New York Giants',
      'New York Jets',
      'Philadelphia Eagles',
      'Pittsburgh Steelers',
      'San Francisco 49ers',
      'Seattle Seahawks',
      'Tampa Bay Buccaneers',
      'Tennessee Titans',
      'Washington Commanders',
    ],
  },
  NBA: {
    sport: 'Basketball',
    sportId: 'SPRT_basketball',
    leagueId: 'LGUE_nba',
    sdioBase: 20000000,
    spreadLabel: 'Spread',
    totalLabel: 'Total Points',
    durationH: 2.5,
    slots: () => [19, 19.5, 20, 21, 22, 22.5],
    teams: [
      'Atlanta Hawks',
      'Boston Celtics',
      'Brooklyn Nets',
      'Charlotte Hornets',
      'Chicago Bulls',
      'Cleveland Cavaliers',
      'Dallas Mavericks',
      'Denver Nuggets',
      'Detroit Pistons',
      'Golden State Warriors',
      'Houston Rockets',
      'Indiana Pacers',
      'Los Angeles Clippers',
      'Los Angeles Lakers',
      'Memphis Grizzlies',
      'Miami Heat',
      'Milwaukee Bucks',
      'Minnesota Timberwolves',
      'New Orleans Pelicans',
      'New York Knicks',
      'Oklahoma City Thunder',
      'Orlando Magic',
      'Philadelphia 76ers',
      'Phoenix Suns',
      'Portland Trail Blazers',
      'Sacramento Kings',
      'San Antonio Spurs',
      'Toronto Raptors',
      'Utah Jazz',
      'Washington Wizards',
    ],
  },
  NHL: {
    sport: 'Hockey',
    sportId: 'SPRT_icehockey',
    leagueId: 'LGUE_nhl',
    sdioBase: 30000000,
    spreadLabel: 'Puck Line',
    totalLabel: 'Total Goals',
    durationH: 2.75,
    slots: () => [19, 19, 20, 21, 22],
    teams: [
      'Anaheim Ducks',
      'Boston Bruins',
      'Buffalo Sabres',
      'Calgary Flames',
      'Carolina Hurricanes',
      'Chicago Blackhawks',
      'Colorado Avalanche',
      'Columbus Blue Jackets',
      'Dallas Stars',
      'Detroit Red Wings',
      'Edmonton Oilers',
      'Florida Panthers',
      'Los Angeles Kings',
      'Minnesota Wild',
      'Montreal Canadiens',
      'Nashville Predators',
      'New Jersey Devils',
      'New York Islanders',
      'New York Rangers',
      'Ottawa Senators',
      'Philadelphia Flyers',
      'Pittsburgh Penguins',
      'San Jose Sharks',
      'Seattle Kraken',
      'St. Louis Blues',
      'Tampa Bay Lightning',
      'Toronto Maple Leafs',
      'Utah Mammoth',
      'Vancouver Canucks',
      'Vegas Golden Knights',
      'Washington Capitals',
      'Winnipeg Jets',
    ],
  },
  MLB: {
    sport: 'Baseball',
    sportId: 'SPRT_baseball',
    leagueId: 'LGUE_mlb',
    sdioBase: 70000000,
    spreadLabel: 'Run Line',
    totalLabel: 'Total Runs',
    durationH: 3,
    slots: () => [13 + 10 / 60, 16 + 5 / 60, 19 + 5 / 60, 19 + 10 / 60, 19 + 40 / 60, 20 + 10 / 60, 21 + 40 / 60],
    teams: [
      'Arizona Diamondbacks',
      'Athletics',
      'Atlanta Braves',
      'Baltimore Orioles',
      'Boston Red Sox',
      'Chicago Cubs',
      'Chicago White Sox',
      'Cincinnati Reds',
      'Cleveland Guardians',
      'Colorado Rockies',
      'Detroit Tigers',
      'Houston Astros',
      'Kansas City Royals',
      'Los Angeles Angels',
      'Los Angeles Dodgers',
      'Miami Marlins',
      'Milwaukee Brewers',
      'Minnesota Twins',
      'New York Mets',
      'New York Yankees',
      'Philadelphia Phillies',
      'Pittsburgh Pirates',
      'San Diego Padres',
      'San Francisco Giants',
      'Seattle Mariners',
      'St. Louis Cardinals',
      'Tampa Bay Rays',
      'Texas Rangers',
      'Toronto Blue Jays',
      'Washington Nationals',
    ],
  },
};

export const LEAGUE_NAMES = Object.keys(LEAGUES) as League[];

export type BookAbbr = 'dk' | 'fd' | 'mg' | 'ca';

export const BOOKS: Record<BookAbbr, BookJson> = {
  dk: { id: 'BOOK_nhLZ9l5DRs6w6KcE2n7vnw', name: 'DraftKings', abbr: 'dk' },
  fd: { id: 'BOOK_Fq3uK8mZTbWQ0dR7nX2vLg', name: 'FanDuel', abbr: 'fd' },
  mg: { id: 'BOOK_pPg9ABaPSj2mL6qoMTKR1A', name: 'BetMGM', abbr: 'mg' },
  ca: { id: 'BOOK_IPBQaQQTCRxplZx7SYOA', name: 'Caesars', abbr: 'ca' },
};

export const REGIONS: readonly BookRegionJson[] = [
  { id: 'BSTA_Okuj8vPwRPSMnYhROBE1Uw', name: 'Colorado', abbr: 'co', status: 'active', country: 'United States' },
  { id: 'BSTA_Nj4yT8bQ2kWmZ0pLrV6xAg', name: 'New Jersey', abbr: 'nj', status: 'active', country: 'United States' },
  { id: 'BSTA_Ny7fR2cX9sKqH3uJwE5tBw', name: 'New York', abbr: 'ny', status: 'active', country: 'United States' },
  { id: 'BSTA_Az5hG1vM8rTnC4yPqD0eKw', name: 'Arizona', abbr: 'az', status: 'active', country: 'United States' },
];

export type ScenarioName =
  | 'good'
  | 'delayed'
  | 'errorlogin'
  | 'errorbet'
  | 'changepassword'
  | 'otp'
  | 'big'
  | 'throttled'
  | 'maintenance'
  | 'revoked'
  | 'lostwebhook'
  | 'eager'
  | 'duplicate'
  | 'flaky';

export interface AccountSpec {
  internalId: string;
  abbr: BookAbbr;
  scenario: ScenarioName;
}

/** Test bettors (internalId = documented test usernames plus sandbox extras) and their accounts. */
export const ACCOUNT_SPECS: readonly AccountSpec[] = [
  { internalId: 'gooduser', abbr: 'dk', scenario: 'good' },
  { internalId: 'gooduser', abbr: 'fd', scenario: 'good' },
  { internalId: 'realuser', abbr: 'mg', scenario: 'delayed' },
  { internalId: 'errorloginuser', abbr: 'ca', scenario: 'errorlogin' },
  { internalId: 'errorbetuser', abbr: 'dk', scenario: 'errorbet' },
  { internalId: 'changepassworduser', abbr: 'fd', scenario: 'changepassword' },
  { internalId: '2FAuser', abbr: 'mg', scenario: 'otp' },
  { internalId: 'bigbettor', abbr: 'dk', scenario: 'big' },
  { internalId: 'throttleduser', abbr: 'fd', scenario: 'throttled' },
  { internalId: 'maintenanceuser', abbr: 'ca', scenario: 'maintenance' },
  { internalId: 'revokeduser', abbr: 'mg', scenario: 'revoked' },
  { internalId: 'lostwebhookuser', abbr: 'dk', scenario: 'lostwebhook' },
  { internalId: 'eageruser', abbr: 'fd', scenario: 'eager' },
  { internalId: 'dupuser', abbr: 'mg', scenario: 'duplicate' },
  { internalId: 'flakyuser', abbr: 'ca', scenario: 'flaky' },
];

export const SANDBOX_BETTORS: readonly string[] = [...new Set(ACCOUNT_SPECS.map((a) => a.internalId))];

const GENERATED_BOOKS: readonly BookAbbr[] = ['dk', 'fd', 'mg', 'ca'];

/**
 * `n` extra well-behaved accounts (scenario `good`) for load tests: one bettor each,
 * `genuser00001` … on DraftKings, FanDuel, BetMGM and Caesars in turn.
 */
export function generatedAccountSpecs(n: number): AccountSpec[] {
  const width = Math.max(5, String(n).length);
  return Array.from({ length: n }, (_, i) => ({
    internalId: `genuser${String(i + 1).padStart(width, '0')}`,
    abbr: GENERATED_BOOKS[i % GENERATED_BOOKS.length],
    scenario: 'good' as const,
  }));
}

export const bettorIdFor = (internalId: string): string => `BTTR_${internalId}`;
export const accountIdFor = (internalId: string, abbr: string): string => `BACT_${internalId}_${abbr}`;
