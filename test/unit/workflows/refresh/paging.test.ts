import { describe, expect, it } from 'vitest';
import type { RefreshResponseRef } from '../../../../refresh/contracts';
import type { PagingCursor } from '../../../../workflows/refresh/messages';
import {
  afterPage,
  firstCursor,
  MAX_PAGING_PASSES,
  pageToLoad,
  type PageStep,
} from '../../../../workflows/refresh/paging';

/**
 * The paging cursor of accountRefresh (workflows/refresh/paging.ts), without Temporal: a listing
 * says what page `pageNum` of pass `pass` answers, and the loop below is the workflow's own
 * (load pageToLoad(cursor), then afterPage) until a step is settled. The messages are the run
 * row's detail, the same strings test/workflow/account-refresh.test.ts reads from a real run.
 */
const ref = {
  refreshResponseId: 'RRES_1',
  requestId: 'req-1',
  status: 202,
  type: 'manual',
  bettorAccountId: 'BACT_1',
} as RefreshResponseRef;
type Listing = (pass: number, pageNum: number) => { totalPages: number; digest: string };

function page(cursor: PagingCursor, listing: Listing) {
  const { pass = 1, pageNum } = pageToLoad(cursor, 100);
  return { slips: 10, bets: 12, ...listing(pass, pageNum) };
}

function pageThrough(listing: Listing, resume?: PagingCursor) {
  let cursor = resume ?? firstCursor(ref);
  const read: string[] = [];
  const steps: PageStep[] = [];
  for (let i = 0; i < 100; i++) {
    read.push(`${cursor.pass ?? 1}:${cursor.nextPage}`);
    const step = afterPage(cursor, page(cursor, listing));
    steps.push(step);
    cursor = step.cursor;
    if (step.settled) return { read, steps, last: step };
  }
  throw new Error('paging never settled');
}

describe('paging a 202 response (workflows/refresh/paging.ts)', () => {
  it('a listing that stays put: pages 1..totalPages once and settles with the per-page sums, nothing to say', () => {
    const { read, steps, last } = pageThrough(() => ({ totalPages: 3, digest: 'same' }));
    expect(read).toEqual(['1:1', '1:2', '1:3']);
    expect(steps.map((s) => [s.settled, s.repage])).toEqual([
      [false, false],
      [false, false],
      [true, false],
    ]);
    expect(last.listingChanged).toBeNull();
    expect(last.cursor).toMatchObject({ pages: 3, slips: 30, bets: 36, nextPage: 4, totalPages: 3 });
    expect(last.cursor.pass).toBeUndefined();
  });

  it('names the pass to loadBetSlipPage only after the first one', () => {
    expect(pageToLoad(firstCursor(ref), 50)).toEqual({ ref, pageNum: 1, pageSize: 50 });
    expect(pageToLoad({ ...firstCursor(ref), pass: 2, nextPage: 3 }, 50)).toEqual({
      ref,
      pageNum: 3,
      pageSize: 50,
      pass: 2,
    });
  });

  it('totalPages changes mid-pass: re-pages from page 1 until two passes read the same listing', () => {
    const { read, steps, last } = pageThrough((pass, pageNum) => ({
      totalPages: pass === 1 && pageNum === 1 ? 3 : 4,
      digest: pass === 1 ? `old-${pageNum}` : `new-${pageNum}`,
    }));
    expect(read).toEqual(['1:1', '1:2', '1:3', '1:4', '2:1', '2:2', '2:3', '2:4', '3:1', '3:2', '3:3', '3:4']);
    // The workflow takes the deprecated 'repage-on-listing-change' marker's place exactly where a step says repage.
    expect(steps.map((s, i) => (s.repage ? i : -1)).filter((i) => i >= 0)).toEqual([3, 7]);
    expect(last.listingChanged).toBe(
      'totalPages changed while paging (3 → 4 at page 2); re-paged from page 1: passes 2 and 3 read the same listing',
    );
    expect(last.cursor).toMatchObject({ pass: 3, pages: 12, slips: 120 });
  });

  it(`a listing that never settles: gives up after ${MAX_PAGING_PASSES} passes and says slips may be missing`, () => {
    const { read, last } = pageThrough((pass, pageNum) => ({
      totalPages: pageNum === 1 ? pass + 1 : pass + 2,
      digest: `p${pass}-${pageNum}`,
    }));
    expect(read.map((r) => Number(r.split(':')[0]))).toEqual([1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4]);
    expect(last.listingChanged).toBe(
      'totalPages changed while paging (2 → 3 at page 2); paged 4 times and the listing kept moving (pass 4: totalPages 5 → 6 at page 2): slips may be missing, backfill the account',
    );
  });

  it('negative control: a listing that moves without changing totalPages in later passes still needs two equal passes', () => {
    const { read, last } = pageThrough((pass, pageNum) => ({
      totalPages: pass === 1 && pageNum === 1 ? 2 : 3,
      digest: pageNum === 1 ? `p${Math.min(pass, 3)}` : `same-${pageNum}`,
    }));
    expect(read.map((r) => Number(r.split(':')[0]))).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    expect(last.listingChanged).toBe(
      'totalPages changed while paging (2 → 3 at page 2); re-paged from page 1: passes 3 and 4 read the same listing',
    );
  });

  it('the last pass moved only its slips (same page count): says which passes differed', () => {
    const { read, last } = pageThrough((pass, pageNum) => ({
      totalPages: pass === 1 && pageNum === 1 ? 2 : 3,
      digest: `p${pass}-${pageNum}`,
    }));
    expect(read).toHaveLength(4 * 3);
    expect(last.listingChanged).toBe(
      'totalPages changed while paging (2 → 3 at page 2); paged 4 times and the listing kept moving (pass 4 listed other slips than pass 3): slips may be missing, backfill the account',
    );
  });

  it('page 1 sets totalPages: a count different from the cursor start is no change', () => {
    const { steps, last } = pageThrough(() => ({ totalPages: 2, digest: 'd' }));
    expect(steps).toHaveLength(2);
    expect(last.cursor.changed).toBeUndefined();
    expect(last.listingChanged).toBeNull();
  });

  it('a cursor carried across continueAsNew resumes where it stopped, with the same outcome', () => {
    const listing: Listing = (pass, pageNum) => ({
      totalPages: pass === 1 && pageNum === 1 ? 3 : 4,
      digest: pass === 1 ? `old-${pageNum}` : `new-${pageNum}`,
    });
    const whole = pageThrough(listing);
    for (const at of [1, 3, 4, 6]) {
      const carried = structuredClone(whole.steps[at].cursor);
      const resumed = pageThrough(listing, carried);
      expect(resumed.last).toEqual(whole.last);
    }
  });

  it('is pure: the cursor it is given is left as it was', () => {
    const cursor: PagingCursor = {
      ...firstCursor(ref),
      nextPage: 2,
      totalPages: 3,
      pages: 1,
      slips: 10,
      bets: 12,
      digests: ['a'],
    };
    const before = structuredClone(cursor);
    afterPage(cursor, { totalPages: 4, slips: 10, bets: 12, digest: 'b' });
    afterPage({ ...cursor, nextPage: 3 }, { totalPages: 3, slips: 10, bets: 12, digest: 'c' });
    expect(cursor).toEqual(before);
  });
});
