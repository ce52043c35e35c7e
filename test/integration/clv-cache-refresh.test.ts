import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClvActivities } from '../../activities/clv/clv';
import { parseArgs, run as clvCli } from '../../cli/clv';
import { createAdminServer } from '../../workers/admin-server';
import type { RefreshClvResult } from '../../clv';
import { createWarehouse, insertRows, queryRows, type Warehouse } from '../../platform/warehouse/client';
import { migrate } from '../../platform/warehouse/migrate';
import { tempDir } from '../support/stack';
import { runFilePath } from '../../workers/run-file';

// Who runs refreshClv: `linehouse clv` (in-process or through up's admin endpoint) and the
// Temporal activity. Each must resolve events and store closes; --no-refresh must not.

const dec = (a: number) => (a > 0 ? 1 + a / 100 : 1 + 100 / -a);
let n = 0;
const tick = (
  source: string,
  event: string,
  home: string,
  away: string,
  selection: string,
  price: number,
  ts: string,
) => ({
  tick_id: `r${++n}`,
  source,
  book: 'draftkings',
  sport: 'basketball',
  league: 'nba',
  event_key: event,
  provider_event_id: event,
  provider_odd_id: `o${n}`,
  home_team: home,
  away_team: away,
  start_time: `${ts.slice(0, 10)}T01:00:00.000Z`,
  market: 'moneyline',
  market_raw: 'moneyline',
  selection,
  line: null,
  price_american: price,
  price_decimal: dec(price),
  implied_prob: null,
  is_main: null,
  is_live: false,
  locked: false,
  removed: false,
  ts,
  received_at: ts,
});
const event = (source: string, key: string, home: string, away: string, day: string) => [
  tick(source, key, home, away, home, -120, `${day}T00:00:00.000Z`),
  tick(source, key, home, away, away, 100, `${day}T00:00:00.000Z`),
];

let dataDir: string;
let ch: Warehouse;
let server: http.Server;
let up: { adminUrl: string; token: string };
const count = async (sql: string) => Number((await queryRows<{ n: number }>(ch, sql))[0].n);
const materializations = () => count('SELECT count() AS n FROM closing_materializations WHERE complete');

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  const prev = process.env.LINEHOUSE_DATA_DIR;
  process.env.LINEHOUSE_DATA_DIR = dataDir;
  try {
    return { code: await clvCli(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    if (prev === undefined) delete process.env.LINEHOUSE_DATA_DIR;
    else process.env.LINEHOUSE_DATA_DIR = prev;
  }
}

beforeAll(async () => {
  dataDir = tempDir('clv-refresh');
  ch = await createWarehouse({ dataDir, clickhouse: { user: 'default', password: '', database: 'linehouse' } });
  await migrate(ch);
  await insertRows(ch, 'odds_ticks', [
    ...event('opticodds', 'OJ-1', 'Los Angeles Lakers', 'Boston Celtics', '2026-01-10'),
    ...event('boltodds', 'bo-1', 'LA Lakers', 'Celtics', '2026-01-10'),
  ]);
  const token = crypto.randomBytes(16).toString('hex');
  server = createAdminServer(ch, token);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  up = { adminUrl: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, token };
  fs.mkdirSync(path.dirname(runFilePath({ dataDir })), { recursive: true });
  fs.writeFileSync(runFilePath({ dataDir }), JSON.stringify({ pid: process.pid, ...up }));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await ch?.close();
});

describe('refreshClv callers', () => {
  it('parses --no-refresh', () => {
    expect(parseArgs([]).refresh).toBe(true);
    expect(parseArgs(['--no-refresh', '--by', 'book'])).toMatchObject({ refresh: false, by: 'book' });
  });

  it('POST /clv/refresh on the admin endpoint resolves events and stores closes (after the insert lag)', async () => {
    const unauthorized = await request(`${up.adminUrl}/clv/refresh`, { method: 'POST' });
    expect(unauthorized.statusCode).toBe(401);
    await unauthorized.body.dump();
    await new Promise((r) => setTimeout(r, 5_200)); // the default insertLagMs: these ticks are settled now
    const res = await request(`${up.adminUrl}/clv/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${up.token}` },
    });
    const body = (await res.body.json()) as RefreshClvResult;
    expect(res.statusCode).toBe(200);
    expect(body.resolve).toMatchObject({ identity: 1, resolved: 1 });
    expect(body.materialize).toMatchObject({ events: 2, closes: 4, pending: 0 });
    expect(
      await count("SELECT count() AS n FROM event_map FINAL WHERE source = 'boltodds' AND event_key = 'OJ-1'"),
    ).toBe(1);
    expect(await count('SELECT countIf(cached) AS n FROM closing_events')).toBe(2);
  });

  it('linehouse clv refreshes through up unless --no-refresh', async () => {
    await insertRows(ch, 'odds_ticks', event('opticodds', 'OJ-2', 'New York Knicks', 'Brooklyn Nets', '2026-01-11'));
    const before = await materializations();
    const skipped = await cli(['--no-refresh', '--format', 'json']);
    expect({ code: skipped.code, stderr: skipped.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await materializations()).toBe(before);
    const refreshed = await cli(['--format', 'json']);
    expect({ code: refreshed.code, stderr: refreshed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(refreshed.stdout)).toMatchObject({ sharpBook: 'pinnacle' });
    expect(await materializations()).toBe(before + 1); // OJ-2, stored though not yet trusted (inserted within the lag)
  });

  it('the refreshClv activity heartbeats and returns the counts', async () => {
    await insertRows(ch, 'odds_ticks', event('sharpapi', 'sa-9', 'Knicks', 'Nets', '2026-01-11'));
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const { refreshClv } = createClvActivities({ clickhouse: ch });
    // sa-9, and OJ-2 when the previous test's refresh ran within 5 s of its insert (its stored
    // closes are then not yet trusted); on a busy machine that refresh comes later and trusts them.
    const uncached = await count('SELECT countIf(NOT cached) AS n FROM closing_events');
    expect(uncached).toBeGreaterThanOrEqual(1);
    const result = (await env.run(refreshClv, { graceSeconds: 0, insertLagMs: 0 })) as RefreshClvResult;
    expect(result.resolve).toMatchObject({ resolved: 2 });
    expect(result.materialize).toMatchObject({ events: uncached, pending: 0 });
    expect(beats.length).toBeGreaterThan(0);
    expect(await count('SELECT countIf(NOT cached) AS n FROM closing_events')).toBe(0);
  });
});
