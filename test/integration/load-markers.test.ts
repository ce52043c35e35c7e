import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarehouse, insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate, SQL_DIR } from '../../platform/warehouse/migrate';
import {
  backfillPageMarker,
  loadedResponseIds,
  markerState,
  packageMembers,
  RECEIVER_LOADER,
  REPLAY_LOADER,
  RESPONSES_LOADED_BY_A_RUN_SQL,
  writeBackfillPageMarker,
  writePackageIntent,
  writeResponseMarkers,
} from '../../refresh/load/markers';
import { tempDir } from '../support/stack';

/**
 * load_markers in typed columns (sql/migrations/0013, refresh/load/markers.ts). A warehouse
 * migrated to 0012 holds markers in the old text form; after 0013 the same rows read through the
 * typed columns, and what this version writes still reads in the old form for a worker of the
 * version before it.
 */
let ch: Warehouse;

const LEGACY = [
  { kind: 'refresh_response', key: 'RR_run', slips: 3, bets: 4, detail: 'dlv-1 loader=refresh-BACT_a/run-1' },
  { kind: 'refresh_response', key: 'RR_receiver', slips: 2, bets: 2, detail: 'dlv-2 loader=receiver' },
  { kind: 'refresh_response', key: 'RR_replay', slips: 1, bets: 1, detail: 'dlv-3 loader=replay' },
  { kind: 'refresh_response', key: 'RR_plain', slips: 1, bets: 1, detail: 'dlv-4' },
  { kind: 'refresh_response', key: 'RR_paged', slips: 40, bets: 44, detail: 'pages=5' },
  { kind: 'refresh_response_page', key: 'RR_paged/20/1', slips: 8, bets: 9, detail: 'totalPages=5 refused=2' },
  { kind: 'load_package', key: 'RR_pkg', slips: 0, bets: 0, detail: 'pkg:abc' },
  { kind: 'load_package_members', key: 'pkg:abc', slips: 0, bets: 0, detail: '["dlv-5","dlv-6"]' },
  {
    kind: 'backfill_page',
    key: 'bf:BACT_a:1',
    slips: 7,
    bets: 9,
    detail: '{"pages":3,"slips":7,"bets":9,"new":4,"updated":2,"unchanged":1}',
  },
  { kind: 'feed_started', key: 'opticodds', slips: 0, bets: 0, detail: '2026-12-01T10:00:00.000Z' },
];

beforeAll(async () => {
  const dataDir = tempDir('markers');
  ch = await createWarehouse({ dataDir, clickhouse: { user: 'default', password: '', database: 'linehouse' } });
  // The warehouse as the version before 0013 left it.
  const before = path.join(dataDir, 'sql-0012');
  fs.cpSync(SQL_DIR, before, { recursive: true });
  for (const f of fs.readdirSync(path.join(before, 'migrations')))
    if (Number(f.slice(0, 4)) >= 13) fs.rmSync(path.join(before, 'migrations', f));
  await migrate(ch, before, { database: 'linehouse' });
  await insertRows(ch, 'load_markers', LEGACY);
  await migrate(ch, SQL_DIR, { database: 'linehouse' });
}, 180_000);

afterAll(async () => {
  await ch?.close();
});

describe('load markers in typed columns', () => {
  it('reads markers written in the old text form through the typed columns', async () => {
    const state = await markerState(ch, ['RR_run', 'RR_receiver', 'RR_plain', 'RR_paged', 'RR_pkg']);
    expect(Object.fromEntries(state.loaded)).toEqual({
      RR_run: { slips: 3, bets: 4, loader: 'refresh-BACT_a/run-1', deliveryId: 'dlv-1' },
      RR_receiver: { slips: 2, bets: 2, loader: RECEIVER_LOADER, deliveryId: 'dlv-2' },
      RR_plain: { slips: 1, bets: 1, loader: '', deliveryId: 'dlv-4' },
      RR_paged: { slips: 40, bets: 44, loader: '', deliveryId: '' },
    });
    expect(Object.fromEntries(state.intents)).toEqual({ RR_pkg: 'pkg:abc' });
    expect(await packageMembers(ch, 'pkg:abc')).toEqual(['dlv-5', 'dlv-6']);
    expect(await packageMembers(ch, 'pkg:none')).toBeUndefined();
    expect(await backfillPageMarker(ch, 'bf:BACT_a:1')).toEqual({
      pages: 3,
      slips: 7,
      bets: 9,
      new: 4,
      updated: 2,
      unchanged: 1,
    });
    const [page] = await queryRows<{ total_pages: number; refused: number }>(
      ch,
      "SELECT total_pages, refused FROM load_markers FINAL WHERE key = 'RR_paged/20/1'",
    );
    expect(page).toEqual({ total_pages: 5, refused: 2 });
    const [paged] = await queryRows<{ pages: number }>(
      ch,
      "SELECT pages FROM load_markers FINAL WHERE key = 'RR_paged'",
    );
    expect(paged.pages).toBe(5);
  });

  it("counts a response as a run's own unless the receiver or a replay loaded it", async () => {
    const rows = await queryRows<{ key: string }>(ch, `${RESPONSES_LOADED_BY_A_RUN_SQL} ORDER BY key`);
    expect(rows.map((r) => r.key)).toEqual(['RR_paged', 'RR_plain', 'RR_run']);
    expect(RESPONSES_LOADED_BY_A_RUN_SQL).toContain(`'${RECEIVER_LOADER}', '${REPLAY_LOADER}'`);
    expect([...(await loadedResponseIds(ch, ['RR_run', 'RR_receiver', 'RR_nope']))].sort()).toEqual([
      'RR_receiver',
      'RR_run',
    ]);
  });

  it('moves a feed start without a checkpoint to feed_starts', async () => {
    const rows = await queryRows<{ feed: string; started_at: string }>(
      ch,
      'SELECT feed, toString(started_at) AS started_at FROM feed_starts FINAL',
    );
    expect(rows).toEqual([{ feed: 'opticodds', started_at: '2026-12-01 10:00:00.000' }]);
  });

  it('writes typed columns, and the old text form beside them for the version before', async () => {
    await writeResponseMarkers(ch, [
      { responseId: 'RR_new', slips: 5, bets: 6, loader: 'refresh-BACT_b/run-9', deliveryId: 'dlv-9' },
      { responseId: 'RR_new_plain', slips: 1, bets: 1, loader: '', deliveryId: 'dlv-10' },
    ]);
    await writePackageIntent(ch, 'pkg:new', [
      { responseId: 'RR_m1', deliveryId: 'dlv-11' },
      { responseId: 'RR_m2', deliveryId: 'dlv-12' },
    ]);
    await writeBackfillPageMarker(ch, 'bf:BACT_b:1', { pages: 1, slips: 2, bets: 3, new: 2, updated: 0, unchanged: 0 });
    const rows = await queryRows<{ key: string; detail: string }>(
      ch,
      "SELECT key, detail FROM load_markers FINAL WHERE key IN ('RR_new', 'RR_new_plain', 'RR_m1', 'pkg:new', 'bf:BACT_b:1') ORDER BY key",
    );
    expect(Object.fromEntries(rows.map((r) => [r.key, r.detail]))).toEqual({
      RR_new: 'dlv-9 loader=refresh-BACT_b/run-9',
      RR_new_plain: 'dlv-10',
      RR_m1: 'pkg:new',
      'pkg:new': '["dlv-11","dlv-12"]',
      'bf:BACT_b:1': '{"pages":1,"slips":2,"bets":3,"new":2,"updated":0,"unchanged":0}',
    });
    const state = await markerState(ch, ['RR_new', 'RR_m1', 'RR_m2']);
    expect(state.loaded.get('RR_new')).toEqual({
      slips: 5,
      bets: 6,
      loader: 'refresh-BACT_b/run-9',
      deliveryId: 'dlv-9',
    });
    expect(Object.fromEntries(state.intents)).toEqual({ RR_m1: 'pkg:new', RR_m2: 'pkg:new' });
    expect(await packageMembers(ch, 'pkg:new')).toEqual(['dlv-11', 'dlv-12']);
  });
});
