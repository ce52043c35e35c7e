export { accountRefresh } from './account-refresh';
export { bettorRefresh } from './bettor-refresh';
export { feed } from './feed';
export { betBackfill } from './bet-backfill';
export { cadenceRefresh } from './cadence-refresh';
export { clvRefresh } from './clv-refresh';
export { reconcilePending } from './reconcile-pending';
