import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landDelivery } from '../../refresh/landing/landing';
import {
  loadLanded,
  loadLandedResponses,
  responseFromBody,
  type LandedResponse,
} from '../../refresh/load/load-packages';
import { insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { migratedWarehouse } from '../support/stack';

/**
 * refresh/load/load-packages.ts on chDB: several landed responses load as one package, each exactly once,
 * physically; and a package whose writer died between its intent and its markers is finished by
 * the next load that meets one of its responses, without a second copy of any row.
 */
const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(new URL(`../fixtures/sharpsports/${name}`, import.meta.url), 'utf8'));

let ch: Warehouse;
beforeAll(async () => {
  ch = await migratedWarehouse('load-packages');
});
afterAll(async () => {
  await ch?.close();
});

/** Lands a refreshresponse.created delivery of response `rrId` with one reference slip (6 bets) per slip id; returns what a loader gets. */
async function landed(deliveryId: string, rrId: string, slipIds: string[], loader = ''): Promise<LandedResponse> {
  const body = fixture('webhook-refreshresponse-created.json');
  body.data.id = rrId;
  body.data.betSlips = slipIds.map((id) => ({ ...fixture('bet-slip.json'), id }));
  const text = JSON.stringify(body);
  const rr = responseFromBody(text);
  await landDelivery(ch, {
    deliveryId,
    source: 'webhook',
    event: 'refreshresponse.created',
    subscription: '',
    body: text,
    refreshResponse: rr,
  });
  return { deliveryId, rr, loader };
}

/** Physical rows (no FINAL): a replayed insert that was not deduplicated shows here as a second row. */
const physical = async (table: 'bet_slips' | 'bets', column: 'id' | 'bet_slip_id', ids: string[]) =>
  Number(
    (
      await queryRows<{ n: number }>(ch, `SELECT count() AS n FROM ${table} WHERE ${column} IN {ids:Array(String)}`, {
        ids,
      })
    )[0].n,
  );
const markers = async (rrIds: string[]) =>
  queryRows<{ key: string; slips: number; bets: number; detail: string }>(
    ch,
    "SELECT key, slips, bets, detail FROM load_markers FINAL WHERE kind = 'refresh_response' AND key IN {ids:Array(String)} ORDER BY key",
    { ids: rrIds },
  );
const parts = async (table: string) =>
  Number(
    (
      await queryRows<{ n: number }>(
        ch,
        'SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active',
        { t: table },
      )
    )[0].n,
  );

describe('load packages', () => {
  it('loads three responses and a second delivery of one of them as one package: each response once, one insert per table', async () => {
    const items = [
      await landed('pk1-a', 'RRES_pk1_a', ['SLIP_pk1_a1', 'SLIP_pk1_a2']),
      await landed('pk1-b', 'RRES_pk1_b', ['SLIP_pk1_b1']),
      await landed('pk1-c', 'RRES_pk1_c', []),
      await landed('pk1-b-again', 'RRES_pk1_b', ['SLIP_pk1_b1']),
    ];
    await ch.command({ query: 'SYSTEM STOP MERGES bet_slips' });
    const partsBefore = await parts('bet_slips');
    const out = await loadLandedResponses(ch, items);
    expect(await parts('bet_slips')).toBe(partsBefore + 1);
    await ch.command({ query: 'SYSTEM START MERGES bet_slips' });

    expect(out).toEqual([
      { slips: 2, bets: 12, skipped: false },
      { slips: 1, bets: 6, skipped: false },
      { slips: 0, bets: 0, skipped: false },
      { slips: 1, bets: 6, skipped: true },
    ]);
    expect(await physical('bet_slips', 'id', ['SLIP_pk1_a1', 'SLIP_pk1_a2', 'SLIP_pk1_b1'])).toBe(3);
    expect(await physical('bets', 'bet_slip_id', ['SLIP_pk1_a1', 'SLIP_pk1_a2', 'SLIP_pk1_b1'])).toBe(18);
    expect(await markers(['RRES_pk1_a', 'RRES_pk1_b', 'RRES_pk1_c'])).toEqual([
      { key: 'RRES_pk1_a', slips: 2, bets: 12, detail: 'pk1-a' },
      { key: 'RRES_pk1_b', slips: 1, bets: 6, detail: 'pk1-b' },
      { key: 'RRES_pk1_c', slips: 0, bets: 0, detail: 'pk1-c' },
    ]);
    // Loaded again (a re-delivery, a sweep): nothing written, every one skipped.
    expect(await loadLandedResponses(ch, items.slice(0, 2))).toEqual([
      { slips: 2, bets: 12, skipped: true },
      { slips: 1, bets: 6, skipped: true },
    ]);
    expect(await physical('bet_slips', 'id', ['SLIP_pk1_a1', 'SLIP_pk1_a2', 'SLIP_pk1_b1'])).toBe(3);
  });

  it('finishes a package whose writer died after its rows and before its markers, without a second copy of a row', async () => {
    const items = [
      await landed('pk2-a', 'RRES_pk2_a', ['SLIP_pk2_a1']),
      await landed('pk2-b', 'RRES_pk2_b', ['SLIP_pk2_b1', 'SLIP_pk2_b2']),
    ];
    await loadLandedResponses(ch, items);
    // The state a SIGKILL at after_rows_before_marker:landed leaves: intent and rows, no markers.
    await ch.command({
      query:
        "ALTER TABLE load_markers DELETE WHERE kind = 'refresh_response' AND key IN ('RRES_pk2_a', 'RRES_pk2_b') SETTINGS mutations_sync = 1",
    });
    expect(await markers(['RRES_pk2_a', 'RRES_pk2_b'])).toEqual([]);

    // A workflow's load of one member (a single response, which alone would use another token) replays the whole package.
    expect(await loadLanded(ch, { ...items[1], loader: 'wf/run-9' })).toEqual({ slips: 2, bets: 12, skipped: false });
    expect((await markers(['RRES_pk2_a', 'RRES_pk2_b'])).map((m) => [m.key, m.slips, m.bets])).toEqual([
      ['RRES_pk2_a', 1, 6],
      ['RRES_pk2_b', 2, 12],
    ]);
    expect(await physical('bet_slips', 'id', ['SLIP_pk2_a1', 'SLIP_pk2_b1', 'SLIP_pk2_b2'])).toBe(3);
    expect(await physical('bets', 'bet_slip_id', ['SLIP_pk2_a1', 'SLIP_pk2_b1', 'SLIP_pk2_b2'])).toBe(18);
  });

  it('finishes a package whose writer died after its intent and before any row', async () => {
    const items = [
      await landed('pk3-a', 'RRES_pk3_a', ['SLIP_pk3_a1']),
      await landed('pk3-b', 'RRES_pk3_b', ['SLIP_pk3_b1']),
    ];
    // What the package's first step writes (refresh/load/load-packages.ts writePackage), and nothing after it.
    await insertRows(ch, 'load_markers', [
      {
        kind: 'load_package_members',
        key: 'pkg:test-pk3',
        slips: 0,
        bets: 0,
        detail: JSON.stringify(['pk3-a', 'pk3-b']),
      },
      { kind: 'load_package', key: 'RRES_pk3_a', slips: 0, bets: 0, detail: 'pkg:test-pk3' },
      { kind: 'load_package', key: 'RRES_pk3_b', slips: 0, bets: 0, detail: 'pkg:test-pk3' },
    ]);
    expect(await loadLanded(ch, items[0])).toEqual({ slips: 1, bets: 6, skipped: false });
    expect(await physical('bet_slips', 'id', ['SLIP_pk3_a1', 'SLIP_pk3_b1'])).toBe(2);
    expect((await markers(['RRES_pk3_a', 'RRES_pk3_b'])).map((m) => m.detail)).toEqual([
      'pk3-a loader=replay',
      'pk3-b loader=replay',
    ]);
  });

  it('refuses to guess when a pending package lost a member body', async () => {
    const item = await landed('pk4-a', 'RRES_pk4_a', ['SLIP_pk4_a1']);
    await insertRows(ch, 'load_markers', [
      {
        kind: 'load_package_members',
        key: 'pkg:test-pk4',
        slips: 0,
        bets: 0,
        detail: JSON.stringify(['pk4-a', 'pk4-gone']),
      },
      { kind: 'load_package', key: 'RRES_pk4_a', slips: 0, bets: 0, detail: 'pkg:test-pk4' },
    ]);
    await expect(loadLanded(ch, item)).rejects.toThrow(/pk4-gone are not in webhook_deliveries/);
  });

  it('concurrent loads of one process share packages and still load each response once', async () => {
    const items = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        landed(`pk5-${i}`, `RRES_pk5_${i % 6}`, [`SLIP_pk5_${i % 6}`], `wf/run-${i}`),
      ),
    );
    const out = await Promise.all(items.map((item) => loadLanded(ch, item)));
    const firsts = out.filter((o) => !o.skipped);
    expect(firsts).toHaveLength(6);
    expect(out.every((o) => o.slips === 1 && o.bets === 6)).toBe(true);
    expect(
      await physical(
        'bet_slips',
        'id',
        Array.from({ length: 6 }, (_, i) => `SLIP_pk5_${i}`),
      ),
    ).toBe(6);
    expect(await markers(Array.from({ length: 6 }, (_, i) => `RRES_pk5_${i}`))).toHaveLength(6);
  });
});
