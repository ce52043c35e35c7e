import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalTestServerPath } from '../../platform/paths';
import { ensureSearchAttributes } from '../../platform/temporal/connect';
import { cachedWorkflowBundle } from '../../platform/temporal/workflow-bundle';

let runtimeInstalled = false;
/** Worker lifecycle chatter at INFO drowns test output; keep warnings. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier file in this process.
  }
}

/** The Java time-skipping test server installed by scripts/setup.sh, never downloaded. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  await ensureSearchAttributes(env.connection as Connection, env.namespace ?? 'default');
  return env;
}

let bundle: Promise<{ code: string }> | undefined;
/** The product's own bundle, from the same on-disk cache a worker start reads. */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= cachedWorkflowBundle();
  return bundle;
}
