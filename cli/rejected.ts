import { parseArgs } from 'node:util';
import { request } from 'undici';
import { loadConfig } from '../platform/config';
import {
  listRejections,
  replayRejections,
  type RejectionFilter,
  type RejectionListing,
  type ReplaySummary,
} from '../rejections/replay';
import { createWarehouse } from '../platform/warehouse/client';
import { readRunFile } from '../workers/run-file';

const USAGE = `usage: linehouse rejected list [--source S] [--reason R] [--since <ISO time|24h|7d>] [--id ID] [--limit N] [--format table|json]
       linehouse rejected replay [--source S] [--reason R] [--since <ISO time|24h|7d>] [--id ID]`;

/** `24h`, `7d`, `30m` → that long ago; anything else is taken as a time. */
export function sinceTime(text: string, nowMs = Date.now()): string {
  const rel = /^(\d+)([mhd])$/.exec(text.trim());
  if (rel)
    return new Date(
      nowMs - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd'],
    ).toISOString();
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new Error(`--since "${text}" is neither a time (2026-12-01T00:00:00Z) nor a duration (24h, 7d)`);
  return new Date(ms).toISOString();
}

export function summaryLine(s: ReplaySummary): string {
  return `${s.considered} considered: ${s.loaded} loaded (${s.slips} slips, ${s.bets} bets, ${s.feedRows} feed rows), ${s.landed} landed for a refresh, ${s.stillRefused} still refused, ${s.notReplayable} not replayable`;
}

function progressLine(done: number, total: number, s: ReplaySummary): string {
  const width = 24;
  const frac = total === 0 ? 1 : done / total;
  return `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${done}/${total}  ${s.loaded} loaded  ${s.stillRefused} still refused  ${s.notReplayable} not replayable`;
}

function table(rows: RejectionListing[]): string {
  if (rows.length === 0) return 'no rejected messages match\n';
  const head = ['rejection_id', 'rejected_at', 'source', 'reason', 'record', 'replay', 'detail'];
  const body = rows.map((r) => [
    r.rejection_id,
    r.rejected_time,
    r.source,
    r.reason,
    r.record_path || '(message)',
    r.replay || '-',
    r.detail.replace(/\s+/g, ' ').slice(0, 100),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return (
    [head, ...body]
      .map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]))).join('  '))
      .join('\n') + '\n'
  );
}

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== 'list' && action !== 'replay') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let filter: RejectionFilter;
  let format = 'table';
  try {
    const { values } = parseArgs({
      args: rest,
      options: {
        source: { type: 'string' },
        reason: { type: 'string' },
        since: { type: 'string' },
        id: { type: 'string' },
        limit: { type: 'string' },
        format: { type: 'string', default: 'table' },
      },
    });
    filter = {
      source: values.source,
      reason: values.reason,
      id: values.id,
      since: values.since ? sinceTime(values.since) : undefined,
      limit: values.limit ? Number(values.limit) : undefined,
    };
    format = values.format ?? 'table';
  } catch (err) {
    process.stderr.write(`linehouse rejected: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const tty = process.stderr.isTTY;
  const progress = (done: number, total: number, s: ReplaySummary) => {
    // A line per tenth when not a terminal: logs stay readable.
    if (tty) process.stderr.write(`\r${progressLine(done, total, s)}\x1b[K`);
    else if (done === total || done % Math.max(1, Math.ceil(total / 10)) === 0)
      process.stderr.write(`${progressLine(done, total, s)}\n`);
  };
  const finish = (s: ReplaySummary) => {
    if (tty) process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify(s)}\n`);
    process.stderr.write(`replay: ${summaryLine(s)}\n`);
    return 0;
  };
  const print = (rows: RejectionListing[]) => {
    process.stdout.write(format === 'json' ? `${JSON.stringify(rows)}\n` : table(rows));
    return 0;
  };

  const config = loadConfig();
  // While `up` runs it owns the embedded engine: ask it (workers/admin-server.ts).
  const up = config.clickhouse.url ? null : readRunFile(config);
  if (up) {
    const res = await request(`${up.adminUrl}/rejected/${action}`, {
      method: 'POST',
      body: JSON.stringify(filter),
      headers: { authorization: `Bearer ${up.token}` },
    });
    if (res.statusCode !== 200) {
      process.stderr.write(`linehouse rejected ${action}: ${await res.body.text()}\n`);
      return 1;
    }
    if (action === 'list') return print((await res.body.json()) as RejectionListing[]);
    let buffered = '';
    let summary: ReplaySummary | null = null;
    for await (const chunk of res.body) {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buffered.slice(0, nl)) as {
          progress?: ReplaySummary & { done: number; total: number };
          summary?: ReplaySummary;
        };
        buffered = buffered.slice(nl + 1);
        if (msg.progress) progress(msg.progress.done, msg.progress.total, msg.progress);
        if (msg.summary) summary = msg.summary;
      }
    }
    if (!summary) {
      process.stderr.write(
        'linehouse rejected replay: the running stack ended the replay without a summary; see its log, then run the replay again (it is harmless)\n',
      );
      return 1;
    }
    return finish(summary);
  }
  const ch = await createWarehouse(config);
  try {
    if (action === 'list') return print(await listRejections(ch, filter));
    return finish(await replayRejections(ch, filter, progress));
  } finally {
    await ch.close();
  }
}
