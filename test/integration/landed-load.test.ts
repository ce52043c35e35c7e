import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRefreshLoadingActivities } from '../../activities/refresh/loading';
import type { ActivityDeps } from '../../activities/deps';
import { landDelivery } from '../../refresh/landing/landing';
import { queryRows, type Warehouse } from '../../platform/warehouse/client';
import { normalizeRefreshResponse } from '../../schemas/sharpsports';
import { migratedWarehouse } from '../support/stack';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(new URL(`../fixtures/sharpsports/${name}`, import.meta.url), 'utf8'));

let ch: Warehouse;
let acts: ReturnType<typeof createRefreshLoadingActivities>;
beforeAll(async () => {
  ch = await migratedWarehouse('landed-load');
  // loadLandedResponse reads only the warehouse.
  acts = createRefreshLoadingActivities({ clickhouse: ch } as ActivityDeps);
});
afterAll(async () => {
  await ch?.close();
});

/** A refreshresponse.created webhook for response `rrId` carrying the reference slip (6 bets) under slip id `slipId`. */
function webhook(rrId: string, slipId: string) {
  const body = fixture('webhook-refreshresponse-created.json');
  body.data.id = rrId;
  body.data.betSlips = [{ ...fixture('bet-slip.json'), id: slipId }];
  return body;
}

/** Lands `body` as delivery `id`; `recordResponse: false` lands it as a row that names no response (the loader reads the id from the body). */
async function land(id: string, body: ReturnType<typeof webhook>, recordResponse = true) {
  await landDelivery(ch, {
    deliveryId: id,
    source: 'webhook',
    event: 'refreshresponse.created',
    subscription: '',
    body: JSON.stringify(body),
    ...(recordResponse ? { refreshResponse: normalizeRefreshResponse(body.data) } : {}),
  });
}

const slipRows = async (slipId: string) =>
  Number(
    (await queryRows<{ n: number }>(ch, 'SELECT count() AS n FROM bet_slips WHERE id = {id:String}', { id: slipId }))[0]
      .n,
  );
const markers = async (rrId: string) =>
  queryRows<{ slips: number; bets: number; detail: string }>(
    ch,
    "SELECT slips, bets, detail FROM load_markers WHERE kind = 'refresh_response' AND key = {k:String}",
    { k: rrId },
  );

describe('loading a landed refresh response: once per response, whichever delivery or run asks', () => {
  it('loads once; a repeat by the same run is not "skipped", by another run or another delivery of the response it is', async () => {
    await land('dlv-1', webhook('RRES_once', 'SLIP_once'));
    expect(await acts.loadLandedResponse({ deliveryId: 'dlv-1', loader: 'wf/run-1' })).toEqual({
      slips: 1,
      bets: 6,
      skipped: false,
    });
    expect(await markers('RRES_once')).toEqual([{ slips: 1, bets: 6, detail: 'dlv-1 loader=wf/run-1' }]);
    // A retried local activity of the same run: done already, by this run.
    expect(await acts.loadLandedResponse({ deliveryId: 'dlv-1', loader: 'wf/run-1' })).toEqual({
      slips: 1,
      bets: 6,
      skipped: false,
    });
    expect(await acts.loadLandedResponse({ deliveryId: 'dlv-1', loader: 'wf/run-2' })).toEqual({
      slips: 1,
      bets: 6,
      skipped: true,
    });
    // A duplicate delivery, and one whose landing row names no response (found by the body's id), side by side.
    await land('dlv-1-dup', webhook('RRES_once', 'SLIP_once'));
    await land('dlv-1-bare', webhook('RRES_once', 'SLIP_once'), false);
    const again = await Promise.all(
      ['dlv-1-dup', 'dlv-1-bare'].map((deliveryId) => acts.loadLandedResponse({ deliveryId, loader: 'wf/run-3' })),
    );
    expect(again).toEqual([
      { slips: 1, bets: 6, skipped: true },
      { slips: 1, bets: 6, skipped: true },
    ]);
    expect(await slipRows('SLIP_once')).toBe(1);
    expect(await markers('RRES_once')).toHaveLength(1);
  });

  it('loads concurrent deliveries of different responses, including one whose landing row names no response', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    for (const k of ids) await land(`dlv-${k}`, webhook(`RRES_${k}`, `SLIP_${k}`), k !== 'd');
    const loaded = await Promise.all(ids.map((k) => acts.loadLandedResponse({ deliveryId: `dlv-${k}` })));
    expect(loaded).toEqual(ids.map(() => ({ slips: 1, bets: 6, skipped: false })));
    for (const k of ids) {
      expect(await slipRows(`SLIP_${k}`)).toBe(1);
      expect(await markers(`RRES_${k}`)).toEqual([{ slips: 1, bets: 6, detail: `dlv-${k}` }]);
    }
  });

  it('refuses a delivery that never landed', async () => {
    await expect(acts.loadLandedResponse({ deliveryId: 'dlv-missing' })).rejects.toThrow(
      /dlv-missing is not in webhook_deliveries/,
    );
  });
});
