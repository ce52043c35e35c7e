import { createBackfillActivities } from './backfill';
import { createCadenceActivities } from './cadence';
import { createClvActivities } from './clv';
import type { ActivityDeps } from './deps';
import { createFeedActivities } from './feeds';
import { createOrchestrationActivities } from './orchestration';
import { createRefreshLoadingActivities } from './refresh-loading';
import { createRefreshRequestActivities } from './refresh-requests';

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
