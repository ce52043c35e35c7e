import crypto from 'node:crypto';
import type { NormalizedRefreshResponse } from '../../schemas/sharpsports';
import { insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import type { RefreshResponseRef } from '../contracts';
import { RESPONSES_LOADED_BY_A_RUN_SQL } from '../load/markers';

/**
 * The raw landing copy (dlt's extract stage): a delivery is written verbatim, and fsynced,
 * before anything acknowledges it. Everything downstream refers to it by delivery id.
 */
export interface LandedDelivery {
  deliveryId: string;
  source: 'webhook' | 'poll';
  event: string;
  subscription: string;
  body: string;
  refreshResponse?: NormalizedRefreshResponse;
  bettorId?: string | null;
  bettorAccountId?: string;
}

export async function deliveryExists(ch: Warehouse, deliveryId: string): Promise<boolean> {
  const rows = await queryRows(ch, 'SELECT 1 FROM webhook_deliveries WHERE delivery_id = {id:String} LIMIT 1', {
    id: deliveryId,
  });
  return rows.length > 0;
}

export async function landDelivery(ch: Warehouse, d: LandedDelivery): Promise<void> {
  await insertRows(ch, 'webhook_deliveries', [landingRow(d)], `landing:${d.deliveryId}`);
}

/**
 * Lands several deliveries in one insert: one part, one fsync (the receiver's group commit).
 * ClickHouse inserts one block atomically, so either every delivery of the batch is durable or
 * none is. The dedup token covers the exact set of ids, so resending the same batch after an
 * unanswered insert cannot land a second copy; callers still check existence first, because a
 * token only dedupes an identical block within the last 1,000 inserts.
 */
export async function landDeliveries(
  ch: Warehouse,
  ds: readonly LandedDelivery[],
  insert: (table: string, rows: readonly object[], dedupToken: string) => Promise<void> = (table, rows, token) =>
    insertRows(ch, table, rows, token),
): Promise<void> {
  if (ds.length === 0) return;
  // One delivery keeps the token landDelivery gives it, so both paths dedupe against each other.
  const ids = ds.map((d) => d.deliveryId).sort();
  const token =
    ds.length === 1
      ? `landing:${ids[0]}`
      : `landing:batch:${crypto.createHash('sha256').update(ids.join('\n')).digest('hex')}`;
  await insert('webhook_deliveries', ds.map(landingRow), token);
}

/**
 * The ids among `ids` already landed. Ids are written as unhex('…') literals rather than a bound
 * parameter: chDB serialises every parameterised query of the process on one chain (a libchdb
 * race), so a bound query here would wait behind the worker's; hex literals cannot inject.
 */
export async function existingDeliveries(ch: Warehouse, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const hexLiterals = ids.map((id) => `unhex('${Buffer.from(id, 'utf8').toString('hex')}')`).join(', ');
  const rows = await queryRows<{ delivery_id: string }>(
    ch,
    `SELECT DISTINCT delivery_id FROM webhook_deliveries WHERE delivery_id IN (${hexLiterals})`,
  );
  return new Set(rows.map((r) => r.delivery_id));
}

/**
 * Refresh responses landed at least `minAgeSeconds` ago that no workflow has taken over: no load
 * by a workflow, and no run recorded for a response the receiver (or a replayed load package)
 * loaded on a workflow's behalf. Handed to their account workflow again at start-up and by the
 * receiver's periodic sweep.
 */
export async function unloadedDeliveries(
  ch: Warehouse,
  o: { minAgeSeconds: number; limit: number },
): Promise<RefreshResponseRef[]> {
  const rows = await queryRows<LandedRow>(
    ch,
    `SELECT ${LANDED_REF_COLUMNS} FROM webhook_deliveries
     WHERE event = 'refreshresponse.created' AND status IN (200, 202)
       AND received_at <= now64(3) - toIntervalMillisecond({ageMs:UInt64})
       AND refresh_response_id NOT IN (${RESPONSES_LOADED_BY_A_RUN_SQL})
       AND refresh_response_id NOT IN (SELECT refresh_response_id FROM refresh_runs)
     ORDER BY received_at LIMIT {limit:UInt32}`,
    { ageMs: Math.max(0, Math.floor(o.minAgeSeconds * 1000)), limit: Math.max(1, Math.floor(o.limit)) },
  );
  return rows.map(refFromLandedRow);
}

function landingRow(d: LandedDelivery) {
  const rr = d.refreshResponse;
  return {
    delivery_id: d.deliveryId,
    source: d.source,
    event: d.event,
    subscription: d.subscription,
    received_at: new Date().toISOString(),
    body: d.body,
    body_bytes: Buffer.byteLength(d.body),
    body_sha256: crypto.createHash('sha256').update(d.body).digest('hex'),
    refresh_response_id: rr?.id ?? '',
    request_id: rr?.requestId ?? '',
    bettor_id: rr?.bettorId ?? d.bettorId ?? '',
    bettor_account_id: rr?.bettorAccountId ?? d.bettorAccountId ?? '',
    status: rr?.status ?? null,
    detail: rr?.detail ?? '',
    refresh_type: rr?.type ?? '',
    time_created: rr?.timeCreated ?? null,
    slip_count: rr?.betSlips.length ?? 0,
  };
}

export function refFromResponse(
  deliveryId: string,
  source: 'webhook' | 'poll',
  rr: NormalizedRefreshResponse,
): RefreshResponseRef {
  return {
    deliveryId,
    refreshResponseId: rr.id,
    requestId: rr.requestId ?? '',
    bettorAccountId: rr.bettorAccountId,
    bettorId: rr.bettorId,
    bookAbbr: rr.bookAbbr,
    status: rr.status,
    detail: rr.detail ?? null,
    type: rr.type ?? 'manual',
    timeCreated: rr.timeCreated ?? new Date().toISOString(),
    slipCount: rr.betSlips.length,
    source,
  };
}

interface LandedRow {
  delivery_id: string;
  source: 'webhook' | 'poll';
  refresh_response_id: string;
  request_id: string;
  bettor_id: string;
  bettor_account_id: string;
  status: number;
  detail: string;
  refresh_type: string;
  time_created: string;
  slip_count: number;
}

export function refFromLandedRow(r: LandedRow): RefreshResponseRef {
  return {
    deliveryId: r.delivery_id,
    refreshResponseId: r.refresh_response_id,
    requestId: r.request_id,
    bettorAccountId: r.bettor_account_id,
    bettorId: r.bettor_id || null,
    bookAbbr: null,
    status: Number(r.status),
    detail: r.detail || null,
    type: r.refresh_type,
    timeCreated: new Date(r.time_created.replace(' ', 'T') + 'Z').toISOString(),
    slipCount: Number(r.slip_count),
    source: r.source,
  };
}

export const LANDED_REF_COLUMNS =
  'delivery_id, source, refresh_response_id, request_id, bettor_id, bettor_account_id, status, detail, refresh_type, toString(time_created) AS time_created, slip_count';
