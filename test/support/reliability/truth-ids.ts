// The one place the simulators' ground truth (kept in each provider's own terms) becomes warehouse
// row ids. Written here, from the warehouse's id contract, and deliberately NOT by calling the
// product's id functions (feeds/*/ids.ts): if those change, the sandbox side of every comparison
// stays put, and test/unit/feeds/id-functions.test.ts pins both to the same literal ids.
import { createHash } from 'node:crypto';
import type { BoltOddsChange } from '../../../sandbox/boltodds';
import type { OddRef, FixtureRef, StreamTruth } from '../../../sandbox/opticodds';
import type { OddVersion } from '../../../sandbox/sharpapi';

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

// ---------------------------------------------------------------------------------------------
// OpticOdds: `opticodds:<entry_id>:<odd id>` for odds_ticks and settlements (the pair is one price
// move / one settlement), `opticodds:<entry_id>:<fixture_id>` for fixtures.

export const opticTickRowId = (r: OddRef): string => `opticodds:${r.entryId}:${r.oddId}`;
export const opticSettlementRowId = (r: OddRef): string => `opticodds:${r.entryId}:${r.oddId}`;
export const opticUpdateRowId = (r: FixtureRef): string => `opticodds:${r.entryId}:${r.fixtureId}`;

/** The row ids an OpticOdds truth implies: odds_ticks (locked ones also apart), settlements, fixtures. */
export interface OpticRowIds {
  tickIds: string[];
  /** Subset of tickIds that come from copilot-locked-odds. */
  lockedTickIds: string[];
  settlementIds: string[];
  updateIds: string[];
}

export function opticRowIds(t: StreamTruth): OpticRowIds {
  return {
    tickIds: t.odds.map(opticTickRowId),
    lockedTickIds: t.lockedOdds.map(opticTickRowId),
    settlementIds: t.settledOdds.map(opticSettlementRowId),
    updateIds: t.fixtureStatus.map(opticUpdateRowId),
  };
}

// ---------------------------------------------------------------------------------------------
// BoltOdds: "bo_" + the first 32 hex digits of sha256 of the JSON array
// ["boltodds", sportsbook, game, outcome key, price|null, line|null, flag, timestamp as sent].

const boltCache = new WeakMap<object, string>();

export function boltOddsRowId(c: Readonly<BoltOddsChange>): string {
  let id = boltCache.get(c);
  if (id === undefined) {
    id = `bo_${sha256Hex(JSON.stringify(['boltodds', c.sportsbook, c.game, c.outcomeKey, c.price, c.line, c.flag, c.timestamp])).slice(0, 32)}`;
    // The sandbox freezes its changes, so an id cached per object cannot go stale.
    if (Object.isFrozen(c)) boltCache.set(c, id);
  }
  return id;
}

export const boltOddsRowIds = (changes: readonly Readonly<BoltOddsChange>[]): string[] => changes.map(boltOddsRowId);

// ---------------------------------------------------------------------------------------------
// SharpAPI: "sharpapi:" + the first 32 hex digits of sha256 of the JSON array
// [odd id, last_seen_at as a UTC ISO string with ms, odds_american|null, line|null, removed].

const sharpCache = new WeakMap<object, string>();

export function sharpApiRowId(v: OddVersion): string {
  let id = sharpCache.get(v);
  if (id === undefined) {
    const seen = new Date(v.lastSeenAt).toISOString();
    id = `sharpapi:${sha256Hex(JSON.stringify([v.id, seen, v.oddsAmerican, v.line, v.removed])).slice(0, 32)}`;
    if (Object.isFrozen(v)) sharpCache.set(v, id);
  }
  return id;
}

/** `emitted()`'s versions as tick ids, with its counts. */
export function sharpApiRowIds(e: { versions: readonly OddVersion[]; priceMoves: number; removals: number }): {
  tickIds: string[];
  priceMoves: number;
  removals: number;
} {
  return { tickIds: e.versions.map(sharpApiRowId), priceMoves: e.priceMoves, removals: e.removals };
}

/** `current()` as tick ids: each odd's current version's tick id, or null when removed. */
export const sharpApiCurrentRowIds = (
  current: ReadonlyArray<{ id: string; version: OddVersion | null }>,
): Array<{ id: string; tickId: string | null }> =>
  current.map((o) => ({ id: o.id, tickId: o.version === null ? null : sharpApiRowId(o.version) }));
