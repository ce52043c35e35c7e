import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStoredOdds, storedSince, storedTickIds } from '../../feeds/stored';
import { createWarehouse, insertRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import { OddsTickSchema, type OddsTick } from '../../schemas/odds';
import { tempDir } from '../support/stack';

/**
 * What a restarted consumer learns from the warehouse (feeds/stored.ts) must be the latest
 * stored row, NULLs included: argMax alone skips a NULL and answers with an older row's value.
 */
let ch: Warehouse;
beforeAll(async () => {
  ch = await createWarehouse({
    dataDir: tempDir('stored'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await migrate(ch);
});
afterAll(async () => {
  await ch?.close();
});

const at = (second: number) => new Date(Date.UTC(2026, 10, 21, 18, 0, second)).toISOString();
function tick(source: string, odd: string, second: number, o: Partial<OddsTick> = {}): OddsTick {
  const price = o.price_american === undefined ? -110 : o.price_american;
  return OddsTickSchema.parse({
    tick_id: `${source}:${odd}:${second}`,
    source,
    book: 'draftkings',
    sport: 'basketball',
    league: 'nba',
    event_key: 'evt-1',
    provider_event_id: 'evt-1',
    provider_odd_id: odd,
    home_team: 'Sacramento Kings',
    away_team: 'Boston Celtics',
    start_time: '2026-11-22T01:00:00.000Z',
    market: 'spread',
    market_raw: 'Point Spread',
    selection: 'Sacramento Kings',
    line: -0.5,
    price_decimal: price === null ? null : 1.91,
    implied_prob: price === null ? null : 0.524,
    is_main: true,
    is_live: false,
    locked: price === null,
    removed: false,
    ts: at(second),
    received_at: at(second),
    ...o,
    price_american: price,
  });
}

describe('stored odds on chDB', () => {
  it('storedSince: the latest row at or after the position, a suspension as null, a removal as removed', async () => {
    await insertRows(ch, 'odds_ticks', [
      tick('boltodds', 'A', 1, { price_american: 119 }),
      tick('boltodds', 'A', 4, { price_american: 123 }),
      tick('boltodds', 'A', 5, { price_american: null }),
      tick('boltodds', 'B', 5, { price_american: -105 }),
      tick('boltodds', 'B', 6, { price_american: null, locked: false, removed: true }),
      tick('boltodds', 'C', 2, { price_american: 150 }), // before the position: not asked about
      tick('sharpapi', 'A', 7, { price_american: 130 }), // another source
    ]);
    const rows = await storedSince(ch, 'boltodds', at(3));
    const byOdd = Object.fromEntries(rows.map((r) => [r.provider_odd_id, r]));
    expect(Object.keys(byOdd).sort()).toEqual(['A', 'B']);
    expect(byOdd.A).toEqual({
      book: 'draftkings',
      event_key: 'evt-1',
      provider_odd_id: 'A',
      price_american: null,
      locked: true,
      removed: false,
    });
    expect(byOdd.B).toMatchObject({ provider_odd_id: 'B', removed: true });
  });

  it('describeStoredOdds: every field from the latest quote, a NULL line and an in-play flag included, removals skipped', async () => {
    await insertRows(ch, 'odds_ticks', [
      tick('sharpapi', 'S', 1, { line: -0.5, market_raw: 'Point Spread' }),
      // The same odd id later quoted with no line and in play: the answer must not mix the rows.
      tick('sharpapi', 'S', 2, { line: null, market_raw: 'Point Spread (live)', is_live: true }),
      tick('sharpapi', 'S', 3, {
        price_american: null,
        locked: false,
        removed: true,
        line: 7.5,
        market_raw: 'removed',
      }),
    ]);
    const got = await describeStoredOdds(ch, 'sharpapi', ['S', 'unknown']);
    expect([...got.keys()]).toEqual(['S']);
    const s = got.get('S')!;
    expect(s).toMatchObject({
      book: 'draftkings',
      league: 'nba',
      event_key: 'evt-1',
      market: 'spread',
      market_raw: 'Point Spread (live)',
      selection: 'Sacramento Kings',
      line: null,
      is_live: true,
    });
    expect(Date.parse(`${String(s.start_time).replace(' ', 'T')}Z`)).toBe(Date.parse('2026-11-22T01:00:00.000Z'));
  });

  it('describeStoredOdds with a cutoff: the quote a removal removed, never a later re-listing', async () => {
    await insertRows(ch, 'odds_ticks', [
      tick('sharpapi', 'R', 10, { league: 'nba', line: -1.5 }),
      tick('sharpapi', 'R', 12, { price_american: null, locked: false, removed: true }),
      // Re-listed after the removal, on another line: a replay of the removal window must not take it.
      tick('sharpapi', 'R', 20, { league: 'nba', line: 42.5 }),
      tick('sharpapi', 'N', 30, { line: 3.5 }), // only quoted after the cutoff: nothing to describe
    ]);
    const cut = await describeStoredOdds(ch, 'sharpapi', ['R', 'N'], at(11));
    expect([...cut.keys()]).toEqual(['R']);
    expect(cut.get('R')).toMatchObject({ line: -1.5 });
    // Negative control: without the cutoff the later re-listing answers.
    expect((await describeStoredOdds(ch, 'sharpapi', ['R'])).get('R')).toMatchObject({ line: 42.5 });
  });

  it('storedTickIds: the ids held at or after the position, of that source only', async () => {
    await insertRows(ch, 'odds_ticks', [
      tick('sharpapi', 'T', 40, { price_american: null, locked: false, removed: true }),
      tick('sharpapi', 'T', 50),
      tick('opticodds', 'T', 45),
    ]);
    const asked = ['sharpapi:T:40', 'sharpapi:T:50', 'opticodds:T:45', 'sharpapi:T:99'];
    expect([...(await storedTickIds(ch, 'sharpapi', asked, at(41)))]).toEqual(['sharpapi:T:50']);
    expect([...(await storedTickIds(ch, 'sharpapi', asked, at(40)))].sort()).toEqual([
      'sharpapi:T:40',
      'sharpapi:T:50',
    ]);
    expect((await storedTickIds(ch, 'sharpapi', [], at(0))).size).toBe(0);
  });
});
