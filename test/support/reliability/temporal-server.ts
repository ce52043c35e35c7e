import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { temporalCliPath } from '../../../platform/paths';
import { SQLITE_PRAGMAS } from '../../../platform/temporal/dev-server';
import { ALL_SEARCH_ATTRIBUTES } from '../../../platform/temporal/search-attributes';
import { sleep } from './harness';

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

/**
 * The same `temporal server start-dev` platform/temporal/dev-server.ts runs (SQLite file under the
 * data dir in WAL mode, the same search attributes), but started here in its own process group, so a test
 * can SIGKILL just the Temporal server and start it again on the same file and port while
 * `linehouse up` (pointed at it with TEMPORAL_ADDRESS) keeps running.
 */
export class TestTemporalServer {
  private child: ChildProcess | null = null;
  constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dataDir, { recursive: true });
    const out = fs.openSync(path.join(this.dataDir, 'temporal-dev-server.log'), 'a');
    const args = [
      'server',
      'start-dev',
      '--db-filename',
      path.join(this.dataDir, 'temporal.db'),
      ...SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]),
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--http-port',
      '0',
      '--metrics-port',
      '0',
      '--namespace',
      'default',
      '--log-level',
      'warn',
      '--headless',
      ...ALL_SEARCH_ATTRIBUTES.flatMap((k) => [
        '--search-attribute',
        `${k.name}=${k.type === 'INT' ? 'Int' : 'Keyword'}`,
      ]),
    ];
    const child = spawn(temporalCliPath(), args, { stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    this.child = child;
    const deadline = Date.now() + 60_000;
    while (!(await portOpen(this.port))) {
      if (child.exitCode !== null)
        throw new Error(`temporal dev server exited during start-up: see ${this.dataDir}/temporal-dev-server.log`);
      if (Date.now() > deadline) throw new Error('temporal dev server did not listen within 60 s');
      await sleep(100);
    }
  }

  /** SIGKILL: no shutdown, like a crash of the Temporal host. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await gone;
    for (let i = 0; i < 100 && (await portOpen(this.port)); i++) await sleep(100);
  }
}
