/**
 * OpticOdds copilot odds stream (SSE) adapter. Spec: ../shared/reference/opticodds-copilot-odds-stream.txt.
 *
 * One SSE connection per (sport, ≤10 leagues) group, all running at once; each resumes with
 * `last_entry_id` and dedupes on `entry_id`. The checkpoint position is JSON `{ [groupKey]: lastEntryId }`.
 */
export { createOpticOddsAdapter } from './adapter';
export { parsePosition } from './checkpoint';
export { DEFAULT_LEAGUE_SPORTS, MAX_LEAGUES_PER_CONNECTION, planGroups, type StreamGroup } from './groups';
export { compareEntryIds, opticSettlementId, opticTickId, opticUpdateId, parseEntryId } from './ids';
export {
  eventName,
  FixtureCache,
  mapOpticOddsEvent,
  type FixtureInfo,
  type MappedEntry,
  type Rejection,
} from './mapping';
export { bookOf, lineOf, selectionOf } from './normalize';
export { DEFAULT_LEAGUES, DEFAULT_MARKETS, type OpticOddsAdapterOptions } from './options';
