// Seeded betSlip generator: singles and parlays on real games, graded from each game's seeded final score.
import { LEAGUES } from './catalog';
import type { EventCalendar, Game } from './events';
import type { BookJson, SandboxBet, SandboxSlip } from './types';
import {
  DAY,
  HOUR,
  MINUTE,
  Rng,
  hashHex,
  hashSeed,
  isoDate,
  isoSeconds,
  probToAmerican,
  profitFor,
  toAmerican,
  toDecimal,
} from './util';

export interface Leg {
  game: Game;
  kind: 'spread' | 'total' | 'moneyline';
  side: 'home' | 'away' | 'over' | 'under';
  line: number | null;
  odds: number;
}

/** What the sandbox knows about a slip beyond its JSON: the real legs and the masked fields of incomplete bets. */
/** `scheduled`: a season slip, graded only once its games are over (never force-graded early). */
export interface SlipMeta {
  legs: Map<string, Leg>;
  hidden: Map<string, Partial<SandboxBet>>;
  boost: number;
  scheduled?: boolean;
}

export interface GenContext {
  /** content randomness (games, odds, stakes) */
  rng: Rng;
  /** id randomness (slip ids, bookRefs), separate so ids do not depend on the clock */
  ids: Rng;
  calendar: EventCalendar;
  bettorId: string;
  accountId: string;
  book: BookJson;
  unitSize: number;
  bookRefs: Set<string>;
  meta: Map<string, SlipMeta>;
}

/** Shift an American price by `dp` of implied probability (positive = shorter price). */
function shiftOdds(odds: number, dp: number): number {
  const p = Math.min(0.93, Math.max(0.07, 1 / toDecimal(odds) + dp));
  return probToAmerican(p - 0.0227);
}

function makeLeg(rng: Rng, game: Game): Leg {
  const m = game.market;
  const bigLines = game.league === 'NFL' || game.league === 'NBA';
  const kind = rng.pick(['spread', 'spread', 'moneyline', 'moneyline', 'total', 'total'] as const);
  const jitter = rng.pick([-0.01, 0, 0, 0, 0.01]);
  if (kind === 'spread') {
    const side = rng.pick(['home', 'away'] as const);
    let line = side === 'home' ? m.homeSpread : -m.homeSpread;
    let odds = side === 'home' ? m.homeSpreadOdds : m.awaySpreadOdds;
    if (bigLines && rng.chance(0.15)) {
      // alternate line
      const shift = rng.pick([-2, -1, 1, 2]);
      line += shift;
      odds = shiftOdds(odds, 0.03 * shift);
    } else if (jitter) odds = shiftOdds(odds, jitter);
    return { game, kind, side, line, odds };
  }
  if (kind === 'total') {
    const side = rng.pick(['over', 'under'] as const);
    let line = m.total;
    let odds = bigLines ? -110 : rng.pick([-110, -115, -120, -105, 100]);
    if (bigLines && rng.chance(0.15)) {
      const shift = rng.pick([-1, -0.5, 0.5, 1]) * (game.league === 'NBA' ? 4 : 2);
      line += shift;
      odds = shiftOdds(odds, ((side === 'over' ? -0.03 : 0.03) * shift) / (game.league === 'NBA' ? 4 : 2));
    } else if (jitter) odds = shiftOdds(odds, jitter);
    return { game, kind, side, line, odds };
  }
  const side = rng.pick(['home', 'away'] as const);
  const base = side === 'home' ? m.homeMl : m.awayMl;
  return { game, kind, side, line: null, odds: jitter ? shiftOdds(base, jitter / 2) : base };
}

export function gradeLeg(leg: Leg): 'win' | 'loss' | 'push' {
  const { homeScore: hs, awayScore: as } = leg.game;
  let diff: number;
  if (leg.kind === 'total') diff = leg.side === 'over' ? hs + as - (leg.line ?? 0) : (leg.line ?? 0) - (hs + as);
  else diff = (leg.side === 'home' ? hs - as : as - hs) + (leg.kind === 'spread' ? (leg.line ?? 0) : 0);
  return diff > 0 ? 'win' : diff < 0 ? 'loss' : 'push';
}

const nickname = (team: string): string => team.split(' ').slice(-1)[0];
const fmtLine = (line: number): string => (line > 0 ? `+${line}` : `${line}`);

export function betJson(rng: Rng, leg: Leg, live: boolean, id: string): SandboxBet {
  const { game } = leg;
  const info = LEAGUES[game.league];
  const position =
    leg.side === 'over' ? 'Over' : leg.side === 'under' ? 'Under' : leg.side === 'home' ? game.home : game.away;
  const label = leg.kind === 'spread' ? info.spreadLabel : leg.kind === 'total' ? info.totalLabel : 'Money Line';
  const posText =
    leg.line === null
      ? position
      : leg.kind === 'spread'
        ? `${position} ${fmtLine(leg.line)}`
        : `${position} ${leg.line}`;
  const sdio = rng.chance(0.6) ? String(1000000 + (hashSeed(game.json.id, leg.kind, position) % 900000)) : null;
  return {
    id,
    type: 'straight',
    event: game.json,
    segment: null,
    proposition: leg.kind,
    segmentDetail: null,
    position,
    line: leg.line,
    oddsAmerican: leg.odds,
    status: 'pending',
    outcome: null,
    live,
    incomplete: false,
    bookDescription: `${game.away} at ${game.home} - ${live ? 'Live ' : ''}${label} - ${posText}`,
    marketSelection: `MRKT_${hashHex(32, 'mrkt', game.json.id, leg.kind, position, String(leg.line))}`,
    autoGrade: false,
    segmentId: null,
    propDetails: null,
    sdioMarketId: sdio,
    sportradarMarketId: sdio,
  };
}

/** Hide the parsed fields of a bet (book description the parser "did not understand"), remembering them. */
function mask(bet: SandboxBet, leg: Leg): Partial<SandboxBet> {
  const hidden: Partial<SandboxBet> = {
    type: bet.type,
    proposition: bet.proposition,
    position: bet.position,
    line: bet.line,
    oddsAmerican: bet.oddsAmerican,
    marketSelection: bet.marketSelection,
    sdioMarketId: bet.sdioMarketId,
    sportradarMarketId: bet.sportradarMarketId,
    bookDescription: bet.bookDescription,
    incomplete: false,
  };
  const g = leg.game;
  const pos =
    leg.side === 'home' || leg.side === 'away'
      ? nickname(leg.side === 'home' ? g.home : g.away)
      : leg.side === 'over'
        ? 'O'
        : 'U';
  const special =
    leg.kind === 'spread'
      ? `Alt Handicap - ${pos} ${fmtLine(leg.line ?? 0)}`
      : leg.kind === 'total'
        ? `Game Total - ${pos}${leg.line}`
        : `To Win (Incl. OT) - ${pos}`;
  Object.assign(bet, {
    type: null,
    proposition: null,
    position: null,
    line: null,
    oddsAmerican: null,
    marketSelection: null,
    sdioMarketId: null,
    sportradarMarketId: null,
    incomplete: true,
    bookDescription: `${nickname(g.away)} @ ${nickname(g.home)} - ${special}`,
  });
  return hidden;
}

export function bookRef(ctx: GenContext): string {
  const r = ctx.ids;
  for (;;) {
    const abbr = ctx.book.abbr;
    const ref =
      abbr === 'dk'
        ? `63${r.digits(16)}`
        : abbr === 'fd'
          ? `O/${r.digits(7)}/${r.digits(7)}`
          : abbr === 'mg'
            ? `${r.int(10000000, 99999999)}.${r.digits(6)}`
            : `${r.hex(8)}-${r.hex(4)}-11ee-${r.hex(4)}-${r.hex(12)}`;
    if (!ctx.bookRefs.has(ref)) {
      ctx.bookRefs.add(ref);
      return ref;
    }
  }
}

/** One new pending slip placed at `placedAt` on some of `candidates`, or null when there is nothing to bet on. */
export function makeSlip(ctx: GenContext, placedAt: number, candidates: Game[], live: boolean): SandboxSlip | null {
  const r = ctx.rng;
  if (candidates.length === 0) return null;
  const slipId = `SLIP_${ctx.ids.hex(32)}`;
  const ref = bookRef(ctx);
  const parlay = !live && candidates.length >= 2 && r.chance(0.25);
  const games = parlay
    ? r.shuffle([...candidates]).slice(0, r.int(2, Math.min(3, candidates.length)))
    : [r.pick(candidates)];
  const legs = games.map((g) => makeLeg(r, g));
  const bets = legs.map((l, i) => betJson(r, l, live, `BET_${hashHex(32, slipId, i)}`));
  const meta: SlipMeta = { legs: new Map(bets.map((b, i) => [b.id, legs[i]])), hidden: new Map(), boost: 0 };
  if (r.chance(0.05)) {
    const i = r.int(0, bets.length - 1);
    meta.hidden.set(bets[i].id, mask(bets[i], legs[i]));
  }
  if (r.chance(0.05)) meta.boost = r.pick([0.2, 0.25, 0.3, 0.5]);
  let odds: number;
  if (bets.length === 1 && !meta.boost) odds = legs[0].odds;
  else {
    const dec = legs.reduce((acc, l) => acc * toDecimal(l.odds), 1);
    odds = toAmerican(1 + (dec - 1) * (1 + meta.boost));
  }
  const unit = ctx.unitSize * (parlay ? r.pick([0.1, 0.2, 0.25, 0.5]) : r.pick([0.2, 0.5, 1, 1, 1, 1.5, 2, 3]));
  const atRisk = Math.max(100, Math.round(unit / 100) * 100);
  const slip: SandboxSlip = {
    id: slipId,
    bettor: ctx.bettorId,
    book: { ...ctx.book },
    bettorAccount: ctx.accountId,
    bookRef: ref,
    timePlaced: isoSeconds(placedAt),
    type: parlay ? 'parlay' : 'single',
    subtype: null,
    oddsAmerican: odds,
    atRisk,
    toWin: profitFor(atRisk, odds),
    status: 'pending',
    outcome: null,
    refreshResponse: '',
    incomplete: meta.hidden.size > 0,
    netProfit: null,
    dateClosed: null,
    typeSpecial: meta.boost ? `${Math.round(meta.boost * 100)}% Profit Boost` : null,
    bets,
    adjusted: { odds: meta.boost > 0, line: false, atRisk: null },
  };
  ctx.meta.set(slip.id, meta);
  return slip;
}

/**
 * Grade the legs whose games are over (all legs when `force`), and close the slip when every leg is graded.
 * Returns true if anything changed.
 */
export function settleSlip(slip: SandboxSlip, meta: SlipMeta, nowMs: number, force: boolean): boolean {
  let changed = false;
  let lastEnd = 0;
  for (const bet of slip.bets) {
    const leg = meta.legs.get(bet.id);
    if (!leg) continue;
    lastEnd = Math.max(lastEnd, leg.game.endMs);
    if (bet.status === 'pending' && ((force && !meta.scheduled) || leg.game.endMs <= nowMs)) {
      bet.status = 'completed';
      bet.outcome = gradeLeg(leg);
      changed = true;
    }
  }
  if (slip.status === 'completed' || slip.bets.some((b) => b.status !== 'completed')) return changed;
  const outcomes = slip.bets.map((b) => b.outcome);
  slip.status = 'completed';
  if (outcomes.includes('loss')) {
    slip.outcome = 'loss';
    slip.netProfit = -slip.atRisk;
  } else if (outcomes.every((o) => o === 'push')) {
    slip.outcome = 'push';
    slip.netProfit = 0;
  } else {
    slip.outcome = 'win';
    if (!outcomes.includes('push')) slip.netProfit = slip.toWin;
    else {
      const dec = slip.bets.reduce((acc, b) => {
        const leg = meta.legs.get(b.id);
        return b.outcome === 'win' && leg ? acc * toDecimal(leg.odds) : acc;
      }, 1);
      slip.netProfit = Math.round(slip.atRisk * (dec - 1) * (1 + meta.boost));
    }
  }
  slip.dateClosed = isoDate(lastEnd + 20 * MINUTE <= nowMs ? lastEnd + 20 * MINUTE : nowMs);
  return true;
}

/** Reveal the parsed fields of incomplete bets (what a 'system' refresh does). */
export function unmaskSlip(slip: SandboxSlip, meta: SlipMeta): boolean {
  if (meta.hidden.size === 0) return false;
  for (const bet of slip.bets) {
    const hidden = meta.hidden.get(bet.id);
    if (hidden) Object.assign(bet, hidden);
  }
  meta.hidden.clear();
  slip.incomplete = slip.bets.some((b) => b.incomplete);
  return true;
}

/** `n` history slips placed over the past weeks (or months for big accounts), graded as of `nowMs`. */
export function historySlips(ctx: GenContext, n: number, nowMs: number): SandboxSlip[] {
  const out: SandboxSlip[] = [];
  const spanDays = n > 100 ? 180 : 30;
  for (let i = 0; i < n; i++) {
    const placedAt = Math.floor((nowMs - HOUR - ctx.rng.next() * spanDays * DAY) / 1000) * 1000;
    const slip = newSlipAt(ctx, placedAt, 3 * DAY);
    if (!slip) continue;
    settleSlip(slip, ctx.meta.get(slip.id)!, nowMs, false);
    out.push(slip);
  }
  return out;
}

/** A slip placed at `placedAt` on a game starting soon (5% live bets on a game in progress). */
export function newSlipAt(ctx: GenContext, placedAt: number, horizonMs: number): SandboxSlip | null {
  if (ctx.rng.chance(0.05)) {
    const inPlay = ctx.calendar.startingBetween(placedAt - 100 * MINUTE, placedAt - 10 * MINUTE);
    if (inPlay.length) return makeSlip(ctx, placedAt, inPlay, true);
  }
  let upcoming = ctx.calendar.startingBetween(placedAt + 10 * MINUTE, placedAt + horizonMs);
  if (upcoming.length === 0) upcoming = ctx.calendar.startingBetween(placedAt + 10 * MINUTE, placedAt + 7 * DAY);
  return makeSlip(ctx, placedAt, upcoming, false);
}
