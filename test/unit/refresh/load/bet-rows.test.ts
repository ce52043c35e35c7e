import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { slipToRows, slipVersion } from '../../../../refresh/load/bet-rows';
import { normalizeRefreshResponse } from '../../../../schemas/sharpsports';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(new URL(`../../../fixtures/sharpsports/${name}.json`, import.meta.url), 'utf8'));

describe('slip rows', () => {
  it('orders versions by refreshResponse time, to the microsecond', () => {
    expect(slipVersion('2023-12-06T18:23:52.380920Z')).toBe(Date.parse('2023-12-06T18:23:52.380Z') * 1000 + 920);
    expect(slipVersion('2023-12-06T18:23:52.380921Z')).toBeGreaterThan(slipVersion('2023-12-06T18:23:52.380920Z'));
    expect(slipVersion('2023-12-06T18:23:53Z')).toBeGreaterThan(slipVersion('2023-12-06T18:23:52.999999Z'));
  });

  it('maps the documented parlay into one slip row and one row per leg', () => {
    const rr = normalizeRefreshResponse(fixture('refresh-response-mgm'));
    const parlay = rr.betSlips.find((s) => s.type === 'parlay')!;
    const { slip, bets } = slipToRows(parlay, { refreshResponseId: rr.id, refreshResponseTime: rr.timeCreated! });
    expect(slip).toMatchObject({
      id: 'SLIP_4ffcdb155f7e4c77bf64db0fce7e6564',
      bettor_account_id: 'BACT_e975966941094635a9e7c7c0e2618993',
      book_abbr: 'mg',
      odds_american: 264,
      at_risk: 9406,
      to_win: 24831,
      leg_count: 2,
      adjusted_odds: false,
    });
    expect(bets).toHaveLength(2);
    expect(bets[0]).toMatchObject({
      bet_slip_id: slip.id,
      proposition: 'total',
      position: 'Under',
      line: 230,
      odds_american: -110,
      oddsjam_id: '16903-86230-2023-12-07',
      home_team: 'Los Angeles Lakers',
      away_team: 'New Orleans Pelicans',
      league: 'NBA',
    });
    expect(bets[1]).toMatchObject({ proposition: 'spread', position: 'Chicago Bears', line: -3 });
    expect(bets.every((b) => b.version === slip.version)).toBe(true);
  });

  it('keeps an incomplete bet with nulls rather than inventing values', () => {
    const slip = fixture('bet-slip');
    const { bets } = slipToRows(slip, { refreshResponseId: 'RRES_x', refreshResponseTime: '2022-01-16T18:00:00Z' });
    const incomplete = bets.find((b) => b.incomplete)!;
    expect(incomplete.proposition).toBe('');
    expect(incomplete.position).toBeNull();
    expect(incomplete.line).toBeNull();
  });
});
