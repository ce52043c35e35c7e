// One window: every page for one `since` (see index.ts for how pages overlap and continue).
import type { OddsTick } from '../../schemas/odds';
import type { SharpApiDeltaResponse } from '../../schemas/sharpapi';
import type { FeedGap, FeedRunContext } from '../types';
import { sharpApiRemovalTickId } from './ids';
import { sharpApiRemovalTick } from './mapping';
import type { DescribedOdd } from '../types';
import { SHARPAPI_REMOVAL_RETENTION_MS } from './options';

export type Page =
  { kind: 'ok'; body: SharpApiDeltaResponse; receivedAt: string } | { kind: 'offset_too_large' } | { kind: 'aborted' };

/** What pollWindow uses of the poller (poller.ts): its requests, emits, gaps and what it knows of odds. */
export interface WindowPoller {
  readonly ctx: FeedRunContext;
  readonly known: Map<string, DescribedOdd>;
  /** Fills `known` for removed odds quoted before this run (from the warehouse), so their removals match. */
  describeUnknown(ids: string[], windowSince: string): Promise<void>;
  /** Which of these removal tick ids the warehouse already holds (at or after `since`). */
  storedRemovals(tickIds: string[], since: string): Promise<Set<string>>;
  readonly limit: number;
  /** Lowered if the server's offset cap turns out smaller than documented. */
  offsetCap: number;
  fetchPage(since: string, offset: number, notBefore: number): Promise<Page>;
  /** Row `index` of a page's data → its tick, or null when refused (the poller records it). */
  toTick(raw: unknown, receivedAt: string, index: number): Promise<OddsTick | null>;
  /** The usable ids of a page's `removed` list (the poller records the entries that name none). */
  removedIds(entries: readonly unknown[], windowSince: string): Promise<string[]>;
  emit(ticks: OddsTick[], position: string): Promise<void>;
  flagOnce(flagged: Set<string>, gap: FeedGap): Promise<void>;
  gap(gap: FeedGap): Promise<void>;
}

/**
 * Polls every page of one window; returns the next window's `since` (null when aborted).
 * `replay`: the window starts at the checkpoint a restart resumed from, so a crash may have stored
 * some of its rows already.
 */
export async function pollWindow(
  poller: WindowPoller,
  base: string,
  notBefore: number,
  replay = false,
): Promise<string | null> {
  const ctx = poller.ctx;
  const emittedTicks = new Set<string>();
  /** Removals emitted, stored before a crash, or superseded by a re-listing in this window. */
  const emittedRemovals = new Set<string>();
  /** The latest quote of each odd read on an earlier page of this window. */
  const quotedAt = new Map<string, string>();
  const flagged = new Set<string>();
  let since = base;
  let offset = 0;
  let prevLastKey: string | null = null;
  /** last_seen_at of the last row of the contiguous, verified-ascending prefix read since `since`. */
  let contiguousMs: number | null = null;
  let ascending = true;

  for (;;) {
    const page = await poller.fetchPage(since, offset, notBefore);
    notBefore = 0;
    if (page.kind === 'aborted') return null;
    if (page.kind === 'offset_too_large') {
      ctx.log.warn('sharpapi.offset_too_large', { since, offset });
      poller.offsetCap = Math.max(0, Math.min(poller.offsetCap, offset - 1));
    }
    let body: SharpApiDeltaResponse | null = null;
    let shifted = false;
    let serverTime = since;
    const ticks: OddsTick[] = [];
    if (page.kind === 'ok') {
      body = page.body;
      serverTime = body.meta.server_time;
      const removed = await poller.removedIds(body.removed ?? [], base);
      if (body.since_clamped)
        await poller.flagOnce(flagged, {
          reason: 'since_clamped',
          from: since,
          to: new Date(Date.parse(serverTime) - SHARPAPI_REMOVAL_RETENTION_MS).toISOString(),
          detail: `since ${since} is older than SharpAPI's 10-minute removal retention: odds removed before the "to" time are not reported`,
        });
      if (body.removed_truncated)
        await poller.flagOnce(flagged, {
          reason: 'removed_truncated',
          from: since,
          to: serverTime,
          detail: `the removed list hit SharpAPI's cap (${body.removed?.length ?? 0} entries reported): more odds were removed than reported`,
        });
      if (offset > 0) shifted = body.data.length === 0 || rowKey(body.data[0]) !== prevLastKey;
      const inData = new Set<string>();
      let pageLastMs: number | null = null;
      for (const [i, raw] of body.data.entries()) {
        const tick = await poller.toTick(raw, page.receivedAt, i);
        if (!tick) continue;
        inData.add(tick.provider_odd_id);
        const ms = Date.parse(tick.ts);
        if ((pageLastMs ?? contiguousMs ?? -Infinity) > ms) ascending = false;
        pageLastMs = ms;
        if (emittedTicks.has(tick.tick_id)) continue;
        emittedTicks.add(tick.tick_id);
        ticks.push(tick);
      }
      if (!shifted && pageLastMs !== null) contiguousMs = pageLastMs;
      // A removed id that is also in `data` was re-listed after its removal: the quote is the newer
      // state, on this page and on the later ones (whose data no longer holds it).
      for (const id of removed) if (inData.has(id)) emittedRemovals.add(id);
      let pulled = removed.filter((id) => !emittedRemovals.has(id));
      if (replay && pulled.length) {
        // What was first described by a quote of this window's first run is not described the same
        // way now (that quote is gone from `data`): a second copy under other key columns would be a
        // second row for FINAL. The stored copy stays the only one.
        const tickIds = pulled.map((id) => sharpApiRemovalTickId(id, base));
        const stored = await poller.storedRemovals(tickIds, base);
        for (const [i, id] of pulled.entries()) if (stored.has(tickIds[i])) emittedRemovals.add(id);
        pulled = pulled.filter((id) => !emittedRemovals.has(id));
      }
      await poller.describeUnknown(pulled, base);
      for (const id of pulled) {
        emittedRemovals.add(id);
        ticks.push(sharpApiRemovalTick(id, base, quotedAt.get(id) ?? null, poller.known.get(id), page.receivedAt));
      }
      for (const t of ticks)
        if (!t.removed && (quotedAt.get(t.provider_odd_id) ?? '') < t.ts) quotedAt.set(t.provider_odd_id, t.ts);
    }

    const rowsOnPage = body?.data.length ?? 0;
    const hasMore =
      body !== null &&
      rowsOnPage > 0 &&
      (body.meta.pagination?.has_more ?? offset + rowsOnPage < (body.meta.total ?? 0));
    // A shifted last page may have skipped the rows that slid before its offset: not done yet.
    if (body !== null && !hasMore && !shifted) {
      await poller.emit(ticks, serverTime);
      return serverTime;
    }
    if (ticks.length) await poller.emit(ticks, base);

    const nextOffset = offset + rowsOnPage - 1;
    if (body !== null && !shifted && rowsOnPage > 1 && nextOffset <= poller.offsetCap) {
      offset = nextOffset;
      prevLastKey = rowKey(body.data[rowsOnPage - 1]);
      continue;
    }
    // Past the offset cap (or rows moved under us): continue from the last contiguous row.
    const sinceMs = Date.parse(since);
    if (ascending && contiguousMs !== null && contiguousMs > sinceMs) {
      let nextMs = contiguousMs - 1;
      if (nextMs <= sinceMs) {
        nextMs = contiguousMs;
        await poller.gap({
          reason: 'offset_cap',
          from: since,
          to: new Date(nextMs).toISOString(),
          detail: `more than ${poller.offsetCap + poller.limit} odds share last_seen_at ${new Date(nextMs).toISOString()}; those past the offset cap are skipped`,
        });
      }
      ctx.log.debug('sharpapi.keyset', { since, next: new Date(nextMs).toISOString(), offset, shifted });
      since = new Date(nextMs).toISOString();
      offset = 0;
      prevLastKey = null;
      contiguousMs = null;
      continue;
    }
    // No verified last_seen_at order to continue from (the server ignored `sort`, or no row was valid).
    await poller.gap({
      reason: 'offset_cap',
      from: since,
      to: serverTime,
      detail: `more than ${offset + rowsOnPage} changes since ${since} and no last_seen_at-ordered prefix to continue from (${ascending ? 'no valid row' : 'rows not ordered by last_seen_at'}): the rest of the window cannot be paged past offset ${poller.offsetCap}`,
    });
    await poller.emit([], serverTime);
    return serverTime;
  }
}

/** Identity of a row for the page-overlap check: a changed odd has a new last_seen_at. */
function rowKey(raw: unknown): string {
  const r = raw as { id?: unknown; last_seen_at?: unknown } | null;
  return r && typeof r.id === 'string' && typeof r.last_seen_at === 'string'
    ? `${r.id}@${r.last_seen_at}`
    : JSON.stringify(raw);
}
