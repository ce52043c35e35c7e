import {
  ApplicationFailure,
  continueAsNew,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { RefreshActivities } from '../../activities/refresh';
import { SA_KIND, SA_PHASE } from '../../platform/temporal/search-attributes';
import { bettorRefresh } from './bettor-refresh';
import {
  cadenceProgressQuery,
  emptyCadenceTotals,
  type CadenceBettor,
  type CadenceRefreshInput,
  type CadenceRefreshResult,
} from './cadence-messages';
import { bettorWorkflowId, type BettorRefreshResult } from './messages';

const api = proxyActivities<RefreshActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 5 },
});

/**
 * One cadence pass over every bettor: pages GET /v1/bettors, skips bettors already refreshing
 * or refreshed inside the rate-limit window, and refreshes the rest as bettorRefresh children,
 * at most `fanOut` at a time. Started by the `cadence` schedule (overlap: skip), so passes
 * never overlap either.
 */
export async function cadenceRefresh(input: CadenceRefreshInput): Promise<CadenceRefreshResult> {
  const totals = input.carried?.totals ?? emptyCadenceTotals();
  let pageNum = input.carried?.pageNum ?? 1;
  let inFlight = 0;
  const policy = { ...input.policy, otpWaitSeconds: Math.min(input.policy.otpWaitSeconds, input.otpWaitSeconds ?? 60) };
  setHandler(cadenceProgressQuery, () => ({ ...totals, inFlight }));
  upsertSearchAttributes([
    { key: SA_KIND, value: 'cadence' },
    { key: SA_PHASE, value: 'running' },
  ]);

  const refreshOne = async (b: CadenceBettor) => {
    const bettor = b.internalId ?? b.id;
    try {
      const child = await startChild(bettorRefresh, {
        workflowId: bettorWorkflowId(bettor),
        args: [{ bettor, policy }],
      });
      const result = (await child.result()) as BettorRefreshResult;
      totals.refreshed += 1;
      totals.accounts += result.accounts.length;
    } catch (err) {
      // Started by someone else between the plan and now (the CLI, a webhook): theirs runs.
      if (err instanceof WorkflowExecutionAlreadyStartedError) totals.skippedRunning += 1;
      else totals.failed += 1;
    }
  };

  for (;;) {
    const { bettors, totalPages } = await api.listBettorsPage({ pageNum, pageSize: input.pageSize });
    totals.pages += 1;
    totals.bettors += bettors.length;
    const plan = await api.planCadenceBatch({
      bettors,
      spacingSeconds: input.policy.minSpacingSeconds,
      nowMs: Date.now(),
    });
    totals.skippedRunning += plan.running.length;
    totals.skippedRecent += plan.recent.length;
    const queue = [...plan.due];
    const workers = Array.from({ length: Math.max(1, Math.min(input.fanOut, queue.length)) }, async () => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        inFlight += 1;
        await refreshOne(b);
        inFlight -= 1;
      }
    });
    await Promise.all(workers);
    upsertMemo({ ...totals });
    if (pageNum >= totalPages) break;
    pageNum += 1;
    if (workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof cadenceRefresh>({ ...input, carried: { pageNum, totals } });
  }
  upsertSearchAttributes([{ key: SA_PHASE, value: 'done' }]);
  if (totals.failed > 0 && totals.refreshed === 0 && totals.bettors > 0)
    throw ApplicationFailure.create({
      message: `every bettor refresh failed (${totals.failed}); see the bettorRefresh workflows`,
      nonRetryable: true,
    });
  return totals;
}
