import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { SearchAttributeType } from '@temporalio/common';
import { ConfigError, type Config } from '../config';
import { log } from '../log';
import { ALL_SEARCH_ATTRIBUTES } from './search-attributes';

// @temporalio/proto is CommonJS: under Node's ESM loader only its default export is reliable.
const { temporal } = proto;
type IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

type TemporalSettings = Config['temporal'] & { address: string };

/** What Connection.connect (client) and NativeConnection.connect (worker) both accept. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: {
    clientCertPair?: { crt: Buffer; key: Buffer };
    serverRootCACertificate?: Buffer;
    serverNameOverride?: string;
  };
  apiKey?: string;
  metadata?: Record<string, string>;
}

/** Reads a TLS file now, so a wrong path fails at start naming its variable, not as a handshake error later. */
function readTlsFile(variable: string, file: string, read: (file: string) => Buffer): Buffer {
  let data: Buffer;
  try {
    data = read(file);
  } catch (err) {
    throw new ConfigError(
      variable,
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (data.length === 0) throw new ConfigError(variable, `${file} is empty`);
  return data;
}

/**
 * The one place TLS settings become connection options, shared by the client and the worker so
 * they can never disagree: mTLS client pair, a private CA, the name on the server's certificate,
 * and a Temporal Cloud API key.
 */
export function connectionOptions(
  t: TemporalSettings,
  read: (file: string) => Buffer = (f) => fs.readFileSync(f),
): TemporalConnectionOptions {
  const { certPath, keyPath, caPath, serverName } = t.tlsFiles ?? {};
  if (!t.tls) {
    const set = certPath
      ? 'TEMPORAL_TLS_CERT_PATH'
      : caPath
        ? 'TEMPORAL_TLS_CA_PATH'
        : serverName
          ? 'TEMPORAL_TLS_SERVER_NAME'
          : undefined;
    // Certificates with TLS switched off would silently send everything in the clear.
    if (set) throw new ConfigError('TEMPORAL_TLS', `is false but ${set} is set: remove one of them`);
    return { address: t.address, apiKey: t.apiKey };
  }
  const tls: NonNullable<TemporalConnectionOptions['tls']> = {};
  if (certPath && keyPath)
    tls.clientCertPair = {
      crt: readTlsFile('TEMPORAL_TLS_CERT_PATH', certPath, read),
      key: readTlsFile('TEMPORAL_TLS_KEY_PATH', keyPath, read),
    };
  if (caPath) tls.serverRootCACertificate = readTlsFile('TEMPORAL_TLS_CA_PATH', caPath, read);
  if (serverName) tls.serverNameOverride = serverName;
  return {
    address: t.address,
    tls,
    apiKey: t.apiKey,
    // Temporal Cloud routes API-key requests by this header (required on its regional endpoints).
    metadata: t.apiKey ? { 'temporal-namespace': t.namespace } : undefined,
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
    log.warn('temporal.search_attributes_not_registered', {
      error: msg,
      hint: 'register LinehouseKind/Bettor/Account/Book/Phase (Keyword) and LinehouseStatus (Int) in your namespace',
    });
  }
}
