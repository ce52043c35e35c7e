import type { CanonicalRows, FeedSource, OddsTick } from '../schemas/odds';
import type { Logger } from '../platform/log';
import type { RefusedRecord } from '../rejections/record';

/**
 * The contract between a provider adapter (extract + normalize) and the shared sink (load).
 * An adapter never writes to ClickHouse itself: it hands rows plus the resume position they
 * reach to `emit`, which resolves only when the sink can take more (backpressure). The sink
 * commits the position only after those rows are durable, so a crash replays from the last
 * durable position and the deterministic row ids make the replay harmless.
 */
export interface FeedCheckpoint {
  /** OpticOdds: last entry_id; SharpAPI: the next `since` (meta.server_time); BoltOdds: snapshot version. */
  position: string | null;
  /** Adapter state that must survive a restart (BoltOdds: last known outcome prices). JSON-serializable. */
  state?: unknown;
}

export interface FeedGap {
  /** Why data may be missing: 'entry_id_gap', 'since_clamped', 'removed_truncated', 'reconnect', 'book_clear', 'sport_clear', … */
  reason: string;
  from: string | null;
  to: string | null;
  detail: string;
}

export interface FeedHealth {
  connected: boolean;
  lastMessageAt: string | null;
  lastTickTs: string | null;
  reconnects: number;
  gaps: number;
  rejected: number;
  messages: number;
}

/** The fields of an odd's quote that a removal of it repeats (its place in odds_ticks' key). */
export type DescribedOdd = Pick<
  OddsTick,
  | 'book'
  | 'sport'
  | 'league'
  | 'event_key'
  | 'home_team'
  | 'away_team'
  | 'start_time'
  | 'market'
  | 'market_raw'
  | 'selection'
  | 'line'
  | 'is_live'
>;

export interface FeedRunContext {
  /** Where to resume from (null: start fresh). */
  checkpoint: FeedCheckpoint | null;
  emit(rows: Partial<CanonicalRows>, checkpoint: FeedCheckpoint): Promise<void>;
  /**
   * Records a refusal. `record` names the one record of a message that was refused while the rest
   * loaded (its path, id and what feeds/replay.ts needs to map it alone); absent when the
   * message as a whole was unusable.
   */
  reject(raw: string, reason: string, detail: string, record?: RefusedRecord): Promise<void>;
  gap(gap: FeedGap): Promise<void>;
  health(update: Partial<FeedHealth>): void;
  signal: AbortSignal;
  log: Logger;
  /**
   * The latest stored quote of each odd, for a removal of an odd this run never quoted (it was
   * quoted before a restart): the removal must carry the quote's key fields, so a replayed removal
   * is the same row as the one stored before the crash, and closing_lines sees the line pulled.
   */
  describeOdds?(providerOddIds: string[], atOrBefore?: string): Promise<Map<string, DescribedOdd>>;
  /**
   * Which of these tick ids are already stored with a time at or after `since`. A window replayed
   * after a crash asks it before re-describing a removal: the stored copy stays the only one.
   */
  storedTickIds?(tickIds: string[], since: string): Promise<Set<string>>;
  /**
   * The latest stored row of each odd with a tick at or after `since` (a checkpoint position): rows a
   * crash made durable after the last checkpoint, which a restored state does not know about.
   */
  storedSince?(since: string): Promise<StoredOdd[]>;
}

/** The last stored state of one odd (BoltOdds: provider_odd_id is the outcome key). */
export interface StoredOdd {
  book: string;
  event_key: string;
  provider_odd_id: string;
  price_american: number | null;
  locked: boolean;
  removed: boolean;
}

export interface FeedAdapter {
  readonly source: FeedSource;
  /** Runs until `ctx.signal` aborts (resolve) or the feed is unusable (throw, with what to do next). */
  run(ctx: FeedRunContext): Promise<void>;
}
