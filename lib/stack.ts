import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createLinehouseWorker } from '../workers/temporal-worker';
import { accountWorkflowId, refreshResponseCreated, type RefreshResponseRef } from '../workflows/messages';
import type { Config, RefreshPolicy } from './config';
import { LANDED_REF_COLUMNS, refFromLandedRow } from './landing';
import { log, registerSecret, setLogLevel } from './log';
import { createSharpSportsClient } from './sharpsports-client';
import { connectClient, connectWorker, ensureSearchAttributes } from './temporal/connect';
import { startDevServer, type DevServer } from './temporal/dev-server';
import { createWebhookServer, listen } from './webhook/receiver';
import { createWarehouse, queryRows, type Warehouse } from './warehouse/client';
import { migrate } from './warehouse/migrate';
import type { SharpSportsSandbox } from '../sandbox/sharpsports';
import { configuredFeeds } from './feeds/registry';
import { feedWorkflowId } from '../workflows/messages';
import { createAdminServer } from './admin-server';
import { startSandboxes, type FeedSandboxes, type SandboxOptions } from './sandboxes';

export type { FeedSandboxes } from './sandboxes';

/** What `linehouse up` writes to <data dir>/run/up.json so other commands can reach it. */
export interface RunFile {
  pid: number;
  adminUrl: string;
  token: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string;
  webhookUrl: string;
  policy: RefreshPolicy;
  sandbox?: { sharpsportsUrl: string };
}

export interface Stack {
  config: Config;
  clickhouse: Warehouse;
  client: Client;
  worker: Worker;
  webhookUrl: string;
  uiUrl: string;
  sandbox?: SharpSportsSandbox;
  feedSandboxes: FeedSandboxes;
  run: RunFile;
  dispatch(ref: RefreshResponseRef): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions extends SandboxOptions {
  sandbox?: boolean;
  headlessTemporal?: boolean;
  workflowBundle?: { code: string };
  writeRunFile?: boolean;
}

export const runFilePath = (config: Pick<Config, 'dataDir'>) => path.join(config.dataDir, 'run', 'up.json');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readRunFile(config: Pick<Config, 'dataDir'>): RunFile | null {
  try {
    const run = JSON.parse(fs.readFileSync(runFilePath(config), 'utf8')) as RunFile;
    return isAlive(run.pid) ? run : null;
  } catch {
    return null;
  }
}

export { freePort } from './net';

let runtimeInstalled = false;
/** Temporal's own log lines join linehouse's structured stream, warnings and up only. */
function installTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN', (entry) => log[entry.level === 'ERROR' ? 'error' : 'warn']('temporal.sdk', { message: entry.message, ...(entry.meta ?? {}) })),
    });
  } catch {
    // A runtime was installed already (tests install their own).
  }
}

/**
 * Everything `linehouse up` runs, in one process: Temporal (spawned dev server unless
 * TEMPORAL_ADDRESS is set), the warehouse with migrations applied, the worker, the webhook
 * receiver, and — with `sandbox` — the simulated providers. The integration tests start the
 * very same stack.
 */
export async function startStack(config: Config, opts: StackOptions = {}): Promise<Stack> {
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => log.warn('stack.cleanup_failed', { error: err as Error }));
  };
  setLogLevel(config.logLevel);
  installTemporalRuntime();
  try {
    fs.mkdirSync(path.join(config.dataDir, 'run'), { recursive: true });
    const { sharpsports: sandbox, feeds: feedSandboxes } = opts.sandbox ? await startSandboxes(config, opts, cleanups) : { sharpsports: undefined, feeds: {} };
    for (const f of Object.values(config.feeds)) registerSecret(f?.apiKey);
    registerSecret(config.sharpsports.apiKey);
    registerSecret(config.webhook.secret);
    if (!config.webhook.secret) log.warn('webhook.unsigned', { hint: 'set SHARPSPORTS_WEBHOOK_SECRET to the subscription hmac_secret so forged webhooks are refused' });

    let dev: DevServer | undefined;
    let temporalAddress = config.temporal.address;
    let uiUrl = '';
    if (!temporalAddress) {
      dev = await startDevServer({ dataDir: config.dataDir, port: config.temporal.devPort, uiPort: config.temporal.uiPort, namespace: config.temporal.namespace, headless: opts.headlessTemporal });
      cleanups.push(() => dev!.stop());
      temporalAddress = dev.address;
      uiUrl = dev.uiUrl;
    }
    const t = { ...config.temporal, address: temporalAddress };

    const clickhouse = await createWarehouse(config);
    cleanups.push(() => clickhouse.close());
    const migrated = await migrate(clickhouse);
    log.info('warehouse.ready', { embedded: !config.clickhouse.url, applied: migrated.applied.length, alreadyApplied: migrated.alreadyApplied });

    const client = await connectClient(t);
    cleanups.push(() => client.connection.close());
    await ensureSearchAttributes(client.connection as Connection, t.namespace);

    const dispatch = async (ref: RefreshResponseRef) => {
      await client.workflow.signalWithStart('accountRefresh', {
        workflowId: accountWorkflowId(ref.bettorAccountId),
        taskQueue: t.taskQueue,
        args: [{ accountId: ref.bettorAccountId, bettorId: ref.bettorId ?? undefined, bookAbbr: ref.bookAbbr ?? undefined, mode: 'deliveries', policy: config.sharpsports.policy }],
        signal: refreshResponseCreated,
        signalArgs: [ref],
      });
    };

    const workerConnection: NativeConnection = await connectWorker(t);
    cleanups.push(() => workerConnection.close());
    const http = createSharpSportsClient({ baseUrl: config.sharpsports.baseUrl, apiKey: config.sharpsports.apiKey, timeoutMs: config.sharpsports.timeoutMs });
    const feeds = configuredFeeds(config.feeds);
    const activities = createActivities({ clickhouse, http, config, temporal: { client, taskQueue: t.taskQueue }, feeds });
    const worker = await createLinehouseWorker({ connection: workerConnection, namespace: t.namespace, taskQueue: t.taskQueue, activities, workflowBundle: opts.workflowBundle });
    const workerRun = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
    });

    let ready = false;
    const server = createWebhookServer({ clickhouse, secret: config.webhook.secret, maxBodyBytes: config.webhook.maxBodyBytes, dispatch, isReady: () => ready });
    const webhookPort = await listen(server, config.webhook.port, config.webhook.host);
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const webhookUrl = `http://127.0.0.1:${webhookPort}/webhooks/sharpsports`;
    sandbox?.setWebhookUrl(webhookUrl);

    // Admin endpoint for `linehouse query` from other processes: chDB allows one process per data dir.
    const token = crypto.randomBytes(24).toString('hex');
    const admin = createAdminServer(clickhouse, token);
    const adminPort = await listen(admin, 0, '127.0.0.1');
    cleanups.push(() => new Promise<void>((r) => admin.close(() => r())));

    const run: RunFile = {
      pid: process.pid,
      adminUrl: `http://127.0.0.1:${adminPort}`,
      token,
      temporalAddress,
      namespace: t.namespace,
      taskQueue: t.taskQueue,
      uiUrl,
      webhookUrl,
      policy: config.sharpsports.policy,
      sandbox: sandbox ? { sharpsportsUrl: sandbox.url } : undefined,
    };
    if (opts.writeRunFile !== false) {
      fs.writeFileSync(runFilePath(config), JSON.stringify(run, null, 2), { mode: 0o600 });
      cleanups.push(async () => fs.rmSync(runFilePath(config), { force: true }));
    }

    await redispatchUnloaded(clickhouse, dispatch);
    // One consumer per feed across every process: attach to the feed's workflow if it runs.
    for (const feed of Object.keys(feeds)) {
      await client.workflow.start('feed', { workflowId: feedWorkflowId(feed), taskQueue: t.taskQueue, args: [{ feed }], workflowIdConflictPolicy: 'USE_EXISTING' });
    }
    ready = true;
    log.info('linehouse.ready', { webhook: webhookUrl, health: `http://127.0.0.1:${webhookPort}/healthz`, temporal: temporalAddress, ui: uiUrl || undefined, sandbox: sandbox?.url, feeds: Object.keys(feeds) });

    let stopped = false;
    return {
      config,
      clickhouse,
      client,
      worker,
      webhookUrl,
      uiUrl,
      sandbox,
      feedSandboxes,
      run,
      dispatch,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        ready = false;
        log.info('linehouse.stopping', {});
        await cleanup();
        log.info('linehouse.stopped', {});
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Deliveries landed but never loaded (the process died between landing and loading): hand them over again. */
async function redispatchUnloaded(ch: Warehouse, dispatch: (ref: RefreshResponseRef) => Promise<void>) {
  const rows = await queryRows<any>(
    ch,
    `SELECT ${LANDED_REF_COLUMNS} FROM webhook_deliveries
     WHERE event = 'refreshresponse.created' AND status IN (200, 202)
       AND refresh_response_id NOT IN (SELECT key FROM load_markers WHERE kind = 'refresh_response')
     ORDER BY received_at LIMIT 10000`,
  );
  for (const row of rows) await dispatch(refFromLandedRow(row));
  if (rows.length) log.info('reconcile.redispatched', { deliveries: rows.length });
}
