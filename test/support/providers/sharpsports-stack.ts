import type { Stack } from '../../../workers/stack';
import type { ScenarioOverrides } from '../../../sandbox/sharpsports';
import { refreshStartAttributes } from '../../../platform/temporal/search-attributes';
import { queryRows } from '../../../platform/warehouse/client';
import { accountWorkflowId, type AccountRefreshResult } from '../../../workflows/refresh/messages';
import { count } from '../stack';

/** Knobs that make a catalog account a plain one, whatever its preset scenario was. */
export const PLAIN: Partial<ScenarioOverrides> = {
  status: 200,
  detail: null,
  failNextRefreshes: 0,
  otp: false,
  rateLimitNextPosts: 0,
  bookInactiveNextPosts: 0,
  unverifyOn401: false,
  dropWebhooks: false,
  duplicateWebhooks: false,
  eagerWebhook: false,
  webhookDelayMs: 0,
};

/** Runs one accountRefresh (as `linehouse refresh --account --wait` does) and returns its result. */
export async function refreshAccount(stack: Stack, accountId: string): Promise<AccountRefreshResult> {
  const handle = await stack.client.workflow.start('accountRefresh', {
    workflowId: accountWorkflowId(accountId),
    taskQueue: stack.run.taskQueue,
    args: [{ accountId, mode: 'request', policy: stack.run.policy }],
    typedSearchAttributes: refreshStartAttributes(accountId),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return (await handle.result()) as AccountRefreshResult;
}

/**
 * The attempt numbers Temporal recorded per activity type in the account workflow's last run: a
 * remote activity's started events, and a local activity's marker (the attempt that finished).
 */
export async function activityAttempts(stack: Stack, accountId: string): Promise<Record<string, number[]>> {
  const history = await stack.client.workflow.getHandle(accountWorkflowId(accountId)).fetchHistory();
  const typeOf = new Map<string, string>();
  const out: Record<string, number[]> = {};
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) typeOf.set(String(e.eventId), s.activityType?.name ?? '?');
    const st = e.activityTaskStartedEventAttributes;
    if (st) (out[typeOf.get(String(st.scheduledEventId)) ?? '?'] ??= []).push(st.attempt ?? 1);
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : undefined;
    if (data) {
      const la = JSON.parse(Buffer.from(data).toString()) as { activity_type: string; attempt: number };
      (out[la.activity_type] ??= []).push(la.attempt);
    }
  }
  return out;
}

/** Warehouse vs sandbox truth for one account: missing, extra and stale (older version) slips. */
export async function diffAccount(stack: Stack, accountId: string) {
  const truth = stack.sandbox!.slips(accountId);
  const rows = await queryRows<{ id: string; rr: string }>(
    stack.clickhouse,
    'SELECT id, refresh_response_id AS rr FROM bet_slips FINAL WHERE bettor_account_id = {a:String}',
    { a: accountId },
  );
  const have = new Map(rows.map((r) => [r.id, r.rr]));
  const want = new Map(truth.map((s) => [s.id, s.refreshResponse]));
  return {
    truth: truth.length,
    warehouse: rows.length,
    distinct: await count(stack, 'SELECT uniqExact(id) AS n FROM bet_slips WHERE bettor_account_id = {a:String}', {
      a: accountId,
    }),
    missing: [...want.keys()].filter((id) => !have.has(id)),
    extra: [...have.keys()].filter((id) => !want.has(id)),
    stale: [...want].filter(([id, rr]) => have.has(id) && have.get(id) !== rr).map(([id]) => id),
  };
}

/** Real loads per refresh response (a load marker row is written per load that was not skipped). */
export async function loadsPerResponse(stack: Stack, accountId: string): Promise<Record<string, number>> {
  const rrs = stack
    .sandbox!.refreshLog()
    .filter((e) => e.accountId === accountId && e.refreshResponseId)
    .map((e) => e.refreshResponseId!);
  const out: Record<string, number> = {};
  for (const rr of rrs)
    out[rr] = await count(
      stack,
      "SELECT count() AS n FROM load_markers WHERE kind = 'refresh_response' AND key = {k:String}",
      { k: rr },
    );
  return out;
}
