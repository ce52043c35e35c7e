import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRefreshResponse, readSlips } from '../../../schemas/sharpsports';
import { slipToRows } from '../../../refresh/load/bet-rows';
import { jsonFixtures } from '../../support/fixtures';

// Generated payloads from outside the docs' examples: every cosmetic aspect of a refreshResponse
// varies (id formats, extra fields, nulls in optional fields, unknown enum values, key order,
// numbers as strings, casing), and a random subset of slips is made unusable. Every usable slip
// must come out exactly once and every unusable one be set aside with its path and a reason.

const { fixture } = jsonFixtures('sharpsports');
const base = fixture('webhook-refreshresponse-created').data;
const baseSlip = fixture('refresh-response').betSlips[0];

const anyId = fc
  .oneof(fc.constantFrom('SLIP_', 'slip_', 'S-', '', 'bet/', 'urn:ss:'))
  .chain((p) => fc.stringMatching(/^[A-Za-z0-9+/=_-]{1,24}$/).map((s) => p + s));
const unknownValue = fc.stringMatching(/^[a-z][a-z_]{0,12}$/);
const casing = (s: string) => fc.constantFrom(s, s.toUpperCase(), s[0].toUpperCase() + s.slice(1));
const extraFields = fc.dictionary(
  fc.stringMatching(/^x[A-Za-z]{1,8}$/),
  fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.boolean(), { maxLength: 2 })),
  { maxKeys: 3 },
);
const money = (n: number) => fc.constantFrom<number | string>(n, String(n));
const shuffled = <T extends Record<string, unknown>>(o: T) =>
  fc
    .shuffledSubarray(Object.keys(o), { minLength: Object.keys(o).length })
    .map((keys) => Object.fromEntries(keys.map((k) => [k, o[k]])) as T);

/** A slip that loads however it is dressed. */
const usableSlip = fc
  .record({
    id: anyId,
    status: fc.oneof(casing('completed'), casing('pending'), unknownValue),
    outcome: fc.oneof(fc.constant(null), casing('win'), unknownValue),
    type: fc.oneof(fc.constant('single'), unknownValue),
    atRisk: money(1100),
    toWin: money(1000),
    oddsAmerican: fc.constantFrom<number | string>(-110, '-110', '+150', 150),
    legId: anyId,
    legStatus: fc.oneof(casing('completed'), unknownValue),
    proposition: fc.oneof(fc.constant('spread'), unknownValue),
    line: fc.constantFrom<number | string | null>(-3.5, '-3.5', null),
    bookId: anyId,
    nulls: fc.subarray(['subtype', 'typeSpecial', 'netProfit', 'dateClosed', 'adjusted', 'refreshResponse', 'bookRef']),
    extra: extraFields,
  })
  .chain((v) => {
    const slip: Record<string, unknown> = {
      ...structuredClone(baseSlip),
      ...v.extra,
      id: v.id,
      status: v.status,
      outcome: v.outcome,
      type: v.type,
      atRisk: v.atRisk,
      toWin: v.toWin,
      oddsAmerican: v.oddsAmerican,
      book: { ...baseSlip.book, id: v.bookId },
      bets: [
        {
          ...structuredClone(baseSlip.bets[0]),
          id: v.legId,
          status: v.legStatus,
          proposition: v.proposition,
          line: v.line,
        },
      ],
    };
    for (const k of v.nulls) slip[k] = null;
    return shuffled(slip);
  });

/** A slip missing or breaking something a load needs, and the rule named in its reason. */
const unusableSlip = fc.constantFrom(
  { break: (s: any) => delete s.id, rule: /id is required/ },
  { break: (s: any) => (s.id = ''), rule: /id must not be empty/ },
  { break: (s: any) => (s.atRisk = 'lots'), rule: /atRisk must be a number/ },
  { break: (s: any) => (s.timePlaced = 'yesterday-ish'), rule: /timePlaced must be a timestamp/ },
  { break: (s: any) => (s.bets = { leg: 1 }), rule: /bets must be an array/ },
  { break: (s: any) => (s.book = { id: 'dk-1' }), rule: /book abbr must be a string/ },
  { break: (s: any) => (s.bets[0].id = 7), rule: /id must be a string/ },
  { break: (s: any) => (s.oddsAmerican = 9e12), rule: /beyond any American price/ },
);

const delivery = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: usableSlip.map((s) => ({ s, bad: null as null | { rule: RegExp } })) },
      {
        weight: 1,
        arbitrary: fc.tuple(usableSlip, unusableSlip).map(([s, u]) => {
          u.break(s);
          return { s, bad: { rule: u.rule } };
        }),
      },
    ),
    { maxLength: 12 },
  )
  .chain((items) =>
    fc.record({
      items: fc.constant(items),
      rrId: anyId,
      accountId: anyId,
      bettor: fc.oneof(anyId, fc.constant(null)),
      extra: extraFields,
    }),
  );

describe('SharpSports contract: generated refreshResponses', () => {
  it('every usable slip loads exactly once, every unusable one is set aside with its path and reason', () => {
    fc.assert(
      fc.property(delivery, ({ items, rrId, accountId, bettor, extra }) => {
        const data = {
          ...structuredClone(base),
          ...extra,
          id: rrId,
          bettorAccount: accountId,
          bettor,
          betSlips: items.map((i) => i.s),
        };
        const rr = normalizeRefreshResponse(data);
        const usable = items.flatMap((it, i) => (it.bad ? [] : [i]));
        const bad = items.flatMap((it, i) => (it.bad ? [[i, it.bad.rule] as const] : []));
        expect(rr.betSlips.map((s) => s.id)).toEqual(usable.map((i) => items[i].s.id));
        expect(rr.quarantined.map((q) => q.path)).toEqual(bad.map(([i]) => `betSlips[${i}]`));
        rr.quarantined.forEach((q, k) => {
          expect(q.reason).toMatch(bad[k][1]);
          expect(q.fragment).toBe(items[bad[k][0]].s);
        });
        // What loads is storable: the rows are built without throwing and keep the values as they came.
        for (const slip of rr.betSlips) {
          const rows = slipToRows(slip, {
            refreshResponseId: rr.id,
            refreshResponseTime: rr.timeCreated,
            bettorId: rr.bettorId,
          });
          expect(rows.slip.id).toBe(slip.id);
          expect(rows.bets).toHaveLength(1);
          const status = String(slip.status);
          expect(rows.slip.status).toBe(
            ['completed', 'pending'].includes(status.toLowerCase()) ? status.toLowerCase() : status,
          );
        }
        // Cosmetic breaks are warnings that point at loaded slips only.
        for (const w of rr.warnings)
          expect(w.path === '' || usable.some((i) => w.path.startsWith(`betSlips[${i}]`))).toBe(true);
      }),
      { seed: 20261207, numRuns: 300 },
    );
  });

  it('an id without its documented prefix and an unlisted value are warnings, never refusals', () => {
    fc.assert(
      fc.property(usableSlip, (slip) => {
        const read = readSlips([slip], 'objects');
        expect(read.quarantined).toEqual([]);
        const id = (slip as any).id as string;
        expect(read.warnings.some((w) => w.rule === 'id_prefix' && w.path === 'objects[0]' && w.field === 'id')).toBe(
          !id.startsWith('SLIP_'),
        );
        const status = (slip as any).status as string;
        expect(read.warnings.some((w) => w.rule === 'unlisted_value' && w.field === 'slip.status')).toBe(
          !['completed', 'pending'].includes(status.toLowerCase()),
        );
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('a response unusable as a whole is still refused whole', () => {
    for (const broken of [
      { id: undefined },
      { timeCreated: 'soon' },
      { status: 'ok' },
      { bettorAccount: '' },
      { betSlips: 'none' },
    ]) {
      expect(() => normalizeRefreshResponse({ ...structuredClone(base), ...broken })).toThrow();
    }
  });
});
