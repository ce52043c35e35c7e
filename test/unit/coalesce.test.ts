import { describe, expect, it } from 'vitest';
import { coalescing } from '../../lib/warehouse/coalesce';

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
    const rest = [2, 3, 4].map((x) => call(x).then((v) => ({ v }), (e: Error) => ({ e: e.message })));
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
});
