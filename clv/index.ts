/**
 * CLV API over the CLV tables (sql/migrations/0007, 0008) and views (sql/views/): event resolution, stored
 * closes and the unresolved-bet summary. The figures themselves are the `bet_clv` view (defaults
 * pinnacle / multiplicative) and the parameterized `bet_clv_at(sharp_book = '…', devig = '…')`.
 */
import { queryRows, type Warehouse } from '../platform/warehouse/client';
import { materializeClosingLines, type MaterializeOptions, type MaterializeResult } from './materialize';
import { resolveEvents, type ResolveResult } from './resolve';

export { resolveEvents, normalizeTeam, teamsMatch, type ResolveResult } from './resolve';
export { materializeClosingLines, type MaterializeOptions, type MaterializeResult } from './materialize';

export interface RefreshClvResult {
  resolve: ResolveResult;
  materialize: MaterializeResult;
}

/**
 * Resolution first: a new event_map row can change an event's start (it then reads the canonical
 * event's fixtures), and storing closes for the old start would only be thrown away.
 */
export async function refreshClv(ch: Warehouse, opts: MaterializeOptions = {}): Promise<RefreshClvResult> {
  const resolve = await resolveEvents(ch);
  const materialize = await materializeClosingLines(ch, opts);
  return { resolve, materialize };
}

/** Bet legs that cannot get a CLV figure, counted by unresolved_reason. */
export async function unresolvedBets(ch: Warehouse): Promise<Record<string, number>> {
  const rows = await queryRows<{ reason: string; n: number }>(
    ch,
    "SELECT unresolved_reason AS reason, count() AS n FROM bet_clv WHERE row_kind = 'leg' AND unresolved_reason IS NOT NULL GROUP BY reason ORDER BY reason",
  );
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]));
}
