import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBoltOddsMessage } from '../../../feeds/boltodds/message';
import { BoltOddsState, refusedOutcome } from '../../../feeds/boltodds/state';
import { eventName, FixtureCache, mapOpticOddsEvent, opticSettlementId, opticTickId } from '../../../feeds/opticodds';
import { remapRefused } from '../../../feeds/replay';
import { SharpApiPoller } from '../../../feeds/sharpapi/poller';
import { pollWindow } from '../../../feeds/sharpapi/window';
import type { RefusedRecord } from '../../../rejections/record';
import { SharpApiDeltaResponseSchema } from '../../../schemas/sharpapi';
import { createTestFeedContext } from '../../support/feed-context';

// The tolerant reader's contract, per provider: messages that vary every cosmetic aspect the docs
// leave open, with a random subset of records made unusable. Every usable record loads as exactly
// one row, every unusable one is refused alone with a path to it, and a replay of a record maps
// it to the same row as live ingestion did.

const RUNS = { seed: 20_2612, numRuns: 100 } as const;
const RECEIVED = '2026-02-11T12:00:21.000Z';

/** A record as generated: its JSON value, and when unusable, the reason today's code gives. */
interface Gen {
  value: unknown;
  bad: string | null;
}

/** Reorders an object's keys (JSON readers must not care) and adds fields nobody documented. */
const shuffled = (
  o: Record<string, unknown>,
  salt: number,
  extra: Record<string, unknown>,
): Record<string, unknown> => {
  const keys = [...Object.keys(o), ...Object.keys(extra)];
  let s = salt >>> 0;
  for (let i = keys.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  return Object.fromEntries(keys.map((k) => [k, k in o ? o[k] : extra[k]]));
};
const salt = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const extras = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 6 }).map((k) => `zz_${k}`),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);
const casing = (s: string) => fc.constantFrom(s, s.toUpperCase(), s[0].toUpperCase() + s.slice(1), ` ${s} `);
const text = fc.string({ maxLength: 12 });
const nonBlank = fc.string({ minLength: 1, maxLength: 16 }).filter((s) => s.trim() !== '');
const market = fc.oneof(
  fc.constantFrom('Moneyline', 'Point Spread', 'Total Points', 'Run Line', 'Player Passing Yards', 'alt_spread_q1'),
  nonBlank,
);
const american = fc.oneof(fc.integer({ min: 100, max: 5_000 }), fc.integer({ min: -5_000, max: -100 }));
const iso = fc
  .date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
/** Anything in a field the mapping only reads when it has the documented type. */
const junk = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer(), text, fc.boolean(), fc.constant({}));
/** Most records are usable; about one in four carries one of these defects. */
const defect = <T>(list: readonly T[]) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...list) });
/** `null`-or-absent optional field. */
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.constant(null), fc.constant(undefined));

/** Every refused record points at one unusable record, and every unusable record is refused once. */
function expectRefusals(
  gens: Gen[],
  refusals: { reason: string; record?: RefusedRecord }[],
  pathOf: (i: number) => string,
) {
  const expected = gens.flatMap((g, i) => (g.bad ? [[pathOf(i), g.bad]] : []));
  expect(refusals.map((r) => [r.record?.path, r.reason])).toEqual(expected);
}

describe('OpticOdds contract', () => {
  const EVENTS = ['copilot-odds', 'copilot-locked-odds', 'copilot-settled-odds'] as const;
  type Event = (typeof EVENTS)[number];
  const entryId = fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 2 ** 42 }), fc.nat(9)).map(([ms, seq]) => `${ms}-${seq}`),
    fc.integer({ min: 1 }).map(String),
    fc.uuid(),
    fc.constant('abc-1'),
  );
  const oddId = (i: number) =>
    fc.constantFrom(
      `1:-1:FX${i}:moneyline:team_${i}`,
      `FX${i}:draftkings:total_points:over_${i}_5`,
      `${1000 + i}`,
      `odd ${i}`,
    );

  function odd(event: Event, i: number): fc.Arbitrary<Gen> {
    const settled = event === 'copilot-settled-odds';
    const base = fc.record({
      id: oddId(i),
      fixture_id: fc.constantFrom('4825158B6424', `fx-${i}`),
      game_id: fc.constantFrom('16903-41811-2024-10-22', 'G1'),
      league: casing('nba'),
      sport: casing('basketball'),
      market,
      name: fc.oneof(text, fc.constantFrom('Over 104.5', 'Miami Heat Over 105.5', 'Boston Celtics -3.5')),
      odd_id: junk,
      player_id: junk,
      team_id: junk,
      version_id: junk,
      grouping_key: junk,
      is_main: junk,
      is_live: junk,
      points: maybe(fc.double({ min: -50, max: 300, noNaN: true, noDefaultInfinity: true })),
      selection: maybe(text),
      selection_line: maybe(fc.oneof(casing('over'), casing('under'), text)),
      sportsbook: maybe(fc.constantFrom('DraftKings', 'Hard Rock', 'pinnacle')),
      price: settled
        ? fc.constant(undefined)
        : maybe(
            fc.oneof(
              american,
              american.map((a) => (a > 0 ? `+${a}` : ` ${a} `)),
              fc.constant(''),
            ),
          ),
      timestamp: fc.oneof(
        fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }),
        fc.double({ min: 1.6e9, max: 1.9e9, noNaN: true }),
      ),
      settlement: settled
        ? fc.oneof(fc.constantFrom('Won', 'Lost', 'Push', 'half won', 'CASHED_OUT'), nonBlank)
        : fc.constant(undefined),
      settled_at: settled ? maybe(iso.map((s) => s.replace('Z', '+00:00'))) : fc.constant(undefined),
    });
    type Defect = [string, string, (o: Record<string, unknown>) => unknown];
    const priced: Defect[] = [
      ['bad_price', 'price abc', (o) => (o.price = 'abc')],
      ['bad_price', 'price 50', (o) => (o.price = 50)],
    ];
    const settling: Defect[] = [
      ['schema', 'no settlement', (o) => delete o.settlement],
      ['schema', 'settled_at soon', (o) => (o.settled_at = 'soon')],
    ];
    const defects: Defect[] = [
      ['schema', 'no id', (o) => delete o.id],
      ['schema', 'no game_id', (o) => delete o.game_id],
      ['schema', 'blank market', (o) => (o.market = '')],
      ['schema', 'text timestamp', (o) => (o.timestamp = 'yesterday')],
      ...(event === 'copilot-odds' ? priced : []),
      ...(settled ? settling : []),
    ];
    return fc.tuple(base, salt, extras, defect(defects)).map(([o, s, x, d]) => {
      const value = shuffled(o, s, x);
      d?.[2](value);
      return { value: JSON.parse(JSON.stringify(value)), bad: d?.[0] ?? null };
    });
  }

  const message = fc.constantFrom(...EVENTS).chain((event) =>
    fc.record({
      event: fc.constant(event),
      wireName: casing(event),
      entryId,
      envelope: fc.record({ type: fc.oneof(fc.constant(event), junk) }),
      odds: fc
        .integer({ min: 1, max: 8 })
        .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => odd(event, i)))),
    }),
  );

  it('loads every usable odd once, refuses each unusable one alone, and a replay maps to the same row', () => {
    fc.assert(
      fc.property(message, ({ event, wireName, entryId: id, envelope, odds }) => {
        expect(eventName(wireName)).toBe(event);
        const m = mapOpticOddsEvent(
          eventName(wireName),
          JSON.stringify({ ...envelope, entry_id: id, data: odds.map((o) => o.value) }),
          RECEIVED,
          new FixtureCache(),
        );
        if (!m.ok) throw new Error(`whole event refused: ${m.reject.detail}`);
        const settled = event === 'copilot-settled-odds';
        const rows: { id: string }[] = settled
          ? m.entry.rows.settlements.map((r) => ({ ...r, id: r.settlement_id }))
          : m.entry.rows.ticks.map((r) => ({ ...r, id: r.tick_id }));
        const usable = odds.filter((o) => !o.bad).map((o) => (o.value as { id: string }).id);
        expect(rows.map((r) => r.id)).toEqual(
          usable.map((oddIdOf) => (settled ? opticSettlementId : opticTickId)(id, oddIdOf)),
        );
        expectRefusals(odds, m.entry.rejects, (i) => `data[${i}]`);
        for (const r of m.entry.rejects) {
          expect(r.record!.id).toBe((JSON.parse(r.raw) as { id?: string }).id ?? null);
          const again = remapRefused('opticodds', r.raw, r.record!.context, RECEIVED);
          expect(again.refused.map((x) => x.reason)).toEqual([r.reason]);
        }
        let k = 0;
        for (const o of odds.filter((x) => !x.bad)) {
          const again = remapRefused('opticodds', JSON.stringify(o.value), { event, entry_id: id }, RECEIVED);
          expect(again.refused).toEqual([]);
          const [row] = settled ? again.rows.settlements : again.rows.ticks;
          expect({ ...row, id: rows[k].id }).toEqual(rows[k++]);
        }
      }),
      RUNS,
    );
  });
});

describe('BoltOdds contract', () => {
  const ACTIONS = ['initial_state', 'game_update', 'game_added', 'line_update'] as const;
  const outcomeKey = (i: number) =>
    fc.constantFrom(`Over 47.5 #${i}`, `New York Mets Moneyline ${i}`, `k${i}`, `Équipe ${i} "quoted"`);
  const numericText = fc.oneof(
    fc.double({ min: -50, max: 300, noNaN: true, noDefaultInfinity: true }).map((n) => String(n)),
    fc.constant('0.5'),
    fc.constant(''),
  );

  const outcome = fc.record({
    odds: maybe(
      fc.oneof(
        american.map((a) => (a > 0 ? `+${a}` : String(a))),
        american,
        fc.constantFrom('', 'None'),
      ),
    ),
    link: junk,
    outcome_name: market,
    outcome_line: maybe(fc.oneof(fc.double({ min: -50, max: 300, noNaN: true, noDefaultInfinity: true }), numericText)),
    outcome_over_under: maybe(fc.oneof(casing('over'), casing('under'), text)),
    outcome_target: maybe(text),
  });
  const defects: [string, (o: Record<string, unknown>) => unknown][] = [
    ['unparseable_price', (o) => ({ ...o, odds: 'abc' })],
    ['unparseable_price', (o) => ({ ...o, odds: '+1O5' })],
    ['unparseable_price', (o) => ({ ...o, odds: 50 })],
    ['schema', (o) => ({ ...o, outcome_name: undefined })],
    ['schema', (o) => ({ ...o, outcome_line: 'minus one' })],
    ['schema', () => 'not an outcome'],
  ];
  const gen = fc.tuple(outcome, salt, extras, defect(defects)).map(([o, s, x, d]): Gen => {
    const value = d ? d[1](shuffled(o, s, x)) : shuffled(o, s, x);
    return { value: JSON.parse(JSON.stringify(value)), bad: d?.[0] ?? null };
  });

  const message = fc.record({
    action: fc.constantFrom(...ACTIONS).chain(casing),
    timestamp: iso.chain((t) => fc.constantFrom(t, t.replace('Z', '+00:00'), t.replace(/\.(\d{3})Z$/, '.$1123+00:00'))),
    sport: fc.oneof(fc.constantFrom('NBA', 'MLB', 'Wimbledon (M)'), nonBlank),
    sportsbook: fc.oneof(fc.constantFrom('ballybet', 'draftkings'), nonBlank),
    game: fc.oneof(fc.constant('New York Mets vs Los Angeles Angels, 2025-07-23, 01'), nonBlank),
    home_team: junk,
    away_team: junk,
    universal_id: maybe(fc.constantFrom('ac792a4acb18', 'u-1')),
    info: maybe(
      fc.record({
        id: maybe(fc.oneof(fc.integer(), text)),
        when: fc.oneof(junk, fc.constant('2025-07-23, 01:09 PM')),
        link: junk,
        game: junk,
      }),
    ),
    outcomes: fc
      .integer({ min: 1, max: 8 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => fc.tuple(outcomeKey(i), gen)))),
    salt,
    extra: extras,
  });

  it('loads every usable outcome once, refuses each unusable one alone, and a replay maps to the same tick', () => {
    fc.assert(
      fc.property(message, ({ action, timestamp, outcomes, salt: s, extra, ...data }) => {
        const wire = {
          action,
          timestamp,
          data: shuffled({ ...data, outcomes: Object.fromEntries(outcomes.map(([k, g]) => [k, g.value])) }, s, extra),
        };
        const p = parseBoltOddsMessage(JSON.parse(JSON.stringify(wire)));
        if (!p.ok) throw new Error(`whole message refused: ${p.detail}`);
        const msg = p.msg;
        if (
          msg.action !== 'initial_state' &&
          msg.action !== 'game_update' &&
          msg.action !== 'game_added' &&
          msg.action !== 'line_update'
        )
          throw new Error(`parsed as ${msg.action}`);
        const r = new BoltOddsState().apply(msg, RECEIVED);
        const gens = outcomes.map(([, g]) => g);
        const usable = outcomes.filter(([, g]) => !g.bad).map(([k]) => k);
        expect(r.ticks.map((t) => t.provider_odd_id)).toEqual(usable);
        expectRefusals(gens, r.rejects, (i) => `outcomes[${JSON.stringify(outcomes[i][0])}]`);
        for (const x of r.rejects) {
          expect(x.record.id).toBe(x.record.context.outcome_key);
          expect(remapRefused('boltodds', x.raw, x.record.context, RECEIVED).refused.map((y) => y.reason)).toEqual([
            x.reason,
          ]);
        }
        for (const [k, t] of usable.map((key, i) => [key, r.ticks[i]] as const)) {
          const again = remapRefused(
            'boltodds',
            JSON.stringify(msg.data.outcomes[k]),
            refusedOutcome(msg, k).context,
            RECEIVED,
          );
          expect(again.refused).toEqual([]);
          expect(again.rows.ticks).toEqual([t]);
        }
      }),
      RUNS,
    );
  });
});

describe('SharpAPI contract', () => {
  const SINCE = '2026-02-11T12:00:00.000Z';
  const decimal = (a: number) => (a > 0 ? 1 + a / 100 : 1 + 100 / -a);
  const row = (i: number) =>
    fc
      .record({
        id: fc.constantFrom(`draftkings_33483153_moneyline_PHO_${i}`, `odd-${i}`, `${i}`),
        sportsbook: fc.constantFrom('draftkings', 'FanDuel'),
        event_id: fc.oneof(fc.constant('33483153'), fc.integer({ min: 1 })),
        sport: casing('basketball'),
        league: casing('nba'),
        home_team: junk,
        away_team: junk,
        market_type: market,
        selection: text,
        selection_type: fc.oneof(junk, casing('away'), casing('over')),
        american,
        asText: fc.boolean(),
        cross: fc.constantFrom('number', 'text', 'junk', 'absent'),
        line: maybe(fc.double({ min: -50, max: 300, noNaN: true, noDefaultInfinity: true })),
        event_start_time: maybe(iso),
        last_seen_at: iso,
        is_live: fc.oneof(junk, casing('true')),
        status: fc.oneof(junk, fc.constantFrom('upcoming', 'suspended_by_trader')),
      })
      .map(({ american: a, asText, cross, ...o }) => {
        const d = decimal(a);
        const pick = (n: number) => ({ number: n, text: n.toFixed(3), junk: 'n/a', absent: undefined })[cross];
        return {
          ...o,
          odds_american: asText ? (a > 0 ? `+${a}` : String(a)) : a,
          odds_decimal: pick(Math.round(d * 1000) / 1000),
          odds_probability: pick(Math.round(100 / d) / 100),
        };
      });
  const rowDefects: [string, (o: Record<string, unknown>) => unknown][] = [
    ['schema', (o) => delete o.id],
    ['schema', (o) => (o.last_seen_at = 'yesterday')],
    ['schema', (o) => (o.event_start_time = 'TBD')],
    ['schema', (o) => (o.market_type = ' ')],
    ['price', (o) => (o.odds_american = 'abc')],
    ['price', (o) => (o.odds_american = 50)],
    ['price_inconsistent', (o) => (o.odds_decimal = 0.5)],
  ];
  const rows = fc.integer({ min: 0, max: 8 }).chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.tuple(row(i), salt, extras, defect(rowDefects)).map(([o, s, x, d]): Gen => {
          const value = shuffled(o, s, x);
          d?.[1](value);
          return { value: JSON.parse(JSON.stringify(value)), bad: d?.[0] ?? null };
        }),
      ),
    ),
  );
  const removed = fc.integer({ min: 0, max: 5 }).chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.oneof(
          fc
            .constantFrom(`gone_${i}_moneyline_X`, `fanduel_9${i}_total_Over`)
            .map((id): Gen => ({ value: id, bad: null })),
          fc.constant<Gen>({ value: { id: `gone_obj_${i}`, removed_at: 'x' }, bad: null }),
          fc.constantFrom<unknown>(12, {}, '', null, { id: '' }).map((value): Gen => ({ value, bad: 'schema' })),
        ),
      ),
    ),
  );
  const envelope = fc.record({
    success: fc.constantFrom(true, 'true', undefined),
    count: junk,
    books_changed: junk,
    filters: junk,
    pagination: fc.option(fc.record({ limit: junk, offset: junk, next_offset: junk }), { nil: undefined }),
    removed_truncated: fc.constantFrom(false, 'false', undefined),
    since_clamped: fc.constantFrom(false, undefined),
  });

  it('loads every usable row and removal once, refuses each unusable one alone, and a replay maps to the same tick', async () => {
    await fc.assert(
      fc.asyncProperty(rows, removed, envelope, async (data, gone, env) => {
        const page = {
          success: env.success,
          data: data.map((g) => g.value),
          removed: gone.map((g) => g.value),
          removed_truncated: env.removed_truncated,
          since_clamped: env.since_clamped,
          meta: {
            count: env.count,
            total: data.length,
            server_time: '2026-02-11T12:00:20.000Z',
            books_changed: env.books_changed,
            filters: env.filters,
            pagination: env.pagination && { ...env.pagination, has_more: false },
          },
        };
        const body = SharpApiDeltaResponseSchema.safeParse(JSON.parse(JSON.stringify(page)));
        if (!body.success) throw new Error(`whole page refused: ${body.error.message}`);
        const ctx = createTestFeedContext();
        const refusals: { raw: string; reason: string; record?: RefusedRecord }[] = [];
        ctx.reject = async (raw, reason, _detail, record) => void refusals.push({ raw, reason, record });
        const poller = new SharpApiPoller({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k' }, ctx);
        poller.fetchPage = async () => ({ kind: 'ok', body: body.data, receivedAt: RECEIVED });
        expect(await pollWindow(poller, SINCE, 0)).toBe(page.meta.server_time);
        const quotes = ctx.ticks.filter((t) => !t.removed);
        const removals = ctx.ticks.filter((t) => t.removed);
        expect(quotes.map((t) => t.provider_odd_id)).toEqual(
          data.filter((g) => !g.bad).map((g) => (g.value as { id: string }).id),
        );
        const removedIds = gone
          .filter((g) => !g.bad)
          .map((g) => (typeof g.value === 'string' ? g.value : (g.value as { id: string }).id));
        expect(removals.map((t) => t.provider_odd_id)).toEqual(removedIds);
        const paths = [...data.map((_, i) => `data[${i}]`), ...gone.map((_, i) => `removed[${i}]`)];
        expectRefusals(
          [...data, ...gone],
          [
            ...refusals.filter((r) => r.record?.path.startsWith('data')),
            ...refusals.filter((r) => r.record?.path.startsWith('removed')),
          ],
          (i) => paths[i],
        );
        for (const r of refusals)
          expect(remapRefused('sharpapi', r.raw, r.record!.context, RECEIVED).refused.map((x) => x.reason)).toEqual([
            r.reason,
          ]);
        for (const [i, g] of data.filter((x) => !x.bad).entries())
          expect(remapRefused('sharpapi', JSON.stringify(g.value), { kind: 'odds' }, RECEIVED)).toEqual({
            rows: { ticks: [quotes[i]], settlements: [], fixtures: [] },
            refused: [],
          });
        for (const [i, g] of gone.filter((x) => !x.bad).entries()) {
          const again = remapRefused(
            'sharpapi',
            JSON.stringify(g.value),
            { kind: 'removed', window_since: SINCE },
            RECEIVED,
          );
          expect(again.rows.ticks).toEqual([removals[i]]);
        }
      }),
      RUNS,
    );
  });
});

describe('remapRefused', () => {
  it('refuses to guess a source it has no mapping for', () => {
    expect(() => remapRefused('sharpsports-slip', '{}', {}, RECEIVED)).toThrow(
      /no feed replay for source "sharpsports-slip"/,
    );
  });
});
