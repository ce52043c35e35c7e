import { appendRows, insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';

/**
 * The one module that reads and writes `load_markers` (sql/migrations/0003, 0013): the durable
 * "this is loaded" notes the loaders check before doing work again. A marker is written only
 * after the rows it vouches for are durable, so a marker present means the work is done.
 *
 * `detail` is still written in the text form of the version before 0013, so a worker of that
 * version running beside this one during an upgrade reads the markers this one writes. Nothing
 * in this version reads it.
 */
export type MarkerKind =
  'refresh_response' | 'refresh_response_page' | 'load_package' | 'load_package_members' | 'backfill_page';

/** The webhook receiver, loading right after landing on behalf of whichever run records the response. */
export const RECEIVER_LOADER = 'receiver';
/** A load package finished by whoever met its intent without its markers. */
export const REPLAY_LOADER = 'replay';

export interface ResponseMarker {
  slips: number;
  bets: number;
  /** `<workflow id>/<run id>`, RECEIVER_LOADER, REPLAY_LOADER, or '' (a paged load, or a caller that gave none). */
  loader: string;
  deliveryId: string;
}

/**
 * A marker already there counts as this caller's own load when this caller wrote it (a retried
 * local activity), or when the receiver or a replay wrote it on behalf of whichever run records
 * the response.
 */
export function loadedFor(marker: Pick<ResponseMarker, 'loader'>, loader: string): boolean {
  if (loader !== '' && marker.loader === loader) return true;
  return loader !== RECEIVER_LOADER && (marker.loader === RECEIVER_LOADER || marker.loader === REPLAY_LOADER);
}

/**
 * A subquery of the responses some workflow run has taken over: loaded by a run itself (the
 * receiver and replays load on a run's behalf, so theirs do not count: RECEIVER_LOADER and
 * REPLAY_LOADER, spelled out so no value is interpolated into SQL).
 */
export const RESPONSES_LOADED_BY_A_RUN_SQL =
  "SELECT key FROM load_markers WHERE kind = 'refresh_response' AND loader NOT IN ('receiver', 'replay')";

export interface MarkerState {
  loaded: Map<string, ResponseMarker>;
  /** Response id → the package that intends to load it. */
  intents: Map<string, string>;
}

/** The load markers and load-package intents of these responses. */
export async function markerState(ch: Warehouse, ids: readonly string[]): Promise<MarkerState> {
  const rows = await queryRows<{
    kind: MarkerKind;
    key: string;
    slips: number;
    bets: number;
    loader: string;
    delivery_id: string;
    package_id: string;
  }>(
    ch,
    "SELECT kind, key, slips, bets, loader, delivery_id, package_id FROM load_markers FINAL WHERE kind IN ('refresh_response', 'load_package') AND key IN {ids:Array(String)}",
    { ids },
  );
  const state: MarkerState = { loaded: new Map(), intents: new Map() };
  for (const r of rows) {
    if (r.kind === 'refresh_response')
      state.loaded.set(r.key, {
        slips: Number(r.slips),
        bets: Number(r.bets),
        loader: r.loader,
        deliveryId: r.delivery_id,
      });
    else state.intents.set(r.key, r.package_id);
  }
  return state;
}

/** Which of these responses are loaded, by anyone. */
export async function loadedResponseIds(ch: Warehouse, ids: readonly string[]): Promise<Set<string>> {
  const rows = await queryRows<{ key: string }>(
    ch,
    "SELECT key FROM load_markers WHERE kind = 'refresh_response' AND key IN {ids:Array(String)}",
    { ids },
  );
  return new Set(rows.map((r) => r.key));
}

/** Intent: these responses load as package `pkg`, from these deliveries (in order). */
export async function writePackageIntent(
  ch: Warehouse,
  pkg: string,
  members: ReadonlyArray<{ responseId: string; deliveryId: string }>,
): Promise<void> {
  const deliveryIds = members.map((m) => m.deliveryId);
  await appendRows(ch, 'load_markers', [
    {
      kind: 'load_package_members',
      key: pkg,
      slips: 0,
      bets: 0,
      members: deliveryIds,
      detail: JSON.stringify(deliveryIds),
    },
    ...members.map((m) => ({
      kind: 'load_package',
      key: m.responseId,
      slips: 0,
      bets: 0,
      package_id: pkg,
      detail: pkg,
    })),
  ]);
}

/** The deliveries of package `pkg`, or undefined when it has no member list. */
export async function packageMembers(ch: Warehouse, pkg: string): Promise<string[] | undefined> {
  const [row] = await queryRows<{ members: string[] }>(
    ch,
    "SELECT members FROM load_markers FINAL WHERE kind = 'load_package_members' AND key = {k:String}",
    { k: pkg },
  );
  return row?.members;
}

/** Loaded: one marker per response of a package, after its rows. */
export async function writeResponseMarkers(
  ch: Warehouse,
  markers: ReadonlyArray<ResponseMarker & { responseId: string }>,
): Promise<void> {
  await appendRows(
    ch,
    'load_markers',
    markers.map((m) => ({
      kind: 'refresh_response',
      key: m.responseId,
      slips: m.slips,
      bets: m.bets,
      loader: m.loader,
      delivery_id: m.deliveryId,
      detail: m.loader ? `${m.deliveryId} loader=${m.loader}` : m.deliveryId,
    })),
  );
}

/** Loaded page by page (a paginated response): the distinct slips and bets of all its pages. */
export async function writePagedResponseMarker(
  ch: Warehouse,
  m: { responseId: string; slips: number; bets: number; pages: number },
): Promise<void> {
  await appendRows(ch, 'load_markers', [
    {
      kind: 'refresh_response',
      key: m.responseId,
      slips: m.slips,
      bets: m.bets,
      pages: m.pages,
      detail: `pages=${m.pages}`,
    },
  ]);
}

/** One page of a paginated response is durable (key: `<response id>/<page size>/<page>[/r<pass>]`). */
export async function writePageMarker(
  ch: Warehouse,
  m: { pageKey: string; slips: number; bets: number; totalPages: number; refused: number },
): Promise<void> {
  await appendRows(ch, 'load_markers', [
    {
      kind: 'refresh_response_page',
      key: m.pageKey,
      slips: m.slips,
      bets: m.bets,
      total_pages: m.totalPages,
      refused: m.refused,
      detail: `totalPages=${m.totalPages}${m.refused ? ` refused=${m.refused}` : ''}`,
    },
  ]);
}

export interface BackfillPageCounts {
  pages: number;
  slips: number;
  bets: number;
  new: number;
  updated: number;
  unchanged: number;
}

/** A backfill page's counts once its rows are durable, or null when it was never loaded. */
export async function backfillPageMarker(ch: Warehouse, key: string): Promise<BackfillPageCounts | null> {
  const [r] = await queryRows<{
    pages: number;
    slips: number;
    bets: number;
    new_slips: number;
    updated_slips: number;
    unchanged_slips: number;
  }>(
    ch,
    "SELECT pages, slips, bets, new_slips, updated_slips, unchanged_slips FROM load_markers FINAL WHERE kind = 'backfill_page' AND key = {key:String} LIMIT 1",
    { key },
  );
  return r
    ? {
        pages: Number(r.pages),
        slips: Number(r.slips),
        bets: Number(r.bets),
        new: Number(r.new_slips),
        updated: Number(r.updated_slips),
        unchanged: Number(r.unchanged_slips),
      }
    : null;
}

export async function writeBackfillPageMarker(ch: Warehouse, key: string, c: BackfillPageCounts): Promise<void> {
  await insertRows(ch, 'load_markers', [
    {
      kind: 'backfill_page',
      key,
      slips: c.slips,
      bets: c.bets,
      pages: c.pages,
      new_slips: c.new,
      updated_slips: c.updated,
      unchanged_slips: c.unchanged,
      detail: JSON.stringify(c),
    },
  ]);
}
