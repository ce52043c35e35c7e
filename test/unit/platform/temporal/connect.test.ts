import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../../platform/config';
import { connectionOptions } from '../../../../platform/temporal/connect';

let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-temporal-tls-'));
  fs.writeFileSync(file('client.pem'), '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
  fs.writeFileSync(file('client.key'), '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
  fs.writeFileSync(file('ca.pem'), '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
  fs.writeFileSync(file('empty.pem'), '');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const optionsFor = (env: Record<string, string>) => {
  const t = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233', ...env }).temporal;
  return connectionOptions({ ...t, address: t.address! });
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('Temporal connection options (client and worker share them)', () => {
  it('without TLS settings connects in the clear, as the dev server needs', () => {
    expect(optionsFor({})).toEqual({ address: 'temporal.example:7233', apiKey: undefined });
  });

  it('reads the mTLS pair, the CA and the server name from the files the variables name', () => {
    const o = optionsFor({
      TEMPORAL_TLS_CERT_PATH: file('client.pem'),
      TEMPORAL_TLS_KEY_PATH: file('client.key'),
      TEMPORAL_TLS_CA_PATH: file('ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(o.tls?.clientCertPair?.crt.toString()).toBe(fs.readFileSync(file('client.pem'), 'utf8'));
    expect(o.tls?.clientCertPair?.key.toString()).toBe(fs.readFileSync(file('client.key'), 'utf8'));
    expect(o.tls?.serverRootCACertificate?.toString()).toContain('\nca\n');
    expect(o.tls?.serverNameOverride).toBe('temporal.internal');
    expect(o.apiKey).toBeUndefined();
    expect(o.metadata).toBeUndefined();
  });

  it('TEMPORAL_TLS=true alone is TLS against the system roots', () => {
    expect(optionsFor({ TEMPORAL_TLS: 'true' })).toMatchObject({ tls: {} });
  });

  it('an API key (Temporal Cloud) turns TLS on and names the namespace', () => {
    const o = optionsFor({ TEMPORAL_API_KEY: 'cloud-key', TEMPORAL_NAMESPACE: 'lh.a1b2c' });
    expect(o).toEqual({
      address: 'temporal.example:7233',
      tls: {},
      apiKey: 'cloud-key',
      metadata: { 'temporal-namespace': 'lh.a1b2c' },
    });
  });

  it.each([
    [
      'TEMPORAL_TLS_CERT_PATH',
      { TEMPORAL_TLS_CERT_PATH: 'missing.pem', TEMPORAL_TLS_KEY_PATH: 'client.key' },
      'missing.pem',
      /ENOENT/,
    ],
    [
      'TEMPORAL_TLS_KEY_PATH',
      { TEMPORAL_TLS_CERT_PATH: 'client.pem', TEMPORAL_TLS_KEY_PATH: 'nope.key' },
      'nope.key',
      /ENOENT/,
    ],
    ['TEMPORAL_TLS_CA_PATH', { TEMPORAL_TLS_CA_PATH: 'empty.pem' }, 'empty.pem', /is empty/],
    ['TEMPORAL_TLS_CA_PATH', { TEMPORAL_TLS_CA_PATH: '.' }, '.', /EISDIR/],
  ])('a bad file names %s and its path', (variable, env, bad, why) => {
    const abs = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, file(v)]));
    const err = configError(() => optionsFor(abs));
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(file(bad));
    expect(err.message).toMatch(why);
  });

  it('refuses certificates with TLS switched off instead of sending everything in the clear', () => {
    const err = configError(() => optionsFor({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA_PATH: file('ca.pem') }));
    expect(err.variable).toBe('TEMPORAL_TLS');
    expect(err.message).toContain('TEMPORAL_TLS_CA_PATH');
  });
});
