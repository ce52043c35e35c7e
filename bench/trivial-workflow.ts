// The ceiling workflow of bench/refresh.ts: start → one activity → complete. Bundled by the
// benchmark's own worker (workflowsPath), so it never ships in the product's workflow bundle.
import { proxyActivities } from '@temporalio/workflow';

const { benchNoop } = proxyActivities<{ benchNoop(n: number): Promise<number> }>({ startToCloseTimeout: '30 seconds' });

export async function benchTrivial(n: number): Promise<number> {
  return benchNoop(n);
}
