// Deterministic ids: a replayed entry writes the same rows, which fold away. test/unit/feeds/id-functions.test.ts pins them.

/** An entry carries many odds: the pair (entry, odd) is one price move. */
export const opticTickId = (entryId: string, oddId: string): string => `opticodds:${entryId}:${oddId}`;
export const opticSettlementId = (entryId: string, oddId: string): string => `opticodds:${entryId}:${oddId}`;
export const opticUpdateId = (entryId: string, fixtureId: string): string => `opticodds:${entryId}:${fixtureId}`;

/** "<ms>-<seq>" → [ms, seq]; ordering of entry ids is numeric, not lexical. */
export function parseEntryId(id: string): [number, number] | null {
  const m = /^(\d+)-(\d+)$/.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function compareEntryIds(a: string, b: string): number {
  const pa = parseEntryId(a);
  const pb = parseEntryId(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  return pa[0] - pb[0] || pa[1] - pb[1];
}

/**
 * When an entry was created. Entry ids are Redis-stream ids whose ms part is the creation time
 * (the reference's fixture-status example: entry_id 1724871720243-0, timestamp 1724871720.24).
 * An id far from the wall clock is evidently not time-based, so the payload's own time is used.
 */
export function entryCreatedMs(entryId: string, payloadTimeMs: number): number {
  const ms = parseEntryId(entryId)?.[0] ?? 0;
  if (Math.abs(ms - Date.now()) < 86_400_000) return ms;
  return payloadTimeMs;
}
