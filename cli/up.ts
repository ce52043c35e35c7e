import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import { log } from '../platform/log';
import { startStack } from '../workers/stack';
import { runsEverything } from '../workers/roles';
import { readRunFile } from '../workers/run-file';
import { checkRoles } from '../workers/roles';

/** Waits for SIGINT/SIGTERM, then stops taking work, drains and exits 0. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => resolve(sig);
    process.once('SIGINT', () => on('SIGINT'));
    process.once('SIGTERM', () => on('SIGTERM'));
  });
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { sandbox: { type: 'boolean', default: false } } });
  const config = loadConfig();
  // Before anything starts: a split of the roles without both servers cannot work (exit 2, names the variable).
  checkRoles(config);
  // Only the whole stack claims the data dir; role replicas share servers, not a data dir.
  const running = runsEverything(config) ? readRunFile(config) : null;
  if (running) {
    process.stderr.write(
      `linehouse: another \`linehouse up\` (pid ${running.pid}) owns ${config.dataDir}; stop it first, or use a different LINEHOUSE_DATA_DIR\n`,
    );
    return 1;
  }
  const stack = await startStack(config, { sandbox: values.sandbox });
  const sig = await untilSignal();
  log.info('linehouse.signal', { signal: sig });
  await stack.stop();
  return 0;
}
