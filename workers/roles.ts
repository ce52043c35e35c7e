import http from 'node:http';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createFeedsWorker } from './temporal-worker';
import type { FeedInput } from '../workflows/feeds/feed';
import { ConfigError, type Config } from '../platform/config';
import { configuredFeeds } from '../feeds/registry';
import type { FeedAdapter } from '../feeds/types';
import { log } from '../platform/log';
import { createSharpSportsClient } from '../refresh/sharpsports-client';
import type { Warehouse } from '../platform/warehouse/client';
import { feedWorkflowId } from '../feeds/identity';
import { feedKey, feedsTaskQueue } from '../feeds/identity';

/**
 * LINEHOUSE_ROLES: which parts of the stack a process runs (worker, webhook, feeds), and the
 * feeds role's sharding (FEED_SHARD, FEEDS_TASK_QUEUE). See docs/operations.md.
 */

const ALL_ROLES: Config['roles'] = ['worker', 'webhook', 'feeds'];
export const runsEverything = (config: Pick<Config, 'roles'>) => ALL_ROLES.every((r) => config.roles.includes(r));

/**
 * A process running only some roles implies others elsewhere, sharing one warehouse and one
 * Temporal: embedded chDB binds its data dir to a single process and each process would spawn
 * its own dev server, so a split needs both servers.
 */
export function checkRoles(config: Pick<Config, 'roles' | 'clickhouse' | 'temporal'>): void {
  if (runsEverything(config)) return;
  const missing = [!config.clickhouse.url && 'CLICKHOUSE_URL', !config.temporal.address && 'TEMPORAL_ADDRESS'].filter(
    Boolean,
  ) as string[];
  if (missing.length === 0) return;
  const why = [
    !config.clickhouse.url && 'embedded chDB allows one process per data dir',
    !config.temporal.address && 'each process would spawn its own Temporal dev server',
  ]
    .filter(Boolean)
    .join(', and ');
  throw new ConfigError(
    missing[0],
    `LINEHOUSE_ROLES=${config.roles.join(',')} runs part of the stack, so the other roles run in other processes sharing one ClickHouse server and one Temporal server: ` +
      `set ${missing.join(' and ')} (${why}), or unset LINEHOUSE_ROLES to run everything in this process`,
  );
}

/** This process's consumer factories, keyed the way runFeed looks them up (feedKey). */
export function shardFeeds(config: Pick<Config, 'feeds'>): Record<string, () => FeedAdapter> {
  const out: Record<string, () => FeedAdapter> = {};
  for (const [source, make] of Object.entries(configuredFeeds(config.feeds)))
    out[feedKey(source, config.feeds.shard)] = make;
  return out;
}

export interface StartedFeed {
  workflowId: string;
  runId: string;
  input: FeedInput;
}

/**
 * One consumer per feed and shard across every process: starting attaches to the running
 * workflow of that id (USE_EXISTING), whichever process started it. The workflows run on the
 * main task queue; their consumer activity on `feedsQueue`.
 */
export async function startFeedWorkflows(
  client: Client,
  config: Pick<Config, 'feeds' | 'temporal'>,
  feedsQueue: string | undefined,
): Promise<StartedFeed[]> {
  const started: StartedFeed[] = [];
  const shard = config.feeds.shard;
  for (const source of Object.keys(configuredFeeds(config.feeds))) {
    const input: FeedInput = {
      feed: source,
      ...(shard ? { shard } : {}),
      ...(feedsQueue ? { taskQueue: feedsQueue } : {}),
    };
    const workflowId = feedWorkflowId(feedKey(source, shard));
    const handle = await client.workflow.start('feed', {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    started.push({ workflowId, runId: handle.firstExecutionRunId, input });
  }
  return started;
}

/**
 * The feeds role when its consumers have their own task queue: an activity-only worker for
 * this shard, then the shard's feed workflows. The integration test runs a second shard through
 * this against the same Temporal and warehouse.
 */
export async function startFeedsRole(opts: {
  config: Config;
  client: Client;
  clickhouse: Warehouse;
  connection: NativeConnection;
}) {
  const { config, client, clickhouse, connection } = opts;
  const queue = feedsTaskQueue(config);
  let worker: Worker | undefined;
  let running: Promise<void> = Promise.resolve();
  const feeds = shardFeeds(config);
  if (queue && Object.keys(feeds).length > 0) {
    const http = createSharpSportsClient({
      baseUrl: config.sharpsports.baseUrl,
      apiKey: config.sharpsports.apiKey,
      timeoutMs: config.sharpsports.timeoutMs,
    });
    const { runFeed } = createActivities({ clickhouse, http, config, feeds });
    worker = await createFeedsWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: queue,
      activities: { runFeed },
    });
    running = worker.run();
  }
  const started = await startFeedWorkflows(client, config, queue);
  log.info('feeds.started', {
    shard: config.feeds.shard,
    taskQueue: queue ?? config.temporal.taskQueue,
    workflows: started.map((f) => f.workflowId),
  });
  return {
    worker,
    started,
    stop: async () => {
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/** `/healthz` alone, for processes without the webhook role: 200 once every worker here is running. */
export function createHealthServer(isReady: () => boolean): http.Server {
  return http.createServer((req, res) => {
    const ok = req.method === 'GET' && (req.url ?? '/').split('?')[0] === '/healthz';
    const ready = ok && isReady();
    res
      .writeHead(ok ? (ready ? 200 : 503) : 404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ok: ready }));
  });
}
