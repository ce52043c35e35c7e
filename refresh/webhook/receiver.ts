import crypto from 'node:crypto';
import http from 'node:http';
import { z } from 'zod';
import {
  BettorAccountEventDataSchema,
  BettorCreatedDataSchema,
  KNOWN_WEBHOOK_EVENTS,
  normalizeRefreshResponse,
  WebhookEnvelopeSchema,
} from '../../schemas/sharpsports';
import { refFromResponse, unloadedDeliveries } from '../landing/landing';
import { log } from '../../platform/log';
import { recordRejection } from '../../rejections/record';
import { recordResponseFindings } from '../../rejections/quarantine';
import { insertRows, type Warehouse } from '../../platform/warehouse/client';
import { createLandingCommitter, type LandingCommitter } from './committer';
import { createDispatcher, type Dispatcher } from './dispatcher';
import { createPreloader, type Preloader } from './preloader';
import type { RecentLandings } from '../landing/landed-responses';
import { sharedLandingStore, type LandingStore } from './landing-store';
import { verifyHookHmac } from './hmac';
import type { RefreshResponseRef } from '../contracts';

export interface ReceiverOptions {
  clickhouse: Warehouse;
  /** Landed 200s handed to this process's load activities without a read-back (refresh/landing/landed-responses.ts). */
  recentLandings?: RecentLandings;
  /** Where deliveries are checked and landed (refresh/webhook/landing-store.ts); default `clickhouse`. Closed with the server. */
  landing?: LandingStore;
  secret?: string;
  maxBodyBytes: number;
  /** Hands a landed refresh response to its account workflow (signal-with-start); called after the 200, with retries. */
  dispatch(ref: RefreshResponseRef): Promise<void>;
  /** How often to re-dispatch landed deliveries that are still unloaded (default 30 s; 0: never). */
  sweepEveryMs?: number;
  /** Only deliveries landed at least this long ago are swept (default 60 s). */
  sweepMinAgeSeconds?: number;
  /**
   * While arrivals exceed `busyArrivalsPerSecond`, load each landed 200 response here, in
   * packages with the others landed meanwhile, and hand it over with its counts (default true);
   * false leaves every load to the account workflow.
   */
  preload?: boolean;
  /** Concurrent signal-with-starts (default 8). */
  dispatchConcurrency?: number;
  /** Delays between dispatch attempts before a delivery is left to the sweep (default 250 ms, 1 s, 4 s). */
  dispatchRetryDelaysMs?: number[];
  /** Arrivals per second above which ingest counts as busy and hand-overs wait (default 100). */
  busyArrivalsPerSecond?: number;
  /** The longest a hand-over waits while ingest is busy (default 30 s). */
  maxDispatchDeferMs?: number;
  /** Extra routes served on the same port (health, admin). Return true when handled. */
  extraRoutes?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;
  isReady?: () => boolean;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const SOURCE = 'sharpsports-webhook';

function send(res: http.ServerResponse, status: number, body: unknown) {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(
        new Refusal(
          413,
          'oversized',
          `body of ${declared} bytes exceeds the ${limit}-byte limit (WEBHOOK_MAX_BODY_MB)`,
        ),
      );
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Drop what was held, and never concatenate it on 'end' (that was a second copy of up to the limit).
        refused = true;
        chunks.length = 0;
        reject(new Refusal(413, 'oversized', `body exceeds the ${limit}-byte limit (WEBHOOK_MAX_BODY_MB)`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => (refused ? undefined : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('aborted', () => reject(new Refusal(400, 'aborted', 'client aborted the request body')));
  });
}

function headerSummary(req: http.IncomingMessage) {
  const h = req.headers;
  return {
    'content-type': h['content-type'],
    'content-length': h['content-length'],
    'hook-event': h['hook-event'],
    'hook-delivery': h['hook-delivery'],
    'hook-subscription': h['hook-subscription'],
    'user-agent': h['user-agent'],
  };
}

export type WebhookServer = http.Server & {
  committer: LandingCommitter;
  dispatcher: Dispatcher;
  preloader: Preloader | null;
};

/**
 * `POST /webhooks/sharpsports`: verify, land durably (group commit: one fsynced insert for every
 * delivery that arrived meanwhile), acknowledge — well inside the 3 s SharpSports allows — and
 * then hand the workflow a reference to the landed delivery. The hand-over is after the 200: a
 * landed delivery is already safe (the sweep and the start-up re-dispatch find it unloaded), and
 * a Temporal round trip per request held every answer back.
 */
export function createWebhookServer(opts: ReceiverOptions): WebhookServer {
  const landing = opts.landing ?? sharedLandingStore(opts.clickhouse);
  const committer = createLandingCommitter(landing);
  const arrivals = arrivalRate();
  const busyAbove = opts.busyArrivalsPerSecond ?? 100;
  const busy = () => arrivals.perSecond() > busyAbove;
  const dispatcher = createDispatcher({
    isBusy: busy,
    maxDeferMs: opts.maxDispatchDeferMs,
    dispatch: opts.dispatch,
    findUnloaded: (o) => unloadedDeliveries(opts.clickhouse, o),
    concurrency: opts.dispatchConcurrency,
    retryDelaysMs: opts.dispatchRetryDelaysMs,
    sweepEveryMs: opts.sweepEveryMs ?? 30_000,
    sweepMinAgeSeconds: opts.sweepMinAgeSeconds,
  });
  const preloader =
    opts.preload === false
      ? null
      : createPreloader({ ch: opts.clickhouse, handOver: (ref) => dispatcher.enqueue(ref) });

  async function handleWebhook(req: http.IncomingMessage, res: http.ServerResponse) {
    arrivals.tick();
    const deliveryHeader = String(req.headers['hook-delivery'] ?? '');
    let raw: Buffer | undefined;
    try {
      const type = String(req.headers['content-type'] ?? '');
      if (!/^application\/json\b/i.test(type))
        throw new Refusal(
          415,
          'unsupported_media_type',
          `Content-Type must be application/json, got "${type.slice(0, 100)}"`,
        );
      raw = await readBody(req, opts.maxBodyBytes);
      if (opts.secret) {
        if (!req.headers['hook-hmac']) throw new Refusal(401, 'missing_hmac', 'Hook-HMAC header is missing');
        if (!verifyHookHmac(opts.secret, raw, String(req.headers['hook-hmac'])))
          throw new Refusal(401, 'bad_hmac', 'Hook-HMAC does not match the body (check SHARPSPORTS_WEBHOOK_SECRET)');
      }
      const depth = jsonDepthExceeds(raw, MAX_JSON_DEPTH);
      if (depth)
        throw new Refusal(
          422,
          'too_deep',
          `JSON nested deeper than ${MAX_JSON_DEPTH} levels (SharpSports payloads are under 10): refused before parsing`,
        );
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        throw new Refusal(400, 'malformed_json', `body is not JSON: ${(err as Error).message}`);
      }
      const envelope = WebhookEnvelopeSchema.safeParse(json);
      if (!envelope.success)
        throw new Refusal(
          422,
          'schema',
          `not a SharpSports webhook envelope: ${z.prettifyError(envelope.error).slice(0, 500)}`,
        );
      const event = envelope.data.event;
      if (!(KNOWN_WEBHOOK_EVENTS as readonly string[]).includes(event))
        throw new Refusal(422, 'unknown_event', `unknown event type "${event.slice(0, 80)}"`);
      const headerEvent = req.headers['hook-event'];
      if (headerEvent && headerEvent !== event)
        throw new Refusal(
          422,
          'event_mismatch',
          `Hook-Event "${String(headerEvent).slice(0, 80)}" does not match body event "${event}"`,
        );
      const deliveryId = deliveryHeader || `body:${bodyDigest(raw)}`;
      const body = raw.toString('utf8');
      const subscription = String(req.headers['hook-subscription'] ?? '');

      if (event === 'refreshresponse.created') {
        let rr;
        try {
          rr = normalizeRefreshResponse(envelope.data.data);
        } catch (err) {
          throw new Refusal(
            422,
            'schema',
            `refreshresponse.created data is unusable: ${err instanceof z.ZodError ? z.prettifyError(err).slice(0, 500) : (err as Error).message}`,
          );
        }
        const { duplicate: seen } = await committer.land({
          deliveryId,
          source: 'webhook',
          event,
          subscription,
          body,
          refreshResponse: rr,
        });
        // Before the 200, and on a redelivery too (the first attempt may have died before this):
        // the refused slips' rows are what an operator replays; their tokens keep them single.
        await recordResponseFindings(opts.clickhouse, rr, deliveryId);
        // Signalled even for a repeated delivery: the first attempt may have landed and then
        // died before signalling. The workflow ignores a refreshResponse it already has.
        const ref = refFromResponse(deliveryId, 'webhook', rr);
        // While ingest is busy, hand-overs wait (dispatcher.ts) and loading here in packages is far
        // cheaper than a load per workflow; otherwise the workflow is told at once and loads it.
        if (preloader && rr.status === 200 && busy()) preloader.submit(ref, rr, raw.length);
        else {
          // The workflow's load takes it from memory when it runs in this process.
          if (rr.status === 200 && !seen) opts.recentLandings?.remember(deliveryId, rr, raw.length);
          dispatcher.enqueue(ref);
        }
        log.info('webhook.accepted', {
          hookEvent: event,
          delivery: deliveryId,
          refreshResponse: rr.id,
          account: rr.bettorAccountId,
          status: rr.status,
          slips: rr.betSlips.length,
          refused: rr.quarantined.length,
          warnings: rr.warnings.length,
          duplicate: seen,
        });
        send(res, 200, {
          ok: true,
          deliveryId,
          duplicate: seen,
          ...(rr.quarantined.length ? { refusedRecords: rr.quarantined.map((q) => q.path) } : {}),
        });
        return;
      }

      const parsed =
        event === 'bettor.created'
          ? BettorCreatedDataSchema.safeParse(envelope.data.data)
          : BettorAccountEventDataSchema.safeParse(envelope.data.data);
      if (!parsed.success)
        throw new Refusal(422, 'schema', `${event} data is unusable: ${z.prettifyError(parsed.error).slice(0, 500)}`);
      const data = parsed.data as Record<string, any>;
      const { duplicate: seen } = await committer.land({
        deliveryId,
        source: 'webhook',
        event,
        subscription,
        body,
        bettorId: event === 'bettor.created' ? data.id : data.bettor,
        bettorAccountId: event === 'bettor.created' ? '' : data.id,
      });
      if (!seen) {
        const receivedAt = new Date().toISOString();
        if (event === 'bettor.created') {
          await insertRows(opts.clickhouse, 'bettors', [
            {
              id: data.id,
              internal_id: String(data.internalId ?? ''),
              delivery_id: deliveryId,
              received_at: receivedAt,
            },
          ]);
        } else {
          await insertRows(opts.clickhouse, 'bettor_account_events', [
            {
              bettor_account_id: data.id,
              bettor_id: String(data.bettor ?? ''),
              event,
              book_abbr: String(data.book ?? ''),
              region: String(data.region ?? ''),
              delivery_id: deliveryId,
              received_at: receivedAt,
            },
          ]);
        }
      }
      log.info('webhook.accepted', { hookEvent: event, delivery: deliveryId, id: data.id, duplicate: seen });
      send(res, 200, { ok: true, deliveryId, duplicate: seen });
    } catch (err) {
      const refusal = err instanceof Refusal ? err : null;
      const status = refusal?.status ?? 503;
      const reason = refusal?.reason ?? 'internal_error';
      const detail = refusal ? refusal.message : `could not land or dispatch the delivery: ${(err as Error).message}`;
      await recordRejection(opts.clickhouse, {
        source: SOURCE,
        reason,
        detail,
        httpStatus: status,
        deliveryId: deliveryHeader,
        headers: headerSummary(req),
        raw,
        rawBytes: raw?.length ?? (Number(req.headers['content-length']) || 0),
      });
      if (status === 413) {
        // Answer, keep discarding what the sender still pushes, and hang up only if it keeps
        // going for 5 s: closing at once with unread bytes resets the connection (TCP RST) and
        // the sender loses the 413 (it saw EPIPE instead). Nothing is buffered meanwhile.
        const cut = setTimeout(() => req.socket.destroy(), 5_000);
        cut.unref();
        req.once('end', () => clearTimeout(cut));
        req.once('close', () => clearTimeout(cut));
      }
      // 503 invites SharpSports to deliver again; everything else is final for this body.
      send(res, status, { ok: false, reason, error: detail });
    }
  }

  // Checked every second (Node's default is 30 s), so headersTimeout/requestTimeout bite on time.
  const server = http.createServer({ connectionsCheckingInterval: 1_000 }, async (req, res) => {
    try {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && url === '/healthz') {
        const ready = opts.isReady ? opts.isReady() : true;
        send(res, ready ? 200 : 503, { ok: ready });
        return;
      }
      if (url === '/webhooks/sharpsports') {
        if (req.method !== 'POST') {
          send(res, 405, { ok: false, error: 'use POST' });
          return;
        }
        await handleWebhook(req, res);
        return;
      }
      if (opts.extraRoutes && (await opts.extraRoutes(req, res))) return;
      send(res, 404, { ok: false, error: 'not found' });
    } catch (err) {
      log.error('http.unhandled', { error: err as Error });
      send(res, 500, { ok: false, error: 'internal error' });
    }
  });
  // Slow-body (slowloris) senders are cut off instead of holding sockets open.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  // A timed-out slow sender (or unparseable HTTP) never reaches the handler: answer and record it here.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: import('node:stream').Duplex) => {
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const badHttp = typeof err.code === 'string' && err.code.startsWith('HPE_');
    if ((timeout || badHttp) && socket.writable)
      socket.end(
        timeout
          ? 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n'
          : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n',
      );
    const net = socket as import('node:net').Socket;
    if (typeof net.destroySoon === 'function') net.destroySoon();
    else socket.destroy();
    if (!timeout && !badHttp) return; // a client that hung up: nothing to record
    const status = timeout ? 408 : 400;
    const detail = timeout
      ? `request not complete within headersTimeout ${server.headersTimeout} ms / requestTimeout ${server.requestTimeout} ms (slow sender cut off)`
      : `unparseable HTTP request: ${err.code}`;
    void recordRejection(opts.clickhouse, {
      source: SOURCE,
      reason: timeout ? 'request_timeout' : 'bad_http',
      detail,
      httpStatus: status,
    });
  });
  // Closing waits for the hand-overs already queued, so a clean stop leaves nothing for the next
  // start to sweep up (the stack closes this server before its Temporal connection).
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    dispatcher.stop();
    close((err?: Error) => {
      void (async () => {
        await preloader?.idle(3_000);
        await dispatcher.drain(3_000);
        dispatcher.abandon();
        await committer.idle();
        await landing.close().catch((e) => log.warn('webhook.landing_close_failed', { error: e as Error }));
        cb?.(err);
      })();
    });
    return server;
  }) as typeof server.close;
  return Object.assign(server, { committer, dispatcher, preloader });
}

/** Webhook arrivals over the last second, in four 250 ms buckets. */
function arrivalRate() {
  const buckets = [0, 0, 0, 0];
  let current = Math.floor(Date.now() / 250);
  const roll = () => {
    const now = Math.floor(Date.now() / 250);
    for (let b = current + 1; b <= now && b <= current + 4; b++) buckets[b % 4] = 0;
    current = Math.max(current, now);
  };
  return {
    tick() {
      roll();
      buckets[current % 4]++;
    },
    perSecond() {
      roll();
      return buckets[0] + buckets[1] + buckets[2] + buckets[3];
    },
  };
}

/** Deeper than any real payload; a 100k-level body is refused without being parsed or walked. */
const MAX_JSON_DEPTH = 64;

/** True when the JSON text nests objects/arrays deeper than `max` (string contents are skipped). */
export function jsonDepthExceeds(raw: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Deliveries without Hook-Delivery still dedupe: the same body is the same delivery. */
function bodyDigest(raw: Buffer): string {
  return crypto.createHash('sha256').update(raw).digest('hex').slice(0, 32);
}
