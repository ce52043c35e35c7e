// createBoltOddsAdapter: one run reconnects (within the connection budget) and turns frames into ticks.
import type { BoltOddsFilters, BoltOddsMessage } from '../../schemas/boltodds';
import { registerSecret } from '../../platform/log';
import type { RefusedRecord } from '../../rejections/record';
import type { FeedGap, FeedHealth, FeedRunContext } from '../types';
import { ConnectionWindow } from './connection-window';
import { parseBoltOddsMessage } from './message';
import { connectOnce, type ConnectOptions } from './connection';
import type { Frame } from './frame-queue';
import {
  CONNECTIONS_PER_MINUTE,
  RESUBSCRIBE_INTERVAL_MS,
  isAll,
  resolveFilters,
  type BoltOddsAdapter,
  type BoltOddsAdapterOptions,
} from './options';
import type { Session, SessionHost } from './session';
import { BoltOddsState } from './state';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export function createBoltOddsAdapter(opts: BoltOddsAdapterOptions): BoltOddsAdapter {
  if (!opts.apiKey) throw new Error('BoltOdds: apiKey is required (set BOLTODDS_API_KEY)');
  registerSecret(opts.apiKey);
  const base = new URL(opts.url);
  if (base.protocol !== 'ws:' && base.protocol !== 'wss:')
    throw new Error(
      `BoltOdds: url must be ws:// or wss:// (got ${opts.url}); set BOLTODDS_WS_URL, e.g. wss://spro.agency/api`,
    );
  const pingTimeoutMs = opts.pingTimeoutMs ?? 60_000;
  const resubscribeMs = opts.resubscribeIntervalMs ?? RESUBSCRIBE_INTERVAL_MS;
  const backoff = opts.backoff ?? { initialMs: 500, maxMs: 30_000 };
  const stableAfterMs = opts.stableAfterMs ?? 30_000;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
  const maxQueued = Math.max(1, opts.maxQueuedFrames ?? 64);
  const limit = opts.connectionLimit ?? { max: CONNECTIONS_PER_MINUTE, windowMs: 60_000 };
  const window = new ConnectionWindow(
    limit.max,
    limit.windowMs,
    limit.marginMs ?? Math.min(1_000, limit.windowMs / 10),
  );

  let desired = resolveFilters(opts);
  let state = new BoltOddsState();
  let active: Session | null = null;
  // What a Session (session.ts) reads when it needs it: the latest filters and this run's state.
  const host: SessionHost = {
    get desired() {
      return desired;
    },
    get state() {
      return state;
    },
    resubscribeMs,
  };

  async function run(ctx: FeedRunContext): Promise<void> {
    const restored = BoltOddsState.restore(ctx.checkpoint?.state);
    state = restored.state;
    if (restored.error)
      ctx.log.warn('boltodds.state_unusable', {
        error: restored.error,
        hint: 'starting with empty state: unchanged outcomes are emitted once more',
      });
    let position = ctx.checkpoint?.position ?? null;
    if (position && ctx.storedSince && !restored.error) {
      const caughtUp = state.reconcile(await ctx.storedSince(position));
      if (caughtUp)
        ctx.log.info('boltodds.state_caught_up', {
          outcomes: caughtUp,
          since: position,
          detail: 'rows stored after the last checkpoint (a crash before it) replace the restored state',
        });
    }
    const health: FeedHealth = {
      connected: false,
      lastMessageAt: null,
      lastTickTs: null,
      reconnects: 0,
      gaps: 0,
      rejected: 0,
      messages: 0,
    };
    const setHealth = (u: Partial<FeedHealth>) => {
      Object.assign(health, u);
      ctx.health(u);
    };
    /** Reported with the first timestamp after the gap, so from/to bound exactly what was missed. */
    let pendingGap: Omit<FeedGap, 'to'> | null = ctx.checkpoint
      ? {
          reason: 'reconnect',
          from: position,
          detail:
            'restarted from a checkpoint: moves between the checkpoint and the new initial_state were not observed',
        }
      : null;

    const reject = async (raw: string, reason: string, detail: string, record?: RefusedRecord) => {
      setHealth({ rejected: health.rejected + 1 });
      ctx.log.warn('boltodds.rejected', { reason, detail, record: record?.path });
      await ctx.reject(raw, reason, detail, record);
    };
    const gap = async (g: FeedGap) => {
      setHealth({ gaps: health.gaps + 1 });
      ctx.log.warn('boltodds.gap', { ...g });
      await ctx.gap(g);
    };

    async function handleMessage(session: Session, msg: BoltOddsMessage, receivedAt: string): Promise<void> {
      switch (msg.action) {
        case 'socket_connected':
          if (!session.subscribed) session.subscribe();
          return;
        case 'ping':
          return;
        case 'subscription_updated':
          session.onSubscriptionUpdated();
          return;
        case 'error':
          ctx.log.warn('boltodds.server_error', { message: msg.message });
          if (typeof msg.message === 'string' && /rate limit/i.test(msg.message)) session.onRateLimited();
          return;
      }
      if (pendingGap) {
        const g = pendingGap;
        pendingGap = null;
        await gap({ ...g, to: msg.timestamp });
      }
      const r = state.apply(msg, receivedAt);
      for (const x of r.rejects) await reject(x.raw, x.reason, x.detail, x.record);
      for (const g of r.gaps) await gap(g);
      if (r.swept)
        ctx.log.info('boltodds.swept', {
          outcomes: r.swept,
          detail: 'games missing from initial_state were withdrawn while disconnected',
        });
      position = msg.timestamp;
      await ctx.emit({ ticks: r.ticks }, { position, state: state.snapshot() });
      if (r.ticks.length) setHealth({ lastTickTs: r.ticks[r.ticks.length - 1].ts });
    }

    async function handleFrame(session: Session, frame: Frame): Promise<void> {
      let parsed: unknown;
      try {
        parsed = JSON.parse(frame.text);
      } catch (err) {
        setHealth({ messages: health.messages + 1 });
        return reject(frame.text, 'malformed_json', (err as Error).message);
      }
      const items = Array.isArray(parsed) ? parsed : [parsed];
      for (const item of items) {
        setHealth({ messages: health.messages + 1, lastMessageAt: new Date().toISOString() });
        const raw = Array.isArray(parsed) ? JSON.stringify(item) : frame.text;
        const r = parseBoltOddsMessage(item);
        if (!r.ok) {
          await reject(raw, r.reason, r.detail);
          continue;
        }
        await handleMessage(session, r.msg, frame.receivedAt);
      }
    }

    // One connection (connection.ts): these settings, and hooks into this run.
    const connect: ConnectOptions = {
      base,
      apiKey: opts.apiKey,
      ackTimeoutMs,
      pingTimeoutMs,
      maxQueued,
      host,
      setHealth,
      handleFrame,
      opened: (session) => {
        active = session;
      },
      closed: (session) => {
        if (active === session) active = null;
      },
    };

    let failures = 0;
    let first = true;
    while (!ctx.signal.aborted) {
      const wait = window.delay();
      if (wait > 0) {
        ctx.log.info('boltodds.connection_budget', { waitMs: wait, max: limit.max, windowMs: limit.windowMs });
        await sleep(wait, ctx.signal);
        if (ctx.signal.aborted) break;
      }
      window.record();
      if (!first) setHealth({ reconnects: health.reconnects + 1 });
      first = false;
      const end = await connectOnce(ctx, connect);
      if (ctx.signal.aborted) break;
      if (end.rateLimited) window.block();
      if (end.subscribed)
        pendingGap ??= {
          reason: 'reconnect',
          from: position,
          detail: `connection lost (${end.reason}): moves until the next initial_state were not observed`,
        };
      failures = end.upMs >= stableAfterMs ? 1 : failures + 1;
      const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1)) * (0.8 + Math.random() * 0.4);
      ctx.log.warn('boltodds.disconnected', {
        reason: end.reason,
        retryInMs: Math.round(delay),
        connectionsInWindow: window.inWindow(),
      });
      await sleep(delay, ctx.signal);
    }
  }

  return {
    source: 'boltodds',
    run: (ctx) => run(ctx),
    updateFilters(update) {
      const next: BoltOddsFilters = { ...desired };
      for (const k of ['sports', 'sportsbooks', 'games', 'markets'] as const) {
        if (!(k in update)) continue;
        const v = update[k];
        if (v === undefined) continue;
        if (isAll(v)) delete next[k];
        else next[k] = [...v!];
      }
      desired = next;
      active?.requestResubscribe();
    },
    queuedFrames: () => active?.queue.length ?? 0,
    stateSize: () => state.size(),
  };
}
