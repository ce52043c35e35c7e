import { ConfigError, loadConfig } from '../platform/config';
import { createWarehouse } from '../platform/warehouse/client';
import {
  bootstrapStatements,
  loadMigrations,
  loadRepeatables,
  migrate,
  migrationStatements,
  repeatableStatements,
  type MigrateOptions,
} from '../platform/warehouse/migrate';
import { readRunFile } from '../workers/run-file';

/** Every statement migrate would run for the mode, as one script (migrate skips versions already applied). */
export function printDdl(opts: MigrateOptions): string {
  const mode = opts.cluster ? `cluster ${opts.cluster}, database ${opts.database}` : 'single server / chDB';
  const parts = [
    `-- linehouse migrate --print-ddl (${mode}); versions in schema_migrations are skipped when migrate runs\n`,
  ];
  parts.push(
    '-- bootstrap\n' +
      bootstrapStatements(opts)
        .map((s) => `${s};\n`)
        .join('\n'),
  );
  for (const m of loadMigrations())
    parts.push(
      `-- ${m.file}\n` +
        migrationStatements(m, opts)
          .map((s) => `${s};\n`)
          .join('\n'),
    );
  // Views and functions after the migrations, in dependency order, as migrate applies them.
  for (const r of loadRepeatables())
    parts.push(
      `-- ${r.file}${r.generatedFrom ? ` (generates ${r.name})` : ''}\n` +
        repeatableStatements(r, opts)
          .map((s) => `${s};\n`)
          .join('\n'),
    );
  return parts.join('\n');
}

export async function run(argv: string[] = []): Promise<number> {
  const unknown = argv.filter((a) => a !== '--print-ddl');
  if (unknown.length > 0) {
    process.stderr.write(
      `linehouse migrate: unknown argument ${unknown[0]} (usage: linehouse migrate [--print-ddl])\n`,
    );
    return 2;
  }
  const config = loadConfig();
  const opts: MigrateOptions = { cluster: config.clickhouse.cluster, database: config.clickhouse.database };
  // Printing needs no warehouse, so operators can review cluster DDL from anywhere.
  if (argv.includes('--print-ddl')) {
    process.stdout.write(printDdl(opts));
    return 0;
  }
  if (opts.cluster && !config.clickhouse.url)
    throw new ConfigError(
      'CLICKHOUSE_CLUSTER',
      'a cluster needs CLICKHOUSE_URL (chDB is one embedded server); use --print-ddl to only see the DDL',
    );
  if (!config.clickhouse.url && readRunFile(config)) {
    process.stdout.write('linehouse up is running and applied migrations at start; nothing to do\n');
    return 0;
  }
  const ch = await createWarehouse(config);
  try {
    const r = await migrate(ch, undefined, opts);
    process.stdout.write(`${JSON.stringify({ applied: r.applied, alreadyApplied: r.alreadyApplied })}\n`);
    return 0;
  } finally {
    await ch.close();
  }
}
