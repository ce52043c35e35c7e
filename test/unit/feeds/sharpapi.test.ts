import { describe, expect, it } from 'vitest';
import { RatePacer, createSharpApiAdapter, sharpApiTickId } from '../../../feeds/sharpapi';
import { createTestFeedContext } from '../../support/feed-context';
import { caughtUp, expectLatestMatchesBook, sharpApiHarness, sorted, step } from '../../support/sharpapi-run';
import { sharpApiCurrentRowIds, sharpApiRowIds } from '../../support/reliability/truth-ids';

const { sandbox, runAdapter } = sharpApiHarness();

describe('SharpAPI adapter against the sandbox', () => {
  it('loads a scripted stream exactly: every version and removal once, nothing else', async () => {
    const sb = await sandbox({ totalChanges: 400 });
    const r = runAdapter(sb);
    for (let i = 0; i < 8; i++) await step(r, 500);
    expect(sb.changesApplied()).toBe(400);
    const truth = sharpApiRowIds(sb.emitted());
    expect(truth.removals).toBeGreaterThan(5);
    expect(sorted(r.ctx.tickIds())).toEqual(sorted(truth.tickIds));
    // No duplicates reached the sink: every emitted row is a distinct id.
    expect(r.ctx.ticks.length).toBe(truth.tickIds.length);
    expect(r.ctx.ticks.filter((t) => t.removed).length).toBe(truth.removals);
    expect(r.ctx.rejections).toEqual([]);
    expect(r.ctx.gaps).toEqual([]);
    expect(r.ctx.healthState).toMatchObject({ connected: true, gaps: 0, rejected: 0 });
  });

  it('chains since = meta.server_time across many polls with no gaps and no duplicates', async () => {
    const sb = await sandbox({ changesPerSecond: 40 });
    const r = runAdapter(sb);
    for (let i = 0; i < 30; i++) await step(r, 100 + (i % 5) * 50);
    const reqs = sb.requests().filter((q) => q.status === 200);
    // A window ends on a page without has_more; the next request must start at that page's server_time.
    for (let i = 1; i < reqs.length; i++) {
      if (reqs[i - 1].hasMore) continue;
      expect(reqs[i].since, `request ${i}`).toBe(reqs[i - 1].serverTime);
      expect(reqs[i].offset).toBe(0);
    }
    const positions = r.ctx.checkpoints.map((c) => Date.parse(c.position!));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(r.ctx.ticks.length).toBe(r.ctx.tickIds().size);
    expect(sorted(r.ctx.tickIds())).toEqual(sorted(sharpApiRowIds(sb.emitted()).tickIds));
  });

  it('pages a window of more than 500 changes with offset ≤ 500 and commits only after its last page', async () => {
    const sb = await sandbox({ changesPerSecond: 1000, totalChanges: 3000, eventsPerLeague: 16 });
    const r = runAdapter(sb);
    await caughtUp(r);
    const base = r.ctx.lastCheckpoint()!.position;
    const emits: Array<{ rows: number; position: string | null }> = [];
    const emit = r.ctx.emit.bind(r.ctx);
    r.ctx.emit = async (rows, cp) => {
      if (rows.ticks?.length) emits.push({ rows: rows.ticks.length, position: cp.position });
      await emit(rows, cp);
    };
    const before = sb.requests().length;
    const ticksBefore = r.ctx.ticks.length;
    await step(r, 3000);
    const windowReqs = sb
      .requests()
      .slice(before)
      .filter((q) => q.status === 200 && (q.rows > 0 || q.hasMore));
    expect(r.ctx.ticks.length - ticksBefore).toBeGreaterThan(1000);
    expect(windowReqs.length).toBeGreaterThanOrEqual(3);
    expect(windowReqs.every((q) => (q.offset ?? 0) <= 500 && (q.limit ?? 0) <= 500)).toBe(true);
    // More than offset 500 + limit 500 rows changed, so the window continued by moving since forward.
    expect(new Set(windowReqs.map((q) => q.since)).size).toBeGreaterThan(1);
    expect(sb.requests().some((q) => q.status === 400)).toBe(false);
    // Every page but the last was emitted with the window's starting position; only the last commits server_time.
    expect(emits.length).toBe(windowReqs.length);
    expect(emits.slice(0, -1).every((e) => e.position === base)).toBe(true);
    expect(emits.at(-1)!.position).toBe(sb.now());
    expect(r.ctx.ticks.length).toBe(r.ctx.tickIds().size);
    expect(sorted(r.ctx.tickIds())).toEqual(sorted(sharpApiRowIds(sb.emitted()).tickIds));
    expect(r.ctx.gaps).toEqual([]);
  });

  it('continues past the offset cap with a small page size and stays exact', async () => {
    // 4 changes per ms (a line move stamps two odds): many rows share a last_seen_at at page boundaries.
    const sb = await sandbox({ changesPerSecond: 4000, totalChanges: 1200 });
    const r = runAdapter(sb, { pageLimit: 40 });
    await step(r, 300);
    const reqs = sb.requests();
    expect(Math.max(...reqs.map((q) => q.offset ?? 0))).toBeLessThanOrEqual(500);
    expect(reqs.some((q) => q.status === 400)).toBe(false);
    expect(sorted(r.ctx.tickIds())).toEqual(sorted(sharpApiRowIds(sb.emitted()).tickIds));
    expect(r.ctx.ticks.length).toBe(r.ctx.tickIds().size);
  });

  it('does not skip rows that move between its pages (changes injected between pages)', async () => {
    const sb = await sandbox({ changesPerSecond: 1000 });
    const r = runAdapter(sb, { pageLimit: 300 });
    await caughtUp(r);
    let inject = true;
    const emit = r.ctx.emit.bind(r.ctx);
    r.ctx.emit = async (rows, cp) => {
      await emit(rows, cp);
      // An intermediate page was just emitted: update some odds (rows move to the end) before the next page.
      if (inject && cp.position !== sb.now()) sb.advance(15);
    };
    for (let i = 0; i < 6; i++) await step(r, 1000);
    inject = false;
    await step(r, 10);
    expect(r.ctx.logs.filter((l) => l.event === 'sharpapi.keyset' && l.fields.shifted === true).length).toBeGreaterThan(
      3,
    );
    expectLatestMatchesBook(r);
  });

  it('does not skip rows that move between pages on a free-running clock', async () => {
    const sb = await sandbox({ clock: 'real', changesPerSecond: 4000, totalChanges: 6000 });
    const r = runAdapter(sb, { pageLimit: 25 });
    await r.ctx.waitFor(() => sb.changesApplied() === 6000, 'the scripted changes', 10_000);
    const end = sb.now();
    await r.ctx.waitFor(() => (r.ctx.lastCheckpoint()?.position ?? '') >= end, 'a window past the last change', 10_000);
    expect(r.ctx.logs.some((l) => l.event === 'sharpapi.keyset' && l.fields.shifted === true)).toBe(true);
    expectLatestMatchesBook(r);
  });

  it('reports since_clamped and removed_truncated as gaps', async () => {
    const sb = await sandbox({ totalChanges: 2000 });
    const r = runAdapter(sb);
    await step(r, 1000);
    expect(r.ctx.gaps).toEqual([]);
    sb.clampSince();
    await step(r, 1000);
    expect(r.ctx.gaps.map((g) => g.reason)).toEqual(['since_clamped']);
    const removedBefore = r.ctx.ticks.filter((t) => t.removed).length;
    const since = r.ctx.lastCheckpoint()!.position;
    sb.truncateRemoved(0);
    await step(r, 2000);
    expect(r.ctx.gaps.map((g) => g.reason)).toEqual(['since_clamped', 'removed_truncated']);
    expect(r.ctx.gaps[1]).toMatchObject({ from: since, to: sb.now() });
    // The truncated removals really are missing: this is what the gap reports.
    expect(r.ctx.ticks.filter((t) => t.removed).length).toBe(removedBefore);
    expect(sb.emitted().removals).toBeGreaterThan(removedBefore);
    expect(r.ctx.healthState.gaps).toBe(2);
  });

  it('a since older than the 10-minute removal retention is reported by the server and passed on as a gap', async () => {
    const sb = await sandbox({ totalChanges: 100 });
    const old = new Date(Date.parse(sb.now()) - 20 * 60_000).toISOString();
    const r = runAdapter(sb, {}, createTestFeedContext({ checkpoint: { position: old } }));
    await caughtUp(r);
    expect(sb.requests()[0].since).toBe(old);
    expect(r.ctx.gaps.map((g) => g.reason).sort()).toEqual(['catch_up', 'since_clamped']);
    expect(r.ctx.gaps.find((g) => g.reason === 'since_clamped')).toMatchObject({ from: old });
    // The whole downtime is marked collapsed: from the checkpoint to the first answer's server time.
    expect(r.ctx.gaps.find((g) => g.reason === 'catch_up')).toMatchObject({
      from: old,
      to: r.ctx.lastCheckpoint()!.position,
    });
  });

  it('catches up after 3 minutes down from the checkpoint: every odd changed meanwhile in its latest version, the interval marked collapsed', async () => {
    const sb = await sandbox({ changesPerSecond: 2, totalChanges: 2000 });
    const a = runAdapter(sb);
    await step(a, 1000);
    const checkpoint = a.ctx.lastCheckpoint()!;
    a.ctx.abort();
    await a.done;
    sb.advance(3 * 60_000);
    const b = runAdapter(sb, {}, createTestFeedContext({ checkpoint }));
    await caughtUp(b);
    const latest = new Map<string, { tick_id: string; removed: boolean }>();
    for (const t of [...a.ctx.ticks, ...b.ctx.ticks]) latest.set(t.provider_odd_id, t);
    const wrong = sharpApiCurrentRowIds(b.sb.current()).filter((o) =>
      o.tickId === null ? latest.has(o.id) && !latest.get(o.id)!.removed : latest.get(o.id)?.tick_id !== o.tickId,
    );
    expect(wrong).toEqual([]);
    expect(b.ctx.gaps).toEqual([
      expect.objectContaining({ reason: 'catch_up', from: checkpoint.position, to: sb.now() }),
    ]);
    // A restart inside the interval is no downtime: no gap.
    const c = runAdapter(sb, {}, createTestFeedContext({ checkpoint: b.ctx.lastCheckpoint() }));
    await step(c, 1000);
    expect(c.ctx.gaps).toEqual([]);
  });

  it('rejects a malformed body and a corrupt odd, and keeps polling without loss', async () => {
    const sb = await sandbox({ totalChanges: 200 });
    const r = runAdapter(sb);
    await step(r, 500);
    sb.sendMalformed(2);
    await step(r, 1000);
    await step(r, 500);
    expect(r.ctx.rejections.map((x) => x.reason)).toEqual(['malformed_json', 'schema']);
    expect(r.ctx.rejections[1].raw).toContain('BAD');
    expect(sorted(r.ctx.tickIds())).toEqual(sorted(sharpApiRowIds(sb.emitted()).tickIds));
    expect(r.ctx.healthState.rejected).toBe(2);
  });

  it('retries a response cut mid-body without losing or duplicating rows', async () => {
    const sb = await sandbox({ totalChanges: 200 });
    const r = runAdapter(sb);
    await step(r, 500);
    sb.disconnectMidResponse();
    await step(r, 1000);
    expect(sb.requests().filter((q) => q.fault === 'disconnect')).toHaveLength(1);
    expect(r.ctx.healthState.reconnects).toBeGreaterThanOrEqual(1);
    expect(sorted(r.ctx.tickIds())).toEqual(sorted(sharpApiRowIds(sb.emitted()).tickIds));
    expect(r.ctx.ticks.length).toBe(r.ctx.tickIds().size);
  });

  it('resumes from the committed checkpoint after a stop mid-window with no loss', async () => {
    const sb = await sandbox({ changesPerSecond: 1000, totalChanges: 1200 });
    const a = runAdapter(sb, { pageLimit: 100 });
    await caughtUp(a);
    const committed = a.ctx.lastCheckpoint()!;
    const a0 = a.ctx.tickIds();
    // Stop right after the first intermediate page of the next window.
    const emit = a.ctx.emit.bind(a.ctx);
    a.ctx.emit = async (rows, cp) => {
      await emit(rows, cp);
      if (cp.position === committed.position && (rows.ticks?.length ?? 0) > 0) a.ctx.abort();
    };
    sb.advance(1200);
    await a.done;
    expect(a.ctx.lastCheckpoint()!.position).toBe(committed.position);
    const bStart = Date.now();
    const b = runAdapter(sb, { pageLimit: 100 }, createTestFeedContext({ checkpoint: a.ctx.lastCheckpoint() }));
    await caughtUp(b);
    const all = new Set([...a.ctx.tickIds(), ...b.ctx.tickIds()]);
    expect(sorted(all)).toEqual(sorted(sharpApiRowIds(sb.emitted()).tickIds));
    expect(sb.requests().find((q) => q.at >= bStart)?.since).toBe(committed.position);
    // The replayed page produced the same ids as before the stop, not new rows.
    expect([...a.ctx.tickIds()].filter((id) => !a0.has(id) && b.ctx.tickIds().has(id)).length).toBeGreaterThan(0);
  });

  it('narrows to the configured leagues and markets', async () => {
    const sb = await sandbox({ totalChanges: 300 });
    const r = runAdapter(sb, { leagues: ['mlb'], markets: ['spread'], sportsbooks: ['fanduel'] });
    for (let i = 0; i < 3; i++) await step(r, 1000);
    expect(r.ctx.ticks.length).toBeGreaterThan(0);
    expect(new Set(r.ctx.ticks.map((t) => `${t.league}/${t.market}/${t.market_raw}/${t.book}`))).toEqual(
      new Set(['mlb/spread/run_line/fanduel']),
    );
    expect(sorted(r.ctx.tickIds())).toEqual(
      sorted(sharpApiRowIds(sb.emitted({ leagues: ['mlb'], markets: ['spread'], sportsbooks: ['fanduel'] })).tickIds),
    );
  });

  it('paces requests by X-RateLimit-* and never runs into 429', async () => {
    const sb = await sandbox({ clock: 'real', changesPerSecond: 5, rateLimit: { limit: 8, windowMs: 1000 } });
    const r = runAdapter(sb, { pollIntervalMs: 0 });
    const waits = () => r.ctx.logs.filter((l) => l.event === 'sharpapi.rate_limit_wait');
    await r.ctx.waitFor(
      () => waits().filter((w) => w.fields.reason === 'rate_limit_exhausted').length >= 2,
      'two exhausted-budget waits',
      10_000,
    );
    r.ctx.abort();
    await r.done;
    const reqs = sb.requests();
    expect(reqs.filter((q) => q.status === 429)).toEqual([]);
    expect(waits().some((w) => w.fields.reason === 'rate_limit_low')).toBe(true);
    // Unpaced, a 0 ms poll interval makes hundreds of requests in this time.
    const seconds = new Set(reqs.map((q) => Math.floor(q.at / 1000)));
    expect(reqs.length).toBeLessThanOrEqual(8 * seconds.size);
  });

  it('waits out a 429 and retries the same request', async () => {
    const sb = await sandbox({ totalChanges: 100, rateLimit: { limit: 10_000, windowMs: 1000 } });
    const r = runAdapter(sb);
    await step(r, 200);
    sb.rateLimitNext(1);
    await step(r, 500);
    const reqs = sb.requests();
    const i = reqs.findIndex((q) => q.status === 429);
    expect(i).toBeGreaterThan(0);
    expect(reqs[i + 1]).toMatchObject({ status: 200, since: reqs[i].since });
    expect(reqs[i + 1].at - reqs[i].at).toBeGreaterThanOrEqual(200);
    expect(r.ctx.logs.filter((l) => l.event === 'sharpapi.rate_limited')).toHaveLength(1);
    expect(sorted(r.ctx.tickIds())).toEqual(sorted(sharpApiRowIds(sb.emitted()).tickIds));
  });

  it('fails with what to fix when the key is rejected', async () => {
    const sb = await sandbox();
    const ctx = createTestFeedContext();
    const adapter = createSharpApiAdapter({ baseUrl: sb.url, apiKey: 'wrong' });
    await expect(adapter.run(ctx)).rejects.toThrow(/401.*SHARPAPI_API_KEY/);
  });

  it('resolves promptly when aborted during the poll interval', async () => {
    const sb = await sandbox();
    const r = runAdapter(sb, { pollIntervalMs: 60_000 });
    await caughtUp(r);
    const t0 = Date.now();
    r.ctx.abort();
    await r.done;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.ctx.healthState.connected).toBe(false);
  });

  it('uses the exported id function for the ground truth', () => {
    const a = sharpApiTickId({
      id: 'x_1_moneyline_A',
      lastSeenAt: '2026-02-11T12:00:15.125Z',
      oddsAmerican: -150,
      line: null,
      removed: false,
    });
    expect(
      sharpApiTickId({
        id: 'x_1_moneyline_A',
        lastSeenAt: '2026-02-11T12:00:15.125000Z',
        oddsAmerican: -150,
        line: null,
        removed: false,
      }),
    ).toBe(a);
    expect(
      sharpApiTickId({
        id: 'x_1_moneyline_A',
        lastSeenAt: '2026-02-11T12:00:15.125Z',
        oddsAmerican: -145,
        line: null,
        removed: false,
      }),
    ).not.toBe(a);
    expect(
      sharpApiTickId({
        id: 'x_1_moneyline_A',
        lastSeenAt: '2026-02-11T12:00:15.125Z',
        oddsAmerican: -150,
        line: null,
        removed: true,
      }),
    ).not.toBe(a);
  });
});

describe('RatePacer', () => {
  const at = 1_000_000;
  const pacer = (limit: number, remaining: number, resetInMs: number) => {
    const p = new RatePacer();
    p.observe({ limit, remaining, resetAtMs: at + resetInMs, retryAfterMs: null }, at);
    return p.nextAllowedAt();
  };

  it('does not hold back while the budget is ample', () => {
    expect(pacer(300, 299, 60_000)).toBeNull();
    expect(pacer(300, 76, 60_000)).toBeNull();
    expect(new RatePacer().nextAllowedAt()).toBeNull();
  });

  it('spreads the last quarter of the budget over the time left, and waits for the reset when it is spent', () => {
    const low = pacer(300, 75, 60_000)!;
    expect(low.reason).toBe('rate_limit_low');
    expect(low.at - at).toBe(Math.ceil(60_100 / 76));
    expect(pacer(300, 1, 60_000)!.at - at).toBe(30_050);
    expect(pacer(300, 0, 60_000)).toEqual({ at: at + 60_100, reason: 'rate_limit_exhausted' });
    // A reset already past does not hold anything back.
    expect(pacer(300, 0, -1)).toBeNull();
  });
});
