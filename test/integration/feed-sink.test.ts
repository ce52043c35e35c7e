import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedSink, loadCheckpoint } from '../../feeds/sink';
import { createWarehouse, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import type { OddsTick } from '../../schemas/odds';
import { OddsTickSchema } from '../../schemas/odds';
import { tempDir } from '../support/stack';

let ch: Warehouse;
beforeAll(async () => {
  ch = await createWarehouse({
    dataDir: tempDir('sink'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await migrate(ch);
});
afterAll(async () => {
  await ch?.close();
});

function tick(i: number, feed = 'sharpapi'): OddsTick {
  const ts = new Date(Date.UTC(2026, 10, 21, 18, 0, 0) + i * 10).toISOString();
  return OddsTickSchema.parse({
    tick_id: `${feed}:${i}`,
    source: feed,
    book: ['draftkings', 'fanduel', 'pinnacle'][i % 3],
    sport: 'basketball',
    league: 'nba',
    event_key: `evt-${i % 20}`,
    provider_event_id: `evt-${i % 20}`,
    provider_odd_id: `odd-${i % 60}`,
    home_team: 'Home',
    away_team: 'Away',
    start_time: '2026-11-22T01:00:00.000Z',
    market: 'moneyline',
    market_raw: 'Moneyline',
    selection: i % 2 ? 'Home' : 'Away',
    line: null,
    price_american: -110 - (i % 7),
    price_decimal: 1.9,
    implied_prob: 0.52,
    is_main: true,
    is_live: false,
    locked: false,
    removed: false,
    ts,
    received_at: ts,
  });
}
const count = async (sql: string) => Number((await queryRows<{ n: number }>(ch, sql))[0].n);

describe('feed sink on chDB', () => {
  it('loads every row, commits the checkpoint after the rows, and keeps memory bounded under backpressure', async () => {
    const sink = createFeedSink({ clickhouse: ch, feed: 'test-a', maxRows: 500, maxAgeMs: 50, maxBufferedRows: 1_000 });
    let maxSeen = 0;
    for (let i = 0; i < 12_000; i += 100) {
      await sink.emit(
        { ticks: Array.from({ length: 100 }, (_, k) => tick(i + k, 'opticodds')) },
        { position: String(i + 100) },
      );
      maxSeen = Math.max(maxSeen, sink.stats().buffered);
    }
    await sink.close();
    expect(maxSeen).toBeLessThan(1_000 + 100);
    expect(await count("SELECT count() AS n FROM odds_ticks FINAL WHERE source = 'opticodds'")).toBe(12_000);
    const cp = await loadCheckpoint(ch, 'test-a');
    expect(cp?.checkpoint.position).toBe('12000');
    expect(cp?.rowsTotal).toBe(12_000);
  });

  it('a batch replayed after a crash (rows written, checkpoint not) folds away: distinct ticks stay exact', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => tick(i, 'boltodds'));
    const first = createFeedSink({ clickhouse: ch, feed: 'test-b', maxRows: 1_000 });
    await first.emit({ ticks: rows.slice(0, 2_000) }, { position: '2000', state: { outcomes: 2 } });
    await first.close();
    // The "crash": the next 1,000 rows reached the table but their checkpoint never did.
    const lost = createFeedSink({ clickhouse: ch, feed: 'test-b-crashed' });
    await lost.emit({ ticks: rows.slice(2_000) }, { position: 'ignored' });
    await lost.close();
    const resume = await loadCheckpoint(ch, 'test-b');
    expect(resume?.checkpoint).toEqual({ position: '2000', state: { outcomes: 2 } });
    // Restart replays from 2000, re-emitting rows 1500.. (overlap included), then continues.
    const second = createFeedSink({ clickhouse: ch, feed: 'test-b', maxRows: 700 });
    await second.emit({ ticks: rows.slice(1_500) }, { position: '3000' });
    await second.close();
    expect(await count("SELECT count() AS n FROM odds_ticks FINAL WHERE source = 'boltodds'")).toBe(3_000);
    expect(await count("SELECT uniqExact(tick_id) AS n FROM odds_ticks WHERE source = 'boltodds'")).toBe(3_000);
    expect((await loadCheckpoint(ch, 'test-b'))?.checkpoint.position).toBe('3000');
  });

  it('close() waits for every queued flush: a burst of emits then close loses nothing', async () => {
    // Regression: a flush chained behind a running one used to be dropped by close().
    await ch.command({ query: "DELETE FROM odds_ticks WHERE source = 'sharpapi'" });
    const sink = createFeedSink({
      clickhouse: ch,
      feed: 'test-d',
      maxRows: 1_000,
      maxAgeMs: 10_000,
      maxBufferedRows: 100_000,
    });
    for (let i = 0; i < 40_000; i += 10)
      await sink.emit({ ticks: Array.from({ length: 10 }, (_, k) => tick(i + k)) }, { position: String(i + 10) });
    await sink.close();
    expect(await count("SELECT count() AS n FROM odds_ticks FINAL WHERE source = 'sharpapi'")).toBe(40_000);
    expect((await loadCheckpoint(ch, 'test-d'))?.checkpoint.position).toBe('40000');
  });

  it('when the warehouse refuses a batch, emit throws and the checkpoint does not move', async () => {
    const sink = createFeedSink({ clickhouse: ch, feed: 'test-c', maxRows: 10 });
    // A real failure: the table is gone while the feed writes.
    await ch.command({ query: 'RENAME TABLE odds_ticks TO odds_ticks_hidden' });
    try {
      await expect(async () => {
        for (let i = 0; i < 100; i++) await sink.emit({ ticks: [tick(50_000 + i)] }, { position: String(i) });
        await sink.flush();
      }).rejects.toThrow(/odds_ticks/);
    } finally {
      await ch.command({ query: 'RENAME TABLE odds_ticks_hidden TO odds_ticks' });
    }
    expect(await loadCheckpoint(ch, 'test-c')).toBeNull();
  });
});
