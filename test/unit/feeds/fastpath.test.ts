import { describe, expect, it } from 'vitest';
import { isBoltOddsOutcome } from '../../../feeds/boltodds/fast';
import { isCopilotEntry, isCopilotOdd } from '../../../feeds/opticodds/fast';
import { BoltOddsOutcomeSchema } from '../../../schemas/boltodds';
import { FixtureCache, mapOpticOddsEvent } from '../../../feeds/opticodds';
import { CopilotEntrySchema, CopilotOddSchema } from '../../../schemas/opticodds';
import { isOddsTick, OddsTickSchema, type OddsTick } from '../../../schemas/odds';

const odd = {
  id: 'FX1:draftkings:total_points:over_200.5',
  fixture_id: 'FX1',
  game_id: '10000-20000-2026-11-22',
  league: 'NBA',
  sport: 'basketball',
  market: 'Total Points',
  name: 'Over 200.5',
  odd_id: 'FX1:total_points:over_200.5',
  player_id: '',
  team_id: null,
  points: 200.5,
  selection: '',
  selection_line: 'over',
  version_id: -1,
  sportsbook: 'DraftKings',
  grouping_key: 'default:200.5',
  is_main: true,
  price: -110,
  timestamp: 1795000000.5,
  is_live: false,
  extra_field: { kept: true },
};
const tick: OddsTick = {
  tick_id: 'opticodds:1-0:x',
  source: 'opticodds',
  book: 'draftkings',
  sport: 'basketball',
  league: 'NBA',
  event_key: 'ev',
  provider_event_id: 'FX1',
  provider_odd_id: 'x',
  home_team: '',
  away_team: '',
  start_time: null,
  market: 'total',
  market_raw: 'Total Points',
  selection: 'Over',
  line: 200.5,
  price_american: -110,
  price_decimal: 1.909,
  implied_prob: 0.52,
  is_main: true,
  is_live: false,
  locked: false,
  removed: false,
  ts: '2026-11-21T18:00:00.000Z',
  received_at: '2026-11-21T18:00:01.000Z',
};
const outcome = {
  odds: '+3300',
  link: 'https://x',
  outcome_name: 'Spread',
  outcome_line: '-1.5',
  outcome_over_under: null,
  outcome_target: 'New York Mets',
};
const WRONG: unknown[] = [
  undefined,
  null,
  '',
  'text',
  0,
  -1.5,
  NaN,
  Infinity,
  2 ** 53,
  true,
  [],
  {},
  '2026-13-45T99:00:00Z',
];

/** Every field of `base` replaced by every wrong value, and removed. */
function* mutations<T extends object>(base: T): Generator<Record<string, unknown>> {
  for (const key of Object.keys(base)) {
    for (const v of WRONG) yield { ...base, [key]: v };
    const { [key as keyof T]: _, ...rest } = base;
    yield rest;
  }
}

describe('schema fast paths', () => {
  it('accept what the schemas accept, as it is', () => {
    expect(isCopilotOdd(odd)).toBe(true);
    expect(isCopilotEntry({ entry_id: '1-0', data: [odd], type: 'copilot-odds' })).toBe(true);
    expect(isOddsTick(tick)).toBe(true);
    expect(isBoltOddsOutcome(outcome)).toBe(true);
  });

  it('never pass what the schemas refuse (the schema has the last word on everything else)', () => {
    let checked = 0;
    for (const m of mutations(odd)) {
      if (isCopilotOdd(m)) expect(CopilotOddSchema.safeParse(m).success, JSON.stringify(m)).toBe(true);
      checked++;
    }
    for (const m of mutations(tick)) {
      if (isOddsTick(m as OddsTick)) expect(OddsTickSchema.safeParse(m).success, JSON.stringify(m)).toBe(true);
      checked++;
    }
    for (const m of mutations({ entry_id: '1-0', data: [odd], type: 'copilot-odds' })) {
      if (isCopilotEntry(m)) expect(CopilotEntrySchema.safeParse(m).success, JSON.stringify(m)).toBe(true);
      checked++;
    }
    for (const m of mutations(outcome)) {
      if (isBoltOddsOutcome(m)) expect(BoltOddsOutcomeSchema.safeParse(m).success, JSON.stringify(m)).toBe(true);
      checked++;
    }
    for (const m of [null, [], 'x', 1, [odd]]) {
      expect(isBoltOddsOutcome(m)).toBe(false);
      expect(isCopilotOdd(m)).toBe(false);
      expect(isCopilotEntry(m)).toBe(false);
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('a refused odd is still rejected with the schema text, its raw JSON, and the other odds of the entry kept', () => {
    const bad = { ...odd, id: 'bad', timestamp: 'yesterday' };
    const data = JSON.stringify({ entry_id: '5-0', data: [odd, bad], type: 'copilot-odds' });
    const m = mapOpticOddsEvent('copilot-odds', data, '2026-11-21T18:00:01.000Z', new FixtureCache());
    if (!m.ok) throw new Error('the envelope was fine');
    expect(m.entry.rows.ticks.map((t) => t.provider_odd_id)).toEqual([odd.id]);
    expect(m.entry.rejects).toEqual([
      {
        raw: JSON.stringify(bad),
        reason: 'schema',
        detail: expect.stringMatching(/^copilot-odds 5-0: timestamp: .*number/i),
        record: { path: 'data[1]', id: 'bad', context: { event: 'copilot-odds', entry_id: '5-0' } },
      },
    ]);
  });
});
