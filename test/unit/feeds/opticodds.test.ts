import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MARKETS,
  compareEntryIds,
  createOpticOddsAdapter,
  planGroups,
  type OpticOddsAdapterOptions,
} from '../../../feeds/opticodds';
import { SseParser, type SseEvent } from '../../../feeds/sse';
import { startOpticOddsSandbox, type OpticOddsSandbox, type OpticOddsSandboxOptions } from '../../../sandbox/opticodds';
import { createTestFeedContext, type TestFeedContext, type TestFeedContextOptions } from '../../support/feed-context';
import { opticRowIds } from '../../support/reliability/truth-ids';

const KEY = 'optic-test-key';
const ALL_MARKETS = [...DEFAULT_MARKETS, 'Team Total'];

// ---------------------------------------------------------------------------------------------
// SSE parser

describe('SseParser', () => {
  const stream =
    '\uFEFF: comment line\r\n' +
    'event: copilot-odds\r\nid: 1-0\r\nretry: 250\r\ndata: {"a":\r\ndata:  "Müller ⚽"}\r\n\r\n' +
    'event: ping\rdata: 2024-08-28T18:57:49Z\r\r' +
    'event: empty\nretry: 777\n\n' +
    'data\nid: bad\0id\nretry: 12x\ndata:second\n\n' +
    'event: partial\ndata: never finished';
  const expected: SseEvent[] = [
    { event: 'copilot-odds', id: '1-0', retry: 250, data: '{"a":\n "Müller ⚽"}' },
    { event: 'ping', id: '1-0', data: '2024-08-28T18:57:49Z' },
    { event: 'message', id: '1-0', data: '\nsecond' },
  ];

  const run = (chunks: Uint8Array[]) => {
    const p = new SseParser();
    const out = chunks.flatMap((c) => p.push(c));
    return { out, p };
  };

  it('parses LF, CRLF and CR line ends, multi-line data, comments, id, retry and a BOM', () => {
    const { out, p } = run([Buffer.from(stream)]);
    expect(out).toEqual(expected);
    expect(p.retry).toBe(777); // retry applies even from an event without data
    expect(p.comments).toBe(1);
    expect(p.midEvent).toBe(true);
    expect(p.end()).toEqual([]);
  });

  it('gives the same events however the bytes are split (mid-line, mid-UTF-8, between CR and LF)', () => {
    const bytes = Buffer.from(stream);
    for (let i = 0; i <= bytes.length; i++) {
      expect(run([bytes.subarray(0, i), bytes.subarray(i)]).out, `split at ${i}`).toEqual(expected);
    }
    for (let i = 1; i < bytes.length; i += 7) {
      const j = Math.min(bytes.length, i + 3);
      expect(run([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]).out).toEqual(expected);
    }
    expect(run([...bytes].map((b) => Uint8Array.of(b))).out).toEqual(expected);
  });

  // ASCII chunks skip the UTF-8 decoder (feeds/sse.ts decode): the text must be what the decoder gives.
  it('decodes a broken UTF-8 sequence before an ASCII chunk as the decoder would (U+FFFD), and keeps a U+FEFF inside the stream', () => {
    const broken = [Buffer.from('data: caf'), Uint8Array.of(0xc3), Buffer.from('x\n\n')];
    const reference = new TextDecoder().decode(Buffer.concat(broken));
    expect(reference).toBe('data: caf\uFFFDx\n\n');
    expect(run(broken).out).toEqual([{ event: 'message', id: '', data: 'caf\uFFFDx' }]);
    // Only the stream's first character may be a BOM to drop: one that starts a later chunk is data.
    expect(run([Buffer.from('data: a\n\ndata: '), Buffer.from('\uFEFFb\n\n')]).out.map((e) => e.data)).toEqual([
      'a',
      '\uFEFFb',
    ]);
    expect(run([Buffer.from('\uFEFFdata: a\n\n'), Buffer.from('data: b\n\n')]).out.map((e) => e.data)).toEqual([
      'a',
      'b',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Adapter against the sandbox

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

interface Harness {
  sb: OpticOddsSandbox;
  ctx: TestFeedContext;
  run: Promise<void>;
}

async function start(
  sbOpts: Partial<OpticOddsSandboxOptions>,
  adOpts: Partial<OpticOddsAdapterOptions> = {},
  ctxOpts: TestFeedContextOptions = {},
  existing?: OpticOddsSandbox,
): Promise<Harness> {
  const sb =
    existing ??
    (await startOpticOddsSandbox({ apiKey: KEY, pingIntervalMs: 50, retryMs: 30, leagues: ['NBA'], ...sbOpts }));
  if (!existing) cleanup.push(() => sb.close());
  const ctx = createTestFeedContext(ctxOpts);
  const adapter = createOpticOddsAdapter({
    baseUrl: sb.url,
    apiKey: KEY,
    leagues: sbOpts.leagues ?? ['NBA'],
    markets: ALL_MARKETS,
    pingTimeoutMs: 2_000,
    ...adOpts,
  });
  const run = adapter.run(ctx);
  cleanup.push(async () => {
    ctx.abort();
    await run.catch(() => undefined);
  });
  return { sb, ctx, run };
}

const ids = (ctx: TestFeedContext) => ({
  ticks: ctx.ticks.map((t) => t.tick_id),
  settlements: ctx.settlements.map((s) => s.settlement_id),
  fixtures: ctx.fixtures.map((f) => f.update_id),
});
const sorted = (xs: Iterable<string>) => [...xs].sort();
/** opticodds:<entry_id>:… → entry_id */
const entryOf = (rowId: string) => rowId.split(':')[1];
// Entry ids are "<ms>-<seq>": compare both parts (ms × 1e6 + seq would exceed 2^53 and drop seq).
const after_ = (a: string, b: string) => compareEntryIds(a, b) > 0;

/** Production finished, the sandbox wrote everything, and every row it wrote reached the context. */
function caughtUp(sb: OpticOddsSandbox, ctx: TestFeedContext, total: number): () => boolean {
  return () => {
    if (sb.producedEntries() < total || sb.pending() > 0) return false;
    const e = opticRowIds(sb.emitted());
    const got = ids(ctx);
    const has = (want: string[], have: string[]) => {
      const s = new Set(have);
      return want.every((id) => s.has(id));
    };
    return has(e.tickIds, got.ticks) && has(e.settlementIds, got.settlements) && has(e.updateIds, got.fixtures);
  };
}

/** Every produced row arrived exactly once (raw emits, before any dedupe by id). */
function expectExactlyProduced(sb: OpticOddsSandbox, ctx: TestFeedContext) {
  const p = opticRowIds(sb.produced());
  const got = ids(ctx);
  expect(got.ticks.length, 'duplicate tick ids').toBe(new Set(got.ticks).size);
  expect(got.settlements.length).toBe(new Set(got.settlements).size);
  expect(got.fixtures.length).toBe(new Set(got.fixtures).size);
  expect(sorted(got.ticks)).toEqual(sorted(p.tickIds));
  expect(sorted(got.settlements)).toEqual(sorted(p.settlementIds));
  expect(sorted(got.fixtures)).toEqual(sorted(p.updateIds));
}

describe('OpticOdds adapter: scripted stream', () => {
  it('delivers exactly the scripted rows over one connection per sport, with locked/settled/fixture rows mapped', async () => {
    const leagues = ['NBA', 'NFL', 'NHL', 'MLB'];
    const { sb, ctx } = await start(
      { leagues, entries: 160, ratePerSecond: 400, seed: 7, startAfterConnections: 4 },
      { leagues },
    );
    await ctx.waitFor(caughtUp(sb, ctx, 160), 'the scripted stream');
    expectExactlyProduced(sb, ctx);
    expect(ctx.rejections).toEqual([]);
    expect(ctx.gaps).toEqual([]);

    const reqs = sb.requests();
    expect(reqs.map((r) => `${r.sport}:${r.leagues.join(',')}`).sort()).toEqual([
      'baseball:MLB',
      'basketball:NBA',
      'football:NFL',
      'hockey:NHL',
    ]);
    for (const r of reqs) {
      expect(r).toMatchObject({
        includeFixtureUpdates: true,
        lastEntryId: null,
        markets: ALL_MARKETS,
        sportsbooks: [],
      });
    }

    // Locked quotes: exactly the sandbox's locked odds, with no price.
    const p = opticRowIds(sb.produced());
    const locked = ctx.ticks.filter((t) => t.locked);
    expect(p.lockedTickIds.length).toBeGreaterThan(0);
    expect(sorted(locked.map((t) => t.tick_id))).toEqual(sorted(p.lockedTickIds));
    for (const t of locked) expect([t.price_american, t.price_decimal, t.implied_prob]).toEqual([null, null, null]);
    for (const t of ctx.ticks.filter((x) => !x.locked)) expect(t.price_american).not.toBeNull();

    // Canonical markets, books and lines.
    expect(new Set(ctx.ticks.map((t) => t.market))).toEqual(new Set(['moneyline', 'spread', 'total', 'team_total']));
    expect(new Set(ctx.ticks.map((t) => t.book))).toEqual(
      new Set(['draftkings', 'fanduel', 'pinnacle', 'betmgm', 'caesars']),
    );
    expect(
      new Set(ctx.ticks.filter((t) => t.league === 'NHL' && t.market === 'spread').map((t) => t.market_raw)),
    ).toEqual(new Set(['Puck Line']));
    for (const t of ctx.ticks) {
      expect(t.event_key).toMatch(/^\d{5}-\d{5}-\d{4}-\d{2}-\d{2}$/);
      if (t.market === 'moneyline') expect(t.line).toBeNull();
      if (t.market === 'total') expect(['Over', 'Under']).toContain(t.selection);
      if (t.market === 'total') expect(t.line).toBeGreaterThan(0);
      if (t.market === 'spread') expect(t.selection).not.toMatch(/Over|Under/);
    }
    // A spread pair is signed per selection.
    const spreadPair = ctx.ticks.filter(
      (t) =>
        t.market === 'spread' && entryOf(t.tick_id) === entryOf(ctx.ticks.find((x) => x.market === 'spread')!.tick_id),
    );
    expect(spreadPair.length % 2).toBe(0);
    expect(spreadPair[0].line).toBe(-(spreadPair[1].line as number));

    // Settlements after games end; fixture updates for start-time and status changes.
    expect(ctx.settlements.length).toBeGreaterThan(0);
    for (const s of ctx.settlements) {
      expect(['Won', 'Lost', 'Push']).toContain(s.result);
      expect(s.settled_at).not.toBeNull();
      if (s.market !== 'moneyline') expect(s.line).not.toBeNull();
    }
    const timeChanges = ctx.fixtures.filter((f) => f.previous_start_time !== null);
    const statusChanges = ctx.fixtures.filter((f) => f.status !== null);
    expect(timeChanges.length).toBeGreaterThan(0);
    expect(statusChanges.length).toBeGreaterThan(0);
    for (const f of timeChanges) expect(f.start_time).not.toBe(f.previous_start_time);
    for (const f of ctx.fixtures) expect(f.home_team && f.away_team && f.start_time).toBeTruthy();
    expect(statusChanges.some((f) => f.status === 'completed')).toBe(true);

    // Checkpoint: one entry id per connection, the last one each emitted.
    const pos = JSON.parse(ctx.lastCheckpoint()!.position!) as Record<string, string>;
    expect(Object.keys(pos).sort()).toEqual(['baseball:MLB', 'basketball:NBA', 'football:NFL', 'hockey:NHL']);
    const allEntries = [...ids(ctx).ticks, ...ids(ctx).settlements, ...ids(ctx).fixtures].map(entryOf);
    const maxEntry = allEntries.reduce((a, b) => (after_(b, a) ? b : a));
    expect(Object.values(pos)).toContain(maxEntry);

    expect(ctx.healthState).toMatchObject({ connected: true, reconnects: 0, gaps: 0, rejected: 0 });
    expect(ctx.healthState.messages).toBeGreaterThan(160);
    expect(ctx.healthState.lastTickTs).not.toBeNull();
  });

  it('malformed events are rejected and the stream carries on', async () => {
    const { sb, ctx } = await start({ entries: 120, ratePerSecond: 300, seed: 3 });
    await ctx.waitFor(() => ctx.ticks.length > 30, 'first ticks');
    sb.sendMalformed(3);
    await ctx.waitFor(caughtUp(sb, ctx, 120), 'the rest of the stream');
    expect(ctx.rejections.map((r) => r.reason).sort()).toEqual(['bad_price', 'malformed_json', 'schema']);
    expect(ctx.rejections.find((r) => r.reason === 'malformed_json')!.raw).toContain(
      '"data": [ { "fixture_id": "BAD000000001"',
    );
    expectExactlyProduced(sb, ctx);
    expect(ctx.healthState.rejected).toBe(3);
    expect(sb.requests()).toHaveLength(1);
  });
});

describe('OpticOdds adapter: resume, gaps and stalls', () => {
  it('resumes after a disconnect mid-message with no loss and no duplicate (server re-sends 2 old entries)', async () => {
    const { sb, ctx } = await start({ entries: 150, ratePerSecond: 200, seed: 11, replayOverlap: 2 }, {}, {});
    await ctx.waitFor(() => ctx.ticks.length > 40, 'first ticks');
    sb.disconnectMidMessage();
    await ctx.waitFor(() => sb.requests().length === 2, 'a reconnect');
    await ctx.waitFor(caughtUp(sb, ctx, 150), 'the rest of the stream');
    expectExactlyProduced(sb, ctx);
    expect(ctx.gaps).toEqual([]);
    const [, second] = sb.requests();
    expect(second.lastEntryId).toMatch(/^\d+-\d+$/);
    expect(ctx.checkpoints.some((c) => JSON.parse(c.position!)['basketball:NBA'] === second.lastEntryId)).toBe(true);
    expect(ctx.logs.some((l) => l.event === 'opticodds.disconnected' && l.fields.midEvent === true)).toBe(true);
    expect(ctx.logs.filter((l) => l.event === 'opticodds.duplicate_entry').length).toBeGreaterThanOrEqual(1);
    expect(ctx.healthState.reconnects).toBe(1);
  });

  it('a resume the server cannot replay is reported as an entry_id_gap, never hidden', async () => {
    const { sb, ctx } = await start({ entries: 200, ratePerSecond: 200, seed: 5, replayable: false });
    await ctx.waitFor(() => ctx.ticks.length > 40, 'first ticks');
    sb.disconnectMidMessage();
    await ctx.waitFor(() => ctx.gaps.length > 0, 'a gap report');
    await ctx.waitFor(caughtUp(sb, ctx, 200), 'the rest of the stream');
    expect(ctx.gaps).toHaveLength(1);
    const gap = ctx.gaps[0];
    const resumedFrom = sb.requests()[1].lastEntryId!;
    expect(gap).toMatchObject({ reason: 'entry_id_gap', from: resumedFrom });
    const got = ids(ctx);
    const after = [...got.ticks, ...got.settlements, ...got.fixtures]
      .map(entryOf)
      .filter((e) => after_(e, resumedFrom));
    expect(gap.to).toBe(after.reduce((a, b) => (after_(a, b) ? b : a)));
    // Exactly the rows strictly between `from` and `to` are missing.
    const p = opticRowIds(sb.produced());
    const inGap = (id: string) => after_(entryOf(id), gap.from!) && after_(gap.to!, entryOf(id));
    const want = [...p.tickIds, ...p.settlementIds, ...p.updateIds];
    const have = new Set([...got.ticks, ...got.settlements, ...got.fixtures]);
    const missing = want.filter((id) => !have.has(id));
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.every(inGap)).toBe(true);
    expect(want.filter(inGap).every((id) => !have.has(id))).toBe(true);
    expect(ctx.healthState.gaps).toBe(1);
  });

  it('a stalled stream (socket open, pings stop) is detected by ping silence and reconnected; pings keep an idle stream alive', async () => {
    const { sb, ctx } = await start(
      { entries: 200, ratePerSecond: 150, seed: 9, pingIntervalMs: 40 },
      { pingTimeoutMs: 300 },
    );
    await ctx.waitFor(() => ctx.ticks.length > 30, 'first ticks');
    const stalledAt = Date.now();
    sb.stall(60_000);
    await ctx.waitFor(() => sb.requests().length === 2, 'a reconnect after the stall', 5_000);
    const waited = sb.requests()[1].at - stalledAt;
    expect(waited).toBeGreaterThanOrEqual(280);
    expect(waited).toBeLessThan(3_000);
    expect(ctx.logs.some((l) => l.event === 'opticodds.stalled')).toBe(true);
    await ctx.waitFor(caughtUp(sb, ctx, 200), 'the rest of the stream');
    expectExactlyProduced(sb, ctx);
    expect(ctx.gaps).toEqual([]);
    await ctx.waitFor(() => sb.connections() === 1, 'the stalled socket to be closed by the client');
    // Idle (no entries) for several ping timeouts: pings alone keep the connection.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sb.requests()).toHaveLength(2);
  });

  it('a slow sink (emit slower than the ping timeout) is backpressure, not a stall', async () => {
    const { sb, ctx } = await start(
      { entries: 6, ratePerSecond: 10, seed: 2, pingIntervalMs: 30 },
      { pingTimeoutMs: 300 },
      { emitDelayMs: 700 },
    );
    await ctx.waitFor(caughtUp(sb, ctx, 6), 'all entries through the slow sink');
    expect(ctx.emits).toBeGreaterThanOrEqual(2);
    expectExactlyProduced(sb, ctx);
    expect(sb.requests()).toHaveLength(1);
  });

  it('restarts from a checkpoint: the second run continues where the first stopped', async () => {
    const first = await start({ entries: 200, ratePerSecond: 200, seed: 4 });
    await first.ctx.waitFor(() => first.ctx.ticks.length > 60, 'first run ticks');
    first.ctx.abort();
    const t0 = Date.now();
    await first.run;
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(first.ctx.healthState.connected).toBe(false);
    const checkpoint = first.ctx.lastCheckpoint()!;
    // The stream goes on while the feed is down (a restart takes a while); the second run must replay it.
    await first.ctx.waitFor(() => first.sb.producedEntries() >= 200, 'production to finish');
    const second = await start({}, {}, { checkpoint }, first.sb);
    const all = (ctx: TestFeedContext) => Object.values(ids(ctx)).flat();
    await second.ctx.waitFor(() => {
      const have = new Set([...all(first.ctx), ...all(second.ctx)]);
      return Object.values(opticRowIds(first.sb.produced())).every((want: string[]) =>
        want.every((id) => have.has(id)),
      );
    }, 'second run to finish the stream');
    const a = ids(first.ctx);
    const b = ids(second.ctx);
    const p = opticRowIds(first.sb.produced());
    expect(b.ticks.filter((id) => a.ticks.includes(id))).toEqual([]);
    expect(sorted([...a.ticks, ...b.ticks])).toEqual(sorted(p.tickIds));
    expect(sorted([...a.settlements, ...b.settlements])).toEqual(sorted(p.settlementIds));
    expect(sorted([...a.fixtures, ...b.fixtures])).toEqual(sorted(p.updateIds));
    expect(first.sb.requests()[1].lastEntryId).toBe(JSON.parse(checkpoint.position!)['basketball:NBA']);
    expect(second.ctx.gaps).toEqual([]);
  });
});

describe('OpticOdds adapter: leagues and connections', () => {
  it('several leagues of one sport share a connection; league and market filters are honoured', async () => {
    const { sb, ctx } = await start(
      { leagues: ['NBA', 'NCAAB', 'NFL'], entries: 120, ratePerSecond: 300, seed: 8, startAfterConnections: 2 },
      { leagues: ['NBA', 'NFL'], markets: undefined },
    );
    await ctx.waitFor(caughtUp(sb, ctx, 120), 'the stream');
    const reqs = sb.requests();
    expect(reqs.map((r) => `${r.sport}:${r.leagues.join(',')}`).sort()).toEqual(['basketball:NBA', 'football:NFL']);
    expect(reqs[0].markets).toEqual(DEFAULT_MARKETS);
    expect(new Set(ctx.ticks.map((t) => t.league))).toEqual(new Set(['NBA', 'NFL']));
    expect(ctx.ticks.some((t) => t.market === 'team_total')).toBe(false);
    const e = opticRowIds(sb.emitted());
    expect(sorted(ids(ctx).ticks)).toEqual(sorted(e.tickIds));
    expect(opticRowIds(sb.produced()).tickIds.length).toBeGreaterThan(e.tickIds.length); // NCAAB and Team Total were filtered out

    const both = await start(
      { leagues: ['NBA', 'NCAAB'], entries: 80, ratePerSecond: 300, seed: 8 },
      { leagues: ['NCAAB', 'NBA'] },
    );
    await both.ctx.waitFor(caughtUp(both.sb, both.ctx, 80), 'the two-league stream');
    expect(both.sb.requests().map((r) => r.leagues)).toEqual([['NBA', 'NCAAB']]);
    expect(new Set(both.ctx.ticks.map((t) => t.league))).toEqual(new Set(['NBA', 'NCAAB']));
    expectExactlyProduced(both.sb, both.ctx);
  });

  it('more than 10 leagues of a sport are split across concurrent connections', async () => {
    const leagues = Array.from({ length: 12 }, (_, i) => `L${String(i + 1).padStart(2, '0')}`);
    const leagueSports = Object.fromEntries(leagues.map((l) => [l, 'soccer']));
    const { sb, ctx } = await start(
      { leagues, leagueSports, entries: 120, ratePerSecond: 300, seed: 6, startAfterConnections: 2 },
      { leagues, leagueSports, markets: ['Moneyline', 'Asian Handicap', 'Total Goals', 'Team Total'] },
    );
    await ctx.waitFor(caughtUp(sb, ctx, 120), 'the stream');
    const reqs = sb.requests();
    expect(reqs).toHaveLength(2);
    expect(reqs.map((r) => r.leagues.length).sort()).toEqual([10, 2]);
    expect(sorted(reqs.flatMap((r) => r.leagues))).toEqual(leagues);
    expect(reqs.every((r) => r.sport === 'soccer')).toBe(true);
    expect(sb.connections()).toBe(2);
    expectExactlyProduced(sb, ctx);
    expect(new Set(ctx.ticks.map((t) => t.league)).size).toBeGreaterThan(10);
    expect(Object.keys(JSON.parse(ctx.lastCheckpoint()!.position!))).toHaveLength(2);
  });

  it('quotes the games it is given, so their game_id is the event_key (the SharpSports oddsjamId join)', async () => {
    const startMs = Date.parse('2030-01-05T00:30:00Z');
    const games = [
      { league: 'NBA', home: 'Boston Celtics', away: 'Miami Heat', startMs, gameId: '11111-22222-2030-01-04' },
      { league: 'NBA', home: 'Phoenix Suns', away: 'Denver Nuggets', startMs, gameId: '33333-44444-2030-01-04' },
    ];
    const { sb, ctx } = await start({ entries: 20, ratePerSecond: 400, seed: 1, games });
    await ctx.waitFor(caughtUp(sb, ctx, 20), 'the stream');
    expect(new Set(ctx.ticks.map((t) => t.event_key))).toEqual(new Set(games.map((g) => g.gameId)));
    for (const f of ctx.fixtures)
      expect(games.find((g) => g.gameId === f.event_key)).toMatchObject({ home: f.home_team, away: f.away_team });
  });

  it('plans groups by sport, at most 10 leagues each, with stable keys', () => {
    const many = Array.from({ length: 23 }, (_, i) => `B${i}`);
    const groups = planGroups([...many, 'NFL', 'NBA'], Object.fromEntries(many.map((l) => [l, 'basketball'])));
    expect(groups.map((g) => [g.sport, g.leagues.length])).toEqual([
      ['basketball', 10],
      ['basketball', 10],
      ['basketball', 4],
      ['football', 1],
    ]);
    expect(planGroups(['NBA', 'NCAAB']).map((g) => g.key)).toEqual(planGroups(['NCAAB', 'NBA']).map((g) => g.key));
    expect(planGroups(['nba'])[0].sport).toBe('basketball');
    expect(() => planGroups(['Premier League'])).toThrow(/leagueSports/);
    expect(planGroups(['NFL', 'NBA', 'MLB', 'NHL', 'NCAAF', 'NCAAB']).map((g) => g.key)).toEqual([
      'baseball:MLB',
      'basketball:NBA,NCAAB',
      'football:NCAAF,NFL',
      'hockey:NHL',
    ]);
  });
});

describe('OpticOdds adapter: checkpoints and failures', () => {
  it('a bare entry id checkpoint resumes every connection, and every checkpoint keeps every group', async () => {
    const from = `${Date.now() - 60_000}-0`;
    const { sb, ctx } = await start(
      { leagues: ['NBA', 'NFL'], entries: 30, ratePerSecond: 300, startAfterConnections: 2 },
      {},
      { checkpoint: { position: from } },
    );
    await ctx.waitFor(caughtUp(sb, ctx, 30), 'the stream');
    expect(sb.requests().map((r) => r.lastEntryId)).toEqual([from, from]);
    for (const c of ctx.checkpoints)
      expect(Object.keys(JSON.parse(c.position!)).sort()).toEqual(['basketball:NBA', 'football:NFL']);
  });

  it('an unreadable checkpoint is reported as a gap and the feed starts from now', async () => {
    const { sb, ctx } = await start({ entries: 20, ratePerSecond: 300 }, {}, { checkpoint: { position: '{not json' } });
    await ctx.waitFor(caughtUp(sb, ctx, 20), 'the stream');
    expect(ctx.gaps.map((g) => g.reason)).toEqual(['checkpoint_unreadable']);
    expect(sb.requests()[0].lastEntryId).toBeNull();
    expectExactlyProduced(sb, ctx);
  });

  it('a failing sink stops the feed instead of moving past rows that are not durable', async () => {
    const sb = await startOpticOddsSandbox({ apiKey: KEY, leagues: ['NBA'], ratePerSecond: 200, entries: 50 });
    cleanup.push(() => sb.close());
    const ctx = createTestFeedContext();
    ctx.emit = async () => {
      throw new Error('disk full');
    };
    await expect(createOpticOddsAdapter({ baseUrl: sb.url, apiKey: KEY, leagues: ['NBA'] }).run(ctx)).rejects.toThrow(
      /sink failed \(disk full\)/,
    );
  });

  it('a refused API key stops the feed with what to fix', async () => {
    const sb = await startOpticOddsSandbox({ apiKey: KEY });
    cleanup.push(() => sb.close());
    const ctx = createTestFeedContext();
    const adapter = createOpticOddsAdapter({ baseUrl: sb.url, apiKey: 'wrong' });
    await expect(adapter.run(ctx)).rejects.toThrow(/HTTP 401.*OPTICODDS_API_KEY/);
  });

  it('a refused request (unknown sport) stops the feed; a league without a sport is a config error', async () => {
    const sb = await startOpticOddsSandbox({ apiKey: KEY });
    cleanup.push(() => sb.close());
    const ctx = createTestFeedContext();
    await expect(
      createOpticOddsAdapter({ baseUrl: sb.url, apiKey: KEY, leagues: ['X'], leagueSports: { X: 'curling' } }).run(ctx),
    ).rejects.toThrow(/HTTP 400.*sport\/league/);
    expect(() => createOpticOddsAdapter({ baseUrl: sb.url, apiKey: KEY, leagues: ['Premier League'] })).toThrow(
      /leagueSports/,
    );
  });
});
