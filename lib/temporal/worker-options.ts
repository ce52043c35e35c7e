import type { WorkerOptions } from '@temporalio/worker';

/**
 * Concurrency and caching of the main worker (workflows and refresh activities on one task
 * queue). bench/refresh.ts measures refresh throughput with these and runs its trivial-workflow
 * ceiling with the same ones, so the two rows differ only in the work done per workflow.
 */
export const MAIN_WORKER_TUNING = {
  maxConcurrentActivityTaskExecutions: 64,
  // Loads (local activities: lookups, slip inserts) run at most 8 at a time. Unbounded, a webhook
  // flood started ~100 loads at once, whose statements and JSON starved the receiver sharing
  // the process: at 500 req/s offered it acknowledged 53 req/s (p99 1.3 s) instead of 319–358
  // (p99 228–254 ms). Coalesced statements keep 8 loads busy enough (bench/RESULTS.md).
  maxConcurrentLocalActivityExecutions: 8,
} satisfies Partial<WorkerOptions>;
