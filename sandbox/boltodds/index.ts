// BoltOdds odds WebSocket sandbox: see server.ts for the protocol, world.ts for the script, truth.ts for ground truth.
export {
  startBoltOddsSandbox,
  RATE_LIMIT_MESSAGE,
  UPDATED_MESSAGE,
  type BoltOddsSandbox,
  type BoltOddsSandboxOptions,
  type SubscriptionRecord,
} from './server';
export { SPORTS as SANDBOX_SPORTS, DEFAULT_BOOKS as SANDBOX_BOOKS } from './world';
export type { BoltOddsChange, ChangeFlag } from './truth';
