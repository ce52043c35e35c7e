import type { NormalizedRefreshResponse } from '../../schemas/sharpsports';
import type { Warehouse } from '../../platform/warehouse/client';

/**
 * The refresh responses this process's webhook receiver landed in the last moments, parsed and
 * validated, by delivery id: the workflow's load (activities/refresh/loading.ts) takes them from
 * here instead of reading the body back from webhook_deliveries and parsing it again. Only what
 * is durably landed is put here (after the group commit), and a delivery id always names the
 * same body, so a hit is exactly what the lookup would return; a miss (another process, evicted,
 * a restart) takes the lookup. Kept per warehouse (the receiver and the activities of one stack
 * share theirs), bounded by entries and bytes; the oldest go first.
 */
const MAX_ENTRIES = 4_096;
const MAX_BYTES = 32 * 2 ** 20;

interface Recent {
  byDelivery: Map<string, { rr: NormalizedRefreshResponse; bytes: number }>;
  bytes: number;
}
const perWarehouse = new WeakMap<Warehouse, Recent>();

function recentOf(ch: Warehouse): Recent {
  let r = perWarehouse.get(ch);
  if (!r) perWarehouse.set(ch, (r = { byDelivery: new Map(), bytes: 0 }));
  return r;
}

export function rememberLanded(ch: Warehouse, deliveryId: string, rr: NormalizedRefreshResponse, bytes: number): void {
  const recent = recentOf(ch);
  if (bytes > MAX_BYTES / 4 || recent.byDelivery.has(deliveryId)) return;
  recent.byDelivery.set(deliveryId, { rr, bytes });
  recent.bytes += bytes;
  for (const [id, entry] of recent.byDelivery) {
    if (recent.byDelivery.size <= MAX_ENTRIES && recent.bytes <= MAX_BYTES) break;
    recent.byDelivery.delete(id);
    recent.bytes -= entry.bytes;
  }
}

/** The landed response, when this process landed it recently into `ch`; it is handed out once. */
export function recentlyLanded(ch: Warehouse, deliveryId: string): NormalizedRefreshResponse | undefined {
  const recent = perWarehouse.get(ch);
  const entry = recent?.byDelivery.get(deliveryId);
  if (!recent || !entry) return undefined;
  recent.byDelivery.delete(deliveryId);
  recent.bytes -= entry.bytes;
  return entry.rr;
}
