import { existingDeliveries, landDeliveries, type LandedDelivery } from '../landing/landing';
import { log } from '../../platform/log';
import type { LandingStore } from './landing-store';

export interface LandingOutcome {
  /** True when this delivery id was landed before (by an earlier request or an earlier batch). */
  duplicate: boolean;
}

export interface CommitterStats {
  batches: number;
  landed: number;
  duplicates: number;
  largestBatch: number;
  /** Time spent in the duplicate checks and in the inserts, summed over batches. */
  checkMs: number;
  insertMs: number;
}

export interface LandingCommitter {
  /** Resolves once the delivery is durable (fsynced) or was already landed; rejects when the batch failed. */
  land(d: LandedDelivery): Promise<LandingOutcome>;
  /** Resolves when nothing is queued or being committed. */
  idle(): Promise<void>;
  readonly stats: CommitterStats;
}

interface Waiter {
  delivery: LandedDelivery;
  resolve(o: LandingOutcome): void;
  reject(err: unknown): void;
}

/**
 * Group commit for the landing table. Each single-row insert into webhook_deliveries costs one
 * fsync (11–31 ms here) and chDB runs them one after another, so one insert per request capped
 * the receiver near 40 req/s. Deliveries that arrive while a batch is being written wait for the
 * next one, which lands all of them in one insert (one part, one fsync); each request is answered
 * only after its own batch is durable.
 *
 * Batches run strictly one at a time: the existence check and the insert of one batch cannot
 * interleave with another's, so a delivery repeated across two batches is landed once. Within a
 * batch, requests with the same delivery id share one row.
 */
export function createLandingCommitter(
  store: LandingStore,
  opts: { maxBatch?: number; maxBatchBytes?: number; lingerMs?: number; recentSize?: number } = {},
): LandingCommitter {
  const maxBatch = opts.maxBatch ?? 500;
  // A batch of 2,000-slip bodies is tens of MB; keep one insert well under the engine's appetite.
  const maxBatchBytes = opts.maxBatchBytes ?? 32 * 2 ** 20;
  const lingerMs = opts.lingerMs ?? 0;
  const recentSize = opts.recentSize ?? 20_000;
  // Ids landed (or found landed) by this process: a repeat is answered without a query.
  const recent = new Set<string>();
  const remember = (id: string) => {
    recent.add(id);
    if (recent.size > recentSize) recent.delete(recent.values().next().value as string);
  };
  const queue: Waiter[] = [];
  let running = false;
  let scheduled = false;
  let idleWaiters: Array<() => void> = [];
  const stats: CommitterStats = { batches: 0, landed: 0, duplicates: 0, largestBatch: 0, checkMs: 0, insertMs: 0 };

  const schedule = () => {
    if (running || scheduled || queue.length === 0) return;
    scheduled = true;
    // setImmediate (or a short linger) lets requests parsed in the same turn share the batch.
    const go = () => {
      scheduled = false;
      void commitNext();
    };
    if (lingerMs > 0) setTimeout(go, lingerMs);
    else setImmediate(go);
  };

  const take = (): Waiter[] => {
    let bytes = 0;
    let n = 0;
    while (n < queue.length && n < maxBatch) {
      bytes += queue[n].delivery.body.length;
      if (n > 0 && bytes > maxBatchBytes) break;
      n++;
    }
    return queue.splice(0, n);
  };

  async function commitNext(): Promise<void> {
    if (running || queue.length === 0) return;
    running = true;
    const batch = take();
    const started = Date.now();
    try {
      // First request per id carries the row; later ones with the same id wait on it.
      const byId = new Map<string, Waiter[]>();
      for (const w of batch) {
        const same = byId.get(w.delivery.deliveryId);
        if (same) same.push(w);
        else byId.set(w.delivery.deliveryId, [w]);
      }
      const unknown = [...byId.keys()].filter((id) => !recent.has(id));
      const existing = await existingDeliveries(store.ch, unknown);
      const fresh = unknown.filter((id) => !existing.has(id));
      const checked = Date.now();
      await landDeliveries(
        store.ch,
        fresh.map((id) => byId.get(id)![0].delivery),
        store.insert,
      );
      stats.checkMs += checked - started;
      stats.insertMs += Date.now() - checked;
      stats.batches++;
      stats.landed += fresh.length;
      stats.largestBatch = Math.max(stats.largestBatch, batch.length);
      const freshSet = new Set(fresh);
      for (const [id, waiters] of byId) {
        remember(id);
        waiters.forEach((w, i) => {
          const duplicate = !(freshSet.has(id) && i === 0);
          if (duplicate) stats.duplicates++;
          w.resolve({ duplicate });
        });
      }
      log.debug('webhook.batch_landed', { requests: batch.length, landed: fresh.length, ms: Date.now() - started });
    } catch (err) {
      // Nothing of this batch is acknowledged: every sender gets a 503 and delivers again.
      log.error('webhook.batch_failed', { requests: batch.length, error: err as Error });
      for (const w of batch) w.reject(err);
    } finally {
      running = false;
      if (queue.length > 0) schedule();
      else {
        const waiters = idleWaiters;
        idleWaiters = [];
        waiters.forEach((r) => r());
      }
    }
  }

  return {
    stats,
    land(delivery) {
      if (recent.has(delivery.deliveryId)) {
        stats.duplicates++;
        return Promise.resolve({ duplicate: true });
      }
      return new Promise<LandingOutcome>((resolve, reject) => {
        queue.push({ delivery, resolve, reject });
        schedule();
      });
    },
    idle() {
      if (!running && queue.length === 0) return Promise.resolve();
      return new Promise<void>((r) => idleWaiters.push(r));
    },
  };
}
