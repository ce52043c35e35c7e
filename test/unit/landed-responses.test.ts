import { describe, expect, it } from 'vitest';
import { recentlyLanded, rememberLanded } from '../../refresh/landing/landed-responses';
import type { NormalizedRefreshResponse } from '../../schemas/sharpsports';
import type { Warehouse } from '../../platform/warehouse/client';

const rr = (id: string) => ({ id, status: 200, betSlips: [] }) as unknown as NormalizedRefreshResponse;
// Only the identity of the warehouse matters: entries are kept per warehouse.
const warehouse = () => ({}) as unknown as Warehouse;

describe('recently landed responses (the load skips reading its own landing back)', () => {
  it('hands a remembered response out once; a second ask (a retried load) goes to the warehouse', () => {
    const ch = warehouse();
    rememberLanded(ch, 'd-once', rr('RRES_once'), 100);
    expect(recentlyLanded(ch, 'd-once')?.id).toBe('RRES_once');
    expect(recentlyLanded(ch, 'd-once')).toBeUndefined();
    expect(recentlyLanded(ch, 'd-never')).toBeUndefined();
  });

  it('keeps the first body of a delivery id', () => {
    const ch = warehouse();
    rememberLanded(ch, 'd-dup', rr('RRES_first'), 100);
    rememberLanded(ch, 'd-dup', rr('RRES_second'), 100);
    expect(recentlyLanded(ch, 'd-dup')?.id).toBe('RRES_first');
  });

  it('is bounded: the oldest go first past 4,096 entries, and an 8 MiB body is never held', () => {
    const ch = warehouse();
    for (let i = 0; i < 5_000; i++) rememberLanded(ch, `d-many-${i}`, rr(`RRES_${i}`), 10);
    expect(recentlyLanded(ch, 'd-many-0')).toBeUndefined();
    expect(recentlyLanded(ch, 'd-many-903')).toBeUndefined();
    expect(recentlyLanded(ch, 'd-many-904')?.id).toBe('RRES_904');
    expect(recentlyLanded(ch, 'd-many-4999')?.id).toBe('RRES_4999');
    rememberLanded(ch, 'd-huge', rr('RRES_huge'), 8 * 2 ** 20 + 1);
    expect(recentlyLanded(ch, 'd-huge')).toBeUndefined();
  });

  it('is bounded by bytes: 32 MiB held at most', () => {
    const ch = warehouse();
    for (let i = 0; i < 40; i++) rememberLanded(ch, `d-big-${i}`, rr(`RRES_big_${i}`), 2 ** 20);
    const held = Array.from({ length: 40 }, (_, i) => recentlyLanded(ch, `d-big-${i}`)).filter(Boolean).length;
    expect(held).toBeLessThanOrEqual(32);
    expect(held).toBeGreaterThan(0);
  });

  it("is kept per warehouse: another stack's delivery of the same id is not handed out", () => {
    const a = warehouse();
    const b = warehouse();
    rememberLanded(a, 'd-shared', rr('RRES_a'), 100);
    expect(recentlyLanded(b, 'd-shared')).toBeUndefined();
    expect(recentlyLanded(a, 'd-shared')?.id).toBe('RRES_a');
  });
});
