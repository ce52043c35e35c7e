// Leagues, teams and books the SharpAPI sandbox quotes. Team names follow the reference example
// ("PHO Suns"): the abbreviation is also the selection suffix of the odds id.

export interface LeagueDef {
  league: string;
  sport: string;
  /** market_type names as the sandbox sends them; MLB/NHL use their own spread names. */
  spreadMarket: string;
  totalMarket: string;
  totalLine: number;
  spreadRange: number;
  teams: ReadonlyArray<readonly [abbr: string, name: string]>;
}

export const SANDBOX_LEAGUES: readonly LeagueDef[] = [
  {
    league: 'nba',
    sport: 'basketball',
    spreadMarket: 'spread',
    totalMarket: 'total',
    totalLine: 224.5,
    spreadRange: 12,
    teams: [
      ['PHO', 'PHO Suns'],
      ['PHI', 'PHI 76ers'],
      ['BOS', 'BOS Celtics'],
      ['LAL', 'LAL Lakers'],
      ['DEN', 'DEN Nuggets'],
      ['MIA', 'MIA Heat'],
      ['GSW', 'GSW Warriors'],
      ['MIL', 'MIL Bucks'],
      ['NYK', 'NYK Knicks'],
      ['DAL', 'DAL Mavericks'],
      ['OKC', 'OKC Thunder'],
      ['CLE', 'CLE Cavaliers'],
      ['MIN', 'MIN Timberwolves'],
      ['SAC', 'SAC Kings'],
      ['IND', 'IND Pacers'],
      ['ORL', 'ORL Magic'],
    ],
  },
  {
    league: 'nfl',
    sport: 'football',
    spreadMarket: 'spread',
    totalMarket: 'total',
    totalLine: 44.5,
    spreadRange: 10,
    teams: [
      ['KC', 'KC Chiefs'],
      ['BUF', 'BUF Bills'],
      ['PHI', 'PHI Eagles'],
      ['SF', 'SF 49ers'],
      ['DAL', 'DAL Cowboys'],
      ['BAL', 'BAL Ravens'],
      ['DET', 'DET Lions'],
      ['GB', 'GB Packers'],
      ['MIA', 'MIA Dolphins'],
      ['CIN', 'CIN Bengals'],
      ['HOU', 'HOU Texans'],
      ['LAR', 'LAR Rams'],
      ['PIT', 'PIT Steelers'],
      ['SEA', 'SEA Seahawks'],
      ['MIN', 'MIN Vikings'],
      ['NYJ', 'NYJ Jets'],
    ],
  },
  {
    league: 'mlb',
    sport: 'baseball',
    spreadMarket: 'run_line',
    totalMarket: 'total',
    totalLine: 8.5,
    spreadRange: 1.5,
    teams: [
      ['NYY', 'NYY Yankees'],
      ['LAD', 'LAD Dodgers'],
      ['BOS', 'BOS Red Sox'],
      ['HOU', 'HOU Astros'],
      ['ATL', 'ATL Braves'],
      ['PHI', 'PHI Phillies'],
      ['SD', 'SD Padres'],
      ['SEA', 'SEA Mariners'],
      ['TOR', 'TOR Blue Jays'],
      ['CHC', 'CHC Cubs'],
      ['TEX', 'TEX Rangers'],
      ['BAL', 'BAL Orioles'],
      ['NYM', 'NYM Mets'],
      ['MIL', 'MIL Brewers'],
      ['CLE', 'CLE Guardians'],
      ['MIN', 'MIN Twins'],
    ],
  },
  {
    league: 'nhl',
    sport: 'hockey',
    spreadMarket: 'puck_line',
    totalMarket: 'total',
    totalLine: 5.5,
    spreadRange: 1.5,
    teams: [
      ['EDM', 'EDM Oilers'],
      ['FLA', 'FLA Panthers'],
      ['NYR', 'NYR Rangers'],
      ['DAL', 'DAL Stars'],
      ['COL', 'COL Avalanche'],
      ['BOS', 'BOS Bruins'],
      ['TOR', 'TOR Maple Leafs'],
      ['VGK', 'VGK Golden Knights'],
      ['CAR', 'CAR Hurricanes'],
      ['WPG', 'WPG Jets'],
      ['VAN', 'VAN Canucks'],
      ['TBL', 'TBL Lightning'],
      ['NJD', 'NJD Devils'],
      ['LAK', 'LAK Kings'],
      ['MIN', 'MIN Wild'],
      ['SEA', 'SEA Kraken'],
    ],
  },
];

export const SANDBOX_BOOKS = ['draftkings', 'fanduel', 'betmgm', 'caesars'] as const;

/** The reference's "category aliases": `market=spread` also matches run_line / puck_line. */
export const MARKET_CATEGORIES: Record<string, readonly string[]> = {
  moneyline: ['moneyline'],
  spread: ['spread', 'run_line', 'puck_line'],
  total: ['total'],
};
