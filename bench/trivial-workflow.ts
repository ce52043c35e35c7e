// The bench worker's own workflows (bench/refresh.ts), bundled from this file (workflowsPath), so
// they never ship in the product's workflow bundle.
import {
  condition,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { SA_ACCOUNT, SA_KIND, SA_PHASE } from '../platform/temporal/search-attributes';

type NoopActivities = { benchNoop(n: number): Promise<number> };
const remote = proxyActivities<NoopActivities>({ startToCloseTimeout: '30 seconds' });
const local = proxyLocalActivities<NoopActivities>({ startToCloseTimeout: '30 seconds' });

/** The ceiling: start → one activity → complete. */
export async function benchTrivial(n: number): Promise<number> {
  return remote.benchNoop(n);
}

export const benchGo = defineSignal<[string]>('benchGo');

export interface BenchShape {
  /** no-op activities (accountRefresh's 200 path: 4 before refresh-lean-2 — lastRefreshAttemptAt, requestAccountRefresh, loadLandedResponse, recordRefreshRun —, 2 since: requestRefreshIfDue, loadLandedAndRecord) */
  activities: number;
  /**
   * Which run as local activities: all, none, or 'warehouse' — every one but the request, as
   * accountRefresh does since patched('refresh-lean-steps').
   */
  local: boolean | 'warehouse';
  /** search-attribute upserts (accountRefresh: 7 before refresh-lean-steps, 5 after it, 2 since refresh-lean-2) */
  upserts: number;
  /** memo upserts (accountRefresh: 2, 1 since refresh-lean-2) */
  memos: number;
}

/**
 * The Temporal side of accountRefresh's 200 path with no I/O: the same commands in the same
 * order (started with its signal, as a webhook that lands first does), so its rate and the dev
 * server's CPU per workflow show what the workflow's shape alone costs.
 */
export async function benchShape(o: BenchShape): Promise<number> {
  let got = false;
  setHandler(benchGo, () => {
    got = true;
  });
  const api = (n: number) => (o.local === true || (o.local === 'warehouse' && n !== 2) ? local : remote);
  let up = 0;
  const upsert = () => {
    if (up >= o.upserts) return;
    up += 1;
    upsertSearchAttributes([{ key: up === 1 ? SA_KIND : up === 2 ? SA_ACCOUNT : SA_PHASE, value: `v${up}` }]);
  };
  upsert(); // identify()
  if (o.activities > 0) await api(1).benchNoop(1); // lastRefreshAttemptAt
  upsert(); // phase requesting
  if (o.activities > 1) await api(2).benchNoop(2); // requestAccountRefresh
  if (o.memos > 0) upsertMemo({ requestId: 'r', attempts: 1 });
  upsert(); // phase awaiting-webhook
  await condition(() => got);
  upsert(); // identify(ref)
  upsert(); // phase loading
  for (let i = 2; i < o.activities; i++) await api(i + 1).benchNoop(i + 1); // loadLandedResponse, recordRefreshRun
  while (up < o.upserts) upsert(); // phase done, status
  if (o.memos > 1) upsertMemo({ slips: 12, bets: 12, pages: 0 });
  return up;
}
