import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSharpSportsSandbox, type SharpSportsSandbox } from '../../sandbox/sharpsports';
import { exited, freshPorts, linehouse, startUp, waitHealthy } from '../support/cli';
import { tempDir } from '../support/stack';

/**
 * The external contract, as a user runs it: `linehouse up` in its own process, `refresh --wait`,
 * `query` while it runs and after it stopped, SIGTERM → exit 0 — and a SIGKILL of the whole
 * process group (linehouse and its Temporal dev server) in the middle of a 202 paging run.
 */
const PAGE_SIZE = 20;
const BIG = 2400;
let sandbox: SharpSportsSandbox;
let env: Record<string, string>;
let webhookPort: number;

/** Starts `linehouse up` on fresh ports, pointing the sandbox's webhooks at it. */
async function up() {
  Object.assign(env, await freshPorts());
  webhookPort = Number(env.WEBHOOK_PORT);
  sandbox.setWebhookUrl(`http://127.0.0.1:${webhookPort}/webhooks/sharpsports`);
  const child = startUp([], env);
  started.push(child);
  await waitHealthy(webhookPort, child);
  return child;
}
// A failed assertion leaves `up` running: its whole process group (the dev server too) goes in afterAll.
const started: Array<{ pid?: number; exitCode: number | null; signalCode: NodeJS.Signals | null }> = [];

const rows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
async function scalar(sql: string): Promise<number> {
  const r = await linehouse(['query', sql], env);
  if (r.code !== 0) throw new Error(`query failed: ${r.stderr}`);
  return Number(Object.values(rows(r.stdout)[0])[0]);
}

beforeAll(async () => {
  sandbox = await startSharpSportsSandbox({
    port: 0,
    apiKey: 'cli-test-key-123',
    webhookSecret: 'cli-test-secret-456',
    rateLimitSeconds: 2,
    refreshLatencyMs: 100,
    bigAccountSlips: BIG,
  });
  env = {
    LINEHOUSE_DATA_DIR: tempDir('cli'),
    SHARPSPORTS_BASE_URL: sandbox.url,
    SHARPSPORTS_API_KEY: 'cli-test-key-123',
    SHARPSPORTS_WEBHOOK_SECRET: 'cli-test-secret-456',
    SHARPSPORTS_RATE_LIMIT_SECONDS: '2',
    SHARPSPORTS_WEBHOOK_WAIT_SECONDS: '10',
    SHARPSPORTS_PAGE_SIZE: String(PAGE_SIZE),
  };
}, 60_000);

afterAll(async () => {
  for (const c of started)
    if (c.exitCode === null && c.signalCode === null && c.pid)
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
  await sandbox?.close();
});

describe('linehouse CLI', () => {
  it('names the variable when the environment is wrong, and exits 2', async () => {
    const r = await linehouse(['query', 'SELECT 1'], { ...env, WEBHOOK_PORT: 'eighty' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/WEBHOOK_PORT/);
  });

  it('up → refresh --bettor --wait → query → SIGKILL mid-paging → up again resumes exactly → SIGTERM exits 0', async () => {
    let running = await up();

    const refreshed = await linehouse(['refresh', '--bettor', 'gooduser', '--wait'], env);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const lines = rows(refreshed.stdout);
    expect(lines.map((l) => l.account).sort()).toEqual(['BACT_gooduser_dk', 'BACT_gooduser_fd']);
    for (const l of lines) {
      expect(l).toMatchObject({ status: 200, attempts: 1, workflowId: `refresh-${l.account}` });
      expect(l.slips).toBe(sandbox.slips(l.account).length);
    }
    // `query` while up runs goes through up's admin endpoint (chDB allows one process per data dir).
    expect(await scalar("SELECT count() FROM bet_slips FINAL WHERE bettor_account_id LIKE 'BACT_gooduser%'")).toBe(
      sandbox.slips('BACT_gooduser_dk').length + sandbox.slips('BACT_gooduser_fd').length,
    );

    // Start a 202 refresh of BIG/PAGE_SIZE pages and kill everything in the middle of it. Each page
    // answers after 250 ms: at full speed (~10 pages/s) a loaded machine's slow CLI round trips let
    // the resumed run finish before `refresh --wait` attached to it, which then (rightly) started
    // a second refresh.
    sandbox.setScenario('BACT_bigbettor_dk', { slowNextPages: 10_000, slowResponseMs: 250 });
    const started = await linehouse(['refresh', '--account', 'BACT_bigbettor_dk'], env);
    expect(started.code, started.stderr).toBe(0);
    const totalPages = BIG / PAGE_SIZE;
    let pagesBefore = 0;
    for (let i = 0; i < 600 && pagesBefore < 10; i++) {
      pagesBefore = await scalar("SELECT count() FROM load_markers WHERE kind = 'refresh_response_page'");
      if (pagesBefore < 10) await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(-running.pid!, 'SIGKILL');
    await exited(running);

    // Not running now: `query` opens the warehouse itself. The kill landed mid-stream.
    const pagesAtKill = await scalar("SELECT count() FROM load_markers WHERE kind = 'refresh_response_page'");
    expect(pagesAtKill).toBeGreaterThanOrEqual(10);
    expect(pagesAtKill).toBeLessThan(totalPages);

    running = await up();
    const resumed = await linehouse(['refresh', '--account', 'BACT_bigbettor_dk', '--wait'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const [big] = rows(resumed.stdout);
    expect(big).toMatchObject({
      account: 'BACT_bigbettor_dk',
      status: 202,
      slips: BIG,
      pages: totalPages,
      attempts: 1,
    });

    // Exact: every slip once, logically (FINAL) and physically (a repeated page insert is deduplicated).
    expect(await scalar("SELECT count() FROM bet_slips FINAL WHERE bettor_account_id = 'BACT_bigbettor_dk'")).toBe(BIG);
    expect(await scalar("SELECT count() FROM bet_slips WHERE bettor_account_id = 'BACT_bigbettor_dk'")).toBe(BIG);
    const truthBets = sandbox.slips('BACT_bigbettor_dk').reduce((n, s) => n + s.bets.length, 0);
    expect(await scalar("SELECT count() FROM bets FINAL WHERE bettor_account_id = 'BACT_bigbettor_dk'")).toBe(
      truthBets,
    );
    expect(await scalar("SELECT count() FROM bets WHERE bettor_account_id = 'BACT_bigbettor_dk'")).toBe(truthBets);
    // The sandbox saw one refresh request for the account: the crash did not cause a second one.
    expect(sandbox.refreshLog().filter((e) => e.accountId === 'BACT_bigbettor_dk')).toHaveLength(1);

    // A backfill over the same slips finds every one already loaded, unchanged, and writes nothing.
    const placed = sandbox
      .slips('BACT_bigbettor_dk')
      .map((s) => s.timePlaced.slice(0, 10))
      .sort();
    const day = (d: string, n: number) => new Date(Date.parse(d) + n * 86_400_000).toISOString().slice(0, 10);
    const backfilled = await linehouse(
      [
        'backfill',
        'bets',
        '--from',
        placed[0],
        '--to',
        day(placed.at(-1)!, 1),
        '--account',
        'BACT_bigbettor_dk',
        '--window-hours',
        '720',
      ],
      env,
    );
    expect(backfilled.code, backfilled.stderr).toBe(0);
    expect(rows(backfilled.stdout)[0]).toMatchObject({ slips: BIG, new: 0, updated: 0, unchanged: BIG });
    expect(backfilled.stderr).toMatch(/\[#+\] (\d+)\/\1 windows/);
    expect(await scalar("SELECT count() FROM bet_slips WHERE bettor_account_id = 'BACT_bigbettor_dk'")).toBe(BIG);

    // Schedule commands against the running stack, then status.
    const created = await linehouse(
      ['schedule', 'create', 'cadence', '--every', '3600', '--catchup', '120', '--paused', '--replace'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(rows(created.stdout)[0]).toMatchObject({
      id: 'linehouse-cadence',
      paused: true,
      every: '3600s',
      overlap: 'SKIP',
      catchupWindowMs: 120_000,
    });
    const reconcile = await linehouse(['schedule', 'create', 'reconcile', '--paused', '--replace'], env);
    expect(reconcile.code, reconcile.stderr).toBe(0);
    expect(rows(reconcile.stdout)[0]).toMatchObject({
      id: 'linehouse-reconcile',
      paused: true,
      every: '21600s',
      overlap: 'SKIP',
    });
    expect(rows((await linehouse(['schedule', 'delete', 'reconcile'], env)).stdout)[0]).toEqual({
      id: 'linehouse-reconcile',
      deleted: true,
    });
    const unpaused = await linehouse(['schedule', 'unpause', 'cadence'], env);
    expect(rows(unpaused.stdout)[0]).toMatchObject({ paused: false });
    const listed = await linehouse(['schedule', 'list'], env);
    expect(rows(listed.stdout).map((r) => r.id)).toEqual(['linehouse-cadence']);
    const status = await linehouse(['status', '--format', 'json'], env);
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report.accounts.find((a: { account: string }) => a.account === 'BACT_bigbettor_dk')).toMatchObject({
      last_status: 202,
      last_book: 'dk',
    });
    expect(report.schedules[0]).toMatchObject({ id: 'linehouse-cadence', paused: false });
    const deleted = await linehouse(['schedule', 'delete', 'cadence'], env);
    expect(rows(deleted.stdout)[0]).toEqual({ id: 'linehouse-cadence', deleted: true });
    const missing = await linehouse(['schedule', 'pause', 'cadence'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/create it with `linehouse schedule create cadence`/);

    process.kill(running.pid!, 'SIGTERM');
    const stop = await exited(running);
    expect(stop).toEqual({ code: 0, signal: null });
    expect(running.output()).toMatch(/linehouse\.stopped/);
  }, 300_000);
});
