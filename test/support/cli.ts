import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { REPO_ROOT } from '../../platform/paths';
import { freePort } from '../../platform/net';

const BIN = path.join(REPO_ROOT, 'bin', 'linehouse.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `linehouse …` as a user would, in its own process (`bin`: another install's bin/linehouse.mjs). `stdin`: bytes waiting on its standard
 * input (a file, so they are all there before it starts), as a harness or a pipe leaves them.
 */
export function linehouse(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
  opts: { stdin?: string; bin?: string } = {},
): Promise<CliResult> {
  let input: number | 'ignore' = 'ignore';
  if (opts.stdin !== undefined) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'linehouse-stdin-')), 'stdin');
    fs.writeFileSync(file, opts.stdin);
    input = fs.openSync(file, 'r');
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.bin ?? BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: [input, 'pipe', 'pipe'],
    });
    if (typeof input === 'number') fs.closeSync(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`linehouse ${args.join(' ')} timed out; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `linehouse up` in its own process group, so a SIGKILL takes its Temporal dev server down too, like a crash of the machine. */
export function startUp(
  args: string[],
  env: Record<string, string>,
  opts: { bin?: string } = {},
): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [opts.bin ?? BIN, 'up', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

/** Until `up` answers /healthz 200. `mayDie`: a child killed meanwhile (an armed failpoint) just returns. */
export async function waitHealthy(
  port: number,
  child: ChildProcess & { output: () => string },
  timeoutMs = 90_000,
  opts: { mayDie?: boolean } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (opts.mayDie) return;
      throw new Error(`linehouse up exited with ${child.exitCode ?? child.signalCode}: ${child.output().slice(-3000)}`);
    }
    try {
      const res = await request(`http://127.0.0.1:${port}/healthz`);
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`linehouse up not healthy after ${timeoutMs} ms: ${child.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Fresh ports for the next `linehouse up`. Taken right before each start: a port picked earlier
 * and released can be grabbed by another process in between (the dev server then fails to bind).
 */
export async function freshPorts(): Promise<{
  WEBHOOK_PORT: string;
  TEMPORAL_DEV_PORT: string;
  TEMPORAL_UI_PORT: string;
}> {
  return {
    WEBHOOK_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
  };
}

/** `linehouse query` against the `up` that `env` points at: rows as objects, or one number. */
export function cliQuery(env: Record<string, string>) {
  const query = async (sql: string): Promise<Record<string, any>[]> => {
    const r = await linehouse(['query', sql], env);
    if (r.code !== 0) throw new Error(`query failed: ${r.stderr.slice(-1000)}`);
    return r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  };
  const scalar = async (sql: string) => Number(Object.values((await query(sql))[0])[0]);
  return { query, scalar };
}
