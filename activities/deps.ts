import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import type { FeedAdapter } from '../lib/feeds/types';
import type { SharpSportsClient } from '../lib/sharpsports-client';
import type { Warehouse } from '../lib/warehouse/client';

/** Everything activities touch, injected (samples-typescript: activities-dependency-injection). */
export interface ActivityDeps {
  clickhouse: Warehouse;
  http: SharpSportsClient;
  config: Pick<Config, 'sharpsports'>;
  /** Needed only by the activities that start or wait on other workflows. */
  temporal?: { client: Client; taskQueue: string };
  /** Adapter factories of the feeds configured on this worker, by source name. */
  feeds?: Record<string, () => FeedAdapter>;
}
