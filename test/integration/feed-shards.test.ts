import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config';
import { type Stack } from '../../workers/stack';
import { connectWorker } from '../../platform/temporal/connect';
import { queryRows } from '../../platform/warehouse/client';
import { count, eventually, startTestStack, tempDir } from '../support/stack';
import { workflowBundle } from '../support/time-skipping';
import { startFeedsRole } from '../../workers/roles';

/**
 * Feed sharding on the real stack: the stack is shard `us` (NFL) with every role; a second feeds
 * process — the feeds role alone, against the same Temporal and warehouse — is shard `eu` (NBA);
 * a third starts shard `us` again. Each shard must run exactly one consumer, under its own
 * workflow id, with its own checkpoint, on a process that has its league list.
 */
type FeedsRole = Awaited<ReturnType<typeof startFeedsRole>>;
let stack: Stack;
const extra: Array<FeedsRole & { close: () => Promise<void> }> = [];

beforeAll(async () => {
  stack = await startTestStack(
    // The sandbox replaces the URL and key; they are set so the config keeps this shard's league list.
    {
      FEED_SHARD: 'us',
      SHARPAPI_BASE_URL: 'http://127.0.0.1:9',
      SHARPAPI_API_KEY: 'replaced-by-the-sandbox',
      SHARPAPI_LEAGUES: 'nfl',
      SHARPAPI_POLL_SECONDS: '1',
    },
    { feedSandboxes: { opticodds: false, boltodds: false, sharpapi: { changesPerSecond: 40 } } },
  );
}, 120_000);
afterAll(async () => {
  for (const r of extra) await r.close();
  await stack?.stop();
});

/** A feeds-only process's role, sharing the stack's Temporal client and warehouse. */
async function feedsProcess(shard: string, leagues: string) {
  const config = loadConfig({
    LINEHOUSE_DATA_DIR: tempDir('shard'),
    LINEHOUSE_ROLES: 'feeds',
    TEMPORAL_ADDRESS: stack.run.temporalAddress,
    FEED_SHARD: shard,
    SHARPAPI_BASE_URL: stack.feedSandboxes.sharpapi!.url,
    SHARPAPI_API_KEY: stack.config.feeds.sharpapi!.apiKey,
    SHARPAPI_LEAGUES: leagues,
    SHARPAPI_POLL_SECONDS: '1',
  });
  const connection = await connectWorker({ ...config.temporal, address: stack.run.temporalAddress });
  const role = await startFeedsRole({ config, client: stack.client, clickhouse: stack.clickhouse, connection });
  const entry = Object.assign(role, { close: async () => (await role.stop(), await connection.close()) });
  extra.push(entry);
  return entry;
}

async function pending(workflowId: string) {
  const d = await stack.client.workflow.getHandle(workflowId).describe();
  return { status: d.status.name, activities: d.raw.pendingActivities ?? [], memo: d.memo };
}

describe('feed shards', () => {
  it('two shards run two consumers with their own workflow ids, task queues and checkpoints', async () => {
    expect(stack.feeds.map((f) => f.workflowId)).toEqual(['feed-sharpapi-us']);
    expect(stack.feeds[0].input).toEqual({ feed: 'sharpapi', shard: 'us', taskQueue: 'linehouse-feeds-us' });
    const eu = await feedsProcess('eu', 'nba');
    expect(eu.started.map((f) => f.workflowId)).toEqual(['feed-sharpapi-eu']);
    expect(eu.started[0].input.taskQueue).toBe('linehouse-feeds-eu');

    for (const key of ['sharpapi-us', 'sharpapi-eu']) {
      await eventually(
        `${key} to checkpoint`,
        async () =>
          (await count(
            stack,
            'SELECT count() AS n FROM feed_checkpoints FINAL WHERE feed = {f:String} AND rows_total > 0',
            { f: key },
          )) > 0,
        60_000,
      );
      const p = await pending(`feed-${key}`);
      expect(p.status).toBe('RUNNING');
      expect(p.activities).toHaveLength(1);
    }
    // The unsharded key is never written: the shards do not share (or inherit) a resume point.
    expect(await count(stack, "SELECT count() AS n FROM feed_checkpoints WHERE feed = 'sharpapi'")).toBe(0);
    const cps = await queryRows<{ feed: string; position: string }>(
      stack.clickhouse,
      "SELECT feed, position FROM feed_checkpoints FINAL WHERE feed LIKE 'sharpapi-%' ORDER BY feed",
    );
    expect(cps.map((c) => c.feed)).toEqual(['sharpapi-eu', 'sharpapi-us']);
    // Each consumer polled with its own shard's league list (removals carry no league: excluded).
    const leagues = await queryRows<{ league: string }>(
      stack.clickhouse,
      "SELECT DISTINCT lower(league) AS league FROM odds_ticks WHERE source = 'sharpapi' AND league != '' ORDER BY league",
    );
    expect(leagues.map((l) => l.league)).toEqual(['nba', 'nfl']);
  });

  it('starting the same shard again attaches to its consumer instead of starting a second one', async () => {
    const again = await feedsProcess('us', 'nfl');
    expect(again.started[0].workflowId).toBe('feed-sharpapi-us');
    expect(again.started[0].runId).toBe(stack.feeds[0].runId);
    const running: string[] = [];
    for await (const wf of stack.client.workflow.list({
      query: 'WorkflowId = "feed-sharpapi-us" AND ExecutionStatus = "Running"',
    }))
      running.push(wf.runId);
    expect(running).toEqual([stack.feeds[0].runId]);
    // Two processes now poll the shard's queue; still one consumer activity in flight.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await pending('feed-sharpapi-us')).activities).toHaveLength(1);
  });

  it('the sharded feed history replays deterministically (the activity on the task queue from the input)', async () => {
    const history = await stack.client.workflow.getHandle('feed-sharpapi-eu').fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'feed-sharpapi-eu');
  });
});
