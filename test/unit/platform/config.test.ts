import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARIABLES, loadConfig } from '../../../platform/config';

describe('config', () => {
  it('an empty environment selects the embedded defaults', () => {
    const c = loadConfig({});
    expect(c.temporal.address).toBeUndefined();
    expect(c.clickhouse.url).toBeUndefined();
    expect(c.clickhouse.database).toBe('linehouse');
    expect(c.webhook.port).toBe(8787);
    expect(c.temporal.uiPort).toBe(8233);
    expect(c.dataDir.endsWith('.linehouse')).toBe(true);
    expect(c.sharpsports.policy.minSpacingSeconds).toBe(60);
  });

  it.each([
    ['WEBHOOK_PORT', 'eighty'],
    ['WEBHOOK_PORT', '70000'],
    ['CLICKHOUSE_URL', 'not a url'],
    ['TEMPORAL_ADDRESS', 'http://localhost'],
    ['CLICKHOUSE_DATABASE', 'drop table; --'],
    ['SHARPSPORTS_BASE_URL', 'ftp://example.com'],
    ['LINEHOUSE_LOG_LEVEL', 'loud'],
  ])('a bad %s (%s) fails with one error naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as Error).message.startsWith(`${name}:`)).toBe(true);
  });

  it('reads the production settings', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'temporal:7233',
      CLICKHOUSE_URL: 'http://clickhouse:8123',
      WEBHOOK_PORT: '9000',
      SHARPSPORTS_API_KEY: 'k',
      TEMPORAL_API_KEY: 'cloud-key',
    });
    expect(c.temporal.address).toBe('temporal:7233');
    expect(c.temporal.tls).toBe(true);
    expect(c.clickhouse.url).toBe('http://clickhouse:8123');
    expect(c.webhook.port).toBe(9000);
  });

  it('knows every variable of the external contract', () => {
    for (const v of [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TASK_QUEUE',
      'CLICKHOUSE_URL',
      'CLICKHOUSE_USER',
      'CLICKHOUSE_PASSWORD',
      'CLICKHOUSE_DATABASE',
      'LINEHOUSE_DATA_DIR',
      'WEBHOOK_PORT',
      'SHARPSPORTS_BASE_URL',
      'SHARPSPORTS_API_KEY',
      'SHARPSPORTS_WEBHOOK_SECRET',
      'OPTICODDS_BASE_URL',
      'OPTICODDS_API_KEY',
      'BOLTODDS_WS_URL',
      'BOLTODDS_API_KEY',
      'SHARPAPI_BASE_URL',
      'SHARPAPI_API_KEY',
    ])
      expect(ENV_VARIABLES).toContain(v);
  });
});
