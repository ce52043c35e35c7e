// The sandbox's "Redis stream": an append-only log of entries, and one pump per SSE connection
// that replays from `last_entry_id` (when replayable) and then follows the log live.
import type http from 'node:http';
import { compareEntryIds, formatSseEvent } from '../shared/sse';

export interface LogEntry {
  id: string;
  event: string;
  /** null: a malformed event, sent to every connection. */
  sport: string | null;
  league: string | null;
  items?: Record<string, unknown>[];
  data?: Record<string, unknown>;
  /** Malformed events: sent verbatim as `data:`. */
  raw?: string;
}

export interface ClientFilter {
  sport: string;
  leagues: Set<string> | null;
  books: Set<string> | null;
  markets: Set<string> | null;
  mainOnly: boolean;
  fixtures: boolean;
}

/** One odd of one entry: the entry's `entry_id` and the odd's `id` field, as on the wire. */
export interface OddRef {
  readonly entryId: string;
  readonly oddId: string;
}
/** One fixture-status entry: its `entry_id` and the `fixture_id` it reports on. */
export interface FixtureRef {
  readonly entryId: string;
  readonly fixtureId: string;
}

/**
 * Ground truth in the provider's terms (no warehouse ids: tests map these to row ids themselves,
 * so a change to the product's id functions cannot move both sides of a comparison).
 */
export interface StreamTruth {
  /** copilot-odds and copilot-locked-odds: every (entry, odd) pair. */
  odds: OddRef[];
  /** The subset of `odds` that came in copilot-locked-odds. */
  lockedOdds: OddRef[];
  /** copilot-settled-odds: every (entry, odd) pair. */
  settledOdds: OddRef[];
  /** fixture-status entries. */
  fixtureStatus: FixtureRef[];
}

const TRUTH_KINDS = ['odds', 'lockedOdds', 'settledOdds', 'fixtureStatus'] as const;
type TruthKind = (typeof TRUTH_KINDS)[number];
type Ref = OddRef | FixtureRef;
const norm = (s: unknown): string =>
  String(s ?? '')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '_');
const refKey = (r: Ref): string => JSON.stringify('oddId' in r ? [r.entryId, r.oddId] : [r.entryId, r.fixtureId]);

export function truthOf(e: LogEntry, items = e.items): StreamTruth {
  const out: StreamTruth = { odds: [], lockedOdds: [], settledOdds: [], fixtureStatus: [] };
  if (e.raw !== undefined) return out;
  if (e.event === 'fixture-status') out.fixtureStatus.push({ entryId: e.id, fixtureId: String(e.data?.fixture_id) });
  else if (e.event === 'copilot-settled-odds')
    for (const o of items ?? []) out.settledOdds.push({ entryId: e.id, oddId: String(o.id) });
  else {
    for (const o of items ?? []) out.odds.push({ entryId: e.id, oddId: String(o.id) });
    if (e.event === 'copilot-locked-odds') out.lockedOdds.push(...out.odds);
  }
  return out;
}

/** The SSE text this connection gets for an entry (null: filtered out), with the ground truth it carries. */
export function render(e: LogEntry, f: ClientFilter, retryMs: number): { text: string; truth: StreamTruth } | null {
  const sse = (data: string) => formatSseEvent({ event: e.event, id: e.id, retry: retryMs, data });
  if (e.raw !== undefined) return { text: sse(e.raw), truth: truthOf(e) };
  if (e.sport !== f.sport || (f.leagues && !f.leagues.has(norm(e.league)))) return null;
  if (e.event === 'fixture-status') {
    if (!f.fixtures) return null;
    return { text: sse(JSON.stringify({ data: e.data, entry_id: e.id })), truth: truthOf(e) };
  }
  const items = (e.items ?? []).filter(
    (o) =>
      (!f.books || f.books.has(norm(o.sportsbook))) &&
      (!f.markets || f.markets.has(norm(o.market))) &&
      (!f.mainOnly || o.is_main !== false),
  );
  if (items.length === 0) return null;
  return { text: sse(JSON.stringify({ entry_id: e.id, data: items, type: e.event })), truth: truthOf(e, items) };
}

export class Client {
  closed = false;
  stalledUntil = 0;
  cutNext = false;
  /** Half an event is on the wire: nothing else may follow it. */
  private cutting = false;
  private wake: (() => void) | null = null;
  private ping: NodeJS.Timeout;

  constructor(
    private hub: StreamHub,
    readonly res: http.ServerResponse,
    readonly filter: ClientFilter,
    /** Absolute log index of the next entry to send. */
    public cursor: number,
  ) {
    this.ping = setInterval(() => {
      if (this.closed || this.cutting || Date.now() < this.stalledUntil) return;
      res.write(
        formatSseEvent({ event: 'ping', retry: hub.retryMs, data: new Date().toISOString().slice(0, 19) + 'Z' }),
      );
    }, hub.pingIntervalMs);
    res.on('close', () => this.close());
  }

  notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ping);
    this.res.destroy();
    this.hub.clients.delete(this);
    this.notify();
  }

  private wait(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const t = ms === undefined ? undefined : setTimeout(() => this.notify(), ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  async pump(): Promise<void> {
    while (!this.closed) {
      const now = Date.now();
      if (now < this.stalledUntil) {
        await this.wait(this.stalledUntil - now);
        continue;
      }
      if (this.cursor < this.hub.base) this.cursor = this.hub.base; // trimmed away: lost, as on a real stream
      const e = this.hub.log[this.cursor - this.hub.base];
      if (!e) {
        await this.wait();
        continue;
      }
      this.cursor++;
      const r = render(e, this.filter, this.hub.retryMs);
      if (!r) continue;
      if (this.cutNext) {
        this.cutNext = false;
        this.cutting = true;
        const bytes = Buffer.from(r.text);
        this.res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => this.close());
        return;
      }
      this.hub.inFlight++;
      const flushed = this.res.write(r.text, (err) => {
        this.hub.inFlight--;
        if (!err) this.hub.recordEmitted(r.truth);
      });
      if (!flushed && !this.closed) {
        await new Promise<void>((resolve) => {
          const done = () => {
            this.res.off('drain', done);
            this.res.off('close', done);
            resolve();
          };
          this.res.on('drain', done);
          this.res.on('close', done);
        });
      }
    }
  }
}

export class StreamHub {
  log: LogEntry[] = [];
  /** Absolute index of log[0] (older entries were trimmed). */
  base = 0;
  clients = new Set<Client>();
  /** Entry writes handed to sockets whose flush callback has not run yet. */
  inFlight = 0;
  private lastMs = 0;
  private seq = 0;
  /** Per kind, each distinct (entry, odd | fixture) once, in first-seen order (frozen: snapshots share them). */
  private emitted = StreamHub.refSets();
  private produced = StreamHub.refSets();

  private static refSets(): Record<TruthKind, Map<string, Ref>> {
    return { odds: new Map(), lockedOdds: new Map(), settledOdds: new Map(), fixtureStatus: new Map() };
  }

  private static add(into: Record<TruthKind, Map<string, Ref>>, t: StreamTruth): void {
    for (const k of TRUTH_KINDS) {
      for (const r of t[k]) {
        const key = refKey(r);
        if (!into[k].has(key)) into[k].set(key, Object.freeze(r));
      }
    }
  }

  constructor(
    readonly retryMs: number,
    readonly pingIntervalMs: number,
    private maxLog: number,
  ) {}

  /** Redis-style "<ms>-<seq>": ms is the creation time; never goes backwards. */
  nextId(now = Date.now()): string {
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else this.seq++;
    return `${this.lastMs}-${this.seq}`;
  }

  append(e: LogEntry): void {
    this.log.push(e);
    StreamHub.add(this.produced, truthOf(e));
    if (this.log.length > this.maxLog) {
      const drop = Math.floor(this.maxLog / 2);
      this.log.splice(0, drop);
      this.base += drop;
    }
    for (const c of this.clients) c.notify();
  }

  recordEmitted(t: StreamTruth): void {
    StreamHub.add(this.emitted, t);
  }

  /** Absolute index of the first entry after `lastEntryId` (minus `overlap` already-sent ones). */
  indexAfter(lastEntryId: string, overlap: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareEntryIds(this.log[mid].id, lastEntryId) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return this.base + Math.max(0, lo - overlap);
  }

  /** Entries open connections have yet to write (stalled ones included), plus writes not yet flushed. */
  pending(): number {
    let n = this.inFlight;
    for (const c of this.clients) n += Math.max(0, this.base + this.log.length - c.cursor);
    return n;
  }

  snapshot(which: 'emitted' | 'produced'): StreamTruth {
    const s = this[which];
    const copy = <T extends Ref>(m: Map<string, Ref>) => [...m.values()] as T[];
    return {
      odds: copy<OddRef>(s.odds),
      lockedOdds: copy<OddRef>(s.lockedOdds),
      settledOdds: copy<OddRef>(s.settledOdds),
      fixtureStatus: copy<FixtureRef>(s.fixtureStatus),
    };
  }
}
