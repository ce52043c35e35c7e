/**
 * A linehouse worker in its own process, so a test can SIGKILL it mid-backfill. Env:
 * TEMPORAL_ADDRESS, TASK_QUEUE, DATA_DIR (its chDB), SANDBOX_URL, SANDBOX_KEY.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createSharpSportsClient } from '../../refresh/sharpsports-client';
import { setLogLevel } from '../../platform/log';
import { createWarehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import { defaultPolicy } from '../../platform/config';
import { cachedWorkflowBundle } from '../../platform/temporal/workflow-bundle';
import { quietRuntime } from './time-skipping';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

setLogLevel('debug');
quietRuntime();
const clickhouse = await createWarehouse({
  dataDir: env('DATA_DIR'),
  clickhouse: { user: 'default', password: '', database: 'linehouse' },
});
await migrate(clickhouse);
const http = createSharpSportsClient({ baseUrl: env('SANDBOX_URL'), apiKey: env('SANDBOX_KEY'), timeoutMs: 10_000 });
const policy = defaultPolicy({
  SHARPSPORTS_RATE_LIMIT_SECONDS: 60,
  SHARPSPORTS_WEBHOOK_WAIT_SECONDS: 300,
  SHARPSPORTS_PAGE_SIZE: 50,
});
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  taskQueue: env('TASK_QUEUE'),
  workflowBundle: await cachedWorkflowBundle(),
  // No sticky queue: the time-skipping test server never hands a dead worker's sticky workflow
  // task back to the shared queue (the real server does after a timeout), so a killed worker
  // with a cache would strand the workflow there.
  maxCachedWorkflows: 0,
  activities: createActivities({
    clickhouse,
    http,
    config: { sharpsports: { baseUrl: env('SANDBOX_URL'), apiKey: env('SANDBOX_KEY'), timeoutMs: 10_000, policy } },
  }),
});
process.stderr.write('{"event":"worker.ready"}\n');
try {
  await worker.run();
} finally {
  await connection.close();
  await clickhouse.close();
}
