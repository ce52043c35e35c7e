import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import type { Config } from '../config';
import { log } from '../log';
import { ALL_SEARCH_ATTRIBUTES } from './search-attributes';

// @temporalio/proto is CommonJS: under Node's ESM loader only its default export is reliable.
const { temporal } = proto;
type IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

type TemporalSettings = Config['temporal'] & { address: string };

function connectionOptions(t: TemporalSettings) {
  return {
    address: t.address,
    tls: t.tls ? {} : undefined,
    apiKey: t.apiKey,
  };
}

export async function connectClient(t: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(t));
  return new Client({ connection, namespace: t.namespace });
}

export async function connectWorker(t: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(t));
}

const INDEXED: Record<string, IndexedValueType> = {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/**
 * Registers linehouse's typed search attributes when the namespace lacks them (dev server,
 * time-skipping test server or a self-hosted cluster). Temporal Cloud manages them out of
 * band, so a permission error is a warning, not a failure.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const missing: Record<string, IndexedValueType> = {};
  let existing: Record<string, unknown> = {};
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    existing = { ...(listed.customAttributes ?? {}), ...(listed.systemAttributes ?? {}) };
  } catch {
    // The time-skipping test server does not implement listing; just try to add.
  }
  for (const key of ALL_SEARCH_ATTRIBUTES) if (!(key.name in existing)) missing[key.name] = INDEXED[key.type];
  if (Object.keys(missing).length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    log.info('temporal.search_attributes_registered', { names: Object.keys(missing) });
  } catch (err) {
    const msg = (err as Error).message;
    if (/already exists/i.test(msg)) return;
    log.warn('temporal.search_attributes_not_registered', { error: msg, hint: 'register LinehouseKind/Bettor/Account/Book/Phase (Keyword) and LinehouseStatus (Int) in your namespace' });
  }
}
