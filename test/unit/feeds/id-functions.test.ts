import { describe, expect, it } from 'vitest';
import { opticSettlementId, opticTickId, opticUpdateId } from '../../../feeds/opticodds';
import { boltOddsTickId } from '../../../feeds/boltodds';
import { sharpApiTickId } from '../../../feeds/sharpapi';
import { sharpApiRemovalTickId } from '../../../feeds/sharpapi/ids';
import {
  boltOddsRowId,
  opticRowIds,
  sharpApiCurrentRowIds,
  sharpApiRowId,
  sharpApiRowIds,
} from '../../support/reliability/truth-ids';

/**
 * The warehouse's row ids, pinned. The simulators record ground truth in provider terms and the
 * tests turn it into row ids with test/support/reliability/truth-ids.ts, which does not call the
 * product; so a changed product id function no longer moves both sides of a comparison, and this
 * file is where the change shows. The expected strings were computed once, outside both (Python:
 * hashlib.sha256 of json.dumps(..., separators=(',', ':')), first 32 hex digits); inputs are the
 * providers' reference examples. A change here is a change of every stored row id (a migration),
 * not a test to update.
 */

const ENTRY = '1678113258940-2';
const ODD = '1:-1:4825158B6424:1st_half_total_points:over_104_5';
const SETTLED_ENTRY = '1682600339900-0';
const SETTLED_ODD = '1:-1:D86AB59E8025:team_total:miami_heat_over_105_5';
const FIXTURE_ENTRY = '1724871720243-0';
const FIXTURE = 'FB0D30DCDD6C';

const GAME = 'New York Mets vs Los Angeles Angels, 2025-07-23, 01';
const BOLT = [
  {
    change: {
      sportsbook: 'ballybet',
      game: GAME,
      outcomeKey: 'New York Mets Moneyline',
      price: -10000,
      line: null,
      flag: 'price',
      timestamp: '2025-07-23T19:45:03.048958+00:00',
    },
    id: 'bo_1467ab838d492066c5a9c8b68685f831',
  },
  {
    change: {
      sportsbook: 'ballybet',
      game: GAME,
      outcomeKey: 'Los Angeles Angels Moneyline',
      price: null,
      line: null,
      flag: 'locked',
      timestamp: '2025-07-23T19:46:10.023175+00:00',
    },
    id: 'bo_a044ff9fb3f44a8b8d78adcd73c1500e',
  },
  {
    change: {
      sportsbook: 'ballybet',
      game: GAME,
      outcomeKey: 'Over 8.5 Total Runs',
      price: null,
      line: 8.5,
      flag: 'removed',
      timestamp: '2025-07-23T19:58:43.086382+00:00',
    },
    id: 'bo_d319cd7746a953661f728c7079908be7',
  },
] as const;

const SHARP = [
  {
    version: {
      id: 'draftkings_33483153_moneyline_PHO',
      lastSeenAt: '2026-02-11T12:00:15.125Z',
      oddsAmerican: -150,
      line: null,
      removed: false,
    },
    id: 'sharpapi:f3a9237f841e3f13ef1cdba84fa89a2b',
  },
  {
    version: {
      id: 'draftkings_33483153_spread_PHO',
      lastSeenAt: '2026-02-11T12:00:15.125Z',
      oddsAmerican: -110,
      line: -3.5,
      removed: false,
    },
    id: 'sharpapi:c4a173b9474522f6cf50ebe3340e8607',
  },
  {
    version: {
      id: 'draftkings_33483153_moneyline_PHO',
      lastSeenAt: '2026-02-11T12:00:00.000Z',
      oddsAmerican: null,
      line: null,
      removed: true,
    },
    id: 'sharpapi:ad26a645e3699904ccec2f2ec8d0a857',
  },
];

describe('product id functions, pinned to literal ids', () => {
  it('OpticOdds: tick, settlement and fixture-update ids', () => {
    expect(opticTickId(ENTRY, ODD)).toBe(
      'opticodds:1678113258940-2:1:-1:4825158B6424:1st_half_total_points:over_104_5',
    );
    expect(opticSettlementId(SETTLED_ENTRY, SETTLED_ODD)).toBe(
      'opticodds:1682600339900-0:1:-1:D86AB59E8025:team_total:miami_heat_over_105_5',
    );
    expect(opticUpdateId(FIXTURE_ENTRY, FIXTURE)).toBe('opticodds:1724871720243-0:FB0D30DCDD6C');
  });

  it('BoltOdds: price, locked and removed ticks', () => {
    for (const { change: c, id } of BOLT) {
      expect(
        boltOddsTickId({
          sportsbook: c.sportsbook,
          eventKey: c.game,
          outcomeKey: c.outcomeKey,
          price: c.price,
          line: c.line,
          flag: c.flag,
          timestamp: c.timestamp,
        }),
      ).toBe(id);
    }
  });

  it('SharpAPI: quotes, a removal, and last_seen_at normalised to ms', () => {
    for (const { version: v, id } of SHARP) expect(sharpApiTickId(v)).toBe(id);
    expect(sharpApiTickId({ ...SHARP[0].version, lastSeenAt: '2026-02-11T12:00:15.125000Z' })).toBe(SHARP[0].id);
    expect(sharpApiRemovalTickId('draftkings_33483153_moneyline_PHO', '2026-02-11T12:00:00Z')).toBe(SHARP[2].id);
  });
});

describe('the test-support mapping of sandbox truth gives the same literal ids', () => {
  it('OpticOdds', () => {
    const odd = { entryId: ENTRY, oddId: ODD };
    expect(
      opticRowIds({
        odds: [odd],
        lockedOdds: [odd],
        settledOdds: [{ entryId: SETTLED_ENTRY, oddId: SETTLED_ODD }],
        fixtureStatus: [{ entryId: FIXTURE_ENTRY, fixtureId: FIXTURE }],
      }),
    ).toEqual({
      tickIds: ['opticodds:1678113258940-2:1:-1:4825158B6424:1st_half_total_points:over_104_5'],
      lockedTickIds: ['opticodds:1678113258940-2:1:-1:4825158B6424:1st_half_total_points:over_104_5'],
      settlementIds: ['opticodds:1682600339900-0:1:-1:D86AB59E8025:team_total:miami_heat_over_105_5'],
      updateIds: ['opticodds:1724871720243-0:FB0D30DCDD6C'],
    });
  });

  it('BoltOdds (frozen changes, as the sandbox hands them out, cached or not)', () => {
    for (const { change, id } of BOLT) {
      expect(boltOddsRowId({ ...change })).toBe(id);
      const frozen = Object.freeze({ ...change });
      expect([boltOddsRowId(frozen), boltOddsRowId(frozen)]).toEqual([id, id]);
    }
  });

  it('SharpAPI: emitted() versions and current()', () => {
    for (const { version, id } of SHARP) expect(sharpApiRowId(version)).toBe(id);
    expect(sharpApiRowId({ ...SHARP[0].version, lastSeenAt: '2026-02-11T12:00:15.125000Z' })).toBe(SHARP[0].id);
    expect(
      sharpApiRowIds({ versions: SHARP.map((s) => Object.freeze({ ...s.version })), priceMoves: 2, removals: 1 }),
    ).toEqual({ tickIds: SHARP.map((s) => s.id), priceMoves: 2, removals: 1 });
    expect(
      sharpApiCurrentRowIds([
        { id: 'a', version: SHARP[1].version },
        { id: 'b', version: null },
      ]),
    ).toEqual([
      { id: 'a', tickId: SHARP[1].id },
      { id: 'b', tickId: null },
    ]);
  });
});
