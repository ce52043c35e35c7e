import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BoltOddsMessageSchema,
  BoltOddsOutcomeSchema,
  BookClearSchema,
  ErrorMessageSchema,
  GameRemovedSchema,
  GameUpdateSchema,
  InitialStateSchema,
  LineUpdateSchema,
  PingSchema,
  SocketConnectedSchema,
  SportClearSchema,
  SubscribeMessageSchema,
  SubscriptionUpdatedSchema,
} from '../../../schemas/boltodds';

import { issues, jsonFixtures } from '../../support/fixtures';

const { dir: FIXTURES, tested, fixture } = jsonFixtures('boltodds');

describe('doc examples (test/fixtures/boltodds)', () => {
  it('socket-connected.json is the ack', () => {
    expect(SocketConnectedSchema.parse(fixture('socket-connected'))).toEqual({ action: 'socket_connected' });
    expect(BoltOddsMessageSchema.parse(fixture('socket-connected')).action).toBe('socket_connected');
  });

  it('initial-state.json: one game at one book with string odds', () => {
    const m = InitialStateSchema.parse(fixture('initial-state'));
    expect(m.timestamp).toBe('2025-07-23T19:45:03.048958+00:00');
    expect(m.data.sportsbook).toBe('ballybet');
    expect(m.data.game).toBe('New York Mets vs Los Angeles Angels, 2025-07-23, 01');
    expect(m.data.info?.when).toBe('2025-07-23, 01:09 PM');
    expect(m.data.info?.id).toBe(1022036664);
    expect(Object.keys(m.data.outcomes)).toEqual(['New York Mets Moneyline', 'Los Angeles Angels Moneyline']);
    expect(m.data.outcomes['Los Angeles Angels Moneyline']).toMatchObject({
      odds: '+3300',
      outcome_name: 'Moneyline',
      outcome_line: null,
      outcome_over_under: null,
      outcome_target: 'Los Angeles Angels',
    });
    expect(BoltOddsMessageSchema.parse(fixture('initial-state')).action).toBe('initial_state');
  });

  it('game-update.json has the same shape as initial_state', () => {
    const m = GameUpdateSchema.parse(fixture('game-update'));
    expect(BoltOddsOutcomeSchema.parse(m.data.outcomes['New York Mets Moneyline']).odds).toBe('-3333');
    expect(BoltOddsOutcomeSchema.parse(m.data.outcomes['Los Angeles Angels Moneyline']).odds).toBe('+900');
  });

  it('game-removed.json carries the game and no outcomes', () => {
    const m = GameRemovedSchema.parse(fixture('game-removed'));
    expect(m.data.outcomes).toEqual({});
    expect(m.data.game).toBe('New York Mets vs Los Angeles Angels, 2025-07-23, 01');
  });

  it('line-update.json carries a single outcome', () => {
    const m = LineUpdateSchema.parse(fixture('line-update'));
    expect(Object.keys(m.data.outcomes)).toEqual(['New York Mets Moneyline']);
    expect(BoltOddsOutcomeSchema.parse(m.data.outcomes['New York Mets Moneyline']).odds).toBe('-1250');
  });

  it('sport-clear.json and book-clear.json accept the {} placeholders', () => {
    const s = SportClearSchema.parse(fixture('sport-clear'));
    expect(s.data).toMatchObject({ sport: 'NBA', sportsbook: 'ballybet', game: {}, info: {} });
    const b = BookClearSchema.parse(fixture('book-clear'));
    expect(b.data).toMatchObject({ sport: {}, sportsbook: 'ballybet' });
    expect(BoltOddsMessageSchema.parse(fixture('book-clear')).action).toBe('book_clear');
  });

  it('ping, error and subscription_updated', () => {
    expect(PingSchema.parse(fixture('ping'))).toEqual({ action: 'ping' });
    expect(ErrorMessageSchema.parse(fixture('error-rate-limit')).message).toBe(
      'Re-subscription rate limit hit. Please wait 5 seconds before re-subscribing.',
    );
    expect(SubscriptionUpdatedSchema.parse(fixture('subscription-updated')).message).toMatch(/successfully updated/);
  });

  it('subscribe.json is the client subscription message', () => {
    const m = SubscribeMessageSchema.parse(fixture('subscribe'));
    expect(m.filters.sports).toEqual(['NBA', 'MLB', 'Wimbledon (M)']);
    expect(m.filters.sportsbooks).toEqual(['draftkings', 'betmgm']);
    expect(m.filters.games).toHaveLength(2);
    expect(m.filters.markets).toEqual(['Moneyline', 'Spread']);
  });

  afterAll(() => {
    const all = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    expect(all.filter((f) => !tested.has(f))).toEqual([]);
  });
});

describe('what the schemas accept and refuse', () => {
  const base = () => fixture('line-update');

  it('suspended odds: null (Python None), empty string, or missing', () => {
    for (const odds of [null, '', undefined]) {
      const m = base();
      m.data.outcomes['New York Mets Moneyline'].odds = odds;
      expect(issues(LineUpdateSchema, m)).toEqual([]);
      expect(issues(BoltOddsOutcomeSchema, m.data.outcomes['New York Mets Moneyline'])).toEqual([]);
    }
  });

  it('outcome_line may be a number or a numeric string, not text; the message is checked apart from its outcomes', () => {
    const m = base();
    const o = m.data.outcomes['New York Mets Moneyline'];
    o.outcome_line = '0.5';
    expect(issues(BoltOddsOutcomeSchema, o)).toEqual([]);
    o.outcome_line = -1.5;
    expect(issues(BoltOddsOutcomeSchema, o)).toEqual([]);
    o.outcome_line = 'minus one';
    expect(issues(BoltOddsOutcomeSchema, o)).toEqual(['outcome_line: outcome_line must be numeric']);
    // One bad outcome never refuses its message: state.ts refuses that outcome alone.
    expect(issues(LineUpdateSchema, m)).toEqual([]);
  });

  it('refuses a game message without sportsbook, outcomes or a valid timestamp', () => {
    const noBook = base();
    delete noBook.data.sportsbook;
    expect(issues(BoltOddsMessageSchema, noBook)).toEqual([expect.stringMatching(/^data\.sportsbook: /)]);
    const noOutcomes = base();
    delete noOutcomes.data.outcomes;
    expect(issues(BoltOddsMessageSchema, noOutcomes)).toEqual([expect.stringMatching(/^data\.outcomes: /)]);
    const badTs = base();
    badTs.timestamp = 'yesterday';
    expect(issues(BoltOddsMessageSchema, badTs)).toEqual(['timestamp: must be an ISO-8601 timestamp']);
  });

  it('refuses an outcome without outcome_name and an unknown action', () => {
    const m = base();
    delete m.data.outcomes['New York Mets Moneyline'].outcome_name;
    expect(issues(BoltOddsOutcomeSchema, m.data.outcomes['New York Mets Moneyline'])).toHaveLength(1);
    expect(BoltOddsMessageSchema.safeParse({ action: 'score_update' }).success).toBe(false);
  });

  it('keeps fields it does not know (the doc warns the format may change)', () => {
    const m = base();
    m.data.universal_id = 'ac792a4acb18';
    m.data.extra = { x: 1 };
    const parsed = LineUpdateSchema.parse(m);
    expect(parsed.data.universal_id).toBe('ac792a4acb18');
    expect((parsed.data as Record<string, unknown>).extra).toEqual({ x: 1 });
  });

  it('subscribe filters are optional lists of strings', () => {
    expect(SubscribeMessageSchema.safeParse({ action: 'subscribe', filters: {} }).success).toBe(true);
    expect(SubscribeMessageSchema.safeParse({ action: 'subscribe', filters: { sports: 'NBA' } }).success).toBe(false);
  });
});
