import { readFileSync } from 'node:fs';
import { canonicalMarket } from '../../../odds/market';
import { describe, expect, it, type ExpectStatic, type TestContext } from 'vitest';
import {
  BoltOddsState,
  BoltOddsStateSchema,
  ConnectionWindow,
  DEFAULT_MARKETS,
  DEFAULT_SPORTS,
  boltOddsTickId,
  createBoltOddsAdapter,
  parseWhen,
  type BoltOddsAdapterOptions,
} from '../../../feeds/boltodds';
import { BoltOddsMessageSchema } from '../../../schemas/boltodds';
import { startBoltOddsSandbox, type BoltOddsSandbox, type BoltOddsSandboxOptions } from '../../../sandbox/boltodds';
import { createTestFeedContext, type TestFeedContext } from '../../support/feed-context';
import { boltOddsRowIds } from '../../support/reliability/truth-ids';

const KEY = 'test-boltodds-key';
const RECEIVED = '2025-07-23T19:50:00.000Z';
const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../../fixtures/boltodds/${name}.json`, import.meta.url), 'utf8'));
const msg = (raw: unknown) => BoltOddsMessageSchema.parse(raw) as Parameters<BoltOddsState['apply']>[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const METS = 'New York Mets Moneyline';
const ANGELS = 'Los Angeles Angels Moneyline';

function lineUpdate(odds: unknown, timestamp: string) {
  const m = fixture('line-update');
  m.timestamp = timestamp;
  m.data.outcomes[METS].odds = odds;
  return msg(m);
}

describe('diff engine on the doc examples', () => {
  it('initial_state emits every outcome once, normalized', () => {
    const s = new BoltOddsState();
    const { ticks } = s.apply(msg(fixture('initial-state')), RECEIVED);
    expect(ticks.map((t) => [t.selection, t.price_american])).toEqual([
      ['New York Mets', -10000],
      ['Los Angeles Angels', 3300],
    ]);
    expect(ticks[1]).toMatchObject({
      source: 'boltodds',
      book: 'ballybet',
      league: 'MLB',
      sport: 'baseball',
      event_key: 'New York Mets vs Los Angeles Angels, 2025-07-23, 01',
      provider_event_id: '1022036664',
      provider_odd_id: ANGELS,
      home_team: 'New York Mets',
      away_team: 'Los Angeles Angels',
      // "01:09 PM" US Eastern on a July day is 17:09 UTC (EDT).
      start_time: '2025-07-23T17:09:00.000Z',
      is_live: true,
      market: 'moneyline',
      market_raw: 'Moneyline',
      line: null,
      price_decimal: 34,
      locked: false,
      removed: false,
      ts: '2025-07-23T19:45:03.048958Z',
      received_at: RECEIVED,
    });
    expect(ticks[1].tick_id).toBe(
      boltOddsTickId({
        sportsbook: 'ballybet',
        eventKey: ticks[1].event_key,
        outcomeKey: ANGELS,
        price: 3300,
        line: null,
        flag: 'price',
        timestamp: '2025-07-23T19:45:03.048958+00:00',
      }),
    );
  });

  it('replaying a message gives the same ids; a replayed snapshot is not a change', () => {
    const a = new BoltOddsState().apply(msg(fixture('initial-state')), RECEIVED).ticks.map((t) => t.tick_id);
    const s = new BoltOddsState();
    expect(s.apply(msg(fixture('initial-state')), 'x').ticks.map((t) => t.tick_id)).toEqual(a);
    expect(s.apply(msg(fixture('initial-state')), RECEIVED).ticks).toEqual([]);
  });

  it('game_update emits only the outcomes whose price changed', () => {
    const s = new BoltOddsState();
    s.apply(msg(fixture('initial-state')), RECEIVED);
    const oneChanged = fixture('game-update');
    oneChanged.data.outcomes[ANGELS].odds = '+3300';
    expect(s.apply(msg(oneChanged), RECEIVED).ticks.map((t) => [t.provider_odd_id, t.price_american])).toEqual([
      [METS, -3333],
    ]);
    const bothChanged = s.apply(
      msg({ ...fixture('game-update'), timestamp: '2025-07-23T19:47:00.000000+00:00' }),
      RECEIVED,
    ).ticks;
    expect(bothChanged.map((t) => [t.provider_odd_id, t.price_american])).toEqual([[ANGELS, 900]]);
  });

  it('a line move is a change even at the same price', () => {
    const s = new BoltOddsState();
    const base = fixture('initial-state');
    base.data.outcomes[METS] = { ...base.data.outcomes[METS], outcome_name: 'Run Line', outcome_line: -1.5 };
    s.apply(msg(base), RECEIVED);
    base.data.outcomes[METS].outcome_line = '-2.5';
    base.timestamp = '2025-07-23T19:46:00.000000+00:00';
    const { ticks } = s.apply(msg(base), RECEIVED);
    expect(ticks.map((t) => [t.market, t.selection, t.line, t.price_american])).toEqual([
      ['spread', 'New York Mets', -2.5, -10000],
    ]);
  });

  it('a snapshot that no longer lists a subscribed outcome withdraws it; an unsubscribed one is left alone', () => {
    const s = new BoltOddsState();
    s.apply(msg(fixture('initial-state')), RECEIVED);
    const partial = fixture('game-update');
    delete partial.data.outcomes[ANGELS];
    partial.data.outcomes[METS].odds = '-10000';
    const { ticks } = s.apply(msg(partial), RECEIVED);
    expect(ticks.map((t) => [t.provider_odd_id, t.removed, t.price_american, t.locked])).toEqual([
      [ANGELS, true, null, false],
    ]);

    const t = new BoltOddsState();
    t.setFilters({ markets: ['Spread'] });
    t.apply(msg(fixture('initial-state')), RECEIVED);
    expect(t.apply(msg(partial), RECEIVED).ticks).toEqual([]);
  });

  it("suspension: None / '' / null give one locked tick with no price, then nothing until it reopens", () => {
    const s = new BoltOddsState();
    s.apply(msg(fixture('initial-state')), RECEIVED);
    const locked = s.apply(lineUpdate(null, '2025-07-23T19:46:00.000000+00:00'), RECEIVED).ticks;
    expect(locked).toHaveLength(1);
    expect(locked[0]).toMatchObject({
      provider_odd_id: METS,
      locked: true,
      removed: false,
      price_american: null,
      price_decimal: null,
      implied_prob: null,
    });
    expect(s.apply(lineUpdate('', '2025-07-23T19:46:01.000000+00:00'), RECEIVED).ticks).toEqual([]);
    expect(s.apply(lineUpdate('None', '2025-07-23T19:46:02.000000+00:00'), RECEIVED).ticks).toEqual([]);
    const reopened = s.apply(lineUpdate('-1250', '2025-07-23T19:46:03.000000+00:00'), RECEIVED).ticks;
    expect(reopened.map((t) => [t.locked, t.price_american])).toEqual([[false, -1250]]);
    expect(s.apply(lineUpdate('', '2025-07-23T19:46:04.000000+00:00'), RECEIVED).ticks.map((t) => t.locked)).toEqual([
      true,
    ]);
  });

  it('game_removed withdraws every known outcome of the game and forgets it', () => {
    const s = new BoltOddsState();
    s.apply(msg(fixture('initial-state')), RECEIVED);
    const { ticks } = s.apply(msg(fixture('game-removed')), RECEIVED);
    expect(ticks.map((t) => [t.provider_odd_id, t.removed, t.price_american])).toEqual([
      [METS, true, null],
      [ANGELS, true, null],
    ]);
    expect(s.size()).toEqual({ games: 0, outcomes: 0 });
    expect(s.apply(msg(fixture('game-update')), RECEIVED).ticks).toHaveLength(2);
  });

  it('book_clear and sport_clear report a gap, delete nothing, and the resent snapshot emits only real changes', () => {
    const s = new BoltOddsState();
    s.apply(msg(fixture('initial-state')), RECEIVED);
    const sport = s.apply(msg(fixture('sport-clear')), RECEIVED);
    expect(sport.ticks).toEqual([]);
    expect(sport.gaps).toEqual([
      expect.objectContaining({ reason: 'sport_clear', from: '2025-07-23T19:58:43.086382+00:00' }),
    ]);
    expect(sport.gaps[0].detail).toMatch(/dropped 0 game/); // NBA: the MLB game is untouched
    const book = s.apply(msg(fixture('book-clear')), RECEIVED);
    expect(book.ticks).toEqual([]);
    expect(book.gaps).toEqual([expect.objectContaining({ reason: 'book_clear' })]);
    expect(book.gaps[0].detail).toMatch(/dropped 1 game/);
    expect(s.size()).toEqual({ games: 1, outcomes: 2 });
    const resent = fixture('initial-state');
    resent.action = 'game_update';
    resent.timestamp = '2025-07-23T20:00:00.000000+00:00';
    expect(s.apply(msg(resent), RECEIVED).ticks).toEqual([]);
    resent.data.outcomes[METS].odds = '-9000';
    expect(s.apply(msg(resent), RECEIVED).ticks.map((t) => t.price_american)).toEqual([-9000]);
  });

  it('an unparseable price is rejected alone; the other outcomes still apply', () => {
    const s = new BoltOddsState();
    const m = fixture('initial-state');
    m.data.outcomes[METS].odds = '+1O5';
    const r = s.apply(msg(m), RECEIVED);
    expect(r.rejects).toEqual([expect.objectContaining({ reason: 'unparseable_price' })]);
    expect(r.rejects[0].detail).toContain(METS);
    expect(r.ticks.map((t) => t.provider_odd_id)).toEqual([ANGELS]);
  });

  it('after a fresh subscription, games the initial_state dump does not resend are withdrawn at the first other message', () => {
    const s = new BoltOddsState();
    s.apply(msg(fixture('initial-state')), RECEIVED);
    const other = fixture('initial-state');
    other.data.game = other.data.info.game = 'Chicago Cubs vs Houston Astros, 2025-07-23, 07';
    s.apply(msg(other), RECEIVED);
    s.beginInitialState();
    expect(s.apply(msg(fixture('initial-state')), RECEIVED).ticks).toEqual([]);
    const next = s.apply(lineUpdate('-10000', '2025-07-23T19:46:00.000000+00:00'), RECEIVED);
    expect(next.swept).toBe(2);
    expect(next.ticks.map((t) => [t.event_key, t.removed])).toEqual([
      ['Chicago Cubs vs Houston Astros, 2025-07-23, 07', true],
      ['Chicago Cubs vs Houston Astros, 2025-07-23, 07', true],
    ]);
  });

  describe('a restore older than the warehouse (a crash after a durable batch, before its checkpoint)', () => {
    const EVENT = 'New York Mets vs Los Angeles Angels, 2025-07-23, 01';
    // Checkpointed: the Mets suspended. After it (durable, not checkpointed): reopened at -9000.
    // While linehouse was down: suspended again. The next initial_state lists the Mets suspended.
    function scenario() {
      const before = new BoltOddsState();
      before.apply(msg(fixture('initial-state')), RECEIVED);
      before.apply(lineUpdate(null, '2025-07-23T19:46:00.000000+00:00'), RECEIVED);
      const restored = BoltOddsState.restore(JSON.parse(JSON.stringify(before.snapshot()))).state;
      const stored = [
        {
          book: 'ballybet',
          event_key: EVENT,
          provider_odd_id: METS,
          price_american: -9000,
          locked: false,
          removed: false,
        },
      ];
      const suspendedAgain = fixture('initial-state');
      suspendedAgain.timestamp = '2025-07-23T19:50:00.000000+00:00';
      suspendedAgain.data.outcomes[METS].odds = null;
      return { restored, stored, suspendedAgain };
    }

    it('reconciled with the rows stored after the checkpoint, the next initial_state stores the suspension again', () => {
      const { restored, stored, suspendedAgain } = scenario();
      expect(restored.reconcile(stored)).toBe(1);
      restored.beginInitialState();
      const { ticks } = restored.apply(msg(suspendedAgain), RECEIVED);
      expect(ticks.map((t) => [t.provider_odd_id, t.locked, t.price_american])).toEqual([[METS, true, null]]);
    });

    it('negative control: diffed against the checkpoint state alone, the suspension is missed (the warehouse keeps -9000)', () => {
      const { restored, suspendedAgain } = scenario();
      restored.beginInitialState();
      expect(restored.apply(msg(suspendedAgain), RECEIVED).ticks).toEqual([]);
    });

    it('rows the state already reflects, outcomes it never had and removals change nothing else', () => {
      const { restored } = scenario();
      expect(
        restored.reconcile([
          {
            book: 'ballybet',
            event_key: EVENT,
            provider_odd_id: METS,
            price_american: null,
            locked: true,
            removed: false,
          },
          {
            book: 'ballybet',
            event_key: EVENT,
            provider_odd_id: 'Not An Outcome',
            price_american: 110,
            locked: false,
            removed: false,
          },
        ]),
      ).toBe(0);
      expect(
        restored.reconcile([
          {
            book: 'ballybet',
            event_key: EVENT,
            provider_odd_id: ANGELS,
            price_american: null,
            locked: false,
            removed: true,
          },
        ]),
      ).toBe(1);
      expect(restored.size()).toEqual({ games: 1, outcomes: 1 });
    });
  });

  it('a cleared game the next initial_state leaves out is forgotten without withdrawal ticks', () => {
    const s = new BoltOddsState();
    s.apply(msg(fixture('initial-state')), RECEIVED);
    const nba = fixture('initial-state');
    nba.data.sport = 'NBA';
    nba.data.game = nba.data.info.game = 'Boston Celtics vs Miami Heat, 2025-07-23, 07';
    s.apply(msg(nba), RECEIVED);
    s.apply(msg(fixture('sport-clear')), RECEIVED);
    s.beginInitialState();
    expect(s.apply(msg(fixture('initial-state')), RECEIVED).ticks).toEqual([]);
    const next = s.apply(lineUpdate('-10000', '2025-07-23T20:00:00.000000+00:00'), RECEIVED);
    expect(next.ticks).toEqual([]);
    expect(next.swept).toBe(0);
    expect(s.size()).toEqual({ games: 1, outcomes: 2 });
  });

  it('checkpoint state: restores without re-emitting, and an emitted snapshot never changes afterwards', () => {
    const s = new BoltOddsState();
    s.apply(msg(fixture('initial-state')), RECEIVED);
    const snap = s.snapshot();
    const frozen = JSON.stringify(snap);
    s.apply(msg(fixture('game-update')), RECEIVED);
    expect(JSON.stringify(snap)).toBe(frozen);
    const { state, error } = BoltOddsState.restore(JSON.parse(frozen));
    expect(error).toBeNull();
    expect(state.apply(msg(fixture('initial-state')), RECEIVED).ticks).toEqual([]);
    expect(BoltOddsState.restore({ v: 2 }).error).toMatch(/v/);
  });

  it('universal_id, when present, is the event key', () => {
    const m = fixture('initial-state');
    m.data.universal_id = 'ac792a4acb18';
    expect(new BoltOddsState().apply(msg(m), RECEIVED).ticks[0].event_key).toBe('ac792a4acb18');
  });

  it('market names and start times', () => {
    expect(
      [
        'Moneyline',
        'Run Line',
        'Puck Line',
        'Point Spread',
        'Total Runs',
        'Total Points',
        'Player Points',
        'Fight To Not Go Distance',
      ].map(canonicalMarket),
    ).toEqual([
      'moneyline',
      'spread',
      'spread',
      'spread',
      'total',
      'total',
      'player_points',
      'fight_to_not_go_distance',
    ]);
    expect(parseWhen('2025-12-07, 01:00 PM')).toBe('2025-12-07T18:00:00.000Z'); // EST
    expect(parseWhen('2025-07-23, 12:05 AM')).toBe('2025-07-23T04:05:00.000Z');
    expect(parseWhen('soon')).toBeNull();
  });

  it('the connection budget allows 12 attempts per sliding minute', () => {
    let now = 0;
    const w = new ConnectionWindow(12, 60_000, 1_000, () => now);
    for (let i = 0; i < 12; i++) {
      expect(w.delay()).toBe(0);
      w.record();
      now += 1_000;
    }
    expect(w.delay()).toBe(60_000 + 1_000 - 12_000);
    now = 61_000;
    expect(w.delay()).toBe(0);
    w.block();
    expect(w.delay()).toBe(61_000);
  });
});

// ---------------------------------------------------------------- against the sandbox

/** Sandbox and adapter factories whose resources close when their own test ends (some tests run concurrently). */
function harness({ onTestFinished }: Pick<TestContext, 'onTestFinished'>) {
  return {
    async sandbox(o: Partial<BoltOddsSandboxOptions> = {}) {
      const sb = await startBoltOddsSandbox({
        apiKey: KEY,
        seed: 42,
        ratePerSecond: 1000,
        updates: 0,
        books: ['draftkings', 'fanduel'],
        pingIntervalMs: 200,
        ...o,
      });
      onTestFinished(() => sb.close());
      return sb;
    },
    start(sb: BoltOddsSandbox, o: Partial<BoltOddsAdapterOptions> = {}, ctx = createTestFeedContext()) {
      const adapter = createBoltOddsAdapter({ url: sb.url, apiKey: KEY, backoff: { initialMs: 20, maxMs: 100 }, ...o });
      const run = adapter.run(ctx);
      onTestFinished(async () => {
        ctx.abort();
        await run.catch(() => undefined);
      });
      return { adapter, ctx, run };
    },
  };
}

const truth = (sb: BoltOddsSandbox) => new Set(boltOddsRowIds(sb.emitted().changes));
function missing(sb: BoltOddsSandbox, ctx: TestFeedContext) {
  const got = ctx.tickIds();
  return [...truth(sb)].filter((id) => !got.has(id));
}
function extra(sb: BoltOddsSandbox, ctx: TestFeedContext) {
  const want = truth(sb);
  return [...ctx.tickIds()].filter((id) => !want.has(id));
}

/** Waits until every ground-truth id arrived, then checks nothing else did and nothing came twice. */
async function caughtUp(
  expect: ExpectStatic,
  sb: BoltOddsSandbox,
  ctx: TestFeedContext,
  what = 'adapter to match the sandbox ground truth',
  timeoutMs = 8_000,
) {
  await ctx.waitFor(() => sb.emitted().changes.length > 0 && missing(sb, ctx).length === 0, what, timeoutMs);
  await sleep(100);
  expect(missing(sb, ctx)).toEqual([]);
  expect(extra(sb, ctx)).toEqual([]);
  expect(ctx.ticks.length).toBe(ctx.tickIds().size);
}

describe('adapter against the sandbox', () => {
  it('a scripted stream yields exactly the ground-truth ticks, once each', async ({ expect, onTestFinished }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const sb = await sandbox({ updates: 400, seed: 7 });
    const { adapter, ctx } = start(sb);
    await ctx.waitFor(() => sb.scriptDone(), 'script to finish');
    await caughtUp(expect, sb, ctx);
    const counts = sb.emitted().counts;
    expect(ctx.ticks.length).toBe(counts.price + counts.locked + counts.removed);
    expect(ctx.ticks.filter((t) => t.locked).length).toBe(counts.locked);
    expect(ctx.ticks.filter((t) => t.removed).length).toBe(counts.removed);
    expect(counts.locked).toBeGreaterThan(0);
    expect(counts.removed).toBeGreaterThan(0);
    // game_update resends whole games: far more outcomes crossed the wire than changed.
    expect(counts.resentOutcomes).toBeGreaterThan(3 * counts.resentChanges);
    expect(counts.resentChanges).toBeGreaterThan(0);
    expect(
      ctx.ticks.every((t) => DEFAULT_SPORTS.includes(t.league) && ['moneyline', 'spread', 'total'].includes(t.market)),
    ).toBe(true);
    expect(
      ctx.ticks
        .filter((t) => t.market === 'total')
        .every((t) => (t.selection === 'Over' || t.selection === 'Under') && t.line! > 0),
    ).toBe(true);
    expect(ctx.rejections).toEqual([]);
    expect(ctx.gaps).toEqual([]);
    const last = ctx.lastCheckpoint()!;
    expect(BoltOddsStateSchema.parse(last.state).games.reduce((n, g) => n + Object.keys(g.outcomes).length, 0)).toBe(
      adapter.stateSize().outcomes,
    );
    const positions = ctx.checkpoints.map((c) => c.position!);
    expect(positions).toEqual([...positions].sort());
    expect(ctx.healthState).toMatchObject({ connected: true, reconnects: 0, rejected: 0 });
    expect(ctx.healthState.messages).toBeGreaterThan(400);
  });

  it('a disconnect mid-message: reconnects, reports the gap, no loss and no duplicate', async ({
    expect,
    onTestFinished,
  }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const sb = await sandbox({ updates: 150 });
    // A slow sink: frames are still queued when the socket closes, and must not be lost.
    const { ctx } = start(sb, {}, createTestFeedContext({ emitDelayMs: 1 }));
    await ctx.waitFor(() => sb.scriptDone(), 'script to finish');
    await caughtUp(expect, sb, ctx);
    const before = ctx.ticks.length;
    sb.flood(200);
    sb.disconnectMidMessage();
    await ctx.waitFor(() => sb.subscriptions().length === 2, 'the adapter to reconnect');
    sb.flood(100);
    await caughtUp(expect, sb, ctx);
    expect(ctx.ticks.length).toBeGreaterThan(before);
    expect(ctx.gaps).toEqual([
      expect.objectContaining({ reason: 'reconnect', from: expect.any(String), to: expect.any(String) }),
    ]);
    expect(ctx.healthState.reconnects).toBe(1);
    expect(ctx.rejections).toEqual([]);
  });

  it('malformed frames are rejected one by one and the stream goes on', async ({ expect, onTestFinished }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const sb = await sandbox();
    const { ctx } = start(sb);
    await ctx.waitFor(() => sb.subscriptions().length === 1 && ctx.emits > 0, 'subscription');
    sb.flood(20);
    sb.sendMalformed(4);
    sb.flood(20);
    await caughtUp(expect, sb, ctx);
    await ctx.waitFor(() => ctx.rejections.length === 4, '4 rejections');
    expect(ctx.rejections.map((r) => r.reason).sort()).toEqual([
      'malformed_json',
      'malformed_json',
      'schema',
      'unparseable_price',
    ]);
    expect(ctx.rejections.find((r) => r.reason === 'unparseable_price')!.raw).toContain('+1O5');
    expect(ctx.healthState.rejected).toBe(4);
    expect(ctx.healthState.reconnects).toBe(0);
  });

  it('book_clear: gap reported, nothing withdrawn, and the resent games emit only real changes', async ({
    expect,
    onTestFinished,
  }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const sb = await sandbox({ updates: 50 });
    const { ctx } = start(sb);
    await ctx.waitFor(() => sb.scriptDone(), 'script to finish');
    await caughtUp(expect, sb, ctx);
    const ticksBefore = ctx.ticks.length;
    const truthBefore = sb.emitted();
    sb.clearBook('draftkings');
    sb.clearSport('NBA');
    await ctx.waitFor(() => ctx.gaps.length === 3, 'three clear gaps');
    await caughtUp(expect, sb, ctx);
    expect(ctx.gaps.map((g) => g.reason)).toEqual(['book_clear', 'sport_clear', 'sport_clear']);
    const after = ctx.ticks.slice(ticksBefore);
    const resent = sb.emitted().counts.resentOutcomes - truthBefore.counts.resentOutcomes;
    expect(after.every((t) => !t.removed)).toBe(true);
    expect(after.length).toBe(sb.emitted().changes.length - truthBefore.changes.length);
    expect(after.length).toBeLessThan(resent / 3);
  });

  it('a flood is absorbed with bounded memory while emit() holds back', async ({ expect, onTestFinished }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const sb = await sandbox();
    const ctx = createTestFeedContext();
    const inner = ctx.emit.bind(ctx);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let held = false;
    ctx.emit = async (rows, cp) => {
      if (held) await gate;
      return inner(rows, cp);
    };
    const { adapter } = start(sb, { maxQueuedFrames: 32 }, ctx);
    await ctx.waitFor(() => sb.subscriptions().length === 1 && ctx.emits > 0, 'subscription');
    await sleep(100);
    held = true;
    const seen = ctx.healthState.messages;
    sb.flood(3_000);
    let peak = 0;
    try {
      for (let i = 0; i < 30; i++) {
        peak = Math.max(peak, adapter.queuedFrames());
        await sleep(10);
      }
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThan(500); // 32 plus what one socket read had already decoded, not 3 000
      expect(ctx.healthState.messages - seen).toBeLessThan(500);
    } finally {
      held = false;
      release();
    }
    await caughtUp(expect, sb, ctx, 'the flood to drain', 12_000);
    expect(sb.emitted().counts.messages).toBeGreaterThan(3_000);
  });

  it('restarts from its checkpoint without re-emitting unchanged outcomes', async ({ expect, onTestFinished }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const sb = await sandbox({ updates: 100 });
    const first = start(sb);
    await first.ctx.waitFor(() => sb.scriptDone(), 'script');
    await caughtUp(expect, sb, first.ctx);
    first.ctx.abort();
    await first.run;
    const checkpoint = first.ctx.lastCheckpoint()!;
    const truthBefore = sb.emitted().changes.length;
    const second = start(sb, {}, createTestFeedContext({ checkpoint }));
    await second.ctx.waitFor(() => sb.subscriptions().length === 2 && second.ctx.emits > 10, 'the second subscription');
    await sleep(200);
    expect(second.ctx.ticks).toEqual([]);
    sb.flood(40);
    await second.ctx.waitFor(
      () =>
        second.ctx.ticks.length > 0 &&
        boltOddsRowIds(sb.emitted().changes.slice(truthBefore)).every((id) => second.ctx.tickIds().has(id)),
      'new changes',
    );
    await sleep(100);
    expect([...second.ctx.tickIds()].sort()).toEqual(boltOddsRowIds(sb.emitted().changes.slice(truthBefore)).sort());
    expect(second.ctx.gaps[0]).toMatchObject({ reason: 'reconnect', from: checkpoint.position });
  });

  it('a bad key fails with what to fix; abort stops promptly', async ({ expect, onTestFinished }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const sb = await sandbox();
    const ctx = createTestFeedContext();
    await expect(createBoltOddsAdapter({ url: sb.url, apiKey: 'wrong' }).run(ctx)).rejects.toThrow(
      /API key.*BOLTODDS_API_KEY/,
    );
    const { ctx: live, run } = start(sb);
    await live.waitFor(() => live.healthState.connected, 'connected');
    const t = Date.now();
    live.abort();
    await run;
    expect(Date.now() - t).toBeLessThan(500);
    expect(live.healthState.connected).toBe(false);
  });
});

// Rules that take wall-clock time (the 5 s re-subscription limit, budgets, timeouts) wait side by side.
describe.concurrent('adapter timing rules against the sandbox', () => {
  it('re-subscribes on the same socket, at most once per 5 s, with the latest filters', async ({
    expect,
    onTestFinished,
  }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const sb = await sandbox({ pingIntervalMs: 1_000 });
    const { adapter, ctx } = start(sb);
    await ctx.waitFor(() => sb.subscriptions().length === 1 && ctx.emits > 0, 'subscription');
    const t0 = sb.subscriptions()[0].at;
    adapter.updateFilters({ markets: [...DEFAULT_MARKETS, 'Player Points'] });
    await sleep(50);
    adapter.updateFilters({ sports: [...DEFAULT_SPORTS, 'UFC'] });
    await ctx.waitFor(
      () => ctx.ticks.some((t) => t.market === 'player_points') && ctx.ticks.some((t) => t.league === 'UFC'),
      'ticks under the new filters',
      9_000,
    );
    const subs = sb.subscriptions();
    expect(subs.map((s) => [s.connection, s.first, s.accepted])).toEqual([
      [1, true, true],
      [1, false, true],
    ]);
    expect(subs[1].at - t0).toBeGreaterThanOrEqual(5_000);
    expect(subs[1].filters.markets).toContain('Player Points');
    expect(subs[1].filters.sports).toContain('UFC');
    expect(subs[0].filters.sports).not.toContain('UFC');
    expect(sb.rateLimitErrors()).toBe(0);
    expect(sb.connectionsInLastMinute()).toBe(1);
    expect(ctx.healthState.reconnects).toBe(0);
    await caughtUp(expect, sb, ctx);
  }, 15_000);

  it('answers the rate-limit error by waiting and re-sending the latest filters', async ({
    expect,
    onTestFinished,
  }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const sb = await sandbox({ resubscribeIntervalMs: 1_200 });
    const { adapter, ctx } = start(sb, { resubscribeIntervalMs: 100 });
    await ctx.waitFor(() => sb.subscriptions().length === 1, 'subscription');
    adapter.updateFilters({ markets: ['Moneyline'] });
    await ctx.waitFor(
      () => sb.subscriptions().some((s) => s.accepted && !s.first),
      'an accepted re-subscription',
      5_000,
    );
    expect(sb.rateLimitErrors()).toBeGreaterThan(0);
    expect(
      ctx.logs.some((l) => l.event === 'boltodds.server_error' && /rate limit/i.test(String(l.fields.message))),
    ).toBe(true);
    expect(
      sb
        .subscriptions()
        .filter((s) => s.accepted)
        .map((s) => [s.connection, s.filters.markets]),
    ).toEqual([
      [1, DEFAULT_MARKETS],
      [1, ['Moneyline']],
    ]);
    const before = ctx.ticks.length;
    sb.flood(30);
    await caughtUp(expect, sb, ctx);
    // Withdrawn games still withdraw what we knew of them; every new price is a moneyline.
    expect(
      ctx.ticks
        .slice(before)
        .filter((t) => !t.removed)
        .every((t) => t.market === 'moneyline'),
    ).toBe(true);
  });

  it('a reconnect storm stays inside the connection budget', async ({ expect, onTestFinished }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const limit = { max: 4, windowMs: 1_000 };
    const sb = await sandbox({ connectionLimit: limit });
    sb.setFlaky(true);
    const { ctx } = start(sb, { connectionLimit: { ...limit, marginMs: 100 }, backoff: { initialMs: 5, maxMs: 10 } });
    let peak = 0;
    const until = Date.now() + 3_300;
    while (Date.now() < until) {
      peak = Math.max(peak, sb.connectionsInLastMinute());
      await sleep(10);
    }
    const connections = new Set(sb.subscriptions().map((s) => s.connection)).size;
    expect(sb.refusedConnections()).toBe(0);
    expect(peak).toBeLessThanOrEqual(limit.max);
    expect(connections).toBeGreaterThanOrEqual(2 * limit.max); // it kept reconnecting, just not faster
    expect(ctx.logs.some((l) => l.event === 'boltodds.connection_budget')).toBe(true);
    expect(ctx.gaps.length).toBeGreaterThan(0);
    expect(ctx.gaps.every((g) => g.reason === 'reconnect')).toBe(true);
  });

  it('treats a silent socket as dead, but not one that pings', async ({ expect, onTestFinished }) => {
    const { sandbox, start } = harness({ onTestFinished });
    const quiet = await sandbox({ pingIntervalMs: 60_000 });
    const a = start(quiet, { pingTimeoutMs: 400 });
    const chatty = await sandbox({ pingIntervalMs: 50 });
    const b = start(chatty, { pingTimeoutMs: 400 });
    await sleep(1_300);
    expect(quiet.subscriptions().length).toBeGreaterThanOrEqual(2);
    expect(a.ctx.logs.some((l) => l.event === 'boltodds.stalled')).toBe(true);
    expect(chatty.subscriptions().length).toBe(1);
    expect(b.ctx.healthState.reconnects).toBe(0);
  });
});
