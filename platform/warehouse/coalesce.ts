/**
 * Group commit for the small statements of concurrent activities. On the embedded warehouse a
 * statement costs milliseconds of engine CPU however little it touches, and every insert is a part
 * for the merges to fold (bench/statements.ts, 500 calls from 50 concurrent callers: one-row
 * inserts 3.2 s of CPU one statement each, 0.15 s coalesced; point lookups 5.1 s and 0.12 s). So
 * while one statement of a kind runs, the calls that arrive wait and go out together as the next
 * one: an idle warehouse answers a call at once, a busy one runs one statement per turn instead of
 * one per call. (The webhook landing has its own group commit, refresh/webhook/committer.ts, which
 * also deduplicates delivery ids across batches and caps a batch's bytes.)
 *
 * Under concurrency a batch also lingers a moment before it goes (LINGER_MS), so the calls of
 * one burst share a statement instead of trickling out as the statement before finishes: the
 * refresh bench's statements per refresh fell from 6.1 to about 2.3 and its chDB CPU by two
 * thirds (measured 2026-12-07; in the git history of bench/RESULTS.md). A lone caller never lingers: a call that finds
 * the runner idle after a batch of one, or after a quiet spell, goes at once, so sequential work
 * (a backfill's pages, a CLI command) pays nothing.
 */
interface Pending<I, O> {
  input: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/** Largest batch per statement: bounds the statement's size, not the wait (the queue keeps draining). */
const MAX_BATCH = 500;

/** How long a batch gathers while calls are concurrent. */
export const LINGER_MS = 50;
/** After this long without a call the runner counts as idle again: the next call goes at once. */
const QUIET_MS = 1_000;

export interface CoalescingOptions {
  /** 0 turns lingering off (every batch goes as soon as the one before has finished). */
  lingerMs?: number;
}

/**
 * Wraps `runBatch` (one statement for many inputs, one output per input, in order) so concurrent
 * calls share statements. A failed batch of several is retried one input at a time, so one bad
 * input fails only its own caller.
 */
export function coalescing<I, O>(
  runBatch: (inputs: I[]) => Promise<O[]>,
  { lingerMs = LINGER_MS }: CoalescingOptions = {},
): (input: I) => Promise<O> {
  const queue: Pending<I, O>[] = [];
  let running = false;
  /** Whether the last drain saw more than one call (concurrent callers), and when it ended. */
  let concurrent = false;
  let idleSince = 0;
  const settle = async (batch: Pending<I, O>[]) => {
    try {
      const out = await runBatch(batch.map((p) => p.input));
      batch.forEach((p, i) => p.resolve(out[i]));
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      for (const p of batch) await settle([p]);
    }
  };
  const drain = async () => {
    let calls = 0;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      calls += batch.length;
      await settle(batch);
    }
    concurrent = calls > 1;
    idleSince = Date.now();
    running = false;
  };
  return (input) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      if (running) return;
      running = true;
      if (lingerMs > 0 && concurrent && Date.now() - idleSince < QUIET_MS) setTimeout(() => void drain(), lingerMs);
      else void drain();
    });
}

/** One warehouse's named coalescers (Warehouse.coalescers), made on first use and shared by every caller. */
export class Coalescers {
  private readonly byName = new Map<string, (input: never) => Promise<unknown>>();

  get<I, O>(name: string, make: () => (input: I) => Promise<O>): (input: I) => Promise<O> {
    let c = this.byName.get(name) as ((input: I) => Promise<O>) | undefined;
    if (!c) this.byName.set(name, (c = make()) as (input: never) => Promise<unknown>);
    return c;
  }
}
