import { BettorSchema, paginated } from '../../schemas/sharpsports';
import { log } from '../../platform/log';
import { queryRows } from '../../platform/warehouse/client';
import { bettorWorkflowId } from '../../workflows/refresh/messages';
import type { CadenceBettor, CadencePlan } from '../../workflows/refresh/cadence-messages';
import { classify } from './failures';
import type { ActivityDeps } from '../deps';

const BettorPage = paginated(BettorSchema);

export function createCadenceActivities({ clickhouse, http, temporal }: ActivityDeps) {
  return {
    /** One page of GET /v1/bettors (pageSize/pageNum pagination: never one giant list). */
    async listBettorsPage({
      pageNum,
      pageSize,
    }: {
      pageNum: number;
      pageSize: number;
    }): Promise<{ bettors: CadenceBettor[]; totalPages: number }> {
      const page = BettorPage.parse(await http.get('/v1/bettors', { pageSize, pageNum }).catch(classify));
      return {
        bettors: page.objects.map((b) => ({
          id: String(b.id),
          internalId: b.internalId ? String(b.internalId) : null,
        })),
        totalPages: page.totalPages,
      };
    },

    /**
     * Which bettors to refresh now. Skipped: a bettor whose refresh workflow (bettor or any of its
     * accounts) is still running — never two refreshes at once — and a bettor with an account
     * refreshed less than `spacingSeconds` before `nowMs` (SharpSports' one refresh per account
     * per minute; refresh_attempts records every request linehouse made, answered or not).
     */
    async planCadenceBatch({
      bettors,
      spacingSeconds,
      nowMs,
    }: {
      bettors: CadenceBettor[];
      spacingSeconds: number;
      nowMs: number;
    }): Promise<CadencePlan> {
      const keys = bettors.flatMap((b) => [b.id, ...(b.internalId ? [b.internalId] : [])]);
      const recentRows = await queryRows<{ bettor: string }>(
        clickhouse,
        `WITH owners AS (
           SELECT DISTINCT bettor_account_id, bettor_id FROM refresh_runs WHERE bettor_id IN {keys:Array(String)}
           UNION DISTINCT SELECT DISTINCT bettor_account_id, bettor_id FROM bet_slips WHERE bettor_id IN {keys:Array(String)})
         SELECT DISTINCT bettor FROM (
           SELECT o.bettor_id AS bettor, a.requested_at AS at FROM refresh_attempts AS a INNER JOIN owners AS o ON o.bettor_account_id = a.bettor_account_id
           UNION ALL
           SELECT substring(workflow_id, length('refresh-bettor-') + 1) AS bettor, requested_at AS at FROM refresh_attempts WHERE startsWith(workflow_id, 'refresh-bettor-'))
         WHERE bettor IN {keys:Array(String)} AND at > fromUnixTimestamp64Milli({since:Int64}, 'UTC')`,
        { keys, since: nowMs - spacingSeconds * 1000 },
      );
      const recent = new Set(recentRows.map((r) => r.bettor));
      const running = new Set<string>();
      if (temporal && keys.length > 0) {
        // Visibility queries have no bound parameters: only ids of a plain shape go into the text
        // (JSON quoting is not the visibility grammar's escaping); any other id is still covered
        // by the per-bettor workflow-id check below.
        const quoted = keys
          .filter((k) => /^[A-Za-z0-9_.:@+-]+$/.test(k))
          .map((k) => `"${k}"`)
          .join(', ');
        if (quoted)
          try {
            for await (const wf of temporal.client.workflow.list({
              query: `ExecutionStatus = "Running" AND LinehouseBettor IN (${quoted})`,
            })) {
              const v = wf.searchAttributes?.LinehouseBettor;
              for (const k of Array.isArray(v) ? v : []) running.add(String(k));
            }
          } catch (err) {
            // A namespace without linehouse's search attributes: the id check below still holds.
            log.warn('cadence.visibility_unavailable', { error: (err as Error).message });
          }
        // Visibility can lag a start by a moment; the workflow ids themselves cannot.
        await Promise.all(
          bettors.map(async (b) => {
            const id = bettorWorkflowId(b.internalId ?? b.id);
            try {
              const d = await temporal.client.workflow.getHandle(id).describe();
              if (d.status.name === 'RUNNING') running.add(b.internalId ?? b.id);
            } catch {
              // Never started: not running.
            }
          }),
        );
      }
      const plan: CadencePlan = { due: [], running: [], recent: [] };
      for (const b of bettors) {
        const ids = [b.id, b.internalId].filter((x): x is string => !!x);
        if (ids.some((k) => running.has(k))) plan.running.push(b);
        else if (ids.some((k) => recent.has(k))) plan.recent.push(b);
        else plan.due.push(b);
      }
      return plan;
    },
  };
}
