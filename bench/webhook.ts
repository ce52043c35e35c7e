/**
 * Webhook receiver under load, side by side on one machine, over loopback with autocannon (the
 * load generator runs in a child process, so it does not share the receiver's event loop):
 *   trivial   — a node:http server that reads the body and answers 200 (the floor);
 *   receiver  — the real receiver (HMAC, depth check, JSON.parse, zod, group-committed fsynced
 *               landing in chDB) with a no-op dispatch: no Temporal, no loading;
 *   linehouse — the receiver of the real `linehouse up --sandbox` stack: the same, plus the
 *               signal-with-start after the 200, while the worker loads what was acknowledged.
 * Sections: max req/s and its p99 (10 connections, no rate cap) at 200 and 2,000 slips per
 * payload, and p99 at a fixed 500 req/s of the load test's payload (5 slips) against the goal
 * "p99 < 250 ms at 500 req/s". min / median / max over repeated runs.
 *
 *   npx tsx bench/webhook.ts [--quick] [--runs 3] [--seconds 1.75] [--goal-seconds 2.5]
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { signHookHmac } from '../refresh/webhook/hmac';
import { fmt, machineLine, stats } from './machine';
import { renderSection } from './print';
import type { BenchRow, BenchSection } from './section';

export interface LoadResult {
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  acked: string[];
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** One realistic bet slip as SharpSports sends it inside refreshresponse.created. */
export function slipJson(account: string, rr: string, i: number): Record<string, unknown> {
  const settled = i % 3 === 0;
  return {
    id: `SLIP_${account.slice(5)}_${i}`,
    bettor: 'BTTR_load',
    bettorAccount: account,
    book: { id: 'BOOK_dk', name: 'DraftKings', abbr: 'dk' },
    bookRef: `dk-${i}`,
    timePlaced: '2026-11-20T17:00:00Z',
    type: 'single',
    subtype: null,
    oddsAmerican: -110,
    atRisk: 1100,
    toWin: 1000,
    status: settled ? 'settled' : 'pending',
    outcome: settled ? 'win' : null,
    refreshResponse: rr,
    incomplete: false,
    netProfit: settled ? 1000 : null,
    dateClosed: settled ? '2026-11-21' : null,
    typeSpecial: null,
    adjusted: { odds: false, line: null, atRisk: null },
    bets: [
      {
        id: `BET_${account.slice(5)}_${i}`,
        type: 'straight',
        event: {
          id: `EVNT_${i % 40}`,
          oddsjamId: `${1000 + (i % 40)}-${2000 + (i % 40)}-2026-11-21`,
          league: 'NFL',
          sport: 'Football',
          name: 'Away @ Home',
          startTime: '2026-11-21T18:00:00Z',
        },
        proposition: 'spread',
        segment: 'full game',
        position: 'Home',
        line: -3.5,
        oddsAmerican: -110,
        status: settled ? 'settled' : 'pending',
        outcome: settled ? 'win' : null,
        live: false,
        incomplete: false,
        bookDescription: 'Home -3.5',
        marketSelection: `MRKT_${i % 40}_home`,
        propDetails: null,
      },
    ],
  };
}

export function refreshDelivery(account: string, rr: string, slips: number): string {
  return JSON.stringify({
    event: 'refreshresponse.created',
    sender: 'SandboxApp',
    data: {
      id: rr,
      timeCreated: new Date().toISOString(),
      bettor: 'BTTR_load',
      bettorAccount: account,
      book: { abbr: 'dk' },
      status: 200,
      detail: null,
      requestId: `cad-${rr}`,
      type: 'system',
      betSlips: Array.from({ length: slips }, (_, i) => slipJson(account, rr, i)),
    },
  });
}

/**
 * Signed refreshresponse.created deliveries, each with its own Hook-Delivery and refreshResponse
 * id, spread over `accounts` accounts. `rate` 0: as fast as `connections` allow.
 */
export async function loadWebhook(o: {
  url: string;
  secret: string;
  seconds: number;
  rate: number;
  connections: number;
  slips: number;
  accounts: number;
  prefix: string;
  keepAcked?: boolean;
}): Promise<LoadResult> {
  // One body template per run: the generator substitutes the account and refreshResponse ids
  // instead of building 200–2,000 slips per request, so it does not starve the receiver's CPU.
  const template = refreshDelivery('BACT_@@ACCOUNT@@', 'RRES_@@RRES@@', o.slips);
  let n = 0;
  const acked: string[] = [];
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.seconds,
    ...(o.rate ? { overallRate: o.rate } : {}),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
          const i = n++;
          const account = `BACT_${o.prefix}_${i % o.accounts}`;
          const delivery = `${o.prefix}-${i}`;
          const body = template
            .replaceAll('BACT_@@ACCOUNT@@', account)
            .replaceAll('@@ACCOUNT@@', account.slice(5))
            .replaceAll('RRES_@@RRES@@', `RRES_${o.prefix}_${i}`);
          context.delivery = delivery;
          return {
            ...req,
            body,
            headers: {
              'content-type': 'application/json',
              'hook-event': 'refreshresponse.created',
              'hook-delivery': delivery,
              'hook-subscription': 'sub-load',
              'hook-hmac': signHookHmac(o.secret, body),
            },
          };
        },
        onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
          if (status >= 200 && status < 300 && o.keepAcked !== false) acked.push(String(context.delivery));
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    acked,
  };
}

export type LoadOptions = Parameters<typeof loadWebhook>[0];

/**
 * The same load from a separate process, so the load generator (body building, signing,
 * autocannon) does not share an event loop with a receiver that runs in this process.
 */
export function loadWebhookInChild(o: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--client', JSON.stringify(o)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as LoadResult)
        : reject(new Error(`load client exited ${code}: ${out.slice(-500)}`)),
    );
  });
}

/** One load-generator process for many runs: a child start (tsx, autocannon) costs about a second. */
function startLoadClient(): { run(o: LoadOptions): Promise<LoadResult>; close(): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--client-loop'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting: Array<{ resolve(r: LoadResult): void; reject(e: Error): void }> = [];
  lines.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line) as LoadResult));
  child.on('exit', (code) => waiting.splice(0).forEach((w) => w.reject(new Error(`load client exited ${code}`))));
  return {
    run: (o) =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(JSON.stringify({ ...o, keepAcked: false }) + '\n');
      }),
    close: () => child.stdin.end(),
  };
}

/** The floor: read the body, answer 200. */
export async function trivialServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks/sharpsports`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const GOAL_RATE = 500;
const GOAL_P99_MS = 250;
/** The load test's payload (test/reliability/webhook-load.test.ts): most refresh responses are small. */
const GOAL_SLIPS = 5;

interface Runs {
  results: LoadResult[];
}

const summary = (name: string, unit: string, values: number[], extra?: string): BenchRow => ({
  name,
  unit,
  ...stats(values),
  runs: values.length,
  extra,
});
const range = (values: number[], unit: string) => {
  const s = stats(values);
  return `${fmt(s.min)}/${fmt(s.median)}/${fmt(s.max)} ${unit}`;
};
const failures = (rs: LoadResult[]) => rs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);

/**
 * The webhook sections of `npm run bench`. One `linehouse up --sandbox` stack (Temporal dev
 * server, worker, chDB) in this process; about 80–85 s either way (start 4 s, stop ~14 s).
 */
export async function runWebhookBench(
  opts: { quick?: boolean; runs?: number; seconds?: number; goalSeconds?: number; log?: (line: string) => void } = {},
): Promise<BenchSection[]> {
  const say = opts.log ?? (() => undefined);
  const runs = opts.runs ?? 3;
  const seconds = opts.seconds ?? (opts.quick ? 1.25 : 1.75);
  const goalSeconds = opts.goalSeconds ?? (opts.quick ? 2 : 2.5);
  const t0 = Date.now();
  const { loadConfig } = await import('../platform/config');
  const { startStack } = await import('../workers/stack');
  const { freePort } = await import('../platform/net');
  const { setLogLevel } = await import('../platform/log');
  const { createWebhookServer } = await import('../refresh/webhook/receiver');
  const { listen } = await import('../platform/net');
  setLogLevel('error');
  const secret = 'whsec-bench-webhook';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linehouse-bench-webhook-'));
  const config = loadConfig({
    LINEHOUSE_DATA_DIR: dataDir,
    WEBHOOK_PORT: '0',
    WEBHOOK_HOST: '127.0.0.1',
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    SHARPSPORTS_WEBHOOK_SECRET: secret,
    LINEHOUSE_LOG_LEVEL: 'error',
  });
  const stack = await startStack(config, { sandbox: true, headlessTemporal: true });
  const startupS = (Date.now() - t0) / 1000;
  say(`  stack started in ${fmt(startupS, 1)} s`);
  const trivial = await trivialServer();
  // chDB is one engine per process: the receiver-alone row shares the stack's warehouse.
  const solo = createWebhookServer({
    clickhouse: stack.clickhouse,
    secret,
    maxBodyBytes: config.webhook.maxBodyBytes,
    dispatch: async () => undefined,
    sweepEveryMs: 0,
  });
  const soloUrl = `http://127.0.0.1:${await listen(solo, 0, '127.0.0.1')}/webhooks/sharpsports`;
  const client = startLoadClient();
  const targets = { trivial: trivial.url, receiver: soloUrl, linehouse: stack.webhookUrl } as const;
  type Target = keyof typeof targets;
  let seq = 0;
  const series = async (target: Target, slips: number, rate: number, secs: number): Promise<Runs> => {
    const connections = rate ? 50 : 10;
    const base = { url: targets[target], secret, rate, connections, slips, accounts: 100 };
    // Warm-up (JIT, connection pool, chDB caches), not counted.
    await client.run({ ...base, seconds: 0.5, prefix: `w${seq++}${crypto.randomBytes(2).toString('hex')}` });
    const results: LoadResult[] = [];
    for (let i = 0; i < runs; i++)
      results.push(
        await client.run({ ...base, seconds: secs, prefix: `b${seq++}${crypto.randomBytes(2).toString('hex')}` }),
      );
    say(
      `  [${fmt((Date.now() - t0) / 1000, 1)} s] ${target.padEnd(9)} ${String(slips).padStart(5)} slips ${rate ? `at ${rate} req/s` : 'max rate   '}: req/s ${range(
        results.map((r) => r.reqPerSec),
        '',
      )} p99 ${range(
        results.map((r) => r.p99),
        'ms',
      )} failures ${failures(results)}`,
    );
    return { results };
  };

  const sections: BenchSection[] = [];
  try {
    const bytes = (slips: number) => Buffer.byteLength(refreshDelivery('BACT_x', 'RRES_x', slips));
    // Order: nothing that dispatches runs before the goal series, so the 500 req/s figure is on a
    // fresh stack like the load test's; the linehouse max-rate rows run last, while the worker
    // loads what the earlier runs acknowledged (as under sustained production load).
    const floor: Record<number, Runs> = {};
    const alone: Record<number, Runs> = {};
    for (const slips of [200, 2000]) floor[slips] = await series('trivial', slips, 0, seconds);
    for (const slips of [200, 2000]) alone[slips] = await series('receiver', slips, 0, seconds);
    const goalFloor = await series('trivial', GOAL_SLIPS, GOAL_RATE, goalSeconds);
    const goalRuns = await series('linehouse', GOAL_SLIPS, GOAL_RATE, goalSeconds);
    const full: Record<number, Runs> = {};
    for (const slips of [200, 2000]) full[slips] = await series('linehouse', slips, 0, seconds);

    const rps = (r: Runs) => r.results.map((x) => x.reqPerSec);
    const p99 = (r: Runs) => r.results.map((x) => x.p99);
    const rowsFor = (label: string, r: Runs) =>
      summary(label, 'req/s', rps(r), `p99 ${range(p99(r), 'ms')} (min/median/max), failures ${failures(r.results)}`);
    for (const slips of [200, 2000]) {
      const med = (r: Runs) => stats(rps(r)).median;
      sections.push({
        title: `Webhook receiver, ${fmt(slips)} slips per payload`,
        inputs: `signed refreshresponse.created, ${fmt(bytes(slips) / 1024)} KiB each, 10 connections, no rate cap, ${seconds} s × ${runs} runs (+0.5 s warm-up), autocannon in a child process over loopback`,
        rows: [
          rowsFor('trivial node:http (read body, answer 200)', floor[slips]),
          rowsFor('receiver alone (HMAC → parse → zod → group-committed fsynced landing; no dispatch)', alone[slips]),
          rowsFor('linehouse up (receiver + signal-with-start after the 200, worker loading meanwhile)', full[slips]),
        ],
        ratios: [
          { name: 'receiver alone / trivial (median req/s)', value: med(alone[slips]) / med(floor[slips]) },
          { name: 'linehouse / trivial (median req/s)', value: med(full[slips]) / med(floor[slips]) },
        ],
        goals: [],
        notes: [
          `the linehouse rows run after ${fmt(goalRuns.results.reduce((n, r) => n + r.ok2xx, 0))} goal-series deliveries and the earlier rows' deliveries were acknowledged: the worker is loading them meanwhile`,
        ],
      });
    }
    const goalP99 = p99(goalRuns);
    const goalRate = rps(goalRuns);
    const medP99 = stats(goalP99).median;
    const medRate = stats(goalRate).median;
    const goalFailures = failures(goalRuns.results);
    // "At 500 req/s" only holds when the generator achieved (nearly) that rate: a receiver that
    // falls behind makes autocannon send less, which would flatter its p99.
    const met = medP99 < GOAL_P99_MS && medRate >= GOAL_RATE * 0.95 && goalFailures === 0;
    sections.push({
      title: `Webhook receiver at ${GOAL_RATE} req/s`,
      inputs: `signed refreshresponse.created with ${GOAL_SLIPS} slips (${fmt(bytes(GOAL_SLIPS) / 1024, 1)} KiB, the load test's payload), 50 connections, ${GOAL_RATE} req/s for ${goalSeconds} s × ${runs} runs (+0.5 s warm-up), 100 accounts`,
      rows: [
        summary('trivial node:http p99', 'ms', p99(goalFloor), `achieved ${range(rps(goalFloor), 'req/s')}`),
        summary(
          'linehouse up p99',
          'ms',
          goalP99,
          `achieved ${range(goalRate, 'req/s')}, p50 ${range(
            goalRuns.results.map((r) => r.p50),
            'ms',
          )}, failures ${goalFailures}`,
        ),
      ],
      ratios: [{ name: 'linehouse / trivial (median p99)', value: medP99 / Math.max(1, stats(p99(goalFloor)).median) }],
      goals: [
        {
          goal: `p99 < ${GOAL_P99_MS} ms at ${GOAL_RATE} req/s`,
          measured: `median p99 ${fmt(medP99)} ms (runs ${goalP99.join(', ')} ms) at ${fmt(medRate, 1)} req/s achieved, ${goalFailures} failures`,
          met,
        },
      ],
      notes: [
        `one process: receiver, Temporal dev server (child), worker and chDB share ${os.cpus().length} cores with the load generator; stack start-up ${fmt(startupS, 1)} s not counted`,
        'met = median p99 under the goal, median achieved rate ≥ 95 % of the target, and no non-2xx, error or timeout',
      ],
    });
  } finally {
    const stopping = Date.now();
    client.close();
    await trivial.close();
    await new Promise((r) => solo.close(() => r(undefined)));
    await stack.stop();
    say(`  stack stopped in ${fmt((Date.now() - stopping) / 1000, 1)} s`);
    try {
      fs.rmSync(dataDir, { recursive: true, force: true });
    } catch {
      // chDB's background threads may still be releasing files; a temp dir left behind is harmless.
    }
  }
  say(`  (${fmt((Date.now() - t0) / 1000, 1)} s in all)`);
  return sections;
}

async function main() {
  const client = process.argv.indexOf('--client');
  if (client > 0) {
    process.stdout.write(JSON.stringify(await loadWebhook(JSON.parse(process.argv[client + 1]) as LoadOptions)));
    return;
  }
  if (process.argv.includes('--client-loop')) {
    for await (const line of readline.createInterface({ input: process.stdin }))
      process.stdout.write(JSON.stringify(await loadWebhook(JSON.parse(line) as LoadOptions)) + '\n');
    return;
  }
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      seconds: { type: 'string' },
      'goal-seconds': { type: 'string' },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  console.log(`webhook receiver bench — ${machineLine()}`);
  const sections = await runWebhookBench({
    quick: values.quick,
    runs: num(values.runs),
    seconds: num(values.seconds),
    goalSeconds: num(values['goal-seconds']),
    log: (l) => console.log(l),
  });
  process.stdout.write('\n' + sections.map(renderSection).join('\n'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
