import crypto from 'node:crypto';
import { log, redact } from '../platform/log';
import { insertRows, type Warehouse } from '../platform/warehouse/client';

const RAW_CAP = 64 * 1024;

/**
 * Where a refused record sat and what a replay needs to load it on its own (`linehouse rejected
 * replay`): a slip needs its refresh response, an odd its entry or game. Absent for a message
 * refused as a whole (its raw text is all a replay needs).
 */
export interface RefusedRecord {
  /** e.g. `betSlips[3]`, `data[2]`, `outcomes.Over 47.5`. */
  path: string;
  /** The record's own id when it has a usable one. */
  id: string | null;
  /** JSON-serialisable facts from around the record (refresh response id, entry id, action…). */
  context: Record<string, unknown>;
}

export interface Rejection {
  source: string;
  reason: string;
  detail: string;
  httpStatus?: number;
  deliveryId?: string;
  headers?: Record<string, unknown>;
  raw?: Buffer | string;
  rawBytes?: number;
  record?: RefusedRecord;
  /** Stable id (a replay is recorded against it); default a random one. */
  rejectionId?: string;
}

/** A rejection_messages row (the raw text capped, and redacted so no secret is persisted). */
export function rejectionRow(r: Rejection): Record<string, unknown> {
  const raw = r.raw === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.raw) ? r.raw : Buffer.from(r.raw);
  const kept = raw.subarray(0, RAW_CAP).toString('utf8');
  return {
    rejection_id: r.rejectionId ?? crypto.randomUUID(),
    source: r.source,
    reason: r.reason,
    detail: redact(r.detail).slice(0, 2000),
    http_status: r.httpStatus ?? 0,
    delivery_id: r.deliveryId ?? '',
    headers: redact(JSON.stringify(r.headers ?? {})),
    raw: redact(kept),
    raw_bytes: r.rawBytes ?? raw.length,
    raw_truncated: (r.rawBytes ?? raw.length) > kept.length,
    raw_sha256: raw.length ? crypto.createHash('sha256').update(raw).digest('hex') : '',
    record_path: r.record?.path ?? '',
    record_id: r.record?.id ?? '',
    context: r.record ? redact(JSON.stringify(r.record.context)) : '',
  };
}

/**
 * Writes a `rejected_messages` row. The raw text is capped (a 100 MB body is recorded by size
 * and hash, not stored whole) and passed through redaction so no secret can be persisted.
 */
export async function recordRejection(ch: Warehouse, r: Rejection): Promise<void> {
  try {
    await insertRows(ch, 'rejected_messages', [rejectionRow(r)]);
  } catch (err) {
    // The rejection is still answered; losing its audit row is logged, never thrown at the sender.
    log.error('rejection.record_failed', { source: r.source, reason: r.reason, error: err as Error });
  }
  log.warn('message.rejected', {
    source: r.source,
    reason: r.reason,
    detail: redact(r.detail).slice(0, 300),
    delivery: r.deliveryId,
    record: r.record?.path,
  });
}
