import type { WorkerOptions } from '@temporalio/worker';

/**
 * Concurrency and caching of the main worker (workflows and refresh activities on one task
 * queue). bench/refresh.ts measures refresh throughput with these and runs its trivial-workflow
 * ceiling with the same ones, so the two rows differ only in the work done per workflow.
 */
export const MAIN_WORKER_TUNING = {
  maxConcurrentActivityTaskExecutions: 64,
  // Local activities (the refresh's warehouse steps and its POST) run at most 64 at a time. At 8,
  // the refresh bench's loads queued for slots and their statements went out in batches of one
  // or two (17 refreshes/s; 64 with the coalescer's linger: 24/s, chDB CPU per refresh a third,
  // measured 2026-12-07, in the git history of bench/RESULTS.md). The cap of 8 once kept a webhook flood's ~100
  // concurrent loads from starving the receiver; in a flood the receiver now loads in packages
  // itself (refresh/webhook/preloader.ts) and the workflows only record their runs.
  maxConcurrentLocalActivityExecutions: 64,
} satisfies Partial<WorkerOptions>;
