/**
 * SharpAPI odds-delta poller (reference: ../shared/reference/sharpapi-odds-delta.txt).
 *
 * Position: the next `since`, i.e. the `meta.server_time` of the last response of a fully emitted
 * window ("use the server_time from each response as the since value for your next request").
 *
 * A window is every page for one `since`. Pages are asked oldest-first (`sort=last_seen_at`) and
 * overlap by one row, so a page that does not start with the previous page's last row reveals that
 * rows moved under us (an odd updated or removed mid-window) and we never skip the row that slid
 * across the page boundary. `offset` may not exceed 500, so a window larger than that continues by
 * moving `since` up to the last contiguous row (minus 1 ms: `since` is exclusive and rows may
 * share a millisecond; re-read rows fold away by tick id) — the error body's "advance `since` to
 * the previous response's `updated_at`". Intermediate pages are emitted with the window's starting
 * position, the last page with its `server_time`, so a crash replays the window, never skips it.
 */
export { createSharpApiAdapter } from './adapter';
export { sharpApiTickId, type SharpApiTickKey } from './ids';
export { PriceMismatchError, parseSharpApiOddsId, sharpApiOddsToTick, sharpApiRemovalTick } from './mapping';
export {
  SHARPAPI_DEFAULT_LEAGUES,
  SHARPAPI_DEFAULT_MARKETS,
  SHARPAPI_DELTA_PATH,
  SHARPAPI_MAX_LIMIT,
  SHARPAPI_MAX_OFFSET,
  SHARPAPI_REMOVAL_RETENTION_MS,
  type SharpApiAdapterOptions,
} from './options';
export { RatePacer } from './pacer';
