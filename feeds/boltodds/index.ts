/**
 * BoltOdds odds WebSocket adapter (reference: ../shared/reference/boltodds-websocket-api.txt).
 *
 * BoltOdds has no resume position: every (re)subscription starts with `initial_state` snapshots,
 * and `game_update` resends a whole game. So the adapter keeps the last known value of every
 * outcome (in memory and in the checkpoint `state`) and emits a tick only when an outcome's
 * price, line or suspension actually changed. The checkpoint `position` is the timestamp of the
 * last message processed; it is informational, since the provider cannot replay from it.
 */
export { createBoltOddsAdapter } from './adapter';
export { ConnectionWindow } from './connection-window';
export { eventKeyOf } from './game';
export { boltOddsTickId, type BoltOddsTickFlag } from './ids';
export {
  CONNECTIONS_PER_MINUTE,
  DEFAULT_MARKETS,
  DEFAULT_SPORTS,
  RESUBSCRIBE_INTERVAL_MS,
  type BoltOddsAdapter,
  type BoltOddsAdapterOptions,
  type BoltOddsFilterUpdate,
} from './options';
export { normalizeTs, parseGame, parseWhen, sportOf } from './parse';
export { BoltOddsState, type ApplyResult } from './state';
export { BoltOddsStateSchema, type BoltOddsCheckpointState } from './state-schema';
