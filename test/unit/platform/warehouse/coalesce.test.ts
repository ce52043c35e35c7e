import { afterEach, describe, expect, it, vi } from 'vitest';
import { coalescing, LINGER_MS } from '../../../../platform/warehouse/coalesce';

/** A batch runner that records each batch and finishes when told to. */
function recorder(fail: (x: number) => boolean = () => false) {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  const run = async (inputs: number[]) => {
    batches.push([...inputs]);
    await new Promise<void>((r) => gates.push(r));
    if (inputs.some(fail)) throw new Error(`bad input in [${inputs.join(',')}]`);
    return inputs.map((x) => x * 10);
  };
  const releaseAll = async () => {
    for (let i = 0; i < 50 && (gates.length > 0 || i < 3); i++) {
      gates.splice(0).forEach((g) => g());
      await new Promise((r) => setImmediate(r));
    }
  };
  return { batches, run, releaseAll };
}

describe('coalescing', () => {
  it('runs a call on an idle runner at once, and the calls that arrive meanwhile as one next batch', async () => {
    const r = recorder();
    const call = coalescing(r.run);
    const first = call(1);
    expect(r.batches).toEqual([[1]]);
    const rest = [2, 3, 4, 5].map((x) => call(x));
    expect(r.batches).toEqual([[1]]);
    await r.releaseAll();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
    expect(r.batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('answers each caller with its own output, in any order of arrival', async () => {
    const call = coalescing(async (xs: string[]) => xs.map((x) => x.toUpperCase()));
    expect(await Promise.all(['a', 'b', 'c', 'b'].map(call))).toEqual(['A', 'B', 'C', 'B']);
  });

  it('retries a failed batch one input at a time: only the bad input fails its caller', async () => {
    const r = recorder((x) => x === 3);
    const call = coalescing(r.run);
    const first = call(1);
    const rest = [2, 3, 4].map((x) =>
      call(x).then(
        (v) => ({ v }),
        (e: Error) => ({ e: e.message }),
      ),
    );
    await r.releaseAll();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([{ v: 20 }, { e: 'bad input in [3]' }, { v: 40 }]);
    expect(r.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('starts again after going idle', async () => {
    const r = recorder();
    const call = coalescing(r.run);
    const a = call(1);
    await r.releaseAll();
    await a;
    const b = call(2);
    expect(r.batches).toEqual([[1], [2]]);
    await r.releaseAll();
    expect(await b).toBe(20);
  });

  describe('lingering', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** Calls 1–3 concurrently and lets them finish: the runner has now seen concurrent callers. */
    async function afterABurst() {
      vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
      const r = recorder();
      const call = coalescing(r.run);
      const burst = [1, 2, 3].map((x) => call(x));
      await r.releaseAll();
      await Promise.all(burst);
      expect(r.batches).toEqual([[1], [2, 3]]);
      return { r, call };
    }

    it('after concurrent calls, the next batch gathers for LINGER_MS before it goes', async () => {
      const { r, call } = await afterABurst();
      const later = [4, 5].map((x) => call(x));
      await r.releaseAll();
      expect(r.batches).toHaveLength(2);
      vi.advanceTimersByTime(LINGER_MS - 1);
      const last = call(6);
      expect(r.batches).toHaveLength(2);
      vi.advanceTimersByTime(1);
      expect(r.batches[2]).toEqual([4, 5, 6]);
      await r.releaseAll();
      expect(await Promise.all([...later, last])).toEqual([40, 50, 60]);
    });

    it('a lone caller never waits: each of its calls goes at once', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
      const r = recorder();
      const call = coalescing(r.run);
      for (const x of [1, 2, 3]) {
        const p = call(x);
        expect(r.batches.at(-1)).toEqual([x]);
        await r.releaseAll();
        expect(await p).toBe(x * 10);
      }
    });

    it('after a quiet second the runner is idle again: the next call goes at once', async () => {
      const { r, call } = await afterABurst();
      vi.advanceTimersByTime(1_000);
      const p = call(7);
      expect(r.batches.at(-1)).toEqual([7]);
      await r.releaseAll();
      expect(await p).toBe(70);
    });

    it('lingerMs 0 turns it off', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
      const r = recorder();
      const call = coalescing(r.run, { lingerMs: 0 });
      const burst = [1, 2, 3].map((x) => call(x));
      await r.releaseAll();
      await Promise.all(burst);
      const p = call(4);
      expect(r.batches.at(-1)).toEqual([4]);
      await r.releaseAll();
      expect(await p).toBe(40);
    });
  });
});
