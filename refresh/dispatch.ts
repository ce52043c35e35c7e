import type { Client } from '@temporalio/client';
import type { RefreshPolicy } from '../platform/config';
import { refreshStartAttributes } from '../platform/temporal/search-attributes';
import { accountWorkflowId, refreshResponseCreated } from '../workflows/refresh/messages';
import type { RefreshResponseRef } from './contracts';

/**
 * Hands a landed refresh response to its account's workflow: a signal-with-start by workflow id,
 * stateless by design, so any replica (the receiver, its sweep, an activity that found an orphan)
 * may deliver any response. A running refresh takes it into its inbox; otherwise a run in
 * `deliveries` mode starts and loads it.
 */
export async function dispatchRefreshResponse(
  temporal: { client: Client; taskQueue: string },
  policy: RefreshPolicy,
  ref: RefreshResponseRef,
): Promise<void> {
  await temporal.client.workflow.signalWithStart('accountRefresh', {
    workflowId: accountWorkflowId(ref.bettorAccountId),
    taskQueue: temporal.taskQueue,
    args: [
      {
        accountId: ref.bettorAccountId,
        bettorId: ref.bettorId ?? undefined,
        bookAbbr: ref.bookAbbr ?? undefined,
        mode: 'deliveries',
        policy,
      },
    ],
    typedSearchAttributes: refreshStartAttributes(ref.bettorAccountId, ref),
    signal: refreshResponseCreated,
    signalArgs: [ref],
  });
}
