import { describe, expect, it } from 'vitest';
import { createDispatcher, forEachLimit } from '../../../../refresh/webhook/dispatcher';
import type { RefreshResponseRef } from '../../../../refresh/contracts';

const ref = (id: string): RefreshResponseRef => ({
  deliveryId: id,
  refreshResponseId: `RRES_${id}`,
  requestId: '',
  bettorAccountId: 'BACT_u',
  bettorId: null,
  bookAbbr: null,
  status: 200,
  detail: null,
  type: 'system',
  timeCreated: '2026-11-21T00:00:00.000Z',
  slipCount: 1,
  source: 'webhook',
});
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('webhook dispatcher', () => {
  it('retries a failed hand-over, then leaves it to the sweep, which hands it over once Temporal answers', async () => {
    let failing = true;
    const calls: string[] = [];
    const d = createDispatcher({
      dispatch: async (r) => {
        calls.push(r.deliveryId);
        if (failing) throw new Error('unavailable');
      },
      findUnloaded: async () => [ref('a')],
      retryDelaysMs: [1, 1],
    });
    d.enqueue(ref('a'));
    await d.drain();
    expect(calls).toEqual(['a', 'a', 'a']);
    expect(d.stats).toMatchObject({ dispatched: 0, gaveUp: 1 });
    failing = false;
    expect(await d.sweep()).toBe(1);
    await d.drain();
    expect(d.stats).toMatchObject({ dispatched: 1, swept: 1 });
    // Accepted now: a later sweep that still sees it unloaded leaves it alone.
    expect(await d.sweep()).toBe(0);
    expect(calls.length).toBe(4);
  });

  it('holds hand-overs while ingest is busy, and lets them go when it calms down or when they are due', async () => {
    let busy = true;
    const calls: string[] = [];
    const d = createDispatcher({
      dispatch: async (r) => void calls.push(r.deliveryId),
      isBusy: () => busy,
      maxDeferMs: 600,
    });
    d.enqueue(ref('x'));
    await tick(150);
    expect(calls).toEqual([]);
    busy = false;
    await tick(400); // re-checked every 250 ms
    expect(calls).toEqual(['x']);
    busy = true;
    d.enqueue(ref('y'));
    await tick(300);
    expect(calls).toEqual(['x']);
    await tick(600); // due after 600 ms even though ingest is still busy
    expect(calls).toEqual(['x', 'y']);
  });

  it('never runs more hand-overs at once than its concurrency, and a queued repeat of an id is one hand-over', async () => {
    let active = 0;
    let peak = 0;
    const d = createDispatcher({
      concurrency: 3,
      dispatch: async () => {
        peak = Math.max(peak, ++active);
        await tick(5);
        active--;
      },
    });
    for (let i = 0; i < 20; i++) d.enqueue(ref(`c${i % 10}`));
    await d.drain();
    expect(peak).toBe(3);
    // All 20 were queued before any finished: each repeat found its id still pending.
    expect(d.stats.dispatched).toBe(10);
  });

  it('abandon drops what is queued (the next start re-dispatches it) and stops retrying what is in flight', async () => {
    const calls: string[] = [];
    const d = createDispatcher({
      concurrency: 1,
      retryDelaysMs: [50, 50, 50],
      dispatch: async (r) => {
        calls.push(r.deliveryId);
        throw new Error('connection closed');
      },
    });
    d.enqueue(ref('p'));
    d.enqueue(ref('q'));
    await tick(10);
    expect(d.abandon()).toBe(1);
    await d.drain(1_000);
    await tick(120);
    expect(calls.filter((c) => c === 'q')).toEqual([]);
    expect(calls.filter((c) => c === 'p').length).toBeLessThanOrEqual(2);
  });

  it('forEachLimit visits every item with bounded concurrency and reports the first error after all ran', async () => {
    const seen: number[] = [];
    await expect(
      forEachLimit([1, 2, 3, 4, 5], 2, async (n) => {
        seen.push(n);
        if (n === 2) throw new Error('two');
      }),
    ).rejects.toThrow('two');
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
