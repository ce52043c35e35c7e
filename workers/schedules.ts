import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import type { Config, RefreshPolicy } from '../platform/config';
import type { CadenceRefreshInput } from '../workflows/refresh/cadence-messages';
import type { ReconcilePendingInput } from '../workflows/backfill/messages';
import { SA_KIND } from '../platform/temporal/search-attributes';

/** The schedules linehouse knows how to create, by name (`linehouse schedule create <name>`). */
export const SCHEDULE_NAMES = ['cadence', 'clv', 'reconcile'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

export const scheduleId = (name: ScheduleName) => `linehouse-${name}`;

export interface CadenceScheduleOptions {
  intervalSeconds: number;
  catchupWindowSeconds: number;
  /** skip (default): a pass still running when the next is due makes the next one skip. */
  overlap: 'skip' | 'buffer-one';
  fanOut: number;
  pageSize: number;
  policy: RefreshPolicy;
  taskQueue: string;
  paused?: boolean;
  otpWaitSeconds?: number;
}

export function cadenceOptionsFrom(config: Config, taskQueue: string, policy: RefreshPolicy): CadenceScheduleOptions {
  const s = config.schedules;
  return {
    intervalSeconds: s.cadenceIntervalSeconds,
    catchupWindowSeconds: s.cadenceCatchupWindowSeconds,
    overlap: 'skip',
    fanOut: s.cadenceFanOut,
    pageSize: s.cadenceBettorsPageSize,
    policy,
    taskQueue,
  };
}

/**
 * Creates (or, with `replace`, re-creates) the cadence schedule: every interval it starts one
 * cadenceRefresh pass. Overlap SKIP plus a bounded catch-up window means an outage never turns
 * into a burst of passes: at most one late pass runs, and none that is older than the window.
 */
export async function createCadenceSchedule(
  client: Client,
  o: CadenceScheduleOptions,
  replace = false,
): Promise<string> {
  const id = scheduleId('cadence');
  if (replace) await deleteSchedule(client, 'cadence');
  const input: CadenceRefreshInput = {
    policy: o.policy,
    pageSize: o.pageSize,
    fanOut: o.fanOut,
    otpWaitSeconds: o.otpWaitSeconds,
  };
  await client.schedule.create({
    scheduleId: id,
    spec: { intervals: [{ every: `${o.intervalSeconds}s` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'cadenceRefresh',
      workflowId: 'cadence-refresh',
      taskQueue: o.taskQueue,
      args: [input],
      typedSearchAttributes: [{ key: SA_KIND, value: 'cadence' }],
    },
    policies: {
      overlap: o.overlap === 'skip' ? ScheduleOverlapPolicy.SKIP : ScheduleOverlapPolicy.BUFFER_ONE,
      catchupWindow: `${o.catchupWindowSeconds}s`,
      pauseOnFailure: false,
    },
    state: { paused: o.paused ?? false, note: `linehouse cadence refresh every ${o.intervalSeconds}s` },
    memo: { createdBy: 'linehouse schedule create' },
  });
  return id;
}

/**
 * The CLV upkeep schedule: every interval one clvRefresh pass (event resolution, stored closes of
 * started events). Skip on overlap: a long first pass over years of ticks is never doubled.
 */
export async function createClvSchedule(
  client: Client,
  o: { intervalSeconds: number; taskQueue: string; paused?: boolean; graceSeconds?: number },
  replace = false,
): Promise<string> {
  const id = scheduleId('clv');
  if (replace) await deleteSchedule(client, 'clv');
  await client.schedule.create({
    scheduleId: id,
    spec: { intervals: [{ every: `${o.intervalSeconds}s` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'clvRefresh',
      workflowId: 'clv-refresh',
      taskQueue: o.taskQueue,
      args: [{ graceSeconds: o.graceSeconds }],
      typedSearchAttributes: [{ key: SA_KIND, value: 'clv' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: `${o.intervalSeconds}s`, pauseOnFailure: false },
    state: { paused: o.paused ?? false, note: `linehouse CLV upkeep every ${o.intervalSeconds}s` },
  });
  return id;
}

/**
 * The reconcile schedule: every interval one reconcilePending pass, which backfills each account
 * with slips still pending from its oldest pending one, so a grade whose webhook never arrived
 * still lands. Skip on overlap; a missed pass is not caught up (the next one covers it).
 */
export async function createReconcileSchedule(
  client: Client,
  o: { intervalSeconds: number; taskQueue: string; input: ReconcilePendingInput; paused?: boolean },
  replace = false,
): Promise<string> {
  const id = scheduleId('reconcile');
  if (replace) await deleteSchedule(client, 'reconcile');
  await client.schedule.create({
    scheduleId: id,
    spec: { intervals: [{ every: `${o.intervalSeconds}s` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'reconcilePending',
      workflowId: 'reconcile-pending',
      taskQueue: o.taskQueue,
      args: [o.input],
      typedSearchAttributes: [{ key: SA_KIND, value: 'reconcile' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '60s', pauseOnFailure: false },
    state: { paused: o.paused ?? false, note: `linehouse reconcile of pending slips every ${o.intervalSeconds}s` },
  });
  return id;
}

export async function deleteSchedule(client: Client, name: ScheduleName): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleId(name)).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

export interface ScheduleSummaryLine {
  id: string;
  paused: boolean;
  note: string | null;
  every: string | null;
  overlap: string;
  catchupWindowMs: number;
  actions: number;
  skippedOverlap: number;
  missedCatchup: number;
  running: number;
  lastStartedAt: string | null;
  nextAt: string | null;
}

export function summarize(d: ScheduleDescription): ScheduleSummaryLine {
  const interval = d.spec.intervals?.[0];
  const recent = d.info.recentActions.at(-1);
  return {
    id: d.scheduleId,
    paused: d.state.paused,
    note: d.state.note ?? null,
    every: interval ? `${Number(interval.every) / 1000}s` : null,
    overlap: String(d.policies.overlap),
    catchupWindowMs: Number(d.policies.catchupWindow),
    actions: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    missedCatchup: d.info.numActionsMissedCatchupWindow,
    running: d.info.runningActions.length,
    lastStartedAt: recent ? recent.takenAt.toISOString() : null,
    nextAt: d.info.nextActionTimes[0]?.toISOString() ?? null,
  };
}

/** Every linehouse schedule in the namespace, described. */
export async function listSchedules(client: Client): Promise<ScheduleSummaryLine[]> {
  const out: ScheduleSummaryLine[] = [];
  for await (const s of client.schedule.list()) {
    if (!s.scheduleId.startsWith('linehouse-')) continue;
    out.push(summarize(await client.schedule.getHandle(s.scheduleId).describe()));
  }
  return out;
}
