import {
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BackfillActivities } from '../../activities/backfill/backfill';
import { SA_ACCOUNT, SA_BETTOR, SA_KIND, SA_PHASE } from '../../platform/temporal/search-attributes';
import {
  addCounts,
  backfillProgressQuery,
  emptyCounts,
  windowAt,
  windowCount,
  type BackfillProgress,
  type BetBackfillInput,
  type BetBackfillResult,
} from './messages';

// A window pages until done; its heartbeat carries the next page, so a killed worker's attempt
// resumes there on another worker once the heartbeat times out (a page fetch gives up after
// SHARPSPORTS_TIMEOUT_SECONDS, 30 s by default, so a live worker beats well within 40 s).
const { backfillWindow } = proxyActivities<BackfillActivities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '40 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Historical bet backfill over [fromMs, toMs): the range is cut into windows, and up to
 * `concurrency` windows load at once (a sliding window: a finished one makes room for the
 * next). Pages go from SharpSports to ClickHouse inside the activity, so the history holds
 * counts only; a long range continues as new runs, carrying the next window and the totals.
 */
export async function betBackfill(input: BetBackfillInput): Promise<BetBackfillResult> {
  const total = windowCount(input);
  const carried = input.carried ?? { nextWindow: 0, done: 0, counts: emptyCounts(), startedAtMs: Date.now(), runs: 1 };
  const backfillId = `${workflowInfo().workflowId}/${workflowInfo().firstExecutionRunId}`;
  let next = carried.nextWindow;
  let done = carried.done;
  let counts = carried.counts;
  const running = new Set<number>();
  const progress = (finished = false): BackfillProgress => ({
    windows: total,
    windowsDone: done,
    running: [...running].sort((a, b) => a - b),
    counts,
    startedAtMs: carried.startedAtMs,
    runs: carried.runs,
    done: finished,
  });
  setHandler(backfillProgressQuery, () => progress());
  upsertSearchAttributes([
    { key: SA_KIND, value: 'backfill' },
    { key: SA_PHASE, value: 'running' },
    ...(input.scope.kind === 'bettor' ? [{ key: SA_BETTOR, value: input.scope.id }] : []),
    ...(input.scope.kind === 'account' ? [{ key: SA_ACCOUNT, value: input.scope.id }] : []),
  ]);
  upsertMemo({ from: new Date(input.fromMs).toISOString(), to: new Date(input.toMs).toISOString(), windows: total });

  const limit = input.maxWindowsPerRun ?? 500;
  const startedHere = next;
  const inFlight = new Map<number, Promise<void>>();
  const launch = (index: number) => {
    running.add(index);
    const p = backfillWindow({
      backfillId,
      scope: input.scope,
      window: windowAt(input, index),
      pageSize: input.pageSize,
    }).then((c) => {
      counts = addCounts(counts, c);
      done += 1;
      running.delete(index);
      inFlight.delete(index);
    });
    inFlight.set(index, p);
  };
  const roll = () => next - startedHere >= limit || workflowInfo().continueAsNewSuggested;
  while (next < total && !roll()) {
    while (inFlight.size < Math.max(1, input.concurrency) && next < total && !roll()) launch(next++);
    await Promise.race(inFlight.values());
  }
  // Drain before rolling over or finishing: a new run must not re-launch a window still loading.
  await Promise.all(inFlight.values());
  upsertMemo({ windowsDone: done, ...counts });
  if (next < total) {
    await continueAsNew<typeof betBackfill>({
      ...input,
      carried: { nextWindow: next, done, counts, startedAtMs: carried.startedAtMs, runs: carried.runs + 1 },
    });
  }
  upsertSearchAttributes([{ key: SA_PHASE, value: 'done' }]);
  return progress(true);
}
