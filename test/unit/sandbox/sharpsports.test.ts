import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SANDBOX_BETTORS,
  signThorn,
  startSharpSportsSandbox,
  type SandboxSlip,
  type SharpSportsSandbox,
} from '../../../sandbox/sharpsports';

const API_KEY = 'test-api-key';
const SECRET = 'test-webhook-secret';
const BIG = 250;

interface Hook {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { event: string; sender: string; data: Record<string, any> };
  at: number;
}

async function startCatcher() {
  const hooks: Hook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      hooks.push({ headers: req.headers, raw, body: JSON.parse(raw), at: Date.now() });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    hooks,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SharpSports sandbox', () => {
  let sb: SharpSportsSandbox;
  let catcher: Awaited<ReturnType<typeof startCatcher>>;

  const api = async (path: string, init: { method?: string; body?: unknown; auth?: string | null } = {}) => {
    const headers: Record<string, string> = {};
    if (init.auth !== null) headers.Authorization = init.auth ?? `Token ${API_KEY}`;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${sb.url}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const refreshHooks = (accountId: string) =>
    catcher.hooks.filter((h) => h.body.event === 'refreshresponse.created' && h.body.data.bettorAccount === accountId);
  const byId = (slips: SandboxSlip[]) => [...slips].sort((a, b) => a.id.localeCompare(b.id));

  beforeAll(async () => {
    catcher = await startCatcher();
    sb = await startSharpSportsSandbox({
      port: 0,
      apiKey: API_KEY,
      webhookSecret: SECRET,
      webhookUrl: catcher.url,
      seed: 42,
      idSalt: 'fixed',
      rateLimitSeconds: 1,
      refreshLatencyMs: 20,
      bigAccountSlips: BIG,
      delayedWebhookMs: 200,
    });
  });
  afterAll(async () => {
    await sb?.close();
    await catcher?.close();
  });

  it('requires Token auth', async () => {
    const none = await api('/v1/bettors', { auth: null });
    expect(none.status).toBe(401);
    expect(none.json.detail).toEqual(expect.any(String));
    expect((await api('/v1/bettors', { auth: 'Token wrong' })).status).toBe(401);
    const okRes = await api('/v1/bettors/');
    expect(okRes.status).toBe(200);
    expect(okRes.json.map((b: any) => b.internalId).sort()).toEqual([...SANDBOX_BETTORS].sort());
    expect((await api('/v1/bettors/gooduser')).json.id).toBe('BTTR_gooduser');
    expect((await api('/v1/bettors/BTTR_gooduser/bettorAccounts')).json.map((a: any) => a.id).sort()).toEqual([
      'BACT_gooduser_dk',
      'BACT_gooduser_fd',
    ]);
    expect((await api('/v1/bettorAccounts/BACT_nope')).status).toBe(404);
  });

  it('paginates per the docs and 404s outside 1..totalPages', async () => {
    const n = SANDBOX_BETTORS.length;
    const pages = Math.ceil(n / 5);
    const first = await api('/v1/bettors?pageSize=5&pageNum=1');
    expect(first.status).toBe(200);
    expect(first.json.totalPages).toBe(pages);
    expect(first.json.objects).toHaveLength(5);
    const last = await api(`/v1/bettors?pageSize=5&pageNum=${pages}`);
    expect(last.json.objects).toHaveLength(n - 5 * (pages - 1));
    const beyond = await api(`/v1/bettors?pageSize=5&pageNum=${pages + 1}`);
    expect(beyond.status).toBe(404);
    expect(beyond.json.detail).toEqual(expect.any(String));
    expect((await api('/v1/bettors?pageSize=5&pageNum=0')).status).toBe(404);
  });

  let firstHistory: SandboxSlip[] = [];

  it('good refresh → signed webhook whose slips equal the ground truth', async () => {
    const id = 'BACT_gooduser_dk';
    const post = await api(`/v1/bettorAccounts/${id}/refresh`, { method: 'POST' });
    expect(post.status).toBe(200);
    expect(post.json.refresh).toEqual([id]);
    expect(post.json.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(post.json.cid).toBeNull();
    const hook = await waitFor(() => refreshHooks(id)[0]);
    expect(hook.headers['hook-event']).toBe('refreshresponse.created');
    expect(hook.headers['hook-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(hook.headers['hook-subscription']).toMatch(/^[0-9a-f-]{36}$/);
    expect(hook.headers['content-type']).toBe('application/json');
    const expected = createHmac('sha256', SECRET).update(hook.raw).digest('base64');
    expect(hook.headers['hook-hmac']).toBe(expected);
    expect(signThorn(SECRET, hook.raw)).toBe(expected);
    const { data } = hook.body;
    expect(hook.body.sender).toBe('SandboxApp');
    expect(data).toMatchObject({
      bettor: 'BTTR_gooduser',
      bettorAccount: id,
      status: 200,
      detail: null,
      requestId: post.json.requestId,
      type: 'manual',
    });
    expect(data.id).toMatch(/^RRES_[A-Za-z0-9_]+$/);
    expect(data.betSlips).toHaveLength(12);
    expect(byId(data.betSlips)).toEqual(byId(sb.slips(id)));
    for (const s of data.betSlips as SandboxSlip[]) {
      expect(s.refreshResponse).toBe(data.id);
      expect(s.id).toMatch(/^SLIP_[A-Za-z0-9_]+$/);
      expect(s.bets.length).toBeGreaterThanOrEqual(1);
      for (const b of s.bets) {
        expect(b.id).toMatch(/^BET_/);
        expect(b.event.id).toMatch(/^EVNT_/);
        expect(b.event.oddsjamId).toMatch(/^\d{5}-\d{5}-\d{4}-\d{2}-\d{2}$/);
      }
      if (s.type === 'single' && !s.adjusted.odds && !s.incomplete) expect(s.oddsAmerican).toBe(s.bets[0].oddsAmerican);
    }
    const rr = await api(`/v1/refreshResponses/${data.id}`);
    expect(rr.json.bettorAccount).toEqual({
      id,
      bettor: 'BTTR_gooduser',
      book: { id: expect.any(String), name: 'DraftKings', abbr: 'dk' },
    });
    expect(byId(rr.json.betSlips)).toEqual(byId(data.betSlips));
    const acct = await api(`/v1/bettorAccounts/${id}`);
    expect(acct.json).toMatchObject({
      refreshInProgress: false,
      latestRefreshRequestId: post.json.requestId,
      latestRefreshResponse: { id: data.id, status: 200 },
    });
    firstHistory = data.betSlips;
  });

  it('rate limits a second immediate POST', async () => {
    const id = 'BACT_gooduser_dk';
    const again = await api(`/v1/bettorAccounts/${id}/refresh`, { method: 'POST' });
    expect(again.json.rateLimited).toEqual([id]);
    expect(again.json.refresh).toEqual([]);
    expect(
      sb
        .refreshLog()
        .filter((e) => e.accountId === id)
        .map((e) => e.outcome),
    ).toEqual(['refresh', 'rateLimited']);
  });

  it('later refreshes add new slips and settle pending ones', async () => {
    const id = 'BACT_gooduser_dk';
    await sleep(1100);
    const before = new Set(sb.slips(id).map((s) => s.id));
    const post = await api(`/v1/bettorAccounts/${id}/refresh`, { method: 'POST' });
    expect(post.json.refresh).toEqual([id]);
    const hook = await waitFor(() => refreshHooks(id).find((h) => h.body.data.requestId === post.json.requestId));
    const slips = hook.body.data.betSlips as SandboxSlip[];
    const created = slips.filter((s) => !before.has(s.id));
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(created.length).toBeLessThanOrEqual(3);
    const truth = new Map(sb.slips(id).map((s) => [s.id, s]));
    for (const s of slips) expect(s).toEqual(truth.get(s.id));
    for (const s of slips.filter((x) => x.status === 'completed')) {
      expect(s.outcome).toMatch(/^(win|loss|push)$/);
      expect(s.netProfit).toEqual(s.outcome === 'win' ? expect.any(Number) : s.outcome === 'loss' ? -s.atRisk : 0);
      expect(s.dateClosed).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('202 account: webhook without slips, GET /v1/betSlips?refreshResponse= pages exactly bigAccountSlips', async () => {
    const id = 'BACT_bigbettor_dk';
    const post = await api('/v1/bettors/bigbettor/refresh', { method: 'POST' });
    expect(post.json.refresh).toEqual([id]);
    const hook = await waitFor(() => refreshHooks(id)[0]);
    expect(hook.body.data.status).toBe(202);
    expect(hook.body.data.betSlips).toEqual([]);
    const rres = hook.body.data.id as string;
    const pageSize = 100;
    const seen: string[] = [];
    const first = await api(`/v1/betSlips?refreshResponse=${rres}&pageSize=${pageSize}&pageNum=1`);
    expect(first.json.totalPages).toBe(Math.ceil(BIG / pageSize));
    for (let p = 1; p <= first.json.totalPages; p++) {
      const page = await api(`/v1/betSlips?refreshResponse=${rres}&pageSize=${pageSize}&pageNum=${p}`);
      expect(page.status).toBe(200);
      seen.push(...page.json.objects.map((s: SandboxSlip) => s.id));
    }
    expect(seen).toHaveLength(BIG);
    expect(new Set(seen).size).toBe(BIG);
    expect(new Set(seen)).toEqual(new Set(sb.slips(id).map((s) => s.id)));
    expect(
      (await api(`/v1/betSlips?refreshResponse=${rres}&pageSize=${pageSize}&pageNum=${first.json.totalPages + 1}`))
        .status,
    ).toBe(404);
  });

  it('2FA: wrong code → 406, right code → 200, cid single-use', async () => {
    const id = 'BACT_2FAuser_mg';
    const post = await api(`/v1/bettorAccounts/${id}/refresh`, { method: 'POST' });
    expect(post.json.otpRequired).toEqual([id]);
    expect(post.json.cid).toEqual(expect.any(String));
    expect(refreshHooks(id)).toHaveLength(0);
    const put = await api(`/v1/contexts/${post.json.cid}`, { method: 'PUT', body: { otp: { [id]: '000000' } } });
    expect(put.status).toBe(200);
    const bad = await waitFor(() => refreshHooks(id)[0]);
    expect(bad.body.data.status).toBe(406);
    expect(bad.body.data.betSlips).toEqual([]);
    expect(
      (await api(`/v1/contexts/${post.json.cid}`, { method: 'PUT', body: { otp: { [id]: '123456' } } })).status,
    ).toBe(400);
    await sleep(1100);
    const post2 = await api(`/v1/bettorAccounts/${id}/refresh`, { method: 'POST' });
    expect(post2.json.otpRequired).toEqual([id]);
    await api(`/v1/contexts/${post2.json.cid}`, { method: 'PUT', body: { otp: { [id]: '123456' } } });
    const good = await waitFor(() => refreshHooks(id)[1]);
    expect(good.body.data).toMatchObject({ status: 200, requestId: post2.json.requestId });
    expect(good.body.data.betSlips.length).toBeGreaterThan(0);
  });

  it('lost webhook: refreshResponse findable via GET /v1/refreshResponses?requestId=', async () => {
    const id = 'BACT_lostwebhookuser_dk';
    const post = await api(`/v1/bettorAccounts/${id}/refresh`, { method: 'POST' });
    expect(post.json.refresh).toEqual([id]);
    const list = await waitFor(async () => {
      const r = await api(`/v1/refreshResponses?requestId=${post.json.requestId}`);
      return r.json.length ? (r.json as any[]) : undefined;
    });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      status: 200,
      requestId: post.json.requestId,
      bettorAccount: { id, bettor: 'BTTR_lostwebhookuser' },
    });
    expect(byId(list[0].betSlips)).toEqual(byId(sb.slips(id)));
    await sleep(100);
    expect(refreshHooks(id)).toHaveLength(0);
  });

  it('eager account: webhook arrives before the POST response; dup account: delivered twice', async () => {
    const eager = 'BACT_eageruser_fd';
    const post = await api(`/v1/bettorAccounts/${eager}/refresh`, { method: 'POST' });
    expect(refreshHooks(eager)).toHaveLength(1);
    expect(refreshHooks(eager)[0].body.data.requestId).toBe(post.json.requestId);

    const dup = 'BACT_dupuser_mg';
    await api(`/v1/bettorAccounts/${dup}/refresh`, { method: 'POST' });
    const [a, b] = await waitFor(() => (refreshHooks(dup).length >= 2 ? refreshHooks(dup) : undefined));
    expect(a.raw).toBe(b.raw);
    expect(a.headers['hook-delivery']).not.toBe(b.headers['hook-delivery']);
    expect(b.at - a.at).toBeGreaterThanOrEqual(150);
  });

  it('bettor-level refresh lists accounts per scenario', async () => {
    const login = await api('/v1/bettors/errorloginuser/refresh', { method: 'POST' });
    expect(login.json).toMatchObject({
      refresh: [],
      unverified: ['BACT_errorloginuser_ca'],
      isUnverifiable: ['BACT_errorloginuser_ca'],
    });
    expect((await api('/v1/bettors/BTTR_revokeduser/refresh', { method: 'POST' })).json.noAccess).toEqual([
      'BACT_revokeduser_mg',
    ]);
    expect((await api('/v1/bettors/maintenanceuser/refresh', { method: 'POST' })).json.bookInactive).toEqual([
      'BACT_maintenanceuser_ca',
    ]);
    expect((await api('/v1/bettors/throttleduser/refresh', { method: 'POST' })).json.rateLimited).toEqual([
      'BACT_throttleduser_fd',
    ]);
    const good = await api('/v1/bettors/gooduser/refresh', { method: 'POST' });
    expect([...good.json.refresh].sort()).toEqual(['BACT_gooduser_dk', 'BACT_gooduser_fd']);
    const again = await api('/v1/bettors/gooduser/refresh', { method: 'POST' });
    expect([...again.json.rateLimited].sort()).toEqual(['BACT_gooduser_dk', 'BACT_gooduser_fd']);
    expect(again.json.refresh).toEqual([]);
  });

  it('never reuses request, refreshResponse or slip ids across instances unless the salt is fixed', async () => {
    const [x, y] = await Promise.all(
      [0, 1].map(() =>
        startSharpSportsSandbox({ apiKey: API_KEY, webhookSecret: SECRET, seed: 42, refreshLatencyMs: 1 }),
      ),
    );
    try {
      const [a, b] = await Promise.all([x, y].map((s) => s.triggerRefresh('BACT_gooduser_dk', 'cadence')));
      expect(a).not.toBe(b);
      const ids = new Set(x.slips('BACT_gooduser_dk').map((s) => s.id));
      expect(ids.size).toBeGreaterThan(0);
      expect(y.slips('BACT_gooduser_dk').filter((s) => ids.has(s.id))).toEqual([]);
    } finally {
      await Promise.all([x.close(), y.close()]);
    }
  });

  it('is deterministic per seed', async () => {
    const FIXED = Date.parse('2024-11-03T15:00:00Z');
    const start = () =>
      startSharpSportsSandbox({
        apiKey: API_KEY,
        webhookSecret: SECRET,
        seed: 42,
        idSalt: 'fixed',
        refreshLatencyMs: 1,
        now: () => FIXED,
      });
    const [x, y] = await Promise.all([start(), start()]);
    try {
      for (const s of [x, y]) {
        await s.triggerRefresh('BACT_gooduser_dk', 'cadence');
        await s.triggerRefresh('BACT_bigbettor_dk', 'cadence');
      }
      expect(x.slips()).toEqual(y.slips());
      expect(x.slips('BACT_bigbettor_dk')).toHaveLength(2500);
      // ids and bookRefs do not depend on the clock either
      const ids = (s: SandboxSlip[]) => byId(s).map((v) => [v.id, v.bookRef]);
      expect(ids(x.slips('BACT_gooduser_dk'))).toEqual(ids(firstHistory));
    } finally {
      await Promise.all([x.close(), y.close()]);
    }
  });
});
