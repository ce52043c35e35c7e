import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../lib/paths';
import type { Stack } from '../../lib/stack';
import { queryRows } from '../../lib/warehouse/client';
import { loadWebhookInChild } from '../../bench/webhook';
import { eventually, startTestStack } from '../helpers/stack';

/**
 * 500 req/s of signed, realistic refreshresponse.created deliveries for ~10 s at the real
 * receiver on the real stack. Asserts correctness only (no lost, no doubled delivery, no error);
 * p99 and req/s go to test-results/webhook-load.json (house rule: no timing assertions in tests;
 * `npx tsx bench/webhook.ts` is the benchmark).
 */
let stack: Stack;
const secret = 'whsec-load-9a8b7c6d';

beforeAll(async () => {
  stack = await startTestStack({ SHARPSPORTS_WEBHOOK_SECRET: secret });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('webhook receiver under load', () => {
  it('acknowledges 500 req/s of signed deliveries for 10 s with no error, and every acknowledged delivery is landed exactly once', async () => {
    const prefix = `load${Date.now().toString(36)}`;
    const r = await loadWebhookInChild({ url: stack.webhookUrl, secret, seconds: 10, rate: 500, connections: 50, slips: 5, accounts: 100, prefix });
    const figures = { at: new Date().toISOString(), targetRate: 500, seconds: 10, slipsPerDelivery: 5, accounts: 100, requests: r.requests, ok2xx: r.ok2xx, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, reqPerSec: r.reqPerSec, generator: 'autocannon in a child process', p50Ms: r.p50, p99Ms: r.p99, maxMs: r.max };
    fs.mkdirSync(path.join(REPO_ROOT, 'test-results'), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, 'test-results', 'webhook-load.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log(`[webhook-load] ${JSON.stringify(figures)}`);

    expect(r.errors).toBe(0);
    expect(r.timeouts).toBe(0);
    expect(r.non2xx).toBe(0);
    expect(r.acked.length).toBe(r.ok2xx);
    expect(r.acked.length).toBeGreaterThan(0); // how many is a figure (test-results/webhook-load.json), not an assertion
    expect(new Set(r.acked).size).toBe(r.acked.length);

    const landed = await queryRows<{ delivery_id: string; n: number }>(stack.clickhouse, 'SELECT delivery_id, count() AS n FROM webhook_deliveries WHERE startsWith(delivery_id, {p:String}) GROUP BY delivery_id', { p: `${prefix}-` });
    const byId = new Map(landed.map((row) => [row.delivery_id, Number(row.n)]));
    const missing = r.acked.filter((id) => !byId.has(id));
    const doubled = [...byId].filter(([, n]) => n !== 1);
    expect(missing, 'acknowledged but not landed').toEqual([]);
    expect(doubled, 'landed more than once').toEqual([]);
    // Whatever was landed was acknowledged or in flight at the end of the run (never more than the connections).
    expect(byId.size - r.acked.length).toBeLessThanOrEqual(50);
    // And the workflows load them: every acknowledged refresh ends in a load marker.
    await eventually(
      'every acknowledged refresh to load',
      async () => {
        const [row] = await queryRows<{ n: number }>(stack.clickhouse, "SELECT count() AS n FROM load_markers FINAL WHERE startsWith(key, {p:String})", { p: `RRES_${prefix}_` });
        return Number(row.n) >= r.acked.length;
      },
      300_000,
    );
  }, 400_000);
});
