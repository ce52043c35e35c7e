import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landDelivery, type LandedDelivery } from '../../refresh/landing/landing';
import { createWarehouse, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import { createLandingCommitter } from '../../refresh/webhook/committer';
import { openLandingStore, type LandingStore } from '../../refresh/webhook/landing-store';
import { tempDir } from '../support/stack';

/**
 * The receiver's group commit on a real chDB (no Temporal): deliveries that arrive together land
 * in one insert, each exactly once, and nothing is acknowledged before its batch is durable.
 */
let ch: Warehouse;
let store: LandingStore;

beforeAll(async () => {
  const config = {
    dataDir: tempDir('committer'),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  };
  ch = await createWarehouse(config);
  await migrate(ch);
  // The receiver's own connection, as `linehouse up` opens it.
  store = await openLandingStore(config, ch);
});
afterAll(async () => {
  await store?.close();
  await ch?.close();
});

const delivery = (id: string): LandedDelivery => ({
  deliveryId: id,
  source: 'webhook',
  event: 'bettor.created',
  subscription: 'sub',
  body: JSON.stringify({ event: 'bettor.created', data: { id } }),
  bettorId: 'BTTR_c',
});

async function physicalRows(prefix: string): Promise<Map<string, number>> {
  const rows = await queryRows<{ delivery_id: string; n: number }>(
    ch,
    'SELECT delivery_id, count() AS n FROM webhook_deliveries WHERE startsWith(delivery_id, {p:String}) GROUP BY delivery_id',
    { p: prefix },
  );
  return new Map(rows.map((r) => [r.delivery_id, Number(r.n)]));
}

describe('landing group commit', () => {
  it('lands deliveries that arrive together in one insert, each id once, repeats and already-landed ids answered duplicate', async () => {
    const c = createLandingCommitter(store);
    await landDelivery(ch, delivery('gc1-old-0'));
    await landDelivery(ch, delivery('gc1-old-1'));
    const ids = [...Array.from({ length: 40 }, (_, i) => `gc1-${i}`), 'gc1-3', 'gc1-7', 'gc1-old-0', 'gc1-old-1'];
    const outcomes = await Promise.all(ids.map((id) => c.land(delivery(id))));

    expect(c.stats.batches).toBe(1);
    expect(c.stats.landed).toBe(40);
    const dupOf = (id: string) => outcomes.filter((o, i) => ids[i] === id).map((o) => o.duplicate);
    expect(dupOf('gc1-3').sort()).toEqual([false, true]);
    expect(dupOf('gc1-7').sort()).toEqual([false, true]);
    expect(dupOf('gc1-old-0')).toEqual([true]);
    expect(dupOf('gc1-12')).toEqual([false]);
    const rows = await physicalRows('gc1-');
    expect(rows.size).toBe(42);
    expect([...rows].filter(([, n]) => n !== 1)).toEqual([]);
    // Landed before: a later request is answered from memory, without another batch.
    expect(await c.land(delivery('gc1-5'))).toEqual({ duplicate: true });
    expect(c.stats.batches).toBe(1);
  });

  it('never lets two batches race: an id repeated while its first batch is still being written is landed once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserts = 0;
    const slow: LandingStore = {
      ch: store.ch,
      close: async () => undefined,
      insert: async (table, rows, token) => {
        if (inserts++ === 0) await gate;
        await store.insert(table, rows, token);
      },
    };
    const c = createLandingCommitter(slow);
    const first = c.land(delivery('gc2-a'));
    await new Promise((r) => setTimeout(r, 50)); // the first batch is now held inside its insert
    const second = c.land(delivery('gc2-a'));
    const other = c.land(delivery('gc2-b'));
    let settled = false;
    void first.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled, 'acknowledged before its batch was durable').toBe(false);
    release();
    expect(await first).toEqual({ duplicate: false });
    expect(await second).toEqual({ duplicate: true });
    expect(await other).toEqual({ duplicate: false });
    expect(Object.fromEntries(await physicalRows('gc2-'))).toEqual({ 'gc2-a': 1, 'gc2-b': 1 });
  });

  it('a failed insert fails every request of its batch and lands nothing; the sender’s retry lands once', async () => {
    let fail = true;
    const flaky: LandingStore = {
      ch: store.ch,
      close: async () => undefined,
      insert: async (table, rows, token) => {
        if (fail) throw new Error('disk full');
        await store.insert(table, rows, token);
      },
    };
    const c = createLandingCommitter(flaky);
    const results = await Promise.allSettled(['gc3-a', 'gc3-b', 'gc3-a'].map((id) => c.land(delivery(id))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((await physicalRows('gc3-')).size).toBe(0);
    fail = false;
    expect(await c.land(delivery('gc3-a'))).toEqual({ duplicate: false });
    expect(await c.land(delivery('gc3-a'))).toEqual({ duplicate: true });
    expect(Object.fromEntries(await physicalRows('gc3-'))).toEqual({ 'gc3-a': 1 });
  });

  it('finds ids landed by another process (not in its memory) with quotes and backslashes in them', async () => {
    const odd = ["gc4-it's", 'gc4-back\\slash', 'gc4-ünï'];
    for (const id of odd) await landDelivery(ch, delivery(id));
    const c = createLandingCommitter(store);
    const outcomes = await Promise.all([...odd, 'gc4-new'].map((id) => c.land(delivery(id))));
    expect(outcomes.map((o) => o.duplicate)).toEqual([true, true, true, false]);
    expect([...(await physicalRows('gc4-')).values()]).toEqual([1, 1, 1, 1]);
  });
});
