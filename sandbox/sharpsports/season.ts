// Season slips in the SharpSports sandbox: the bettors' planned bets on the shared season become
// betSlips once placed, carried by the next refresh of their account, graded after the game ends.
import type { Season, SeasonGame, SlipPlan } from '../season';
import { LEAGUES } from './catalog';
import type { Game } from './events';
import type { GenContext, Leg, SlipMeta } from './generator';
import { betJson, bookRef } from './generator';
import type { SandboxSlip } from './types';
import { hashHex, isoSeconds, profitFor, toAmerican, toDecimal } from './util';

/** Scenarios whose refreshes succeed: their accounts get season slips. */
export const SEASON_SCENARIOS = new Set([
  'good',
  'delayed',
  'otp',
  'throttled',
  'maintenance',
  'lostwebhook',
  'eager',
  'duplicate',
  'flaky',
]);

export class SeasonBook {
  private games = new Map<number, Game>();
  private pending = new Map<string, SlipPlan[]>();

  constructor(
    readonly season: Season,
    accounts: ReadonlyArray<{ id: string; abbr: string }>,
  ) {
    for (const plan of season.slips(accounts))
      this.pending.set(plan.accountId, [...(this.pending.get(plan.accountId) ?? []), plan]);
  }

  /** Plans placed by `nowMs` and not yet turned into slips. */
  hasDue(accountId: string, nowMs: number): boolean {
    return (this.pending.get(accountId) ?? []).some((p) => p.placedAtMs <= nowMs);
  }

  /** The account's slips placed by `nowMs`, as new pending betSlips (each once). */
  takeDue(ctx: GenContext, nowMs: number): SandboxSlip[] {
    const plans = this.pending.get(ctx.accountId) ?? [];
    const due = plans.filter((p) => p.placedAtMs <= nowMs);
    this.pending.set(
      ctx.accountId,
      plans.filter((p) => p.placedAtMs > nowMs),
    );
    return due.map((p) => this.slip(ctx, p));
  }

  private game(g: SeasonGame): Game {
    let game = this.games.get(g.index);
    if (game) return game;
    const info = LEAGUES[g.league];
    const gameId = g.views.opticodds.gameId;
    const team = (name: string) => ({ id: `TEAM_${hashHex(32, 'team', g.league, name)}`, fullName: name });
    game = {
      json: {
        id: `EVNT_${hashHex(32, 'season-event', gameId, this.season.baseTimeMs)}`,
        sportsdataioId: null,
        sportradarId: null,
        oddsjamId: gameId,
        sport: info.sport,
        league: g.league,
        name: `${g.away.name} @ ${g.home.name}`,
        nameSpecial: null,
        startTime: isoSeconds(g.startMs),
        startDate: isoSeconds(g.startMs).slice(0, 10),
        sportId: info.sportId,
        leagueId: info.leagueId,
        contestantAway: team(g.away.name),
        contestantHome: team(g.home.name),
        neutralVenue: false,
      },
      league: g.league,
      home: g.home.name,
      away: g.away.name,
      startMs: g.startMs,
      endMs: g.endMs,
      market: {
        homeSpread: g.homeSpread,
        homeSpreadOdds: -110,
        awaySpreadOdds: -110,
        total: g.total,
        homeMl: -110,
        awayMl: -110,
      },
      homeScore: g.homeScore,
      awayScore: g.awayScore,
    };
    this.games.set(g.index, game);
    return game;
  }

  private slip(ctx: GenContext, plan: SlipPlan): SandboxSlip {
    const slipId = `SLIP_${ctx.ids.hex(32)}`;
    const legs: Leg[] = plan.legs.map((l) => ({
      game: this.game(this.season.games[l.game]),
      kind: l.market,
      side: l.side,
      line: l.line,
      odds: l.american,
    }));
    const bets = legs.map((leg, i) => betJson(ctx.rng, leg, false, `BET_${hashHex(32, slipId, i)}`));
    const meta: SlipMeta = {
      legs: new Map(bets.map((b, i) => [b.id, legs[i]])),
      hidden: new Map(),
      boost: 0,
      scheduled: true,
    };
    ctx.meta.set(slipId, meta);
    const odds = legs.length === 1 ? legs[0].odds : toAmerican(legs.reduce((acc, l) => acc * toDecimal(l.odds), 1));
    return {
      id: slipId,
      bettor: ctx.bettorId,
      book: { ...ctx.book },
      bettorAccount: ctx.accountId,
      bookRef: bookRef(ctx),
      timePlaced: isoSeconds(plan.placedAtMs),
      type: legs.length > 1 ? 'parlay' : 'single',
      subtype: null,
      oddsAmerican: odds,
      atRisk: plan.atRisk,
      toWin: profitFor(plan.atRisk, odds),
      status: 'pending',
      outcome: null,
      refreshResponse: '',
      incomplete: false,
      netProfit: null,
      dateClosed: null,
      typeSpecial: null,
      bets,
      adjusted: { odds: false, line: false, atRisk: null },
    };
  }
}
