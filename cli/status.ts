import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import { adminRunner, warehouseRunner, type SqlRunner } from '../clv/report';
import { listSchedules } from '../workers/schedules';
import { createWarehouse } from '../platform/warehouse/client';
import { clientFor } from './temporal-client';
import { readRunFile } from '../workers/run-file';

// Aliases differ from the column names: an alias equal to a column would shadow it in the
// other aggregates of the same SELECT.
export const LAST_REFRESH_SQL = `SELECT r.account AS account, r.last_bettor AS last_bettor, if(r.last_book != '', r.last_book, s.slip_book) AS last_book,
    r.last_status AS last_status, r.last_detail AS last_detail, r.last_origin AS last_origin, r.last_finished_at AS last_finished_at, r.failed_runs AS failed_runs
  FROM (
    SELECT bettor_account_id AS account, argMax(bettor_id, finished_at) AS last_bettor, argMaxIf(book_abbr, finished_at, book_abbr != '') AS last_book,
      argMax(status, finished_at) AS last_status, argMax(detail, finished_at) AS last_detail, argMax(origin, finished_at) AS last_origin,
      max(finished_at) AS last_finished_at, countIf(status NOT IN (200, 202)) AS failed_runs
    FROM refresh_runs FINAL GROUP BY account) AS r
  -- A refresh answered without slips (202, 401, …) does not name its book; the account's slips do.
  LEFT JOIN (SELECT bettor_account_id, any(book_abbr) AS slip_book FROM bet_slips GROUP BY bettor_account_id) AS s ON s.bettor_account_id = r.account
  ORDER BY account`;

// Lag: how long since the feed last put a tick in the warehouse, and since its last checkpoint.
// A sharded feed checkpoints as <source>-<shard>: its shards are summed up under the source.
export const FEED_LAG_SQL = `SELECT t.source AS feed, t.ticks AS ticks, t.last_tick_ts AS last_tick_ts, t.last_received_at AS last_received_at,
    dateDiff('millisecond', t.last_received_at, now64(3)) / 1000 AS lag_seconds,
    c.last_commit AS checkpoint_at, c.last_health AS health, c.shards AS shards,
    g.gaps_day AS gaps_24h, g.last_reason AS last_gap_reason
  FROM (SELECT source, count() AS ticks, max(ts) AS last_tick_ts, max(received_at) AS last_received_at FROM odds_ticks GROUP BY source) AS t
  LEFT JOIN (SELECT splitByChar('-', feed)[1] AS src, max(committed_at) AS last_commit, argMax(health, committed_at) AS last_health, uniqExact(feed) AS shards FROM feed_checkpoints GROUP BY src) AS c ON c.src = t.source
  LEFT JOIN (SELECT splitByChar('-', feed)[1] AS src, countIf(detected_at > now64(3) - INTERVAL 1 DAY) AS gaps_day, argMax(reason, detected_at) AS last_reason FROM feed_gaps GROUP BY src) AS g ON g.src = t.source
  ORDER BY feed`;

export const GAPS_SQL = `SELECT feed, reason, gap_from, gap_to, detail, detected_at FROM feed_gaps ORDER BY detected_at DESC LIMIT 10`;

/**
 * What an operator asks first: what is running, how each account's last refresh went, how far
 * behind each feed is and which odds intervals are known to be incomplete.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { format: { type: 'string', default: 'table' } } });
  const json = values.format === 'json';
  const config = loadConfig();
  const up = config.clickhouse.url ? null : readRunFile(config);
  const ch = up ? null : await createWarehouse(config);
  const sql: SqlRunner = up ? adminRunner(up) : warehouseRunner(ch!);
  const report: Record<string, unknown> = {};
  try {
    try {
      const { client } = await clientFor(config);
      try {
        const running: Array<Record<string, unknown>> = [];
        for await (const wf of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
          const sa = wf.searchAttributes ?? {};
          running.push({
            kind: (sa.LinehouseKind as string[] | undefined)?.[0] ?? wf.type,
            workflowId: wf.workflowId,
            type: wf.type,
            phase: (sa.LinehousePhase as string[] | undefined)?.[0] ?? null,
            startedAt: wf.startTime.toISOString(),
          });
          if (running.length >= 200) break;
        }
        report.running = running;
        report.schedules = await listSchedules(client);
      } finally {
        await client.connection.close();
      }
    } catch (err) {
      report.temporal = `unreachable: ${(err as Error).message}`;
    }
    report.accounts = await sql(LAST_REFRESH_SQL, {});
    report.feeds = await sql(FEED_LAG_SQL, {});
    report.gaps = await sql(GAPS_SQL, {});
  } finally {
    await ch?.close();
  }
  if (json) {
    process.stdout.write(JSON.stringify(report) + '\n');
    return 0;
  }
  const say = (s = '') => process.stdout.write(s + '\n');
  if (report.temporal) say(`temporal: ${report.temporal}`);
  const running = (report.running as Array<Record<string, unknown>> | undefined) ?? [];
  say(`running workflows: ${running.length}`);
  for (const r of running)
    say(`  ${String(r.kind).padEnd(16)} ${String(r.workflowId).padEnd(48)} ${r.phase ?? ''}  since ${r.startedAt}`);
  for (const s of (report.schedules as Array<Record<string, unknown>> | undefined) ?? [])
    say(
      `schedule ${s.id}: every ${s.every}, ${s.paused ? 'PAUSED' : 'active'}, ${s.actions} runs, ${s.skippedOverlap} skipped (overlap), ${s.missedCatchup} missed (catch-up window), next ${s.nextAt ?? '-'}`,
    );
  const accounts = report.accounts as Array<Record<string, unknown>>;
  say(`last refresh per account: ${accounts.length}`);
  for (const a of accounts)
    say(
      `  ${String(a.account).padEnd(30)} ${String(a.last_book).padEnd(4)} status ${String(a.last_status).padEnd(4)} ${String(a.last_finished_at)}  ${a.last_detail ? `(${a.last_detail})` : ''}`,
    );
  say('feeds:');
  for (const f of report.feeds as Array<Record<string, unknown>>)
    say(
      `  ${String(f.feed).padEnd(10)} ${f.ticks} ticks, last received ${f.last_received_at} (lag ${Number(f.lag_seconds).toFixed(1)} s), checkpoint ${f.checkpoint_at ?? '-'}, gaps in 24 h: ${f.gaps_24h ?? 0}${f.last_gap_reason ? ` (last: ${f.last_gap_reason})` : ''}`,
    );
  const gaps = report.gaps as Array<Record<string, unknown>>;
  if (gaps.length) say('latest gaps:');
  for (const g of gaps)
    say(`  ${g.detected_at} ${g.feed} ${g.reason} ${g.gap_from ?? ''} → ${g.gap_to ?? ''} ${g.detail}`);
  return 0;
}
