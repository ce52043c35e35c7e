import crypto from 'node:crypto';
import type { DataWarning, NormalizedRefreshResponse, QuarantinedRecord } from '../schemas/sharpsports';
import { log } from '../platform/log';
import { rejectionRow } from './record';
import { insertRows, type Warehouse } from '../platform/warehouse/client';

/** rejected_messages.source of a slip refused alone; its delivery, page or window loaded the others. */
export const SLIP_SOURCE = 'sharpsports-slip';

/** What a replay of a refused slip needs to load it as its message would have. */
export interface SlipContext {
  refreshResponseId: string;
  refreshResponseTime: string;
  bettorId: string | null;
  /** webhook | page | backfill: where the slip came in. */
  origin: string;
}

export interface MessageFindings {
  /** rejected_messages/data_warnings source of the message (the warning's source). */
  source: string;
  /** The delivery id, page key or window key: with a record's path it names the record for good. */
  messageId: string;
  quarantined: readonly QuarantinedRecord[];
  warnings: readonly DataWarning[];
  context: SlipContext;
  deliveryId?: string;
}

/** The same record of the same message always gets the same rejection id (a redelivery re-records nothing). */
export function recordRejectionId(messageId: string, path: string): string {
  return crypto.createHash('sha256').update(`${messageId}\n${path}`).digest('hex').slice(0, 32);
}

/**
 * Records a message's refused slips and the cosmetic rules its loaded records broke. Each set is
 * one insert under a token of the message, so a retried activity or a redelivered webhook records
 * them once. Unlike recordRejection this throws: the caller answers or completes only after the
 * refused slips are durable, since they are the only copy outside the raw landing.
 */
export async function recordFindings(ch: Warehouse, f: MessageFindings): Promise<void> {
  if (f.quarantined.length > 0) {
    const rows = f.quarantined.map((q) =>
      rejectionRow({
        rejectionId: recordRejectionId(f.messageId, q.path),
        source: SLIP_SOURCE,
        reason: 'schema',
        detail: `${q.path}${q.id ? ` (${q.id})` : ''} of ${f.messageId}: ${q.reason}`,
        deliveryId: f.deliveryId ?? '',
        raw: JSON.stringify(q.fragment) ?? 'null',
        record: { path: q.path, id: q.id, context: { ...f.context, messageId: f.messageId } },
      }),
    );
    await insertRows(ch, 'rejected_messages', rows, `quarantine:${f.messageId}`);
    for (const q of f.quarantined)
      log.warn('record.quarantined', {
        source: SLIP_SOURCE,
        message: f.messageId,
        record: q.path,
        id: q.id,
        reason: q.reason.slice(0, 300),
      });
  }
  if (f.warnings.length > 0) {
    await insertRows(
      ch,
      'data_warnings',
      f.warnings.map((w) => ({
        source: f.source,
        message_id: f.messageId,
        record_path: w.path,
        rule: w.rule,
        field: w.field,
        value: w.value,
        expected: w.expected,
      })),
      `warnings:${f.messageId}`,
    );
    log.info('records.warned', {
      source: f.source,
      message: f.messageId,
      warnings: f.warnings.length,
      rules: [...new Set(f.warnings.map((w) => `${w.rule}:${w.field}`))].slice(0, 10),
    });
  }
}

/**
 * A webhook refresh response's findings (the receiver's, and a replayed delivery's). Keyed by the
 * response, not the delivery: a redelivery under a new id, or its poll, records its slips once.
 */
export function recordResponseFindings(
  ch: Warehouse,
  rr: NormalizedRefreshResponse,
  deliveryId: string,
): Promise<void> {
  return recordFindings(ch, {
    source: 'sharpsports-webhook',
    messageId: `response:${rr.id}`,
    deliveryId,
    quarantined: rr.quarantined,
    warnings: rr.warnings,
    context: {
      refreshResponseId: rr.id,
      refreshResponseTime: rr.timeCreated,
      bettorId: rr.bettorId,
      origin: 'webhook',
    },
  });
}
