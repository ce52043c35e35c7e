// A loopback BoltOdds odds WebSocket (reference: boltodds-websocket-api.txt): `?key=` auth, the
// socket_connected ack, subscribe / re-subscribe with filters (5 s limit, the doc's error text),
// initial_state dumps, scripted game/line updates, pings, clears, and 12 connections per minute.
import { createServer } from 'node:http';
import { listen } from '../../platform/net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { SubscribeMessageSchema, type BoltOddsFilters } from '../../schemas/boltodds';
import { GroundTruth, type BoltOddsChange, type ConnTruth, type WireMessage } from './truth';
import { DEFAULT_BOOKS, SPORTS, World, formatAmerican, type WGame, type WOutcome, type WorldEvent } from './world';
import { SEASON_BOOKS, SeasonWorld } from './season-world';
import type { Season } from '../season';

export const RATE_LIMIT_MESSAGE = 'Re-subscription rate limit hit. Please wait 5 seconds before re-subscribing.';
export const UPDATED_MESSAGE = 'You have successfully updated your subscription filters.';

export interface BoltOddsSandboxOptions {
  apiKey: string;
  /** 0 (default): a random free port on 127.0.0.1. */
  port?: number;
  seed?: number;
  /** Scripted updates per second once the first client has subscribed. Default 5. */
  ratePerSecond?: number;
  /** Total scripted updates, then only pings. Default: run forever. */
  updates?: number;
  pingIntervalMs?: number;
  books?: string[];
  /** Leagues to simulate (keys of SPORTS). Default: NFL, NBA, MLB, NHL, NCAAB, UFC. */
  sports?: string[];
  gamesPerSport?: number;
  /** Server side of the reference's limits; shrink them to test quickly. */
  resubscribeIntervalMs?: number;
  connectionLimit?: { max: number; windowMs: number };
  /** A client that has not subscribed by then is disconnected. Default 10 s. */
  subscribeTimeoutMs?: number;
  /** Start time of the simulated schedule (ms). Default: now. */
  startMs?: number;
  /** A shared season (sandbox/season.ts) on the wall clock instead of the random script; books default to the four US books. */
  season?: Season;
}

export interface SubscriptionRecord {
  connection: number;
  at: number;
  filters: BoltOddsFilters;
  first: boolean;
  accepted: boolean;
}

export interface BoltOddsSandbox {
  /** ws://127.0.0.1:PORT/api — pass as the adapter's url. */
  url: string;
  close(): Promise<void>;
  /** Ground truth, in BoltOdds' terms: `changes` are exactly the outcome changes a correct consumer records for what was delivered, in order. */
  emitted(): { changes: Readonly<BoltOddsChange>[]; counts: GroundTruth['counts'] };
  disconnectMidMessage(): void;
  sendMalformed(n?: number): void;
  clearBook(book: string): void;
  clearSport(sport: string): void;
  /** Burst n scripted updates at once (on top of the paced stream). */
  flood(n: number): void;
  connectionsInLastMinute(): number;
  subscriptions(): SubscriptionRecord[];
  /** Connections refused with HTTP 429 (over the connection limit). */
  refusedConnections(): number;
  /** Re-subscriptions answered with the rate-limit error. */
  rateLimitErrors(): number;
  /** While on, every connection is dropped right after its initial_state dump (a reconnect storm). */
  setFlaky(on: boolean): void;
  /** True once the scripted updates are all sent. */
  scriptDone(): boolean;
  openConnections(): number;
  books(): string[];
  /** Live game strings (`games` filter values). */
  games(): string[];
  /** The price of every live outcome now (null: suspended), keyed as the adapter keys ticks: book, game, outcome key. */
  currentPrices(): Array<{
    book: string;
    sport: string;
    game: string;
    market: string;
    outcomeKey: string;
    price: number | null;
  }>;
}

interface Conn {
  id: number;
  ws: WebSocket;
  truth: ConnTruth;
  /** Filters as BoltOdds applies them: unknown values are ignored (reference: "Any deviation will be ignored"). */
  eff: BoltOddsFilters | null;
  lastSubAt: number;
  sentSeq: number;
  doneSeq: number;
  waiting: Map<number, Array<() => void>>;
}

const PING = { action: 'ping' };

function stamper() {
  let lastUs = 0;
  return () => {
    const us = Math.max(Date.now() * 1000, lastUs + 1);
    lastUs = us;
    return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}+00:00`;
  };
}

function refuse(socket: Duplex, status: number, text: string) {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: text })}`,
  );
}

export async function startBoltOddsSandbox(opts: BoltOddsSandboxOptions): Promise<BoltOddsSandbox> {
  const books = opts.books ?? (opts.season ? SEASON_BOOKS : DEFAULT_BOOKS);
  const sports =
    opts.sports ??
    (opts.season ? [...new Set(opts.season.games.map((g) => g.league))] : ['NFL', 'NBA', 'MLB', 'NHL', 'NCAAB', 'UFC']);
  for (const s of sports)
    if (!SPORTS[s]) throw new Error(`sandbox: unknown sport ${s}; known: ${Object.keys(SPORTS).join(', ')}`);
  const world: Pick<World, 'games' | 'marketNames' | 'step' | 'clear'> = opts.season
    ? new SeasonWorld(opts.season, books)
    : new World({
        seed: opts.seed ?? 1,
        books,
        sports,
        gamesPerSport: opts.gamesPerSport ?? 2,
        startMs: opts.startMs ?? Date.now(),
      });
  const markets = world.marketNames();
  const truth = new GroundTruth();
  const stamp = stamper();
  const limit = opts.connectionLimit ?? { max: 12, windowMs: 60_000 };
  const resubMs = opts.resubscribeIntervalMs ?? 5_000;
  const rate = opts.ratePerSecond ?? 5;
  const total = opts.updates ?? Infinity;
  const conns = new Set<Conn>();
  const accepted: number[] = [];
  const subs: SubscriptionRecord[] = [];
  let refused = 0;
  let rateLimited = 0;
  let flaky = false;
  let nextConn = 1;
  let malformedKind = 0;
  let stepsDone = 0;
  let streamStart = 0;
  let streamTimer: NodeJS.Timeout | null = null;

  // ---------------------------------------------------------------- messages

  const link = (g: WGame, book: string) => `https://sandbox.boltodds.invalid/${book}/event/${g.id}`;
  const wireOutcome = (g: WGame, book: string, o: WOutcome) => ({
    odds: o.price === null ? o.blank : formatAmerican(o.price),
    link: `${link(g, book)}?outcome=${encodeURIComponent(o.key)}`,
    outcome_name: o.name,
    outcome_line: o.line,
    outcome_over_under: o.ou,
    outcome_target: o.target,
  });
  const gameMessage = (action: string, timestamp: string, g: WGame, book: string, outcomes: WOutcome[]) => ({
    timestamp,
    action,
    data: {
      sport: g.sport,
      sportsbook: book,
      game: g.game,
      home_team: g.home,
      away_team: g.away,
      info: { id: g.id, game: g.game, when: g.when, link: link(g, book) },
      outcomes: Object.fromEntries(outcomes.map((o) => [o.key, wireOutcome(g, book, o)])),
    },
  });

  function toMessage(e: WorldEvent): WireMessage {
    const ts = stamp();
    switch (e.kind) {
      case 'line_update':
        return gameMessage('line_update', ts, e.game, e.book, e.outcomes);
      case 'game_update':
        return gameMessage('game_update', ts, e.game, e.book, [...e.game.books.get(e.book)!.values()]);
      case 'game_removed':
        return gameMessage('game_removed', ts, e.game, e.book, []);
      case 'sport_clear':
        return {
          timestamp: ts,
          action: 'sport_clear',
          data: {
            sport: e.sport,
            sportsbook: e.book,
            game: {},
            home_team: {},
            away_team: {},
            info: {},
            outcomes: {},
          } as WireMessage['data'],
        };
      case 'book_clear':
        return {
          timestamp: ts,
          action: 'book_clear',
          data: {
            sport: {},
            sportsbook: e.book,
            game: {},
            home_team: {},
            away_team: {},
            info: {},
            outcomes: {},
          } as WireMessage['data'],
        };
    }
  }

  const allowed = (list: string[] | undefined, v: string) => !list || list.includes(v);

  /** The message as this connection's filters let it through, or null. */
  function forConn(c: Conn, m: WireMessage): WireMessage | null {
    const f = c.eff;
    if (!f) return null;
    const d = m.data!;
    if (!allowed(f.sportsbooks, d.sportsbook!)) return null;
    if (m.action === 'book_clear') return m;
    if (!allowed(f.sports, d.sport as string)) return null;
    if (m.action === 'sport_clear') return m;
    if (!allowed(f.games, d.game as string)) return null;
    if (m.action === 'game_removed' || !f.markets) return m;
    const outcomes = Object.fromEntries(
      Object.entries(d.outcomes ?? {}).filter(([, o]) => f.markets!.includes(o.outcome_name)),
    );
    if (Object.keys(outcomes).length === 0) return null;
    return { ...m, data: { ...d, outcomes } };
  }

  function send(c: Conn, obj: object, delivered?: () => void) {
    sendText(c, JSON.stringify(obj), delivered);
  }

  function sendText(c: Conn, text: string, delivered?: () => void) {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    const seq = ++c.sentSeq;
    c.ws.send(text, (err) => {
      c.doneSeq = seq;
      if (!err) delivered?.();
      for (const fn of c.waiting.get(seq) ?? []) fn();
      c.waiting.delete(seq);
    });
  }

  /** Run fn once everything sent so far has been written, keeping ground truth in wire order. */
  function after(c: Conn, fn: () => void) {
    if (c.doneSeq === c.sentSeq) return fn();
    const list = c.waiting.get(c.sentSeq) ?? [];
    list.push(fn);
    c.waiting.set(c.sentSeq, list);
  }

  function deliver(c: Conn, m: WireMessage) {
    const out = forConn(c, m);
    if (out) send(c, out, () => truth.delivered(c.truth, out));
  }

  function broadcast(events: WorldEvent[]) {
    for (const e of events) {
      const m = toMessage(e);
      for (const c of conns) deliver(c, m);
    }
  }

  function dump(c: Conn) {
    for (const g of world.games)
      for (const book of books)
        deliver(c, gameMessage('initial_state', stamp(), g, book, [...g.books.get(book)!.values()]));
  }

  // ---------------------------------------------------------------- scripted stream

  function startStream() {
    if (streamTimer || stepsDone >= total) return;
    streamStart = Date.now();
    streamTimer = setInterval(
      () => {
        const due = Math.min(total, Math.floor(((Date.now() - streamStart) / 1000) * rate));
        while (stepsDone < due) {
          stepsDone += 1;
          broadcast(world.step());
        }
        if (stepsDone >= total && streamTimer) {
          clearInterval(streamTimer);
          streamTimer = null;
        }
      },
      Math.max(5, Math.min(100, 1000 / Math.max(rate, 1))),
    );
  }

  const pinger = setInterval(() => {
    for (const c of conns) send(c, PING);
  }, opts.pingIntervalMs ?? 5_000);

  // ---------------------------------------------------------------- connections

  function effective(f: BoltOddsFilters): BoltOddsFilters {
    const live = new Set(world.games.map((g) => g.game));
    const valid: Record<keyof BoltOddsFilters, (v: string) => boolean> = {
      sports: (v) => sports.includes(v),
      sportsbooks: (v) => books.includes(v),
      games: (v) => live.has(v),
      markets: (v) => markets.has(v),
    };
    const out: BoltOddsFilters = {};
    for (const k of Object.keys(valid) as (keyof BoltOddsFilters)[]) if (f[k]) out[k] = f[k]!.filter(valid[k]);
    return out;
  }

  function onMessage(c: Conn, raw: string) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return send(c, { action: 'error', message: 'Invalid JSON.' });
    }
    const r = SubscribeMessageSchema.safeParse(parsed);
    if (!r.success) return send(c, { action: 'error', message: 'Invalid subscription message.' });
    const now = Date.now();
    const first = c.eff === null;
    if (!first && now - c.lastSubAt < resubMs) {
      rateLimited += 1;
      subs.push({ connection: c.id, at: now, filters: r.data.filters, first, accepted: false });
      return send(c, { action: 'error', message: RATE_LIMIT_MESSAGE });
    }
    subs.push({ connection: c.id, at: now, filters: r.data.filters, first, accepted: true });
    c.lastSubAt = now;
    c.eff = effective(r.data.filters);
    if (first) after(c, () => truth.subscribed(c.truth, r.data.filters, true));
    else
      send(c, { action: 'subscription_updated', message: UPDATED_MESSAGE }, () =>
        truth.subscribed(c.truth, r.data.filters, false),
      );
    // Assumption (the doc only says data follows the new filters): a re-subscription also gets an initial_state.
    dump(c);
    startStream();
    if (flaky) after(c, () => c.ws.terminate());
  }

  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    // GET /api/get_games (reference: supporting endpoints) is served for a season, whose games carry universal ids.
    if (req.method === 'GET' && u.pathname === '/api/get_games' && world instanceof SeasonWorld) {
      if (u.searchParams.get('key') !== opts.apiKey)
        return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Unauthorized"}');
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(world.getGames()));
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (u.pathname !== '/api') return refuse(socket, 404, 'Not Found');
    if (u.searchParams.get('key') !== opts.apiKey) return refuse(socket, 401, 'Unauthorized');
    const now = Date.now();
    while (accepted.length && accepted[0] <= now - limit.windowMs) accepted.shift();
    if (accepted.length >= limit.max) {
      refused += 1;
      return refuse(socket, 429, 'Too Many Requests');
    }
    accepted.push(now);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Conn = {
        id: nextConn++,
        ws,
        truth: truth.connection(),
        eff: null,
        lastSubAt: 0,
        sentSeq: 0,
        doneSeq: 0,
        waiting: new Map(),
      };
      conns.add(c);
      const subTimer = setTimeout(() => {
        if (!c.eff) ws.close(1008, 'no subscription received');
      }, opts.subscribeTimeoutMs ?? 10_000);
      ws.on('message', (data) => onMessage(c, data.toString()));
      ws.on('close', () => {
        clearTimeout(subTimer);
        conns.delete(c);
      });
      ws.on('error', () => undefined);
      send(c, { action: 'socket_connected' });
    });
  });
  const port = await listen(server, opts.port ?? 0);

  // ---------------------------------------------------------------- knobs

  function malformed(c: Conn): { text: string; obj?: WireMessage } {
    const kind = malformedKind++ % 4;
    const ts = stamp();
    if (kind === 0)
      return { text: `{"timestamp": "${ts}", "action": "line_update", "data": {"sport": "NBA", "sportsbook": ` };
    if (kind === 1) return { text: "{'action': 'ping'}" };
    if (kind === 2)
      return {
        text: JSON.stringify({
          timestamp: ts,
          action: 'line_update',
          data: { sport: 'NBA', game: 'Boston Celtics vs Miami Heat, 2025-07-23, 07' },
        }),
      };
    // An unparseable price on a real outcome the connection can see: the rest of the stream must go on.
    for (const g of world.games)
      for (const book of books)
        for (const o of g.books.get(book)!.values()) {
          const m = forConn(c, gameMessage('line_update', ts, g, book, [{ ...o, price: null, blank: null }]));
          if (!m) continue;
          const [key] = Object.keys(m.data!.outcomes!);
          (m.data!.outcomes![key] as { odds: unknown }).odds = '+1O5';
          return { text: JSON.stringify(m), obj: m };
        }
    return { text: '{"action": "line_update", "timestamp": ' };
  }

  return {
    url: `ws://127.0.0.1:${port}/api`,
    async close() {
      clearInterval(pinger);
      if (streamTimer) clearInterval(streamTimer);
      for (const c of conns) c.ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
    emitted: () => ({ changes: [...truth.changes], counts: { ...truth.counts } }),
    disconnectMidMessage() {
      const messages = world.step().map(toMessage);
      for (const c of [...conns]) {
        const first = messages.map((m) => forConn(c, m)).find((m) => m !== null);
        if (!first || c.ws.readyState !== WebSocket.OPEN) {
          c.ws.terminate();
          continue;
        }
        const text = JSON.stringify(first);
        // First fragment only (FIN clear), then the socket goes away: the client never gets a whole message.
        c.ws.send(text.slice(0, Math.floor(text.length / 2)), { fin: false }, () => c.ws.terminate());
      }
    },
    sendMalformed(n = 1) {
      for (let i = 0; i < n; i++) {
        for (const c of conns) {
          if (!c.eff) continue;
          const m = malformed(c);
          sendText(c, m.text, () => m.obj && truth.delivered(c.truth, m.obj));
        }
      }
    },
    clearBook: (book) => broadcast(world.clear(book, null)),
    clearSport(sport) {
      for (const book of books) broadcast(world.clear(book, sport));
    },
    flood(n) {
      for (let i = 0; i < n; i++) broadcast(world.step());
    },
    connectionsInLastMinute: () => accepted.filter((t) => t > Date.now() - limit.windowMs).length,
    subscriptions: () => subs.map((s) => ({ ...s })),
    refusedConnections: () => refused,
    rateLimitErrors: () => rateLimited,
    setFlaky(on) {
      flaky = on;
    },
    scriptDone: () => stepsDone >= total,
    openConnections: () => conns.size,
    books: () => [...books],
    games: () => world.games.map((g) => g.game),
    currentPrices: () =>
      world.games.flatMap((g) =>
        books.flatMap((book) =>
          [...(g.books.get(book)?.values() ?? [])].map((o) => ({
            book,
            sport: g.sport,
            game: g.game,
            market: o.name,
            outcomeKey: o.key,
            price: o.price,
          })),
        ),
      ),
  };
}
