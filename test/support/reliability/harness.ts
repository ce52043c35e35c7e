import type { ChildProcess } from 'node:child_process';
import { Connection, Client } from '@temporalio/client';
import { startBoltOddsSandbox, type BoltOddsSandbox } from '../../../sandbox/boltodds';
import { startOpticOddsSandbox, type OpticOddsSandbox } from '../../../sandbox/opticodds';
import { startSharpApiSandbox, type SharpApiSandbox } from '../../../sandbox/sharpapi';
import { startSharpSportsSandbox, type SharpSportsSandbox } from '../../../sandbox/sharpsports';
import { exited, freshPorts, linehouse, startUp, waitHealthy } from '../cli';
import { tempDir } from '../stack';
import type { Query } from './compare';
import { opticRowIds } from './truth-ids';

export type Up = ChildProcess & { output: () => string };

export interface Sources {
  sharpsports: SharpSportsSandbox;
  optic: OpticOddsSandbox;
  bolt: BoltOddsSandbox;
  sharp: SharpApiSandbox;
}

export interface SourceSizes {
  opticEntries: number;
  opticRate: number;
  boltUpdates: number;
  boltRate: number;
  sharpChanges: number;
  sharpRate: number;
  bigSlips: number;
}

export const RATE_LIMIT_SECONDS = 2;
export const PAGE_SIZE = 20;

/**
 * The providers run in the test process, outside the process group the tests kill, so they
 * outlive every crash like the real ones; their accessors are the ground truth.
 */
export async function startSources(s: SourceSizes): Promise<Sources> {
  const [sharpsports, optic, bolt, sharp] = await Promise.all([
    startSharpSportsSandbox({
      port: 0,
      apiKey: 'rel-ss-key',
      webhookSecret: 'rel-ss-secret',
      rateLimitSeconds: RATE_LIMIT_SECONDS,
      refreshLatencyMs: 100,
      bigAccountSlips: s.bigSlips,
    }),
    startOpticOddsSandbox({
      apiKey: 'rel-optic-key',
      entries: s.opticEntries,
      ratePerSecond: s.opticRate,
      pingIntervalMs: 500,
      startAfterConnections: 4,
    }),
    startBoltOddsSandbox({
      apiKey: 'rel-bolt-key',
      updates: s.boltUpdates,
      ratePerSecond: s.boltRate,
      pingIntervalMs: 500,
    }),
    startSharpApiSandbox({ apiKey: 'rel-sharp-key', totalChanges: s.sharpChanges, changesPerSecond: s.sharpRate }),
  ]);
  return { sharpsports, optic, bolt, sharp };
}

export function baseEnv(src: Sources, prefix: string, feeds = true): Record<string, string> {
  return {
    LINEHOUSE_DATA_DIR: tempDir(prefix),
    LINEHOUSE_LOG_LEVEL: 'info',
    SHARPSPORTS_BASE_URL: src.sharpsports.url,
    SHARPSPORTS_API_KEY: 'rel-ss-key',
    SHARPSPORTS_WEBHOOK_SECRET: 'rel-ss-secret',
    SHARPSPORTS_RATE_LIMIT_SECONDS: String(RATE_LIMIT_SECONDS),
    SHARPSPORTS_WEBHOOK_WAIT_SECONDS: '8',
    SHARPSPORTS_PAGE_SIZE: String(PAGE_SIZE),
    ...(feeds
      ? {
          OPTICODDS_BASE_URL: src.optic.url,
          OPTICODDS_API_KEY: 'rel-optic-key',
          BOLTODDS_WS_URL: src.bolt.url,
          BOLTODDS_API_KEY: 'rel-bolt-key',
          SHARPAPI_BASE_URL: src.sharp.url,
          SHARPAPI_API_KEY: 'rel-sharp-key',
          SHARPAPI_POLL_SECONDS: '0.5',
        }
      : {}),
  };
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** `linehouse` CLI bound to one environment; tracks every `up` it started so afterAll can kill leftovers. */
export class Linehouse {
  readonly started: Up[] = [];
  constructor(
    readonly env: Record<string, string>,
    readonly src: Sources,
  ) {}

  /**
   * Starts `linehouse up` (own process group) on fresh ports; `extra` env for this run only (e.g.
   * LINEHOUSE_FAILPOINTS). With `mayDie`, an armed failpoint may kill it before it answers
   * /healthz (recovery work at start-up reaches it): that child is returned dead, not an error.
   */
  async up(extra: Record<string, string> = {}, opts: { keepTemporal?: boolean; mayDie?: boolean } = {}): Promise<Up> {
    const keepTemporal = opts.keepTemporal ?? false;
    const ports = await freshPorts();
    if (keepTemporal) delete (ports as Partial<typeof ports>).TEMPORAL_DEV_PORT;
    Object.assign(this.env, ports);
    this.src.sharpsports.setWebhookUrl(`http://127.0.0.1:${this.env.WEBHOOK_PORT}/webhooks/sharpsports`);
    const child = startUp([], { ...this.env, ...extra });
    this.started.push(child);
    await healthyOrDead(Number(this.env.WEBHOOK_PORT), child, opts.mayDie ?? false);
    return child;
  }

  /** SIGKILL the whole process group (linehouse and, in embedded mode, its dev server). */
  async kill(child: Up): Promise<void> {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited(child);
    // A failpoint that killed only the leader would leave the group's dev server: take it too.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }

  killAll(): void {
    for (const c of this.started)
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // gone
      }
  }

  async cli(args: string[], timeoutMs = 120_000) {
    const r = await linehouse(args, this.env, timeoutMs);
    return { ...r, lines: r.code === 0 ? jsonLines(r.stdout) : [] };
  }

  query: Query = async (sql) => {
    for (let attempt = 0; ; attempt++) {
      const r = await linehouse(['query', sql], this.env);
      if (r.code === 0) return jsonLines(r.stdout);
      // `up` may be mid-start (the run file names an admin port not listening yet): retry briefly.
      if (attempt >= 5) throw new Error(`query failed (${r.code}): ${r.stderr.slice(-1500)}`);
      await sleep(500);
    }
  };

  scalar = async (sql: string) => Number(Object.values((await this.query(sql))[0])[0]);

  temporalAddress(): string {
    return this.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${this.env.TEMPORAL_DEV_PORT}`;
  }

  /** Workflows still running, by kind (feed consumers excluded: they never finish). */
  async running(): Promise<string[]> {
    const connection = await Connection.connect({ address: this.temporalAddress() });
    try {
      const client = new Client({ connection });
      const ids: string[] = [];
      for await (const w of client.workflow.list({ query: 'ExecutionStatus = "Running"' }))
        if (!w.workflowId.startsWith('feed-')) ids.push(`${w.type}:${w.workflowId}`);
      return ids;
    } finally {
      await connection.close();
    }
  }

  /** Closed workflows that did not complete (failed, terminated, timed out), feeds excluded. */
  async notCompleted(): Promise<string[]> {
    const connection = await Connection.connect({ address: this.temporalAddress() });
    try {
      const client = new Client({ connection });
      const out: string[] = [];
      for await (const w of client.workflow.list({
        query:
          'ExecutionStatus != "Running" AND ExecutionStatus != "Completed" AND ExecutionStatus != "ContinuedAsNew"',
      }))
        if (!w.workflowId.startsWith('feed-')) out.push(`${w.type}:${w.workflowId}:${w.status.name}`);
      return out;
    } finally {
      await connection.close();
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until the three feeds have finished their scripts and everything OpticOdds sent has landed. */
export async function waitFeedsDrained(lh: Linehouse, sizes: SourceSizes, timeoutMs: number): Promise<void> {
  const { optic, bolt, sharp } = lh.src;
  const deadline = Date.now() + timeoutMs;
  const opticTruth = () => {
    const e = opticRowIds(optic.emitted());
    return new Set([...e.tickIds, ...e.lockedTickIds]).size;
  };
  while (Date.now() < deadline) {
    const done =
      optic.producedEntries() >= sizes.opticEntries &&
      optic.pending() === 0 &&
      bolt.scriptDone() &&
      sharp.changesApplied() >= sizes.sharpChanges;
    if (done && (await lh.scalar("SELECT count() FROM odds_ticks FINAL WHERE source = 'opticodds'")) >= opticTruth())
      break;
    await sleep(1_000);
  }
  // One more SharpAPI poll window and BoltOdds message after the streams finished.
  await sleep(3_000);
}

/** Waits until no refresh, bettor-refresh or backfill workflow is running. */
export async function waitWorkflowsDone(lh: Linehouse, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let running: string[] = [];
  while (Date.now() < deadline) {
    running = await lh.running();
    if (running.length === 0) return [];
    await sleep(1_000);
  }
  return running;
}

function healthyOrDead(port: number, child: Up, mayDie: boolean, timeoutMs = 90_000): Promise<void> {
  return waitHealthy(port, child, timeoutMs, { mayDie });
}
