export { accountRefresh } from './account-refresh';
export { bettorRefresh } from './bettor-refresh';
export { feed } from './feed';
