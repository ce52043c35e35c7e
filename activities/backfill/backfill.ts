import { Context } from '@temporalio/activity';
import { slipToRows } from '../../refresh/load/bet-rows';
import { insertSlipRows } from '../../refresh/load/load-packages';
import { backfillPageMarker, writeBackfillPageMarker } from '../../refresh/load/markers';
import { log } from '../../platform/log';
import { queryRows, type Warehouse } from '../../platform/warehouse/client';
import { paginated, readSlips } from '../../schemas/sharpsports';
import { z } from 'zod';
import { recordFindings } from '../../rejections/quarantine';
import type {
  BackfillScope,
  BackfillWindow,
  BackfillCounts,
  PendingAccount,
  PendingSlipQuery,
} from '../../workflows/backfill/messages';
import { emptyCounts, addCounts } from '../../workflows/backfill/messages';
import { classify } from '../refresh/failures';
import type { ActivityDeps } from '../deps';

// Slips are read one by one (readSlips), so one unusable slip refuses only itself.
const PageSchema = paginated(z.unknown());

/** Where a window's slips are listed: all of the key's, one bettor's, or one account's. */
export function slipsPath(scope: BackfillScope): string {
  if (scope.kind === 'bettor') return `/v1/bettors/${encodeURIComponent(scope.id)}/betSlips`;
  if (scope.kind === 'account') return `/v1/bettorAccounts/${encodeURIComponent(scope.id)}/betSlips`;
  return '/v1/betSlips';
}

/** SharpSports takes `%Y-%m-%dT%H:%M:%S` (whole seconds, UTC). */
const apiTime = (ms: number) => new Date(ms).toISOString().slice(0, 19);

export interface WindowHeartbeat {
  /** Next page to fetch; pages before it are durable (rows and marker written). */
  nextPage: number;
  totalPages: number | null;
  counts: BackfillCounts;
}

/** The stored content hash of each slip id (latest version), to tell new, updated and unchanged apart. */
async function storedHashes(ch: Warehouse, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await queryRows<{ id: string; h: string }>(
    ch,
    'SELECT id, argMax(content_hash, version) AS h FROM bet_slips WHERE id IN {ids:Array(String)} GROUP BY id',
    { ids },
  );
  return new Map(rows.map((r) => [r.id, r.h]));
}

export function createBackfillActivities({ clickhouse, http }: ActivityDeps) {
  /**
   * One page: fetch, keep the slips inside the half-open window, write the changed ones, then
   * the page's marker. A retry after a crash between the rows and the marker rewrites the same
   * versions (ReplacingMergeTree keeps one) and finds them unchanged; the marker then records
   * counts from the first complete pass, so totals never double.
   */
  async function loadPage(
    backfillId: string,
    scope: BackfillScope,
    w: BackfillWindow,
    pageNum: number,
    pageSize: number,
  ) {
    const key = `${backfillId}/${w.index}/${pageSize}/${pageNum}`;
    const raw = await http
      .get(slipsPath(scope), {
        // The API's bounds are whole seconds and may be inclusive or exclusive: ask one second
        // wider on both sides and keep [start, end) here, so adjacent windows never share a slip.
        timePlacedStart: apiTime(w.startMs - 1000),
        timePlacedEnd: apiTime(w.endMs + 1000),
        pageSize,
        pageNum,
      })
      .catch(classify);
    const page = PageSchema.parse(raw);
    const done = await backfillPageMarker(clickhouse, key);
    if (done) return { counts: done, totalPages: page.totalPages };
    const seenAt = new Date().toISOString();
    const read = readSlips(page.objects, 'objects');
    await recordFindings(clickhouse, {
      source: 'sharpsports-backfill',
      messageId: `backfill:${key}`,
      quarantined: read.quarantined,
      warnings: read.warnings,
      context: {
        refreshResponseId: `backfill:${backfillId}`,
        refreshResponseTime: seenAt,
        bettorId: null,
        origin: 'backfill',
      },
    });
    const inWindow = read.slips.filter((s) => {
      const t = Date.parse(String(s.timePlaced ?? ''));
      return t >= w.startMs && t < w.endMs;
    });
    const rows = inWindow.map((s) =>
      slipToRows(s, { refreshResponseId: `backfill:${backfillId}`, refreshResponseTime: seenAt }),
    );
    const stored = await storedHashes(
      clickhouse,
      rows.map((r) => String(r.slip.id)),
    );
    const counts = emptyCounts();
    counts.pages = 1;
    const changed = rows.filter((r) => {
      const before = stored.get(String(r.slip.id));
      counts.slips += 1;
      counts.bets += r.bets.length;
      if (before === undefined) counts.new += 1;
      else if (before !== r.slip.content_hash) counts.updated += 1;
      else counts.unchanged += 1;
      return before !== r.slip.content_hash;
    });
    await insertSlipRows(clickhouse, changed, `bf:${key}`);
    await writeBackfillPageMarker(clickhouse, key, counts);
    return { counts, totalPages: page.totalPages };
  }

  return {
    /**
     * Accounts with overdue slips still pending in the warehouse, after `afterAccount` in id order,
     * each with its oldest such slip's placement time: what a reconcile pass must look at again.
     * A slip is overdue once its last event started before `overdueBeforeMs` (its placement
     * stands in when no leg has a start time).
     */
    async pendingSlipAccounts({
      afterAccount,
      limit,
      overdueBeforeMs,
      placedFromMs,
    }: PendingSlipQuery): Promise<PendingAccount[]> {
      const rows = await queryRows<{ account: string; oldest: number; pending: number }>(
        clickhouse,
        `SELECT s.bettor_account_id AS account, toUnixTimestamp64Milli(min(s.time_placed)) AS oldest, count() AS pending
         FROM bet_slips AS s FINAL
         LEFT JOIN (SELECT bet_slip_id, max(event_start_time) AS last_start FROM bets FINAL GROUP BY bet_slip_id) AS b ON b.bet_slip_id = s.id
         WHERE s.status = 'pending' AND s.time_placed IS NOT NULL AND s.bettor_account_id > {after:String}
           AND s.time_placed >= fromUnixTimestamp64Milli({placedFrom:Int64}, 'UTC')
           AND coalesce(b.last_start, s.time_placed) < fromUnixTimestamp64Milli({overdueBefore:Int64}, 'UTC')
         GROUP BY account ORDER BY account LIMIT {limit:UInt32}`,
        { after: afterAccount, limit, placedFrom: placedFromMs, overdueBefore: overdueBeforeMs },
      );
      return rows.map((r) => ({ accountId: r.account, oldestPendingMs: Number(r.oldest), pending: Number(r.pending) }));
    },

    /**
     * Pages one time window of GET betSlips into the warehouse. Rows go straight from the API to
     * ClickHouse: only counts travel through Temporal. Progress is in the heartbeat, so a retry
     * after a crash continues at the first page without a marker.
     */
    async backfillWindow({
      backfillId,
      scope,
      window: w,
      pageSize,
    }: {
      backfillId: string;
      scope: BackfillScope;
      window: BackfillWindow;
      pageSize: number;
    }): Promise<BackfillCounts> {
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as WindowHeartbeat | undefined;
      let state: WindowHeartbeat = resumed ?? { nextPage: 1, totalPages: null, counts: emptyCounts() };
      if (resumed) log.info('backfill.window.resumed', { backfillId, window: w.index, nextPage: resumed.nextPage });
      while (state.totalPages === null || state.nextPage <= state.totalPages) {
        if (state.totalPages === 0) break;
        const { counts, totalPages } = await loadPage(backfillId, scope, w, state.nextPage, pageSize);
        state = { nextPage: state.nextPage + 1, totalPages, counts: addCounts(state.counts, counts) };
        ctx.heartbeat(state);
        log.debug('backfill.page.loaded', {
          backfillId,
          window: w.index,
          page: state.nextPage - 1,
          totalPages,
          slips: counts.slips,
        });
      }
      log.info('backfill.window.done', { backfillId, window: w.index, ...state.counts });
      return state.counts;
    },
  };
}

export type BackfillActivities = ReturnType<typeof createBackfillActivities>;
