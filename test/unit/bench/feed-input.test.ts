import { describe, expect, it } from 'vitest';
import { fastSse, generateSse } from '../../../bench/feed-input';
import { SseParser } from '../../../feeds/sse';

// The feed benchmark measures linehouse on fastSse's bytes: they must be the reference stream's.
describe('bench input', () => {
  it.each([1, 10, 12_345, 300_007])('fastSse(%i) yields the same bytes as the reference generator', (ticks) => {
    const fast = [...fastSse(ticks)];
    expect(Buffer.concat(fast).equals(Buffer.concat([...generateSse(ticks)]))).toBe(true);
    // Reads are socket-sized, and every entry is one parsable copilot-odds event.
    expect(fast.slice(0, -1).every((c) => c.length === 64 * 1024)).toBe(true);
    const parser = new SseParser();
    const all = fast.flatMap((c) => parser.push(c));
    expect(all).toHaveLength(Math.ceil(ticks / 10));
    expect(all.reduce((n, e) => n + (JSON.parse(e.data) as { data: unknown[] }).data.length, 0)).toBe(ticks);
  });
});
