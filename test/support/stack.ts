import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../platform/config';
import { startStack, type Stack, type StackOptions } from '../../workers/stack';
import { createWarehouse, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import { quietRuntime, workflowBundle } from './time-skipping';
import { freePort } from '../../platform/net';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `linehouse-${prefix}-`));
}

/** An embedded warehouse on a fresh data dir with every migration applied; the caller closes it. */
export async function migratedWarehouse(prefix: string): Promise<Warehouse> {
  const ch = await createWarehouse({
    dataDir: tempDir(prefix),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  await migrate(ch);
  return ch;
}

/**
 * The same stack `linehouse up --sandbox` runs — real Temporal dev server, real chDB, the
 * sandbox over loopback HTTP — on a fresh data dir and free ports.
 */
export async function startTestStack(
  env: Record<string, string> = {},
  opts: StackOptions = {},
): Promise<Stack & { dataDir: string }> {
  quietRuntime();
  const dataDir = tempDir('it');
  const config = loadConfig({
    LINEHOUSE_DATA_DIR: dataDir,
    WEBHOOK_PORT: '0',
    WEBHOOK_HOST: '127.0.0.1',
    TEMPORAL_DEV_PORT: String(await freePort()),
    LINEHOUSE_LOG_LEVEL: 'warn',
    ...env,
  });
  const stack = await startStack(config, {
    sandbox: true,
    headlessTemporal: true,
    workflowBundle: await workflowBundle(),
    ...opts,
  });
  return Object.assign(stack, { dataDir });
}

export async function count(stack: Stack, sql: string, params: Record<string, unknown> = {}): Promise<number> {
  const [row] = await queryRows<{ n: number | string }>(stack.clickhouse, sql, params);
  return Number(row?.n ?? 0);
}

export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
