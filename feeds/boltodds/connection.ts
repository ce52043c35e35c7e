// One WebSocket connection, from upgrade to close.
import WebSocket from 'ws';
import type { FeedHealth, FeedRunContext } from '../types';
import type { Frame } from './frame-queue';
import { Session, type SessionHost } from './session';

export class FatalFeedError extends Error {}

const rawText = (data: WebSocket.RawData): string =>
  Buffer.isBuffer(data)
    ? data.toString('utf8')
    : Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data).toString('utf8');

export interface SessionEnd {
  reason: string;
  rateLimited: boolean;
  upMs: number;
  subscribed: boolean;
}

/** What one connection needs from the adapter's run. */
export interface ConnectOptions {
  base: URL;
  apiKey: string;
  ackTimeoutMs: number;
  pingTimeoutMs: number;
  maxQueued: number;
  host: SessionHost;
  /** The session is the active one (updateFilters and queuedFrames reach it). */
  opened(session: Session): void;
  /** The session ended: it is no longer the active one. */
  closed(session: Session): void;
  setHealth(u: Partial<FeedHealth>): void;
  handleFrame(session: Session, frame: Frame): Promise<void>;
}

/** One connection, from upgrade to close; resolves after every frame received was processed. */
export async function connectOnce(ctx: FeedRunContext, c: ConnectOptions): Promise<SessionEnd> {
  const { base, ackTimeoutMs, pingTimeoutMs, maxQueued, setHealth, handleFrame } = c;
  const url = new URL(base);
  url.searchParams.set('key', c.apiKey);
  const ws = new WebSocket(url, { handshakeTimeout: ackTimeoutMs });
  const session = new Session(ws, ctx, c.host);
  c.opened(session);
  const end: SessionEnd = { reason: 'closed', rateLimited: false, upMs: 0, subscribed: false };
  let fatal: Error | null = null;
  let openedAt = 0;
  let lastActivity = Date.now();
  let busy = false;
  let ackTimer: NodeJS.Timeout | null = null;

  ws.on('unexpected-response', (_req, res) => {
    const status = res.statusCode ?? 0;
    end.reason = `HTTP ${status} on upgrade`;
    if (status === 401 || status === 403)
      fatal = new FatalFeedError(
        `BoltOdds refused the API key (HTTP ${status} on the WebSocket upgrade): check BOLTODDS_API_KEY`,
      );
    if (status === 429) end.rateLimited = true;
    res.resume();
    ws.terminate();
  });
  ws.on('open', () => {
    openedAt = Date.now();
    setHealth({ connected: true });
    ackTimer = setTimeout(() => {
      if (session.subscribed) return;
      end.reason = `no socket_connected within ${ackTimeoutMs} ms`;
      ws.terminate();
    }, ackTimeoutMs);
  });
  ws.on('message', (data) => {
    lastActivity = Date.now();
    session.queue.push({ text: rawText(data), receivedAt: new Date().toISOString() });
    if (session.queue.length >= maxQueued && !ws.isPaused) ws.pause();
  });
  ws.on('error', (err) => {
    if (end.reason === 'closed') end.reason = err.message;
  });
  ws.on('close', (code, why) => {
    if (end.reason === 'closed') end.reason = `closed (${code}${why.length ? ` ${why.toString()}` : ''})`;
    session.queue.end();
  });
  const onAbort = () => ws.terminate();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // Pings are the provider's keep-alive: silence while we are not busy means a dead socket.
  const watchdog = setInterval(
    () => {
      if (busy || session.queue.length > 0 || ws.readyState !== WebSocket.OPEN) return;
      if (Date.now() - lastActivity > pingTimeoutMs) {
        end.reason = `no message or ping for ${pingTimeoutMs} ms`;
        ctx.log.warn('boltodds.stalled', { pingTimeoutMs });
        ws.terminate();
      }
    },
    Math.max(50, Math.min(1_000, pingTimeoutMs / 4)),
  );

  try {
    for (;;) {
      const frame = await session.queue.next();
      if (!frame || ctx.signal.aborted) break;
      busy = true;
      await handleFrame(session, frame);
      busy = false;
      lastActivity = Date.now();
      if (ackTimer && session.subscribed) clearTimeout(ackTimer);
      if (ws.isPaused && session.queue.length <= maxQueued / 2) ws.resume();
    }
  } catch (err) {
    ws.terminate();
    throw err;
  } finally {
    busy = false;
    clearInterval(watchdog);
    if (ackTimer) clearTimeout(ackTimer);
    ctx.signal.removeEventListener('abort', onAbort);
    session.close();
    c.closed(session);
    setHealth({ connected: false });
  }
  if (fatal) throw fatal;
  end.upMs = openedAt ? Date.now() - openedAt : 0;
  end.subscribed = session.subscribed;
  return end;
}
