import { parseArgs } from 'node:util';
import { ScheduleNotFoundError } from '@temporalio/client';
import { loadConfig } from '../platform/config';
import {
  cadenceOptionsFrom,
  createCadenceSchedule,
  createClvSchedule,
  createReconcileSchedule,
  deleteSchedule,
  listSchedules,
  SCHEDULE_NAMES,
  scheduleId,
  summarize,
  type ScheduleName,
} from '../workers/schedules';
import { RECONCILE_DEFAULTS } from '../workflows/backfill/messages';
import { clientFor } from './temporal-client';

const USAGE = `usage: linehouse schedule create cadence [--every <seconds>] [--catchup <seconds>] [--overlap skip|buffer-one] [--fan-out N] [--paused] [--replace]
       linehouse schedule create clv [--every <seconds, default 300>] [--paused] [--replace]
       linehouse schedule create reconcile [--every <seconds, default 21600>] [--fan-out N] [--overdue-hours <default 12>] [--lookback-days <default 30>] [--paused] [--replace]
       linehouse schedule list
       linehouse schedule pause|unpause|trigger|delete cadence|clv|reconcile [--note "why"]`;

const out = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      every: { type: 'string' },
      catchup: { type: 'string' },
      overlap: { type: 'string' },
      'fan-out': { type: 'string' },
      'overdue-hours': { type: 'string' },
      'lookback-days': { type: 'string' },
      paused: { type: 'boolean', default: false },
      replace: { type: 'boolean', default: false },
      note: { type: 'string' },
    },
  });
  const [verb, name] = positionals;
  const verbs = ['create', 'list', 'pause', 'unpause', 'trigger', 'delete'];
  if (
    !verb ||
    !verbs.includes(verb) ||
    (verb !== 'list' && !(SCHEDULE_NAMES as readonly string[]).includes(name ?? ''))
  ) {
    process.stderr.write(`${USAGE}\n(schedules: ${SCHEDULE_NAMES.join(', ')})\n`);
    return 2;
  }
  /** A numeric flag: > 0, or ≥ 0 where zero means something (`--overdue-hours 0`). */
  const numberFlag = (flag: string, v: string | undefined, fallback: number, zeroAllowed = false) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!(zeroAllowed ? n >= 0 : n > 0))
      throw new Error(`--${flag} must be a number ${zeroAllowed ? '≥ 0' : '> 0'}, got "${v}"`);
    return n;
  };
  const config = loadConfig();
  const { client, taskQueue, policy } = await clientFor(config);
  try {
    if (verb === 'list') {
      for (const s of await listSchedules(client)) out(s);
      return 0;
    }
    const schedule = name as ScheduleName;
    if (verb === 'create' && schedule === 'clv') {
      const id = await createClvSchedule(
        client,
        { intervalSeconds: numberFlag('every', values.every, 300), taskQueue, paused: values.paused },
        values.replace,
      );
      out(summarize(await client.schedule.getHandle(id).describe()));
      return 0;
    }
    if (verb === 'create' && schedule === 'reconcile') {
      const input = {
        pageSize: config.sharpsports.policy.pageSize,
        fanOut: numberFlag('fan-out', values['fan-out'], 2),
        windowHours: config.schedules.backfillWindowHours,
        overdueAfterHours: numberFlag(
          'overdue-hours',
          values['overdue-hours'],
          RECONCILE_DEFAULTS.overdueAfterHours,
          true,
        ),
        lookbackDays: numberFlag('lookback-days', values['lookback-days'], RECONCILE_DEFAULTS.lookbackDays),
      };
      const id = await createReconcileSchedule(
        client,
        { intervalSeconds: numberFlag('every', values.every, 21_600), taskQueue, input, paused: values.paused },
        values.replace,
      );
      out(summarize(await client.schedule.getHandle(id).describe()));
      return 0;
    }
    if (verb === 'create') {
      const base = cadenceOptionsFrom(config, taskQueue, policy);
      const overlap = values.overlap ?? 'skip';
      if (overlap !== 'skip' && overlap !== 'buffer-one')
        throw new Error(`--overlap must be skip or buffer-one, got "${overlap}"`);
      const id = await createCadenceSchedule(
        client,
        {
          ...base,
          intervalSeconds: numberFlag('every', values.every, base.intervalSeconds),
          catchupWindowSeconds: numberFlag('catchup', values.catchup, base.catchupWindowSeconds),
          fanOut: numberFlag('fan-out', values['fan-out'], base.fanOut),
          overlap,
          paused: values.paused,
        },
        values.replace,
      );
      out(summarize(await client.schedule.getHandle(id).describe()));
      return 0;
    }
    if (verb === 'delete') {
      out({ id: scheduleId(schedule), deleted: await deleteSchedule(client, schedule) });
      return 0;
    }
    const handle = client.schedule.getHandle(scheduleId(schedule));
    if (verb === 'pause') await handle.pause(values.note ?? 'paused with linehouse schedule pause');
    else if (verb === 'unpause') await handle.unpause(values.note ?? 'unpaused with linehouse schedule unpause');
    // The SDK's default for a trigger is ALLOW_ALL: pass the schedule's own policy, so a manual
    // pass never overlaps a running one when the schedule says skip.
    else await handle.trigger((await handle.describe()).policies.overlap);
    out(summarize(await handle.describe()));
    return 0;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      process.stderr.write(
        `linehouse schedule: no schedule ${scheduleId(name as ScheduleName)}; create it with \`linehouse schedule create ${name}\`\n`,
      );
      return 1;
    }
    throw err;
  } finally {
    await client.connection.close();
  }
}
