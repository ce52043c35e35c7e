import {
  continueAsNew,
  deprecatePatch,
  isCancellation,
  proxyActivities,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { FeedActivities } from '../../activities/feeds/feeds';
import { SA_KIND, SA_PHASE } from '../../platform/temporal/search-attributes';

// The consumer runs as long as it can; its heartbeat is the liveness signal. A dead worker's
// attempt is retried on another within the heartbeat timeout, resuming from the durable checkpoint.
const OPTIONS = {
  startToCloseTimeout: '7 days',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
} as const;
const { runFeed } = proxyActivities<FeedActivities>(OPTIONS);

export interface FeedInput {
  feed: string;
  /** This consumer's shard (FEED_SHARD): its own league lists and checkpoint. */
  shard?: string;
  /**
   * Where the consumer activity runs: only processes holding this shard's configuration poll it.
   * Absent in runs started before sharding (and in unsharded setups), which keeps their
   * histories replaying unchanged: the activity then goes to the workflow's own task queue.
   */
  taskQueue?: string;
}

/** Exactly one consumer per feed (and shard) across every process: workflow id `feed-<source>[-<shard>]`. */
export async function feed(input: FeedInput): Promise<void> {
  const { feed: name, shard, taskQueue } = input;
  const run = taskQueue ? proxyActivities<FeedActivities>({ ...OPTIONS, taskQueue }).runFeed : runFeed;
  upsertSearchAttributes([
    { key: SA_KIND, value: 'feed' },
    { key: SA_PHASE, value: 'streaming' },
  ]);
  // Deprecated, not removed: histories recorded with the patch's marker keep replaying (docs/operations.md § Upgrades).
  deprecatePatch('feed-memo');
  upsertMemo({ feed: name, ...(shard ? { shard, taskQueue } : {}), position: 'see the runFeed heartbeat details' });
  for (;;) {
    try {
      await run(shard ? { feed: name, shard } : { feed: name });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The activity's own retry policy gave up (a non-retryable failure such as a bad key).
      upsertSearchAttributes([{ key: SA_PHASE, value: 'failed' }]);
      throw err;
    }
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof feed>(input);
  }
}
