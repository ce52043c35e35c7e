import type { Config } from '../platform/config';

/**
 * A consumer's identity: the provider, plus the shard when FEED_SHARD is set. It names the
 * workflow (`feed-<key>`), the checkpoint row and the gaps, so two shards of one provider never
 * share a resume point. Unsharded it is the provider name, as before sharding.
 */
export const feedKey = (feed: string, shard?: string) => (shard ? `${feed}-${shard}` : feed);

/** The feed workflow's id: one per consumer, so a second start of the same feed is refused. */
export const feedWorkflowId = (feed: string) => `feed-${feed}`;

/**
 * The task queue this process's feed consumers poll. A shard gets its own
 * (`<FEEDS_TASK_QUEUE or TEMPORAL_TASK_QUEUE>-feeds-<shard>`) so its activity only reaches a
 * process holding its league lists; undefined keeps the unsharded all-in-one behaviour (the
 * consumer on the workflow's own queue, as before sharding).
 */
export function feedsTaskQueue(config: Pick<Config, 'roles' | 'feeds' | 'temporal'>): string | undefined {
  const base = config.feeds.taskQueue ?? config.temporal.taskQueue;
  if (config.feeds.shard) return `${base}-feeds-${config.feeds.shard}`;
  // Without the worker role here, the main queue's pollers (worker replicas elsewhere) lack the feed config.
  if (!config.roles.includes('worker')) return config.feeds.taskQueue ?? `${config.temporal.taskQueue}-feeds`;
  return base === config.temporal.taskQueue ? undefined : base;
}
