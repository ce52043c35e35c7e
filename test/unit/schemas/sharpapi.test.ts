import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  PriceMismatchError,
  parseSharpApiOddsId,
  sharpApiOddsToTick,
  sharpApiRemovalTick,
  sharpApiTickId,
} from '../../../feeds/sharpapi';
import { canonicalMarket } from '../../../odds/market';
import { OddsTickSchema } from '../../../schemas/odds';
import {
  RemovedEntrySchema,
  SharpApiDeltaResponseSchema,
  SharpApiErrorSchema,
  SharpApiOddsSchema,
  parseRateLimitHeaders,
} from '../../../schemas/sharpapi';
import { startSharpApiSandbox } from '../../../sandbox/sharpapi';

const FIXTURES = new URL('../../fixtures/sharpapi/', import.meta.url);
const tested = new Set<string>();

function text(name: string): string {
  tested.add(name);
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}
const fixture = (name: string): any => JSON.parse(text(`${name}.json`));
const issues = (schema: z.ZodType, input: unknown): string[] => {
  const r = schema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const RECEIVED = '2026-02-11T12:00:21.000Z';

describe('doc examples (test/fixtures/sharpapi)', () => {
  it('delta-response.json parses as a delta response and its odds object', () => {
    const body = SharpApiDeltaResponseSchema.parse(fixture('delta-response'));
    expect(body.meta.server_time).toBe('2026-02-11T12:00:20.000Z');
    expect(body.meta.pagination).toEqual({ limit: 50, offset: 0, has_more: false, next_offset: null });
    expect(body.meta.books_changed).toEqual(['draftkings']);
    expect(body.removed).toBeUndefined();
    expect(body.since_clamped).toBe(false);
    const odds = SharpApiOddsSchema.parse(body.data[0]);
    expect(odds).toMatchObject({
      id: 'draftkings_33483153_moneyline_PHO',
      event_id: '33483153',
      odds_american: -150,
      line: null,
      is_live: false,
    });
  });

  it('the example odds object becomes one canonical tick, prices normalized from odds_american', () => {
    const odds = SharpApiOddsSchema.parse(fixture('delta-response').data[0]);
    const tick = OddsTickSchema.parse(sharpApiOddsToTick(odds, RECEIVED));
    expect(tick).toMatchObject({
      source: 'sharpapi',
      book: 'draftkings',
      sport: 'basketball',
      league: 'nba',
      event_key: '33483153',
      provider_event_id: '33483153',
      provider_odd_id: 'draftkings_33483153_moneyline_PHO',
      home_team: 'PHI 76ers',
      away_team: 'PHO Suns',
      start_time: '2026-02-11T19:00:00.000Z',
      market: 'moneyline',
      market_raw: 'moneyline',
      selection: 'PHO Suns',
      line: null,
      price_american: -150,
      is_main: null,
      is_live: false,
      locked: false,
      removed: false,
      ts: '2026-02-11T12:00:15.125Z',
      received_at: RECEIVED,
    });
    // Recomputed, not copied: the doc's 1.667 / 0.60 are roundings of these.
    expect(tick.price_decimal).toBeCloseTo(1 + 100 / 150, 12);
    expect(tick.implied_prob).toBeCloseTo(0.6, 12);
    expect(tick.tick_id).toBe(
      sharpApiTickId({ id: odds.id, lastSeenAt: odds.last_seen_at, oddsAmerican: -150, line: null, removed: false }),
    );
  });

  it('error-missing-since.json, error-offset-too-large.json and error-unauthorized.json parse as errors', () => {
    expect(SharpApiErrorSchema.parse(fixture('error-missing-since')).error.code).toBe('validation_error');
    const offset = SharpApiErrorSchema.parse(fixture('error-offset-too-large')).error;
    expect(offset).toMatchObject({ code: 'offset_too_large', max_offset: 500 });
    expect(SharpApiErrorSchema.parse(fixture('error-unauthorized')).error.code).toBe('unauthorized');
  });

  it('response-headers.txt gives the rate-limit budget (Reset is Unix seconds)', () => {
    const headers = new Map(
      [...text('response-headers.txt').matchAll(/([A-Za-z-]+):\s*(\S+)/g)].map((m) => [m[1].toLowerCase(), m[2]]),
    );
    expect(parseRateLimitHeaders((n) => headers.get(n), 0)).toEqual({
      limit: 300,
      remaining: 299,
      resetAtMs: 1_737_853_200_000,
      retryAfterMs: null,
    });
  });

  it('REPAIRS.md is present', () => {
    expect(text('REPAIRS.md')).toMatch(/No example needed a repair/);
  });
});

describe('schemas reject what the adapter must not trust', () => {
  const body = () => structuredClone(fixture('delta-response'));

  it('an envelope without meta.server_time, with a non-array data, or success:false', () => {
    const noTime = body();
    delete noTime.meta.server_time;
    expect(issues(SharpApiDeltaResponseSchema, noTime)).toEqual([
      'meta.server_time: Invalid input: expected string, received undefined',
    ]);
    expect(issues(SharpApiDeltaResponseSchema, { ...body(), data: {} })).toHaveLength(1);
    expect(issues(SharpApiDeltaResponseSchema, { ...body(), success: false })).toEqual(['success: success is false']);
    expect(issues(SharpApiDeltaResponseSchema, { ...body(), meta: { ...body().meta, server_time: 'soon' } })).toEqual([
      'meta.server_time: must be an ISO-8601 timestamp',
    ]);
  });

  it('an odds object without last_seen_at or id', () => {
    const { last_seen_at: _a, ...noTs } = body().data[0];
    expect(issues(SharpApiOddsSchema, noTs)).toEqual([
      'last_seen_at: Invalid input: expected string, received undefined',
    ]);
    expect(issues(SharpApiOddsSchema, { ...body().data[0], id: '' })).toHaveLength(1);
  });

  it('removed entries are odds ids (a richer { id } entry is accepted)', () => {
    expect(RemovedEntrySchema.parse('draftkings_1_moneyline_A')).toBe('draftkings_1_moneyline_A');
    expect(RemovedEntrySchema.parse({ id: 'draftkings_1_moneyline_A', removed_at: 'x' })).toBe(
      'draftkings_1_moneyline_A',
    );
    expect(RemovedEntrySchema.safeParse(12).success).toBe(false);
    const withFlags = SharpApiDeltaResponseSchema.parse({
      ...body(),
      removed: ['a_1_moneyline_X'],
      removed_truncated: true,
      since_clamped: true,
    });
    expect(withFlags).toMatchObject({ removed: ['a_1_moneyline_X'], removed_truncated: true, since_clamped: true });
  });

  it('an unparseable price and an inconsistent price triple', () => {
    const odds = (patch: object) => SharpApiOddsSchema.parse({ ...body().data[0], ...patch });
    expect(() => sharpApiOddsToTick(odds({ odds_american: 'abc' }), RECEIVED)).toThrow(RangeError);
    expect(() => sharpApiOddsToTick(odds({ odds_american: 50 }), RECEIVED)).toThrow(RangeError);
    expect(() => sharpApiOddsToTick(odds({ odds_decimal: 2.5 }), RECEIVED)).toThrow(PriceMismatchError);
    expect(() => sharpApiOddsToTick(odds({ odds_probability: 0.4 }), RECEIVED)).toThrow(PriceMismatchError);
    // A string price and missing decimal/probability are fine; the id keys on the parsed number.
    const t = sharpApiOddsToTick(
      odds({ odds_american: '+150', odds_decimal: null, odds_probability: undefined }),
      RECEIVED,
    );
    expect(t).toMatchObject({ price_american: 150, price_decimal: 2.5, implied_prob: 0.4 });
    expect(t.tick_id).toBe(
      sharpApiTickId({ id: t.provider_odd_id, lastSeenAt: t.ts, oddsAmerican: 150, line: null, removed: false }),
    );
    // No price at all: quoted but not bettable.
    expect(
      sharpApiOddsToTick(odds({ odds_american: null, odds_decimal: null, odds_probability: null }), RECEIVED),
    ).toMatchObject({ locked: true, price_american: null });
  });
});

describe('canonical market, selection and line', () => {
  it('maps provider market names to moneyline / spread / total, else lower_snake', () => {
    expect(['Moneyline', 'money_line', 'moneyline'].map(canonicalMarket)).toEqual([
      'moneyline',
      'moneyline',
      'moneyline',
    ]);
    expect(['Point Spread', 'spread', 'Run Line', 'run_line', 'Puck Line', 'puck_line'].map(canonicalMarket)).toEqual(
      Array(6).fill('spread'),
    );
    expect(['Total Points', 'total', 'totals', 'Total Runs', 'total_goals'].map(canonicalMarket)).toEqual(
      Array(5).fill('total'),
    );
    expect(canonicalMarket('Player Points')).toBe('player_points');
  });

  it('totals select Over/Under with a positive line; spreads keep the signed line', () => {
    const base = fixture('delta-response').data[0];
    const over = sharpApiOddsToTick(
      SharpApiOddsSchema.parse({
        ...base,
        market_type: 'total',
        selection: 'Over 220.5',
        selection_type: 'over',
        line: 220.5,
        odds_american: -110,
        odds_decimal: 1.909,
        odds_probability: 0.5238,
      }),
      RECEIVED,
    );
    expect(over).toMatchObject({ market: 'total', selection: 'Over', line: 220.5 });
    const under = sharpApiOddsToTick(
      SharpApiOddsSchema.parse({
        ...base,
        market_type: 'Total Points',
        selection: 'Under',
        selection_type: null,
        line: -220.5,
        odds_american: -110,
        odds_decimal: 1.909,
        odds_probability: 0.5238,
      }),
      RECEIVED,
    );
    expect(under).toMatchObject({ market: 'total', market_raw: 'Total Points', selection: 'Under', line: 220.5 });
    const spread = sharpApiOddsToTick(
      SharpApiOddsSchema.parse({
        ...base,
        market_type: 'run_line',
        selection: '',
        selection_type: 'home',
        line: -1.5,
        odds_american: 135,
        odds_decimal: 2.35,
        odds_probability: 0.4255,
      }),
      RECEIVED,
    );
    expect(spread).toMatchObject({ market: 'spread', selection: 'PHI 76ers', line: -1.5 });
  });

  it('reads book, event, market and selection out of an odds id', () => {
    expect(parseSharpApiOddsId('draftkings_33483153_moneyline_PHO')).toMatchObject({
      book: 'draftkings',
      event_key: '33483153',
      market: 'moneyline',
      market_raw: 'moneyline',
      selection: 'PHO',
    });
    expect(parseSharpApiOddsId('espn_bet_70001_run_line_NYY')).toMatchObject({
      book: 'espn_bet',
      event_key: '70001',
      market: 'spread',
      market_raw: 'run_line',
      selection: 'NYY',
    });
    expect(parseSharpApiOddsId('fanduel_9_total_over')).toMatchObject({ market: 'total', selection: 'Over' });
    expect(parseSharpApiOddsId('weird')).toMatchObject({ book: 'weird', event_key: 'weird', market: 'unknown' });
  });

  it("a removal tick has no price, sorts just after its window's since (replay-stable), and keys its id on the window", () => {
    const t = OddsTickSchema.parse(
      sharpApiRemovalTick('draftkings_33483153_moneyline_PHO', '2026-02-11T12:00:00Z', null, undefined, RECEIVED),
    );
    expect(t).toMatchObject({
      removed: true,
      locked: false,
      price_american: null,
      price_decimal: null,
      implied_prob: null,
      book: 'draftkings',
      event_key: '33483153',
      market: 'moneyline',
      selection: 'PHO',
      ts: '2026-02-11T12:00:00.001Z',
    });
    expect(t.tick_id).toBe(
      sharpApiTickId({
        id: 'draftkings_33483153_moneyline_PHO',
        lastSeenAt: '2026-02-11T12:00:00.000Z',
        oddsAmerican: null,
        line: null,
        removed: true,
      }),
    );
    // Pulled after a quote read earlier in its window: 1 ms after that quote, under the same id.
    const after = sharpApiRemovalTick(
      'draftkings_33483153_moneyline_PHO',
      '2026-02-11T12:00:00Z',
      '2026-02-11T12:00:07.250Z',
      undefined,
      RECEIVED,
    );
    expect(after).toMatchObject({ ts: '2026-02-11T12:00:07.251Z', tick_id: t.tick_id });
  });
});

describe('the sandbox speaks the documented wire format', () => {
  it('its error bodies are the reference examples and its pages parse', async () => {
    const sb = await startSharpApiSandbox({ apiKey: 'k', clock: 'manual' });
    try {
      const get = async (q: string, key = 'k') => {
        const res = await fetch(`${sb.url}/api/v1/odds/delta${q}`, { headers: { 'X-API-Key': key } });
        return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
      };
      expect(await get('?league=nba')).toMatchObject({ status: 400, body: fixture('error-missing-since') });
      expect(await get(`?since=${sb.now()}&offset=501`)).toMatchObject({
        status: 400,
        body: fixture('error-offset-too-large'),
      });
      expect(await get(`?since=${sb.now()}`, 'wrong')).toMatchObject({
        status: 401,
        body: fixture('error-unauthorized'),
      });
      const page = await get(`?since=2000-01-01T00:00:00Z&limit=600&offset=500`);
      expect(page.status).toBe(200);
      const body = SharpApiDeltaResponseSchema.parse(page.body);
      expect(body.meta.pagination).toMatchObject({ limit: 500, offset: 500, has_more: false });
      expect(body.since_clamped).toBe(true);
      for (const row of body.data) expect(issues(SharpApiOddsSchema, row)).toEqual([]);
      const rl = parseRateLimitHeaders((n) => page.headers.get(n), Date.now());
      expect(rl.limit).toBe(300);
      // Three authenticated requests so far (the 401 has no key to charge).
      expect(rl.remaining).toBe(297);
    } finally {
      await sb.close();
    }
  });
});

afterAll(() => {
  // Every fixture is exercised above.
  const files = readdirSync(FIXTURES).filter((f) => f !== '.gitkeep');
  expect(files.filter((f) => !tested.has(f))).toEqual([]);
});
