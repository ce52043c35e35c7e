/**
 * Waits for a count to reach `target` for as long as it keeps rising. How fast work drains
 * depends on the machine and on what else it runs (CI runs two test files at once), so a fixed
 * deadline either fails a slow machine or waits too long on a broken one. This fails when the
 * count has not moved for `stallMs` (default 2 min), or at `capMs` (default 15 min) whatever happens.
 */
export async function untilCountReaches(
  what: string,
  read: () => Promise<number>,
  target: number,
  opts: { stallMs?: number; capMs?: number; pollMs?: number; log?: (line: string) => void } = {},
): Promise<{ seconds: number; count: number }> {
  const { stallMs = 120_000, capMs = 900_000, pollMs = 1_000, log } = opts;
  const start = Date.now();
  let best = -1;
  let movedAt = start;
  let loggedAt = start;
  for (;;) {
    const n = await read();
    const now = Date.now();
    if (n > best) {
      best = n;
      movedAt = now;
    }
    const seconds = (now - start) / 1000;
    if (n >= target) return { seconds, count: n };
    if (log && now - loggedAt >= 15_000) {
      loggedAt = now;
      log(`${what}: ${n}/${target} after ${seconds.toFixed(0)} s`);
    }
    if (now - movedAt > stallMs)
      throw new Error(
        `${what}: stuck at ${n}/${target} for ${Math.round((now - movedAt) / 1000)} s (of ${seconds.toFixed(0)} s waited)`,
      );
    if (now - start > capMs)
      throw new Error(
        `${what}: only ${n}/${target} after ${seconds.toFixed(0)} s (cap ${capMs / 1000} s), though still rising`,
      );
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
