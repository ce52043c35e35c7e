// Thorn-style webhook delivery: signed JSON POSTs with Hook-* headers, retried with exponential backoff.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { DeliveryRecord } from './types';
import type { Timers } from './util';

/** base64(HMAC-SHA256(secret, rawBody)) — the Hook-HMAC header value. */
export function signThorn(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

export const WEBHOOK_SENDER = 'SandboxApp';
const TIMEOUT_MS = 3000;
const RETRIES = 5;
const FIRST_BACKOFF_MS = 500;

export interface DeliveryMeta {
  refreshResponseId?: string;
  accountId?: string;
}

export class ThornSender {
  private readonly records: DeliveryRecord[] = [];
  private readonly inflight = new Set<http.ClientRequest>();
  // Connections are reused across deliveries, as a webhook service's sender pool does.
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };
  /** Hook-Subscription: one fixed subscription id per sandbox */
  readonly subscription = randomUUID();

  constructor(
    private readonly secret: string,
    private readonly getUrl: () => string | undefined,
    private readonly timers: Timers,
  ) {}

  deliveries(): DeliveryRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  /** Build the Thorn envelope body once (so duplicate deliveries carry identical bytes). */
  static envelope(event: string, data: unknown): string {
    return JSON.stringify({ event, sender: WEBHOOK_SENDER, data });
  }

  /**
   * Deliver `body` as a new delivery (own Hook-Delivery id) after `delayMs`.
   * Resolves when the first attempt has finished; retries continue in the background.
   */
  async send(event: string, body: string, meta: DeliveryMeta, delayMs = 0): Promise<void> {
    const deliveryId = randomUUID();
    if (delayMs > 0) await this.timers.sleep(delayMs);
    if (this.timers.closed) return;
    if (await this.attempt(deliveryId, event, body, meta, 1)) return;
    void this.retry(deliveryId, event, body, meta);
  }

  close(): void {
    for (const req of this.inflight) req.destroy();
    this.inflight.clear();
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }

  private async retry(deliveryId: string, event: string, body: string, meta: DeliveryMeta): Promise<void> {
    for (let i = 0; i < RETRIES; i++) {
      await this.timers.sleep(FIRST_BACKOFF_MS * 2 ** i);
      if (this.timers.closed) return;
      if (await this.attempt(deliveryId, event, body, meta, i + 2)) return;
    }
  }

  private async attempt(
    deliveryId: string,
    event: string,
    body: string,
    meta: DeliveryMeta,
    attempt: number,
  ): Promise<boolean> {
    const url = this.getUrl();
    const rec: DeliveryRecord = { deliveryId, event, status: 'error', attempt, ...meta, at: Date.now() };
    if (!url) {
      rec.error = 'no webhookUrl set';
      this.records.push(rec);
      return false;
    }
    try {
      rec.status = await this.post(url, body, {
        'Content-Type': 'application/json',
        'Hook-Event': event,
        'Hook-Delivery': deliveryId,
        'Hook-Subscription': this.subscription,
        'Hook-HMAC': signThorn(this.secret, body),
      });
    } catch (err) {
      rec.error = err instanceof Error ? err.message : String(err);
    }
    if (!this.timers.closed) this.records.push(rec);
    return typeof rec.status === 'number' && rec.status >= 200 && rec.status < 300;
  }

  private post(url: string, body: string, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const mod = target.protocol === 'https:' ? https : http;
      const req = mod.request(
        target,
        {
          method: 'POST',
          headers: {
            ...headers,
            'Content-Length': Buffer.byteLength(body),
            'User-Agent': 'SharpSports-Sandbox-Thorn/1.0',
          },
          agent: target.protocol === 'https:' ? this.agents['https:'] : this.agents['http:'],
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            this.inflight.delete(req);
            resolve(res.statusCode ?? 0);
          });
          res.on('error', (e) => {
            this.inflight.delete(req);
            reject(e);
          });
        },
      );
      this.inflight.add(req);
      req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`timeout after ${TIMEOUT_MS} ms`)));
      req.on('error', (e) => {
        this.inflight.delete(req);
        reject(e);
      });
      req.end(body);
    });
  }
}
