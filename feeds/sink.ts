import type { CanonicalRows, FixtureUpdate, Settlement } from '../schemas/odds';
import { failpoint } from '../platform/failpoints';
import { log } from '../platform/log';
import { insertEncoded, insertRows, queryRows, stagesInserts, type Warehouse } from '../platform/warehouse/client';
import { NativeTickBatch } from './native';
import { TickBatch } from './tsv';
import type { FeedCheckpoint } from './types';

export interface SinkOptions {
  clickhouse: Warehouse;
  feed: string;
  /** Flush when this many rows are buffered … */
  maxRows?: number;
  /** … or when the oldest buffered row is this old. */
  maxAgeMs?: number;
  /** emit() waits while this many rows are buffered or in flight: backpressure, not an unbounded buffer. */
  maxBufferedRows?: number;
  /** Called after a batch and its checkpoint are durable (the feed activity heartbeats it). */
  onCommit?: (checkpoint: FeedCheckpoint, rowsTotal: number) => void;
  health?: () => unknown;
  /** Rows loaded before this sink started (from the resumed checkpoint), so totals keep counting. */
  rowsBefore?: number;
}

export interface FeedSink {
  emit(rows: Partial<CanonicalRows>, checkpoint: FeedCheckpoint): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  committed(): FeedCheckpoint | null;
  stats(): { buffered: number; rowsTotal: number; batches: number };
}

/**
 * Batches of up to 100k rows: at full speed a batch closes by age (~50k rows at 200k ticks/s).
 * Against 20k-row batches that means fewer, larger parts and fewer merges: a quarter less CPU per
 * tick at 1M ticks (bench/RESULTS.md). A live feed's batches close by age long before either limit.
 */
export const SINK_DEFAULTS = { maxRows: 100_000, maxAgeMs: 250, maxBufferedRows: 200_000 } as const;

export async function loadCheckpoint(
  ch: Warehouse,
  feed: string,
): Promise<{ checkpoint: FeedCheckpoint; rowsTotal: number } | null> {
  const rows = await queryRows<{ position: string | null; state: string; rows_total: number }>(
    ch,
    'SELECT position, state, rows_total FROM feed_checkpoints FINAL WHERE feed = {f:String}',
    { f: feed },
  );
  if (!rows[0]) return null;
  return {
    checkpoint: { position: rows[0].position, state: rows[0].state ? JSON.parse(rows[0].state) : undefined },
    rowsTotal: Number(rows[0].rows_total),
  };
}

/**
 * The load stage shared by all feeds: batches rows by size or age, inserts them, and only
 * then commits the checkpoint that follows them. A crash before the checkpoint replays the
 * batch from the previous checkpoint; the rows' deterministic ids fold the replay away.
 */
export function createFeedSink(opts: SinkOptions): FeedSink {
  const maxRows = opts.maxRows ?? SINK_DEFAULTS.maxRows;
  const maxAgeMs = opts.maxAgeMs ?? SINK_DEFAULTS.maxAgeMs;
  const maxBuffered = opts.maxBufferedRows ?? SINK_DEFAULTS.maxBufferedRows;
  // Ticks are encoded as they arrive (they are nearly every row); the rare settlements and
  // fixture updates stay objects.
  // Native where the engine reads the batch from a file (chDB), TabSeparated over HTTP to a server.
  const native = stagesInserts(opts.clickhouse);
  type Buffered = { ticks: NativeTickBatch | TickBatch; settlements: Settlement[]; fixtures: FixtureUpdate[] };
  const newBuffer = (previous?: Buffered): Buffered => ({
    ticks: native ? new NativeTickBatch(previous?.ticks as NativeTickBatch | undefined) : new TickBatch(),
    settlements: [],
    fixtures: [],
  });
  let buffer = newBuffer();
  let bufferedRows = 0;
  let inFlightRows = 0;
  let pendingCheckpoint: FeedCheckpoint | null = null;
  let committed: FeedCheckpoint | null = null;
  let rowsTotal = opts.rowsBefore ?? 0;
  let batches = 0;
  let oldestAt = 0;
  let timer: NodeJS.Timeout | null = null;
  let failure: Error | null = null;
  let closed = false;
  const waiters: Array<() => void> = [];

  const wake = () => {
    while (waiters.length && bufferedRows + inFlightRows < maxBuffered) waiters.shift()!();
  };

  async function writeBatch(rows: Buffered, checkpoint: FeedCheckpoint | null, count: number) {
    await insertEncoded(opts.clickhouse, 'odds_ticks', rows.ticks.encoded());
    await insertRows(opts.clickhouse, 'settlements', rows.settlements);
    await insertRows(opts.clickhouse, 'fixtures', rows.fixtures);
    failpoint(`after_insert_before_checkpoint:${opts.feed}`);
    if (!checkpoint) return;
    rowsTotal += count;
    await insertRows(opts.clickhouse, 'feed_checkpoints', [
      {
        feed: opts.feed,
        position: checkpoint.position,
        state: checkpoint.state === undefined ? '' : JSON.stringify(checkpoint.state),
        rows_total: rowsTotal,
        health: JSON.stringify(opts.health?.() ?? {}),
        committed_at: new Date().toISOString(),
      },
    ]);
    committed = checkpoint;
    batches += 1;
    opts.onCommit?.(checkpoint, rowsTotal);
  }

  // Flushes run one after another on a single chain; each takes whatever is buffered when it
  // starts. At most one flush waits in the queue, so a burst of emits does not pile them up.
  let chain: Promise<void> = Promise.resolve();
  let queued = false;
  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (queued) return chain;
    queued = true;
    chain = chain.then(async () => {
      queued = false;
      if (bufferedRows === 0 && !pendingCheckpoint) return;
      const rows = buffer;
      const checkpoint = pendingCheckpoint;
      const count = bufferedRows;
      buffer = newBuffer(rows);
      pendingCheckpoint = null;
      inFlightRows = count;
      bufferedRows = 0;
      try {
        await writeBatch(rows, checkpoint, count);
      } catch (err) {
        failure = err as Error;
        log.error('feed.sink_failed', {
          feed: opts.feed,
          rows: count,
          error: err as Error,
          hint: 'the feed restarts from its last durable checkpoint',
        });
      } finally {
        inFlightRows = 0;
        wake();
      }
    });
    return chain;
  }

  return {
    async emit(rows, checkpoint) {
      if (failure) throw failure;
      if (closed) throw new Error(`feed sink ${opts.feed} is closed`);
      const n = (rows.ticks?.length ?? 0) + (rows.settlements?.length ?? 0) + (rows.fixtures?.length ?? 0);
      if (bufferedRows === 0) oldestAt = Date.now();
      if (rows.ticks?.length) buffer.ticks.add(rows.ticks);
      if (rows.settlements?.length) buffer.settlements.push(...rows.settlements);
      if (rows.fixtures?.length) buffer.fixtures.push(...rows.fixtures);
      bufferedRows += n;
      pendingCheckpoint = checkpoint;
      if (bufferedRows >= maxRows) void flush();
      else if (!timer) timer = setTimeout(() => void flush(), Math.max(0, maxAgeMs - (Date.now() - oldestAt)));
      // Backpressure: the reader waits here while the warehouse catches up.
      while (bufferedRows + inFlightRows >= maxBuffered && !failure) await new Promise<void>((r) => waiters.push(r));
      if (failure) throw failure;
    },
    flush: async () => {
      await flush();
      if (failure) throw failure;
    },
    async close() {
      closed = true;
      await flush();
      if (timer) clearTimeout(timer);
      if (failure) throw failure;
    },
    committed: () => committed,
    stats: () => ({ buffered: bufferedRows + inFlightRows, rowsTotal, batches }),
  };
}
