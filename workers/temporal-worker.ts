import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Activities } from '../activities';
import { MAIN_WORKER_TUNING } from '../platform/temporal/worker-options';
import { cachedWorkflowBundle } from '../platform/temporal/workflow-bundle';

/** The Temporal worker: every linehouse workflow and activity on one task queue. */
export async function createLinehouseWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  workflowBundle?: { code: string };
}) {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: opts.workflowBundle ?? (await cachedWorkflowBundle()),
    activities: opts.activities,
    ...MAIN_WORKER_TUNING,
    shutdownGraceTime: '10s',
  });
}

/**
 * The feeds role's worker: only the consumer activity, on the shard's own task queue, so a
 * shard's consumer runs only where that shard's league lists are configured. No workflows:
 * the feed workflows themselves run on the main task queue (the worker role).
 */
export function createFeedsWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Pick<Activities, 'runFeed'>;
}) {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    // One long consumer per feed source (three at most), plus room for a retried attempt.
    maxConcurrentActivityTaskExecutions: 8,
    shutdownGraceTime: '10s',
  });
}
