// Ground truth: the changes a correct consumer must record for what this sandbox actually delivered,
// in BoltOdds' own terms (sportsbook, game, outcome key, price, line, what happened, the message's
// timestamp as sent). Tests turn them into warehouse tick ids themselves, so the product's id
// function is never used to state what it should produce. It follows the delivered messages only (a
// message cut by disconnectMidMessage never counts), and keeps its own record of the last delivered
// value per outcome, the way the adapter's state does across reconnects. One consumer at a time is assumed.
import type { BoltOddsFilters } from '../../schemas/boltodds';

/** price: a quoted price; locked: the outcome is listed without a price (suspended); removed: it is gone. */
export type ChangeFlag = 'price' | 'locked' | 'removed';

/** One change of one outcome at one book, as delivered. */
export interface BoltOddsChange {
  sportsbook: string;
  /** The `game` string of the message. */
  game: string;
  /** The key of the outcome in `outcomes`. */
  outcomeKey: string;
  /** American price; null when locked or removed. */
  price: number | null;
  /** `outcome_line` as a number (for a removal: the last line delivered); null when the outcome has none. */
  line: number | null;
  flag: ChangeFlag;
  /** The message's `timestamp`, exactly as sent (microseconds and offset included). */
  timestamp: string;
}

interface Known {
  name: string;
  price: number | null;
  line: number | null;
}
interface KnownGame {
  book: string;
  sport: string;
  game: string;
  cleared: boolean;
  outcomes: Map<string, Known>;
}

/** Per connection: the filters in force, and the games the first initial_state dump has resent so far. */
export interface ConnTruth {
  filters: BoltOddsFilters;
  dump: Set<string> | null;
}

export interface WireOutcome {
  odds?: unknown;
  outcome_name: string;
  outcome_line?: unknown;
}
export interface WireMessage {
  timestamp?: string;
  action: string;
  data?: { sport?: unknown; sportsbook?: string; game?: unknown; outcomes?: Record<string, WireOutcome> };
}

const ok = (list: string[] | undefined, v: string) => !list || list.includes(v);

function priceOf(odds: unknown): number | null | 'invalid' {
  if (odds === null || odds === undefined || odds === '') return null;
  if (typeof odds === 'string' && /^[+-]?\d+$/.test(odds)) return Number(odds);
  return 'invalid';
}

function lineOf(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  return Number(v);
}

export class GroundTruth {
  private games = new Map<string, KnownGame>();
  /** Frozen: handed out as they are (callers may cache per change). */
  readonly changes: Readonly<BoltOddsChange>[] = [];
  /** resentOutcomes / resentChanges: already-known outcomes that game_update snapshots carried again, and how many had changed. */
  readonly counts = { price: 0, locked: 0, removed: 0, messages: 0, resentOutcomes: 0, resentChanges: 0 };

  connection(): ConnTruth {
    return { filters: {}, dump: null };
  }

  subscribed(conn: ConnTruth, filters: BoltOddsFilters, first: boolean): void {
    conn.filters = filters;
    if (first) conn.dump = new Set();
  }

  delivered(conn: ConnTruth, msg: WireMessage): void {
    if (!msg.timestamp || !msg.data) return;
    this.counts.messages += 1;
    const ts = msg.timestamp;
    const d = msg.data;
    if (conn.dump && msg.action !== 'initial_state') this.sweep(conn, ts);
    const book = d.sportsbook!;
    if (msg.action === 'book_clear' || msg.action === 'sport_clear') {
      for (const g of this.games.values())
        if (g.book === book && (msg.action === 'book_clear' || g.sport === d.sport)) g.cleared = true;
      return;
    }
    const game = d.game as string;
    const key = `${book}|${game}`;
    if (msg.action === 'game_removed') {
      const g = this.games.get(key);
      if (g) for (const [okey, o] of g.outcomes) this.add(book, game, okey, null, o.line, 'removed', ts);
      this.games.delete(key);
      return;
    }
    conn.dump?.add(key);
    let g = this.games.get(key);
    if (!g) this.games.set(key, (g = { book, sport: d.sport as string, game, cleared: false, outcomes: new Map() }));
    g.cleared = false;
    const snapshot = msg.action !== 'line_update';
    const listed = new Set<string>();
    for (const [okey, o] of Object.entries(d.outcomes ?? {})) {
      listed.add(okey);
      const price = priceOf(o.odds);
      if (price === 'invalid') continue;
      const line = lineOf(o.outcome_line);
      const prev = g.outcomes.get(okey);
      const resent = msg.action === 'game_update' && prev !== undefined;
      if (resent) this.counts.resentOutcomes += 1;
      if (prev && prev.price === price && prev.line === line) continue;
      g.outcomes.set(okey, { name: o.outcome_name, price, line });
      if (resent) this.counts.resentChanges += 1;
      this.add(book, game, okey, price, line, price === null ? 'locked' : 'price', ts);
    }
    if (snapshot) {
      for (const [okey, prev] of g.outcomes) {
        if (listed.has(okey) || !ok(conn.filters.markets, prev.name)) continue;
        g.outcomes.delete(okey);
        this.add(book, game, okey, null, prev.line, 'removed', ts);
      }
    }
    if (g.outcomes.size === 0) this.games.delete(key);
  }

  /** The first non-dump message shows the dump is over: games it did not resend are gone. */
  private sweep(conn: ConnTruth, ts: string): void {
    const dump = conn.dump!;
    conn.dump = null;
    const f = conn.filters;
    for (const [key, g] of [...this.games]) {
      const book = g.book;
      if (dump.has(key) || !ok(f.sports, g.sport) || !ok(f.sportsbooks, book) || !ok(f.games, g.game)) continue;
      for (const [okey, o] of [...g.outcomes]) {
        if (!ok(f.markets, o.name)) continue;
        g.outcomes.delete(okey);
        if (!g.cleared) this.add(book, g.game, okey, null, o.line, 'removed', ts);
      }
      if (g.outcomes.size === 0) this.games.delete(key);
    }
  }

  private add(
    book: string,
    game: string,
    outcomeKey: string,
    price: number | null,
    line: number | null,
    flag: ChangeFlag,
    timestamp: string,
  ) {
    this.counts[flag] += 1;
    this.changes.push(Object.freeze({ sportsbook: book, game, outcomeKey, price, line, flag, timestamp }));
  }
}
