import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Activities } from '../activities';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The Temporal worker: every linehouse workflow and activity on one task queue. */
export function createLinehouseWorker(opts: { connection: NativeConnection; namespace: string; taskQueue: string; activities: Activities; workflowBundle?: { code: string } }) {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: opts.activities,
    maxConcurrentActivityTaskExecutions: 64,
    shutdownGraceTime: '10s',
  });
}
