// Groups (one SSE connection each)

export const DEFAULT_LEAGUE_SPORTS: Record<string, string> = {
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
/** The reference: "we recommend grouping up to 10 leagues per connection". */
export const MAX_LEAGUES_PER_CONNECTION = 10;

export interface StreamGroup {
  /** Stable across restarts for the same configuration: the checkpoint is keyed by it. */
  key: string;
  sport: string;
  leagues: string[];
}

export function planGroups(leagues: string[], leagueSports: Record<string, string> = {}): StreamGroup[] {
  const sports = new Map<string, string>();
  for (const [l, s] of Object.entries({ ...DEFAULT_LEAGUE_SPORTS, ...leagueSports })) sports.set(l.toUpperCase(), s);
  const bySport = new Map<string, string[]>();
  for (const league of [...new Set(leagues)]) {
    const sport = leagueSports[league] ?? sports.get(league.toUpperCase());
    if (!sport) {
      throw new Error(
        `OpticOdds league "${league}" has no known sport (the stream URL needs one): pass leagueSports: { "${league}": "<sport>" } (e.g. soccer, tennis).`,
      );
    }
    bySport.set(sport, [...(bySport.get(sport) ?? []), league]);
  }
  const groups: StreamGroup[] = [];
  for (const [sport, ls] of [...bySport].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...ls].sort();
    for (let i = 0; i < sorted.length; i += MAX_LEAGUES_PER_CONNECTION) {
      const chunk = sorted.slice(i, i + MAX_LEAGUES_PER_CONNECTION);
      groups.push({ key: `${sport}:${chunk.join(',')}`, sport, leagues: chunk });
    }
  }
  return groups;
}
