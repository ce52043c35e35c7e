// One simulated SharpAPI odd as the book keeps it (its current price, line and visibility).
export interface SandboxOdd {
  index: number;
  id: string;
  sportsbook: string;
  event_id: string;
  sport: string;
  league: string;
  home_team: string;
  away_team: string;
  market_type: string;
  /** 'moneyline' | 'spread' | 'total' (the category used by the `market` filter). */
  category: string;
  selection: string;
  selection_type: 'home' | 'away' | 'over' | 'under';
  odds_american: number;
  line: number | null;
  event_start_time: string;
  lastSeenMs: number;
  is_live: boolean;
  removedAt: number | null;
  sibling: number;
}
