import { createBackfillActivities } from './backfill/backfill';
import { createClvActivities } from './clv/clv';
import type { ActivityDeps } from './deps';
import { createFeedActivities } from './feeds/feeds';
import { createRefreshActivities } from './refresh';

export type { ActivityDeps } from './deps';

/**
 * Every activity a linehouse worker registers, by concern (samples-typescript's all-activities
 * file). Each workflow proxies its own concern's type only: RefreshActivities,
 * BackfillActivities, FeedActivities, ClvActivities.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createRefreshActivities(deps),
    ...createFeedActivities(deps),
    ...createBackfillActivities(deps),
    ...createClvActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
