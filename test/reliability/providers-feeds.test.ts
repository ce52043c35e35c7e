import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import { queryRows } from '../../platform/warehouse/client';
import { count, eventually, startTestStack } from '../support/stack';
import { feedWorkflowId } from '../../feeds/identity';
import { boltOddsRowIds, opticRowIds } from '../support/reliability/truth-ids';

/**
 * Feed misbehaviour on the real stack (Temporal feed workflows, heartbeating consumers, the shared
 * sink, chDB), the integration-level variants of the unit tests in test/unit/feeds/opticodds.test.ts
 * ("a stalled stream … detected by ping silence") and test/unit/feeds/boltodds.test.ts ("a flood is
 * absorbed with bounded memory"): production adapter settings (30 s ping timeout, 64 queued frames).
 */
let stack: Stack;

beforeAll(async () => {
  stack = await startTestStack(
    {},
    {
      feedSandboxes: {
        opticodds: { entries: 1_500, ratePerSecond: 40, pingIntervalMs: 500, startAfterConnections: 4 },
        boltodds: { updates: 600, ratePerSecond: 40, pingIntervalMs: 500 },
        sharpapi: false,
      },
    },
  );
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

async function heartbeat(feed: string): Promise<any> {
  const d = await stack.client.workflow.getHandle(feedWorkflowId(feed)).describe();
  const payload = d.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
  return payload ? JSON.parse(Buffer.from(payload).toString('utf8')) : null;
}
const ids = async (sql: string) => new Set((await queryRows<{ id: string }>(stack.clickhouse, sql)).map((r) => r.id));
const optic = "SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'opticodds'";

// The flood runs first, while BoltOdds' scripted stream (and its connection) is live.
describe('BoltOdds WebSocket that floods', () => {
  let floodBefore = -1;
  it('a 5 000-message flood is absorbed (queue bound: unit test); every changed outcome lands once, or a gap is recorded', async () => {
    const sb = stack.feedSandboxes.boltodds!;
    await eventually(
      'BoltOdds to subscribe',
      async () => sb.subscriptions().some((x) => x.accepted) && sb.openConnections() > 0,
      60_000,
    );
    const before = new Set(boltOddsRowIds(sb.emitted().changes)).size;
    floodBefore = before;
    sb.flood(5_000);
    await eventually('the BoltOdds script to finish', async () => sb.scriptDone(), 120_000);
    const expected = new Set(boltOddsRowIds(sb.emitted().changes));
    await eventually(
      'BoltOdds ticks to land',
      async () =>
        (await ids("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'boltodds'")).size >= expected.size,
      60_000,
    );
    const got = await ids("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'boltodds'");
    const gaps = await count(stack, "SELECT count() AS n FROM feed_gaps WHERE feed = 'boltodds'");
    const missing = [...expected].filter((id) => !got.has(id));
    expect(missing.length === 0 || gaps > 0).toBe(true);
    expect(missing).toEqual([]);
    expect(got.size).toBe(expected.size);
    // A flood step is a batch of messages, most with a changed outcome: well over a thousand more changes.
    expect(expected.size - before).toBeGreaterThan(1_000);
    console.log(
      `[providers-feeds] boltodds changes before flood ${before}, after ${expected.size}, warehouse ${got.size}, gaps ${gaps}`,
    );
  }, 240_000);

  it('negative control: the exact check against the changes sent before the flood fails (the flood is in the warehouse)', async () => {
    const got = await ids("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'boltodds'");
    expect(got.size).not.toBe(floodBefore);
  });
});

describe('OpticOdds SSE that stalls without closing', () => {
  let duringStall = { landed: 0, sent: 0 };

  it('is detected by ping silence (30 s), reconnects with last_entry_id, and loses nothing: every tick once, no gap', async () => {
    const sb = stack.feedSandboxes.opticodds!;
    await eventually(
      'OpticOdds ticks to flow',
      async () => (await count(stack, "SELECT count() AS n FROM odds_ticks WHERE source = 'opticodds'")) > 50,
      60_000,
    );
    const requestsBefore = sb.requests().length;
    sb.stall(120_000);
    // While stalled, production goes on at the provider: the warehouse falls behind what exists.
    await new Promise((r) => setTimeout(r, 5_000));
    const produced = opticRowIds(sb.produced());
    duringStall = {
      landed: (await ids(optic)).size,
      sent: new Set([...produced.tickIds, ...produced.lockedTickIds]).size,
    };
    await eventually(
      'a reconnect after ping silence',
      async () =>
        sb.requests().length > requestsBefore && ((await heartbeat('opticodds'))?.health?.reconnects ?? 0) >= 1,
      90_000,
    );
    expect(
      sb
        .requests()
        .slice(requestsBefore)
        .some((r) => r.lastEntryId !== null),
    ).toBe(true);
    await eventually('the stream to finish', async () => sb.producedEntries() >= 1_500 && sb.pending() === 0, 120_000);
    const truth = opticRowIds(sb.emitted());
    const expected = new Set([...truth.tickIds, ...truth.lockedTickIds]);
    await eventually('every tick to land', async () => (await ids(optic)).size >= expected.size, 60_000);
    const got = await ids(optic);
    expect(got.size).toBe(expected.size);
    expect([...expected].filter((id) => !got.has(id))).toEqual([]);
    expect(await count(stack, "SELECT count() AS n FROM odds_ticks WHERE source = 'opticodds'")).toBe(got.size);
    expect(await count(stack, "SELECT count() AS n FROM feed_gaps WHERE feed = 'opticodds'")).toBe(0);
    console.log(
      `[providers-feeds] opticodds during stall: landed ${duringStall.landed} of ${duringStall.sent}; final ${got.size} of ${expected.size}; requests ${sb.requests().length}`,
    );
  }, 240_000);

  it('negative control: the same completeness check taken during the stall fails (warehouse behind the provider)', () => {
    expect(duringStall.landed).toBeLessThan(duringStall.sent);
  });
});
