import { continueAsNew, isCancellation, patched, proxyActivities, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SA_KIND, SA_PHASE } from '../lib/temporal/search-attributes';

// The consumer runs as long as it can; its heartbeat is the liveness signal. A dead worker's
// attempt is retried on another within the heartbeat timeout, resuming from the durable checkpoint.
const { runFeed } = proxyActivities<Activities>({
  startToCloseTimeout: '7 days',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Exactly one consumer per feed across every process: workflow id `feed-<source>`. */
export async function feed({ feed: name }: { feed: string }): Promise<void> {
  upsertSearchAttributes([
    { key: SA_KIND, value: 'feed' },
    { key: SA_PHASE, value: 'streaming' },
  ]);
  // Patched: feed runs started by older code are still replaying their first commands.
  if (patched('feed-memo')) upsertMemo({ feed: name, position: 'see the runFeed heartbeat details' });
  for (;;) {
    try {
      await runFeed({ feed: name });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The activity's own retry policy gave up (a non-retryable failure such as a bad key).
      upsertSearchAttributes([{ key: SA_PHASE, value: 'failed' }]);
      throw err;
    }
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof feed>({ feed: name });
  }
}
