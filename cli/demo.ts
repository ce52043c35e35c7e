import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import { log, logToFile } from '../platform/log';
import { startStack, type Stack } from '../workers/stack';
import { queryRows } from '../platform/warehouse/client';
import {
  accountWorkflowId,
  bettorWorkflowId,
  progressQuery,
  submitOtp,
  type BettorRefreshResult,
} from '../workflows/refresh/messages';
import { summaryLine } from './refresh';
import { runScheduledSide, saveHistories } from './demo-scheduled';
import { untilSignal } from './up';
import { Season } from '../sandbox/season';
import { WORKFLOW_CODE_VERSION } from '../workflows/version';
import type { ReconcilePendingInput } from '../workflows/backfill/messages';
import { describeSeason, landSeasonSlips, rememberGameIds, reportClv, usedGameIds, watchGames } from './demo-season';

const say = (line = '') => process.stdout.write(line + '\n');

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Answers the 2FA prompt the way a bettor would, once the refresh is waiting for it. */
async function answerOtp(stack: Stack, accountId: string, code: string) {
  const handle = stack.client.workflow.getHandle(accountWorkflowId(accountId));
  await waitFor(`${accountId} to ask for a one-time password`, async () => {
    try {
      return (await handle.query(progressQuery)).phase === 'awaiting-otp';
    } catch {
      return false;
    }
  });
  await handle.signal(submitOtp, code);
  say(`  · ${accountId}: one-time password submitted`);
}

/**
 * --save-histories: first one pass of each scheduled workflow the demo does not otherwise run
 * (clvRefresh, reconcilePending), so the corpus holds every workflow type the worker registers;
 * then the run's histories filed the way the replay corpus is,
 * <dir>/<workflowType>/<WORKFLOW_CODE_VERSION>/<workflowId>.json (a second and third run of the
 * same workflow id: <workflowId>--2.json, --3.json). Returns how many were saved.
 */
async function saveVersionedHistories(stack: Stack, dir: string, sinceMs: number): Promise<number> {
  const passes = { workflowIdConflictPolicy: 'FAIL', taskQueue: stack.run.taskQueue } as const;
  await stack.client.workflow.execute('clvRefresh', {
    ...passes,
    workflowId: `clv-refresh-demo-${Date.now()}`,
    args: [{}],
  });
  const reconcile: ReconcilePendingInput = { pageSize: stack.run.policy.pageSize, fanOut: 2, windowHours: 24 * 7 };
  await stack.client.workflow.execute('reconcilePending', {
    ...passes,
    workflowId: `reconcile-pending-demo-${Date.now()}`,
    args: [reconcile],
  });
  const flat = fs.mkdtempSync(path.join(os.tmpdir(), 'linehouse-histories-'));
  try {
    const n = await saveHistories(stack, flat, sinceMs);
    for (const f of fs.readdirSync(flat)) {
      // saveHistories names them <workflowType>--<workflowId>--<n>.json.
      const m = /^([A-Za-z]+)--(.+)--(\d+)\.json$/.exec(f);
      if (!m) throw new Error(`demo: unexpected history file name ${f}`);
      const to = path.join(dir, m[1], WORKFLOW_CODE_VERSION);
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(path.join(flat, f), path.join(to, m[3] === '1' ? `${m[2]}.json` : `${m[2]}--${m[3]}.json`));
    }
    return n;
  } finally {
    fs.rmSync(flat, { recursive: true, force: true });
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      keep: { type: 'boolean', default: false },
      'save-histories': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const config = loadConfig();
  const started = Date.now();
  // The terminal tells the story; the stack's structured log (every event) goes to a file.
  const logFile = values.verbose
    ? null
    : path.join(config.dataDir, 'logs', `demo-${new Date(started).toISOString().replace(/[:.]/g, '-')}.jsonl`);
  if (logFile) logToFile(logFile);
  say(
    'linehouse demo: starting Temporal, the warehouse, the worker, the webhook receiver and the four provider sandboxes …',
  );
  if (logFile)
    say(
      `structured log: ${path.relative(process.cwd(), logFile)} (warnings and errors also show here; --verbose shows every event)`,
    );
  // A new seed per run: another demo on the same data dir gets other matchups, so its game ids
  // (teams and date) do not collide with the earlier run's.
  const season = new Season({
    baseTimeMs: started,
    seed: Math.floor(started / 1000) % 1_000_000,
    avoidGameIds: usedGameIds(config.dataDir),
  });
  rememberGameIds(config.dataDir, season);
  const stack = await startStack(config, { sandbox: true, season });
  try {
    const sandbox = stack.sandbox!;
    const bettors = sandbox.bettors();
    say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s — Temporal UI: ${stack.uiUrl || '(headless)'}`);
    say(
      `refreshing ${bettors.length} sandbox bettors (${sandbox.accounts().length} accounts), one bettor-level request each …`,
    );
    const twoFactor = sandbox.accounts().filter((a) => a.scenario === 'otp');
    const handles = await Promise.all(
      bettors.map((b) =>
        stack.client.workflow.start('bettorRefresh', {
          workflowId: bettorWorkflowId(b.internalId),
          taskQueue: stack.run.taskQueue,
          args: [{ bettor: b.internalId, policy: stack.run.policy }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      ),
    );
    const otp = Promise.all(twoFactor.map((a) => answerOtp(stack, a.id, '123456')));
    let done = 0;
    const results = await Promise.all(
      handles.map(async (h) => {
        const r = (await h.result()) as BettorRefreshResult;
        done += 1;
        for (const a of r.accounts)
          say(
            `  [${done}/${handles.length}] ${r.bettor.padEnd(20)} ${a.account.padEnd(28)} status ${String(a.status).padEnd(4)} attempts ${a.attempts}  slips ${a.slips}${a.detail ? `  (${a.detail})` : ''}`,
          );
        return r;
      }),
    );
    await otp;

    describeSeason(season);
    await landSeasonSlips(stack, season);
    await watchGames(stack, season);
    say(
      'sportsbooks grade pending bets; SharpSports pushes the updates as grade refreshes linehouse did not request …',
    );
    await sandbox.gradePending();
    const expected = () => sandbox.slips().length;
    // Compared by id, so a warehouse that already holds earlier demo runs is checked just as well.
    await waitFor('graded slips to land', async () => {
      const truth = sandbox.slips();
      const [row] = await queryRows<{ n: number; settled: number }>(
        stack.clickhouse,
        "SELECT count() AS n, countIf(status = 'completed') AS settled FROM bet_slips FINAL WHERE has({ids:Array(String)}, id)",
        { ids: truth.map((s: any) => s.id) },
      );
      return (
        Number(row.n) === truth.length &&
        Number(row.settled) === truth.filter((s: any) => s.status === 'completed').length
      );
    });

    say('');
    say('what landed in the warehouse:');
    const byStatus = await queryRows(
      stack.clickhouse,
      'SELECT status, count() AS refreshes, sum(slips) AS slips FROM refresh_runs FINAL GROUP BY status ORDER BY status',
    );
    for (const r of byStatus) say(`  refresh status ${r.status}: ${r.refreshes} refresh(es), ${r.slips} slips`);
    const [totals] = await queryRows<any>(
      stack.clickhouse,
      `SELECT (SELECT count() FROM bet_slips FINAL) AS slips, (SELECT count() FROM bets FINAL) AS bets,
      (SELECT countIf(status = 'completed') FROM bet_slips FINAL) AS settled, (SELECT count() FROM webhook_deliveries) AS deliveries, (SELECT count() FROM rejected_messages) AS rejected`,
    );
    say(`  this run: all ${expected()} sandbox slips landed, each exactly once, in their graded state`);
    say(
      `  warehouse totals (earlier runs included): bet_slips ${totals.slips}, bets ${totals.bets}, settled ${totals.settled}, webhook deliveries ${totals.deliveries}, rejected ${totals.rejected}`,
    );
    const feedNames = Object.keys(stack.feedSandboxes);
    await waitFor(
      'every feed to deliver ticks',
      async () => {
        const rows = await queryRows<{ source: string }>(stack.clickhouse, 'SELECT DISTINCT source FROM odds_ticks');
        return feedNames.every((f) => rows.some((r) => r.source === f));
      },
      30_000,
    );
    const feeds = await queryRows<any>(
      stack.clickhouse,
      `SELECT source, count() AS ticks, countIf(locked) AS locked, countIf(removed) AS removed, uniqExact(event_key) AS events, uniqExact(book) AS books
       FROM odds_ticks FINAL GROUP BY source ORDER BY source`,
    );
    say('odds feeds (streaming the whole time, one Temporal workflow each):');
    for (const f of feeds)
      say(
        `  ${String(f.source).padEnd(10)} ${f.ticks} ticks (${f.locked} locked, ${f.removed} removed) across ${f.events} events and ${f.books} books`,
      );
    const [extra] = await queryRows<any>(
      stack.clickhouse,
      `SELECT (SELECT count() FROM settlements FINAL) AS settlements, (SELECT count() FROM fixtures FINAL) AS fixtures, (SELECT count() FROM feed_gaps) AS gaps`,
    );
    say(`  settlements ${extra.settlements}, fixture updates ${extra.fixtures}, reported gaps ${extra.gaps}`);
    say('');
    say('per account (linehouse refresh --wait prints the same lines):');
    for (const r of results) for (const a of r.accounts) say('  ' + JSON.stringify(summaryLine(a)));
    say('');
    await runScheduledSide(stack);
    say('');
    await reportClv(stack);
    say('');
    if (values['save-histories'])
      say(
        `saved ${await saveVersionedHistories(stack, values['save-histories'], started)} workflow histories to ${path.join(values['save-histories'], '<workflowType>', WORKFLOW_CODE_VERSION)}`,
      );
    say(
      `done in ${((Date.now() - started) / 1000).toFixed(1)} s. Temporal UI: ${stack.uiUrl}/namespaces/${stack.run.namespace}/workflows?query=${encodeURIComponent('LinehouseKind="refresh"')}`,
    );
    if (logFile) say(`every event of the run: ${path.relative(process.cwd(), logFile)}`);
    if (values.keep) {
      say('--keep: still running (webhooks, Temporal UI, `linehouse query` work); Ctrl-C to stop.');
      await untilSignal();
    }
    return 0;
  } catch (err) {
    log.error('demo.failed', { error: err as Error });
    throw err;
  } finally {
    await stack.stop();
  }
}
