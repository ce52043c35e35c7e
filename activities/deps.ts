import type { Client } from '@temporalio/client';
import type { Config } from '../platform/config';
import type { FeedAdapter } from '../feeds/types';
import type { SharpSportsClient } from '../refresh/sharpsports-client';
import type { Warehouse } from '../platform/warehouse/client';
import type { RecentLandings } from '../refresh/landing/landed-responses';

/** Everything activities touch, injected (samples-typescript: activities-dependency-injection). */
export interface ActivityDeps {
  clickhouse: Warehouse;
  http: SharpSportsClient;
  config: Pick<Config, 'sharpsports'>;
  /** Needed only by the activities that start or wait on other workflows. */
  temporal?: { client: Client; taskQueue: string };
  /** Adapter factories of the feeds configured on this worker, by source name. */
  feeds?: Record<string, () => FeedAdapter>;
  /** What this process's receiver landed a moment ago, shared with it so a load need not read the body back. */
  recentLandings?: RecentLandings;
}
