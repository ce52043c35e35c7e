import { createBackfillActivities } from './backfill/backfill';
import { createCadenceActivities } from './refresh/cadence';
import { createClvActivities } from './clv/clv';
import type { ActivityDeps } from './deps';
import { createFeedActivities } from './feeds/feeds';
import { createOrchestrationActivities } from './refresh/orchestration';
import { createRefreshLoadingActivities } from './refresh/loading';
import { createRefreshRequestActivities } from './refresh/requests';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createRefreshRequestActivities(deps),
    ...createRefreshLoadingActivities(deps),
    ...createOrchestrationActivities(deps),
    ...createFeedActivities(deps),
    ...createBackfillActivities(deps),
    ...createCadenceActivities(deps),
    ...createClvActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
