import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../platform/paths';
import { loadWebhookInChild } from '../../bench/webhook';
import { exited, freshPorts, startUp, waitHealthy } from '../support/cli';
import { untilCountReaches } from '../support/progress';
import { tempDir } from '../support/stack';
import { readRunFile } from '../../workers/run-file';

/**
 * 500 req/s of signed, realistic refreshresponse.created deliveries for ~10 s at the real
 * receiver of `linehouse up --sandbox`, run as a user runs it: its own process (receiver,
 * Temporal dev server, worker, feeds and chDB), not inside the test runner, whose module loader
 * and IPC share the process with what is measured (the same stack in this vitest process answered
 * 370–430 req/s with p99 ≈ 310 ms where `tsx` gave 490–500 req/s with p99 130–190 ms).
 * Asserts correctness only (no lost, no doubled delivery, no error); p99 and req/s go to
 * test-results/webhook-load.json (house rule: no timing assertions in tests; `npx tsx
 * bench/webhook.ts` is the benchmark).
 */
const secret = 'whsec-load-9a8b7c6d';
let up: ReturnType<typeof startUp> | undefined;
let env: Record<string, string>;
let webhookUrl: string;

beforeAll(async () => {
  env = {
    LINEHOUSE_DATA_DIR: tempDir('load'),
    SHARPSPORTS_WEBHOOK_SECRET: secret,
    LINEHOUSE_LOG_LEVEL: 'warn',
    WEBHOOK_HOST: '127.0.0.1',
    ...(await freshPorts()),
  };
  up = startUp(['--sandbox'], env);
  await waitHealthy(Number(env.WEBHOOK_PORT), up);
  webhookUrl = `http://127.0.0.1:${env.WEBHOOK_PORT}/webhooks/sharpsports`;
}, 120_000);
afterAll(async () => {
  if (!up || up.exitCode !== null || up.signalCode !== null) return;
  up.kill('SIGTERM');
  const stopped = await Promise.race([exited(up), new Promise((r) => setTimeout(r, 30_000, null))]);
  if (!stopped && up.pid) process.kill(-up.pid, 'SIGKILL');
}, 60_000);

/** SQL through `up`'s admin endpoint (chDB: one process per data dir). */
async function query<T>(sql: string): Promise<T[]> {
  const run = readRunFile({ dataDir: env.LINEHOUSE_DATA_DIR });
  if (!run) throw new Error('linehouse up wrote no run file');
  const res = await request(`${run.adminUrl}/query`, {
    method: 'POST',
    body: sql,
    headers: { authorization: `Bearer ${run.token}` },
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`query failed (${res.statusCode}): ${text}`);
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

describe('webhook receiver under load', () => {
  it('acknowledges 500 req/s of signed deliveries for 10 s with no error, and every acknowledged delivery is landed exactly once', async () => {
    const prefix = `load${Date.now().toString(36)}`;
    const r = await loadWebhookInChild({
      url: webhookUrl,
      secret,
      seconds: 10,
      rate: 500,
      connections: 50,
      slips: 5,
      accounts: 100,
      prefix,
    });
    const figures = {
      at: new Date().toISOString(),
      targetRate: 500,
      seconds: 10,
      slipsPerDelivery: 5,
      accounts: 100,
      requests: r.requests,
      ok2xx: r.ok2xx,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      reqPerSec: r.reqPerSec,
      generator: 'autocannon in a child process',
      stack: 'linehouse up --sandbox in a child process',
      p50Ms: r.p50,
      p99Ms: r.p99,
      maxMs: r.max,
    };
    const figuresFile = path.join(REPO_ROOT, 'test-results', 'webhook-load.json');
    fs.mkdirSync(path.dirname(figuresFile), { recursive: true });
    fs.writeFileSync(figuresFile, JSON.stringify(figures, null, 2) + '\n');
    console.log(`[webhook-load] ${JSON.stringify(figures)}`);
    const loadEnd = Date.now();

    expect(r.errors).toBe(0);
    expect(r.timeouts).toBe(0);
    expect(r.non2xx).toBe(0);
    expect(r.acked.length).toBe(r.ok2xx);
    expect(r.acked.length).toBeGreaterThan(0); // how many is a figure (test-results/webhook-load.json), not an assertion
    expect(new Set(r.acked).size).toBe(r.acked.length);

    // The prefix is [a-z0-9] (built above), so it is safe as a literal.
    const landed = await query<{ delivery_id: string; n: number }>(
      `SELECT delivery_id, count() AS n FROM webhook_deliveries WHERE startsWith(delivery_id, '${prefix}-') GROUP BY delivery_id`,
    );
    const byId = new Map(landed.map((row) => [row.delivery_id, Number(row.n)]));
    const missing = r.acked.filter((id) => !byId.has(id));
    const doubled = [...byId].filter(([, n]) => n !== 1);
    expect(missing, 'acknowledged but not landed').toEqual([]);
    expect(doubled, 'landed more than once').toEqual([]);
    // Whatever was landed was acknowledged or in flight at the end of the run (never more than the connections).
    expect(byId.size - r.acked.length).toBeLessThanOrEqual(50);
    // And the workflows load them: every acknowledged refresh ends in a load marker. How many
    // were acknowledged depends on the machine, and loading runs at its own pace (30–40 a
    // second alone here, from under 17 to 38 with CI running another file beside it), so the
    // wait lasts while markers keep coming and fails when they stop.
    await untilCountReaches(
      'acknowledged refreshes loaded',
      async () => {
        const [row] = await query<{ n: number }>(
          `SELECT count() AS n FROM load_markers FINAL WHERE kind = 'refresh_response' AND startsWith(key, 'RRES_${prefix}_')`,
        );
        return Number(row.n);
      },
      r.acked.length,
      { pollMs: 2_000, log: (line) => console.log(`[webhook-load] ${line}`) },
    );
    // Hand-overs wait while arrivals exceed 100/s (refresh/webhook/dispatcher.ts): how long loading
    // trailed the burst, and its pace, are figures too.
    const trailed = (Date.now() - loadEnd) / 1000;
    // The receiver loads in packages (refresh/webhook/preloader.ts); the lifecycle ends when each
    // response's account workflow has recorded its run.
    await untilCountReaches(
      'acknowledged refreshes recorded by their workflows',
      async () => {
        const [row] = await query<{ n: number }>(
          `SELECT uniqExact(refresh_response_id) AS n FROM refresh_runs WHERE startsWith(refresh_response_id, 'RRES_${prefix}_')`,
        );
        return Number(row.n);
      },
      r.acked.length,
      { pollMs: 2_000, log: (line) => console.log(`[webhook-load] ${line}`) },
    );
    const recorded = (Date.now() - loadEnd) / 1000;
    const withLoad = {
      ...figures,
      allLoadedSecondsAfterRun: Math.round(trailed * 10) / 10,
      loadedPerSecond: Math.round((r.acked.length / trailed) * 10) / 10,
      allRecordedSecondsAfterRun: Math.round(recorded * 10) / 10,
      recordedPerSecond: Math.round((r.acked.length / recorded) * 10) / 10,
    };
    fs.writeFileSync(figuresFile, JSON.stringify(withLoad, null, 2) + '\n');
    console.log(`[webhook-load] ${JSON.stringify(withLoad)}`);
  }, 1_000_000);
});
