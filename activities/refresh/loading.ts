import crypto from 'node:crypto';
import { Context } from '@temporalio/activity';
import { paginated, readSlips } from '../../schemas/sharpsports';
import { z } from 'zod';
import { recordFindings } from '../../rejections/quarantine';
import { failpoint } from '../../platform/failpoints';
import { loadLanded, responseFromBody, upsertSlips, type ResponseLoad } from '../../refresh/load/load-packages';
import { writePagedResponseMarker, writePageMarker } from '../../refresh/load/markers';
import { appendRows, lookupByKey, queryRows } from '../../platform/warehouse/client';
import type { BetSlip } from '../../schemas/sharpsports';
import { classify } from './failures';
import type { ActivityDeps } from '../deps';
import type { RefreshResponseRef, RefreshRunRecord } from '../../refresh/contracts';

// Slips are read one by one (readSlips), so one unusable slip refuses only itself.
const PageSchema = paginated(z.unknown());

/** Which slips a page listed, in order: two passes over a listing agree when every page's digest does. */
function listingDigest(slips: BetSlip[]): string {
  return crypto
    .createHash('sha256')
    .update(slips.map((s) => s.id).join('\n'))
    .digest('hex')
    .slice(0, 16);
}

export function createRefreshLoadingActivities({ clickhouse, http, recentLandings }: ActivityDeps) {
  /**
   * 200: the slips are in the landed delivery. Concurrent loads of this process share load
   * packages; idempotent via the load marker and the package's insert tokens (refresh/load/load-packages.ts).
   * `loader` (the workflow run) tells a load this run already did — a local activity runs again
   * when its workflow task is retried — from one done by another run or delivery.
   */
  async function loadLandedDelivery(deliveryId: string, loader: string): Promise<ResponseLoad> {
    // Landed by this process's receiver moments ago: no lookup, no second parse (refresh/landing/landed-responses.ts).
    const recent = recentLandings?.take(deliveryId);
    if (recent) return loadLanded(clickhouse, { deliveryId, rr: recent, loader });
    const landed = await lookupByKey<{ lookup_key: string; body: string }>(
      clickhouse,
      'SELECT delivery_id AS lookup_key, body FROM webhook_deliveries WHERE delivery_id IN {keys:Array(String)} LIMIT 1 BY delivery_id',
      deliveryId,
    );
    if (!landed)
      throw new Error(`delivery ${deliveryId} is not in webhook_deliveries: it was signalled but never landed`);
    return loadLanded(clickhouse, { deliveryId, rr: responseFromBody(landed.body), loader });
  }

  return {
    /** A landed 200 (not one the receiver loaded during a burst: RefreshResponseRef.loaded). */
    async loadLandedResponse({ deliveryId, loader }: { deliveryId: string; loader?: string }) {
      return loadLandedDelivery(deliveryId, loader ?? '');
    },

    /** 202: one page of GET /v1/betSlips?refreshResponse=…; each page is its own durable unit. */
    async loadBetSlipPage({
      ref,
      pageNum,
      pageSize,
      pass = 1,
    }: {
      ref: RefreshResponseRef;
      pageNum: number;
      pageSize: number;
      pass?: number;
    }) {
      const ctx = Context.current();
      ctx.heartbeat({ pageNum, stage: 'fetch' });
      const raw = await http
        .get('/v1/betSlips', { refreshResponse: ref.refreshResponseId, pageSize, pageNum })
        .catch(classify);
      const listed = PageSchema.parse(raw);
      // A later pass over a changed listing fetches other slips under the same page number: its own
      // insert token, or the insert would be deduplicated against the first pass's page.
      const again = pass > 1 ? `:r${pass}` : '';
      const pageKey = `${ref.refreshResponseId}/${pageSize}/${pageNum}${again.replace(':', '/')}`;
      const page = { ...listed, ...readSlips(listed.objects, 'objects') };
      ctx.heartbeat({ pageNum, stage: 'load', slips: page.slips.length, refused: page.quarantined.length });
      await recordFindings(clickhouse, {
        source: 'sharpsports-page',
        messageId: `page:${pageKey}`,
        quarantined: page.quarantined,
        warnings: page.warnings,
        context: {
          refreshResponseId: ref.refreshResponseId,
          refreshResponseTime: ref.timeCreated,
          bettorId: ref.bettorId ?? null,
          origin: 'page',
        },
      });
      const counts = await upsertSlips(
        clickhouse,
        page.slips,
        { refreshResponseId: ref.refreshResponseId, refreshResponseTime: ref.timeCreated, bettorId: ref.bettorId },
        `rr:${ref.refreshResponseId}:p${pageSize}:${pageNum}${again}`,
      );
      failpoint('after_rows_before_marker:page');
      await writePageMarker(clickhouse, {
        pageKey,
        slips: counts.slips,
        bets: counts.bets,
        totalPages: page.totalPages,
        refused: page.quarantined.length,
      });
      failpoint('after_marker_before_complete:page');
      return { ...counts, totalPages: page.totalPages, digest: listingDigest(page.slips) };
    },

    /**
     * Marks a paged response loaded, with its distinct slips and bets: a slip repeated across pages
     * (the listing moved while we paged) is stored once and must be counted once too.
     */
    async markResponseLoaded({
      refreshResponseId,
      slips,
      bets,
      pages,
    }: {
      refreshResponseId: string;
      slips: number;
      bets: number;
      pages: number;
    }): Promise<{ slips: number; bets: number }> {
      const [d] = await queryRows<{ slips: number; bets: number }>(
        clickhouse,
        `SELECT (SELECT uniqExact(id) FROM bet_slips WHERE refresh_response_id = {rr:String}) AS slips,
                (SELECT uniqExact(id) FROM bets WHERE refresh_response_id = {rr:String}) AS bets`,
        { rr: refreshResponseId },
      );
      // Every version loaded under this response keeps its id (FINAL is not wanted here: a newer
      // response may already have replaced some), so uniqExact(id) is what the pages stored.
      const distinct = { slips: Number(d?.slips) || slips, bets: Number(d?.bets) || bets };
      await writePagedResponseMarker(clickhouse, {
        responseId: refreshResponseId,
        slips: distinct.slips,
        bets: distinct.bets,
        pages,
      });
      return distinct;
    },

    async recordRefreshRun(r: RefreshRunRecord) {
      await appendRows(clickhouse, 'refresh_runs', [runRow(r)]);
    },

    /**
     * A landed 200 loaded and its run recorded in one local activity (accountRefresh since
     * refresh-lean-2; each local activity is a round trip through the worker). Idempotent like
     * the two it replaces: the load through its marker, the run row through the table's key.
     */
    async loadLandedAndRecord({
      deliveryId,
      loader,
      run,
    }: {
      deliveryId: string;
      loader: string;
      run: Omit<RefreshRunRecord, 'slips' | 'bets'>;
    }): Promise<ResponseLoad> {
      const loaded = await loadLandedDelivery(deliveryId, loader);
      await appendRows(clickhouse, 'refresh_runs', [runRow({ ...run, slips: loaded.slips, bets: loaded.bets })]);
      return loaded;
    },
  };
}

function runRow(r: RefreshRunRecord) {
  return {
    workflow_id: r.workflowId,
    bettor_account_id: r.bettorAccountId,
    bettor_id: r.bettorId ?? '',
    book_abbr: r.bookAbbr ?? '',
    request_id: r.requestId,
    refresh_response_id: r.refreshResponseId,
    refresh_type: r.type,
    origin: r.origin,
    status: r.status,
    detail: r.detail ?? '',
    attempts: r.attempts,
    pages: r.pages,
    slips: r.slips,
    bets: r.bets,
    started_at: new Date(r.startedAtMs).toISOString(),
    finished_at: new Date(r.finishedAtMs).toISOString(),
  };
}
