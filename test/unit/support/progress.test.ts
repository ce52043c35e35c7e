import { describe, expect, it } from 'vitest';
import { untilCountReaches } from '../../support/progress';

describe('untilCountReaches (the reliability tests wait on drained work with it)', () => {
  it('waits as long as the count keeps rising, past what a fixed stall window would allow', async () => {
    let n = 0;
    const r = await untilCountReaches('rows', async () => (n += 1), 30, { stallMs: 50, capMs: 5_000, pollMs: 5 });
    expect(r.count).toBe(30);
    expect(r.seconds).toBeGreaterThan(0.05); // longer than stallMs in all: a rising count is never a stall
  });

  it('fails, naming the count, when the count stops moving', async () => {
    let n = 0;
    const read = async () => Math.min((n += 1), 7);
    await expect(untilCountReaches('rows', read, 10, { stallMs: 60, capMs: 5_000, pollMs: 5 })).rejects.toThrow(
      /rows: stuck at 7\/10/,
    );
  });

  it('fails at the cap even while the count still rises', async () => {
    let n = 0;
    await expect(
      untilCountReaches('rows', async () => (n += 1), 1e9, { stallMs: 1_000, capMs: 80, pollMs: 5 }),
    ).rejects.toThrow(/still rising/);
  });
});
