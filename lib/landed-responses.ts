import type { NormalizedRefreshResponse } from '../schemas/sharpsports';

/**
 * The refresh responses this process's webhook receiver landed in the last moments, parsed and
 * validated, by delivery id: the workflow's load (activities/refresh-loading.ts) takes them from
 * here instead of reading the body back from webhook_deliveries and parsing it again. Only what
 * is durably landed is put here (after the group commit), and a delivery id always names the
 * same body, so a hit is exactly what the lookup would return; a miss (another process, evicted,
 * a restart) takes the lookup. Bounded by entries and bytes; the oldest go first.
 */
const MAX_ENTRIES = 4_096;
const MAX_BYTES = 32 * 2 ** 20;

const recent = new Map<string, { rr: NormalizedRefreshResponse; bytes: number }>();
let bytesHeld = 0;

export function rememberLanded(deliveryId: string, rr: NormalizedRefreshResponse, bytes: number): void {
  if (bytes > MAX_BYTES / 4 || recent.has(deliveryId)) return;
  recent.set(deliveryId, { rr, bytes });
  bytesHeld += bytes;
  for (const [id, entry] of recent) {
    if (recent.size <= MAX_ENTRIES && bytesHeld <= MAX_BYTES) break;
    recent.delete(id);
    bytesHeld -= entry.bytes;
  }
}

/** The landed response, when this process landed it recently; it is handed out once. */
export function recentlyLanded(deliveryId: string): NormalizedRefreshResponse | undefined {
  const entry = recent.get(deliveryId);
  if (!entry) return undefined;
  recent.delete(deliveryId);
  bytesHeld -= entry.bytes;
  return entry.rr;
}
