// Teams of the compressed season: the canonical name (what OpticOdds, BoltOdds and SharpSports
// print), and the "<ABBR> <nickname>" form SharpAPI prints ("PHO Suns" in its reference).
// Nicknames are unique within a league (no two "Sox"): event resolution matches on the last word.

export type SeasonLeague = 'NBA' | 'NFL' | 'NHL' | 'MLB';
export type SeasonMarket = 'moneyline' | 'spread' | 'total';
export type SeasonSide = 'home' | 'away' | 'over' | 'under';

export interface SeasonTeam {
  name: string;
  abbr: string;
  nickname: string;
}

const t = (name: string, abbr: string, nickname: string): SeasonTeam => ({ name, abbr, nickname });

export const SEASON_TEAMS: Record<SeasonLeague, readonly SeasonTeam[]> = {
  NBA: [
    t('Los Angeles Lakers', 'LAL', 'Lakers'),
    t('Boston Celtics', 'BOS', 'Celtics'),
    t('Phoenix Suns', 'PHO', 'Suns'),
    t('Philadelphia 76ers', 'PHI', '76ers'),
    t('Denver Nuggets', 'DEN', 'Nuggets'),
    t('Miami Heat', 'MIA', 'Heat'),
    t('Golden State Warriors', 'GSW', 'Warriors'),
    t('Milwaukee Bucks', 'MIL', 'Bucks'),
    t('New York Knicks', 'NYK', 'Knicks'),
    t('Dallas Mavericks', 'DAL', 'Mavericks'),
    t('Oklahoma City Thunder', 'OKC', 'Thunder'),
    t('Cleveland Cavaliers', 'CLE', 'Cavaliers'),
    t('Minnesota Timberwolves', 'MIN', 'Timberwolves'),
    t('Sacramento Kings', 'SAC', 'Kings'),
    t('Indiana Pacers', 'IND', 'Pacers'),
    t('Orlando Magic', 'ORL', 'Magic'),
  ],
  NFL: [
    t('Kansas City Chiefs', 'KC', 'Chiefs'),
    t('Buffalo Bills', 'BUF', 'Bills'),
    t('Philadelphia Eagles', 'PHI', 'Eagles'),
    t('San Francisco 49ers', 'SF', '49ers'),
    t('Dallas Cowboys', 'DAL', 'Cowboys'),
    t('Baltimore Ravens', 'BAL', 'Ravens'),
    t('Detroit Lions', 'DET', 'Lions'),
    t('Green Bay Packers', 'GB', 'Packers'),
    t('Miami Dolphins', 'MIA', 'Dolphins'),
    t('Cincinnati Bengals', 'CIN', 'Bengals'),
    t('Houston Texans', 'HOU', 'Texans'),
    t('Los Angeles Rams', 'LAR', 'Rams'),
    t('Pittsburgh Steelers', 'PIT', 'Steelers'),
    t('Seattle Seahawks', 'SEA', 'Seahawks'),
    t('Minnesota Vikings', 'MIN', 'Vikings'),
    t('New York Jets', 'NYJ', 'Jets'),
  ],
  NHL: [
    t('Edmonton Oilers', 'EDM', 'Oilers'),
    t('Florida Panthers', 'FLA', 'Panthers'),
    t('New York Rangers', 'NYR', 'Rangers'),
    t('Dallas Stars', 'DAL', 'Stars'),
    t('Colorado Avalanche', 'COL', 'Avalanche'),
    t('Boston Bruins', 'BOS', 'Bruins'),
    t('Toronto Maple Leafs', 'TOR', 'Maple Leafs'),
    t('Vegas Golden Knights', 'VGK', 'Golden Knights'),
    t('Carolina Hurricanes', 'CAR', 'Hurricanes'),
    t('Winnipeg Jets', 'WPG', 'Jets'),
    t('Vancouver Canucks', 'VAN', 'Canucks'),
    t('Tampa Bay Lightning', 'TBL', 'Lightning'),
    t('New Jersey Devils', 'NJD', 'Devils'),
    t('Los Angeles Kings', 'LAK', 'Kings'),
    t('Minnesota Wild', 'MIN', 'Wild'),
    t('Seattle Kraken', 'SEA', 'Kraken'),
  ],
  MLB: [
    t('New York Yankees', 'NYY', 'Yankees'),
    t('Los Angeles Dodgers', 'LAD', 'Dodgers'),
    t('Houston Astros', 'HOU', 'Astros'),
    t('Atlanta Braves', 'ATL', 'Braves'),
    t('Philadelphia Phillies', 'PHI', 'Phillies'),
    t('San Diego Padres', 'SD', 'Padres'),
    t('Seattle Mariners', 'SEA', 'Mariners'),
    t('Toronto Blue Jays', 'TOR', 'Blue Jays'),
    t('Chicago Cubs', 'CHC', 'Cubs'),
    t('Texas Rangers', 'TEX', 'Rangers'),
    t('Baltimore Orioles', 'BAL', 'Orioles'),
    t('New York Mets', 'NYM', 'Mets'),
    t('Milwaukee Brewers', 'MIL', 'Brewers'),
    t('Cleveland Guardians', 'CLE', 'Guardians'),
    t('Minnesota Twins', 'MIN', 'Twins'),
    t('Arizona Diamondbacks', 'ARI', 'Diamondbacks'),
  ],
};

export const LEAGUE_SPORT: Record<SeasonLeague, string> = {
  NBA: 'basketball',
  NFL: 'football',
  NHL: 'hockey',
  MLB: 'baseball',
};

/** Main lines by league: home spread magnitudes to draw from, totals around which games are set, score spread. */
export const LEAGUE_LINES: Record<
  SeasonLeague,
  { spreads: number[]; totals: number[]; fixedSpread: boolean; sd: [number, number] }
> = {
  NBA: {
    spreads: [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5],
    totals: [218.5, 222.5, 226.5, 231.5],
    fixedSpread: false,
    sd: [12, 18],
  },
  NFL: { spreads: [1.5, 2.5, 3.5, 6.5, 7.5], totals: [41.5, 44.5, 47.5], fixedSpread: false, sd: [13.5, 10] },
  NHL: { spreads: [1.5], totals: [5.5, 6.5], fixedSpread: true, sd: [2.2, 2.2] },
  MLB: { spreads: [1.5], totals: [7.5, 8.5, 9.5], fixedSpread: true, sd: [4, 4.2] },
};
/** Overround each book puts on a two-way market: the sharp book runs the thinnest. */
export const BOOK_VIG: Record<string, number> = {
  pinnacle: 0.02,
  draftkings: 0.045,
  fanduel: 0.045,
  betmgm: 0.05,
  caesars: 0.05,
  bet365: 0.045,
  espnbet: 0.05,
};
/** SharpSports book abbreviation → the feed book it bets at (the warehouse's book_map). */
export const ABBR_BOOK: Record<string, string> = { dk: 'draftkings', fd: 'fanduel', mg: 'betmgm', ca: 'caesars' };
