import type { CanonicalRows } from '../schemas/odds';
import { insertRows, type Warehouse } from '../platform/warehouse/client';

/**
 * Writes canonical rows outside a feed run (no checkpoint): a replay of refused records. Each
 * table's insert carries `${token}:<table>`, so a retried call writes its rows once. Returns the
 * number of rows written.
 */
export async function writeCanonicalRows(ch: Warehouse, rows: Partial<CanonicalRows>, token: string): Promise<number> {
  const ticks = rows.ticks ?? [];
  const settlements = rows.settlements ?? [];
  const fixtures = rows.fixtures ?? [];
  await insertRows(ch, 'odds_ticks', ticks, `${token}:ticks`);
  await insertRows(ch, 'settlements', settlements, `${token}:settlements`);
  await insertRows(ch, 'fixtures', fixtures, `${token}:fixtures`);
  return ticks.length + settlements.length + fixtures.length;
}
