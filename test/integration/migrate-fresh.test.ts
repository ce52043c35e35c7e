import { afterAll, describe, expect, it } from 'vitest';
import { createWarehouse, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { loadMigrations, loadRepeatables, migrate } from '../../platform/warehouse/migrate';
import { tempDir } from '../support/stack';

/**
 * A fresh warehouse runs every migration of sql/migrations, then every repeatable of sql/functions
 * and sql/views in dependency order (platform/warehouse/migrate.ts): what it ends with must be
 * exactly what running those statements by hand in that order gives.
 */
// chDB holds one data directory per process: one warehouse open at a time.
let open: Warehouse | null = null;
afterAll(async () => {
  await open?.close();
});

async function fresh(name: string): Promise<Warehouse> {
  await open?.close();
  open = await createWarehouse({
    dataDir: tempDir(name),
    clickhouse: { user: 'default', password: '', database: 'linehouse' },
  });
  return open;
}

const schema = (ch: Warehouse) =>
  queryRows<{ name: string; engine: string; create_table_query: string }>(
    ch,
    "SELECT name, engine, create_table_query FROM system.tables WHERE database = currentDatabase() AND name NOT IN ('schema_migrations', 'schema_repeatables') ORDER BY name",
  );

describe('migrate on a fresh warehouse', () => {
  it('ends with the same tables and views as every statement run in order, and a second run applies nothing', async () => {
    const repeatables = loadRepeatables();
    const statements = [...loadMigrations().flatMap((m) => m.statements), ...repeatables.flatMap((r) => r.statements)];

    const everything = await fresh('migrate-all');
    for (const statement of statements) await everything.command({ query: statement });
    const want = await schema(everything);
    expect(want.filter((t) => t.engine === 'View').map((t) => t.name)).toEqual(
      repeatables
        .filter((r) => r.kind === 'view')
        .map((r) => r.name)
        .sort(),
    );

    const migrated = await fresh('migrate-new');
    const result = await migrate(migrated);
    expect(result.applied).toEqual(loadMigrations().map((m) => m.file));
    expect(result.repeatables).toEqual(repeatables.map((r) => r.name));
    expect(result.rechecksummed).toEqual([]);
    expect(await schema(migrated)).toEqual(want);
    const recorded = await queryRows<{ name: string; checksum: string }>(
      migrated,
      'SELECT name, checksum FROM schema_repeatables FINAL ORDER BY name',
    );
    expect(recorded).toEqual(
      repeatables.map((r) => ({ name: r.name, checksum: r.checksum })).sort((a, b) => a.name.localeCompare(b.name)),
    );
    // A second run applies nothing.
    expect(await migrate(migrated)).toMatchObject({ applied: [], rechecksummed: [], repeatables: [] });
  });
});
