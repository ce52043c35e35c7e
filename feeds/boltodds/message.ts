// One inbound message (one item of a frame) → a typed message, or why it is unusable as a whole.
import { BOLTODDS_ACTIONS, BoltOddsMessageSchema, type BoltOddsMessage } from '../../schemas/boltodds';

const KNOWN: readonly string[] = BOLTODDS_ACTIONS;

export type ParsedMessage =
  { ok: true; msg: BoltOddsMessage } | { ok: false; reason: 'schema' | 'unknown_action'; detail: string };

export function parseBoltOddsMessage(item: unknown): ParsedMessage {
  let r = BoltOddsMessageSchema.safeParse(item);
  const action = (item as { action?: unknown } | null)?.action;
  const canonical = typeof action === 'string' ? action.trim().toLowerCase() : null;
  // Another casing of a known action is that action; only a failed parse pays for the retry.
  if (!r.success && canonical !== null && canonical !== action && KNOWN.includes(canonical)) {
    r = BoltOddsMessageSchema.safeParse({ ...(item as object), action: canonical });
  }
  if (r.success) return { ok: true, msg: r.data };
  return {
    ok: false,
    reason: canonical !== null && KNOWN.includes(canonical) ? 'schema' : 'unknown_action',
    detail: r.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .slice(0, 5)
      .join('; '),
  };
}
