import { proxyActivities, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { ClvActivities } from '../../activities/clv/clv';
import { SA_KIND, SA_PHASE } from '../../platform/temporal/search-attributes';

const { refreshClv } = proxyActivities<ClvActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/**
 * One pass of CLV upkeep, started by the `clv` schedule: resolve new feed events to canonical
 * events, then store the closes of events that have started (closing_lines reads stored closes
 * instead of every tick; a stale store is never trusted, so a late pass only costs speed).
 */
export async function clvRefresh(
  input: { graceSeconds?: number } = {},
): Promise<{ events: number; closes: number; resolved: number; pending: number }> {
  upsertSearchAttributes([
    { key: SA_KIND, value: 'clv' },
    { key: SA_PHASE, value: 'running' },
  ]);
  const r = await refreshClv({ graceSeconds: input.graceSeconds });
  const summary = {
    events: r.materialize.events,
    closes: r.materialize.closes,
    resolved: r.resolve.resolved,
    pending: r.materialize.pending,
  };
  upsertMemo(summary);
  upsertSearchAttributes([{ key: SA_PHASE, value: 'done' }]);
  return summary;
}
