// Checkpoint
import { parseEntryId } from './ids';

/** Position: JSON `{ [groupKey]: lastEntryId }`. A bare entry id (hand-written) applies to every group. */
export function parsePosition(position: string | null | undefined): {
  positions: Record<string, string>;
  bare: string | null;
  error?: string;
} {
  if (!position) return { positions: {}, bare: null };
  if (parseEntryId(position)) return { positions: {}, bare: position };
  try {
    const obj = JSON.parse(position) as unknown;
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not an object');
    const positions: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (typeof v === 'string' && parseEntryId(v)) positions[k] = v;
    }
    return { positions, bare: null };
  } catch (e) {
    return { positions: {}, bare: null, error: (e as Error).message };
  }
}
