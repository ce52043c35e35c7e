import crypto from 'node:crypto';
import fs from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRefreshRequestActivities } from '../../activities/refresh/requests';
import type { ActivityDeps } from '../../activities/deps';
import { landDelivery, refFromResponse, unloadedDeliveries } from '../../refresh/landing/landing';
import { responseFromBody } from '../../refresh/load/load-packages';
import { listen } from '../../platform/net';
import { insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { signHookHmac } from '../../refresh/webhook/hmac';
import { createPreloader } from '../../refresh/webhook/preloader';
import { createWebhookServer, type WebhookServer } from '../../refresh/webhook/receiver';
import { eventually, migratedWarehouse } from '../support/stack';
import type { RefreshResponseRef } from '../../refresh/contracts';

/**
 * The receiver's load stage (refresh/webhook/preloader.ts) on chDB, without Temporal: `dispatch`
 * collects what would be signalled. While busy, a landed 200 is loaded here and handed over with
 * its counts; otherwise it is handed over at once and left to the workflow. The sweep and
 * findLandedResponse treat a response the receiver loaded as not yet taken over by a workflow.
 */
const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(new URL(`../fixtures/sharpsports/${name}`, import.meta.url), 'utf8'));
const secret = 'whsec-preload-0123456789';

let ch: Warehouse;
const servers: WebhookServer[] = [];
beforeAll(async () => {
  ch = await migratedWarehouse('webhook-preload');
});
afterAll(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  await ch?.close();
});

/** A receiver on a free port; `busyArrivalsPerSecond: 0` makes every arrival count as busy. */
async function receiver(opts: { busyArrivalsPerSecond: number; preload?: boolean }) {
  const handedOver: RefreshResponseRef[] = [];
  const server = createWebhookServer({
    clickhouse: ch,
    secret,
    maxBodyBytes: 2 ** 20,
    dispatch: async (ref) => void handedOver.push(ref),
    sweepEveryMs: 0,
    ...opts,
  });
  servers.push(server);
  const port = await listen(server, 0);
  const post = async (body: object) => {
    const raw = Buffer.from(JSON.stringify(body));
    const res = await request(`http://127.0.0.1:${port}/webhooks/sharpsports`, {
      method: 'POST',
      body: raw,
      headers: {
        'content-type': 'application/json',
        'hook-delivery': crypto.randomUUID(),
        'hook-hmac': signHookHmac(secret, raw),
      },
    });
    await res.body.dump();
    return res.statusCode;
  };
  return { server, handedOver, post };
}

function webhook(rrId: string, account: string, slipIds: string[], status = 200) {
  const body = fixture('webhook-refreshresponse-created.json');
  Object.assign(body.data, {
    id: rrId,
    bettorAccount: account,
    status,
    requestId: `req-${rrId}`,
    timeCreated: new Date().toISOString(),
  });
  body.data.betSlips = slipIds.map((id) => ({ ...fixture('bet-slip.json'), id, bettorAccount: account }));
  return body;
}

const slipRows = async (ids: string[]) =>
  Number(
    (
      await queryRows<{ n: number }>(ch, 'SELECT count() AS n FROM bet_slips WHERE id IN {ids:Array(String)}', { ids })
    )[0].n,
  );
const marker = async (rrId: string) =>
  (
    await queryRows<{ detail: string }>(
      ch,
      "SELECT detail FROM load_markers FINAL WHERE kind = 'refresh_response' AND key = {k:String}",
      { k: rrId },
    )
  )[0];
const swept = async () =>
  (await unloadedDeliveries(ch, { minAgeSeconds: 0, limit: 1_000 })).map((r) => r.refreshResponseId);

describe('the receiver loads landed refresh responses while busy', () => {
  it('busy: loads a 200 in a package and hands it over with its counts; the sweep still offers it until a run is recorded', async () => {
    const { handedOver, post } = await receiver({ busyArrivalsPerSecond: 0 });
    expect(await post(webhook('RRES_pre_1', 'BACT_pre_1', ['SLIP_pre_1a', 'SLIP_pre_1b']))).toBe(200);
    expect(await post(webhook('RRES_pre_2', 'BACT_pre_2', ['SLIP_pre_2a']))).toBe(200);
    expect(await post(webhook('RRES_pre_429', 'BACT_pre_3', [], 429))).toBe(200);
    await eventually('three hand-overs', async () => handedOver.length === 3, 20_000);

    const byId = new Map(handedOver.map((r) => [r.refreshResponseId, r]));
    expect(byId.get('RRES_pre_1')!.loaded).toEqual({ slips: 2, bets: 12, skipped: false });
    expect(byId.get('RRES_pre_2')!.loaded).toEqual({ slips: 1, bets: 6, skipped: false });
    expect(byId.get('RRES_pre_429')!.loaded).toBeUndefined();
    expect(await slipRows(['SLIP_pre_1a', 'SLIP_pre_1b', 'SLIP_pre_2a'])).toBe(3);
    expect((await marker('RRES_pre_1')).detail).toMatch(/ loader=receiver$/);

    // Loaded, but no workflow has recorded it: a lost hand-over is still found by the sweep.
    expect(await swept()).toEqual(expect.arrayContaining(['RRES_pre_1', 'RRES_pre_2']));
    await insertRows(ch, 'refresh_runs', [
      {
        workflow_id: 'refresh-BACT_pre_1',
        bettor_account_id: 'BACT_pre_1',
        request_id: 'req-RRES_pre_1',
        refresh_response_id: 'RRES_pre_1',
        status: 200,
        started_at: new Date().toISOString(),
        finished_at: new Date().toISOString(),
      },
    ]);
    expect(await swept()).not.toContain('RRES_pre_1');
    expect(await swept()).toContain('RRES_pre_2');

    // The workflow that looks before its signal comes gets the receiver's counts, no load of its own.
    const acts = createRefreshRequestActivities({ clickhouse: ch } as ActivityDeps);
    expect((await acts.findLandedResponse({ accountId: 'BACT_pre_2', requestId: 'req-RRES_pre_2' }))?.loaded).toEqual({
      slips: 1,
      bets: 6,
      skipped: false,
    });
  });

  it('not busy: hands over at once and leaves the load to the workflow', async () => {
    const { handedOver, post } = await receiver({ busyArrivalsPerSecond: 1_000 });
    expect(await post(webhook('RRES_pre_idle', 'BACT_pre_idle', ['SLIP_pre_idle']))).toBe(200);
    await eventually('the hand-over', async () => handedOver.length === 1, 20_000);
    expect(handedOver[0].loaded).toBeUndefined();
    expect(await slipRows(['SLIP_pre_idle'])).toBe(0);
    expect(await marker('RRES_pre_idle')).toBeUndefined();
  });

  it('past its byte cap, the preloader hands a delivery over bare at once instead of holding its body', async () => {
    const handedOver: RefreshResponseRef[] = [];
    const preloader = createPreloader({ ch, handOver: (ref) => void handedOver.push(ref), maxQueuedBytes: 1_000 });
    const refs = await Promise.all(
      ['RRES_cap_1', 'RRES_cap_2'].map(async (rrId, i) => {
        const body = JSON.stringify(webhook(rrId, `BACT_cap_${i}`, [`SLIP_cap_${i}`]));
        const rr = responseFromBody(body);
        await landDelivery(ch, {
          deliveryId: `dlv-${rrId}`,
          source: 'webhook',
          event: 'refreshresponse.created',
          subscription: '',
          body,
          refreshResponse: rr,
        });
        return { ref: refFromResponse(`dlv-${rrId}`, 'webhook', rr), rr };
      }),
    );
    preloader.submit(refs[0].ref, refs[0].rr, 800);
    preloader.submit(refs[1].ref, refs[1].rr, 800);
    // The second did not fit beside the first: handed over at once, bare, for its workflow to load.
    expect(handedOver.map((r) => [r.refreshResponseId, r.loaded])).toEqual([['RRES_cap_2', undefined]]);
    await preloader.idle();
    expect(handedOver.map((r) => [r.refreshResponseId, r.loaded?.slips])).toEqual([
      ['RRES_cap_2', undefined],
      ['RRES_cap_1', 1],
    ]);
    expect(preloader.stats).toEqual({ loaded: 1, failed: 0, bypassed: 1 });
    expect(await slipRows(['SLIP_cap_0', 'SLIP_cap_1'])).toBe(1);
  });

  it('findLandedResponse leaves a 200 landed moments ago and not loaded to the receiver, and returns other statuses at once', async () => {
    const acts = createRefreshRequestActivities({ clickhouse: ch } as ActivityDeps);
    for (const [rrId, status] of [
      ['RRES_find_200', 200],
      ['RRES_find_500', 500],
    ] as const) {
      const body = JSON.stringify(webhook(rrId, 'BACT_find', ['SLIP_find'], status));
      await landDelivery(ch, {
        deliveryId: `dlv-${rrId}`,
        source: 'webhook',
        event: 'refreshresponse.created',
        subscription: '',
        body,
        refreshResponse: responseFromBody(body),
      });
    }
    expect(await acts.findLandedResponse({ accountId: 'BACT_find', requestId: 'req-RRES_find_200' })).toBeNull();
    expect(
      (await acts.findLandedResponse({ accountId: 'BACT_find', requestId: 'req-RRES_find_500' }))?.refreshResponseId,
    ).toBe('RRES_find_500');
  });
});
