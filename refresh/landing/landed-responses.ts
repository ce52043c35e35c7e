import type { NormalizedRefreshResponse } from '../../schemas/sharpsports';

/**
 * The refresh responses this process's webhook receiver landed in the last moments, parsed and
 * validated, by delivery id: the workflow's load (activities/refresh/loading.ts) takes them from
 * here instead of reading the body back from webhook_deliveries and parsing it again. Only what
 * is durably landed is put here (after the group commit), and a delivery id always names the
 * same body, so a hit is exactly what the lookup would return; a miss (another process, evicted,
 * a restart) takes the lookup. workers/stack.ts makes one and hands it to both the receiver and
 * the activities; it is bounded by entries and bytes, and the oldest go first.
 */
const MAX_ENTRIES = 4_096;
const MAX_BYTES = 32 * 2 ** 20;

export class RecentLandings {
  private readonly byDelivery = new Map<string, { rr: NormalizedRefreshResponse; bytes: number }>();
  private bytes = 0;

  remember(deliveryId: string, rr: NormalizedRefreshResponse, bytes: number): void {
    if (bytes > MAX_BYTES / 4 || this.byDelivery.has(deliveryId)) return;
    this.byDelivery.set(deliveryId, { rr, bytes });
    this.bytes += bytes;
    for (const [id, entry] of this.byDelivery) {
      if (this.byDelivery.size <= MAX_ENTRIES && this.bytes <= MAX_BYTES) break;
      this.byDelivery.delete(id);
      this.bytes -= entry.bytes;
    }
  }

  /** The landed response, when this process landed it recently; it is handed out once. */
  take(deliveryId: string): NormalizedRefreshResponse | undefined {
    const entry = this.byDelivery.get(deliveryId);
    if (!entry) return undefined;
    this.byDelivery.delete(deliveryId);
    this.bytes -= entry.bytes;
    return entry.rr;
  }
}
