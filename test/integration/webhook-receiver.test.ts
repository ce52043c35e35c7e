import crypto from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import { queryRows } from '../../platform/warehouse/client';
import { signHookHmac } from '../../refresh/webhook/hmac';
import { accountWorkflowId } from '../../workflows/refresh/messages';
import { count, eventually, startTestStack } from '../support/stack';
import { testSlip } from '../support/slips';

let stack: Stack;
const secret = 'whsec-test-0123456789';

beforeAll(async () => {
  stack = await startTestStack({ SHARPSPORTS_WEBHOOK_SECRET: secret });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

async function post(
  body: string | Buffer,
  headers: Record<string, string> = {},
  sign: 'base64' | 'hex' | 'none' | string = 'base64',
) {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const hmac =
    sign === 'base64'
      ? signHookHmac(secret, raw)
      : sign === 'hex'
        ? crypto.createHmac('sha256', secret).update(raw).digest('hex')
        : sign === 'none'
          ? undefined
          : sign;
  const res = await request(stack.webhookUrl, {
    method: 'POST',
    body: raw,
    headers: {
      'content-type': 'application/json',
      'hook-delivery': crypto.randomUUID(),
      ...(hmac ? { 'hook-hmac': hmac } : {}),
      ...headers,
    },
  });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

const rejected = (reason: string) =>
  count(stack, 'SELECT count() AS n FROM rejected_messages WHERE reason = {r:String}', { r: reason });

function refreshWebhook(accountId: string, rrId: string, slips: unknown[], status = 200) {
  return JSON.stringify({
    event: 'refreshresponse.created',
    sender: 'SandboxApp',
    data: {
      id: rrId,
      timeCreated: new Date().toISOString(),
      bettor: 'BTTR_gooduser',
      bettorAccount: accountId,
      status,
      detail: null,
      requestId: `ext-${rrId}`,
      type: 'system',
      betSlips: slips,
      someNewField: { kept: true },
    },
  });
}

function slip(accountId: string, i: number) {
  return testSlip({
    id: `SLIP_ext${i}`,
    account: accountId,
    rr: 'RRES_ext',
    bettor: 'BTTR_gooduser',
    bookRef: `ref-${i}`,
    betId: `BET_ext${i}`,
    event: { id: 'EVNT_x' },
  });
}

describe('POST /webhooks/sharpsports', () => {
  it('answers /healthz 200 once ready', async () => {
    const res = await request(stack.webhookUrl.replace('/webhooks/sharpsports', '/healthz'));
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });

  it('refuses a bad, missing, or foreign-body HMAC with 401, loads nothing and records the case without the secret', async () => {
    const account = 'BACT_hmac_test';
    const body = refreshWebhook(account, 'RRES_hmac1', [slip(account, 1)]);
    expect((await post(body, {}, 'not-a-signature')).status).toBe(401);
    expect((await post(body, {}, 'none')).status).toBe(401);
    // A valid signature, but over a different body.
    expect(
      (await post(body, { 'hook-hmac': signHookHmac(secret, body.replace('RRES_hmac1', 'RRES_hmac2')) }, 'none'))
        .status,
    ).toBe(401);
    expect(await rejected('bad_hmac')).toBeGreaterThanOrEqual(2);
    expect(await rejected('missing_hmac')).toBeGreaterThanOrEqual(1);
    expect(
      await count(stack, 'SELECT count() AS n FROM webhook_deliveries WHERE bettor_account_id = {a:String}', {
        a: account,
      }),
    ).toBe(0);
    expect(
      await count(
        stack,
        'SELECT count() AS n FROM rejected_messages WHERE position(raw, {s:String}) > 0 OR position(headers, {s:String}) > 0 OR position(detail, {s:String}) > 0',
        { s: secret },
      ),
    ).toBe(0);
  });

  it('accepts a lowercase hex HMAC', async () => {
    const r = await post(
      JSON.stringify({
        event: 'bettor.created',
        sender: 'SandboxApp',
        data: { id: 'BTTR_hex', internalId: 'hex-user' },
      }),
      { 'hook-event': 'bettor.created' },
      'hex',
    );
    expect(r.status).toBe(200);
    expect(
      await count(stack, "SELECT count() AS n FROM bettors FINAL WHERE id = 'BTTR_hex' AND internal_id = 'hex-user'"),
    ).toBe(1);
  });

  it('answers malformed JSON 400, a wrong content type 415, an unknown event 422, each recorded', async () => {
    expect((await post('{"event": "refreshresponse.created", ')).status).toBe(400);
    expect(await rejected('malformed_json')).toBeGreaterThanOrEqual(1);
    expect((await post('{}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(await rejected('unsupported_media_type')).toBeGreaterThanOrEqual(1);
    expect((await post(JSON.stringify({ event: 'bettor.deleted', sender: 'x', data: { id: 'BTTR_1' } }))).status).toBe(
      422,
    );
    expect(await rejected('unknown_event')).toBeGreaterThanOrEqual(1);
    expect(
      (
        await post(
          JSON.stringify({ event: 'refreshresponse.created', sender: 'x', data: { id: 'nope', status: 'abc' } }),
        )
      ).status,
    ).toBe(422);
    expect(await rejected('schema')).toBeGreaterThanOrEqual(1);
  });

  it('answers an oversized body 413 before reading it, and records its size', async () => {
    const big = Buffer.alloc(stack.config.webhook.maxBodyBytes + 1024, 0x20);
    const r = await post(big, {}, 'none');
    expect(r.status).toBe(413);
    const [row] = await queryRows<{ raw_bytes: number }>(
      stack.clickhouse,
      "SELECT raw_bytes FROM rejected_messages WHERE reason = 'oversized' LIMIT 1",
    );
    expect(Number(row.raw_bytes)).toBe(big.length);
  });

  it('admits a 2,000-slip refresh payload with the default limit and loads every slip', async () => {
    const account = 'BACT_twothousand';
    const slips = Array.from({ length: 2000 }, (_, i) => ({
      ...slip(account, 100_000 + i),
      refreshResponse: 'RRES_big2000',
    }));
    const body = refreshWebhook(account, 'RRES_big2000', slips);
    expect(Buffer.byteLength(body)).toBeLessThan(stack.config.webhook.maxBodyBytes);
    const t0 = Date.now();
    const r = await post(body);
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(3000); // SharpSports' own 3 s limit, not a benchmark
    await eventually(
      '2,000 slips to load',
      async () =>
        (await count(stack, 'SELECT count() AS n FROM bet_slips FINAL WHERE bettor_account_id = {a:String}', {
          a: account,
        })) === 2000,
    );
  });

  it('loads a delivery repeated with the same Hook-Delivery, and the same refresh under two deliveries, exactly once', async () => {
    const account = 'BACT_dupe_test';
    const body = refreshWebhook(account, 'RRES_dupe1', [slip(account, 7), slip(account, 8)]);
    const id = crypto.randomUUID();
    expect((await post(body, { 'hook-delivery': id })).body.duplicate).toBe(false);
    expect((await post(body, { 'hook-delivery': id })).body.duplicate).toBe(true);
    expect((await post(body)).status).toBe(200); // new delivery id, same refreshResponse
    await eventually(
      'the refresh to load',
      async () =>
        (await count(
          stack,
          "SELECT count() AS n FROM load_markers FINAL WHERE kind = 'refresh_response' AND key = 'RRES_dupe1'",
        )) === 1,
    );
    await stack.client.workflow.getHandle(accountWorkflowId(account)).result();
    expect(
      await count(stack, 'SELECT count() AS n FROM webhook_deliveries WHERE bettor_account_id = {a:String}', {
        a: account,
      }),
    ).toBe(2);
    expect(
      await count(stack, 'SELECT count() AS n FROM bet_slips FINAL WHERE bettor_account_id = {a:String}', {
        a: account,
      }),
    ).toBe(2);
    expect(
      await count(stack, "SELECT count() AS n FROM refresh_runs FINAL WHERE refresh_response_id = 'RRES_dupe1'"),
    ).toBe(1);
  });

  it('keeps unknown fields in the raw landing copy', async () => {
    const [row] = await queryRows<{ body: string }>(
      stack.clickhouse,
      "SELECT body FROM webhook_deliveries WHERE refresh_response_id = 'RRES_dupe1' LIMIT 1",
    );
    expect(JSON.parse(row.body).data.someNewField).toEqual({ kept: true });
  });

  it('stores bettoraccount events in their own table', async () => {
    for (const event of ['bettoraccount.verified', 'bettoraccount.unverified', 'bettoraccount.inaccessible'])
      expect(
        (
          await post(
            JSON.stringify({
              event,
              sender: 'SandboxApp',
              data: { id: 'BACT_evt', bettor: 'BTTR_evt', book: 'wh', region: 'New Jersey' },
            }),
            { 'hook-event': event },
          )
        ).status,
      ).toBe(200);
    const rows = await queryRows<{ event: string }>(
      stack.clickhouse,
      "SELECT event FROM bettor_account_events FINAL WHERE bettor_account_id = 'BACT_evt' ORDER BY event",
    );
    expect(rows.map((r) => r.event)).toEqual([
      'bettoraccount.inaccessible',
      'bettoraccount.unverified',
      'bettoraccount.verified',
    ]);
  });
});
