import crypto from 'node:crypto';
import type { NormalizedRefreshResponse } from '../schemas/sharpsports';
import type { RefreshResponseRef } from '../workflows/messages';
import { insertRows, queryRows, type Warehouse } from './warehouse/client';

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
  const rows = await queryRows(ch, 'SELECT 1 FROM webhook_deliveries WHERE delivery_id = {id:String} LIMIT 1', { id: deliveryId });
  return rows.length > 0;
}

export async function landDelivery(ch: Warehouse, d: LandedDelivery): Promise<void> {
  const rr = d.refreshResponse;
  await insertRows(
    ch,
    'webhook_deliveries',
    [
      {
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
      },
    ],
    `landing:${d.deliveryId}`,
  );
}

export function refFromResponse(deliveryId: string, source: 'webhook' | 'poll', rr: NormalizedRefreshResponse): RefreshResponseRef {
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
