import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config';
import { REPO_ROOT } from '../../platform/paths';
import { signHookHmac } from '../../refresh/webhook/hmac';
import { startBoltOddsSandbox, type BoltOddsSandbox } from '../../sandbox/boltodds/server';
import { startOpticOddsSandbox, type OpticOddsSandbox } from '../../sandbox/opticodds';
import { startSharpApiSandbox, type SharpApiSandbox } from '../../sandbox/sharpapi';
import { startSharpSportsSandbox, type SharpSportsSandbox } from '../../sandbox/sharpsports';
import { exited, freshPorts, linehouse, startUp, waitHealthy } from '../support/cli';
import { tempDir } from '../support/stack';
import { readRunFile } from '../../workers/run-file';

/**
 * `linehouse up` as a child with distinctive keys for all four providers and the webhook secret,
 * a refresh, a bad-HMAC delivery and a provider answering 401 (SharpAPI is configured with a key
 * its server does not accept). Then no secret may appear in: the log output, the CLI output and
 * errors, any String column of any table (rejected_messages included), or the Temporal workflow
 * histories (inputs, results, failures, heartbeats, memos and search attributes all live there).
 */
const SECRETS = {
  SHARPSPORTS_API_KEY: 'ssk-SECRET-7e1f0c9a2b',
  SHARPSPORTS_WEBHOOK_SECRET: 'whk-SECRET-4d8a6e2c1f',
  OPTICODDS_API_KEY: 'ook-SECRET-9b3c5d7e1a',
  BOLTODDS_API_KEY: 'bok-SECRET-2f4e6a8c0d',
  SHARPAPI_API_KEY: 'sak-SECRET-WRONG-6c8e0a2b4d', // the SharpAPI server expects another key: every poll is a 401
};
const secretValues = Object.values(SECRETS);

let ss: SharpSportsSandbox;
let oo: OpticOddsSandbox;
let bo: BoltOddsSandbox;
let sa: SharpApiSandbox;
let env: Record<string, string>;
let up: ReturnType<typeof startUp> | undefined;
const cliOutput: string[] = [];

/** Every secret found in `text`, with a little context. */
function leaks(where: string, text: string | Buffer): string[] {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const found: string[] = [];
  for (const s of secretValues) {
    const at = buf.indexOf(s);
    if (at >= 0)
      found.push(
        `${where}: ${buf
          .subarray(Math.max(0, at - 60), at + s.length + 20)
          .toString('utf8')
          .replace(/\s+/g, ' ')}`,
      );
  }
  return found;
}

async function adminQuery(sql: string): Promise<Record<string, unknown>[]> {
  const run = readRunFile(loadConfig({ LINEHOUSE_DATA_DIR: env.LINEHOUSE_DATA_DIR }))!;
  const res = await request(`${run.adminUrl}/query`, {
    method: 'POST',
    body: sql,
    headers: { authorization: `Bearer ${run.token}` },
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`admin ${res.statusCode}: ${text}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Every String-ish column of every table in the database, searched for every secret. */
async function warehouseLeaks(): Promise<string[]> {
  const cols = (await adminQuery(
    "SELECT table, name FROM system.columns WHERE database = currentDatabase() AND type LIKE '%String%' AND table IN (SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT LIKE '%View%') ORDER BY table, name",
  )) as Array<{ table: string; name: string }>;
  const byTable = new Map<string, string[]>();
  for (const c of cols) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c.name]);
  const found: string[] = [];
  const hex = (s: string) => `unhex('${Buffer.from(s).toString('hex')}')`;
  for (const [table, names] of byTable) {
    const hay = `concat(${names.map((n) => `toString(ifNull(toString(\`${n}\`), ''))`).join(", '|', ")}, '')`;
    for (const s of secretValues) {
      const [row] = await adminQuery(`SELECT count() AS n FROM \`${table}\` WHERE position(${hay}, ${hex(s)}) > 0`);
      if (Number(row.n) > 0) found.push(`table ${table}: ${Number(row.n)} rows hold ${s.slice(0, 8)}…`);
    }
  }
  return found;
}

/** Every workflow's full history, as encoded bytes, plus its description (memo, search attributes). */
async function temporalLeaks(): Promise<{ found: string[]; workflows: number }> {
  const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_DEV_PORT}` });
  try {
    const client = new Client({ connection });
    const found: string[] = [];
    let workflows = 0;
    for await (const wf of client.workflow.list()) {
      workflows++;
      const handle = client.workflow.getHandle(wf.workflowId, wf.runId);
      const history = await handle.fetchHistory();
      found.push(
        ...leaks(`history ${wf.workflowId}`, Buffer.from(temporal.api.history.v1.History.encode(history).finish())),
      );
      const d = await handle.describe();
      found.push(
        ...leaks(
          `describe ${wf.workflowId}`,
          Buffer.from(temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(d.raw).finish()),
        ),
      );
    }
    return { found, workflows };
  } finally {
    await connection.close();
  }
}

beforeAll(async () => {
  ss = await startSharpSportsSandbox({
    port: 0,
    apiKey: SECRETS.SHARPSPORTS_API_KEY,
    webhookSecret: SECRETS.SHARPSPORTS_WEBHOOK_SECRET,
    rateLimitSeconds: 2,
    refreshLatencyMs: 100,
  });
  oo = await startOpticOddsSandbox({ apiKey: SECRETS.OPTICODDS_API_KEY, ratePerSecond: 20 } as Parameters<
    typeof startOpticOddsSandbox
  >[0]);
  bo = await startBoltOddsSandbox({ apiKey: SECRETS.BOLTODDS_API_KEY, ratePerSecond: 10 } as Parameters<
    typeof startBoltOddsSandbox
  >[0]);
  sa = await startSharpApiSandbox({ apiKey: 'sak-the-server-expects-this-one', changesPerSecond: 20 } as Parameters<
    typeof startSharpApiSandbox
  >[0]);
  env = {
    LINEHOUSE_DATA_DIR: tempDir('secrets'),
    LINEHOUSE_LOG_LEVEL: 'debug',
    SHARPSPORTS_BASE_URL: ss.url,
    SHARPSPORTS_RATE_LIMIT_SECONDS: '2',
    SHARPSPORTS_WEBHOOK_WAIT_SECONDS: '10',
    OPTICODDS_BASE_URL: oo.url,
    BOLTODDS_WS_URL: bo.url,
    SHARPAPI_BASE_URL: sa.url,
    ...SECRETS,
    ...(await freshPorts()),
  };
  ss.setWebhookUrl(`http://127.0.0.1:${env.WEBHOOK_PORT}/webhooks/sharpsports`);
  up = startUp([], env);
  await waitHealthy(Number(env.WEBHOOK_PORT), up);
}, 150_000);

afterAll(async () => {
  if (up?.pid && up.exitCode === null && up.signalCode === null) {
    up.kill('SIGTERM');
    const done = await Promise.race([exited(up), new Promise((r) => setTimeout(() => r(null), 30_000))]);
    if (!done)
      try {
        process.kill(-up.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
  }
  await Promise.all([ss?.close(), oo?.close(), bo?.close(), sa?.close()]);
}, 60_000);

describe('secrets never leave the process', () => {
  it('after a refresh, a bad-HMAC delivery and a provider 401, no secret is in the logs, CLI output, any table or any workflow history', async () => {
    const refreshed = await linehouse(['refresh', '--bettor', 'gooduser', '--wait'], env);
    cliOutput.push(refreshed.stdout, refreshed.stderr);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    // Failures that produce errors: a refused delivery and a failing query through the CLI.
    const body = JSON.stringify({
      event: 'refreshresponse.created',
      sender: 'x',
      data: { id: 'RRES_x', bettorAccount: 'BACT_x', status: 200, betSlips: [] },
    });
    const bad = await request(`http://127.0.0.1:${env.WEBHOOK_PORT}/webhooks/sharpsports`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'hook-hmac': signHookHmac('not-the-secret', body) },
    });
    expect(bad.statusCode).toBe(401);
    cliOutput.push(await bad.body.text());
    const failing = await linehouse(
      ['query', `SELECT '${SECRETS.SHARPSPORTS_API_KEY.slice(0, 3)}' FROM no_such_table`],
      env,
    );
    cliOutput.push(failing.stdout, failing.stderr);
    expect(failing.code).not.toBe(0);
    // Let the SharpAPI feed fail a few polls with 401.
    await new Promise((r) => setTimeout(r, 5_000));
    const [rej] = await adminQuery("SELECT count() AS n FROM rejected_messages WHERE reason = 'bad_hmac'");
    expect(Number(rej.n)).toBeGreaterThanOrEqual(1);
    const log = up!.output();
    fs.mkdirSync(path.join(REPO_ROOT, 'test-results'), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, 'test-results', 'secrets-up.log'), log);
    // The provider failure did reach the log (so a key next to it would have been caught).
    expect(
      log.split('\n').some((l) => /sharpapi/i.test(l) && /\b401\b/.test(l)),
      'a SharpAPI 401 line in the log',
    ).toBe(true);

    const found = [
      ...leaks('linehouse up output', log),
      ...leaks('CLI output', cliOutput.join('\n')),
      ...(await warehouseLeaks()),
    ];
    const t = await temporalLeaks();
    expect(t.workflows).toBeGreaterThan(2);
    found.push(...t.found);
    console.log(
      `[secrets] searched ${log.length} bytes of log, ${cliOutput.join('').length} bytes of CLI output, every String column, ${t.workflows} workflow histories: ${found.length} hits`,
    );
    expect(found).toEqual([]);
  }, 180_000);

  it('negative control: each search finds a planted secret', async () => {
    const planted = SECRETS.SHARPSPORTS_WEBHOOK_SECRET;
    expect(leaks('log', `{"event":"x","key":"${planted}"}`)).toHaveLength(1);
    await adminQuery(
      `INSERT INTO rejected_messages (source, reason, detail) VALUES ('control', 'planted', unhex('${Buffer.from(`k=${planted}`).toString('hex')}'))`,
    );
    expect((await warehouseLeaks()).some((l) => l.startsWith('table rejected_messages'))).toBe(true);
    const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_DEV_PORT}` });
    try {
      const client = new Client({ connection });
      const h = await client.workflow.start('plantedSecretControl', {
        taskQueue: 'secrets-control-nobody-polls',
        workflowId: 'secrets-control',
        args: [{ key: planted }],
      });
      await h.terminate('negative control');
    } finally {
      await connection.close();
    }
    expect((await temporalLeaks()).found.some((l) => l.startsWith('history secrets-control'))).toBe(true);
  }, 120_000);
});
