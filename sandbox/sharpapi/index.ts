// Protocol-faithful simulator of SharpAPI's odds delta endpoint (see /work/shared/reference/sharpapi-odds-delta.txt).
import http from 'node:http';
import { listen } from '../../platform/net';
import { OddsBook, type BookFilter, type OddVersion } from './book';
import { SeasonOdds } from './season-book';
import type { Season } from '../season';
import { createHandler, RateLimiter, type Faults, type RateLimitConfig, type SandboxRequest } from './server';

export type { BookFilter, OddVersion } from './book';
export type { SandboxOdd } from './odd';
export type { RateLimitConfig, SandboxRequest } from './server';
export { SANDBOX_BOOKS, SANDBOX_LEAGUES } from './catalog';

export interface SharpApiSandboxOptions {
  apiKey: string;
  /** 0 (default): a random free port on 127.0.0.1. */
  port?: number;
  seed?: number;
  /** Scripted changes per second of server clock. Default 20. */
  changesPerSecond?: number;
  /** Stop after this many changes. Default: run forever. */
  totalChanges?: number;
  /** Default { limit: 300, windowMs: 60_000 } (the reference's example budget). Windows run on the wall clock. */
  rateLimit?: RateLimitConfig;
  /**
   * 'real' (default): the server clock follows the wall clock, for demos. 'manual': it only moves
   * with advance(), so a test decides exactly which changes happen between two polls.
   */
  clock?: 'real' | 'manual';
  /** Events per league (4 leagues × 4 books × 6 odds each). Default 8 (768 odds). */
  eventsPerLeague?: number;
  /** A shared season (sandbox/season.ts) on the real clock instead of the scripted book. */
  season?: Season;
  /** Books quoted for the season (default: two books the other simulated feeds do not carry). */
  seasonBooks?: string[];
}

export interface SharpApiSandbox {
  url: string;
  close(): Promise<void>;
  /**
   * Ground truth, in SharpAPI's terms: the odd versions a correct poller records — every odd's
   * version as of each clock step, and each removal keyed by the step's starting time.
   * Exact with clock 'manual' when the poller has caught up (its `since` = now()) before each
   * advance(); with the real clock a step is each request, so it is an approximation.
   */
  emitted(filter?: BookFilter): { versions: OddVersion[]; priceMoves: number; removals: number };
  /** The book as of now: each odd's current version, or null when removed. Holds on any clock. */
  current(filter?: BookFilter): Array<{ id: string; version: OddVersion | null }>;
  /** The next n delta responses are bad: alternately a non-JSON body and a page with one corrupt odd. */
  sendMalformed(n?: number): void;
  /** The next delta response is cut in half and the socket destroyed. */
  disconnectMidResponse(): void;
  /** The next delta response sets since_clamped (an old enough `since` sets it anyway). */
  clampSince(): void;
  /** The next delta response keeps only `keep` removed ids (default 0) and sets removed_truncated. */
  truncateRemoved(keep?: number): void;
  /** The next n authenticated requests get 429 regardless of budget. */
  rateLimitNext(n?: number): void;
  /** Moves the server clock forward, applying the scripted changes due. */
  advance(ms: number): void;
  /** Server clock (ISO), the `server_time` a request made now would get. */
  now(): string;
  /** Every request received, in order. */
  requests(): SandboxRequest[];
  changesApplied(): number;
}

export async function startSharpApiSandbox(opts: SharpApiSandboxOptions): Promise<SharpApiSandbox> {
  const book = new OddsBook({
    seed: opts.seed ?? 1,
    changesPerSecond: opts.changesPerSecond ?? 20,
    totalChanges: opts.totalChanges ?? Infinity,
    eventsPerLeague: opts.eventsPerLeague ?? 8,
    clock: opts.clock ?? 'real',
    season: opts.season ? new SeasonOdds(opts.season, opts.seasonBooks) : undefined,
  });
  const faults: Faults = {
    malformed: 0,
    malformedSent: 0,
    disconnect: false,
    clamp: false,
    truncate: null,
    rateLimited: 0,
  };
  const log: SandboxRequest[] = [];
  const limiter = new RateLimiter(opts.rateLimit ?? { limit: 300, windowMs: 60_000 });
  const server = http.createServer(createHandler({ apiKey: opts.apiKey, book, faults, limiter, log }));
  const port = await listen(server, opts.port ?? 0);
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
    emitted: (filter) => book.emitted(filter),
    current: (filter) => {
      book.catchUp();
      return book.current(filter);
    },
    sendMalformed(n = 1) {
      faults.malformed += n;
    },
    disconnectMidResponse() {
      faults.disconnect = true;
    },
    clampSince() {
      faults.clamp = true;
    },
    truncateRemoved(keep = 0) {
      faults.truncate = keep;
    },
    rateLimitNext(n = 1) {
      faults.rateLimited += n;
    },
    advance: (ms) => book.advance(ms),
    now: () => new Date(book.now()).toISOString(),
    requests: () => log.map((r) => ({ ...r })),
    changesApplied: () => book.changesApplied(),
  };
}
