// HTTP side of the SharpAPI sandbox (node:http only): GET /api/v1/odds/delta with the reference's
// auth, validation errors, pagination, removal retention, flags and X-RateLimit-* headers, plus
// one-shot faults the tests arm.
import type http from 'node:http';
import { REMOVED_CAP, REMOVAL_RETENTION_MS, type BookFilter, type OddsBook } from './book';
import type { SandboxOdd } from './odd';

export interface SandboxRequest {
  /** Wall-clock ms. */
  at: number;
  path: string;
  since: string | null;
  offset: number | null;
  limit: number | null;
  status: number;
  rows: number;
  hasMore: boolean;
  removed: number;
  serverTime: string | null;
  fault: string | null;
}

export interface Faults {
  malformed: number;
  malformedSent: number;
  disconnect: boolean;
  clamp: boolean;
  truncate: number | null;
  rateLimited: number;
}

export interface RateLimitConfig {
  limit: number;
  windowMs: number;
}

const MAX_LIMIT = 500;
const MAX_OFFSET = 500;

// Error bodies copied from the reference.
const MISSING_SINCE = {
  error: {
    code: 'validation_error',
    message: "The 'since' parameter is required for the delta endpoint",
    docs: 'https://docs.sharpapi.io/en/api-reference/odds-delta',
  },
};
const OFFSET_TOO_LARGE = {
  error: {
    code: 'offset_too_large',
    message: "offset must be <= 500; advance `since` to the previous response's `updated_at` to retrieve older changes",
    max_offset: 500,
  },
};
const UNAUTHORIZED = {
  error: {
    code: 'unauthorized',
    message: 'Invalid or missing API key',
    docs: 'https://docs.sharpapi.io/en/authentication',
  },
};
// Not in the reference; shaped like the documented ones.
const invalid = (message: string) => ({
  error: { code: 'validation_error', message, docs: 'https://docs.sharpapi.io/en/api-reference/odds-delta' },
});
const RATE_LIMITED = {
  error: { code: 'rate_limit_exceeded', message: 'Rate limit exceeded; retry after X-RateLimit-Reset' },
};
const NOT_FOUND = { error: { code: 'not_found', message: 'Not found' } };

const list = (q: URLSearchParams, name: string): string[] | undefined => {
  const v = q.get(name);
  return v
    ? v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean)
    : undefined;
};

type Compare = (a: SandboxOdd, b: SandboxOdd) => number;
const byId: Compare = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** `sort=field` / `sort=-field` over the JSON fields; ties (and the default order) by id. */
function sorter(book: OddsBook, sort: string | null): Compare {
  if (!sort) return byId;
  const desc = sort.startsWith('-');
  const field = desc ? sort.slice(1) : sort;
  const key = (o: SandboxOdd): number | string | null => {
    if (field === 'last_seen_at') return o.lastSeenMs;
    const v = book.toJson(o)[field];
    return typeof v === 'number' || typeof v === 'string' ? v : null;
  };
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) {
      if (ka === null) return 1;
      if (kb === null) return -1;
      return (ka < kb ? -1 : 1) * (desc ? -1 : 1);
    }
    return byId(a, b);
  };
}

export class RateLimiter {
  private windowStart = 0;
  private used = 0;
  constructor(private readonly cfg: RateLimitConfig) {}

  /** Consumes one request; returns the headers to send and whether it is over budget. */
  take(now: number, forceLimited: boolean): { headers: Record<string, string>; limited: boolean } {
    const start = Math.floor(now / this.cfg.windowMs) * this.cfg.windowMs;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
    const reset = Math.ceil((start + this.cfg.windowMs) / 1000);
    const limited = forceLimited || this.used >= this.cfg.limit;
    if (!limited) this.used += 1;
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(this.cfg.limit),
      'X-RateLimit-Remaining': String(limited ? 0 : this.cfg.limit - this.used),
      'X-RateLimit-Reset': String(reset),
    };
    if (limited) headers['Retry-After'] = String(Math.max(1, reset - Math.floor(now / 1000)));
    return { headers, limited };
  }
}

export function createHandler(opts: {
  apiKey: string;
  book: OddsBook;
  faults: Faults;
  limiter: RateLimiter;
  log: SandboxRequest[];
}): http.RequestListener {
  const { book, faults, limiter, log } = opts;
  let requestSeq = 0;

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const q = url.searchParams;
    const entry: SandboxRequest = {
      at: Date.now(),
      path: url.pathname,
      since: q.get('since'),
      offset: null,
      limit: null,
      status: 0,
      rows: 0,
      hasMore: false,
      removed: 0,
      serverTime: null,
      fault: null,
    };
    log.push(entry);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Data-Delay': '0',
      'X-Request-Id': `req_delta_${(++requestSeq).toString(36)}`,
    };
    const send = (status: number, body: unknown, text?: string) => {
      entry.status = status;
      const payload = text ?? JSON.stringify(body);
      res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(payload)) });
      res.end(payload);
    };

    if (req.headers['x-api-key'] !== opts.apiKey) return send(401, UNAUTHORIZED);
    const rl = limiter.take(Date.now(), faults.rateLimited > 0);
    Object.assign(headers, rl.headers);
    if (rl.limited) {
      if (faults.rateLimited > 0) {
        faults.rateLimited -= 1;
        entry.fault = 'rate_limited';
      }
      return send(429, RATE_LIMITED);
    }
    if (req.method !== 'GET' || url.pathname.replace(/\/+$/, '') !== '/api/v1/odds/delta') return send(404, NOT_FOUND);

    const sinceRaw = q.get('since');
    if (!sinceRaw) return send(400, MISSING_SINCE);
    const sinceMs = Date.parse(sinceRaw);
    if (Number.isNaN(sinceMs)) return send(400, invalid("The 'since' parameter must be an ISO 8601 timestamp"));
    const limitRaw = q.get('limit') ?? '50';
    const offsetRaw = q.get('offset') ?? '0';
    if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1) return send(400, invalid('limit must be a positive integer'));
    if (!/^\d+$/.test(offsetRaw)) return send(400, invalid('offset must be a non-negative integer'));
    const limit = Math.min(MAX_LIMIT, Number(limitRaw));
    const offset = Number(offsetRaw);
    entry.limit = limit;
    entry.offset = offset;
    if (offset > MAX_OFFSET) return send(400, OFFSET_TOO_LARGE);

    // server_time is the catch-up instant: a change stamped later is applied by a later request.
    const now = book.catchUp();
    const filter: BookFilter = {
      leagues: list(q, 'league'),
      sportsbooks: list(q, 'sportsbook'),
      markets: list(q, 'market'),
      sports: list(q, 'sport'),
      events: list(q, 'event'),
      live: q.get('live') === 'true',
    };
    const { data, removed } = book.select(sinceMs, now, filter);
    data.sort(sorter(book, q.get('sort')));
    const page = data.slice(offset, offset + limit);
    const hasMore = offset + page.length < data.length;

    let removedIds = removed.map((o) => o.id);
    let removedTruncated = removedIds.length > REMOVED_CAP;
    if (removedTruncated) removedIds = removedIds.slice(0, REMOVED_CAP);
    if (faults.truncate !== null) {
      removedIds = removedIds.slice(0, faults.truncate);
      removedTruncated = true;
      faults.truncate = null;
      entry.fault = 'removed_truncated';
    }
    let sinceClamped = sinceMs < now - REMOVAL_RETENTION_MS;
    if (faults.clamp) {
      sinceClamped = true;
      faults.clamp = false;
      entry.fault = 'since_clamped';
    }

    const rows: unknown[] = page.map((o) => book.toJson(o));
    const serverTime = new Date(now).toISOString();
    entry.rows = rows.length;
    entry.hasMore = hasMore;
    entry.removed = removedIds.length;
    entry.serverTime = serverTime;
    const filters: Record<string, string> = {};
    for (const [k, v] of q) if (k !== 'limit' && k !== 'offset') filters[k] = v;

    let malformedText: string | undefined;
    if (faults.malformed > 0) {
      faults.malformed -= 1;
      // Alternate: a body that is not JSON at all, then a good page carrying one corrupt odd.
      if (faults.malformedSent++ % 2 === 0) {
        entry.fault = 'malformed_body';
      } else {
        entry.fault = 'malformed_row';
        rows.unshift({
          id: `draftkings_0_moneyline_BAD${faults.malformedSent}`,
          sportsbook: 'draftkings',
          odds_american: 'n/a',
          last_seen_at: 'yesterday',
        });
      }
    }
    const body = {
      success: true,
      data: rows,
      meta: {
        count: rows.length,
        total: data.length,
        server_time: serverTime,
        books_changed: [...new Set(data.map((o) => o.sportsbook))].sort(),
        pagination: { limit, offset, has_more: hasMore, next_offset: hasMore ? offset + limit : null },
        filters,
      },
      removed: removedIds,
      ...(removedTruncated ? { removed_truncated: true } : {}),
      ...(sinceClamped ? { since_clamped: true } : {}),
    };
    if (entry.fault === 'malformed_body') malformedText = JSON.stringify(body).slice(0, 40) + '<html>502 Bad Gateway';

    if (faults.disconnect) {
      faults.disconnect = false;
      entry.fault = 'disconnect';
      entry.status = 200;
      const payload = JSON.stringify(body);
      res.writeHead(200, { ...headers, 'Content-Length': String(Buffer.byteLength(payload)) });
      res.write(payload.slice(0, Math.floor(payload.length / 2)), () => res.destroy());
      return;
    }
    send(200, body, malformedText);
  };
}
