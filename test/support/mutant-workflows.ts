// The negative control of the replay test: today's workflows, except that accountRefresh now
// sleeps before doing anything — a change that breaks every running account refresh.
import { sleep } from '@temporalio/workflow';
import { accountRefresh as current } from '../../workflows/refresh/account-refresh';

// A module's own export shadows the same name from `export *`: every other type is today's.
export * from '../../workflows';

export async function accountRefresh(...args: Parameters<typeof current>): ReturnType<typeof current> {
  await sleep('1 second');
  return current(...args);
}
