import { z } from 'zod';
import { normalizeRefreshResponse, readSlips, WebhookEnvelopeSchema } from '../schemas/sharpsports';
import { deliveryExists, landDelivery } from '../refresh/landing/landing';
import { loadLandedResponses, upsertSlips } from '../refresh/load/load-packages';
import { log } from '../platform/log';
import { recordResponseFindings, SLIP_SOURCE, type SlipContext } from './quarantine';
import { appendRows, queryRows, type Warehouse } from '../platform/warehouse/client';
import { remapRefused } from '../feeds/replay';
import { writeCanonicalRows } from '../feeds/write-rows';

/**
 * `linehouse rejected list|replay`: refused messages and records run again through today's code
 * (after a schema fix or a mapping change). Exactly once: what a replay loads goes in under the
 * rejection's own insert tokens or the response's load marker, and its `loaded` row in
 * rejection_replays keeps every later replay from touching it again.
 */

export interface RejectionFilter {
  source?: string;
  reason?: string;
  /** ISO time: rejections at or after it. */
  since?: string;
  id?: string;
  limit?: number;
}

export interface RejectionListing {
  rejection_id: string;
  rejected_time: string;
  source: string;
  reason: string;
  record_path: string;
  record_id: string;
  detail: string;
  raw_bytes: number;
  /** The last replay's outcome, '' when never replayed. */
  replay: string;
}

/** Outcomes a replay records; `loaded` and `landed` are final (never replayed again). */
export type ReplayOutcome = 'loaded' | 'landed' | 'still_refused';
const FINAL: readonly string[] = ['loaded', 'landed'];

/** Sources a replay can run again; the others were refused before anything could be trusted (HMAC, size). */
const FEED_SOURCES = ['opticodds', 'boltodds', 'sharpapi'];
const WEBHOOK_SOURCE = 'sharpsports-webhook';
const REPLAYABLE_WEBHOOK_REASONS = ['schema', 'unknown_event'];

export interface ReplaySummary {
  considered: number;
  loaded: number;
  stillRefused: number;
  /** Landed for a refresh workflow to finish (a response whose slips are fetched by pages). */
  landed: number;
  /** Not replayable by their nature (bad HMAC, oversized, truncated raw…): listed, never loaded. */
  notReplayable: number;
  slips: number;
  bets: number;
  feedRows: number;
}

const LIST_SQL = `SELECT r.rejection_id AS rejection_id, toString(r.rejected_at) AS rejected_time, r.source AS source, r.reason AS reason,
  r.record_path AS record_path, r.record_id AS record_id, substring(r.detail, 1, 300) AS detail, r.raw_bytes AS raw_bytes,
  ifNull(p.outcome, '') AS replay
FROM rejected_messages AS r
LEFT JOIN (SELECT rejection_id, argMax(outcome, replayed_at) AS outcome FROM rejection_replays GROUP BY rejection_id) AS p ON p.rejection_id = r.rejection_id
WHERE ({source:String} = '' OR r.source = {source:String})
  AND ({reason:String} = '' OR r.reason = {reason:String})
  AND ({id:String} = '' OR r.rejection_id = {id:String})
  AND r.rejected_at >= parseDateTime64BestEffort({since:String}, 3, 'UTC')
ORDER BY r.rejected_at DESC, r.rejection_id
LIMIT 1 BY r.rejection_id
LIMIT {limit:UInt32}
SETTINGS join_use_nulls = 1`;

function params(f: RejectionFilter) {
  return {
    source: f.source ?? '',
    reason: f.reason ?? '',
    id: f.id ?? '',
    since: f.since ?? '1970-01-01T00:00:00Z',
    limit: f.limit ?? 1000,
  };
}

export function listRejections(ch: Warehouse, f: RejectionFilter = {}): Promise<RejectionListing[]> {
  return queryRows<RejectionListing>(ch, LIST_SQL, params(f));
}

interface RejectionRow {
  rejection_id: string;
  rejected_time: string;
  source: string;
  reason: string;
  delivery_id: string;
  raw: string;
  raw_truncated: boolean;
  context: string;
}

const CANDIDATES_SQL = `SELECT rejection_id, toString(rejected_at) AS rejected_time, source, reason, delivery_id, raw, raw_truncated, context
FROM rejected_messages
WHERE ({source:String} = '' OR source = {source:String})
  AND ({reason:String} = '' OR reason = {reason:String})
  AND ({id:String} = '' OR rejection_id = {id:String})
  AND rejected_at >= parseDateTime64BestEffort({since:String}, 3, 'UTC')
  AND rejection_id NOT IN (SELECT rejection_id FROM rejection_replays FINAL WHERE outcome IN {final:Array(String)})
ORDER BY rejected_at, rejection_id
LIMIT 1 BY rejection_id
LIMIT {limit:UInt32}`;

/** Why a rejection cannot be replayed, or null when it can. */
export function notReplayableBecause(
  r: Pick<RejectionRow, 'source' | 'reason' | 'raw' | 'raw_truncated' | 'context'>,
): string | null {
  if (r.raw_truncated || r.raw === '')
    return 'its raw text was not kept whole (oversized): ask the sender to deliver it again';
  if (r.source === SLIP_SOURCE) return r.context ? null : 'no context recorded with the slip';
  if (r.source === WEBHOOK_SOURCE)
    return REPLAYABLE_WEBHOOK_REASONS.includes(r.reason)
      ? null
      : `refused for ${r.reason}, which a replay cannot undo (it is checked before the body is trusted)`;
  if (FEED_SOURCES.includes(r.source))
    return r.context
      ? null
      : 'a whole feed message: its records were never read, and the feed resumes from its checkpoint';
  return `source ${r.source} has no replay`;
}

export async function replayRejections(
  ch: Warehouse,
  f: RejectionFilter,
  onProgress?: (done: number, total: number, s: ReplaySummary) => void,
): Promise<ReplaySummary> {
  const rows = await queryRows<RejectionRow>(ch, CANDIDATES_SQL, {
    ...params(f),
    limit: f.limit ?? 100_000,
    final: FINAL,
  });
  const summary: ReplaySummary = {
    considered: rows.length,
    loaded: 0,
    stillRefused: 0,
    landed: 0,
    notReplayable: 0,
    slips: 0,
    bets: 0,
    feedRows: 0,
  };
  let done = 0;
  for (const row of rows) {
    const why = notReplayableBecause(row);
    if (why) summary.notReplayable += 1;
    else {
      const result = await replayOne(ch, row);
      summary[result.outcome === 'loaded' ? 'loaded' : result.outcome === 'landed' ? 'landed' : 'stillRefused'] += 1;
      summary.slips += result.slips;
      summary.bets += result.bets;
      summary.feedRows += result.feedRows;
      await appendRows(ch, 'rejection_replays', [
        {
          rejection_id: row.rejection_id,
          replayed_at: new Date().toISOString(),
          outcome: result.outcome,
          detail: result.detail.slice(0, 2000),
          slips: result.slips,
          bets: result.bets,
          feed_rows: result.feedRows,
        },
      ]);
      log.info('rejection.replayed', {
        rejection: row.rejection_id,
        source: row.source,
        outcome: result.outcome,
        detail: result.detail.slice(0, 300),
      });
    }
    done += 1;
    onProgress?.(done, rows.length, summary);
  }
  return summary;
}

interface OneReplay {
  outcome: ReplayOutcome;
  detail: string;
  slips: number;
  bets: number;
  feedRows: number;
}

const nothing = { slips: 0, bets: 0, feedRows: 0 };
const refused = (detail: string): OneReplay => ({ outcome: 'still_refused', detail, ...nothing });

async function replayOne(ch: Warehouse, row: RejectionRow): Promise<OneReplay> {
  let json: unknown;
  try {
    json = JSON.parse(row.raw);
  } catch (err) {
    if (!FEED_SOURCES.includes(row.source)) return refused(`still not JSON: ${(err as Error).message}`);
  }
  const token = `replay:${row.rejection_id}`;
  if (row.source === SLIP_SOURCE) {
    const ctx = JSON.parse(row.context) as SlipContext;
    const read = readSlips([json], 'slip');
    if (read.slips.length === 0) return refused(read.quarantined[0]?.reason ?? 'unusable');
    const counts = await upsertSlips(ch, read.slips, ctx, token);
    return {
      outcome: 'loaded',
      detail: `slip ${read.slips[0].id} of ${ctx.refreshResponseId}`,
      ...counts,
      feedRows: 0,
    };
  }
  if (row.source === WEBHOOK_SOURCE) return replayDelivery(ch, row, json, token);
  const at = new Date(`${row.rejected_time.replace(' ', 'T')}Z`);
  const mapped = remapRefused(
    row.source,
    row.raw,
    JSON.parse(row.context) as Record<string, unknown>,
    (Number.isNaN(at.getTime()) ? new Date() : at).toISOString(),
  );
  if (mapped.refused.length > 0) return refused(mapped.refused.map((r) => `${r.reason}: ${r.detail}`).join('; '));
  const feedRows = await writeCanonicalRows(ch, mapped.rows, token);
  return { outcome: 'loaded', detail: `${feedRows} feed row(s)`, slips: 0, bets: 0, feedRows };
}

/** A refused delivery: landed as it would have been, then loaded exactly once by its response's marker. */
async function replayDelivery(ch: Warehouse, row: RejectionRow, json: unknown, token: string): Promise<OneReplay> {
  const envelope = WebhookEnvelopeSchema.safeParse(json);
  if (!envelope.success)
    return refused(`not a SharpSports webhook envelope: ${z.prettifyError(envelope.error).slice(0, 500)}`);
  const event = envelope.data.event;
  if (event !== 'refreshresponse.created')
    return refused(`event "${event.slice(0, 80)}" has no replay (only refreshresponse.created does)`);
  let rr;
  try {
    rr = normalizeRefreshResponse(envelope.data.data);
  } catch (err) {
    return refused(
      `refreshresponse.created data is unusable: ${err instanceof z.ZodError ? z.prettifyError(err).slice(0, 500) : (err as Error).message}`,
    );
  }
  const deliveryId = row.delivery_id || token;
  if (!(await deliveryExists(ch, deliveryId)))
    await landDelivery(ch, {
      deliveryId,
      source: 'webhook',
      event,
      subscription: '',
      body: row.raw,
      refreshResponse: rr,
    });
  await recordResponseFindings(ch, rr, deliveryId);
  if (rr.status !== 200) {
    return {
      outcome: 'landed',
      detail: `response ${rr.id} has status ${rr.status}: its slips are fetched by a refresh; run linehouse refresh --account ${rr.bettorAccountId}`,
      ...nothing,
    };
  }
  const [load] = await loadLandedResponses(ch, [{ deliveryId, rr, loader: 'replay' }]);
  const note = load.skipped ? ' (already loaded before: nothing written)' : '';
  const refusedNote = rr.quarantined.length
    ? `; ${rr.quarantined.length} slip(s) still refused, recorded on their own`
    : '';
  return {
    outcome: 'loaded',
    detail: `response ${rr.id}: ${load.slips} slip(s)${note}${refusedNote}`,
    slips: load.skipped ? 0 : load.slips,
    bets: load.skipped ? 0 : load.bets,
    feedRows: 0,
  };
}
