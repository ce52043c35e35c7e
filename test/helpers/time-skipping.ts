import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import type { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalTestServerPath } from '../../lib/paths';
import { ensureSearchAttributes } from '../../lib/temporal/connect';
import { WORKFLOWS_PATH } from '../../workers/temporal-worker';

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
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as any });
  return bundle;
}
