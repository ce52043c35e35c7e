import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { log } from '../log';
import { temporalCliPath } from '../paths';
import { ALL_SEARCH_ATTRIBUTES } from './search-attributes';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/**
 * The dev server's SQLite in write-ahead-log mode, synced at checkpoints: every committed
 * transaction survives a crash or SIGKILL of the server or of linehouse (the WAL is in the OS
 * page cache), only an OS crash or power cut can lose the last ones. Twice the trivial-workflow
 * throughput of the default rollback journal with a sync per transaction (bench/refresh.ts).
 */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

/**
 * Spawns `temporal server start-dev` with its state in a SQLite file under the data dir, so
 * workflows survive a restart of linehouse. Search attributes are registered at start.
 */
export async function startDevServer(opts: {
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  headless?: boolean;
}): Promise<DevServer> {
  if (await portOpen(opts.port)) {
    throw new Error(
      `port ${opts.port} is already in use: stop the other Temporal server, or set TEMPORAL_ADDRESS to use it, or TEMPORAL_DEV_PORT to pick another port`,
    );
  }
  if (!opts.headless && (await portOpen(opts.uiPort))) {
    throw new Error(
      `port ${opts.uiPort} for the Temporal Web UI is already in use: set TEMPORAL_UI_PORT to a free port, or stop what holds it`,
    );
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const dbFile = path.join(opts.dataDir, 'temporal.db');
  const logFile = path.join(opts.dataDir, 'temporal-dev-server.log');
  const out = fs.openSync(logFile, 'a');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    ...SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]),
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--http-port',
    '0',
    '--metrics-port',
    '0',
    '--namespace',
    opts.namespace,
    '--log-level',
    'warn',
    ...(opts.headless ? ['--headless'] : ['--ui-port', String(opts.uiPort)]),
    ...ALL_SEARCH_ATTRIBUTES.flatMap((k) => [
      '--search-attribute',
      `${k.name}=${k.type === 'INT' ? 'Int' : 'Keyword'}`,
    ]),
  ];
  const child: ChildProcess = spawn(temporalCliPath(), args, { stdio: ['ignore', out, out], detached: false });
  fs.closeSync(out);
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 60_000;
  while (!(await portOpen(opts.port))) {
    if (exited)
      throw new Error(
        `temporal dev server exited during start-up (often a port taken by another process: TEMPORAL_DEV_PORT / TEMPORAL_UI_PORT): see ${logFile}`,
      );
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server did not listen on ${opts.port} within 60 s: see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const address = `127.0.0.1:${opts.port}`;
  const uiUrl = opts.headless ? '' : `http://localhost:${opts.uiPort}`;
  log.info('temporal.dev_server_started', { address, ui: uiUrl, db: dbFile });
  return {
    address,
    uiUrl,
    stop: async () => {
      if (exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}
