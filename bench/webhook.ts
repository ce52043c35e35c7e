/**
 * Webhook receiver under load, side by side on one machine, over loopback with autocannon:
 *   linehouse — the real receiver of `linehouse up --sandbox` (HMAC verify, zod, land the raw
 *               delivery in chDB, signal-with-start the account workflow, answer 200);
 *   trivial   — a node:http server that reads the body and answers 200 (the floor).
 * For 200- and 2,000-slip refreshresponse.created bodies: p99 at a fixed 500 req/s, and max req/s
 * (10 connections, no rate cap). Prints the ratio receiver/trivial.
 *
 * A third row, "receiver", is the same receiver on the stack's chDB with a no-op dispatch (no Temporal
 * signal, no worker loading deliveries): verify + parse + the fsynced landing insert only.
 *
 *   npx tsx bench/webhook.ts [--seconds 10] [--rate 500] [--slips 200,2000]
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { signHookHmac } from '../lib/webhook/hmac';
import { fmt, machineLine } from './machine';

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
    id: `SLIP_${account.slice(5)}_${i}`, bettor: 'BTTR_load', bettorAccount: account, book: { id: 'BOOK_dk', name: 'DraftKings', abbr: 'dk' }, bookRef: `dk-${i}`, timePlaced: '2026-11-20T17:00:00Z',
    type: 'single', subtype: null, oddsAmerican: -110, atRisk: 1100, toWin: 1000, status: settled ? 'settled' : 'pending', outcome: settled ? 'win' : null, refreshResponse: rr, incomplete: false,
    netProfit: settled ? 1000 : null, dateClosed: settled ? '2026-11-21' : null, typeSpecial: null, adjusted: { odds: false, line: null, atRisk: null },
    bets: [{ id: `BET_${account.slice(5)}_${i}`, type: 'straight', event: { id: `EVNT_${i % 40}`, oddsjamId: `${1000 + (i % 40)}-${2000 + (i % 40)}-2026-11-21`, league: 'NFL', sport: 'Football', name: 'Away @ Home', startTime: '2026-11-21T18:00:00Z' },
      proposition: 'spread', segment: 'full game', position: 'Home', line: -3.5, oddsAmerican: -110, status: settled ? 'settled' : 'pending', outcome: settled ? 'win' : null, live: false, incomplete: false, bookDescription: 'Home -3.5', marketSelection: `MRKT_${i % 40}_home`, propDetails: null }],
  };
}

export function refreshDelivery(account: string, rr: string, slips: number): string {
  return JSON.stringify({
    event: 'refreshresponse.created', sender: 'SandboxApp',
    data: { id: rr, timeCreated: new Date().toISOString(), bettor: 'BTTR_load', bettorAccount: account, book: { abbr: 'dk' }, status: 200, detail: null, requestId: `cad-${rr}`, type: 'system', betSlips: Array.from({ length: slips }, (_, i) => slipJson(account, rr, i)) },
  });
}

/**
 * Signed refreshresponse.created deliveries, each with its own Hook-Delivery and refreshResponse
 * id, spread over `accounts` accounts. `rate` 0: as fast as `connections` allow.
 */
export async function loadWebhook(o: { url: string; secret: string; seconds: number; rate: number; connections: number; slips: number; accounts: number; prefix: string }): Promise<LoadResult> {
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
          const body = template.replaceAll('BACT_@@ACCOUNT@@', account).replaceAll('@@ACCOUNT@@', account.slice(5)).replaceAll('RRES_@@RRES@@', `RRES_${o.prefix}_${i}`);
          context.delivery = delivery;
          return { ...req, body, headers: { 'content-type': 'application/json', 'hook-event': 'refreshresponse.created', 'hook-delivery': delivery, 'hook-subscription': 'sub-load', 'hook-hmac': signHookHmac(o.secret, body) } };
        },
        onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
          if (status >= 200 && status < 300) acked.push(String(context.delivery));
        },
      },
    ],
  });
  return {
    requests: result.requests.total, ok2xx: result['2xx'], non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts,
    reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, acked,
  };
}

export type LoadOptions = Parameters<typeof loadWebhook>[0];

/**
 * The same load from a separate process, so the load generator (body building, signing,
 * autocannon) does not share an event loop with a receiver that runs in this process.
 */
export function loadWebhookInChild(o: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--client', JSON.stringify(o)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load client exited ${code}: ${out.slice(-500)}`))));
  });
}

/** The floor: read the body, answer 200. */
export async function trivialServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/webhooks/sharpsports`, close: () => new Promise((r) => server.close(() => r())) };
}

async function main() {
  const client = process.argv.indexOf('--client');
  if (client > 0) {
    process.stdout.write(JSON.stringify(await loadWebhook(JSON.parse(process.argv[client + 1]) as LoadOptions)));
    return;
  }
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, rate: { type: 'string', default: '500' }, slips: { type: 'string', default: '200,2000' } } });
  const seconds = Number(values.seconds);
  const rate = Number(values.rate);
  const { loadConfig } = await import('../lib/config');
  const { freePort, startStack } = await import('../lib/stack');
  const { setLogLevel } = await import('../lib/log');
  setLogLevel('error');
  const secret = 'whsec-bench-webhook';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linehouse-bench-webhook-'));
  const config = loadConfig({ LINEHOUSE_DATA_DIR: dataDir, WEBHOOK_PORT: '0', WEBHOOK_HOST: '127.0.0.1', TEMPORAL_DEV_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(await freePort()), SHARPSPORTS_WEBHOOK_SECRET: secret, LINEHOUSE_LOG_LEVEL: 'error' });
  const stack = await startStack(config, { sandbox: true, headlessTemporal: true });
  const trivial = await trivialServer();
  const { createWebhookServer, listen } = await import('../lib/webhook/receiver');
  // chDB is one engine per process: the receiver-alone row shares the stack's warehouse (it runs
  // before the linehouse row, so no loads are competing yet).
  const solo = createWebhookServer({ clickhouse: stack.clickhouse, secret, maxBodyBytes: 64 * 2 ** 20, dispatch: async () => undefined });
  const soloUrl = `http://127.0.0.1:${await listen(solo, 0, '127.0.0.1')}/webhooks/sharpsports`;
  console.log(`webhook receiver bench — ${machineLine()}; ${seconds} s per run, autocannon over loopback`);
  try {
    for (const slips of values.slips.split(',').map(Number)) {
      const bytes = Buffer.byteLength(refreshDelivery('BACT_x', 'RRES_x', slips));
      const row = async (name: string, url: string) => {
        const prefix = `b${slips}${name[0]}${crypto.randomBytes(3).toString('hex')}`;
        const fixed = await loadWebhookInChild({ url, secret, seconds, rate, connections: 50, slips, accounts: 100, prefix: `${prefix}f` });
        const max = await loadWebhookInChild({ url, secret, seconds, rate: 0, connections: 10, slips, accounts: 100, prefix: `${prefix}m` });
        console.log(`  ${name.padEnd(9)} ${String(slips).padStart(5)} slips (${fmt(bytes / 1024)} KiB): at ${rate} req/s p50 ${fixed.p50} ms p99 ${fixed.p99} ms (achieved ${fmt(fixed.reqPerSec, 1)} req/s, non-2xx ${fixed.non2xx}, errors ${fixed.errors}); max ${fmt(max.reqPerSec, 1)} req/s (p99 ${max.p99} ms)`);
        return { fixed, max };
      };
      const t = await row('trivial', trivial.url);
      const solo = await row('receiver', soloUrl);
      console.log(`  ratio receiver/trivial at ${slips} slips: p99 ×${fmt(solo.fixed.p99 / Math.max(t.fixed.p99, 1), 1)}, max req/s ×${fmt(solo.max.reqPerSec / t.max.reqPerSec, 2)}`);
      const r = await row('linehouse', stack.webhookUrl);
      console.log(`  ratio linehouse/trivial at ${slips} slips: p99 ×${fmt(r.fixed.p99 / Math.max(t.fixed.p99, 1), 1)}, max req/s ×${fmt(r.max.reqPerSec / t.max.reqPerSec, 2)}`);
    }
  } finally {
    await trivial.close();
    await new Promise((r) => solo.close(() => r(undefined)));
    await stack.stop();
  }
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
