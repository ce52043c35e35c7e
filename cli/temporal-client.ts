import type { Client } from '@temporalio/client';
import type { Config, RefreshPolicy } from '../platform/config';
import { connectClient } from '../platform/temporal/connect';
import { readRunFile } from '../workers/run-file';

/** The Temporal server `up` is using: TEMPORAL_ADDRESS, or the embedded dev server it spawned. */
export async function clientFor(config: Config): Promise<{ client: Client; taskQueue: string; policy: RefreshPolicy }> {
  const up = readRunFile(config);
  const address = config.temporal.address ?? up?.temporalAddress;
  if (!address) throw new Error('no Temporal server: start `linehouse up` (embedded) or set TEMPORAL_ADDRESS');
  const client = await connectClient({
    ...config.temporal,
    address,
    namespace: up?.namespace ?? config.temporal.namespace,
  });
  return {
    client,
    taskQueue: up?.taskQueue ?? config.temporal.taskQueue,
    policy: up?.policy ?? config.sharpsports.policy,
  };
}
