import type { ActivityDeps } from '../deps';
import { createCadenceActivities } from './cadence';
import { createRefreshLoadingActivities } from './loading';
import { createOrchestrationActivities } from './orchestration';
import { createRefreshRequestActivities } from './requests';

/** The refresh concern's activities: requests to SharpSports, loading landed responses, starting account runs, cadence plans. */
export function createRefreshActivities(deps: ActivityDeps) {
  return {
    ...createRefreshRequestActivities(deps),
    ...createRefreshLoadingActivities(deps),
    ...createOrchestrationActivities(deps),
    ...createCadenceActivities(deps),
  };
}

export type RefreshActivities = ReturnType<typeof createRefreshActivities>;
