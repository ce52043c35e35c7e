// Protocol-faithful simulator of the OpticOdds copilot odds stream (SSE), per
// /work/shared/reference/opticodds-copilot-odds-stream.txt: GET /api/v3/stream/copilot/{sport}/odds.
import http from 'node:http';
import { listen } from '../../platform/net';
import { formatSseEvent } from '../shared/sse';
import { SPORTS, sportOf } from './catalog';
import { ScriptGenerator, type GameSpec, type ScriptEntry } from './generator';
import { SeasonScript } from './season-script';
import type { Season } from '../season';
import { Client, StreamHub, type ClientFilter, type LogEntry, type StreamTruth } from './stream';

export type { FixtureRef, OddRef, StreamTruth } from './stream';
export type { GameSpec } from './generator';
export { BOOKS } from './catalog';

export interface OpticOddsSandboxOptions {
  apiKey: string;
  /** 0 (default): a random free port on 127.0.0.1. */
  port?: number;
  seed?: number;
  /** Entries produced per second (default 20). */
  ratePerSecond?: number;
  /** Total entries to produce, then idle with pings (default: run forever). */
  entries?: number;
  /** Default 5000 (like the real stream's keepalive). */
  pingIntervalMs?: number;
  /** Leagues with games (default NBA, NFL, NHL, MLB). */
  leagues?: string[];
  /** Sport of leagues the catalog does not know. */
  leagueSports?: Record<string, string>;
  /** true (default): honours last_entry_id. false: every connection starts from "now" (a gap on resume). */
  replayable?: boolean;
  /** Also resend this many entries at or before last_entry_id on resume (at-least-once servers); default 0. */
  replayOverlap?: number;
  /** `retry:` sent with every event (the reference shows 5000). */
  retryMs?: number;
  /** Production starts once this many connections are open (default 1), so no connection misses the start. */
  startAfterConnections?: number;
  gamesPerLeague?: number;
  /** Start of the simulated slate (default: now, rounded down to the hour). */
  baseTimeMs?: number;
  /** Log entries kept for replay (default 100 000); older ones are trimmed, as a real stream does. */
  maxLog?: number;
  /**
   * Games to quote, per league in turn (e.g. the SharpSports sandbox's schedule, so bets'
   * oddsjamId joins to these game_ids). Leagues without specs get generated games.
   */
  games?: GameSpec[];
  /**
   * A shared season (sandbox/season.ts): replaces the random script with its games on the wall
   * clock (announced, quoted until the start, locked, settled). Its leagues must be in `leagues`.
   */
  season?: Season;
}

export interface SandboxRequest {
  sport: string;
  leagues: string[];
  sportsbooks: string[];
  markets: string[];
  isMain: string | null;
  includeFixtureUpdates: boolean;
  lastEntryId: string | null;
  at: number;
}

export interface OpticOddsSandbox {
  url: string;
  close(): Promise<void>;
  /** Ground truth, in OpticOdds' terms (entry ids, odd ids, fixture ids): every entry fully written to some connection. */
  emitted(): StreamTruth;
  /** The same for every entry produced (the full log, unfiltered): what a lossless consumer of all leagues gets. */
  produced(): StreamTruth;
  /** Number of entries produced so far (malformed ones excluded). */
  producedEntries(): number;
  /** Entries open connections have not written yet, plus unflushed writes (0: every connection is caught up). */
  pending(): number;
  /** Every open connection writes half of its next entry, then drops. */
  disconnectMidMessage(): void;
  /** Appends n malformed events to the stream (rotating: bad JSON, schema-invalid odd, unparseable price); sent to every connection. */
  sendMalformed(n?: number): void;
  /** Open connections send nothing (no pings either) for ms, sockets kept open. */
  stall(ms: number): void;
  connections(): number;
  requests(): SandboxRequest[];
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function startOpticOddsSandbox(opts: OpticOddsSandboxOptions): Promise<OpticOddsSandbox> {
  const leagues = opts.leagues ?? ['NBA', 'NFL', 'NHL', 'MLB'];
  const leagueSports = opts.leagueSports ?? {};
  for (const l of leagues) sportOf(l, leagueSports);
  const rate = opts.ratePerSecond ?? 20;
  const total = opts.entries ?? Infinity;
  const replayable = opts.replayable ?? true;
  const overlap = opts.replayOverlap ?? 0;
  const hub = new StreamHub(opts.retryMs ?? 5000, opts.pingIntervalMs ?? 5000, opts.maxLog ?? 100_000);
  const gen: { next(nowMs: number): ScriptEntry | null } = opts.season
    ? new SeasonScript(opts.season)
    : new ScriptGenerator(
        opts.seed ?? 1,
        leagues,
        leagueSports,
        opts.baseTimeMs ?? Math.floor(Date.now() / 3_600_000) * 3_600_000,
        opts.gamesPerLeague ?? 2,
        opts.games,
      );
  const requests: SandboxRequest[] = [];
  let producedCount = 0;
  let malformedCount = 0;
  let producer: NodeJS.Timeout | undefined;

  function produceOne(): void {
    const now = Date.now();
    const s = gen.next(now);
    if (!s) return;
    const e: LogEntry = { id: hub.nextId(now), event: s.event, sport: s.sport, league: s.league };
    if (s.event === 'fixture-status') e.data = s.data;
    else e.items = s.items;
    hub.append(e);
    producedCount++;
  }

  function startProducing(): void {
    if (producer || producedCount >= total) return;
    const tickMs = Math.max(5, Math.min(50, Math.floor(1000 / rate)));
    let budget = 1;
    let last = Date.now();
    producer = setInterval(() => {
      const now = Date.now();
      budget += ((now - last) * rate) / 1000;
      last = now;
      while (budget >= 1 && producedCount < total) {
        produceOne();
        budget--;
      }
      if (producedCount >= total) clearInterval(producer);
    }, tickMs);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const m = /^\/api\/v3\/stream\/copilot\/([^/]+)\/odds\/?$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return json(res, 404, { message: 'Not Found' });
    const key = url.searchParams.get('key') ?? req.headers['x-api-key'];
    if (key !== opts.apiKey) return json(res, 401, { message: 'Invalid or missing API key' });
    const sport = decodeURIComponent(m[1]);
    if (!SPORTS.includes(sport)) return json(res, 400, { message: `Invalid sport: ${sport}` });
    const q = url.searchParams;
    const set = (name: string) =>
      q.getAll(name).length > 0
        ? new Set(q.getAll(name).map((v) => v.trim().toLowerCase().replace(/\s+/g, '_')))
        : null;
    const filter: ClientFilter = {
      sport,
      leagues: set('league'),
      books: set('sportsbook'),
      markets: set('market'),
      mainOnly: q.get('is_main') === 'true',
      fixtures: q.get('include_fixture_updates') === 'true',
    };
    const lastEntryId = q.get('last_entry_id');
    requests.push({
      sport,
      leagues: q.getAll('league'),
      sportsbooks: q.getAll('sportsbook'),
      markets: q.getAll('market'),
      isMain: q.get('is_main'),
      includeFixtureUpdates: filter.fixtures,
      lastEntryId,
      at: Date.now(),
    });
    if (lastEntryId !== null && !/^\d+-\d+$/.test(lastEntryId))
      return json(res, 400, { message: `Invalid last_entry_id: ${lastEntryId}` });
    const cursor = replayable && lastEntryId ? hub.indexAfter(lastEntryId, overlap) : hub.base + hub.log.length;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.socket?.setNoDelay(true);
    res.write(formatSseEvent({ event: 'connected', retry: hub.retryMs, data: 'ok go' }));
    const client = new Client(hub, res, filter, cursor);
    hub.clients.add(client);
    if (hub.clients.size >= (opts.startAfterConnections ?? 1)) startProducing();
    client.pump().catch(() => client.close());
  });

  const port = await listen(server, opts.port ?? 0);
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(producer);
        for (const c of [...hub.clients]) c.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
    emitted: () => hub.snapshot('emitted'),
    produced: () => hub.snapshot('produced'),
    producedEntries: () => producedCount,
    pending: () => hub.pending(),
    disconnectMidMessage() {
      for (const c of hub.clients) c.cutNext = true;
    },
    sendMalformed(n = 1) {
      for (let i = 0; i < n; i++) {
        const kind = malformedCount++ % 3;
        const id = hub.nextId();
        const odd = {
          fixture_id: 'BAD000000001',
          game_id: '10000-10001-2024-10-22',
          id: `BAD000000001:draftkings:moneyline:team_${i}`,
          league: 'NBA',
          market: 'Moneyline',
          name: 'Team',
          sport: 'basketball',
          sportsbook: 'DraftKings',
          timestamp: Math.floor(Date.now() / 1000),
        };
        const raw =
          kind === 0
            ? `{"entry_id": "${id}", "data": [ { "fixture_id": "BAD000000001", "game_id": `
            : kind === 1
              ? JSON.stringify({
                  entry_id: id,
                  data: [{ ...odd, game_id: undefined, price: 120 }],
                  type: 'copilot-odds',
                })
              : JSON.stringify({ entry_id: id, data: [{ ...odd, price: 50 }], type: 'copilot-odds' });
        hub.append({ id, event: 'copilot-odds', sport: null, league: null, raw });
      }
    },
    stall(ms: number) {
      const until = Date.now() + ms;
      for (const c of hub.clients) {
        c.stalledUntil = until;
        c.notify();
      }
    },
    connections: () => hub.clients.size,
    requests: () => [...requests],
  };
}
