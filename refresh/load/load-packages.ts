import crypto from 'node:crypto';
import { normalizeRefreshResponse, type BetSlip, type NormalizedRefreshResponse } from '../../schemas/sharpsports';
import { slipToRows, type SlipRows } from './bet-rows';
import { failpoint } from '../../platform/failpoints';
import { coalescing } from '../../platform/warehouse/coalesce';
import { insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import {
  loadedFor,
  markerState,
  packageMembers,
  REPLAY_LOADER,
  writePackageIntent,
  writeResponseMarkers,
} from './markers';

/**
 * Load packages: the load stage for refresh responses whose slips came inside the delivery
 * (status 200). The responses waiting at one moment load together: one bets insert, one
 * bet_slips insert and one marker insert for all of them, where each response used to cost
 * those three plus its lookups (on chDB every statement costs milliseconds of engine CPU and
 * every insert is a part to merge).
 *
 * Exactly once, physically (a replayed insert is dropped by its token, not merged away later):
 *   1. intent: `load_markers` rows (`load_package`, response id) → package id and
 *      (`load_package_members`, package id) → its delivery ids (refresh/load/markers.ts);
 *   2. rows: bets, then bet_slips, each insert deduplicated by the package's token;
 *   3. one (`refresh_response`, response id) marker per response: loaded.
 * A load that meets a response with an intent and no marker (the process died between 1 and 3)
 * replays that whole package first: the same tokens, so rows that landed are dropped as
 * duplicates and rows that did not are written. A package of one response keeps the token a
 * single load always had (`rr:<id>`), so loads from before packages replay against it too.
 */

export interface LandedResponse {
  deliveryId: string;
  rr: NormalizedRefreshResponse;
  /** Who asks: a workflow run (`<workflow id>/<run id>`), RECEIVER_LOADER, or '' (recorded in the marker). */
  loader: string;
}

export interface ResponseLoad {
  slips: number;
  bets: number;
  /** The response was already loaded for someone else (another run, another delivery of it). */
  skipped: boolean;
}

/** The refresh response in a landed body (a webhook envelope, or a polled response as it came). */
export function responseFromBody(body: string): NormalizedRefreshResponse {
  const parsed = JSON.parse(body);
  return normalizeRefreshResponse(parsed.event && parsed.data ? parsed.data : parsed);
}

/**
 * Loads one landed response, in the same package as the loads of this process that wait with
 * it (platform/warehouse/coalesce.ts: while a package is written the next one gathers). A failed
 * package of several is retried response by response, so one bad response fails only its caller.
 */
export function loadLanded(ch: Warehouse, item: LandedResponse): Promise<ResponseLoad> {
  const load = ch.coalescers.get('load-packages', () =>
    coalescing((items: LandedResponse[]) => loadLandedResponses(ch, items)),
  );
  return load(item);
}

/** One output per input, in order. Several deliveries of one response load it once. */
export async function loadLandedResponses(ch: Warehouse, items: readonly LandedResponse[]): Promise<ResponseLoad[]> {
  const ids = [...new Set(items.map((i) => i.rr.id))];
  let state = await markerState(ch, ids);
  const pending = new Set([...state.intents].filter(([id]) => !state.loaded.has(id)).map(([, pkg]) => pkg));
  for (const pkg of pending) await replayPackage(ch, pkg);
  if (pending.size > 0) state = await markerState(ch, ids);

  const fresh = new Map<string, LandedResponse>();
  for (const item of items) if (!state.loaded.has(item.rr.id) && !fresh.has(item.rr.id)) fresh.set(item.rr.id, item);
  const written =
    fresh.size > 0 ? await writePackage(ch, [...fresh.values()]) : new Map<string, { slips: number; bets: number }>();

  const answered = new Set<string>();
  return items.map((item) => {
    const id = item.rr.id;
    const now = written.get(id);
    if (now && !answered.has(id)) {
      answered.add(id);
      return { ...now, skipped: false };
    }
    const before = state.loaded.get(id);
    const counts = now ?? before!;
    return { slips: counts.slips, bets: counts.bets, skipped: before ? !loadedFor(before, item.loader) : true };
  });
}

function packageId(members: readonly LandedResponse[]): string {
  if (members.length === 1) return `rr:${members[0].rr.id}`;
  const ids = members.map((m) => m.deliveryId).sort();
  return `pkg:${crypto.createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 32)}`;
}

async function writePackage(
  ch: Warehouse,
  members: readonly LandedResponse[],
  pkg = packageId(members),
): Promise<Map<string, { slips: number; bets: number }>> {
  await writePackageIntent(
    ch,
    pkg,
    members.map((m) => ({ responseId: m.rr.id, deliveryId: m.deliveryId })),
  );
  const counts = new Map<string, { slips: number; bets: number }>();
  const rows: SlipRows[] = [];
  for (const { rr } of members) {
    const ctx = {
      refreshResponseId: rr.id,
      refreshResponseTime: rr.timeCreated ?? new Date().toISOString(),
      bettorId: rr.bettorId,
    };
    const own = rr.betSlips.map((slip) => slipToRows(slip, ctx));
    rows.push(...own);
    counts.set(rr.id, { slips: own.length, bets: own.reduce((n, r) => n + r.bets.length, 0) });
  }
  await insertSlipRows(ch, rows, pkg);
  failpoint('after_rows_before_marker:landed');
  await writeResponseMarkers(
    ch,
    members.map((m) => ({ responseId: m.rr.id, ...counts.get(m.rr.id)!, loader: m.loader, deliveryId: m.deliveryId })),
  );
  return counts;
}

/** Inserts slips and their bets, each under `<token>:bets` / `<token>:slips`; bets first, so a slip row never points at missing bets. */
export async function insertSlipRows(ch: Warehouse, rows: readonly SlipRows[], token: string): Promise<void> {
  await insertRows(
    ch,
    'bets',
    rows.flatMap((r) => r.bets),
    `${token}:bets`,
  );
  await insertRows(
    ch,
    'bet_slips',
    rows.map((r) => r.slip),
    `${token}:slips`,
  );
}

/** Finishes a package whose writer died between its intent and its markers. */
async function replayPackage(ch: Warehouse, pkg: string): Promise<void> {
  const deliveryIds = await packageMembers(ch, pkg);
  if (!deliveryIds)
    throw new Error(
      `load package ${pkg} has an intent but no member list in load_markers: the warehouse lost rows it acknowledged; backfill the accounts of its responses`,
    );
  const bodies = await queryRows<{ delivery_id: string; body: string }>(
    ch,
    'SELECT delivery_id, body FROM webhook_deliveries WHERE delivery_id IN {ids:Array(String)} LIMIT 1 BY delivery_id',
    { ids: deliveryIds },
  );
  const byId = new Map(bodies.map((b) => [b.delivery_id, b.body]));
  const missing = deliveryIds.filter((id) => !byId.has(id));
  if (missing.length > 0)
    throw new Error(
      `load package ${pkg}: deliveries ${missing.join(', ')} are not in webhook_deliveries; backfill their accounts`,
    );
  // Every member, whatever its marker says: the tokens drop what already landed, and a member
  // cannot have been loaded elsewhere while its intent pointed here (loads replay pending packages first).
  await writePackage(
    ch,
    deliveryIds.map((deliveryId) => ({
      deliveryId,
      rr: responseFromBody(byId.get(deliveryId)!),
      loader: REPLAY_LOADER,
    })),
    pkg,
  );
}

/** Upserts slips and their bets under one insert token (insertSlipRows). */
export async function upsertSlips(
  ch: Warehouse,
  slips: BetSlip[],
  ctx: { refreshResponseId: string; refreshResponseTime: string; bettorId?: string | null },
  token: string,
) {
  const rows = slips.map((s) => slipToRows(s, ctx));
  await insertSlipRows(ch, rows, token);
  return { slips: rows.length, bets: rows.reduce((n, r) => n + r.bets.length, 0) };
}
