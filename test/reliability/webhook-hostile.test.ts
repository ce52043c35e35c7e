import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import { insertRows, queryRows } from '../../platform/warehouse/client';
import { signHookHmac } from '../../refresh/webhook/hmac';
import { count, eventually, startTestStack } from '../support/stack';
import { testSlip } from '../support/slips';

/**
 * Hostile input at `POST /webhooks/sharpsports`, on the real stack (dev server + chDB + sandbox).
 * Already covered by test/integration/webhook-receiver.test.ts and not repeated here: bad,
 * missing and foreign-body HMAC (401), malformed JSON (400), text/plain (415), an unknown event
 * and a bad status (422), a declared-oversized body (413), a repeated Hook-Delivery.
 *
 * Every refused case here uses the account BACT_hostile / slips SLIP_hostile*; the last test
 * checks that none of them loaded anything and no rejected_messages row holds the secret.
 */
let stack: Stack;
const secret = 'whsec-hostile-5f0b1c2d3e4f';
const HOSTILE = 'BACT_hostile';

beforeAll(async () => {
  stack = await startTestStack({ SHARPSPORTS_WEBHOOK_SECRET: secret });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

async function post(body: string | Buffer, headers: Record<string, string> = {}, sign = true) {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const res = await request(stack.webhookUrl, {
    method: 'POST',
    body: raw,
    headers: {
      'content-type': 'application/json',
      'hook-delivery': crypto.randomUUID(),
      ...(sign ? { 'hook-hmac': signHookHmac(secret, raw) } : {}),
      ...headers,
    },
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? (JSON.parse(text) as any) : {} };
}

const rejectedBy = (reason: string) =>
  count(stack, 'SELECT count() AS n FROM rejected_messages WHERE reason = {r:String}', { r: reason });

function slip(account: string, id: string, rr: string, status = 'pending', outcome: string | null = null) {
  return testSlip({
    id,
    account,
    rr,
    status,
    outcome,
    bettor: 'BTTR_hostile',
    timePlaced: '2026-10-01T17:00:00Z',
    event: { id: 'EVNT_h', oddsjamId: '1-2-2026-10-01', startTime: '2026-10-01T18:00:00Z' },
  });
}

function refreshBody(
  account: string,
  rr: string,
  slips: unknown[],
  timeCreated = new Date().toISOString(),
  extra: Record<string, unknown> = {},
) {
  return JSON.stringify({
    event: 'refreshresponse.created',
    sender: 'SandboxApp',
    data: {
      id: rr,
      timeCreated,
      bettor: 'BTTR_hostile',
      bettorAccount: account,
      status: 200,
      detail: null,
      requestId: `ext-${rr}`,
      type: 'system',
      betSlips: slips,
      ...extra,
    },
  });
}

const hostileBody = (extra: Record<string, unknown> = {}) =>
  refreshBody(HOSTILE, 'RRES_hostile', [slip(HOSTILE, 'SLIP_hostile1', 'RRES_hostile')], undefined, extra);

/** Sends `total` bytes of body with node:http (streamed, never held here) and returns the status the server answered with. */
function streamBody(total: number, declared: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(stack.webhookUrl);
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'hook-delivery': crypto.randomUUID(),
        'hook-hmac': 'x',
        ...(declared ? { 'content-length': String(total) } : {}),
      },
    });
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    // Like a real sender: stop pushing once the server has answered.
    const pump = async () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        await new Promise((r) => setImmediate(r));
      }
      if (!answered) req.end();
    };
    void pump();
  });
}

describe('webhook receiver under hostile input', () => {
  it('replay: a captured delivery replayed (same or new Hook-Delivery, old timeCreated) is acknowledged 200 and never loaded twice or rolled back', async () => {
    // Thorn signs only the raw body (Hook-HMAC); there is no signed timestamp header, so the rule
    // is idempotence, not a time window: a replay is a genuine, already-loaded delivery.
    const account = 'BACT_replay';
    const old = refreshBody(
      account,
      'RRES_replay_old',
      [slip(account, 'SLIP_replay1', 'RRES_replay_old')],
      '2026-01-01T00:00:00Z',
    );
    const oldDelivery = crypto.randomUUID();
    expect((await post(old, { 'hook-delivery': oldDelivery })).status).toBe(200);
    await eventually(
      'the old refresh to load',
      async () =>
        (await count(
          stack,
          "SELECT count() AS n FROM load_markers FINAL WHERE kind = 'refresh_response' AND key = 'RRES_replay_old'",
        )) === 1,
    );
    const newer = refreshBody(
      account,
      'RRES_replay_new',
      [slip(account, 'SLIP_replay1', 'RRES_replay_new', 'settled', 'win')],
      '2026-01-02T00:00:00Z',
    );
    expect((await post(newer)).status).toBe(200);
    await eventually(
      'the newer refresh to load',
      async () =>
        (await count(
          stack,
          "SELECT count() AS n FROM load_markers FINAL WHERE kind = 'refresh_response' AND key = 'RRES_replay_new'",
        )) === 1,
    );
    // Replays: same delivery id, then a new delivery id around the same (old) body.
    const same = await post(old, { 'hook-delivery': oldDelivery });
    expect(same).toMatchObject({ status: 200, body: { duplicate: true } });
    const fresh = await post(old);
    expect(fresh).toMatchObject({ status: 200, body: { duplicate: false } });
    await eventually(
      'the account workflow to settle',
      async () =>
        (await count(stack, "SELECT count() AS n FROM webhook_deliveries WHERE bettor_account_id = 'BACT_replay'")) ===
        3,
    );
    await new Promise((r) => setTimeout(r, 1500)); // give a (wrong) second load the chance to happen
    expect(
      await count(stack, 'SELECT count() AS n FROM webhook_deliveries WHERE delivery_id = {d:String}', {
        d: oldDelivery,
      }),
    ).toBe(1);
    expect(
      await count(stack, "SELECT count() AS n FROM refresh_runs FINAL WHERE refresh_response_id = 'RRES_replay_old'"),
    ).toBeLessThanOrEqual(1);
    const [row] = await queryRows<{ status: string; outcome: string; n: number }>(
      stack.clickhouse,
      "SELECT any(status) AS status, any(outcome) AS outcome, count() AS n FROM bet_slips FINAL WHERE id = 'SLIP_replay1'",
    );
    expect(row).toMatchObject({ status: 'settled', outcome: 'win' });
    expect(Number(row.n)).toBe(1);
  });

  it('ids that do not exist: a well-formed, signed delivery for an unknown account/refreshResponse is accepted and loaded (refreshes linehouse did not start are data)', async () => {
    const account = 'BACT_never_linked_0001';
    const r = await post(
      refreshBody(account, 'RRES_never_requested', [slip(account, 'SLIP_unknown1', 'RRES_never_requested')]),
    );
    expect(r.status).toBe(200);
    await eventually(
      'the unknown account to load',
      async () =>
        (await count(stack, 'SELECT count() AS n FROM bet_slips FINAL WHERE bettor_account_id = {a:String}', {
          a: account,
        })) === 1,
    );
    const ev = await post(
      JSON.stringify({
        event: 'bettoraccount.verified',
        sender: 'SandboxApp',
        data: { id: 'BACT_never_linked_0002', bettor: 'BTTR_nobody', book: 'dk', region: 'NJ' },
      }),
      { 'hook-event': 'bettoraccount.verified' },
    );
    expect(ev.status).toBe(200);
    expect(
      await count(
        stack,
        "SELECT count() AS n FROM bettor_account_events FINAL WHERE bettor_account_id = 'BACT_never_linked_0002'",
      ),
    ).toBe(1);
  });

  it('a timestamp where the reference sends a date (dateClosed) loads with its date part instead of failing the load on every retry', async () => {
    const account = 'BACT_sloppy_date';
    const s = { ...slip(account, 'SLIP_sloppy1', 'RRES_sloppy', 'settled', 'win'), dateClosed: '2026-10-02T03:00:00Z' };
    expect((await post(refreshBody(account, 'RRES_sloppy', [s]))).status).toBe(200);
    await eventually(
      'the slip to load',
      async () =>
        (await count(
          stack,
          "SELECT count() AS n FROM bet_slips FINAL WHERE id = 'SLIP_sloppy1' AND date_closed = '2026-10-02'",
        )) === 1,
    );
  });

  it('more malformed bodies: empty, a bare array, null, a JSON string, invalid UTF-8 and NUL bytes — 400 or 422, each recorded', async () => {
    const before400 = await rejectedBy('malformed_json');
    const before422 = await rejectedBy('schema');
    expect((await post('')).status).toBe(400);
    expect((await post(Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]))).status).toBe(400);
    expect((await post('{"event":"refreshresponse.created"\u0000}')).status).toBe(400);
    expect((await post('[' + hostileBody() + ']')).status).toBe(422);
    expect((await post('null')).status).toBe(422);
    expect((await post(JSON.stringify(hostileBody()))).status).toBe(422);
    expect((await post(JSON.stringify({ event: 42, sender: 'x', data: {} }))).status).toBe(422);
    expect(await rejectedBy('malformed_json')).toBe(before400 + 3);
    expect(await rejectedBy('schema')).toBe(before422 + 4);
  });

  it('wrong content types: missing, form, multipart, text/json, application/jsonx are 415 and recorded', async () => {
    const before = await rejectedBy('unsupported_media_type');
    for (const type of [
      '',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/json',
      'application/jsonx',
    ]) {
      const r = await post(hostileBody(), { 'content-type': type });
      expect(r.status, type).toBe(415);
    }
    expect(await rejectedBy('unsupported_media_type')).toBe(before + 5);
  });

  it('unknown and mismatched event types are 422 and recorded', async () => {
    const unknown = await rejectedBy('unknown_event');
    const mismatch = await rejectedBy('event_mismatch');
    for (const event of ['__proto__', 'refreshresponse.deleted', 'REFRESHRESPONSE.CREATED', 'refreshresponse.created '])
      expect(
        (await post(JSON.stringify({ event, sender: 'x', data: JSON.parse(hostileBody()).data }))).status,
        event,
      ).toBe(422);
    expect((await post(hostileBody(), { 'hook-event': 'bettor.created' })).status).toBe(422);
    expect(await rejectedBy('unknown_event')).toBe(unknown + 4);
    expect(await rejectedBy('event_mismatch')).toBe(mismatch + 1);
  });

  it('deeply nested JSON (100k levels, in an extra field and as the whole body) is refused 422 without crashing or hanging, and recorded', async () => {
    const N = 100_000;
    const deepObj = '{"x":'.repeat(N) + '1' + '}'.repeat(N);
    const deepArr = '['.repeat(N) + ']'.repeat(N);
    const before = await rejectedBy('too_deep');
    const inField = hostileBody().replace('"betSlips":', `"deep":${deepObj},"betSlips":`);
    expect((await post(inField)).status).toBe(422);
    expect((await post(deepArr)).status).toBe(422);
    expect(
      (
        await post(
          `{"event":"refreshresponse.created","sender":"x","data":${deepArr.replace('[', '{"a":[').concat('}')}}`,
        )
      ).status,
    ).toBe(422);
    expect(await rejectedBy('too_deep')).toBe(before + 3);
    const health = await request(stack.webhookUrl.replace('/webhooks/sharpsports', '/healthz'));
    expect(health.statusCode).toBe(200);
    await health.body.dump();
  });

  it('a 100 MB body is answered 413 without being buffered: declared (refused on the header) and chunked (refused at the limit)', async () => {
    const total = 100 * 1024 * 1024;
    const before = await rejectedBy('oversized');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // This process hosts the receiver (and the sender): sample its RSS while each body streams.
    const measure = async (declared: boolean) => {
      gc();
      const rss0 = process.memoryUsage().rss;
      const ab0 = process.memoryUsage().arrayBuffers;
      let peak = rss0;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      const status = await streamBody(total, declared);
      await new Promise((r) => setTimeout(r, 200));
      clearInterval(sampler);
      // Backing stores of freed Buffers are released by a concurrent sweeper: collect, let it run, collect again.
      gc();
      await new Promise((r) => setTimeout(r, 300));
      gc();
      return { status, peak: peak - rss0, retained: process.memoryUsage().arrayBuffers - ab0 };
    };
    const declared = await measure(true);
    const chunked = await measure(false);
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    console.log(
      `[webhook-hostile] 100 MB body: declared → ${declared.status}, peak RSS +${mb(declared.peak)} MB, retained +${mb(declared.retained)} MB; chunked → ${chunked.status}, peak RSS +${mb(chunked.peak)} MB, retained +${mb(chunked.retained)} MB (limit ${mb(stack.config.webhook.maxBodyBytes)} MB)`,
    );
    expect(declared.status).toBe(413);
    expect(chunked.status).toBe(413);
    // Declared: refused on the header, nothing read into memory. Chunked: held only up to
    // WEBHOOK_MAX_BODY_MB (a legitimate body may be that big), never the 100 MB, and let go.
    expect(declared.peak).toBeLessThan(32 * 2 ** 20);
    expect(chunked.peak).toBeLessThan(total);
    expect(chunked.retained).toBeLessThan(16 * 2 ** 20);
    expect(await rejectedBy('oversized')).toBe(before + 2);
    const rows = await queryRows<{ raw_bytes: number; n: number }>(
      stack.clickhouse,
      "SELECT max(raw_bytes) AS raw_bytes, max(length(raw)) AS n FROM rejected_messages WHERE reason = 'oversized'",
    );
    expect(Number(rows[0].raw_bytes)).toBe(total);
    expect(Number(rows[0].n)).toBeLessThanOrEqual(64 * 1024);
  });

  it('slowloris: a byte-at-a-time sender (headers or body) is cut off with 408 and recorded, while normal deliveries keep being served', async () => {
    const url = new URL(stack.webhookUrl);
    const before = await rejectedBy('request_timeout');
    const slow = (payload: string) =>
      new Promise<{ closed: boolean; answer: string }>((resolve) => {
        const socket = net.connect(Number(url.port), url.hostname);
        let answer = '';
        let i = 0;
        const timer = setInterval(() => {
          if (i < payload.length && !socket.destroyed) socket.write(payload[i++]);
        }, 300);
        socket.on('data', (d) => (answer += d));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(timer);
          resolve({ closed: true, answer });
        });
      });
    const body = hostileBody();
    const headerLoris = slow(
      `POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`.padEnd(400, 'X'),
    );
    const bodyLoris2 = new Promise<{ closed: boolean; answer: string }>((resolve) => {
      const socket = net.connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nHook-HMAC: ${signHookHmac(secret, body)}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
        );
      });
      let answer = '';
      let i = 0;
      const timer = setInterval(() => !socket.destroyed && i < body.length && socket.write(body[i++]), 300);
      socket.on('data', (d) => (answer += d));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ closed: true, answer });
      });
    });
    // Normal deliveries while the slow senders hold their sockets.
    const account = 'BACT_during_loris';
    for (let i = 0; i < 10; i++) {
      const r = await post(
        refreshBody(account, `RRES_loris_${i}`, [slip(account, `SLIP_loris_${i}`, `RRES_loris_${i}`)]),
      );
      expect(r.status).toBe(200);
      await new Promise((res) => setTimeout(res, 500));
    }
    const [h, b] = await Promise.all([headerLoris, bodyLoris2]);
    expect(h.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(b.closed).toBe(true);
    await eventually(
      'the timeouts to be recorded',
      async () => (await rejectedBy('request_timeout')) >= before + 2,
      10_000,
    );
    expect(
      await count(stack, 'SELECT count() AS n FROM webhook_deliveries WHERE bettor_account_id = {a:String}', {
        a: account,
      }),
    ).toBe(10);
  }, 90_000);

  it('nothing refused was loaded, and no rejected_messages row holds the secret', async () => {
    expect(
      await count(
        stack,
        'SELECT count() AS n FROM webhook_deliveries WHERE bettor_account_id = {a:String} OR position(body, {a:String}) > 0',
        { a: HOSTILE },
      ),
    ).toBe(0);
    expect(
      await count(
        stack,
        "SELECT count() AS n FROM bet_slips WHERE startsWith(id, 'SLIP_hostile') OR bettor_account_id = {a:String}",
        { a: HOSTILE },
      ),
    ).toBe(0);
    expect(await count(stack, "SELECT count() AS n FROM bets WHERE startsWith(bet_slip_id, 'SLIP_hostile')")).toBe(0);
    expect(
      await count(
        stack,
        'SELECT count() AS n FROM rejected_messages WHERE position(concat(source, reason, detail, delivery_id, headers, raw), {s:String}) > 0',
        { s: secret },
      ),
    ).toBe(0);
    // Negative control: the same query finds the secret once it is planted.
    await insertRows(stack.clickhouse, 'rejected_messages', [
      { source: 'control', reason: 'planted', detail: `x${secret}x` },
    ]);
    expect(
      await count(
        stack,
        'SELECT count() AS n FROM rejected_messages WHERE position(concat(source, reason, detail, delivery_id, headers, raw), {s:String}) > 0',
        { s: secret },
      ),
    ).toBe(1);
  });
});
