import { log } from '../../platform/log';
import { RECEIVER_HAND_OVER_MS, type RefreshResponseRef } from '../contracts';

export interface DispatcherOptions {
  /** Signal-with-start of the account workflow. */
  dispatch(ref: RefreshResponseRef): Promise<void>;
  /** Landed refresh responses not yet loaded, at least `minAgeSeconds` old (refresh/landing/landing.ts unloadedDeliveries). */
  findUnloaded?(o: { minAgeSeconds: number; limit: number }): Promise<RefreshResponseRef[]>;
  concurrency?: number;
  /** Delays before the 2nd, 3rd … attempt; after the last one the delivery waits for the sweep. */
  retryDelaysMs?: number[];
  /** Sweep period; 0 turns the periodic sweep off (sweep() still works). */
  sweepEveryMs?: number;
  /** A delivery younger than this is left to its own dispatch, which may still be under way. */
  sweepMinAgeSeconds?: number;
  sweepLimit?: number;
  /**
   * True while ingest is busy (the receiver's arrival rate). Hand-overs then wait, up to
   * `maxDeferMs` after they were queued: each one starts loading work (Temporal workflow tasks,
   * activities, chDB inserts) on the same cores, and acknowledging inside SharpSports' 3 s matters
   * more than loading at once. Measured at 500 req/s on 2 cores: even 20 hand-overs a second cut
   * the receiver to 400 req/s with p99 213 ms; none, 500 req/s with p99 56 ms.
   */
  isBusy?: () => boolean;
  /** The longest a hand-over waits for ingest to calm down (default 30 s); under sustained load they then flow with that lag. */
  maxDeferMs?: number;
}

export interface DispatcherStats {
  dispatched: number;
  failedAttempts: number;
  gaveUp: number;
  swept: number;
}

export interface Dispatcher {
  /** Queues a hand-over; never throws, never waits for Temporal. */
  enqueue(ref: RefreshResponseRef): void;
  /** Re-dispatches landed, unloaded deliveries this process has not handed over; resolves with how many it queued. */
  sweep(): Promise<number>;
  /** Resolves when nothing is queued or in flight (or after `timeoutMs`). */
  drain(timeoutMs?: number): Promise<void>;
  /** Stops the periodic sweep. */
  stop(): void;
  /** Drops what is still queued (shutting down): those deliveries are landed and unloaded, so the next start re-dispatches them. */
  abandon(): number;
  readonly stats: DispatcherStats;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref?.());

/** The longest a hand-over waits while ingest is busy, unless `maxDeferMs` says otherwise (the hand-over rule). */
export const DEFAULT_MAX_DEFER_MS = RECEIVER_HAND_OVER_MS;

/**
 * Hands landed deliveries to Temporal off the acknowledgement path. The receiver answers 200 once
 * a delivery is durably landed; the signal follows with bounded concurrency and retries. A
 * delivery whose every attempt failed (Temporal down, process killed) is not lost: it is landed
 * without a load marker, so the periodic sweep here and the start-up re-dispatch in workers/stack.ts
 * hand it over again. Repeats are harmless: the account workflow ignores a refreshResponse it has.
 */
export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const concurrency = opts.concurrency ?? 8;
  const retryDelaysMs = opts.retryDelaysMs ?? [250, 1_000, 4_000];
  const sweepMinAgeSeconds = opts.sweepMinAgeSeconds ?? 60;
  const sweepLimit = opts.sweepLimit ?? 2_000;
  const queue: Array<{ ref: RefreshResponseRef; at: number }> = [];
  // Ids queued or in flight, and ids Temporal accepted: the sweep skips both. An accepted signal
  // is in the workflow's history, so a slow load is not a lost dispatch. Bounded; an id evicted
  // from `handedOver` may be swept once more, which the workflow ignores.
  const pending = new Set<string>();
  const handedOver = new Set<string>();
  const HANDED_OVER_MAX = 200_000;
  let active = 0;
  const maxDeferMs = opts.maxDeferMs ?? DEFAULT_MAX_DEFER_MS;
  let pumpTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let abandoned = false;
  let drainWaiters: Array<() => void> = [];
  const stats: DispatcherStats = { dispatched: 0, failedAttempts: 0, gaveUp: 0, swept: 0 };

  const settleDrain = () => {
    if (active > 0 || queue.length > 0) return;
    const waiters = drainWaiters;
    drainWaiters = [];
    waiters.forEach((r) => r());
  };

  async function deliver(ref: RefreshResponseRef): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await opts.dispatch(ref);
        stats.dispatched++;
        handedOver.add(ref.deliveryId);
        if (handedOver.size > HANDED_OVER_MAX) handedOver.delete(handedOver.values().next().value as string);
        return;
      } catch (err) {
        stats.failedAttempts++;
        if (attempt >= retryDelaysMs.length || abandoned) {
          stats.gaveUp++;
          log.error('webhook.dispatch_failed', {
            delivery: ref.deliveryId,
            refreshResponse: ref.refreshResponseId,
            account: ref.bettorAccountId,
            attempts: attempt + 1,
            error: err as Error,
            recovery: 'periodic sweep / start-up re-dispatch',
          });
          return;
        }
        log.warn('webhook.dispatch_retry', { delivery: ref.deliveryId, attempt: attempt + 1, error: err as Error });
        await sleep(retryDelaysMs[attempt]);
      }
    }
  }

  function pump() {
    while (active < concurrency && queue.length > 0) {
      const due = queue[0].at + maxDeferMs - Date.now();
      if (due > 0 && !abandoned && opts.isBusy?.()) {
        // Look again soon: the burst may be over before the oldest hand-over is due.
        if (!pumpTimer) {
          pumpTimer = setTimeout(
            () => {
              pumpTimer = undefined;
              pump();
            },
            Math.min(due, 250),
          );
          pumpTimer.unref();
        }
        return;
      }
      const { ref } = queue.shift()!;
      active++;
      void deliver(ref).finally(() => {
        active--;
        pending.delete(ref.deliveryId);
        pump();
        settleDrain();
      });
    }
  }

  async function sweep(): Promise<number> {
    if (!opts.findUnloaded) return 0;
    const refs = await opts.findUnloaded({ minAgeSeconds: sweepMinAgeSeconds, limit: sweepLimit });
    let queued = 0;
    for (const ref of refs) {
      if (pending.has(ref.deliveryId) || handedOver.has(ref.deliveryId)) continue;
      enqueue(ref);
      queued++;
    }
    stats.swept += queued;
    if (queued) log.info('webhook.sweep_redispatched', { deliveries: queued, unloaded: refs.length });
    return queued;
  }

  function enqueue(ref: RefreshResponseRef) {
    if (pending.has(ref.deliveryId)) return;
    pending.add(ref.deliveryId);
    queue.push({ ref, at: Date.now() });
    pump();
  }

  let timer: NodeJS.Timeout | undefined;
  if (opts.sweepEveryMs && opts.findUnloaded) {
    let sweeping = false;
    timer = setInterval(() => {
      if (sweeping || stopped) return;
      sweeping = true;
      sweep()
        .catch((err) => log.warn('webhook.sweep_failed', { error: err as Error }))
        .finally(() => (sweeping = false));
    }, opts.sweepEveryMs);
    timer.unref();
  }

  return {
    stats,
    enqueue,
    sweep,
    drain(timeoutMs = 10_000) {
      if (active === 0 && queue.length === 0) return Promise.resolve();
      return Promise.race([new Promise<void>((r) => drainWaiters.push(r)), sleep(timeoutMs)]) as Promise<void>;
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
    abandon() {
      abandoned = true;
      if (pumpTimer) clearTimeout(pumpTimer);
      const dropped = queue.splice(0);
      for (const { ref } of dropped) pending.delete(ref.deliveryId);
      if (dropped.length)
        log.warn('webhook.dispatch_abandoned', { deliveries: dropped.length, recovery: 'start-up re-dispatch' });
      settleDrain();
      return dropped.length;
    },
  };
}

/** Runs `fn` over `items` with at most `limit` at once; rejects with the first error after all settle. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let firstError: unknown;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (firstError !== undefined) throw firstError;
}
