import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AdjustedSchema,
  BetSchema,
  BetSlipSchema,
  BettorAccountEventDataSchema,
  BettorAccountSchema,
  BettorCreatedDataSchema,
  BettorSchema,
  BookSchema,
  EventSchema,
  KNOWN_WEBHOOK_EVENTS,
  PropDetailsSchema,
  RefreshRequestResponseSchema,
  RefreshResponseSchema,
  RefreshResponseWebhookDataSchema,
  WebhookEnvelopeSchema,
  normalizeRefreshResponse,
  paginated,
} from '../../../schemas/sharpsports';

import { issues, jsonFixtures } from '../../support/fixtures';
const { dir: FIXTURES, tested, fixture } = jsonFixtures('sharpsports');

// Fixtures tested below; the guard test at the end fails if a new fixture is added without a test.
const clone = <T>(v: T): T => structuredClone(v);

describe('doc examples (test/fixtures/sharpsports)', () => {
  it('book.json parses as a Book and keeps undocumented-in-schema fields', () => {
    const book = BookSchema.parse(fixture('book'));
    expect(book.id).toBe('BOOK_c81242f993894e67966b3ccfc4ba3a65');
    expect(book.name).toBe('Barstool');
    expect(book.abbr).toBe('bs');
    expect(book.status).toBe('active');
    expect(book.mobileOnly).toBe(true);
  });

  it('book-region.json parses as a BettorAccount.bookRegion', () => {
    const region = BettorAccountSchema.shape.bookRegion.parse(fixture('book-region'));
    expect(region?.id).toBe('BSTA_lqpNkqJjSSv5MwxCXSFbQ');
    expect(region?.book?.abbr).toBe('dk');
    expect(region?.abbr).toBe('ia');
    expect(region?.country).toBe('United States');
  });

  it('bettor.json parses as a Bettor with metadata', () => {
    const bettor = BettorSchema.parse(fixture('bettor'));
    expect(bettor.id).toBe('BTTR_Bz4xjCdtS4mlb42OHLJF0Q');
    expect(bettor.internalId).toBe('12345');
    expect(bettor.betRefreshRequested).toBe('2020-07-07T19:05:47.336370Z');
    expect(bettor.metadata?.handle).toBe(10874239);
    expect(bettor.metadata?.netProfit).toBe(-251582);
  });

  it('bettor-account.json parses as a BettorAccount', () => {
    const account = BettorAccountSchema.parse(fixture('bettor-account'));
    expect(account.id).toBe('BACT_7daed31d9b4f4a79bdb4b30f2bf89852');
    expect(account.bettor).toBe('BTTR_4d1ce9ad0b314290a775d2b89a5316c2');
    expect(account.book?.abbr).toBe('dk');
    expect(account.bookRegion?.abbr).toBe('co');
    expect(account.verified).toBe(true);
    expect(account.TFA).toBe(false);
    expect(account.refreshInProgress).toBe(false);
    expect(account.balance).toBe(1158);
    expect(account.latestRefreshResponse?.status).toBe(200);
    expect(account.latestRefreshRequestId).toBe(account.latestRefreshResponse?.requestId);
    expect(account.metadata?.walletShare).toBe(34.52);
  });

  it('metadata.json parses as Bettor.metadata', () => {
    const doc = fixture('metadata');
    const metadata = BettorSchema.shape.metadata.parse(doc.metadata);
    expect(metadata?.winPercentage).toBe(43.08);
    expect(metadata?.totalAccounts).toBe(1);
  });

  it('bet-slip.json parses as a BetSlip (incomplete parlay, 6 legs)', () => {
    const slip = BetSlipSchema.parse(fixture('bet-slip'));
    expect(slip.id).toBe('SLIP_b2d0fded980345b39ca728e0240e45d4');
    expect(slip.bettorAccount).toBe('BACT_44c71c332f4d4c61a90440eaff473bd1');
    expect(slip.refreshResponse).toBe('RRES_da3df19bc3a74975a2d76113b761eac2');
    expect(slip.book?.abbr).toBe('dk');
    expect(slip.type).toBe('parlay');
    expect(slip.oddsAmerican).toBe(13000);
    expect(slip.netProfit).toBe(-500);
    expect(slip.incomplete).toBe(true);
    expect(slip.bets).toHaveLength(6);
    expect(slip.bets[0].type).toBeNull();
    expect(slip.bets[0].incomplete).toBe(true);
    expect(slip.bets[1].line).toBe(57.5);
    expect(slip.bets[2].propDetails?.player).toBe('Tom Brady');
    expect(slip.bets[5].line).toBe(10.5);
    expect(slip.adjusted?.odds).toBe(false);
  });

  it('adjusted.json parses as Adjusted', () => {
    const adjusted = AdjustedSchema.parse(fixture('adjusted'));
    expect(adjusted).toEqual({ odds: true, atRisk: null, line: null });
  });

  it('bet.json parses as a Bet (lower-case "autograde")', () => {
    const bet = BetSchema.parse(fixture('bet'));
    expect(bet.id).toBe('BET_d6495d9d9cb34b599072b3dee9f2f766');
    expect(bet.event?.id).toBe('EVNT_937797be824a48d79cb17ecbdb584536');
    expect(bet.event?.sportsdataioId).toBe('17990');
    expect(bet.line).toBe(-2.5);
    expect(bet.oddsAmerican).toBe(-115);
    expect(bet.marketSelection).toBe('MRKT_73a64c308bf646798df9fcd7a11d8a2f');
    expect(bet.autograde).toBe(false);
    expect(bet.autoGrade).toBeUndefined();
  });

  it('prop-details.json parses as PropDetails', () => {
    const details = PropDetailsSchema.parse(fixture('prop-details'));
    expect(details.player).toBe('James Harden');
    expect(details.metricSpecial).toBe('Free Throws');
    expect(details.future).toBe(false);
  });

  it('event.json parses as an Event (numeric sportsdataioId, no startDate)', () => {
    const event = EventSchema.parse(fixture('event'));
    expect(event.id).toBe('EVNT_G6JvTtYoTriXos41COV2Qw');
    expect(event.sportsdataioId).toBe(22558);
    expect(event.league).toBe('Premier League');
    expect(event.startDate).toBeUndefined();
  });

  it('refresh-request-bettor.json parses as a RefreshRequestResponse', () => {
    const r = RefreshRequestResponseSchema.parse(fixture('refresh-request-bettor'));
    expect(r.refresh).toEqual(['BACT_25ko1xXuSmaX393YqBuM4w', 'BACT_rJo4qSt2QOacX2ED9O4dDA']);
    expect(r.otpRequired).toEqual([]);
    expect(r.requestId).toBe('11e7736d01294ac39f7376c937171445');
    expect(r.cid).toBeNull();
  });

  it('refresh-request-bettor-account.json parses as a RefreshRequestResponse', () => {
    const r = RefreshRequestResponseSchema.parse(fixture('refresh-request-bettor-account'));
    expect(r.refresh).toEqual(['BACT_RHcNmovNT1+pX5RZjrjwbQ']);
    expect(r.rateLimited).toEqual([]);
    expect(r.betRefreshRequested).toBe('2020-07-07T22:53:43.404962Z');
  });

  it('refresh-request-otp.json parses as a RefreshRequestResponse with otpRequired and cid', () => {
    const r = RefreshRequestResponseSchema.parse(fixture('refresh-request-otp'));
    expect(r.refresh).toHaveLength(3);
    expect(r.otpRequired).toEqual(['BACT_RHcNmovNT1+pX5RZjrjwbQ', 'BACT_25ko1xXuSmaX393YqBuM4w']);
    expect(r.cid).toBe('0029c316-3371-4855-a0e5-9b2770ebd8e4');
  });

  it('otp-submit-request.json (repaired) is the body linehouse would PUT to /contexts/<cid>', () => {
    // Not a payload we consume, so there is no schema; this pins the repaired shape.
    const body = fixture('otp-submit-request');
    expect(Object.keys(body.otp)).toEqual(['BACT_RHcNmovNT1+pX5RZjrjwbQ', 'BACT_25ko1xXuSmaX393YqBuM4w']);
    expect(body.otp['BACT_25ko1xXuSmaX393YqBuM4w']).toBe('11111');
  });

  it('refresh-response.json (repaired) parses as a GET RefreshResponse', () => {
    const r = RefreshResponseSchema.parse(fixture('refresh-response'));
    expect(r.id).toBe('RRES_A3oU0aruRmmijUqllZbnfQ');
    expect(r.bettorAccount.id).toBe('BACT_RHcNmovNT1+pX5RZjrjwbQ');
    expect(r.bettorAccount.bettor).toBe('BTTR_9pp7EAlYTRmwJn5+QjYAA');
    expect(r.bettorAccount.book?.abbr).toBe('wh');
    expect(r.status).toBe(200);
    expect(r.type).toBe('manual');
    expect(r.betSlips).toHaveLength(2);
    expect(r.betSlips.map((s) => s.bets.length)).toEqual([1, 1]);
    expect(r.betSlips[0].bets[0].proposition).toBe('moneyline');
    expect(r.betSlips[0].bets[0].line).toBeNull();
    expect(r.betSlips[0].netProfit).toBe(-200);
    expect(r.betSlips[1].bets[0].line).toBe(139);
    expect(r.betSlips[1].bets[0].event?.sportsdataioId).toBeNull();
    // This older example has no refreshResponse / adjusted / subtype on its slips.
    expect(r.betSlips[0].refreshResponse).toBeUndefined();
    expect(r.betSlips[0].adjusted).toBeUndefined();
  });

  it('refresh-response-mgm.json (repaired) parses as a GET RefreshResponse', () => {
    const r = RefreshResponseSchema.parse(fixture('refresh-response-mgm'));
    expect(r.id).toBe('RRES_857383a6106c45d59fee894f3bc9b2ae');
    expect(r.bettorAccount.id).toBe('BACT_e975966941094635a9e7c7c0e2618993');
    expect(r.bettorAccount.book?.abbr).toBe('mg');
    expect(r.status).toBe(200);
    expect(r.type).toBe('verify');
    expect(r.betSlips).toHaveLength(5);
    expect(r.betSlips.map((s) => s.bets.length)).toEqual([2, 1, 1, 1, 1]);
    const [parlay] = r.betSlips;
    expect(parlay.type).toBe('parlay');
    expect(parlay.oddsAmerican).toBe(264);
    expect(parlay.atRisk).toBe(9406);
    expect(parlay.refreshResponse).toBe(r.id);
    expect(parlay.bets[0].line).toBe(230);
    expect(parlay.bets[0].autoGrade).toBe(false);
    expect(parlay.bets[0].sdioMarketId).toBe('1377060');
    expect(parlay.bets[0].event?.contestantHome?.fullName).toBe('Los Angeles Lakers');
    expect(parlay.bets[0].event?.neutralVenue).toBe(true);
    expect(parlay.bets[0].event?.sportId).toBe('SPRT_basketball');
    expect(parlay.bets[1].line).toBe(-3);
    expect(r.betSlips[4].bets[0].line).toBe(-1.5);
    expect(r.betSlips[4].bets[0].oddsAmerican).toBe(210);
    // Unknown fields survive parsing.
    expect(parlay.bets[0].segmentDetail).toBeNull();
    expect(parlay.bets[0].sportradarMarketId).toBe('1377060');
  });

  it('paginated-bettors.json parses as paginated(BettorSchema)', () => {
    const page = paginated(BettorSchema).parse(fixture('paginated-bettors'));
    expect(page.totalPages).toBe(150);
    expect(page.objects).toHaveLength(2);
    expect(page.objects[0].id).toBe('BTTR_623bdb8a0908408ba97b185138b12345');
    expect(page.objects[1].internalId).toBe('9dd5449d42d24ac3a11208fa5026256b');
    expect(page.objects[0].betRefreshRequested).toBeNull();
  });

  it('webhook-bettor-created.json parses as envelope + BettorCreatedData', () => {
    const env = WebhookEnvelopeSchema.parse(fixture('webhook-bettor-created'));
    expect(env.event).toBe('bettor.created');
    expect(env.sender).toBe('SampleApp');
    const data = BettorCreatedDataSchema.parse(env.data);
    expect(data).toEqual({ id: 'BTTR_5nrgeCfwQjyUDHoK72kQ', internalId: '12345' });
  });

  it.each([
    ['webhook-bettoraccount-verified', 'bettoraccount.verified'],
    ['webhook-bettoraccount-unverified', 'bettoraccount.unverified'],
    ['webhook-bettoraccount-inaccessible', 'bettoraccount.inaccessible'],
  ])('%s.json parses as envelope + BettorAccountEventData', (name, event) => {
    const env = WebhookEnvelopeSchema.parse(fixture(name));
    expect(env.event).toBe(event);
    expect(KNOWN_WEBHOOK_EVENTS).toContain(env.event);
    const data = BettorAccountEventDataSchema.parse(env.data);
    expect(data.id).toBe('BACT_IqNr2pZR1Wrs6r1XOKMVQ');
    expect(data.bettor).toBe('BTTR_cahAECmtTe2l+Or9Ust5Ag');
    expect(data.book).toBe('wh');
    expect(data.region).toBe('New Jersey');
  });

  it('webhook-refreshresponse-created.json parses as envelope + webhook data (no slips)', () => {
    const env = WebhookEnvelopeSchema.parse(fixture('webhook-refreshresponse-created'));
    expect(env.event).toBe('refreshresponse.created');
    const data = RefreshResponseWebhookDataSchema.parse(env.data);
    expect(data.id).toBe('RRES_95ac53f7a40e4911b96390d64d637e7b');
    expect(data.bettor).toBe('BTTR_a0ebf8ba53304fde8b9b3d7f9605c841');
    expect(data.bettorAccount).toBe('BACT_a679867dc9624bb4b75f6b9dc1e4a8c6');
    expect(data.status).toBe(200);
    expect(data.requestId).toBe('93947bc9c8374fb1a1177c2ea2654d95');
    expect(data.betSlips).toEqual([]);
  });

  it('webhook-refreshresponse-created-guide.json (repaired) parses as envelope + webhook data', () => {
    const env = WebhookEnvelopeSchema.parse(fixture('webhook-refreshresponse-created-guide'));
    expect(env.event).toBe('refreshresponse.created');
    const data = RefreshResponseWebhookDataSchema.parse(env.data);
    expect(data.id).toBe('RRES_95ac53f7a40e4911b96390d64d637e7b');
    expect(data.bettorAccount).toBe('BACT_a679867dc9624bb4b75f6b9dc1e4a8c6');
    expect(data.type).toBe('manual');
    expect(data.betSlips).toHaveLength(1);
    const [slip] = data.betSlips;
    expect(slip.id).toBe('SLIP_cad1b8c750264bd8a6a0295c8fe2bf67');
    expect(slip.book?.abbr).toBe('ca');
    expect(slip.toWin).toBe(435);
    expect(slip.adjusted).toEqual({ line: null, odds: false, atRisk: null });
    expect(slip.bets).toHaveLength(1);
    expect(slip.bets[0].line).toBe(-1.5);
    expect(slip.bets[0].segment).toBe('1st Quarter');
    expect(slip.bets[0].event?.oddsjamId).toBe('11464-19432-2022-01-15');
    expect(slip.bets[0].event?.contestantAway).toBeUndefined();
  });
});

describe('rejections carry clear messages', () => {
  const rres = () => fixture('refresh-response-mgm');

  it('missing id', () => {
    const input = rres();
    delete input.id;
    expect(issues(RefreshResponseSchema, input)).toEqual(['id: id is required (expected a string such as "RRES_…")']);
  });

  it('missing id deep inside a bet names the path', () => {
    const input = rres();
    delete input.betSlips[2].bets[0].id;
    expect(issues(RefreshResponseSchema, input)).toEqual([
      'betSlips.2.bets.0.id: id is required (expected a string such as "BET_…")',
    ]);
  });

  it('an empty id is not an id', () => {
    expect(issues(EventSchema, { id: '' })).toEqual(['id: id must not be empty']);
    expect(issues(BetSlipSchema, { ...clone(rres().betSlips[0]), id: 7 })).toEqual([
      'id: id must be a string such as "SLIP_…", got number 7',
    ]);
  });

  it('status "abc"', () => {
    const input = rres();
    input.status = 'abc';
    expect(issues(RefreshResponseSchema, input)).toEqual([
      'status: status must be an integer status code such as 200, got string "abc"',
    ]);
    expect(() => normalizeRefreshResponse(input)).toThrow(z.ZodError);
  });

  it('status that is a number but not an integer, or a numeric string', () => {
    const data = fixture('webhook-refreshresponse-created').data;
    expect(issues(RefreshResponseWebhookDataSchema, { ...data, status: 200.5 })).toEqual([
      'status: status must be an integer status code such as 200, got number 200.5',
    ]);
    expect(issues(RefreshResponseWebhookDataSchema, { ...data, status: '200' })).toHaveLength(1);
  });

  it('betSlips not an array', () => {
    const data = fixture('webhook-refreshresponse-created').data;
    expect(issues(RefreshResponseWebhookDataSchema, { ...data, betSlips: 'SLIP_x' })).toEqual([
      'betSlips: betSlips must be an array, got string "SLIP_x"',
    ]);
    const get = rres();
    get.betSlips = { id: 'SLIP_x' };
    expect(issues(RefreshResponseSchema, get)).toEqual([
      'betSlips: betSlips must be an array, got object {"id":"SLIP_x"}',
    ]);
  });

  it('bets not an array', () => {
    const slip = clone(rres().betSlips[0]);
    slip.bets = 7;
    expect(issues(BetSlipSchema, slip)).toEqual(['bets: bets must be an array, got number 7']);
  });

  it('a non-numeric line', () => {
    const bet = clone(fixture('bet'));
    bet.line = 'pk';
    expect(issues(BetSchema, bet)).toEqual(['line: line must be a number or numeric string, got string "pk"']);
  });

  it('refresh request response without requestId', () => {
    const r = fixture('refresh-request-bettor');
    delete r.requestId;
    expect(issues(RefreshRequestResponseSchema, r)).toEqual(['requestId: requestId must be a string, got nothing']);
  });

  it('GET refreshResponse whose bettorAccount object lacks an id', () => {
    const input = rres();
    delete input.bettorAccount.id;
    expect(issues(RefreshResponseSchema, input)).toEqual([
      'bettorAccount.id: bettorAccount.id is required (expected a string such as "BACT_…")',
    ]);
  });

  it('webhook envelope whose data is not an object', () => {
    expect(issues(WebhookEnvelopeSchema, { event: 'bettor.created', data: 'x' })).toEqual([
      'data: data must be an object, got string "x"',
    ]);
    expect(issues(WebhookEnvelopeSchema, { data: {} })).toEqual(['event: event must be a string, got nothing']);
  });

  it('paginated() rejects a bad totalPages and bad items', () => {
    expect(issues(paginated(BettorSchema), { objects: [{ id: 42 }], totalPages: 'many' })).toEqual([
      'objects.0.id: id must be a string such as "BTTR_…", got number 42',
      'totalPages: totalPages must be an integer, got string "many"',
    ]);
  });
});

describe('tolerance for sloppy payloads', () => {
  it('keeps unknown extra fields at every level', () => {
    const input = fixture('refresh-response-mgm');
    input.futureTopLevel = { nested: [1, 2] };
    input.bettorAccount.extraAccountField = 'a';
    input.bettorAccount.book.logoUrl = 'https://example.test/mg.png';
    input.betSlips[0].boostName = 'Profit Boost';
    input.betSlips[0].bets[0].legOrder = 1;
    input.betSlips[0].bets[0].event.venue = 'Crypto.com Arena';
    input.betSlips[0].adjusted.boost = 0.25;
    const r = RefreshResponseSchema.parse(input);
    expect(r.futureTopLevel).toEqual({ nested: [1, 2] });
    expect(r.bettorAccount.extraAccountField).toBe('a');
    expect(r.bettorAccount.book?.logoUrl).toBe('https://example.test/mg.png');
    expect(r.betSlips[0].boostName).toBe('Profit Boost');
    expect(r.betSlips[0].bets[0].legOrder).toBe(1);
    expect(r.betSlips[0].bets[0].event?.venue).toBe('Crypto.com Arena');
    expect(r.betSlips[0].adjusted?.boost).toBe(0.25);
    // ...and survive normalization, which passes slips through unchanged.
    expect(normalizeRefreshResponse(input).betSlips[0].boostName).toBe('Profit Boost');
  });

  it('accepts numeric strings for line / oddsAmerican / atRisk / toWin / netProfit', () => {
    const slip = clone(fixture('bet-slip'));
    Object.assign(slip, { oddsAmerican: '+13000', atRisk: '500', toWin: ' 65000 ', netProfit: '-500' });
    Object.assign(slip.bets[1], { line: '57.5', oddsAmerican: '-110' });
    const parsed = BetSlipSchema.parse(slip);
    expect([parsed.oddsAmerican, parsed.atRisk, parsed.toWin, parsed.netProfit]).toEqual([13000, 500, 65000, -500]);
    expect(parsed.bets[1].line).toBe(57.5);
    expect(parsed.bets[1].oddsAmerican).toBe(-110);
  });

  it('accepts sportsdataioId as number or string, and nulls/missing descriptive fields', () => {
    expect(EventSchema.parse({ id: 'EVNT_a', sportsdataioId: 1 }).sportsdataioId).toBe(1);
    expect(EventSchema.parse({ id: 'EVNT_a', sportsdataioId: '1' }).sportsdataioId).toBe('1');
    const bare = EventSchema.parse({ id: 'EVNT_a', name: null, contestantHome: null, neutralVenue: null });
    expect(bare.name).toBeNull();
    expect(bare.league).toBeUndefined();
  });

  it('accepts a bet without an event (incomplete bets)', () => {
    const bet = BetSchema.parse({ id: 'BET_x', event: null, incomplete: true, bookDescription: 'Mystery parlay leg' });
    expect(bet.event).toBeNull();
    expect(BetSchema.parse({ id: 'BET_y' }).event).toBeUndefined();
  });

  it('reduces "(hash)" references to their ids', () => {
    const slip = BetSlipSchema.parse({
      id: 'SLIP_x',
      bettor: { id: 'BTTR_x' },
      bettorAccount: { id: 'BACT_x', bettor: 'BTTR_x' },
      refreshResponse: { id: 'RRES_x' },
      bets: [{ id: 'BET_x', marketSelection: { id: 'MRKT_x', type: 'prop' } }],
    });
    expect([slip.bettor, slip.bettorAccount, slip.refreshResponse, slip.bets[0].marketSelection]).toEqual([
      'BTTR_x',
      'BACT_x',
      'RRES_x',
      'MRKT_x',
    ]);
  });

  it('defaults missing or null lists to []', () => {
    const r = RefreshRequestResponseSchema.parse({ requestId: 'abc', refresh: ['BACT_1'], noAccess: null });
    expect(r.noAccess).toEqual([]);
    expect(r.otpRequired).toEqual([]);
    expect(r.cid).toBeUndefined();
    const data = fixture('webhook-refreshresponse-created').data;
    delete data.betSlips;
    expect(RefreshResponseWebhookDataSchema.parse(data).betSlips).toEqual([]);
    expect(RefreshResponseWebhookDataSchema.parse({ ...data, betSlips: null }).betSlips).toEqual([]);
    expect(BetSlipSchema.parse({ id: 'SLIP_x' }).bets).toEqual([]);
  });

  it('webhook data with bettorAccount as an object is normalized to the id string', () => {
    const data = fixture('webhook-refreshresponse-created').data;
    delete data.bettor;
    data.bettorAccount = {
      id: 'BACT_a679867dc9624bb4b75f6b9dc1e4a8c6',
      bettor: 'BTTR_a0ebf8ba53304fde8b9b3d7f9605c841',
      book: { id: 'BOOK_x', name: 'X', abbr: 'xx' },
    };
    const parsed = RefreshResponseWebhookDataSchema.parse(data);
    expect(parsed.bettorAccount).toBe('BACT_a679867dc9624bb4b75f6b9dc1e4a8c6');
    expect(parsed.bettor).toBe('BTTR_a0ebf8ba53304fde8b9b3d7f9605c841');
    // The input object is not mutated.
    expect(typeof data.bettorAccount).toBe('object');
  });

  it('bettoraccount.* data tolerates a Book object in place of the abbr', () => {
    const data = BettorAccountEventDataSchema.parse({
      id: 'BACT_x',
      bettor: 'BTTR_x',
      book: { id: 'BOOK_x', abbr: 'fd' },
    });
    expect(data.book).toBe('fd');
  });

  it('unknown webhook events still pass the envelope check', () => {
    const env = WebhookEnvelopeSchema.parse({ event: 'betslip.updated', data: { id: 'SLIP_x' } });
    expect(KNOWN_WEBHOOK_EVENTS).not.toContain(env.event);
    expect(env.sender).toBeUndefined();
  });
});

describe('normalizeRefreshResponse', () => {
  it('gives the same result for the GET object and the equivalent webhook data', () => {
    const get = fixture('refresh-response-mgm');
    const webhook = { ...clone(get), bettor: get.bettorAccount.bettor, bettorAccount: get.bettorAccount.id };
    const fromGet = normalizeRefreshResponse(get);
    const fromWebhook = normalizeRefreshResponse(webhook);
    expect(fromGet.bettorAccountId).toBe('BACT_e975966941094635a9e7c7c0e2618993');
    expect(fromWebhook.bettorAccountId).toBe(fromGet.bettorAccountId);
    expect(fromGet.bettorId).toBe('BTTR_37ee206548754b73856388f9f5f45c36');
    expect(fromGet.bookAbbr).toBe('mg');
    // The webhook form has no book on the account, so bookAbbr comes from the slips.
    expect(fromWebhook.bookAbbr).toBe('mg');
    expect(fromWebhook).toEqual(fromGet);
    expect(fromGet).toMatchObject({
      status: 200,
      type: 'verify',
      detail: null,
      requestId: 'c7ba611939f84ae5b0fcc42526825129',
    });
    expect(fromGet.betSlips).toHaveLength(5);
  });

  it('normalizes the doc webhook examples', () => {
    const guide = normalizeRefreshResponse(fixture('webhook-refreshresponse-created-guide').data);
    expect(guide).toMatchObject({
      id: 'RRES_95ac53f7a40e4911b96390d64d637e7b',
      bettorId: 'BTTR_a0ebf8ba53304fde8b9b3d7f9605c841',
      bettorAccountId: 'BACT_a679867dc9624bb4b75f6b9dc1e4a8c6',
      bookAbbr: 'ca',
      timeCreated: '2022-01-15T17:31:27.052529Z',
      status: 200,
      type: 'manual',
    });
    expect(guide.betSlips).toHaveLength(1);

    const empty = normalizeRefreshResponse(fixture('webhook-refreshresponse-created').data);
    expect(empty.bettorAccountId).toBe('BACT_a679867dc9624bb4b75f6b9dc1e4a8c6');
    expect(empty.bookAbbr).toBeNull();
    expect(empty.betSlips).toEqual([]);
  });

  it('normalizes the older GET example (book from the account object)', () => {
    const r = normalizeRefreshResponse(fixture('refresh-response'));
    expect(r).toMatchObject({
      bettorAccountId: 'BACT_RHcNmovNT1+pX5RZjrjwbQ',
      bettorId: 'BTTR_9pp7EAlYTRmwJn5+QjYAA',
      bookAbbr: 'wh',
    });
  });

  it('a GET object without book and bettor falls back to null / slip book', () => {
    const get = fixture('refresh-response-mgm');
    get.bettorAccount = { id: get.bettorAccount.id };
    get.betSlips = [];
    expect(normalizeRefreshResponse(get)).toMatchObject({ bettorId: null, bookAbbr: null });
  });

  it('throws a ZodError on unusable input', () => {
    expect(() => normalizeRefreshResponse(null)).toThrow(z.ZodError);
    expect(() => normalizeRefreshResponse({ id: 'RRES_x', status: 200, timeCreated: 't' })).toThrow(
      /bettorAccount is required/,
    );
    expect(() =>
      normalizeRefreshResponse({ id: 'RRES_x', status: 200, timeCreated: 't', bettorAccount: { bettor: 'BTTR_x' } }),
    ).toThrow(/bettorAccount\.id is required/);
  });
});

describe('fixtures', () => {
  // Runs last (vitest runs tests in declaration order), after every fixture() call above.
  it('every fixture file has a test and every repaired file is in REPAIRS.md', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    expect([...tested].sort()).toEqual(files.sort());
    const repairs = readFileSync(new URL('REPAIRS.md', FIXTURES), 'utf8');
    for (const name of [
      'webhook-refreshresponse-created-guide',
      'refresh-response',
      'refresh-response-mgm',
      'otp-submit-request',
    ]) {
      expect(repairs).toContain(`${name}.json`);
    }
  });
});
