import { loadConfig } from '../lib/config';
import { readRunFile } from '../lib/stack';
import { createWarehouse } from '../lib/warehouse/client';
import { migrate } from '../lib/warehouse/migrate';

export async function run(): Promise<number> {
  const config = loadConfig();
  if (!config.clickhouse.url && readRunFile(config)) {
    process.stdout.write('linehouse up is running and applied migrations at start; nothing to do\n');
    return 0;
  }
  const ch = await createWarehouse(config);
  try {
    const r = await migrate(ch);
    process.stdout.write(`${JSON.stringify({ applied: r.applied, alreadyApplied: r.alreadyApplied })}\n`);
    return 0;
  } finally {
    await ch.close();
  }
}
