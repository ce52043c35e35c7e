// HTTP routes of the sandbox (node:http only): /v1 bettors, bettorAccounts, betSlips, refreshResponses, contexts.
import type http from 'node:http';
import { BOOKS } from './catalog';
import type { RefreshEngine } from './engine';
import type { AccountRec, SandboxState } from './state';
import { sortSlips } from './state';
import type { SandboxSlip } from './types';

interface Reply {
  status: number;
  json: unknown;
}
type Handler = (p: string[], q: URLSearchParams, body: unknown) => Reply | Promise<Reply>;

const MAX_PAGE_SIZE = 1000;
const ok = (json: unknown): Reply => ({ status: 200, json });
const err = (status: number, detail: string): Reply => ({ status, json: { detail } });
const notFound = (what: string, id: string): Reply => err(404, `${what} ${id} not found.`);

class BadRequest extends Error {}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (/^(true|1)$/i.test(v)) return true;
  if (/^(false|0)$/i.test(v)) return false;
  throw new BadRequest(`${name} must be true or false`);
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new BadRequest(`${name} must be a positive integer`);
  return Number(v);
}

/** %Y-%m-%dT%H:%M:%S or %Y-%m-%d, read as UTC. */
function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2})(\.\d+)?Z?)?$/.exec(v);
  const ms = m ? Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? ''}Z`) : NaN;
  if (Number.isNaN(ms)) throw new BadRequest(`${name} must be formatted %Y-%m-%dT%H:%M:%S or %Y-%m-%d`);
  return ms;
}

/** `limit`, then pagination (`pageSize` + `pageNum` together → {objects, totalPages}). */
function listReply<T>(items: T[], q: URLSearchParams, toJson: (t: T) => unknown): Reply {
  const limit = intParam(q, 'limit');
  const list = limit ? items.slice(0, limit) : items;
  const sizeRaw = q.get('pageSize');
  const numRaw = q.get('pageNum');
  if (sizeRaw === null || numRaw === null) return ok(list.map(toJson));
  const size = Math.min(MAX_PAGE_SIZE, intParam(q, 'pageSize') ?? 0);
  if (!size) throw new BadRequest('pageSize must be a positive integer');
  const totalPages = Math.max(1, Math.ceil(list.length / size));
  const num = /^-?\d+$/.test(numRaw) ? Number(numRaw) : NaN;
  if (!(num >= 1 && num <= totalPages)) return err(404, `Invalid page: pageNum must be between 1 and ${totalPages}.`);
  return ok({ objects: list.slice((num - 1) * size, num * size).map(toJson), totalPages });
}

function filterSlips(st: SandboxState, slips: SandboxSlip[], q: URLSearchParams): SandboxSlip[] {
  const rrId = q.get('refreshResponse');
  const inRefresh = rrId ? (st.refreshes.get(rrId)?.slipIds ?? new Set<string>()) : undefined;
  const start = timeParam(q, 'timePlacedStart');
  const end = timeParam(q, 'timePlacedEnd');
  const adjOdds = boolParam(q, 'adjustedOdds');
  const adjLine = boolParam(q, 'adjustedLine');
  const adjRisk = boolParam(q, 'adjustedAtRisk');
  const eq = (name: string, v: string | null | undefined) => {
    const want = q.get(name);
    return !want || want.toLowerCase() === String(v).toLowerCase();
  };
  const out = slips.filter((s) => {
    if (st.accounts.get(s.bettorAccount)?.access === false) return false;
    if (inRefresh && !inRefresh.has(s.id)) return false;
    if (!eq('status', s.status) || !eq('book', s.book.id) || !eq('abbr', s.book.abbr) || !eq('type', s.type))
      return false;
    if (q.get('league') && !s.bets.some((b) => eq('league', b.event.league))) return false;
    if (q.get('sport') && !s.bets.some((b) => eq('sport', b.event.sport))) return false;
    const placed = Date.parse(s.timePlaced);
    if ((start !== undefined && placed < start) || (end !== undefined && placed > end)) return false;
    if (adjOdds !== undefined && s.adjusted.odds !== adjOdds) return false;
    if (adjLine !== undefined && s.adjusted.line !== adjLine) return false;
    if (adjRisk && s.adjusted.atRisk === null) return false;
    return true;
  });
  return sortSlips(out);
}

function buildRoutes(st: SandboxState, engine: RefreshEngine): Array<[string, RegExp, Handler]> {
  const bettor = (id: string) => st.findBettor(id);
  const slipsReply = (accountIds: string[], q: URLSearchParams) =>
    listReply(
      filterSlips(
        st,
        [...st.slips.values()].filter((s) => accountIds.includes(s.bettorAccount)),
        q,
      ),
      q,
      (s) => s,
    );
  const refreshesReply = (accountIds: string[] | null, q: URLSearchParams) => {
    const requestId = q.get('requestId');
    const status = q.get('status');
    const recs = [...st.refreshes.values()].filter(
      (r) =>
        (!accountIds || accountIds.includes(r.accountId)) &&
        (!requestId || r.requestId === requestId) &&
        (!status || String(r.status) === status),
    );
    return listReply(recs, q, (r) => st.refreshJson(r));
  };
  const accountsByNewest = (ids: string[]) =>
    ids.map((id) => st.accounts.get(id)!).sort((a, b) => b.timeCreatedMs - a.timeCreatedMs || (a.id < b.id ? -1 : 1));
  const seg = '([^/]+)';
  return [
    [
      'GET',
      /^\/v1\/books$/,
      () =>
        ok(
          Object.values(BOOKS).map((b) => ({ ...b, status: 'active', mobileOnly: false, refreshCadenceActive: true })),
        ),
    ],
    [
      'GET',
      /^\/v1\/bettors$/,
      (_p, q) => {
        const list = [...st.bettors.values()].sort((a, b) => b.timeCreatedMs - a.timeCreatedMs);
        const meta = boolParam(q, 'metadata') ?? false;
        return listReply(list, q, (b) => st.bettorJson(b, meta));
      },
    ],
    [
      'GET',
      new RegExp(`^/v1/bettors/${seg}$`),
      ([id], q) => {
        const b = bettor(id);
        return b ? ok(st.bettorJson(b, boolParam(q, 'metadata') ?? false)) : notFound('Bettor', id);
      },
    ],
    [
      'GET',
      new RegExp(`^/v1/bettors/${seg}/bettorAccounts$`),
      ([id], q) => {
        const b = bettor(id);
        return b ? listReply(accountsByNewest(b.accountIds), q, (a) => st.accountJson(a)) : notFound('Bettor', id);
      },
    ],
    [
      'GET',
      new RegExp(`^/v1/bettors/${seg}/betSlips$`),
      ([id], q) => {
        const b = bettor(id);
        return b ? slipsReply(b.accountIds, q) : notFound('Bettor', id);
      },
    ],
    [
      'GET',
      new RegExp(`^/v1/bettors/${seg}/refreshResponses$`),
      ([id], q) => {
        const b = bettor(id);
        return b ? refreshesReply(b.accountIds, q) : notFound('Bettor', id);
      },
    ],
    [
      'POST',
      new RegExp(`^/v1/bettors/${seg}/refresh$`),
      async ([id], q) => {
        const b = bettor(id);
        if (!b) return notFound('Bettor', id);
        const res = await engine.post(b.accountIds, boolParam(q, 'reverify') ?? false);
        b.betRefreshRequested = res.betRefreshRequested;
        return ok(res);
      },
    ],
    [
      'GET',
      /^\/v1\/bettorAccounts$/,
      (_p, q) => {
        const access = boolParam(q, 'access');
        const verified = boolParam(q, 'verified');
        const unverifiable = boolParam(q, 'isUnverifiable');
        const list = accountsByNewest([...st.accounts.keys()]).filter(
          (a) =>
            (access === undefined || a.access === access) &&
            (verified === undefined || a.verified === verified) &&
            (unverifiable === undefined || a.isUnverifiable === unverifiable),
        );
        const meta = boolParam(q, 'metadata') ?? false;
        return listReply(list, q, (a) => st.accountJson(a, meta));
      },
    ],
    [
      'GET',
      new RegExp(`^/v1/bettorAccounts/${seg}$`),
      ([id], q) => {
        const a = st.accounts.get(id);
        return a ? ok(st.accountJson(a, boolParam(q, 'metadata') ?? false)) : notFound('BettorAccount', id);
      },
    ],
    [
      'GET',
      new RegExp(`^/v1/bettorAccounts/${seg}/betSlips$`),
      ([id], q) => (st.accounts.has(id) ? slipsReply([id], q) : notFound('BettorAccount', id)),
    ],
    [
      'GET',
      new RegExp(`^/v1/bettorAccounts/${seg}/refreshResponses$`),
      ([id], q) => (st.accounts.has(id) ? refreshesReply([id], q) : notFound('BettorAccount', id)),
    ],
    [
      'POST',
      new RegExp(`^/v1/bettorAccounts/${seg}/refresh$`),
      async ([id], q) =>
        st.accounts.has(id)
          ? ok(await engine.post([id], boolParam(q, 'reverify') ?? false))
          : notFound('BettorAccount', id),
    ],
    [
      'PUT',
      new RegExp(`^/v1/bettorAccounts/${seg}/(access|paused)$`),
      ([id, field], _q, body) => {
        const a = st.accounts.get(id);
        if (!a) return notFound('BettorAccount', id);
        const raw = (body as Record<string, unknown> | null)?.[field];
        const value =
          raw === true || raw === 'true' || raw === 'True'
            ? true
            : raw === false || raw === 'false' || raw === 'False'
              ? false
              : undefined;
        if (value === undefined) return err(400, `${field} must be true or false`);
        if (field === 'paused') a.paused = value;
        else if (value)
          return err(400, 'access can only be set to false; the bettor must relink the account to restore access');
        else if (a.access) {
          a.access = false;
          void engine.sendAccountEvent(a, 'bettoraccount.inaccessible');
        }
        return ok(st.accountJson(a));
      },
    ],
    ['GET', /^\/v1\/betSlips$/, (_p, q) => slipsReply([...st.accounts.keys()], q)],
    [
      'GET',
      new RegExp(`^/v1/betSlips/${seg}$`),
      ([id]) => {
        const s = st.slips.get(id);
        return s && st.accounts.get(s.bettorAccount)?.access !== false ? ok(s) : notFound('BetSlip', id);
      },
    ],
    ['GET', /^\/v1\/refreshResponses$/, (_p, q) => refreshesReply(null, q)],
    [
      'GET',
      new RegExp(`^/v1/refreshResponses/${seg}$`),
      ([id]) => {
        const r = st.refreshes.get(id);
        return r ? ok(st.refreshJson(r)) : notFound('RefreshResponse', id);
      },
    ],
    ['PUT', new RegExp(`^/v1/contexts?/${seg}$`), ([cid], _q, body) => engine.submitOtp(cid, body)],
  ];
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1 << 20) {
        reject(new BadRequest('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve(null);
      if (text.startsWith('{') || text.startsWith('[')) {
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new BadRequest('JSON parse error'));
        }
        return;
      }
      resolve(Object.fromEntries(new URLSearchParams(text)));
    });
  });
}

// ---- provider misbehaviour knobs (ScenarioOverrides: slow*, truncateNextPages, duplicateAcrossPages, pageDrift) ----

/** A paged GET /v1/betSlips?refreshResponse=… of a known refresh: the account whose knobs apply. */
function pagedRefreshListing(st: SandboxState, method: string, path: string, q: URLSearchParams) {
  if (method !== 'GET' || path !== '/v1/betSlips' || q.get('pageSize') === null || q.get('pageNum') === null)
    return null;
  const rrId = q.get('refreshResponse');
  const rec = rrId ? st.refreshes.get(rrId) : undefined;
  const acc = rec ? st.accounts.get(rec.accountId) : undefined;
  return rrId && acc ? { rrId, acc } : null;
}

/** Accounts named by a refresh POST whose next answer is slow. */
function slowPostAccounts(st: SandboxState, path: string, params: string[]): AccountRec[] {
  let ids: string[] = [];
  if (/^\/v1\/bettorAccounts\/[^/]+\/refresh$/.test(path)) ids = [params[0]];
  else if (/^\/v1\/bettors\/[^/]+\/refresh$/.test(path)) ids = st.findBettor(params[0])?.accountIds ?? [];
  return ids.map((id) => st.accounts.get(id)).filter((a): a is AccountRec => !!a && a.o.slowNextPosts > 0);
}

/** Pages of `size` where page k > 1 starts with the last `overlap` slips of page k-1. */
function overlappingPage(items: SandboxSlip[], q: URLSearchParams, overlap: number): Reply {
  const size = Math.min(MAX_PAGE_SIZE, intParam(q, 'pageSize') ?? 0);
  if (!size) throw new BadRequest('pageSize must be a positive integer');
  const stride = Math.max(1, size - overlap);
  const totalPages = 1 + Math.max(0, Math.ceil((items.length - size) / stride));
  const num = Number(q.get('pageNum'));
  if (!(num >= 1 && num <= totalPages)) return err(404, `Invalid page: pageNum must be between 1 and ${totalPages}.`);
  const from = (num - 1) * stride;
  return ok({ objects: items.slice(from, from + size), totalPages });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });
}

/** Headers promise the whole body; half of it is written and the connection is cut. */
function sendTruncated(res: http.ServerResponse, r: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(JSON.stringify(r.json));
  res.writeHead(r.status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
}

export function createHandler(st: SandboxState, engine: RefreshEngine): http.RequestListener {
  const routes = buildRoutes(st, engine);
  const drifts = new Map<string, number>();
  const send = (res: http.ServerResponse, r: Reply, extra: Record<string, string> = {}) => {
    if (res.headersSent || res.destroyed) return;
    const body = JSON.stringify(r.json);
    res.writeHead(r.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...extra,
    });
    res.end(body);
  };
  return async (req, res) => {
    try {
      const auth = req.headers.authorization;
      if (!auth)
        return send(res, err(401, 'Authentication credentials were not provided.'), { 'WWW-Authenticate': 'Token' });
      const m = /^Token\s+(.+)$/i.exec(auth.trim());
      if (!m || m[1] !== st.opts.apiKey) return send(res, err(401, 'Invalid token.'), { 'WWW-Authenticate': 'Token' });
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const method = req.method ?? 'GET';
      let pathMatched = false;
      for (const [verb, re, handler] of routes) {
        const match = re.exec(path);
        if (!match) continue;
        pathMatched = true;
        if (verb !== method) continue;
        const body = method === 'GET' ? null : await readBody(req);
        const params = match.slice(1).map(decodeURIComponent);
        const page = pagedRefreshListing(st, method, path, url.searchParams);
        const reply =
          page && page.acc.o.duplicateAcrossPages > 0
            ? overlappingPage(
                filterSlips(st, [...st.slips.values()], url.searchParams),
                url.searchParams,
                page.acc.o.duplicateAcrossPages,
              )
            : await handler(params, url.searchParams, body);
        if (page) {
          const o = page.acc.o;
          if (
            reply.status === 200 &&
            url.searchParams.get('pageNum') === '1' &&
            o.pageDrift !== 0 &&
            (drifts.get(page.rrId) ?? 0) < o.pageDriftTimes
          ) {
            drifts.set(page.rrId, (drifts.get(page.rrId) ?? 0) + 1);
            engine.driftListing(page.rrId, o.pageDrift);
          }
          if (o.slowNextPages > 0) {
            o.slowNextPages--;
            await pause(o.slowResponseMs);
          }
          if (o.truncateNextPages > 0) {
            o.truncateNextPages--;
            return sendTruncated(res, reply);
          }
        }
        const slow = method === 'POST' ? slowPostAccounts(st, path, params) : [];
        if (slow.length) {
          for (const a of slow) a.o.slowNextPosts--;
          await pause(Math.max(...slow.map((a) => a.o.slowResponseMs)));
        }
        return send(res, reply);
      }
      send(res, pathMatched ? err(405, `Method "${method}" not allowed.`) : err(404, 'Not found.'));
    } catch (e) {
      if (e instanceof BadRequest) send(res, err(400, e.message));
      else send(res, err(500, e instanceof Error ? e.message : String(e)));
    }
  };
}
