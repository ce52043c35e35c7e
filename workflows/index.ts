export { accountRefresh } from './refresh/account-refresh';
export { bettorRefresh } from './refresh/bettor-refresh';
export { feed } from './feeds/feed';
export { betBackfill } from './backfill/bet-backfill';
export { cadenceRefresh } from './refresh/cadence-refresh';
export { clvRefresh } from './clv/clv-refresh';
export { reconcilePending } from './backfill/reconcile-pending';
