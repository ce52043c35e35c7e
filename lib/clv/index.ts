/**
 * CLV API over sql/0007_clv.sql: event resolution and the unresolved-bet summary.
 * The figures themselves are the `bet_clv` view (defaults pinnacle / multiplicative) and the
 * parameterized `bet_clv_at(sharp_book = '…', devig = '…')`.
 */
import { queryRows, type Warehouse } from '../warehouse/client';

export { resolveEvents, normalizeTeam, teamsMatch, type ResolveResult } from './resolve';

/** Bet legs that cannot get a CLV figure, counted by unresolved_reason. */
export async function unresolvedBets(ch: Warehouse): Promise<Record<string, number>> {
  const rows = await queryRows<{ reason: string; n: number }>(
    ch,
    "SELECT unresolved_reason AS reason, count() AS n FROM bet_clv WHERE row_kind = 'leg' AND unresolved_reason IS NOT NULL GROUP BY reason ORDER BY reason",
  );
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]));
}
