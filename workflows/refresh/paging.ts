import type { RefreshResponseRef } from '../../refresh/contracts';
import type { PagingCursor } from './messages';

/**
 * Paging a 202 response: the cursor accountRefresh carries from page to page (and across
 * continueAsNew), as pure functions. Imported by the workflow, so nothing here may reach Node
 * built-ins, I/O, clocks or randomness: the same cursor and page always give the same answer.
 */

/** Passes over a paged response whose listing keeps changing before the run says slips may be missing. */
export const MAX_PAGING_PASSES = 4;

/** What the cursor needs of one loaded page (loadBetSlipPage's answer). */
export interface PageRead {
  totalPages: number;
  slips: number;
  bets: number;
  /** Which slips the page listed, in order. */
  digest?: string;
}

export interface PageStep {
  cursor: PagingCursor;
  /** Paging is over: mark the response loaded with the cursor's sums. */
  settled: boolean;
  /** The pass just ended and the listing moved: page again from page 1 (the cursor is already reset). */
  repage: boolean;
  /** Set when settled after the listing moved: what the run row says about it. */
  listingChanged: string | null;
}

export const firstCursor = (ref: RefreshResponseRef): PagingCursor => ({
  ref,
  nextPage: 1,
  totalPages: 1,
  slips: 0,
  bets: 0,
  pages: 0,
});

/** loadBetSlipPage's input for the cursor's next page (a first pass names no pass). */
export function pageToLoad(
  cursor: PagingCursor,
  pageSize: number,
): { ref: RefreshResponseRef; pageNum: number; pageSize: number; pass?: number } {
  const pass = cursor.pass ?? 1;
  return { ref: cursor.ref, pageNum: cursor.nextPage, pageSize, ...(pass > 1 ? { pass } : {}) };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The cursor after `page` (the page `pageToLoad(cursor)` named), and whether the paging is over. */
export function afterPage(cursor: PagingCursor, page: PageRead): PageStep {
  const pass = cursor.pass ?? 1;
  const at = cursor.nextPage;
  const c: PagingCursor = { ...cursor };
  // The listing changed under us (slips added, or moved to another response): pages shifted, so
  // this pass may have skipped slips.
  if (at > 1 && page.totalPages !== cursor.totalPages) {
    c.changed ??= `totalPages changed while paging (${cursor.totalPages} → ${page.totalPages} at page ${at})`;
    c.lastChange = `pass ${pass}: totalPages ${cursor.totalPages} → ${page.totalPages} at page ${at}`;
    c.changedInPass = pass;
  }
  Object.assign(c, {
    digests: [...(cursor.digests ?? []), page.digest ?? ''],
    totalPages: page.totalPages,
    slips: cursor.slips + page.slips,
    bets: cursor.bets + page.bets,
    pages: cursor.pages + 1,
    nextPage: at + 1,
  });
  const step = (settled: boolean, listingChanged: string | null = null): PageStep => ({
    cursor: c,
    settled,
    repage: false,
    listingChanged,
  });
  if (c.nextPage <= c.totalPages) return step(false);
  if (pass === 1 && c.changedInPass !== 1) return step(true);
  // Once the listing has moved, only two consecutive passes that read the same slips in the same
  // order (and no page count change inside the later one) show that nothing was skipped.
  if (pass > 1 && c.changedInPass !== pass && sameList(c.digests ?? [], c.previousDigests ?? [])) {
    return step(true, `${c.changed}; re-paged from page 1: passes ${pass - 1} and ${pass} read the same listing`);
  }
  if (pass >= MAX_PAGING_PASSES) {
    const moved = c.changedInPass === pass ? c.lastChange : `pass ${pass} listed other slips than pass ${pass - 1}`;
    return step(
      true,
      `${c.changed}; paged ${pass} times and the listing kept moving (${moved}): slips may be missing, backfill the account`,
    );
  }
  // Re-page from page 1: slips are upserts keyed by id, so what an earlier pass stored is stored again, not twice.
  return {
    cursor: { ...c, pass: pass + 1, nextPage: 1, totalPages: 1, previousDigests: c.digests, digests: [] },
    settled: false,
    repage: true,
    listingChanged: null,
  };
}
