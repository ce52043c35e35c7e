import crypto from 'node:crypto';
import { feedKey } from '../../feeds/identity';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { createLogger, type Logger } from '../../platform/log';
import { recordRejection, type RefusedRecord } from '../../rejections/record';
import { createFeedSink, loadCheckpoint } from '../../feeds/sink';
import { describeStoredOdds, storedSince, storedTickIds } from '../../feeds/stored';
import type { FeedAdapter, FeedHealth } from '../../feeds/types';
import { insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import type { ActivityDeps } from '../deps';

export interface FeedProgress {
  feed: string;
  position: string | null;
  rowsTotal: number;
  health: FeedHealth;
}

const HEARTBEAT_MS = 2_000;

export function createFeedActivities({ clickhouse, feeds }: ActivityDeps) {
  return {
    /**
     * One long-running consumer of one feed. Its heartbeat carries the last durable position
     * and the feed's health, so the Temporal UI shows both and a worker that dies hands the
     * feed to another within the heartbeat timeout. It resumes from `feed_checkpoints`, which
     * is written only after the rows before it are durable.
     */
    async runFeed({ feed: source, shard }: { feed: string; shard?: string }): Promise<FeedProgress> {
      // The process's factories are keyed the same way, so a shard's consumer only ever runs
      // with that shard's league lists, even if a task were routed to the wrong process.
      const feed = feedKey(source, shard);
      const make = feeds?.[feed];
      if (!make)
        throw ApplicationFailure.nonRetryable(
          `feed "${feed}" is not configured on this worker: set its base URL and API key${shard ? ` and FEED_SHARD=${shard}` : ''} (see docs/operations.md)`,
          'FeedNotConfigured',
        );
      const adapter: FeedAdapter = make();
      const ctx = Context.current();
      const log = createLogger(shard ? { feed: source, shard } : { feed });
      const health: FeedHealth = {
        connected: false,
        lastMessageAt: null,
        lastTickTs: null,
        reconnects: 0,
        gaps: 0,
        rejected: 0,
        messages: 0,
      };
      const resumed = await loadCheckpoint(clickhouse, feed);
      if (!resumed && (await noteStartWithoutCheckpoint(clickhouse, feed, log))) health.gaps += 1;
      let progress: FeedProgress = {
        feed,
        position: resumed?.checkpoint.position ?? null,
        rowsTotal: resumed?.rowsTotal ?? 0,
        health,
      };
      const sink = createFeedSink({
        clickhouse,
        feed,
        health: () => health,
        rowsBefore: resumed?.rowsTotal ?? 0,
        onCommit: (checkpoint, rowsTotal) => {
          progress = { feed, position: checkpoint.position, rowsTotal, health };
        },
      });
      const abort = new AbortController();
      ctx.cancelled.catch(() => abort.abort());
      const beat = setInterval(() => ctx.heartbeat(progress), HEARTBEAT_MS);
      ctx.heartbeat(progress);
      log.info('feed.started', { position: progress.position, rowsTotal: progress.rowsTotal });
      try {
        await adapter.run({
          checkpoint: resumed?.checkpoint ?? null,
          emit: (rows, checkpoint) => sink.emit(rows, checkpoint),
          reject: async (raw, reason, detail, record) => {
            health.rejected += 1;
            // Rejections name the provider (what sent it); checkpoints and gaps the consumer.
            await recordRejection(clickhouse, {
              source,
              reason,
              detail,
              raw,
              record,
              rejectionId: record && refusedRecordId(source, raw, record),
            });
          },
          gap: async (gap) => {
            health.gaps += 1;
            log.warn('feed.gap', { ...gap });
            await insertRows(clickhouse, 'feed_gaps', [
              { feed, reason: gap.reason, gap_from: gap.from, gap_to: gap.to, detail: gap.detail },
            ]);
          },
          health: (update) => Object.assign(health, update),
          signal: abort.signal,
          log,
          storedSince: (since) => storedSince(clickhouse, source, since),
          describeOdds: (ids, atOrBefore) => describeStoredOdds(clickhouse, source, ids, atOrBefore),
          storedTickIds: (ids, since) => storedTickIds(clickhouse, source, ids, since),
        });
      } finally {
        clearInterval(beat);
        abort.abort();
        await sink.close();
        ctx.heartbeat(progress);
        log.info('feed.stopped', { position: progress.position, rowsTotal: progress.rowsTotal });
      }
      return progress;
    },
  };
}

/**
 * A refused record's id derives from the record: a feed replayed from its checkpoint after a crash
 * refuses the same record again, and `linehouse rejected list|replay` go by rejection id, so the
 * second copy is never listed or replayed twice (an identical insert block is also deduplicated).
 */
function refusedRecordId(source: string, raw: string, r: RefusedRecord): string {
  return crypto
    .createHash('sha256')
    .update([source, r.path, JSON.stringify(r.context), raw].join('\n'))
    .digest('hex')
    .slice(0, 32);
}

/**
 * A consumer with no checkpoint has no position a provider can replay from: if it dies before its
 * first checkpoint, what it received was never durable and the next start begins at "now". So a
 * start without a checkpoint leaves a marker, and the next start that still finds no checkpoint
 * reports the interval since that marker as a gap instead of hiding it.
 */
async function noteStartWithoutCheckpoint(ch: Warehouse, feed: string, log: Logger): Promise<boolean> {
  const [earlier] = await queryRows<{ started_at: string }>(
    ch,
    'SELECT toString(started_at) AS started_at FROM feed_starts FINAL WHERE feed = {f:String}',
    { f: feed },
  );
  const now = new Date().toISOString();
  if (earlier) {
    const startedAt = new Date(`${earlier.started_at.replace(' ', 'T')}Z`).toISOString();
    const gap = {
      feed,
      reason: 'before_first_checkpoint',
      gap_from: startedAt,
      gap_to: now,
      detail: `a consumer started at ${startedAt} and stopped before its first checkpoint: what it received was not durable, and with no position the provider cannot replay it (nor what was sent while it was down)`,
    };
    log.warn('feed.gap', { reason: gap.reason, from: gap.gap_from, to: gap.gap_to });
    await insertRows(ch, 'feed_gaps', [gap]);
  }
  await insertRows(ch, 'feed_starts', [{ feed, started_at: now }]);
  return Boolean(earlier);
}

export type FeedActivities = ReturnType<typeof createFeedActivities>;
