import { describe, expect, it } from 'vitest';
import { recentlyLanded, rememberLanded } from '../../lib/landed-responses';
import type { NormalizedRefreshResponse } from '../../schemas/sharpsports';

const rr = (id: string) => ({ id, status: 200, betSlips: [] }) as unknown as NormalizedRefreshResponse;

describe('recently landed responses (the load skips reading its own landing back)', () => {
  it('hands a remembered response out once; a second ask (a retried load) goes to the warehouse', () => {
    rememberLanded('d-once', rr('RRES_once'), 100);
    expect(recentlyLanded('d-once')?.id).toBe('RRES_once');
    expect(recentlyLanded('d-once')).toBeUndefined();
    expect(recentlyLanded('d-never')).toBeUndefined();
  });

  it('keeps the first body of a delivery id', () => {
    rememberLanded('d-dup', rr('RRES_first'), 100);
    rememberLanded('d-dup', rr('RRES_second'), 100);
    expect(recentlyLanded('d-dup')?.id).toBe('RRES_first');
  });

  it('is bounded: the oldest go first past 4,096 entries, and an 8 MiB body is never held', () => {
    for (let i = 0; i < 5_000; i++) rememberLanded(`d-many-${i}`, rr(`RRES_${i}`), 10);
    expect(recentlyLanded('d-many-0')).toBeUndefined();
    expect(recentlyLanded('d-many-903')).toBeUndefined();
    expect(recentlyLanded('d-many-904')?.id).toBe('RRES_904');
    expect(recentlyLanded('d-many-4999')?.id).toBe('RRES_4999');
    rememberLanded('d-huge', rr('RRES_huge'), 8 * 2 ** 20 + 1);
    expect(recentlyLanded('d-huge')).toBeUndefined();
  });

  it('is bounded by bytes: 32 MiB held at most', () => {
    for (let i = 0; i < 40; i++) rememberLanded(`d-big-${i}`, rr(`RRES_big_${i}`), 2 ** 20);
    const held = Array.from({ length: 40 }, (_, i) => recentlyLanded(`d-big-${i}`)).filter(Boolean).length;
    expect(held).toBeLessThanOrEqual(32);
    expect(held).toBeGreaterThan(0);
  });
});
