import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createLinehouseWorker } from './temporal-worker';
import { dispatchRefreshResponse } from '../refresh/dispatch';
import type { Config } from '../platform/config';
import { unloadedDeliveries } from '../refresh/landing/landing';
import { RecentLandings } from '../refresh/landing/landed-responses';
import { log, registerSecret, setLogLevel } from '../platform/log';
import { createSharpSportsClient } from '../refresh/sharpsports-client';
import { connectClient, connectWorker, ensureSearchAttributes } from '../platform/temporal/connect';
import { startDevServer, type DevServer } from '../platform/temporal/dev-server';
import { forEachLimit } from '../refresh/webhook/dispatcher';
import { openLandingStore } from '../refresh/webhook/landing-store';
import { createWebhookServer } from '../refresh/webhook/receiver';
import { listen } from '../platform/net';
import { createWarehouse, type Warehouse } from '../platform/warehouse/client';
import { migrate } from '../platform/warehouse/migrate';
import { checkRoles, createHealthServer, runsEverything, shardFeeds, startFeedsRole, type StartedFeed } from './roles';
import { createAdminServer } from './admin-server';
import type { FeedSandboxes, SandboxOptions, SharpSportsSandbox } from './sandboxes';
import { runFilePath, type RunFile } from './run-file';
import { explainMissingSimulators } from './simulators';
import type { RefreshResponseRef } from '../refresh/contracts';
import { feedsTaskQueue } from '../feeds/identity';

export interface Stack {
  config: Config;
  clickhouse: Warehouse;
  client: Client;
  /** The main Temporal worker; throws when this process has no worker role. */
  readonly worker: Worker;
  webhookUrl: string;
  uiUrl: string;
  sandbox?: SharpSportsSandbox;
  feedSandboxes: FeedSandboxes;
  run: RunFile;
  /** The feed workflows this process started or attached to (feeds role). */
  feeds: StartedFeed[];
  dispatch(ref: RefreshResponseRef): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions extends SandboxOptions {
  sandbox?: boolean;
  headlessTemporal?: boolean;
  workflowBundle?: { code: string };
  writeRunFile?: boolean;
}

let runtimeInstalled = false;
/** Temporal's own log lines join linehouse's structured stream, warnings and up only. */
function installTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN', (entry) =>
        log[entry.level === 'ERROR' ? 'error' : 'warn']('temporal.sdk', {
          message: entry.message,
          ...(entry.meta ?? {}),
        }),
      ),
    });
  } catch {
    // A runtime was installed already (tests install their own).
  }
}

/**
 * Everything `linehouse up` runs for the roles in LINEHOUSE_ROLES (all three in one process by
 * default): Temporal (spawned dev server unless TEMPORAL_ADDRESS is set), the warehouse with
 * migrations applied, the worker, the webhook receiver, the feed consumers, and — with
 * `sandbox` — the simulated providers. The integration tests start the very same stack.
 */
export async function startStack(config: Config, opts: StackOptions = {}): Promise<Stack> {
  checkRoles(config);
  const has = (role: Config['roles'][number]) => config.roles.includes(role);
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse())
      await fn().catch((err) => log.warn('stack.cleanup_failed', { error: err as Error }));
  };
  setLogLevel(config.logLevel);
  installTemporalRuntime();
  try {
    fs.mkdirSync(path.join(config.dataDir, 'run'), { recursive: true });
    const { sharpsports: sandbox, feeds: feedSandboxes } = opts.sandbox
      ? await (
          await import('./sandboxes').catch((err) => Promise.reject(explainMissingSimulators(err)))
        ).startSandboxes(config, opts, cleanups)
      : { sharpsports: undefined, feeds: {} };
    for (const f of Object.values(config.feeds)) if (typeof f === 'object') registerSecret(f?.apiKey);
    registerSecret(config.sharpsports.apiKey);
    registerSecret(config.webhook.secret);
    if (has('webhook') && !config.webhook.secret)
      log.warn('webhook.unsigned', {
        hint: 'set SHARPSPORTS_WEBHOOK_SECRET to the subscription hmac_secret so forged webhooks are refused',
      });

    let dev: DevServer | undefined;
    let temporalAddress = config.temporal.address;
    let uiUrl = '';
    if (!temporalAddress) {
      dev = await startDevServer({
        dataDir: config.dataDir,
        port: config.temporal.devPort,
        uiPort: config.temporal.uiPort,
        namespace: config.temporal.namespace,
        headless: opts.headlessTemporal,
      });
      cleanups.push(() => dev!.stop());
      temporalAddress = dev.address;
      uiUrl = dev.uiUrl;
    }
    const t = { ...config.temporal, address: temporalAddress };

    const clickhouse = await createWarehouse(config);
    const recentLandings = new RecentLandings();
    cleanups.push(() => clickhouse.close());
    // Every role migrates: applied migrations are skipped, so replicas starting together are harmless
    // (compose still runs `linehouse migrate` once before them).
    const migrated = await migrate(clickhouse);
    log.info('warehouse.ready', {
      embedded: !config.clickhouse.url,
      applied: migrated.applied.length,
      alreadyApplied: migrated.alreadyApplied,
      roles: config.roles,
    });

    const client = await connectClient(t);
    cleanups.push(() => client.connection.close());
    await ensureSearchAttributes(client.connection as Connection, t.namespace);

    const dispatch = (ref: RefreshResponseRef) =>
      dispatchRefreshResponse({ client, taskQueue: t.taskQueue }, config.sharpsports.policy, ref);

    const workers: Worker[] = [];
    let worker: Worker | undefined;
    let workerConnection: NativeConnection | undefined;
    if (has('worker') || has('feeds')) {
      const conn = (workerConnection = await connectWorker(t));
      cleanups.push(() => conn.close());
    }
    const ownQueue = has('feeds') ? feedsTaskQueue(config) : undefined;
    if (has('worker')) {
      const http = createSharpSportsClient({
        baseUrl: config.sharpsports.baseUrl,
        apiKey: config.sharpsports.apiKey,
        timeoutMs: config.sharpsports.timeoutMs,
      });
      // Unsharded all-in-one: the consumers run on the main queue, so this worker carries them.
      const feeds = has('feeds') && !ownQueue ? shardFeeds(config) : {};
      const activities = createActivities({
        clickhouse,
        http,
        config,
        temporal: { client, taskQueue: t.taskQueue },
        feeds,
        recentLandings,
      });
      const w = (worker = await createLinehouseWorker({
        connection: workerConnection!,
        namespace: t.namespace,
        taskQueue: t.taskQueue,
        activities,
        workflowBundle: opts.workflowBundle,
      }));
      workers.push(w);
      const workerRun = w.run();
      cleanups.push(async () => {
        if (w.getState() === 'RUNNING') w.shutdown();
        await workerRun;
      });
    }

    let ready = false;
    const isReady = () => ready && workers.every((w) => w.getState() === 'RUNNING');
    // Every role answers /healthz on WEBHOOK_PORT (compose health checks); only the webhook role takes webhooks.
    const server = has('webhook')
      ? createWebhookServer({
          clickhouse,
          recentLandings,
          landing: await openLandingStore(config, clickhouse),
          secret: config.webhook.secret,
          maxBodyBytes: config.webhook.maxBodyBytes,
          dispatch,
          isReady,
        })
      : createHealthServer(isReady);
    const webhookPort = await listen(server, config.webhook.port, config.webhook.host);
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const webhookUrl = has('webhook') ? `http://127.0.0.1:${webhookPort}/webhooks/sharpsports` : '';
    if (webhookUrl) sandbox?.setWebhookUrl(webhookUrl);

    // A process running a subset of the roles uses a ClickHouse server (checkRoles): no admin
    // endpoint needed, and no run file, so replicas on one host do not claim the data dir.
    const writeRunFile = opts.writeRunFile !== false && runsEverything(config);
    const token = crypto.randomBytes(24).toString('hex');
    let adminUrl = '';
    if (writeRunFile) {
      // Admin endpoint for `linehouse query` from other processes: chDB allows one process per data dir.
      const admin = createAdminServer(clickhouse, token);
      const adminPort = await listen(admin, 0, '127.0.0.1');
      cleanups.push(() => new Promise<void>((r) => admin.close(() => r())));
      adminUrl = `http://127.0.0.1:${adminPort}`;
    }
    const run: RunFile = {
      pid: process.pid,
      adminUrl,
      token,
      temporalAddress,
      namespace: t.namespace,
      taskQueue: t.taskQueue,
      uiUrl,
      webhookUrl,
      policy: config.sharpsports.policy,
      sandbox: sandbox ? { sharpsportsUrl: sandbox.url } : undefined,
    };
    if (writeRunFile) {
      fs.writeFileSync(runFilePath(config), JSON.stringify(run, null, 2), { mode: 0o600 });
      cleanups.push(async () => fs.rmSync(runFilePath(config), { force: true }));
    }

    if (has('webhook')) await redispatchUnloaded(clickhouse, dispatch);
    let feeds: StartedFeed[] = [];
    if (has('feeds')) {
      const role = await startFeedsRole({ config, client, clickhouse, connection: workerConnection! });
      if (role.worker) workers.push(role.worker);
      cleanups.push(role.stop);
      feeds = role.started;
    }
    ready = true;
    log.info('linehouse.ready', {
      roles: config.roles,
      webhook: webhookUrl || undefined,
      health: `http://127.0.0.1:${webhookPort}/healthz`,
      temporal: temporalAddress,
      ui: uiUrl || undefined,
      sandbox: sandbox?.url,
      feeds: feeds.map((f) => f.workflowId),
    });

    let stopped = false;
    return {
      config,
      clickhouse,
      client,
      get worker(): Worker {
        if (!worker) throw new Error(`this process has no worker role (LINEHOUSE_ROLES=${config.roles.join(',')})`);
        return worker;
      },
      webhookUrl,
      uiUrl,
      sandbox,
      feedSandboxes,
      run,
      feeds,
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
  const refs = await unloadedDeliveries(ch, { minAgeSeconds: 0, limit: 10_000 });
  // A few at a time: thousands left by a crash under load took minutes one by one.
  await forEachLimit(refs, 8, dispatch);
  if (refs.length) log.info('reconcile.redispatched', { deliveries: refs.length });
}
