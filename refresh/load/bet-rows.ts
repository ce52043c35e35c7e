import crypto from 'node:crypto';
import { DOCUMENTED_VALUES, type BetSlip } from '../../schemas/sharpsports';

/**
 * SharpSports betSlip -> `bet_slips` and `bets` rows (the normalize stage). `version` orders
 * versions of the same slip: the refreshResponse time in microseconds, so the newest
 * report of a slip wins whatever order deliveries arrive in.
 */
export function slipVersion(refreshResponseTime: string): number {
  const ms = Date.parse(refreshResponseTime);
  const micros = /\.(\d{1,6})/.exec(refreshResponseTime)?.[1]?.padEnd(6, '0').slice(3) ?? '000';
  return Number.isFinite(ms) ? ms * 1000 + Number(micros) : 0;
}

const num = (v: unknown): number | null =>
  v === null || v === undefined || v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null;
const int = (v: unknown): number | null => {
  const n = num(v);
  return n === null ? null : Math.round(n);
};
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const optStr = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * A documented value in another casing ("Completed") is that value: stored as listed, so every
 * query that asks for status = 'completed' finds it. Any other value is stored as it came.
 */
function listed(field: keyof typeof DOCUMENTED_VALUES, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const text = String(v);
  const lower = text.toLowerCase();
  return (DOCUMENTED_VALUES[field] as readonly string[]).includes(lower) ? lower : text;
}

export interface SlipRows {
  slip: Record<string, unknown>;
  bets: Record<string, unknown>[];
}

export function slipToRows(
  slip: BetSlip,
  ctx: { refreshResponseId: string; refreshResponseTime: string; bettorId?: string | null },
): SlipRows {
  const version = slipVersion(ctx.refreshResponseTime);
  const s = slip as BetSlip & Record<string, any>;
  const bettorId = str(s.bettor ?? ctx.bettorId);
  const bookAbbr = str(s.book?.abbr);
  const rrId = str(s.refreshResponse ?? ctx.refreshResponseId) || ctx.refreshResponseId;
  const bets = (s.bets ?? []).map((b: any) => ({
    id: b.id,
    bet_slip_id: s.id,
    bettor_id: bettorId,
    bettor_account_id: str(s.bettorAccount),
    book_abbr: bookAbbr,
    time_placed: s.timePlaced ?? null,
    event_id: str(b.event?.id),
    oddsjam_id: str(b.event?.oddsjamId),
    sportsdataio_id: str(b.event?.sportsdataioId),
    sportradar_id: str(b.event?.sportradarId),
    sport: str(b.event?.sport),
    league: str(b.event?.league),
    event_name: str(b.event?.name),
    event_start_time: b.event?.startTime ?? null,
    home_team: str(b.event?.contestantHome?.fullName),
    away_team: str(b.event?.contestantAway?.fullName),
    bet_type: str(b.type),
    proposition: str(b.proposition),
    segment: optStr(b.segment),
    position: optStr(b.position),
    line: num(b.line),
    odds_american: int(b.oddsAmerican),
    status: listed('bet.status', b.status) ?? '',
    outcome: listed('bet.outcome', b.outcome),
    live: Boolean(b.live),
    incomplete: Boolean(b.incomplete),
    book_description: str(b.bookDescription),
    market_selection: str(b.marketSelection),
    prop_player: optStr(b.propDetails?.player),
    prop_metric: optStr(b.propDetails?.metricSpecial),
    refresh_response_id: rrId,
    version,
  }));
  const rows: SlipRows = {
    slip: {
      id: s.id,
      bettor_id: bettorId,
      bettor_account_id: str(s.bettorAccount),
      book_abbr: bookAbbr,
      book_name: str(s.book?.name),
      book_ref: str(s.bookRef),
      time_placed: s.timePlaced ?? null,
      type: listed('slip.type', s.type) ?? '',
      subtype: optStr(s.subtype),
      type_special: optStr(s.typeSpecial),
      odds_american: int(s.oddsAmerican),
      at_risk: int(s.atRisk),
      to_win: int(s.toWin),
      status: listed('slip.status', s.status) ?? '',
      outcome: listed('slip.outcome', s.outcome),
      net_profit: int(s.netProfit),
      // A date per the reference; a full timestamp (seen as sloppiness) would fail the Date32 insert forever: keep its date part.
      date_closed:
        typeof s.dateClosed === 'string' && /^\d{4}-\d{2}-\d{2}/.test(s.dateClosed) ? s.dateClosed.slice(0, 10) : null,
      incomplete: Boolean(s.incomplete),
      adjusted_odds: s.adjusted?.odds ?? null,
      adjusted_line: s.adjusted?.line ?? null,
      adjusted_at_risk: int(s.adjusted?.atRisk),
      leg_count: bets.length,
      refresh_response_id: rrId,
      refresh_response_time: ctx.refreshResponseTime,
      version,
    },
    bets,
  };
  rows.slip.content_hash = slipContentHash(rows);
  return rows;
}

// Fields that say when or through which refresh a slip was seen, not what it is.
const VOLATILE = new Set(['version', 'refresh_response_id', 'refresh_response_time', 'loaded_at', 'content_hash']);
const stable = (row: Record<string, unknown>) => Object.entries(row).filter(([k]) => !VOLATILE.has(k));

/**
 * What a slip is (status, grades, money, legs), independent of the refresh or backfill that
 * brought it: equal hashes mean loading it again would change nothing. Backfills use it to
 * report new vs updated slips and to skip unchanged ones, so re-running a range writes nothing.
 */
export function slipContentHash(rows: SlipRows): string {
  const legs = [...rows.bets].sort((a, b) => String(a.id).localeCompare(String(b.id))).map(stable);
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([stable(rows.slip), legs]))
    .digest('hex')
    .slice(0, 32);
}
