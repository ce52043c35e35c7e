import { describe, expect, it } from 'vitest';
import { RecentLandings } from '../../../../refresh/landing/landed-responses';
import type { NormalizedRefreshResponse } from '../../../../schemas/sharpsports';

const rr = (id: string) => ({ id, status: 200, betSlips: [] }) as unknown as NormalizedRefreshResponse;

describe('recently landed responses (the load skips reading its own landing back)', () => {
  it('hands a remembered response out once; a second ask (a retried load) goes to the warehouse', () => {
    const ch = new RecentLandings();
    ch.remember('d-once', rr('RRES_once'), 100);
    expect(ch.take('d-once')?.id).toBe('RRES_once');
    expect(ch.take('d-once')).toBeUndefined();
    expect(ch.take('d-never')).toBeUndefined();
  });

  it('keeps the first body of a delivery id', () => {
    const ch = new RecentLandings();
    ch.remember('d-dup', rr('RRES_first'), 100);
    ch.remember('d-dup', rr('RRES_second'), 100);
    expect(ch.take('d-dup')?.id).toBe('RRES_first');
  });

  it('is bounded: the oldest go first past 4,096 entries, and an 8 MiB body is never held', () => {
    const ch = new RecentLandings();
    for (let i = 0; i < 5_000; i++) ch.remember(`d-many-${i}`, rr(`RRES_${i}`), 10);
    expect(ch.take('d-many-0')).toBeUndefined();
    expect(ch.take('d-many-903')).toBeUndefined();
    expect(ch.take('d-many-904')?.id).toBe('RRES_904');
    expect(ch.take('d-many-4999')?.id).toBe('RRES_4999');
    ch.remember('d-huge', rr('RRES_huge'), 8 * 2 ** 20 + 1);
    expect(ch.take('d-huge')).toBeUndefined();
  });

  it('is bounded by bytes: 32 MiB held at most', () => {
    const ch = new RecentLandings();
    for (let i = 0; i < 40; i++) ch.remember(`d-big-${i}`, rr(`RRES_big_${i}`), 2 ** 20);
    const held = Array.from({ length: 40 }, (_, i) => ch.take(`d-big-${i}`)).filter(Boolean).length;
    expect(held).toBeLessThanOrEqual(32);
    expect(held).toBeGreaterThan(0);
  });

  it("is kept per stack: another stack's delivery of the same id is not handed out", () => {
    const a = new RecentLandings();
    const b = new RecentLandings();
    a.remember('d-shared', rr('RRES_a'), 100);
    expect(b.take('d-shared')).toBeUndefined();
    expect(a.take('d-shared')?.id).toBe('RRES_a');
  });
});
