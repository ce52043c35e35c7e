import { afterAll, describe, expect, it } from 'vitest';
import { createWarehouse, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { loadMigrations, migrate, supersededViewDefinitions } from '../../platform/warehouse/migrate';
import { tempDir } from '../support/stack';

/**
 * A fresh warehouse skips view definitions a later migration replaces (platform/warehouse/migrate.ts):
 * what it ends with must be exactly what running every statement gives.
 */
// chDB holds one data directory per process: one warehouse open at a time.
let open: Warehouse | null = null;
afterAll(async () => {
  await open?.close();
});

async function fresh(name: string): Promise<Warehouse> {
  await open?.close();
  open = await createWarehouse({ dataDir: tempDir(name), clickhouse: { user: 'default', password: '', database: 'linehouse' } });
  return open;
}

const schema = (ch: Warehouse) =>
  queryRows<{ name: string; engine: string; create_table_query: string }>(
    ch,
    "SELECT name, engine, create_table_query FROM system.tables WHERE database = currentDatabase() AND name != 'schema_migrations' ORDER BY name",
  );

describe('migrate on a fresh warehouse', () => {
  it('ends with the same tables and views as every statement run in order, and skips some', async () => {
    const statements = loadMigrations().flatMap((m) => m.statements);
    const skippable = supersededViewDefinitions(statements);
    expect(skippable.size).toBeGreaterThan(0);

    const everything = await fresh('migrate-all');
    for (const statement of statements) await everything.command({ query: statement });
    const want = await schema(everything);
    expect(want.filter((t) => t.engine === 'View').length).toBeGreaterThan(5);

    const migrated = await fresh('migrate-skip');
    const result = await migrate(migrated);
    expect(result.supersededViews).toBe(skippable.size);
    expect(result.applied).toEqual(loadMigrations().map((m) => m.file));
    expect(await schema(migrated)).toEqual(want);
    // A second run applies nothing.
    expect(await migrate(migrated)).toMatchObject({ applied: [], supersededViews: 0 });
  });
});
