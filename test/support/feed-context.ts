/**
 * In-memory FeedRunContext for adapter tests: records everything the adapter hands over, checks
 * every emitted row against the canonical zod schemas (a bad row fails the test at the emit),
 * and lets a test wait for a condition instead of sleeping a guessed amount.
 */
import {
  FixtureUpdateSchema,
  OddsTickSchema,
  SettlementSchema,
  type CanonicalRows,
  type FixtureUpdate,
  type OddsTick,
  type Settlement,
} from '../../schemas/odds';
import type { FeedCheckpoint, FeedGap, FeedHealth, FeedRunContext } from '../../feeds/types';
import type { Logger } from '../../platform/log';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  event: string;
  fields: Record<string, unknown>;
}
export interface Rejection {
  raw: string;
  reason: string;
  detail: string;
}

export interface TestFeedContext extends FeedRunContext {
  readonly controller: AbortController;
  readonly ticks: OddsTick[];
  readonly settlements: Settlement[];
  readonly fixtures: FixtureUpdate[];
  /** Every checkpoint passed to emit, in order. */
  readonly checkpoints: FeedCheckpoint[];
  readonly rejections: Rejection[];
  readonly gaps: FeedGap[];
  readonly logs: LogEntry[];
  readonly healthState: FeedHealth;
  /** Number of emit() calls. */
  emits: number;
  /** The position a sink would have committed last (null before the first emit). */
  lastCheckpoint(): FeedCheckpoint | null;
  tickIds(): Set<string>;
  abort(): void;
  /** Resolves once `predicate()` is true; rejects after `timeoutMs` with `what` in the message. */
  waitFor(predicate: () => boolean, what?: string, timeoutMs?: number): Promise<void>;
}

export interface TestFeedContextOptions {
  checkpoint?: FeedCheckpoint | null;
  /** Delay each emit (simulates a slow sink, to exercise backpressure). */
  emitDelayMs?: number;
  /** Also print logs to stderr (debugging). */
  echoLogs?: boolean;
  /** What the warehouse knows of earlier quotes (activities/feeds/feeds.ts answers it from odds_ticks). */
  describeOdds?: FeedRunContext['describeOdds'];
  /** Which tick ids the warehouse holds (activities/feeds/feeds.ts answers it from odds_ticks). */
  storedTickIds?: FeedRunContext['storedTickIds'];
}

export function createTestFeedContext(opts: TestFeedContextOptions = {}): TestFeedContext {
  const controller = new AbortController();
  const logs: LogEntry[] = [];
  const makeLogger = (base: Record<string, unknown>): Logger => {
    const write =
      (level: LogEntry['level']) =>
      (event: string, fields: Record<string, unknown> = {}) => {
        logs.push({ level, event, fields: { ...base, ...fields } });
        if (opts.echoLogs) process.stderr.write(`${level} ${event} ${JSON.stringify({ ...base, ...fields })}\n`);
      };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (f) => makeLogger({ ...base, ...f }),
    };
  };
  const healthState: FeedHealth = {
    connected: false,
    lastMessageAt: null,
    lastTickTs: null,
    reconnects: 0,
    gaps: 0,
    rejected: 0,
    messages: 0,
  };

  const ctx: TestFeedContext = {
    checkpoint: opts.checkpoint ?? null,
    describeOdds: opts.describeOdds,
    storedTickIds: opts.storedTickIds,
    signal: controller.signal,
    controller,
    log: makeLogger({}),
    ticks: [],
    settlements: [],
    fixtures: [],
    checkpoints: [],
    rejections: [],
    gaps: [],
    logs,
    healthState,
    emits: 0,
    async emit(rows: Partial<CanonicalRows>, checkpoint: FeedCheckpoint) {
      for (const t of rows.ticks ?? []) ctx.ticks.push(OddsTickSchema.parse(t));
      for (const s of rows.settlements ?? []) ctx.settlements.push(SettlementSchema.parse(s));
      for (const f of rows.fixtures ?? []) ctx.fixtures.push(FixtureUpdateSchema.parse(f));
      // A checkpoint must survive the JSON round trip the sink gives it.
      ctx.checkpoints.push(JSON.parse(JSON.stringify(checkpoint)) as FeedCheckpoint);
      ctx.emits += 1;
      if (opts.emitDelayMs) await new Promise((r) => setTimeout(r, opts.emitDelayMs));
    },
    async reject(raw: string, reason: string, detail: string) {
      ctx.rejections.push({ raw, reason, detail });
    },
    async gap(gap: FeedGap) {
      ctx.gaps.push(gap);
    },
    health(update: Partial<FeedHealth>) {
      Object.assign(healthState, update);
    },
    lastCheckpoint: () => ctx.checkpoints.at(-1) ?? null,
    tickIds: () => new Set(ctx.ticks.map((t) => t.tick_id)),
    abort: () => controller.abort(),
    async waitFor(predicate, what = 'condition', timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  return ctx;
}
