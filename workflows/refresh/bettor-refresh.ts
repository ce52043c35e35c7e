import { proxyActivities, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { RefreshActivities } from '../../activities/refresh';
import { SA_BETTOR, SA_KIND, SA_PHASE } from '../../platform/temporal/search-attributes';
import type { AccountRefreshResult, BettorRefreshInput, BettorRefreshResult } from './messages';

const requestApi = proxyActivities<RefreshActivities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 3 },
});

// Starting-or-attaching and then waiting on an account workflow can last as long as that
// refresh does (hours of 424 back-off); the heartbeat shows the waiter is alive.
const accountApi = proxyActivities<RefreshActivities>({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5s' },
});

/**
 * Refreshes every linked account of a bettor with one bettor-level POST (as SharpSports
 * recommends), then starts — or attaches to, when one already runs — the account workflow of
 * each account, handing it the outcome of that POST as its first attempt.
 */
export async function bettorRefresh(input: BettorRefreshInput): Promise<BettorRefreshResult> {
  upsertSearchAttributes([
    { key: SA_KIND, value: 'bettor-refresh' },
    { key: SA_BETTOR, value: input.bettor },
    { key: SA_PHASE, value: 'requesting' },
  ]);
  const request = await requestApi.requestBettorRefresh({
    bettor: input.bettor,
    workflowId: workflowInfo().workflowId,
  });
  upsertMemo({ requestId: request.requestId, accounts: request.accounts.length });
  upsertSearchAttributes([{ key: SA_PHASE, value: 'awaiting-accounts' }]);
  const accounts: AccountRefreshResult[] = await Promise.all(
    request.accounts.map((a) =>
      accountApi.startOrAttachAccountRefresh({
        accountId: a.accountId,
        bettorId: request.bettorId ?? undefined,
        mode: 'request',
        preset: {
          requestId: request.requestId,
          outcome: a.outcome,
          cid: request.cid,
          requestedAtMs: request.requestedAtMs,
        },
        policy: input.policy,
      }),
    ),
  );
  upsertSearchAttributes([{ key: SA_PHASE, value: 'done' }]);
  upsertMemo({ slips: accounts.reduce((n, a) => n + a.slips, 0) });
  return { bettor: input.bettor, requestId: request.requestId, accounts };
}
