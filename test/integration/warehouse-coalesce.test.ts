import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendRows,
  createWarehouse,
  insertRows,
  lookupByKey,
  queryRows,
  type Warehouse,
} from '../../platform/warehouse/client';
import { tempDir } from '../support/stack';

/**
 * appendRows and lookupByKey on a real chDB: concurrent calls share statements (fewer parts; one
 * IN for many keys), and every caller still gets exactly its own rows and answers.
 */
let ch: Warehouse;
const table = `coalesce_${Math.random().toString(36).slice(2, 10)}`;

beforeAll(async () => {
  ch = await createWarehouse({
    dataDir: tempDir('coalesce'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await ch.command({
    query: `CREATE TABLE ${table} (tag String, k String, v UInt32) ENGINE = MergeTree ORDER BY (tag, k)`,
  });
  // Parts are what is counted: no merge may fold them while the test looks.
  await ch.command({ query: `SYSTEM STOP MERGES ${table}` });
});
afterAll(async () => {
  await ch?.close();
});

const parts = async (tag: string) => {
  const [r] = await queryRows<{ n: number }>(ch, `SELECT uniqExact(_part) AS n FROM ${table} WHERE tag = {t:String}`, {
    t: tag,
  });
  return Number(r.n);
};

describe('statement coalescing on chDB', () => {
  it('50 concurrent appends land every row once in far fewer inserts than 50 separate inserts make', async () => {
    const rows = (tag: string, i: number) => [{ tag, k: `k${i}`, v: i }];
    await Promise.all(Array.from({ length: 50 }, (_, i) => insertRows(ch, table, rows('separate', i))));
    await Promise.all(Array.from({ length: 50 }, (_, i) => appendRows(ch, table, rows('appended', i))));
    const stored = await queryRows<{ k: string; v: number }>(
      ch,
      `SELECT k, v FROM ${table} WHERE tag = 'appended' ORDER BY v`,
    );
    expect(stored.map((r) => Number(r.v))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await parts('separate')).toBe(50);
    // The first call goes alone; the 49 that arrived while it ran go together.
    expect(await parts('appended')).toBeLessThanOrEqual(3);
  });

  it('concurrent lookups each get the row of their own key, and nothing for a key that is absent', async () => {
    await insertRows(
      ch,
      table,
      Array.from({ length: 30 }, (_, i) => ({ tag: 'lookup', k: `L${i}`, v: i * 7 })),
    );
    const sql = `SELECT k AS lookup_key, v FROM ${table} WHERE tag = {t:String} AND k IN {keys:Array(String)}`;
    const keys = [...Array.from({ length: 30 }, (_, i) => `L${29 - i}`), 'missing', 'L3'];
    const got = await Promise.all(
      keys.map((k) => lookupByKey<{ lookup_key: string; v: number }>(ch, sql, k, { t: 'lookup' })),
    );
    expect(got.map((r) => (r ? Number(r.v) : null))).toEqual([
      ...Array.from({ length: 30 }, (_, i) => (29 - i) * 7),
      null,
      21,
    ]);
    // The same statement with other parameters is another coalescer: no answers cross over.
    expect(await lookupByKey<{ lookup_key: string; v: number }>(ch, sql, 'L3', { t: 'other' })).toBeUndefined();
  });
});
