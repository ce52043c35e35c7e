import { readdirSync, readFileSync } from 'node:fs';
import { canonicalMarket } from '../../../odds/market';
import { afterAll, describe, expect, it } from 'vitest';
import { FixtureCache, bookOf, lineOf, mapOpticOddsEvent, selectionOf } from '../../../feeds/opticodds';
import { SseParser, type SseEvent } from '../../../feeds/sse';
import {
  CopilotEntrySchema,
  CopilotOddSchema,
  CopilotSettledOddSchema,
  FixtureStatusSchema,
  PingDataSchema,
} from '../../../schemas/opticodds';
import { FixtureUpdateSchema, OddsTickSchema, SettlementSchema } from '../../../schemas/odds';

const FIXTURES = new URL('../../fixtures/opticodds/', import.meta.url);
const tested = new Set<string>();

/** A fixture is one doc example on the wire: it must parse as exactly one SSE event. */
function fixture(name: string): SseEvent {
  tested.add(name);
  const events = new SseParser().push(readFileSync(new URL(`${name}.sse`, FIXTURES), 'utf8'));
  expect(events).toHaveLength(1);
  expect(events[0].retry).toBe(5000);
  return events[0];
}
const payload = (name: string): any => JSON.parse(fixture(name).data);
const RECEIVED = '2024-10-23T01:30:00.000Z';
const map = (name: string, cache = new FixtureCache()) => {
  const ev = fixture(name);
  const r = mapOpticOddsEvent(ev.event, ev.data, RECEIVED, cache);
  if (!r.ok) throw new Error(`${name}: ${r.reject.reason} ${r.reject.detail}`);
  return r.entry;
};

describe('doc examples (test/fixtures/opticodds)', () => {
  it('connected and ping are data-only events; ping data is the server time', () => {
    const c = fixture('connected');
    expect(c).toMatchObject({ event: 'connected', data: 'ok go', id: '' });
    const p = fixture('ping');
    expect(p.event).toBe('ping');
    expect(PingDataSchema.parse(p.data)).toBe('2024-08-28T18:57:49Z');
    expect(PingDataSchema.safeParse('ok go').success).toBe(false);
  });

  it('copilot-odds: envelope and odd parse; the SSE id is not the entry_id', () => {
    const ev = fixture('copilot-odds');
    expect(ev.event).toBe('copilot-odds');
    expect(ev.id).toBe('1730079534820-2');
    const entry = CopilotEntrySchema.parse(JSON.parse(ev.data));
    expect(entry.entry_id).toBe('1678113258940-2');
    expect(entry.type).toBe('copilot-odds');
    const odd = CopilotOddSchema.parse(entry.data[0]);
    expect(odd).toMatchObject({
      fixture_id: '4825158B6424',
      price: -196,
      points: 104.5,
      selection_line: 'over',
      is_main: false,
      version_id: -1,
    });
  });

  it('copilot-odds maps to one priced tick', () => {
    const e = map('copilot-odds');
    expect(e.entryId).toBe('1678113258940-2');
    expect(e.rejects).toEqual([]);
    expect(e.rows.ticks).toHaveLength(1);
    const t = OddsTickSchema.parse(e.rows.ticks[0]);
    expect(t).toMatchObject({
      tick_id: 'opticodds:1678113258940-2:1:-1:4825158B6424:1st_half_total_points:over_104_5',
      source: 'opticodds',
      book: 'unknown',
      sport: 'basketball',
      league: 'NBA',
      event_key: '16903-41811-2024-10-22',
      provider_event_id: '4825158B6424',
      provider_odd_id: '1:-1:4825158B6424:1st_half_total_points:over_104_5',
      market: '1st_half_total_points',
      market_raw: '1st Half Total Points',
      selection: 'Over',
      line: 104.5,
      price_american: -196,
      is_main: false,
      locked: false,
      removed: false,
      ts: '2024-10-23T01:22:05.000Z',
      received_at: RECEIVED,
    });
    expect(t.price_decimal).toBeCloseTo(1 + 100 / 196, 10);
    expect(t.implied_prob).toBeCloseTo(196 / 296, 10);
  });

  it('copilot-locked-odds maps to a locked tick without a price, even though the example carries one', () => {
    const ev = fixture('copilot-locked-odds');
    expect(CopilotOddSchema.parse(JSON.parse(ev.data).data[0]).price).toBe(-103);
    const e = map('copilot-locked-odds');
    expect(e.entryId).toBe('1682600339900-0');
    const t = OddsTickSchema.parse(e.rows.ticks[0]);
    expect(t).toMatchObject({
      market: 'team_total',
      selection: 'Miami Heat Over',
      line: 105.5,
      is_main: true,
      locked: true,
      price_american: null,
      price_decimal: null,
      implied_prob: null,
      event_key: '19370-30354-2024-10-23',
    });
  });

  it('copilot-settled-odds maps to a settlement; the line comes from the name (no points field)', () => {
    const ev = fixture('copilot-settled-odds');
    const odd = CopilotSettledOddSchema.parse(JSON.parse(ev.data).data[0]);
    expect(odd.points).toBeUndefined();
    const e = map('copilot-settled-odds');
    expect(e.rows.ticks).toEqual([]);
    const s = SettlementSchema.parse(e.rows.settlements[0]);
    expect(s).toMatchObject({
      settlement_id: 'opticodds:1682600339900-0:1:-1:D86AB59E8025:team_total:miami_heat_over_105_5',
      result: 'Won',
      market: 'team_total',
      selection: 'Miami Heat Over',
      line: 105.5,
      settled_at: '2024-07-16T22:00:00.000Z',
      ts: '2024-10-23T01:23:20.000Z',
      event_key: '19370-30354-2024-10-23',
      book: 'unknown',
    });
  });

  it('fixture-status (time change) maps to an update with old and new start', () => {
    const raw = payload('fixture-status-time-change');
    expect(FixtureStatusSchema.parse(raw).entry_id).toBe('1724871720243-0');
    const e = map('fixture-status-time-change');
    const u = FixtureUpdateSchema.parse(e.rows.fixtures[0]);
    expect(u).toEqual({
      update_id: 'opticodds:1724871720243-0:FB0D30DCDD6C',
      source: 'opticodds',
      event_key: '88067-26534-2024-35',
      provider_event_id: 'FB0D30DCDD6C',
      sport: 'tennis',
      league: 'ATP',
      home_team: 'Miomir Kecmanovic',
      away_team: 'Lorenzo Musetti',
      start_time: '2024-08-28T20:30:00.000Z',
      previous_start_time: '2024-08-28T20:20:00.000Z',
      status: null,
      previous_status: null,
      ts: '2024-08-28T19:02:00.241Z',
      received_at: RECEIVED,
    });
  });

  it('fixture-status (status change) keeps the current start and records the status move', () => {
    const e = map('fixture-status-status-change');
    expect(e.entryId).toBe('1724761586216-0');
    expect(e.rows.fixtures[0]).toMatchObject({
      update_id: 'opticodds:1724761586216-0:E145B23767E0',
      status: 'cancelled',
      previous_status: 'unplayed',
      start_time: '2024-08-27T15:00:00.000Z',
      previous_start_time: null,
      home_team: 'Jessika Ponchet',
      away_team: 'Saisai Zheng',
    });
  });

  it('a fixture-status fills teams and start time into later ticks of that fixture', () => {
    const cache = new FixtureCache();
    const odds = JSON.parse(fixture('copilot-odds').data);
    odds.data[0].fixture_id = 'FB0D30DCDD6C';
    map('fixture-status-time-change', cache);
    const r = mapOpticOddsEvent('copilot-odds', JSON.stringify(odds), RECEIVED, cache);
    expect(r.ok && r.entry.rows.ticks[0]).toMatchObject({
      home_team: 'Miomir Kecmanovic',
      away_team: 'Lorenzo Musetti',
      start_time: '2024-08-28T20:30:00.000Z',
      is_live: true,
    });
  });

  afterAll(() => {
    const all = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.sse'))
      .map((f) => f.replace(/\.sse$/, ''));
    expect(all.filter((f) => !tested.has(f))).toEqual([]);
  });
});

describe('schemas reject what they must', () => {
  const odd = () => JSON.parse(fixture('copilot-odds').data).data[0];

  it('entry_id must be a non-empty string; its "<ms>-<seq>" form is not required to load', () => {
    expect(CopilotEntrySchema.safeParse({ entry_id: '1678113258940', data: [] }).success).toBe(true);
    expect(CopilotEntrySchema.safeParse({ entry_id: 'abc-1', data: [] }).success).toBe(true);
    expect(CopilotEntrySchema.safeParse({ entry_id: '1-0', data: [] }).success).toBe(true);
    expect(CopilotEntrySchema.safeParse({ entry_id: '', data: [] }).success).toBe(false);
    expect(CopilotEntrySchema.safeParse({ entry_id: 17, data: [] }).success).toBe(false);
  });

  it('an odd needs game_id, id, market and a numeric timestamp; unknown fields are kept', () => {
    for (const k of ['game_id', 'id', 'market', 'timestamp']) {
      const o = odd();
      delete o[k];
      expect(CopilotOddSchema.safeParse(o).success, k).toBe(false);
    }
    expect(CopilotOddSchema.safeParse({ ...odd(), timestamp: '1729646525' }).success).toBe(false);
    expect((CopilotOddSchema.parse({ ...odd(), sportsbook: 'DraftKings', extra: 1 }) as any).extra).toBe(1);
  });

  it('a settled odd needs a settlement', () => {
    const s = JSON.parse(fixture('copilot-settled-odds').data).data[0];
    delete s.settlement;
    expect(CopilotSettledOddSchema.safeParse(s).success).toBe(false);
  });

  it('fixture-status needs fixture_id, game_id and valid dates', () => {
    const f = payload('fixture-status-time-change');
    expect(FixtureStatusSchema.safeParse({ ...f, data: { ...f.data, fixture_id: undefined } }).success).toBe(false);
    expect(FixtureStatusSchema.safeParse({ ...f, data: { ...f.data, new_start_date: 'soon' } }).success).toBe(false);
  });

  it('mapping: bad JSON, bad envelope, bad odd and bad price become rejections, good odds of the same entry survive', () => {
    const cache = new FixtureCache();
    const bad = mapOpticOddsEvent('copilot-odds', '{"entry_id": "1-0", "data": [', RECEIVED, cache);
    expect(!bad.ok && bad.reject.reason).toBe('malformed_json');
    const env = mapOpticOddsEvent('copilot-odds', JSON.stringify({ entry_id: 'x', data: {} }), RECEIVED, cache);
    expect(!env.ok && env.reject.reason).toBe('schema');
    expect(!env.ok && env.reject.record).toBeUndefined();
    const good = odd();
    const noGame = { ...odd(), id: 'other', game_id: undefined };
    const badPrice = { ...odd(), id: 'p50', price: 50 };
    const textPrice = { ...odd(), id: 'txt', price: '+150' };
    const r = mapOpticOddsEvent(
      'copilot-odds',
      JSON.stringify({ entry_id: '5-1', data: [good, noGame, badPrice, textPrice] }),
      RECEIVED,
      cache,
    );
    if (!r.ok) throw new Error('envelope should pass');
    expect(r.entry.rows.ticks.map((t) => [t.provider_odd_id, t.price_american])).toEqual([
      [good.id, -196],
      ['txt', 150],
    ]);
    expect(r.entry.rejects.map((x) => x.reason)).toEqual(['schema', 'bad_price']);
    expect(r.entry.rejects[1].detail).toContain('p50');
    expect(r.entry.rejects.map((x) => x.record)).toEqual([
      { path: 'data[1]', id: 'other', context: { event: 'copilot-odds', entry_id: '5-1' } },
      { path: 'data[2]', id: 'p50', context: { event: 'copilot-odds', entry_id: '5-1' } },
    ]);
  });

  it('a copilot-odds item without a price is a locked quote, not a rejection', () => {
    const r = mapOpticOddsEvent(
      'copilot-odds',
      JSON.stringify({ entry_id: '5-1', data: [{ ...odd(), price: null }] }),
      RECEIVED,
      new FixtureCache(),
    );
    expect(r.ok && r.entry.rows.ticks[0]).toMatchObject({ locked: true, price_american: null });
  });
});

describe('normalization', () => {
  it('canonical markets', () => {
    expect(canonicalMarket('Moneyline')).toBe('moneyline');
    expect(canonicalMarket('Point Spread')).toBe('spread');
    expect(canonicalMarket('Run Line')).toBe('spread');
    expect(canonicalMarket('Puck Line')).toBe('spread');
    expect(canonicalMarket('Total Points')).toBe('total');
    expect(canonicalMarket('Total Runs')).toBe('total');
    expect(canonicalMarket('Total Goals')).toBe('total');
    expect(canonicalMarket('1st Half Total Points')).toBe('1st_half_total_points');
    expect(canonicalMarket('Team Total')).toBe('team_total');
  });

  it('selection and line per market', () => {
    const spreadAway = { selection: 'Boston Celtics', selection_line: '', name: 'Boston Celtics +3.5', points: 3.5 };
    expect(selectionOf(spreadAway, 'spread')).toBe('Boston Celtics');
    expect(lineOf(spreadAway, 'spread')).toBe(3.5);
    expect(lineOf({ ...spreadAway, points: undefined, name: 'Boston Celtics -3.5' }, 'spread')).toBe(-3.5);
    const under = { selection: '', selection_line: 'under', name: 'Under 220.5', points: 220.5 };
    expect(selectionOf(under, 'total')).toBe('Under');
    expect(lineOf(under, 'total')).toBe(220.5);
    expect(lineOf({ ...under, points: undefined }, 'total')).toBe(220.5);
    const ml = { selection: 'Philadelphia 76ers', selection_line: '', name: 'Philadelphia 76ers', points: null };
    expect(selectionOf(ml, 'moneyline')).toBe('Philadelphia 76ers');
    expect(lineOf(ml, 'moneyline')).toBeNull();
    expect(lineOf({ ...ml, points: 0 }, 'moneyline')).toBeNull();
  });

  it('book: sportsbook field, else the book segment of "<fixture>:<book>:…" ids, else unknown', () => {
    expect(bookOf({ id: 'x', fixture_id: 'F', sportsbook: 'DraftKings' })).toBe('draftkings');
    expect(bookOf({ id: 'x', fixture_id: 'F', sportsbook: 'Hard Rock' })).toBe('hard_rock');
    expect(bookOf({ id: 'F:fanduel:moneyline:boston_celtics', fixture_id: 'F' })).toBe('fanduel');
    expect(bookOf({ id: '1:-1:F:moneyline:boston_celtics', fixture_id: 'F' })).toBe('unknown');
  });
});
