// Socket session: the subscription state of one WebSocket.
import WebSocket from 'ws';
import type { BoltOddsFilters } from '../../schemas/boltodds';
import type { FeedRunContext } from '../types';
import { FrameQueue } from './frame-queue';
import { sameFilters } from './options';
import type { BoltOddsState } from './state';

/** What a session reads from its adapter when it needs it: the filters wanted now and the current run's state. */
export interface SessionHost {
  readonly desired: BoltOddsFilters;
  readonly state: BoltOddsState;
  readonly resubscribeMs: number;
}

/** The subscription on one socket: subscribes, re-subscribes (rate limited), and queues its frames. */
export class Session {
  readonly queue = new FrameQueue();
  subscribed = false;
  /** Filters sent in a re-subscription not yet confirmed by subscription_updated. */
  private inFlight: BoltOddsFilters | null = null;
  private sent: BoltOddsFilters | null = null;
  private lastSubscribeAt = 0;
  private resubTimer: NodeJS.Timeout | null = null;
  constructor(
    readonly ws: WebSocket,
    private readonly ctx: FeedRunContext,
    private readonly host: SessionHost,
  ) {}

  subscribe(): void {
    this.send(this.host.desired);
    this.host.state.setFilters(this.host.desired);
    this.host.state.beginInitialState();
    this.sent = this.host.desired;
    this.subscribed = true;
  }

  private send(filters: BoltOddsFilters): void {
    this.lastSubscribeAt = Date.now();
    this.ws.send(JSON.stringify({ action: 'subscribe', filters }));
  }

  /** Same socket, never twice within the provider's 5 s; whatever is desired when the timer fires is sent. */
  requestResubscribe(): void {
    if (!this.subscribed || this.resubTimer || this.ws.readyState !== WebSocket.OPEN) return;
    const wait = this.lastSubscribeAt + this.host.resubscribeMs + 50 - Date.now();
    this.resubTimer = setTimeout(
      () => {
        this.resubTimer = null;
        if (this.ws.readyState !== WebSocket.OPEN) return;
        const target = this.host.desired;
        if (sameFilters(target, this.inFlight ?? this.sent ?? {})) return;
        this.inFlight = target;
        this.send(target);
        this.ctx.log.info('boltodds.resubscribe', { filters: target });
      },
      Math.max(0, wait),
    );
  }

  onSubscriptionUpdated(): void {
    if (this.inFlight) {
      this.sent = this.inFlight;
      this.host.state.setFilters(this.inFlight);
      this.inFlight = null;
    }
    this.ctx.log.info('boltodds.subscription_updated', { filters: this.sent });
    if (!sameFilters(this.host.desired, this.sent ?? {})) this.requestResubscribe();
  }

  onRateLimited(): void {
    // The server kept the previous filters; it asks for 5 s from now.
    this.inFlight = null;
    this.lastSubscribeAt = Date.now();
    this.requestResubscribe();
  }

  close(): void {
    if (this.resubTimer) clearTimeout(this.resubTimer);
    this.resubTimer = null;
  }
}
