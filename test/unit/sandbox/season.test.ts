import { describe, expect, it } from 'vitest';
import { teamsMatch } from '../../../clv/resolve';
import { parseGame, parseWhen } from '../../../feeds/boltodds/parse';
import { SeasonWorld } from '../../../sandbox/boltodds/season-world';
import { teamNumber } from '../../../sandbox/opticodds/catalog';
import { SeasonScript } from '../../../sandbox/opticodds/season-script';
import { Season, americanToDecimal } from '../../../sandbox/season';
import { SeasonOdds } from '../../../sandbox/sharpapi/season-book';
import type { SandboxOdd } from '../../../sandbox/sharpapi/odd';
import { startSharpSportsSandbox } from '../../../sandbox/sharpsports';
import { SEASON_SCENARIOS } from '../../../sandbox/sharpsports/season';

const BASE = Date.parse('2026-03-14T23:00:00Z');
const ACCOUNTS = [
  { id: 'BACT_a_dk', abbr: 'dk' },
  { id: 'BACT_b_fd', abbr: 'fd' },
  { id: 'BACT_c_mg', abbr: 'mg' },
  { id: 'BACT_d_ca', abbr: 'ca' },
];
const overround = (s: Season, book: string, t: number) => {
  const g = s.games[0];
  return (
    1 / americanToDecimal(s.quote(g, 'moneyline', 'home', book, t)!.american) +
    1 / americanToDecimal(s.quote(g, 'moneyline', 'away', book, t)!.american)
  );
};

describe('season', () => {
  it('is a function of its seed and base time: same inputs, same games, prices and slips; another seed, other games', () => {
    const a = new Season({ baseTimeMs: BASE, seed: 3 });
    const b = new Season({ baseTimeMs: BASE, seed: 3 });
    expect(b.games).toEqual(a.games);
    expect(b.slips(ACCOUNTS)).toEqual(a.slips(ACCOUNTS));
    expect(b.quote(b.games[5], 'total', 'over', 'fanduel', BASE + 9000)).toEqual(
      a.quote(a.games[5], 'total', 'over', 'fanduel', BASE + 9000),
    );
    const c = new Season({ baseTimeMs: BASE, seed: 4 });
    expect(c.games.map((g) => g.views.opticodds.gameId)).not.toEqual(a.games.map((g) => g.views.opticodds.gameId));
  });

  it('never reuses a game id it is told to avoid (a second run on the same day and warehouse gets other matchups)', () => {
    const used = new Set<string>();
    for (let run = 0; run < 20; run++) {
      const ids = new Season({ baseTimeMs: BASE + run * 60_000, seed: 1, avoidGameIds: used }).games.map(
        (g) => g.views.opticodds.gameId,
      );
      for (const id of ids) {
        expect(used.has(id)).toBe(false);
        used.add(id);
      }
    }
  });

  it('runs on a compressed clock: starts tens of seconds in, one moved start, lines that settle before the start', () => {
    const s = new Season({ baseTimeMs: BASE, games: 8 });
    expect(s.games.map((g) => g.league)).toEqual(['NBA', 'NFL', 'NHL', 'MLB', 'NBA', 'NFL', 'NHL', 'MLB']);
    expect(s.firstStartMs - BASE).toBeGreaterThanOrEqual(20_000);
    expect(s.lastEndMs - BASE).toBeLessThan(120_000);
    const moved = s.games.filter((g) => g.move);
    expect(moved).toHaveLength(1);
    const m = moved[0];
    expect(m.startMs).toBe(m.move!.toMs);
    expect(m.move!.toMs).toBeGreaterThan(m.move!.fromMs);
    expect(s.knownStart(m, m.move!.announcedAtMs - 1)).toBe(m.move!.fromMs);
    expect(s.knownStart(m, m.move!.announcedAtMs)).toBe(m.move!.toMs);
    for (const g of s.games) {
      expect(g.closeAtMs).toBeLessThan(g.startMs);
      expect(g.endMs).toBeGreaterThan(g.startMs);
      expect(g.homeScore).not.toBe(g.awayScore);
      // Quotes stop at the start and hold their closing value from closeAtMs on.
      expect(s.quote(g, 'spread', 'away', 'pinnacle', g.startMs)).toBeNull();
      expect(s.quote(g, 'spread', 'away', 'pinnacle', g.startMs - 1)).toEqual(
        s.closingQuote(g, 'spread', 'away', 'pinnacle'),
      );
    }
    const lm = s.games.find((g) => g.lineMove)!;
    expect(s.quote(lm, 'spread', 'home', 'draftkings', lm.lineMove!.atMs - 1)!.line).toBe(lm.homeSpread);
    expect(s.closingQuote(lm, 'spread', 'home', 'draftkings').line).toBe(lm.lineMove!.to);
    expect(s.closingQuote(lm, 'spread', 'away', 'draftkings').line).toBe(-lm.lineMove!.to);
    // The sharp book's two-way overround is the thinnest.
    expect(overround(s, 'pinnacle', BASE)).toBeLessThan(overround(s, 'draftkings', BASE));
    expect(overround(s, 'pinnacle', BASE)).toBeGreaterThan(1);
  });

  it('names every game the way each provider does, and the names resolve back to exactly that game', () => {
    const s = new Season({ baseTimeMs: BASE, seed: 11 });
    for (const g of s.games) {
      const v = g.views;
      expect(v.opticodds.gameId).toBe(`${teamNumber(g.away.name)}-${teamNumber(g.home.name)}-2026-03-14`);
      expect(v.opticodds.fixtureId).toMatch(/^[0-9A-F]{12}$/);
      expect(parseGame(v.boltodds.game)).toEqual({ home: g.home.name, away: g.away.name });
      expect(Math.abs(Date.parse(parseWhen(v.boltodds.when)!) - g.scheduledStartMs)).toBeLessThan(60_000);
      expect(v.boltodds.universalId).toMatch(/^[0-9a-f]{12}$/);
      expect(v.sharpapi.eventId).toMatch(/^\d+$/);
      expect(v.sharpapi.home).toBe(`${g.home.abbr} ${g.home.nickname}`);
      const others = s.games.filter((o) => o.league === g.league && o !== g);
      expect(teamsMatch(v.sharpapi.home, g.home.name) && teamsMatch(v.sharpapi.away, g.away.name)).toBe(true);
      for (const o of others)
        expect(teamsMatch(v.sharpapi.home, o.home.name) && teamsMatch(v.sharpapi.away, o.away.name)).toBe(false);
    }
    expect(new Set(s.games.map((g) => g.views.opticodds.gameId)).size).toBe(s.games.length);
  });

  it('plans slips at the book price at placement, before the line settles: a parlay, a spread whose line moves, winners and losers against the close', () => {
    const s = new Season({ baseTimeMs: BASE, seed: 5 });
    const plans = s.slips(ACCOUNTS);
    expect(new Set(plans.map((p) => p.accountId))).toEqual(new Set(ACCOUNTS.map((a) => a.id)));
    const clv: number[] = [];
    for (const p of plans) {
      expect(p.book).toBe({ dk: 'draftkings', fd: 'fanduel', mg: 'betmgm', ca: 'caesars' }[p.abbr]);
      for (const l of p.legs) {
        const g = s.games[l.game];
        expect(p.placedAtMs).toBeLessThan(g.closeAtMs);
        expect(s.quote(g, l.market, l.side, p.book, p.placedAtMs)).toEqual({ american: l.american, line: l.line });
        const close = s.closingQuote(g, l.market, l.side, p.book);
        if (close.line === l.line && p.legs.length === 1)
          clv.push(americanToDecimal(l.american) / americanToDecimal(close.american) - 1);
      }
    }
    expect(plans.some((p) => p.legs.length === 2)).toBe(true);
    const moved = plans.filter((p) =>
      p.legs.some(
        (l) =>
          l.market === 'spread' &&
          s.games[l.game].lineMove &&
          l.line !== s.closingQuote(s.games[l.game], 'spread', l.side, p.book).line,
      ),
    );
    expect(moved).toHaveLength(1);
    expect(clv.some((x) => x > 0)).toBe(true);
    expect(clv.some((x) => x < 0)).toBe(true);
  });
});

describe('season on the feed simulators', () => {
  const s = new Season({ baseTimeMs: BASE, seed: 2, games: 4 });
  const g = s.games[0];

  it('OpticOdds: fixtures first, quotes only before the start, the close last, locked at the start, settled from the score', () => {
    const script = new SeasonScript(s);
    const seen: any[] = [];
    for (let t = BASE; t <= s.lastEndMs + 1000; t += 100)
      for (let e = script.next(t); e; e = script.next(t)) seen.push({ t, ...e });
    expect(seen[0].event).toBe('fixture-status');
    const mine = seen.filter(
      (e) => (e.event === 'fixture-status' ? e.data.game_id : e.items[0].game_id) === g.views.opticodds.gameId,
    );
    const quotes = mine.filter((e) => e.event === 'copilot-odds');
    expect(quotes.every((e) => e.t < g.startMs)).toBe(true);
    const lastMl = quotes
      .filter((e) =>
        e.items.some(
          (o: any) => o.market === 'Moneyline' && o.sportsbook === 'Pinnacle' && o.selection === g.home.name,
        ),
      )
      .at(-1);
    expect(lastMl.items.find((o: any) => o.sportsbook === 'Pinnacle' && o.selection === g.home.name).price).toBe(
      s.closingQuote(g, 'moneyline', 'home', 'pinnacle').american,
    );
    expect(mine.find((e) => e.event === 'copilot-locked-odds' && e.t >= g.startMs)).toBeDefined();
    const settled = mine.filter((e) => e.event === 'copilot-settled-odds').flatMap((e) => e.items);
    const homeMl = settled.find(
      (o: any) => o.market === 'Moneyline' && o.selection === g.home.name && o.sportsbook === 'DraftKings',
    );
    expect(homeMl.settlement).toBe(g.homeScore > g.awayScore ? 'Won' : 'Lost');
  });

  it('BoltOdds: quotes until the start, then every outcome suspended, then the game removed', () => {
    let now = BASE;
    const world = new SeasonWorld(s, ['draftkings'], () => now);
    const outcomes = () => [
      ...world.games
        .find((w) => w.game === g.views.boltodds.game)!
        .books.get('draftkings')!
        .values(),
    ];
    expect(outcomes().map((o) => o.key)).toContain(`${g.home.name} Moneyline`);
    for (now = BASE; now < g.startMs; now += 200) world.step();
    expect(outcomes().find((o) => o.key === `${g.home.name} Moneyline`)!.price).toBe(
      s.closingQuote(g, 'moneyline', 'home', 'draftkings').american,
    );
    now = g.startMs;
    const atStart = world.step().filter((e) => e.kind === 'line_update' && e.game.game === g.views.boltodds.game);
    expect(atStart).toHaveLength(1);
    expect(atStart[0].kind === 'line_update' && atStart[0].outcomes.every((o) => o.price === null)).toBe(true);
    expect(world.getGames()[g.views.boltodds.game]).toEqual({
      when: g.views.boltodds.when,
      game: g.views.boltodds.game,
      orig_teams: `${g.home.name} vs ${g.away.name}`,
      universal_id: g.views.boltodds.universalId,
      sport: g.league,
    });
    now = g.endMs;
    expect(world.step().some((e) => e.kind === 'game_removed' && e.game.game === g.views.boltodds.game)).toBe(true);
    expect(world.games.some((w) => w.game === g.views.boltodds.game)).toBe(false);
  });

  it('SharpAPI: its own names and books, prices in place, removed at the start', () => {
    const season = new SeasonOdds(s, ['bet365']);
    const odds: SandboxOdd[] = [];
    season.build(odds, BASE);
    const mine = odds.filter((o) => o.event_id === g.views.sharpapi.eventId);
    expect(mine.map((o) => o.selection)).toEqual(
      expect.arrayContaining([g.views.sharpapi.home, g.views.sharpapi.away, 'Over', 'Under']),
    );
    for (let t = BASE; t < g.startMs; t += 500) season.step(odds, t);
    const ml = mine.find((o) => o.market_type === 'moneyline' && o.selection_type === 'away')!;
    expect(ml.odds_american).toBe(s.closingQuote(g, 'moneyline', 'away', 'bet365').american);
    season.step(odds, g.startMs);
    expect(mine.every((o) => o.removedAt === g.startMs)).toBe(true);
  });
});

describe('season on the SharpSports sandbox', () => {
  it("bettors' season slips arrive with the next refresh after placement, name the game by oddsjamId, and are graded only once it is over", async () => {
    const s = new Season({ baseTimeMs: BASE, seed: 9, games: 4 });
    let now = BASE;
    const sb = await startSharpSportsSandbox({
      apiKey: 'k',
      webhookSecret: 'w',
      refreshLatencyMs: 1,
      now: () => now,
      season: s,
    });
    try {
      const account = 'BACT_gooduser_dk';
      const plans = s
        .slips(
          sb
            .accounts()
            .filter((a) => SEASON_SCENARIOS.has(a.scenario))
            .map((a) => ({ id: a.id, abbr: a.bookAbbr })),
        )
        .filter((p) => p.accountId === account);
      expect(plans.length).toBeGreaterThanOrEqual(2);
      const seasonSlips = () =>
        sb
          .slips(account)
          .filter((x) => x.bets.some((b) => s.games.some((g) => g.views.opticodds.gameId === b.event.oddsjamId)));
      now = plans[0].placedAtMs;
      await sb.triggerRefresh(account, 'cadence');
      expect(seasonSlips()).toHaveLength(plans.filter((p) => p.placedAtMs <= now).length);
      now = s.firstStartMs;
      await sb.triggerRefresh(account, 'system');
      const landed = seasonSlips();
      expect(landed).toHaveLength(plans.length);
      for (const [i, p] of plans.entries()) {
        const slip = landed.find(
          (x) =>
            x.timePlaced === new Date(p.placedAtMs).toISOString().replace('.000Z', 'Z') &&
            x.bets.length === p.legs.length &&
            x.bets[0].oddsAmerican === p.legs[0].american,
        );
        expect(slip, `plan ${i}`).toBeDefined();
        expect(slip!.bets.map((b) => [b.proposition, b.line, b.oddsAmerican])).toEqual(
          p.legs.map((l) => [l.market, l.line, l.american]),
        );
        expect(slip!.bets[0].event.oddsjamId).toBe(s.games[p.legs[0].game].views.opticodds.gameId);
      }
      // A grade before the games are over leaves season slips pending (history slips are graded).
      await sb.gradePending(account);
      expect(seasonSlips().every((x) => x.status === 'pending')).toBe(true);
      now = s.lastEndMs;
      await sb.gradePending(account);
      for (const slip of seasonSlips()) {
        expect(slip.status).toBe('completed');
        for (const b of slip.bets) {
          const g = s.games.find((x) => x.views.opticodds.gameId === b.event.oddsjamId)!;
          if (b.proposition === 'moneyline')
            expect(b.outcome).toBe((b.position === g.home.name) === g.homeScore > g.awayScore ? 'win' : 'loss');
        }
      }
    } finally {
      await sb.close();
    }
  });
});
