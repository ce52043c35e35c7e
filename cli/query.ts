import { request } from 'undici';
import { loadConfig } from '../platform/config';
import { createWarehouse, runSql } from '../platform/warehouse/client';
import { readRunFile } from '../workers/run-file';

/**
 * chDB binds one data dir per process. While `linehouse up` runs it owns the engine, so the
 * query goes to its loopback admin endpoint; otherwise this process opens the warehouse itself.
 */
export async function run(argv: string[]): Promise<number> {
  const sql = argv.join(' ').trim();
  if (!sql) {
    process.stderr.write('usage: linehouse query "<SQL>"\n');
    return 2;
  }
  const config = loadConfig();
  const up = config.clickhouse.url ? null : readRunFile(config);
  if (up) {
    const res = await request(`${up.adminUrl}/query`, {
      method: 'POST',
      body: sql,
      headers: { authorization: `Bearer ${up.token}` },
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      process.stderr.write(`linehouse query: ${text}\n`);
      return 1;
    }
    process.stdout.write(text);
    return 0;
  }
  const ch = await createWarehouse(config);
  try {
    process.stdout.write(await runSql(ch, sql));
    return 0;
  } catch (err) {
    process.stderr.write(`linehouse query: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await ch.close();
  }
}
