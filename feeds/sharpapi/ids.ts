// Identity: deterministic tick ids, so a re-polled version writes the same row. test/unit/feeds/id-functions.test.ts pins them.
import { createHash } from 'node:crypto';

export interface SharpApiTickKey {
  /** SharpAPI odds id. */
  id: string;
  /** `last_seen_at` of a quote; for a removal, the `since` of the window that reported it. */
  lastSeenAt: string;
  oddsAmerican: number | null;
  line: number | null;
  removed: boolean;
}

/**
 * Deterministic tick id. A quote is identified by what makes it a distinct price move; a removal
 * by the window that reported it, because the `removed` list carries no time: a replay starts from
 * the same committed `since`, so it yields the same id, and the same odd removed again later falls
 * in a later window.
 */
export function sharpApiTickId(k: SharpApiTickKey): string {
  const ts = new Date(k.lastSeenAt).toISOString();
  const digest = createHash('sha256')
    .update(JSON.stringify([k.id, ts, k.oddsAmerican, k.line, k.removed]))
    .digest('hex');
  return `sharpapi:${digest.slice(0, 32)}`;
}

/** The id of the removal of odd `id` reported by the window that starts at `windowSince`. */
export const sharpApiRemovalTickId = (id: string, windowSince: string): string =>
  sharpApiTickId({ id, lastSeenAt: windowSince, oddsAmerican: null, line: null, removed: true });
