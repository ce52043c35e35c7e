// The events of one chunk of one group's stream: dedupe by entry id, detect gaps, emit as one batch.
import type { CanonicalRows } from '../../schemas/odds';
import type { SseEvent } from '../sse';
import type { FeedCheckpoint } from '../types';
import { compareEntryIds, entryCreatedMs, parseEntryId } from './ids';
import { eventName, mapOpticOddsEvent } from './mapping';
import type { GroupState, StreamRun } from './run';

const HANDLED_EVENTS = new Set(['copilot-odds', 'copilot-locked-odds', 'copilot-settled-odds', 'fixture-status']);
const KNOWN_EVENTS = new Set(['connected', 'ping', ...HANDLED_EVENTS]);

/** Processes the events of one chunk and emits them as one batch; returns the updated firstChecked. */
export async function handle(
  run: StreamRun,
  st: GroupState,
  events: SseEvent[],
  c: { resumeFrom: string | null; openedAt: number; tolerance: number; firstChecked: boolean },
): Promise<boolean> {
  const { ctx, log, health, fixtures, positions, serial, reject, gap } = run;
  let firstChecked = c.firstChecked;
  const rows: CanonicalRows = { ticks: [], settlements: [], fixtures: [] };
  let advanced = false;
  const receivedAt = new Date().toISOString();
  for (const ev of events) {
    health.messages++;
    health.lastMessageAt = receivedAt;
    const name = KNOWN_EVENTS.has(ev.event) ? ev.event : eventName(ev.event);
    if (name === 'connected' || name === 'ping') {
      if (name === 'connected') log.info('opticodds.connected', { group: st.group.key, resumeFrom: c.resumeFrom });
      continue;
    }
    if (!HANDLED_EVENTS.has(name)) {
      await reject({
        raw: ev.data,
        reason: 'unknown_event',
        detail: `unexpected SSE event "${ev.event}" on ${st.group.key}`,
      });
      continue;
    }
    const m = mapOpticOddsEvent(name, ev.data, receivedAt, fixtures);
    if (!m.ok) {
      await reject(m.reject);
      continue;
    }
    const { entryId } = m.entry;
    // An entry id not in the "<ms>-<seq>" form still loads (its rows' ids are deterministic), but
    // nothing can be ordered against it, so it is neither deduped on nor resumed from.
    const positional = parseEntryId(entryId) !== null;
    if (!positional && !st.warnedEntryId) {
      st.warnedEntryId = true;
      log.warn('opticodds.entry_id_unordered', {
        group: st.group.key,
        entryId,
        detail: 'not "<ms>-<seq>": loaded, but the resume position stays at the last ordered entry',
      });
    }
    if (positional && st.position !== null) {
      const cmp = compareEntryIds(entryId, st.position);
      if (cmp < 0 || (cmp === 0 && st.atPosition.has(ev))) {
        log.debug('opticodds.duplicate_entry', { group: st.group.key, entryId, position: st.position });
        continue;
      }
    }
    if (positional && !firstChecked && c.resumeFrom !== null && compareEntryIds(entryId, c.resumeFrom) > 0) {
      firstChecked = true;
      const created = entryCreatedMs(entryId, m.entry.payloadTimeMs);
      if (created >= c.openedAt - c.tolerance) {
        await gap({
          reason: 'entry_id_gap',
          from: c.resumeFrom,
          to: entryId,
          detail:
            `${st.group.key}: resumed with last_entry_id=${c.resumeFrom} but the first new entry ${entryId} was created ` +
            `${created - c.openedAt} ms after the reconnect, so nothing was replayed: entries after ${c.resumeFrom} and before ${entryId} may be missing ` +
            `(or the stream was quiet while disconnected).`,
        });
      }
    }
    for (const r of m.entry.rejects) await reject(r);
    if (positional) {
      if (st.position === null || compareEntryIds(entryId, st.position) !== 0) st.atPosition.clear();
      st.position = entryId;
      st.atPosition.add(ev);
    }
    advanced = true;
    rows.ticks.push(...m.entry.rows.ticks);
    rows.settlements.push(...m.entry.rows.settlements);
    rows.fixtures.push(...m.entry.rows.fixtures);
  }
  if (advanced) {
    const position = st.position;
    await serial(async () => {
      if (position !== null) positions[st.group.key] = position;
      const checkpoint: FeedCheckpoint = { position: JSON.stringify(positions) };
      await ctx.emit(rows, checkpoint);
    });
    for (const t of rows.ticks) if (!health.lastTickTs || t.ts > health.lastTickTs) health.lastTickTs = t.ts;
  }
  ctx.health({ messages: health.messages, lastMessageAt: health.lastMessageAt, lastTickTs: health.lastTickTs });
  return firstChecked;
}
