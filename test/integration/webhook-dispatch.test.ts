import crypto from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import { signHookHmac } from '../../refresh/webhook/hmac';
import { createWebhookServer, type WebhookServer } from '../../refresh/webhook/receiver';
import { listen } from '../../platform/net';
import { accountWorkflowId } from '../../workflows/refresh/messages';
import { count, eventually, startTestStack } from '../support/stack';
import type { RefreshResponseRef } from '../../refresh/contracts';
import { testSlip } from '../support/slips';

/**
 * The hand-over to Temporal happens after the 200. A delivery whose every dispatch attempt failed
 * is landed but not loaded; the receiver's periodic sweep must hand it over again. Real stack
 * (dev server, worker, chDB); a second receiver on it whose dispatch can be broken on demand.
 */
let stack: Stack;
let server: WebhookServer;
let url: string;
const secret = 'whsec-dispatch-0a1b2c';
let broken = true;
const calls = new Map<string, number>();

beforeAll(async () => {
  stack = await startTestStack({ SHARPSPORTS_WEBHOOK_SECRET: secret });
  server = createWebhookServer({
    clickhouse: stack.clickhouse,
    secret,
    maxBodyBytes: stack.config.webhook.maxBodyBytes,
    dispatch: async (ref: RefreshResponseRef) => {
      calls.set(ref.deliveryId, (calls.get(ref.deliveryId) ?? 0) + 1);
      if (broken) throw new Error('temporal unavailable (test)');
      await stack.dispatch(ref);
    },
    dispatchRetryDelaysMs: [20, 20],
    sweepEveryMs: 300,
    sweepMinAgeSeconds: 0,
  });
  url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}/webhooks/sharpsports`;
}, 120_000);
afterAll(async () => {
  if (server) await new Promise((r) => server.close(() => r(undefined)));
  await stack?.stop();
});

function body(account: string, rr: string) {
  const slip = testSlip({
    id: `SLIP_${rr}`,
    account,
    rr,
    bettor: 'BTTR_dispatch',
    bookRef: 'r1',
    betId: `BET_${rr}`,
    event: { id: 'EVNT_d' },
  });

  return JSON.stringify({
    event: 'refreshresponse.created',
    sender: 'SandboxApp',
    data: {
      id: rr,
      timeCreated: new Date().toISOString(),
      bettor: 'BTTR_dispatch',
      bettorAccount: account,
      status: 200,
      detail: null,
      requestId: `ext-${rr}`,
      type: 'system',
      betSlips: [slip],
    },
  });
}

async function post(raw: string, delivery: string) {
  const res = await request(url, {
    method: 'POST',
    body: raw,
    headers: {
      'content-type': 'application/json',
      'hook-event': 'refreshresponse.created',
      'hook-delivery': delivery,
      'hook-hmac': signHookHmac(secret, raw),
    },
  });
  return { status: res.statusCode, body: (await res.body.json()) as { duplicate: boolean } };
}

const markers = (rr: string) =>
  count(stack, "SELECT count() AS n FROM load_markers FINAL WHERE kind = 'refresh_response' AND key = {k:String}", {
    k: rr,
  });

describe('dispatch after the acknowledgement', () => {
  it('acknowledges a landed delivery although Temporal refused it, and the sweep hands it over once Temporal is back', async () => {
    const account = 'BACT_dispatch_broken';
    const delivery = crypto.randomUUID();
    broken = true;
    const r = await post(body(account, 'RRES_dispatch_broken'), delivery);
    expect(r).toMatchObject({ status: 200, body: { duplicate: false } });
    expect(
      await count(stack, 'SELECT count() AS n FROM webhook_deliveries WHERE delivery_id = {d:String}', { d: delivery }),
    ).toBe(1);

    // Every attempt failed (first try + 2 retries), then at least one sweep failed too.
    await eventually(
      'the dispatch attempts and a sweep to fail',
      async () => server.dispatcher.stats.gaveUp >= 2,
      30_000,
    );
    expect(calls.get(delivery)).toBeGreaterThanOrEqual(4);
    expect(await markers('RRES_dispatch_broken')).toBe(0);
    // Nothing reached Temporal: the account workflow was never started.
    await expect(stack.client.workflow.getHandle(accountWorkflowId(account)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    broken = false;
    await eventually(
      'the sweep to hand the delivery over and the worker to load it',
      async () => (await markers('RRES_dispatch_broken')) === 1,
      60_000,
    );
    expect(server.dispatcher.stats.swept).toBeGreaterThanOrEqual(1);
    expect(server.dispatcher.stats.dispatched).toBe(1);
    expect(
      await count(stack, 'SELECT count() AS n FROM bet_slips FINAL WHERE bettor_account_id = {a:String}', {
        a: account,
      }),
    ).toBe(1);
    expect(
      await count(stack, 'SELECT count() AS n FROM webhook_deliveries WHERE delivery_id = {d:String}', { d: delivery }),
    ).toBe(1);
  });

  it('does not hand over again a delivery Temporal accepted, while it waits to be loaded', async () => {
    const delivery = crypto.randomUUID();
    const rr = 'RRES_dispatch_ok';
    broken = false;
    expect((await post(body('BACT_dispatch_ok', rr), delivery)).status).toBe(200);
    await eventually('the refresh to load', async () => (await markers(rr)) === 1, 60_000);
    const sweptBefore = server.dispatcher.stats.swept;
    await new Promise((r) => setTimeout(r, 1_000)); // three sweeps
    expect(calls.get(delivery)).toBe(1);
    expect(server.dispatcher.stats.swept).toBe(sweptBefore);
    // A repeated delivery is signalled again (the first may have died before signalling) and
    // still loads once: the workflow ignores a refreshResponse it already has.
    expect((await post(body('BACT_dispatch_ok', rr), delivery)).body.duplicate).toBe(true);
    await eventually('the repeat to be handed over', async () => calls.get(delivery) === 2, 10_000);
    await stack.client.workflow.getHandle(accountWorkflowId('BACT_dispatch_ok')).result();
    expect(
      await count(stack, 'SELECT count() AS n FROM refresh_runs FINAL WHERE refresh_response_id = {rr:String}', { rr }),
    ).toBe(1);
  });
});
