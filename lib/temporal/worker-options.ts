import type { WorkerOptions } from '@temporalio/worker';

/**
 * Concurrency and caching of the main worker (workflows and refresh activities on one task
 * queue). bench/refresh.ts measures refresh throughput with these and runs its trivial-workflow
 * ceiling with the same ones, so the two rows differ only in the work done per workflow.
 */
export const MAIN_WORKER_TUNING = {
  maxConcurrentActivityTaskExecutions: 64,
} satisfies Partial<WorkerOptions>;
