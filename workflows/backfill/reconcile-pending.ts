import {
  continueAsNew,
  executeChild,
  proxyActivities,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BackfillActivities } from '../../activities/backfill/backfill';
import { SA_KIND, SA_PHASE } from '../../platform/temporal/search-attributes';
import {
  addCounts,
  emptyCounts,
  RECONCILE_DEFAULTS,
  type PendingAccount,
  type ReconcilePendingInput,
  type ReconcilePendingResult,
} from './messages';
import { betBackfill } from './bet-backfill';

const { pendingSlipAccounts } = proxyActivities<BackfillActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One reconcile pass (schedule `linehouse-reconcile`): every account with overdue slips still
 * pending in the warehouse (last event started `overdueAfterHours` ago) is backfilled, as a child
 * betBackfill, from its oldest such slip's placement window to now. A grade refresh linehouse never
 * heard of (its webhook exhausted SharpSports' retries while linehouse was down) lands here; slips
 * that did not change write nothing, and slips whose games have not been played cost no request.
 */
export async function reconcilePending(input: ReconcilePendingInput): Promise<ReconcilePendingResult> {
  upsertSearchAttributes([
    { key: SA_KIND, value: 'reconcile' },
    { key: SA_PHASE, value: 'running' },
  ]);
  const windowMs = input.windowHours * 3_600_000;
  const toMs = Date.now();
  const overdueBeforeMs = toMs - (input.overdueAfterHours ?? RECONCILE_DEFAULTS.overdueAfterHours) * 3_600_000;
  const placedFromMs = toMs - (input.lookbackDays ?? RECONCILE_DEFAULTS.lookbackDays) * 86_400_000;
  let afterAccount = input.carried?.afterAccount ?? '';
  let accounts = input.carried?.accounts ?? 0;
  let counts = input.carried?.counts ?? emptyCounts();
  const runId = workflowInfo().firstExecutionRunId;

  const backfill = async (a: PendingAccount) => {
    const fromMs = Math.floor(a.oldestPendingMs / windowMs) * windowMs;
    const r = await executeChild(betBackfill, {
      workflowId: `reconcile-${runId}-${a.accountId}`,
      args: [
        {
          fromMs,
          toMs,
          scope: { kind: 'account', id: a.accountId },
          windowHours: input.windowHours,
          pageSize: input.pageSize,
          concurrency: 1,
        },
      ],
    });
    counts = addCounts(counts, r.counts);
    accounts += 1;
  };
  // One account the API refuses (access revoked, deleted) must not stop the others: it is named
  // in the result and tried again next pass.
  const failed: string[] = [...(input.carried?.failed ?? [])];
  const tryBackfill = (a: PendingAccount) =>
    backfill(a).catch(() => {
      failed.push(a.accountId);
    });

  for (;;) {
    const page = await pendingSlipAccounts({
      afterAccount,
      limit: input.accountsPerPage ?? 500,
      overdueBeforeMs,
      placedFromMs,
    });
    if (page.length === 0) break;
    // A sliding window of account backfills: a finished one makes room for the next.
    const inFlight = new Set<Promise<void>>();
    for (const a of page) {
      if (inFlight.size >= Math.max(1, input.fanOut)) await Promise.race(inFlight);
      const p: Promise<void> = tryBackfill(a).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    afterAccount = page[page.length - 1].accountId;
    upsertMemo({ accounts, ...counts });
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof reconcilePending>({
        ...input,
        carried: { afterAccount, accounts, counts, failed: failed.slice(0, 100) },
      });
    }
  }
  upsertSearchAttributes([{ key: SA_PHASE, value: 'done' }]);
  upsertMemo({ accounts, ...counts, failed: failed.length });
  return { accounts, counts, failed };
}
