/**
 * A refused feed record run again, alone, through today's mapping: the same functions live
 * ingestion calls, so a record that loads now gets the tick/settlement id it would have had live
 * (replaying it can never duplicate a loaded row). `context` is what the adapter recorded with
 * the refusal (feeds/*: refusedOdd, refusedOutcome, the poller's records).
 */
import type { CanonicalRows } from '../schemas/odds';
import { BoltOddsState } from './boltodds/state';
import { parseBoltOddsMessage } from './boltodds/message';
import { FixtureCache, mapOpticOddsEvent, type FixtureInfo } from './opticodds/mapping';
import { mapSharpApiOdd, removedIdOf, sharpApiRemovalTick } from './sharpapi/mapping';

export interface Remapped {
  rows: CanonicalRows;
  /** Non-empty when today's code still refuses the record. */
  refused: { reason: string; detail: string }[];
}

const none = (): CanonicalRows => ({ ticks: [], settlements: [], fixtures: [] });
const refused = (reason: string, detail: string): Remapped => ({ rows: none(), refused: [{ reason, detail }] });
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function parse(raw: string): { ok: true; value: unknown } | { ok: false; out: Remapped } {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch (e) {
    return { ok: false, out: refused('malformed_json', (e as Error).message) };
  }
}

function opticodds(raw: string, c: Record<string, unknown>, receivedAt: string): Remapped {
  const event = text(c.event);
  if (!event) return refused('context', 'no event in the rejection context');
  const cache = new FixtureCache();
  let data = raw;
  if (event !== 'fixture-status') {
    const entryId = text(c.entry_id);
    if (!entryId) return refused('context', 'no entry_id in the rejection context');
    const item = parse(raw);
    if (!item.ok) return item.out;
    const fixtureId = (item.value as { fixture_id?: unknown } | null)?.fixture_id;
    if (typeof fixtureId === 'string' && c.fixture && typeof c.fixture === 'object')
      cache.set(fixtureId, c.fixture as FixtureInfo);
    data = JSON.stringify({ entry_id: entryId, data: [item.value] });
  }
  const m = mapOpticOddsEvent(event, data, receivedAt, cache);
  if (!m.ok) return refused(m.reject.reason, m.reject.detail);
  return { rows: m.entry.rows, refused: m.entry.rejects.map(({ reason, detail }) => ({ reason, detail })) };
}

function boltodds(raw: string, c: Record<string, unknown>, receivedAt: string): Remapped {
  const key = text(c.outcome_key);
  if (!key) return refused('context', 'no outcome_key in the rejection context');
  const outcome = parse(raw);
  if (!outcome.ok) return outcome.out;
  const { action, timestamp, outcome_key: _key, ...game } = c;
  const p = parseBoltOddsMessage({ action, timestamp, data: { ...game, outcomes: { [key]: outcome.value } } });
  if (!p.ok) return refused(p.reason, p.detail);
  const msg = p.msg;
  switch (msg.action) {
    case 'initial_state':
    case 'game_update':
    case 'game_added':
    case 'line_update': {
      // A fresh state: the outcome is this game's only one, so it maps to exactly its own tick.
      const r = new BoltOddsState().apply(msg, receivedAt);
      return {
        rows: { ...none(), ticks: r.ticks },
        refused: r.rejects.map(({ reason, detail }) => ({ reason, detail })),
      };
    }
    default:
      return refused('context', `action ${msg.action} carries no outcome to map`);
  }
}

function sharpapi(raw: string, c: Record<string, unknown>, receivedAt: string): Remapped {
  const row = parse(raw);
  if (!row.ok) return row.out;
  if (c.kind === 'removed') {
    const since = text(c.window_since);
    if (!since || Number.isNaN(Date.parse(since)))
      return refused('context', 'no window_since in the rejection context');
    const r = removedIdOf(row.value);
    if (!r.ok) return refused(r.reason, r.detail);
    return { rows: { ...none(), ticks: [sharpApiRemovalTick(r.id, since, null, undefined, receivedAt)] }, refused: [] };
  }
  const m = mapSharpApiOdd(row.value, receivedAt);
  return m.ok ? { rows: { ...none(), ticks: [m.tick] }, refused: [] } : refused(m.reason, m.detail);
}

const BY_SOURCE: Record<string, (raw: string, c: Record<string, unknown>, receivedAt: string) => Remapped> = {
  opticodds,
  boltodds,
  sharpapi,
};

/** Maps one refused record again; throws for a source that has no feed mapping. */
export function remapRefused(
  source: string,
  raw: string,
  context: Record<string, unknown>,
  receivedAt: string,
): Remapped {
  const remap = Object.hasOwn(BY_SOURCE, source) ? BY_SOURCE[source] : undefined;
  if (!remap) throw new Error(`no feed replay for source "${source}" (feeds: ${Object.keys(BY_SOURCE).join(', ')})`);
  return remap(raw, context, receivedAt);
}
