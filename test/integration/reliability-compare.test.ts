import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarehouse, insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import { OddsTickSchema, type OddsTick } from '../../schemas/odds';
import { compareBoltOdds, emptyComparison } from '../support/reliability/compare';
import { tempDir } from '../support/stack';

/**
 * The reliability suites' BoltOdds comparison is itself a claim: it must see a suspension that
 * came after a price. (The soak once blamed the pipeline for six outcomes whose latest tick was a
 * suspension: argMax skips a NULL price and the comparison read the price before it.)
 */
let ch: Warehouse;
beforeAll(async () => {
  ch = await createWarehouse({
    dataDir: tempDir('compare'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await migrate(ch);
});
afterAll(async () => {
  await ch?.close();
});

const GAME = 'Detroit Lions vs Dallas Cowboys, 2027-01-22, 08';
function tick(outcome: string, second: number, price: number | null, flags: { removed?: boolean } = {}): OddsTick {
  const ts = new Date(Date.UTC(2027, 0, 22, 1, 0, second)).toISOString();
  return OddsTickSchema.parse({
    tick_id: `boltodds:${outcome}:${second}`,
    source: 'boltodds',
    book: 'fanduel',
    sport: 'football',
    league: 'nfl',
    event_key: GAME,
    provider_event_id: GAME,
    provider_odd_id: outcome,
    home_team: 'Detroit Lions',
    away_team: 'Dallas Cowboys',
    start_time: '2027-01-22T20:00:00.000Z',
    market: 'moneyline',
    market_raw: 'Moneyline',
    selection: outcome,
    line: null,
    price_american: price,
    price_decimal: price === null ? null : 2.19,
    implied_prob: price === null ? null : 0.457,
    is_main: true,
    is_live: false,
    locked: price === null && !flags.removed,
    removed: Boolean(flags.removed),
    ts,
    received_at: ts,
  });
}

const provider = (prices: Record<string, number | null>) => ({
  subscriptions: () => [{ accepted: true, filters: { sports: ['NFL'], markets: ['Moneyline'] } }] as never,
  currentPrices: () =>
    Object.entries(prices).map(([outcomeKey, price]) => ({
      book: 'fanduel',
      sport: 'NFL',
      game: GAME,
      market: 'Moneyline',
      outcomeKey,
      price,
    })),
});

describe('compareBoltOdds', () => {
  it('reads a suspension after a price as suspended, and reports a price the warehouse lacks', async () => {
    await insertRows(ch, 'odds_ticks', [
      tick('Dallas Cowboys Moneyline', 1, 119),
      tick('Dallas Cowboys Moneyline', 2, null), // suspended: the provider sends null odds
      tick('Detroit Lions Moneyline', 1, -140),
      tick('Detroit Lions Moneyline', 2, null),
      tick('Detroit Lions Moneyline', 3, -135), // back from a suspension
      tick('Tie Moneyline', 1, 1800),
      tick('Tie Moneyline', 2, null, { removed: true }),
    ]);
    const q = (sql: string) => queryRows<Record<string, unknown>>(ch, sql);

    const agree = emptyComparison();
    await compareBoltOdds(q, provider({ 'Dallas Cowboys Moneyline': null, 'Detroit Lions Moneyline': -135 }), agree);
    expect(agree.compared).toBe(2);
    expect(agree.lost).toEqual([]);
    expect(agree.duplicates).toEqual([]);

    // Negative control: the provider still quotes the suspended side and the withdrawn tie.
    const differ = emptyComparison();
    await compareBoltOdds(
      q,
      provider({ 'Dallas Cowboys Moneyline': 119, 'Detroit Lions Moneyline': -135, 'Tie Moneyline': 1800 }),
      differ,
    );
    expect(differ.lost).toEqual([
      `boltodds.latest:fanduel|${GAME}|Dallas Cowboys Moneyline=119(got null)`,
      `boltodds.latest:fanduel|${GAME}|Tie Moneyline=1800(got undefined)`,
    ]);
  });
});
