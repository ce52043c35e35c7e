import crypto from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import { recordRejection } from '../../rejections/record';
import { listRejections, replayRejections } from '../../rejections/replay';
import { SLIP_SOURCE } from '../../rejections/quarantine';
import { queryRows } from '../../platform/warehouse/client';
import { signHookHmac } from '../../refresh/webhook/hmac';
import { count, eventually, startTestStack } from '../support/stack';

// The tolerant reader on the real stack (Temporal dev server, chDB, the receiver and workflows):
// harmless oddities load, one unusable slip refuses only itself, and refused data replays once.

let stack: Stack;
const secret = 'whsec-tolerant-0123456789';

beforeAll(async () => {
  stack = await startTestStack({ SHARPSPORTS_WEBHOOK_SECRET: secret });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

async function post(body: string, deliveryId: string = crypto.randomUUID()) {
  const raw = Buffer.from(body);
  const res = await request(stack.webhookUrl, {
    method: 'POST',
    body: raw,
    headers: {
      'content-type': 'application/json',
      'hook-delivery': deliveryId,
      'hook-hmac': signHookHmac(secret, raw),
    },
  });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

function delivery(account: string, rrId: string, slips: unknown[]) {
  return JSON.stringify({
    event: 'refreshresponse.created',
    sender: 'SandboxApp',
    data: {
      id: rrId,
      timeCreated: '2026-12-01T10:00:00Z',
      bettor: 'u-7781',
      bettorAccount: account,
      status: 200,
      detail: null,
      requestId: null,
      type: 'cadence',
      betSlips: slips,
      shinyNewField: [1, 2],
    },
  });
}

/** A slip that breaks every cosmetic rule and none that loading needs. */
function oddSlip(account: string, id: string) {
  return {
    id,
    bettor: 'u-7781',
    bettorAccount: account,
    book: { id: 'dk-1', abbr: 'dk', name: 'DraftKings', region: 'nj' },
    bookRef: 88712345678901234567n.toString(),
    timePlaced: '2026-11-30T17:00:00Z',
    type: 'teaser',
    status: 'Pending',
    outcome: 'partial_cashout',
    atRisk: '1100',
    toWin: '1000',
    oddsAmerican: '-110',
    refreshResponse: null,
    unknownTopLevel: { nested: true },
    bets: [
      {
        id: `${id}-leg`,
        type: 'straight',
        event: {
          id: 'game-991',
          league: 'NFL',
          sport: 'Football',
          name: 'A @ B',
          startTime: '2026-12-01T18:00:00Z',
          contestantHome: { id: 't1', fullName: 'B' },
        },
        proposition: 'alt_spread_q1',
        position: 'B',
        line: '-3.5',
        oddsAmerican: -110,
        status: 'open',
        outcome: null,
        marketSelection: { id: 'ms-1' },
      },
    ],
  };
}

const slipsOf = (account: string) =>
  count(stack, 'SELECT count() AS n FROM bet_slips FINAL WHERE bettor_account_id = {a:String}', { a: account });
const refusedOf = (rrId: string) =>
  queryRows<{ record_path: string; record_id: string; detail: string; raw: string; context: string }>(
    stack.clickhouse,
    "SELECT record_path, record_id, detail, raw, context FROM rejected_messages WHERE source = {s:String} AND JSONExtractString(context, 'refreshResponseId') = {rr:String} ORDER BY record_path",
    { s: SLIP_SOURCE, rr: rrId },
  );

describe('a tolerant reader', () => {
  it('a signed delivery with odd-but-harmless fields loads every slip, and counts what it broke', async () => {
    const account = 'acct-odd-1';
    const r = await post(
      delivery(account, 'resp-odd-1', [
        oddSlip(account, 'slip-a'),
        oddSlip(account, 'slip-b'),
        oddSlip(account, 'slip-c'),
      ]),
    );
    expect(r.status).toBe(200);
    expect(r.body.refusedRecords).toBeUndefined();
    await eventually('three slips to load', async () => (await slipsOf(account)) === 3);
    const [legs] = await queryRows<{ n: number; props: string[] }>(
      stack.clickhouse,
      "SELECT count() AS n, groupUniqArray(proposition) AS props FROM bets FINAL WHERE bet_slip_id IN ('slip-a', 'slip-b', 'slip-c')",
    );
    expect(Number(legs.n)).toBe(3);
    expect(legs.props).toEqual(['alt_spread_q1']);
    // Unknown values are kept as they came.
    expect(
      await count(
        stack,
        "SELECT count() AS n FROM bet_slips FINAL WHERE bettor_account_id = {a:String} AND outcome = 'partial_cashout' AND type = 'teaser'",
        { a: account },
      ),
    ).toBe(3);
    expect(
      await count(
        stack,
        "SELECT count() AS n FROM rejected_messages WHERE position(raw, 'resp-odd-1') > 0 OR position(context, 'resp-odd-1') > 0",
      ),
    ).toBe(0);
    const warned = await queryRows<{ rule: string; field: string; n: number }>(
      stack.clickhouse,
      "SELECT rule, field, count() AS n FROM data_warnings WHERE record_path LIKE 'betSlips[%' AND value IN ('slip-a', 'slip-b', 'slip-c', 'partial_cashout', 'teaser', 'open') GROUP BY rule, field ORDER BY rule, field",
    );
    expect(warned.map((w) => `${w.rule}:${w.field}:${w.n}`)).toEqual([
      'id_prefix:id:3',
      'unlisted_value:bet.status:3',
      'unlisted_value:slip.outcome:3',
      'unlisted_value:slip.type:3',
    ]);
  });

  it('one unusable slip among many: the rest load and exactly that one is recorded, with its path and raw fragment', async () => {
    const account = 'acct-odd-2';
    const slips = Array.from({ length: 8 }, (_, i) => oddSlip(account, `slip2-${i}`));
    const bad = { ...oddSlip(account, 'slip2-bad'), atRisk: 'a lot', timePlaced: 'last tuesday' };
    slips.splice(5, 0, bad);
    const body = delivery(account, 'resp-odd-2', slips);
    const r = await post(body, 'delivery-odd-2');
    expect(r.status).toBe(200);
    expect(r.body.refusedRecords).toEqual(['betSlips[5]']);
    await eventually('eight slips to load', async () => (await slipsOf(account)) === 8);
    // A redelivery (same Hook-Delivery) and the same response under another delivery record nothing twice.
    expect((await post(body, 'delivery-odd-2')).status).toBe(200);
    expect((await post(body)).status).toBe(200);
    const refused = await refusedOf('resp-odd-2');
    expect(refused).toHaveLength(1);
    expect(refused[0].record_path).toBe('betSlips[5]');
    expect(refused[0].record_id).toBe('slip2-bad');
    expect(refused[0].detail).toMatch(/atRisk must be a number/);
    expect(refused[0].detail).toMatch(/timePlaced must be a timestamp/);
    expect(JSON.parse(refused[0].raw)).toEqual(bad);
    expect(await count(stack, "SELECT count() AS n FROM bet_slips FINAL WHERE id = 'slip2-bad'")).toBe(0);

    // Today's code still refuses it: a replay says so and loads nothing.
    const [row] = (await listRejections(stack.clickhouse, { source: SLIP_SOURCE })).filter(
      (l) => l.record_id === 'slip2-bad',
    );
    const again = await replayRejections(stack.clickhouse, { id: row.rejection_id });
    expect(again).toMatchObject({ considered: 1, loaded: 0, stillRefused: 1 });
    expect(await count(stack, "SELECT count() AS n FROM bet_slips FINAL WHERE id = 'slip2-bad'")).toBe(0);
  });

  it('a delivery an older release refused, and a slip it set aside, replay after the fix: loaded exactly once', async () => {
    const account = 'acct-replay-1';
    // What the release that enforced id prefixes left behind: the delivery, whole, refused 422.
    const body = delivery(account, 'resp-replay-1', [oddSlip(account, 'slip-r1'), oddSlip(account, 'slip-r2')]);
    await recordRejection(stack.clickhouse, {
      source: 'sharpsports-webhook',
      reason: 'schema',
      detail: 'id must start with "RRES_"',
      httpStatus: 422,
      deliveryId: 'old-delivery-1',
      raw: body,
      rejectionId: 'old-rejection-delivery',
    });
    // …and a slip set aside on its own by a rule since relaxed, with its context.
    const fragment = oddSlip(account, 'slip-r3');
    await recordRejection(stack.clickhouse, {
      source: SLIP_SOURCE,
      reason: 'schema',
      detail: 'id must start with "SLIP_"',
      raw: JSON.stringify(fragment),
      rejectionId: 'old-rejection-slip',
      record: {
        path: 'betSlips[0]',
        id: 'slip-r3',
        context: {
          refreshResponseId: 'resp-replay-0',
          refreshResponseTime: '2026-12-01T09:00:00Z',
          bettorId: 'u-7781',
          origin: 'webhook',
        },
      },
    });
    const listed = await listRejections(stack.clickhouse, { id: 'old-rejection-delivery' });
    expect(listed.map((l) => [l.reason, l.replay])).toEqual([['schema', '']]);

    const first = await replayRejections(stack.clickhouse, {
      since: '2000-01-01T00:00:00Z',
      source: 'sharpsports-webhook',
      id: 'old-rejection-delivery',
    });
    expect(first).toMatchObject({ considered: 1, loaded: 1, slips: 2, bets: 2 });
    const slip = await replayRejections(stack.clickhouse, { id: 'old-rejection-slip' });
    expect(slip).toMatchObject({ considered: 1, loaded: 1, slips: 1, bets: 1 });
    expect(await slipsOf(account)).toBe(3);

    // Twice is harmless: nothing is considered again, nothing is written again.
    const second = await replayRejections(stack.clickhouse, { since: '2000-01-01T00:00:00Z' });
    expect(second.loaded).toBe(0);
    expect((await listRejections(stack.clickhouse, { id: 'old-rejection-delivery' }))[0].replay).toBe('loaded');
    expect(await count(stack, "SELECT count() AS n FROM bet_slips WHERE id IN ('slip-r1', 'slip-r2', 'slip-r3')")).toBe(
      3,
    );
    expect(
      await count(stack, "SELECT count() AS n FROM bets WHERE bet_slip_id IN ('slip-r1', 'slip-r2', 'slip-r3')"),
    ).toBe(3);
    expect(
      await count(
        stack,
        "SELECT count() AS n FROM load_markers FINAL WHERE kind = 'refresh_response' AND key = 'resp-replay-1'",
      ),
    ).toBe(1);
  });

  it('a refusal a replay cannot undo (bad HMAC) is listed and never loaded', async () => {
    await recordRejection(stack.clickhouse, {
      source: 'sharpsports-webhook',
      reason: 'bad_hmac',
      detail: 'Hook-HMAC does not match',
      httpStatus: 401,
      raw: delivery('acct-forged', 'resp-forged', [oddSlip('acct-forged', 'slip-forged')]),
      rejectionId: 'forged-1',
    });
    const s = await replayRejections(stack.clickhouse, { id: 'forged-1' });
    expect(s).toMatchObject({ considered: 1, loaded: 0, notReplayable: 1 });
    expect(await slipsOf('acct-forged')).toBe(0);
  });
  it('a feed odd refused alone by a rule since relaxed replays once into odds_ticks', async () => {
    const odd = {
      fixture_id: 'FX-REPLAY',
      game_id: 'g-replay-1',
      id: '1:-1:FX-REPLAY:moneyline:home',
      league: 'NBA',
      market: 'Moneyline',
      name: 'Home',
      price: -120,
      sport: 'basketball',
      timestamp: 1764590000,
      sportsbook: 'Pinnacle',
    };
    await recordRejection(stack.clickhouse, {
      source: 'opticodds',
      reason: 'schema',
      detail: 'copilot-odds 1764590000000-0: an old rule',
      raw: JSON.stringify(odd),
      rejectionId: 'old-rejection-odd',
      record: { path: 'data[3]', id: odd.id, context: { event: 'copilot-odds', entry_id: '1764590000000-0' } },
    });
    const ticks = () => count(stack, "SELECT count() AS n FROM odds_ticks WHERE event_key = 'g-replay-1'");
    expect(await replayRejections(stack.clickhouse, { id: 'old-rejection-odd' })).toMatchObject({
      considered: 1,
      loaded: 1,
      feedRows: 1,
    });
    expect(await replayRejections(stack.clickhouse, { source: 'opticodds' })).toMatchObject({ loaded: 0 });
    expect(await ticks()).toBe(1);
    const [tick] = await queryRows<{ price_american: number; market: string }>(
      stack.clickhouse,
      "SELECT price_american, market FROM odds_ticks WHERE event_key = 'g-replay-1'",
    );
    expect(tick).toEqual({ price_american: -120, market: 'moneyline' });
  });
});
