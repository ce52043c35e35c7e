import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import {
  backfillProgressQuery,
  backfillWorkflowId,
  windowCount,
  type BackfillProgress,
  type BackfillScope,
  type BetBackfillInput,
} from '../workflows/backfill/messages';
import { clientFor } from './temporal-client';

const USAGE = `usage: linehouse backfill bets --from <date|datetime> --to <date|datetime> [--bettor <BTTR_…|internalId> | --account <BACT_…>]
                               [--window-hours N] [--concurrency N] [--detach]
  Pages GET /v1/betSlips in windows of the placed-time range into the warehouse; re-running a range is harmless.`;

/** Accepts what SharpSports accepts (`%Y-%m-%d` or `%Y-%m-%dT%H:%M:%S`, UTC) plus full ISO 8601. */
export function parseTime(flag: string, v: string | undefined): number {
  if (!v) throw new UsageError(`${flag} is required`);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v}Z`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms))
    throw new UsageError(`${flag} must be a date (2026-01-31) or datetime (2026-01-31T12:00:00), got "${v}"`);
  return ms;
}

class UsageError extends Error {}

const fmtDuration = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
      : `${Math.round(s)}s`;

/** One progress line: a bar over windows, then pages, slips, rate and ETA. */
export function progressLine(p: BackfillProgress, nowMs: number, pagesInFlight = 0): string {
  const width = 24;
  const frac = p.windows === 0 ? 1 : p.windowsDone / p.windows;
  const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
  const elapsed = Math.max(0.001, (nowMs - p.startedAtMs) / 1000);
  const rate = p.counts.slips / elapsed;
  const eta = frac > 0 && frac < 1 ? fmtDuration((elapsed / frac) * (1 - frac)) : frac >= 1 ? '0s' : '?';
  const c = p.counts;
  return `[${bar}] ${p.windowsDone}/${p.windows} windows  ${c.pages + pagesInFlight} pages  ${c.slips} slips (${c.new} new, ${c.updated} updated, ${c.unchanged} unchanged)  ${rate.toFixed(0)} slips/s  ETA ${eta}`;
}

export async function run(argv: string[]): Promise<number> {
  let input: BetBackfillInput;
  let detach = false;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        bettor: { type: 'string' },
        account: { type: 'string' },
        'window-hours': { type: 'string' },
        concurrency: { type: 'string' },
        detach: { type: 'boolean', default: false },
      },
    });
    if (positionals[0] !== 'bets') throw new UsageError('the only backfill kind is `bets`');
    if (values.bettor && values.account) throw new UsageError('give --bettor or --account, not both');
    const fromMs = parseTime('--from', values.from);
    const toMs = parseTime('--to', values.to);
    if (toMs <= fromMs) throw new UsageError('--to must be after --from');
    const config = loadConfig();
    const windowHours = values['window-hours'] ? Number(values['window-hours']) : config.schedules.backfillWindowHours;
    const concurrency = values.concurrency ? Number(values.concurrency) : config.schedules.backfillConcurrency;
    if (!(windowHours > 0)) throw new UsageError('--window-hours must be positive');
    if (!(Number.isInteger(concurrency) && concurrency >= 1))
      throw new UsageError('--concurrency must be a positive integer');
    const scope: BackfillScope = values.bettor
      ? { kind: 'bettor', id: values.bettor }
      : values.account
        ? { kind: 'account', id: values.account }
        : { kind: 'all' };
    input = { fromMs, toMs, scope, windowHours, concurrency, pageSize: config.sharpsports.policy.pageSize };
    detach = values.detach;
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`linehouse backfill: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }

  const config = loadConfig();
  const { client, taskQueue } = await clientFor(config);
  try {
    const workflowId = backfillWorkflowId(input.scope, input.fromMs, input.toMs);
    const handle = await client.workflow.start('betBackfill', {
      workflowId,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    process.stderr.write(
      `backfill ${workflowId}: ${windowCount(input)} windows of ${input.windowHours} h, ${input.concurrency} at a time\n`,
    );
    if (detach) {
      process.stdout.write(JSON.stringify({ workflowId, started: true }) + '\n');
      return 0;
    }
    const tty = process.stderr.isTTY;
    let last = '';
    let lastPrinted = 0;
    const show = async () => {
      try {
        const p = await handle.query(backfillProgressQuery);
        // Pages of windows still loading live in their activities' heartbeats.
        const d = await handle.describe();
        const inFlight = (d.raw.pendingActivities ?? []).reduce((n, a) => n + pendingPages(a.heartbeatDetails), 0);
        const line = progressLine(p, Date.now(), inFlight);
        if (tty) process.stderr.write(`\r${line}\x1b[K`);
        else if (line !== last && Date.now() - lastPrinted > 2000) {
          process.stderr.write(line + '\n');
          lastPrinted = Date.now();
        }
        last = line;
      } catch {
        // Between runs (continueAsNew) the query can miss; the next tick catches up.
      }
    };
    const timer = setInterval(() => void show(), 500);
    try {
      const result = (await handle.result()) as BackfillProgress;
      clearInterval(timer);
      const line = progressLine(result, Date.now());
      process.stderr.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
      process.stdout.write(
        JSON.stringify({ workflowId, windows: result.windows, runs: result.runs, ...result.counts }) + '\n',
      );
      return 0;
    } finally {
      clearInterval(timer);
    }
  } finally {
    await client.connection.close();
  }
}

/** Heartbeat details arrive as encoded payloads; the window's counts say how many pages are in. */
function pendingPages(details: unknown): number {
  try {
    const payloads = (details as { payloads?: Array<{ data?: Uint8Array }> } | null)?.payloads ?? [];
    const data = payloads[0]?.data;
    if (!data) return 0;
    const beat = JSON.parse(Buffer.from(data).toString('utf8')) as { counts?: { pages?: number } };
    return beat.counts?.pages ?? 0;
  } catch {
    return 0;
  }
}
