import crypto from 'node:crypto';
import { log, redact } from './log';
import { insertRows, type Warehouse } from './warehouse/client';

const RAW_CAP = 64 * 1024;

export interface Rejection {
  source: string;
  reason: string;
  detail: string;
  httpStatus?: number;
  deliveryId?: string;
  headers?: Record<string, unknown>;
  raw?: Buffer | string;
  rawBytes?: number;
}

/**
 * Writes a `rejected_messages` row. The raw text is capped (a 100 MB body is recorded by size
 * and hash, not stored whole) and passed through redaction so no secret can be persisted.
 */
export async function recordRejection(ch: Warehouse, r: Rejection): Promise<void> {
  const raw = r.raw === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.raw) ? r.raw : Buffer.from(r.raw);
  const kept = raw.subarray(0, RAW_CAP).toString('utf8');
  try {
    await insertRows(ch, 'rejected_messages', [
      {
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
      },
    ]);
  } catch (err) {
    // The rejection is still answered; losing its audit row is logged, never thrown at the sender.
    log.error('rejection.record_failed', { source: r.source, reason: r.reason, error: err as Error });
  }
  log.warn('message.rejected', { source: r.source, reason: r.reason, detail: redact(r.detail).slice(0, 300), delivery: r.deliveryId });
}
