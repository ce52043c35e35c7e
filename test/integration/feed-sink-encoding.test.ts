import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeTickBatch } from '../../feeds/native';
import { TickBatch } from '../../feeds/tsv';
import { createWarehouse, insertEncoded, insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import type { OddsTick } from '../../schemas/odds';
import { tempDir } from '../support/stack';

let ch: Warehouse;
beforeAll(async () => {
  ch = await createWarehouse({
    dataDir: tempDir('sink-encoding'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await migrate(ch);
});
afterAll(async () => {
  await ch?.close();
});

const base: OddsTick = {
  tick_id: 't',
  source: 'opticodds',
  book: 'draftkings',
  sport: 'basketball',
  league: 'NBA',
  event_key: 'ev',
  provider_event_id: 'pev',
  provider_odd_id: 'odd',
  home_team: 'Home',
  away_team: 'Away',
  start_time: '2026-11-22T01:00:00.000Z',
  market: 'total',
  market_raw: 'Total Points',
  selection: 'Over',
  line: 200.5,
  price_american: -110,
  price_decimal: 1.9090909090909092,
  implied_prob: 0.5238095238095238,
  is_main: true,
  is_live: false,
  locked: false,
  removed: false,
  ts: '2026-11-21T18:00:00.123Z',
  received_at: '2026-11-21T18:00:01.000Z',
};

/** Values each encoding must carry exactly as the JSONEachRow insert did. */
const hostile: Array<Partial<OddsTick>> = [
  {},
  { home_team: 'Tab\there', away_team: 'Line\nbreak\r\nand \\ backslash', selection: 'O\'Neil "quoted"' },
  { home_team: 'Atlético Mineiro — São Paulo 東京 🏀', market_raw: 'é'.repeat(50), selection: 'x'.repeat(300) },
  {
    start_time: null,
    line: null,
    price_american: null,
    price_decimal: null,
    implied_prob: null,
    is_main: null,
    locked: true,
  },
  {
    start_time: '2026-11-22 01:00:00.000',
    ts: '2026-11-21T19:00:00+01:00',
    is_main: false,
    is_live: true,
    removed: true,
  },
  // Times the encoder reads itself: no zone is UTC, an offset without a colon, more than 3 digits, a bare date.
  { start_time: '2026-11-22T01:00', ts: '2026-11-21T13:00:00.987654-0500', received_at: '2026-11-21 18:00:01' },
  { start_time: '2026-11-22', ts: '1969-12-31T23:59:59.999Z' },
  { line: -3.5, price_american: 2_500, price_decimal: 26, implied_prob: 1 / 26 },
  { line: 1e-7, price_decimal: 1.0000000000000002 },
];
const ticks = (prefix: string) => hostile.map((o, i) => ({ ...base, ...o, tick_id: `${prefix}:${i}` }));
const rowsOf = (prefix: string) =>
  queryRows<Record<string, unknown>>(
    ch,
    `SELECT * EXCEPT (tick_id) FROM odds_ticks WHERE startsWith(tick_id, {p:String}) ORDER BY toUInt32(splitByChar(':', tick_id)[2])`,
    { p: `${prefix}:` },
  );

describe('tick encodings', () => {
  it('Native and TabSeparated batches store exactly what the JSONEachRow insert stores', async () => {
    await insertRows(ch, 'odds_ticks', ticks('json'));
    const native = new NativeTickBatch();
    native.add(ticks('native'));
    await insertEncoded(ch, 'odds_ticks', native.encoded());
    const tsv = new TickBatch();
    tsv.add(ticks('tsv'));
    await insertEncoded(ch, 'odds_ticks', tsv.encoded());
    // A batch that starts from its predecessor's sizes (as the sink makes them) encodes the same.
    const next = new NativeTickBatch(native);
    next.add(ticks('next'));
    await insertEncoded(ch, 'odds_ticks', next.encoded());
    const expected = await rowsOf('json');
    expect(expected).toHaveLength(hostile.length);
    expect(expected[1].away_team).toBe('Line\nbreak\r\nand \\ backslash');
    expect(expected[4].ts).toBe('2026-11-21 18:00:00.000');
    expect(await rowsOf('native')).toEqual(expected);
    expect(await rowsOf('tsv')).toEqual(expected);
    expect(await rowsOf('next')).toEqual(expected);
  });

  it('a batch grows past its first buffers without losing a byte', async () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({
      ...base,
      tick_id: `grow:${i}`,
      provider_odd_id: `odd-${'z'.repeat(i % 200)}`,
    }));
    const native = new NativeTickBatch();
    native.add(many);
    await insertEncoded(ch, 'odds_ticks', native.encoded());
    const got = await queryRows<{ n: number; bytes: number }>(
      ch,
      "SELECT count() AS n, sum(length(provider_odd_id)) AS bytes FROM odds_ticks WHERE startsWith(tick_id, 'grow:')",
    );
    expect(Number(got[0].n)).toBe(5_000);
    expect(Number(got[0].bytes)).toBe(many.reduce((s, t) => s + t.provider_odd_id.length, 0));
  });

  it('a value the engine could not read fails the insert and stores none of the batch', async () => {
    const tsv = new TickBatch();
    tsv.add([
      { ...base, tick_id: 'bad:0' },
      { ...base, tick_id: 'bad:1', ts: 'not a time' },
    ]);
    await expect(insertEncoded(ch, 'odds_ticks', tsv.encoded())).rejects.toThrow(/not a time|parse|DateTime/i);
    // The Native encoder writes binary times and integers, so it refuses such values before anything is sent.
    expect(() => new NativeTickBatch().add([{ ...base, tick_id: 'bad:2', ts: 'not a time' }])).toThrow(
      /ts "not a time" is not a time/,
    );
    expect(() => new NativeTickBatch().add([{ ...base, start_time: '2026-13-45T99:00:00Z' }])).toThrow(/start_time/);
    // A missing time is not a time either, even as the first value its column sees.
    expect(() => new NativeTickBatch().add([{ ...base, ts: undefined as unknown as string }])).toThrow(
      /ts "" is not a time/,
    );
    expect(() => new NativeTickBatch().add([{ ...base, price_american: 2 ** 40 }])).toThrow(/price_american/);
    const got = await queryRows<{ n: number }>(
      ch,
      "SELECT count() AS n FROM odds_ticks WHERE startsWith(tick_id, 'bad:')",
    );
    expect(Number(got[0].n)).toBe(0);
  });
});
