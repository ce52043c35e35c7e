import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { Config } from '../config';
import { failpoint, failpointArmed } from '../failpoints';
import { chdbPath, insertRows, type Warehouse } from '../warehouse/client';

/** Where the receiver's group commit checks and lands deliveries. */
export interface LandingStore {
  ch: Warehouse;
  insert(table: string, rows: readonly object[], dedupToken: string): Promise<void>;
  close(): Promise<void>;
}

/** The settings of lib/warehouse/client.ts that a landing row needs (ISO timestamps, extra keys). */
const INSERT_SETTINGS = { date_time_input_format: 'best_effort', input_format_skip_unknown_fields: 1 } as const;

/** The warehouse the rest of the process uses (a ClickHouse server runs requests in parallel anyway). */
export function sharedLandingStore(ch: Warehouse): LandingStore {
  return { ch, insert: (table, rows, token) => insertRows(ch, table, rows, token), close: async () => undefined };
}

/**
 * Embedded (chDB): a connection of the receiver's own on the same data directory. One chDB
 * connection runs one statement at a time, so on the shared one every landing waited behind
 * the worker's loads (measured: 120–140 ms per check and per insert at 500 req/s, against
 * 4–10 ms alone). Same-path connections share the engine and its data and run in parallel.
 * With a ClickHouse server the shared client is used.
 */
export async function openLandingStore(config: Pick<Config, 'clickhouse' | 'dataDir'>, shared: Warehouse): Promise<LandingStore> {
  if (config.clickhouse.url) return sharedLandingStore(shared);
  const chdb = createChdbConnection({ path: chdbPath(config) });
  // chdb/connection is typed against its own copy of @clickhouse/client-common (as in client.ts).
  const ch = createClient({ connection: chdb as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'] });
  await ch.command({ query: `USE ${config.clickhouse.database}` });
  return {
    ch,
    // Same failpoints and the same zero-copy raw insert as insertRows in lib/warehouse/client.ts.
    async insert(table, rows, token) {
      if (rows.length === 0) return;
      failpoint(`before_insert:${table}`);
      let body = '';
      for (const row of rows) body += JSON.stringify(row) + '\n';
      const sent = chdb.chdb.rawInsert({ table, values: Buffer.from(body), format: 'JSONEachRow', settings: { ...INSERT_SETTINGS, insert_deduplication_token: token } });
      if (failpointArmed(`during_insert:${table}`)) {
        await new Promise((r) => setImmediate(r));
        failpoint(`during_insert:${table}`);
      }
      await sent;
      failpoint(`after_insert:${table}`);
    },
    close: () => ch.close(),
  };
}
