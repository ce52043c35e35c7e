// The diff engine: what a restart must remember, and which outcomes a message changed.
import {
  BoltOddsOutcomeSchema,
  type BoltOddsFilters,
  type BoltOddsMessage,
  type BoltOddsOutcome,
} from '../../schemas/boltodds';
import type { OddsTick } from '../../schemas/odds';
import { parseAmerican } from '../../odds/price';
import type { RefusedRecord } from '../../rejections/record';
import type { FeedGap, StoredOdd } from '../types';
import { isBoltOddsOutcome } from './fast';
import { buildTick, eventKeyOf, gameKey, gameMeta } from './game';
import { allows } from './options';
import { parseLine } from './parse';
import { BoltOddsStateSchema, type BoltOddsCheckpointState, type GameRec, type OutcomeRec } from './state-schema';

export interface ApplyResult {
  ticks: OddsTick[];
  gaps: FeedGap[];
  rejects: { raw: string; reason: string; detail: string; record: RefusedRecord }[];
  /** Outcomes withdrawn because their game was missing from a post-reconnect initial_state. */
  swept: number;
}

type DataMessage = Extract<BoltOddsMessage, { timestamp: string }>;
type GameMessage = Exclude<DataMessage, { action: 'sport_clear' | 'book_clear' }>;

/**
 * Where a refused outcome sat and what replay.ts needs to map it alone: the message around it
 * (action, timestamp, game and its info) without the other outcomes.
 */
export function refusedOutcome(msg: GameMessage, okey: string): RefusedRecord {
  const d = msg.data;
  const info = d.info ? { id: d.info.id, when: d.info.when, universal_id: d.info.universal_id } : d.info;
  return {
    path: `outcomes[${JSON.stringify(okey)}]`,
    id: okey,
    context: {
      action: msg.action,
      timestamp: msg.timestamp,
      sport: d.sport,
      sportsbook: d.sportsbook,
      game: d.game,
      home_team: d.home_team,
      away_team: d.away_team,
      universal_id: d.universal_id,
      info,
      outcome_key: okey,
    },
  };
}

/**
 * The diff engine: provider messages in, changed outcomes out. Pure (no I/O) so it can be tested
 * message by message. Game records are copy-on-write: a snapshot handed to emit() is never
 * mutated afterwards, so the state a sink commits always matches the rows before it.
 */
export class BoltOddsState {
  private games = new Map<string, GameRec>();
  private writableKeys = new Set<string>();
  private cached: BoltOddsCheckpointState | null = null;
  private filters: BoltOddsFilters = {};
  private initialPhase: Set<string> | null = null;

  static restore(raw: unknown): { state: BoltOddsState; error: string | null } {
    const state = new BoltOddsState();
    if (raw === undefined || raw === null) return { state, error: null };
    const r = BoltOddsStateSchema.safeParse(raw);
    if (!r.success)
      return {
        state,
        error: r.error.issues
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .slice(0, 3)
          .join('; '),
      };
    for (const g of r.data.games) state.games.set(gameKey(g.book, g.eventKey), g);
    return { state, error: null };
  }

  /**
   * Brings a restored state up to what the warehouse holds. A crash after a batch was durable but
   * before its checkpoint leaves newer rows than the checkpoint's state; diffing the next
   * initial_state against the older state would miss a move back to that older value (a price
   * suspended again while linehouse was down). Returns how many outcomes changed.
   */
  reconcile(stored: readonly StoredOdd[]): number {
    let changed = 0;
    for (const row of stored) {
      const key = gameKey(row.book, row.event_key);
      const rec = this.games.get(key)?.outcomes[row.provider_odd_id];
      // An outcome first quoted after the checkpoint is not in the state: the next initial_state emits it once more.
      if (!rec) continue;
      const price = row.removed || row.locked ? null : row.price_american;
      if (!row.removed && rec.price === price && rec.locked === row.locked) continue;
      const g = this.writable(key);
      if (row.removed) delete g.outcomes[row.provider_odd_id];
      else g.outcomes[row.provider_odd_id] = { ...rec, price, locked: row.locked };
      if (Object.keys(g.outcomes).length === 0) this.drop(key);
      changed += 1;
    }
    return changed;
  }

  /** Filters the server is applying: outcomes outside them are unobserved, not withdrawn. */
  setFilters(f: BoltOddsFilters): void {
    this.filters = f;
  }

  /**
   * A fresh subscription follows: games that its initial_state does not resend were withdrawn
   * while we were not looking. The dump has no end marker, so it ends at the first other data message.
   */
  beginInitialState(): void {
    this.initialPhase = new Set();
  }

  size(): { games: number; outcomes: number } {
    let outcomes = 0;
    for (const g of this.games.values()) outcomes += Object.keys(g.outcomes).length;
    return { games: this.games.size, outcomes };
  }

  snapshot(): BoltOddsCheckpointState {
    this.cached ??= { v: 1, games: [...this.games.values()] };
    this.writableKeys.clear();
    return this.cached;
  }

  apply(msg: DataMessage, receivedAt: string): ApplyResult {
    const out: ApplyResult = { ticks: [], gaps: [], rejects: [], swept: 0 };
    if (this.initialPhase && msg.action !== 'initial_state') this.endInitialState(msg.timestamp, receivedAt, out);
    switch (msg.action) {
      case 'initial_state':
      case 'game_update':
      case 'game_added':
        this.applyOutcomes(msg, receivedAt, out, true);
        break;
      case 'line_update':
        this.applyOutcomes(msg, receivedAt, out, false);
        break;
      case 'game_removed':
        this.removeGame(msg, receivedAt, out);
        break;
      case 'sport_clear':
      case 'book_clear': {
        const book = msg.data.sportsbook;
        const sport = msg.action === 'sport_clear' ? msg.data.sport : null;
        let cleared = 0;
        for (const [key, g] of this.games) {
          if (g.book !== book || (sport !== null && g.sport !== sport) || g.cleared) continue;
          this.writable(key).cleared = true;
          cleared += 1;
        }
        out.gaps.push({
          reason: msg.action,
          from: msg.timestamp,
          to: msg.timestamp,
          detail: `${msg.action} for ${sport ? `${sport} at ` : ''}${book}: the provider dropped ${cleared} game(s); their last prices stay in history and only real changes are emitted when they are resent`,
        });
        break;
      }
    }
    return out;
  }

  private writable(key: string): GameRec {
    const g = this.games.get(key)!;
    this.cached = null;
    if (this.writableKeys.has(key)) return g;
    const copy = { ...g, outcomes: { ...g.outcomes } };
    this.games.set(key, copy);
    this.writableKeys.add(key);
    return copy;
  }

  private drop(key: string): void {
    this.games.delete(key);
    this.writableKeys.delete(key);
    this.cached = null;
  }

  private applyOutcomes(msg: GameMessage, receivedAt: string, out: ApplyResult, snapshot: boolean): void {
    const data = msg.data;
    const eventKey = eventKeyOf(data);
    const key = gameKey(data.sportsbook, eventKey);
    this.initialPhase?.add(key);
    const existed = this.games.has(key);
    if (!existed) {
      this.games.set(key, { ...gameMeta(data, eventKey), outcomes: {} });
      this.writableKeys.add(key);
      this.cached = null;
    }
    let g = this.games.get(key)!;
    if (g.cleared) {
      g = this.writable(key);
      delete g.cleared;
    }
    const seen = new Set<string>();
    for (const [okey, raw] of Object.entries(data.outcomes)) {
      // Refused outcomes count as seen: like a bad price, they keep their previous state.
      seen.add(okey);
      const refuse = (reason: string, why: string) =>
        out.rejects.push({
          raw: JSON.stringify(raw) ?? 'null',
          reason,
          detail: `${data.sportsbook} / ${data.game} / ${okey}: ${why}; the outcome keeps its previous state`,
          record: refusedOutcome(msg, okey),
        });
      let o: BoltOddsOutcome;
      if (isBoltOddsOutcome(raw)) o = raw;
      else {
        const p = BoltOddsOutcomeSchema.safeParse(raw);
        if (!p.success) {
          refuse(
            'schema',
            p.error.issues
              .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
              .slice(0, 5)
              .join('; '),
          );
          continue;
        }
        o = p.data;
      }
      let price: number | null;
      try {
        price = parseAmerican(o.odds);
      } catch (err) {
        refuse('unparseable_price', (err as Error).message);
        continue;
      }
      const rec: OutcomeRec = {
        name: o.outcome_name,
        target: o.outcome_target ?? null,
        ou: o.outcome_over_under ?? null,
        line: parseLine(o.outcome_line),
        price,
        locked: price === null,
      };
      const prev = g.outcomes[okey];
      if (prev && prev.price === rec.price && prev.line === rec.line && prev.locked === rec.locked) continue;
      g = this.writable(key);
      g.outcomes[okey] = rec;
      out.ticks.push(buildTick(g, okey, rec, rec.locked ? 'locked' : 'price', msg.timestamp, receivedAt));
    }
    if (snapshot) {
      // A snapshot lists every subscribed outcome of the game: one it no longer lists was withdrawn.
      for (const [okey, prev] of Object.entries(g.outcomes)) {
        if (seen.has(okey) || !allows(this.filters.markets, prev.name)) continue;
        g = this.writable(key);
        delete g.outcomes[okey];
        out.ticks.push(buildTick(g, okey, prev, 'removed', msg.timestamp, receivedAt));
      }
    }
    if (Object.keys(g.outcomes).length === 0) this.drop(key);
  }

  private removeGame(msg: GameMessage, receivedAt: string, out: ApplyResult): void {
    const key = gameKey(msg.data.sportsbook, eventKeyOf(msg.data));
    const g = this.games.get(key);
    if (!g) return;
    for (const [okey, prev] of Object.entries(g.outcomes))
      out.ticks.push(buildTick(g, okey, prev, 'removed', msg.timestamp, receivedAt));
    this.drop(key);
  }

  private endInitialState(ts: string, receivedAt: string, out: ApplyResult): void {
    const seen = this.initialPhase!;
    this.initialPhase = null;
    const f = this.filters;
    for (const [key, g] of [...this.games]) {
      if (seen.has(key) || !allows(f.sports, g.sport) || !allows(f.sportsbooks, g.book) || !allows(f.games, g.game))
        continue;
      let w = g;
      for (const [okey, prev] of Object.entries(g.outcomes)) {
        if (!allows(f.markets, prev.name)) continue;
        w = this.writable(key);
        delete w.outcomes[okey];
        // A cleared game's withdrawal was already reported as a gap; its history stays as is.
        if (!g.cleared) {
          out.ticks.push(buildTick(g, okey, prev, 'removed', ts, receivedAt));
          out.swept += 1;
        }
      }
      if (Object.keys(w.outcomes).length === 0) this.drop(key);
    }
  }
}
