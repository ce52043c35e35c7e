import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { ActivityDeps } from '../../activities/deps';
import { createFeedActivities } from '../../activities/feeds/feeds';
import { createBoltOddsAdapter } from '../../feeds/boltodds';
import { createOpticOddsAdapter, opticTickId } from '../../feeds/opticodds';
import { remapRefused } from '../../feeds/replay';
import { createSharpApiAdapter } from '../../feeds/sharpapi';
import { formatSseEvent } from '../../sandbox/shared/sse';
import type { FeedAdapter } from '../../feeds/types';
import { writeCanonicalRows } from '../../feeds/write-rows';
import { recordRejection } from '../../rejections/record';
import { queryRows, type Warehouse } from '../../platform/warehouse/client';
import { eventually, migratedWarehouse } from '../support/stack';

// One unusable record among many on the real load path: the feed activity (runFeed), the shared
// sink, chDB with every migration, each adapter reading a scripted provider over loopback (the
// sandboxes have no way to send a hand-made message). The rest loads, the one record is recorded
// with what a replay needs, and a replay maps it through today's code.

let ch: Warehouse;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  ch = await migratedWarehouse('quarantine');
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await ch?.close();
});

interface Refused {
  rejection_id: string;
  rejected_at: string;
  reason: string;
  record_path: string;
  record_id: string;
  context: string;
  raw: string;
}
const refusedOf = (source: string) =>
  queryRows<Refused>(
    ch,
    'SELECT rejection_id, toString(rejected_at) AS rejected_at, reason, record_path, record_id, context, raw FROM rejected_messages WHERE source = {s:String} ORDER BY record_path',
    { s: source },
  );
const ticksOf = async (source: string) =>
  (
    await queryRows<{ tick_id: string }>(
      ch,
      'SELECT tick_id FROM odds_ticks FINAL WHERE source = {s:String} ORDER BY tick_id',
      { s: source },
    )
  ).map((r) => r.tick_id);
const at = (r: Refused) => new Date(`${r.rejected_at.replace(' ', 'T')}Z`).toISOString();

/** The feed activity on this warehouse until `until` holds, then cancelled as a worker shutdown would. */
async function runFeedUntil(feed: string, make: () => FeedAdapter, until: () => Promise<boolean>): Promise<void> {
  const env = new MockActivityEnvironment();
  const { runFeed } = createFeedActivities({ clickhouse: ch, feeds: { [feed]: make } } as unknown as ActivityDeps);
  const done = env.run(runFeed, { feed });
  try {
    await eventually(`${feed} to load and refuse`, until, 30_000);
  } finally {
    env.cancel();
    await done;
  }
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const ENTRY = '1795000000000-0';
function opticOdd(i: number, patch: Record<string, unknown> = {}) {
  return {
    id: `FX1:draftkings:moneyline:team_${i}`,
    fixture_id: 'FX1',
    game_id: '10000-20000-2026-11-22',
    league: 'NBA',
    sport: 'basketball',
    market: 'Moneyline',
    name: `Team ${i}`,
    selection: `Team ${i}`,
    player_id: '',
    team_id: '',
    points: null,
    price: -110 - i,
    timestamp: 1_795_000_000,
    sportsbook: 'DraftKings',
    ...patch,
  };
}

describe('one unusable record among many, on the real stack', () => {
  it('OpticOdds: an entry with one bad price loads every other odd and records that one with its entry', async () => {
    // Odd 7 breaks rules that used to refuse it and are cosmetic (is_main, player_id, version_id).
    const odds = Array.from({ length: 12 }, (_, i) =>
      opticOdd(i, i === 5 ? { price: 'abc' } : i === 7 ? { is_main: 'yes', player_id: 7, version_id: '-1' } : {}),
    );
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(formatSseEvent({ event: 'connected', data: 'ok go' }));
      res.write(
        formatSseEvent({
          event: 'Copilot-Odds',
          data: JSON.stringify({ entry_id: ENTRY, data: odds, type: 'copilot-odds' }),
        }),
      );
      const ping = setInterval(() => res.write(formatSseEvent({ event: 'ping', data: new Date().toISOString() })), 200);
      res.on('close', () => clearInterval(ping));
    });
    const base = `http://${await listen(server)}`;
    await runFeedUntil(
      'opticodds',
      () => createOpticOddsAdapter({ baseUrl: base, apiKey: 'k', leagues: ['NBA'] }),
      async () => (await ticksOf('opticodds')).length >= 11 && (await refusedOf('opticodds')).length >= 1,
    );

    const loaded = odds
      .filter((_, i) => i !== 5)
      .map((o) => opticTickId(ENTRY, o.id))
      .sort();
    expect(await ticksOf('opticodds')).toEqual(loaded);
    const [row, ...more] = await refusedOf('opticodds');
    expect(more).toEqual([]);
    expect(row).toMatchObject({ reason: 'bad_price', record_path: 'data[5]', record_id: odds[5].id });
    expect(JSON.parse(row.raw)).toEqual(odds[5]);
    expect(JSON.parse(row.context)).toEqual({ event: 'copilot-odds', entry_id: ENTRY });
    // Today's code still refuses it, for the same reason.
    const again = remapRefused('opticodds', row.raw, JSON.parse(row.context), at(row));
    expect(again.refused.map((r) => r.reason)).toEqual(['bad_price']);
    expect(again.rows.ticks).toEqual([]);
  });

  it('OpticOdds: a record refused under a rule since relaxed now maps, and writing it twice stores it once', async () => {
    // As a reader with a strict is_main recorded it: the odd's raw, its place and its entry.
    const odd = opticOdd(40, { is_main: 'yes', grouping_key: 12 });
    const rejectionId = 'relaxed-rule-1';
    await recordRejection(ch, {
      rejectionId,
      source: 'opticodds',
      reason: 'schema',
      detail: 'is_main: expected boolean',
      raw: JSON.stringify(odd),
      record: { path: 'data[0]', id: odd.id, context: { event: 'copilot-odds', entry_id: '1795000000001-0' } },
    });
    const [row] = (await refusedOf('opticodds')).filter((r) => r.rejection_id === rejectionId);
    const again = remapRefused('opticodds', row.raw, JSON.parse(row.context), at(row));
    expect(again.refused).toEqual([]);
    expect(again.rows.ticks.map((t) => t.tick_id)).toEqual([opticTickId('1795000000001-0', odd.id)]);
    expect(again.rows.ticks[0]).toMatchObject({ is_main: null, price_american: -150, book: 'draftkings' });
    for (let i = 0; i < 2; i++) expect(await writeCanonicalRows(ch, again.rows, `replay:${rejectionId}`)).toBe(1);
    const [n] = await queryRows<{ n: string }>(ch, 'SELECT count() AS n FROM odds_ticks WHERE tick_id = {t:String}', {
      t: again.rows.ticks[0].tick_id,
    });
    expect(Number(n.n)).toBe(1);
  });

  it('BoltOdds: a game with one unparseable price loads every other outcome and records that one with its game', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    closers.push(
      () =>
        new Promise((r) => {
          for (const c of wss.clients) c.terminate();
          wss.close(() => r());
        }),
    );
    await new Promise((r) => wss.once('listening', r));
    const outcomes = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `Team ${i} Spread`,
        {
          odds: i === 3 ? '+1O5' : `+${110 + i}`,
          outcome_name: 'Spread',
          outcome_line: i % 2 ? '-1.5' : '1e0',
          outcome_over_under: null,
          outcome_target: `Team ${i}`,
          link: 7,
        },
      ]),
    );
    const game = 'New York Mets vs Los Angeles Angels, 2026-07-23, 01';
    // Cosmetic all over: action casing, team placeholders, a numeric info.when.
    const message = {
      timestamp: '2026-07-23T19:45:03.048958+00:00',
      action: 'Initial_State',
      data: {
        sport: 'MLB',
        sportsbook: 'ballybet',
        game,
        home_team: {},
        away_team: null,
        info: { id: 1022036664, when: 17, game: {} },
        outcomes,
      },
    };
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ action: 'socket_connected' }));
      ws.once('message', () => ws.send(JSON.stringify(message)));
      const ping = setInterval(() => ws.send(JSON.stringify({ action: 'ping' })), 200);
      ws.on('close', () => clearInterval(ping));
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/api`;
    await runFeedUntil(
      'boltodds',
      () => createBoltOddsAdapter({ url, apiKey: 'k', sports: ['MLB'] }),
      async () => (await ticksOf('boltodds')).length >= 9 && (await refusedOf('boltodds')).length >= 1,
    );

    expect(await ticksOf('boltodds')).toHaveLength(9);
    const [row, ...more] = await refusedOf('boltodds');
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      reason: 'unparseable_price',
      record_path: 'outcomes["Team 3 Spread"]',
      record_id: 'Team 3 Spread',
    });
    expect(JSON.parse(row.raw)).toEqual(outcomes['Team 3 Spread']);
    expect(JSON.parse(row.context)).toMatchObject({
      action: 'initial_state',
      timestamp: message.timestamp,
      sport: 'MLB',
      sportsbook: 'ballybet',
      game,
      outcome_key: 'Team 3 Spread',
      info: { id: 1022036664, when: 17 },
    });
    expect(remapRefused('boltodds', row.raw, JSON.parse(row.context), at(row)).refused.map((r) => r.reason)).toEqual([
      'unparseable_price',
    ]);
    // The same record with a price a later provider fix would send maps to one tick of that game.
    const fixed = remapRefused(
      'boltodds',
      JSON.stringify({ ...JSON.parse(row.raw), odds: '+105' }),
      JSON.parse(row.context),
      at(row),
    );
    expect(fixed.rows.ticks.map((t) => [t.provider_odd_id, t.price_american, t.book, t.league])).toEqual([
      ['Team 3 Spread', 105, 'ballybet', 'MLB'],
    ]);
  });

  it('SharpAPI: a page with one bad price loads every other row and its removal, and records that row', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({
      id: `draftkings_3348315${i}_moneyline_PHO`,
      sportsbook: 'draftkings',
      event_id: 33483150 + i,
      sport: 'basketball',
      league: 'nba',
      home_team: null,
      away_team: 'PHO Suns',
      market_type: 'moneyline',
      selection: 'PHO Suns',
      selection_type: 'AWAY',
      odds_american: i === 3 ? 'abc' : `+${120 + i}`,
      odds_decimal: String(2.2 + i / 100),
      line: null,
      event_start_time: '2026-02-11T19:00:00Z',
      last_seen_at: `2026-02-11T12:00:1${i}.125Z`,
      is_live: 'false',
      status: 7,
    }));
    let served = false;
    const server = http.createServer((_req, res) => {
      const now = new Date().toISOString();
      const page = served
        ? { success: true, data: [], meta: { count: '0', server_time: now } }
        : {
            success: 'true',
            data: rows,
            removed: ['fanduel_1_total_Over'],
            meta: {
              count: '10',
              total: 10,
              server_time: now,
              books_changed: 'draftkings',
              pagination: { limit: '500', offset: 0, has_more: false },
            },
          };
      served = true;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(page));
    });
    const base = `http://${await listen(server)}`;
    await runFeedUntil(
      'sharpapi',
      () => createSharpApiAdapter({ baseUrl: base, apiKey: 'k', pollIntervalMs: 50 }),
      async () => (await ticksOf('sharpapi')).length >= 10 && (await refusedOf('sharpapi')).length >= 1,
    );

    const [ticks] = await queryRows<{ quotes: string; removals: string }>(
      ch,
      "SELECT countIf(NOT removed) AS quotes, countIf(removed) AS removals FROM odds_ticks FINAL WHERE source = 'sharpapi'",
    );
    expect([Number(ticks.quotes), Number(ticks.removals)]).toEqual([9, 1]);
    const [row, ...more] = await refusedOf('sharpapi');
    expect(more).toEqual([]);
    expect(row).toMatchObject({ reason: 'price', record_path: 'data[3]', record_id: rows[3].id });
    expect(JSON.parse(row.raw)).toEqual(rows[3]);
    expect(JSON.parse(row.context)).toEqual({ kind: 'odds' });
    expect(remapRefused('sharpapi', row.raw, JSON.parse(row.context), at(row)).refused.map((r) => r.reason)).toEqual([
      'price',
    ]);
    // The next row of the page, under the rules it broke before (text flags, a null team), maps as it loaded.
    const [live] = await queryRows<{ tick_id: string }>(
      ch,
      "SELECT tick_id FROM odds_ticks FINAL WHERE source = 'sharpapi' AND provider_odd_id = {id:String}",
      { id: rows[4].id },
    );
    expect(
      remapRefused('sharpapi', JSON.stringify(rows[4]), { kind: 'odds' }, at(row)).rows.ticks.map((t) => t.tick_id),
    ).toEqual([live.tick_id]);
  });
});
