import { ConfigError, loadConfig } from '../platform/config';
import { log, setLogLevel } from '../platform/log';
import { explainMissingSimulators } from '../workers/simulators';

const USAGE = `linehouse — SharpSports bets and live odds into ClickHouse, orchestrated by Temporal

Usage:
  linehouse up [--sandbox]                 run Temporal worker + webhook receiver (+ simulated providers)
  linehouse demo [--keep]                  up --sandbox, refresh every sandbox bettor, report what landed
  linehouse refresh --account <BACT_…> [--wait]
  linehouse refresh --bettor <BTTR_…|internalId> [--wait]
  linehouse otp --account <BACT_…> --code <one-time password>
  linehouse query "<SQL>"                  run SQL against the warehouse, print JSONEachRow
  linehouse migrate [--print-ddl]          apply numbered migrations in sql/ (--print-ddl: show the DDL for this mode)
  linehouse status [--format json]         running workflows, schedules, last refresh per account, feed lag and gaps
  linehouse schedule create cadence [--every <s>] [--catchup <s>] [--overlap skip|buffer-one] [--fan-out N] [--replace]
  linehouse schedule list | pause|unpause|trigger|delete cadence
  linehouse backfill bets --from <date> --to <date> [--bettor <id> | --account <BACT_…>] [--window-hours N] [--detach]
  linehouse rejected list [--source S] [--reason R] [--since 24h|<ISO>] [--id ID]   refused messages and records
  linehouse rejected replay [--source S] [--reason R] [--since …] [--id ID]   load them through today's code, once
  linehouse clv [--by bettor|book|league|market|month] [--sharp-book pinnacle]
                [--devig multiplicative|additive|power|shin] [--rows legs|wagers|all]
                [--format table|json|html] [--out clv-report.html]

Environment: see README.md (Configuration). Unset variables select the embedded default.`;

const commands: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  up: () => import('./up'),
  demo: () => import('./demo'),
  refresh: () => import('./refresh'),
  otp: () => import('./otp'),
  query: () => import('./query'),
  clv: () => import('./clv'),
  migrate: () => import('./migrate'),
  status: () => import('./status'),
  schedule: () => import('./schedule'),
  backfill: () => import('./backfill'),
  rejected: () => import('./rejected'),
};

async function main(): Promise<number> {
  const [name, ...argv] = process.argv.slice(2);
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`linehouse: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  // Validate the environment before anything starts, so a bad value fails fast and alone.
  setLogLevel(loadConfig().logLevel);
  return (await load().catch((err) => Promise.reject(explainMissingSimulators(err)))).run(argv);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`linehouse: invalid configuration: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    log.error('linehouse.failed', { error: err as Error });
    process.stderr.write(`linehouse: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
