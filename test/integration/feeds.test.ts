import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import { queryRows } from '../../platform/warehouse/client';
import { count, eventually, startTestStack } from '../support/stack';
import { feedWorkflowId } from '../../feeds/identity';
import { boltOddsRowIds, opticRowIds, sharpApiCurrentRowIds } from '../support/reliability/truth-ids';

/**
 * All three feeds on the real stack: one Temporal workflow per feed running the heartbeating
 * consumer, the shared sink into chDB, the simulators over loopback. Counts are compared with
 * what each simulator says it sent.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await startTestStack(
    {},
    {
      feedSandboxes: {
        // Four sport groups connect (one per sport); production starts once all are listening.
        // Long enough (about 10 s) that the disconnects below land mid-stream even on a busy machine.
        opticodds: { entries: 3_000, ratePerSecond: 300, pingIntervalMs: 500, startAfterConnections: 4 },
        boltodds: { updates: 1_200, ratePerSecond: 120, pingIntervalMs: 500 },
        sharpapi: { totalChanges: 2_000, changesPerSecond: 200 },
      },
    },
  );
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** The feed activity's last heartbeat details: { position, rowsTotal, health }. */
async function heartbeat(feed: string): Promise<any> {
  const d = await stack.client.workflow.getHandle(feedWorkflowId(feed)).describe();
  const payload = d.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
  return payload ? JSON.parse(Buffer.from(payload).toString('utf8')) : null;
}

async function ids(sql: string): Promise<Set<string>> {
  return new Set((await queryRows<{ id: string }>(stack.clickhouse, sql)).map((r) => r.id));
}

describe('feeds into the warehouse', () => {
  it('survives a disconnect in the middle of a message and malformed input on every feed (checked by the exact counts below)', async () => {
    const { opticodds, boltodds, sharpapi } = stack.feedSandboxes;
    // Malformed first (sent on the live, subscribed sockets), then cut every connection mid-message.
    await eventually(
      'BoltOdds to subscribe',
      async () => boltodds!.openConnections() > 0 && boltodds!.subscriptions().some((x) => x.accepted),
      30_000,
    );
    boltodds!.sendMalformed(2);
    sharpapi!.sendMalformed(2);
    for (const source of ['boltodds', 'sharpapi'])
      await eventually(
        `${source} rejections`,
        async () =>
          (await count(stack, 'SELECT count() AS n FROM rejected_messages WHERE source = {s:String}', { s: source })) >
          0,
        30_000,
      );
    opticodds!.disconnectMidMessage();
    boltodds!.disconnectMidMessage();
    sharpapi!.disconnectMidResponse();
    // The consumers' heartbeats (what the Temporal UI shows) count the reconnects.
    for (const feed of ['opticodds', 'boltodds'])
      await eventually(
        `${feed} to reconnect`,
        async () => ((await heartbeat(feed))?.health?.reconnects ?? 0) >= 1,
        30_000,
      );
  });

  it('OpticOdds: every tick, locked tick, settlement and fixture update the stream sent, once', async () => {
    const sb = stack.feedSandboxes.opticodds!;
    await eventually(
      'the OpticOdds stream to finish',
      async () => sb.producedEntries() >= 3_000 && sb.pending() === 0,
      60_000,
    );
    const truth = opticRowIds(sb.emitted());
    const expected = [...truth.tickIds, ...truth.lockedTickIds];
    await eventually(
      'OpticOdds ticks to land',
      async () =>
        (await count(stack, "SELECT count() AS n FROM odds_ticks FINAL WHERE source = 'opticodds'")) >=
        new Set(expected).size,
      30_000,
    ).catch(async (err) => {
      throw new Error(
        `${(err as Error).message}: warehouse ${await count(stack, "SELECT count() AS n FROM odds_ticks FINAL WHERE source = 'opticodds'")}, sent ${new Set(expected).size}, produced ${opticRowIds(sb.produced()).tickIds.length}`,
      );
    });
    const got = await ids("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'opticodds'");
    expect(got.size).toBe(new Set(expected).size);
    for (const id of expected) expect(got.has(id), id).toBe(true);
    expect(await count(stack, "SELECT count() AS n FROM odds_ticks WHERE source = 'opticodds'")).toBe(got.size);
    expect(await count(stack, "SELECT count() AS n FROM settlements FINAL WHERE source = 'opticodds'")).toBe(
      new Set(truth.settlementIds).size,
    );
    expect(await count(stack, "SELECT count() AS n FROM fixtures FINAL WHERE source = 'opticodds'")).toBe(
      new Set(truth.updateIds).size,
    );
  });

  it('BoltOdds: exactly the changed outcomes it delivered, once, and a book_clear deletes no history', async () => {
    const sb = stack.feedSandboxes.boltodds!;
    await eventually('the BoltOdds script to finish', async () => sb.scriptDone(), 60_000);
    const expected = new Set(boltOddsRowIds(sb.emitted().changes));
    await eventually(
      'BoltOdds ticks to land',
      async () =>
        (await count(stack, "SELECT count() AS n FROM odds_ticks FINAL WHERE source = 'boltodds'")) >= expected.size,
      30_000,
    );
    const got = await ids("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'boltodds'");
    expect(got.size).toBe(expected.size);
    for (const id of expected) expect(got.has(id), id).toBe(true);
    const before = got.size;
    sb.clearBook(sb.books()[0]);
    await eventually(
      'the book_clear gap',
      async () =>
        (await count(stack, "SELECT count() AS n FROM feed_gaps WHERE feed = 'boltodds' AND reason = 'book_clear'")) >=
        1,
      20_000,
    );
    expect(
      await count(stack, "SELECT count() AS n FROM odds_ticks FINAL WHERE source = 'boltodds'"),
    ).toBeGreaterThanOrEqual(before);
  });

  it('SharpAPI: the current version of every odd lands, chained by since, with no duplicates', async () => {
    const sb = stack.feedSandboxes.sharpapi!;
    await eventually('the SharpAPI script to finish', async () => sb.changesApplied() >= 2_000, 60_000);
    const current = () => sharpApiCurrentRowIds(sb.current()).filter((o) => o.tickId !== null);
    await eventually(
      'SharpAPI to catch up',
      async () => {
        const got = await ids("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'sharpapi'");
        return current().every((o) => got.has(o.tickId!));
      },
      30_000,
    );
    expect(
      await count(stack, "SELECT count() - uniqExact(tick_id) AS n FROM odds_ticks FINAL WHERE source = 'sharpapi'"),
    ).toBe(0);
    const [cp] = await queryRows<{ position: string }>(
      stack.clickhouse,
      "SELECT position FROM feed_checkpoints FINAL WHERE feed = 'sharpapi'",
    );
    expect(Date.parse(cp.position)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('OpticOdds: malformed events land in rejected_messages and the stream continues', async () => {
    const sb = stack.feedSandboxes.opticodds!;
    const before = await count(stack, "SELECT count() AS n FROM rejected_messages WHERE source = 'opticodds'");
    sb.sendMalformed(3);
    await eventually(
      '3 rejections',
      async () =>
        (await count(stack, "SELECT count() AS n FROM rejected_messages WHERE source = 'opticodds'")) >= before + 3,
      20_000,
    );
    const [row] = await queryRows<{ raw: string; reason: string }>(
      stack.clickhouse,
      "SELECT raw, reason FROM rejected_messages WHERE source = 'opticodds' ORDER BY rejected_at DESC LIMIT 1",
    );
    expect(row.raw.length).toBeGreaterThan(0);
    expect(row.reason.length).toBeGreaterThan(0);
  });

  it('shows each feed as a running workflow whose heartbeat carries position and health', async () => {
    for (const feed of ['opticodds', 'boltodds', 'sharpapi']) {
      const handle = stack.client.workflow.getHandle(feedWorkflowId(feed));
      await eventually(
        `${feed} heartbeat`,
        async () => {
          const d = await handle.describe();
          const details = (d.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.length ?? 0) > 0;
          return d.status.name === 'RUNNING' && details;
        },
        20_000,
      );
      const [cp] = await queryRows<{ position: string; rows_total: number }>(
        stack.clickhouse,
        'SELECT position, rows_total FROM feed_checkpoints FINAL WHERE feed = {f:String}',
        { f: feed },
      );
      expect(Number(cp.rows_total)).toBeGreaterThan(0);
      expect(cp.position).toBeTruthy();
    }
  });
});
