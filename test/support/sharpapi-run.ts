/**
 * The SharpAPI adapter against its sandbox, for the adapter's test files: a manual-clock sandbox,
 * the adapter running on an in-memory FeedRunContext, and waits for "caught up to the server".
 * Call sharpApiHarness() at the top of a test file: it stops what each test started.
 */
import { afterEach, expect } from 'vitest';
import { createSharpApiAdapter, type SharpApiAdapterOptions } from '../../feeds/sharpapi';
import { startSharpApiSandbox, type SharpApiSandbox, type SharpApiSandboxOptions } from '../../sandbox/sharpapi';
import { createTestFeedContext, type TestFeedContext } from './feed-context';
import { sharpApiCurrentRowIds } from './reliability/truth-ids';

export const SHARPAPI_TEST_KEY = 'sk_test_sharpapi';
const ROOMY = { limit: 1_000_000, windowMs: 60_000 };

export interface Running {
  sb: SharpApiSandbox;
  ctx: TestFeedContext;
  done: Promise<void>;
}

export function sharpApiHarness() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function sandbox(opts: Partial<SharpApiSandboxOptions> = {}): Promise<SharpApiSandbox> {
    const sb = await startSharpApiSandbox({
      apiKey: SHARPAPI_TEST_KEY,
      clock: 'manual',
      seed: 7,
      changesPerSecond: 100,
      rateLimit: ROOMY,
      ...opts,
    });
    cleanups.push(() => sb.close());
    return sb;
  }

  function runAdapter(
    sb: SharpApiSandbox,
    opts: Partial<SharpApiAdapterOptions> = {},
    ctx = createTestFeedContext(),
  ): Running {
    const adapter = createSharpApiAdapter({ baseUrl: sb.url, apiKey: SHARPAPI_TEST_KEY, pollIntervalMs: 5, ...opts });
    const done = adapter.run(ctx);
    cleanups.push(async () => {
      ctx.abort();
      await done.catch(() => undefined);
    });
    return { sb, ctx, done };
  }

  return { sandbox, runAdapter };
}

/** The poller has emitted a window ending at the server's current clock. */
export const caughtUp = (r: Running) =>
  r.ctx.waitFor(() => r.ctx.lastCheckpoint()?.position === r.sb.now(), `checkpoint at ${r.sb.now()}`);

export async function step(r: Running, ms: number): Promise<void> {
  await caughtUp(r);
  r.sb.advance(ms);
  await caughtUp(r);
}

export const sorted = (ids: Iterable<string>) => [...ids].sort();

/** Every odd's last emitted tick is its current version in the book (or a removal when pulled). */
export function expectLatestMatchesBook(r: Running): void {
  const latest = new Map<string, { tick_id: string; removed: boolean }>();
  for (const t of r.ctx.ticks) latest.set(t.provider_odd_id, t);
  const wrong = sharpApiCurrentRowIds(r.sb.current()).filter((o) => {
    const t = latest.get(o.id);
    return o.tickId === null ? t !== undefined && !t.removed : t?.tick_id !== o.tickId;
  });
  expect(wrong).toEqual([]);
  expect(r.ctx.gaps).toEqual([]);
  expect(r.ctx.ticks.length).toBe(r.ctx.tickIds().size);
}
