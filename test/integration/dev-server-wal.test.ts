import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../platform/net';
import { startDevServer, type DevServer } from '../../platform/temporal/dev-server';
import { tempDir } from '../support/stack';

/**
 * The embedded dev server keeps its SQLite file in write-ahead-log mode (platform/temporal/dev-server.ts
 * SQLITE_PRAGMAS), and what it committed is there after a restart on the same file.
 */
describe('embedded Temporal dev server: SQLite in WAL mode', () => {
  let dir: string;
  let port: number;
  let dev: DevServer | undefined;

  beforeAll(async () => {
    dir = tempDir('dev-wal');
    port = await freePort();
  });

  afterAll(async () => {
    await dev?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a -wal file next to temporal.db and keeps a started workflow across a restart', async () => {
    dev = await startDevServer({ dataDir: dir, port, uiPort: 0, namespace: 'default', headless: true });
    expect(fs.existsSync(path.join(dir, 'temporal.db-wal'))).toBe(true);
    let connection = await Connection.connect({ address: dev.address });
    await new Client({ connection }).workflow.start('nobodyRunsThis', {
      workflowId: 'wal-check',
      taskQueue: 'wal-check-queue',
    });
    await connection.close();
    await dev.stop();

    dev = await startDevServer({ dataDir: dir, port, uiPort: 0, namespace: 'default', headless: true });
    connection = await Connection.connect({ address: dev.address });
    const described = await new Client({ connection }).workflow.getHandle('wal-check').describe();
    expect(described.status.name).toBe('RUNNING');
    await connection.close();
  }, 120_000);
});
