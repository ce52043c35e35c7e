import { describe, expect, it } from 'vitest';
import type { OddsTick } from '../../../schemas/odds';
import type { DescribedOdd, FeedRunContext } from '../../../feeds/types';
import { createTestFeedContext } from '../../support/feed-context';
import { caughtUp, sharpApiHarness, sorted, step, type Running } from '../../support/sharpapi-run';
import { sharpApiRowIds } from '../../support/reliability/truth-ids';

const { sandbox, runAdapter } = sharpApiHarness();

/** A removal's place in odds_ticks: two rows with one tick id and different keys are two rows under FINAL. */
const key = (t: Pick<OddsTick, 'league' | 'event_key' | 'market' | 'selection' | 'book' | 'ts' | 'tick_id'>) =>
  [t.league, t.event_key, t.market, t.selection, t.book, t.ts, t.tick_id].join('|');

/** What activities/feeds/feeds.ts answers from odds_ticks, over the rows an earlier run emitted (feeds/stored.ts). */
function warehouseOf(ticks: OddsTick[]): Pick<FeedRunContext, 'describeOdds' | 'storedTickIds'> {
  return {
    describeOdds: async (ids, atOrBefore) => {
      const out = new Map<string, DescribedOdd>();
      const best = new Map<string, OddsTick>();
      for (const t of ticks) {
        if (t.removed || !ids.includes(t.provider_odd_id) || (atOrBefore !== undefined && t.ts > atOrBefore)) continue;
        const b = best.get(t.provider_odd_id);
        if (!b || t.ts > b.ts || (t.ts === b.ts && t.tick_id > b.tick_id)) best.set(t.provider_odd_id, t);
      }
      for (const [id, t] of best) out.set(id, t);
      return out;
    },
    storedTickIds: async (ids, since) =>
      new Set(ticks.filter((t) => ids.includes(t.tick_id) && t.ts >= since).map((t) => t.tick_id)),
  };
}

/**
 * A crash after a window's rows and before its checkpoint replays that window from the same
 * `since` with an empty memory of quotes: restart from each checkpoint and keep the removals that
 * are the same events (same tick id) as before.
 */
async function replayFromEach(
  run: ReturnType<typeof sharpApiHarness>['runAdapter'],
  a: Running,
  warehouse: Partial<FeedRunContext>,
  opts: { pageLimit?: number; positions?: Set<string> } = {},
) {
  const before = new Set(a.ctx.ticks.filter((t) => t.removed).map((t) => t.tick_id));
  const out: OddsTick[] = [];
  // Intermediate pages repeat their window's position: one replay per position.
  const positions = [...new Set(a.ctx.checkpoints.map((c) => c.position!))].filter(
    (p) => !opts.positions || opts.positions.has(p),
  );
  for (const position of positions) {
    const cp = { position };
    const r = run(a.sb, { pageLimit: opts.pageLimit }, createTestFeedContext({ checkpoint: cp, ...warehouse }));
    await caughtUp(r);
    r.ctx.abort();
    await r.done;
    out.push(...r.ctx.ticks.filter((t) => t.removed && before.has(t.tick_id)));
  }
  return out;
}

describe('SharpAPI removals', () => {
  it('applies removed[] as removal ticks carrying what is known of the selection', async () => {
    const sb = await sandbox({ totalChanges: 300 });
    const r = runAdapter(sb);
    for (let i = 0; i < 6; i++) await step(r, 500);
    const removals = r.ctx.ticks.filter((t) => t.removed);
    expect(removals.length).toBe(sb.emitted().removals);
    expect(removals.length).toBeGreaterThan(0);
    for (const t of removals) {
      expect(t).toMatchObject({
        price_american: null,
        price_decimal: null,
        implied_prob: null,
        locked: false,
        source: 'sharpapi',
      });
      const lastQuote = r.ctx.ticks
        .slice(0, r.ctx.ticks.indexOf(t))
        .filter((q) => !q.removed && q.provider_odd_id === t.provider_odd_id)
        .at(-1)!;
      expect(lastQuote, t.provider_odd_id).toBeDefined();
      // Filled from the last quote of the same odd, and ordered after it.
      expect(t).toMatchObject({
        book: lastQuote.book,
        event_key: lastQuote.event_key,
        league: lastQuote.league,
        market: lastQuote.market,
        selection: lastQuote.selection,
        home_team: lastQuote.home_team,
      });
      expect(t.ts >= lastQuote.ts).toBe(true);
    }
  });

  it('a removal of an odd it never quoted is described from the odds id', async () => {
    const sb = await sandbox({ totalChanges: 400 });
    sb.advance(2000);
    const before = new Set(sharpApiRowIds(sb.emitted()).tickIds);
    // Start after the initial book: the poller never sees the quotes of odds removed in the next step.
    const r = runAdapter(sb, {}, createTestFeedContext({ checkpoint: { position: sb.now() } }));
    await step(r, 2000);
    const removals = r.ctx.ticks.filter((t) => t.removed);
    const unknown = removals.filter(
      (t) => !r.ctx.ticks.some((q) => !q.removed && q.provider_odd_id === t.provider_odd_id),
    );
    expect(unknown.length).toBeGreaterThan(0);
    for (const t of unknown) {
      const [book, event, ...rest] = t.provider_odd_id.split('_');
      expect(t.book).toBe(book);
      expect(t.event_key).toBe(event);
      expect(['moneyline', 'spread', 'total']).toContain(t.market);
      expect(t.market_raw).toBe(rest.slice(0, -1).join('_'));
      expect(t.selection).toBe(t.market === 'total' ? (rest.at(-1) === 'over' ? 'Over' : 'Under') : rest.at(-1));
    }
    expect(sorted(r.ctx.tickIds())).toEqual(
      sorted(sharpApiRowIds(sb.emitted()).tickIds.filter((id) => !before.has(id))),
    );
  });

  it('a removal replayed after a restart repeats the stored quote (the same row as before the crash), from the warehouse', async () => {
    const sb = await sandbox({ totalChanges: 300 });
    const a = runAdapter(sb);
    for (let i = 0; i < 6; i++) await step(a, 500);
    a.ctx.abort();
    await a.done;
    const before = new Map(a.ctx.ticks.filter((t) => t.removed).map((t) => [t.tick_id, t]));
    expect(before.size).toBeGreaterThan(0);
    const replayed = await replayFromEach(runAdapter, a, { describeOdds: warehouseOf(a.ctx.ticks).describeOdds });
    expect(new Set(replayed.map((t) => t.tick_id)).size).toBe(before.size);
    for (const t of replayed) expect(key(t)).toBe(key(before.get(t.tick_id)!));
    // Negative control: without the stored quotes the replayed removals land under other keys (a duplicate row for FINAL).
    const blind = await replayFromEach(runAdapter, a, {});
    expect(blind.filter((t) => key(t) !== key(before.get(t.tick_id)!)).length).toBeGreaterThan(0);
  });

  it('a removal after a quote on an earlier page of its window sorts after that quote, and a replay of the window stores no second copy', async () => {
    const sb = await sandbox({ changesPerSecond: 1000 });
    sb.advance(2000);
    // Start after the initial book: what the poller knows of an odd is what its own windows quoted.
    const a = runAdapter(sb, { pageLimit: 50 }, createTestFeedContext({ checkpoint: { position: sb.now() } }));
    await caughtUp(a);
    // Changes land between the pages of a window; some pull odds quoted on an earlier page of it.
    let inject = true;
    const baseOf = new Map<string, string>();
    const emit = a.ctx.emit.bind(a.ctx);
    a.ctx.emit = async (rows, cp) => {
      const base = a.ctx.lastCheckpoint()!.position!;
      for (const t of rows.ticks ?? []) if (t.removed) baseOf.set(t.tick_id, base);
      await emit(rows, cp);
      if (inject && cp.position !== sb.now()) sb.advance(20);
    };
    for (let i = 0; i < 3; i++) await step(a, 1000);
    inject = false;
    await step(a, 10);

    const removals = a.ctx.ticks.filter((t) => t.removed);
    const quotedInWindow = removals.filter((r) =>
      a.ctx.ticks.some(
        (q) =>
          !q.removed &&
          q.provider_odd_id === r.provider_odd_id &&
          q.ts > baseOf.get(r.tick_id)! &&
          a.ctx.ticks.indexOf(q) < a.ctx.ticks.indexOf(r),
      ),
    );
    expect(quotedInWindow.length, 'removals of odds quoted earlier in the same window').toBeGreaterThan(0);
    // The latest row of an odd is its state: a removal sorts after every quote emitted before it.
    for (const r of removals) {
      const earlier = a.ctx.ticks
        .slice(0, a.ctx.ticks.indexOf(r))
        .filter((q) => !q.removed && q.provider_odd_id === r.provider_odd_id);
      for (const q of earlier)
        expect(r.ts > q.ts, `${r.provider_odd_id}: removal at ${r.ts}, quote at ${q.ts}`).toBe(true);
    }

    const original = new Map(removals.map((t) => [t.tick_id, t]));
    // Replays of the windows that hold such removals.
    const positions = new Set(quotedInWindow.map((r) => baseOf.get(r.tick_id)!));
    const replayed = await replayFromEach(runAdapter, a, warehouseOf(a.ctx.ticks), { pageLimit: 50, positions });
    expect(replayed.filter((t) => key(t) !== key(original.get(t.tick_id)!))).toEqual([]);
    // Negative control: a replay that cannot ask which removals are stored re-describes them, and
    // the ones first described by a quote of their own window land under other keys.
    const blind = await replayFromEach(
      runAdapter,
      a,
      { describeOdds: warehouseOf(a.ctx.ticks).describeOdds },
      { pageLimit: 50, positions },
    );
    expect(blind.filter((t) => key(t) !== key(original.get(t.tick_id)!)).length).toBeGreaterThan(0);
  });
});
