import { describe, expect, it } from 'vitest';
import { parseTime, progressLine } from '../../../cli/backfill';
import { windowAt, windowCount } from '../../../workflows/backfill/messages';

describe('linehouse backfill: times, windows and the progress line', () => {
  it('reads SharpSports date forms as UTC and refuses anything else with the accepted forms', () => {
    expect(parseTime('--from', '2026-01-31')).toBe(Date.UTC(2026, 0, 31));
    expect(parseTime('--from', '2026-01-31T12:30:00')).toBe(Date.UTC(2026, 0, 31, 12, 30));
    expect(parseTime('--from', '2026-01-31T12:30:00+02:00')).toBe(Date.UTC(2026, 0, 31, 10, 30));
    expect(() => parseTime('--to', 'yesterday')).toThrow(/--to must be a date \(2026-01-31\)/);
    expect(() => parseTime('--to', undefined)).toThrow(/--to is required/);
  });

  it('cuts a range into half-open windows that cover it exactly, the last one short', () => {
    const input = { fromMs: 0, toMs: 50 * 3_600_000, windowHours: 24 };
    expect(windowCount(input)).toBe(3);
    const ws = [0, 1, 2].map((i) => windowAt(input, i));
    expect(ws.map((w) => [w.startMs, w.endMs])).toEqual([
      [0, 24 * 3_600_000],
      [24 * 3_600_000, 48 * 3_600_000],
      [48 * 3_600_000, 50 * 3_600_000],
    ]);
  });

  it('shows windows, pages, slips by kind, rate and ETA', () => {
    const line = progressLine(
      {
        windows: 10,
        windowsDone: 5,
        running: [5, 6],
        counts: { pages: 40, slips: 2000, bets: 2500, new: 1500, updated: 100, unchanged: 400 },
        startedAtMs: 0,
        runs: 1,
        done: false,
      },
      10_000,
      3,
    );
    expect(line).toBe(
      '[############............] 5/10 windows  43 pages  2000 slips (1500 new, 100 updated, 400 unchanged)  200 slips/s  ETA 10s',
    );
  });
});
