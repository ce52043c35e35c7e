// What the connections of one adapter run share, and the state each group connection keeps.
import type { Agent } from 'undici';
import type { Logger } from '../../platform/log';
import type { FeedGap, FeedHealth, FeedRunContext } from '../types';
import type { StreamGroup } from './groups';
import type { EventsAtPosition } from './position';
import type { FixtureCache, Rejection } from './mapping';

export class FatalFeedError extends Error {}

export interface GroupState {
  group: StreamGroup;
  /** Last entry handed to emit (the resume point). */
  position: string | null;
  /** Events already processed whose entry_id equals `position` (several events may share one entry). */
  atPosition: EventsAtPosition;
  retryMs: number;
  connected: boolean;
  /** When the previous connection of this group ended (ms), for the replay check. */
  lostAt: number | null;
  everConnected: boolean;
  /** An entry id outside the "<ms>-<seq>" form was logged once already. */
  warnedEntryId?: boolean;
}

/**
 * Built once per run() by the adapter and handed to every group's connection loop: the closures
 * and objects they share (one ctx queue via `serial`, one health record, one positions map).
 */
export interface StreamRun {
  ctx: FeedRunContext;
  log: Logger;
  /** Aborted when the run stops: ends every group's connection. */
  stop: AbortController;
  agent: Agent;
  pingTimeoutMs: number;
  urlFor(g: StreamGroup, lastEntryId: string | null): string;
  health: FeedHealth;
  fixtures: FixtureCache;
  /** Every group's last emitted entry id: the checkpoint position (JSON) written with each emit. */
  positions: Record<string, string>;
  serial<T>(fn: () => Promise<T>): Promise<T>;
  pushHealth(u: Partial<FeedHealth>): void;
  reject(r: Rejection): Promise<void>;
  gap(g: FeedGap): Promise<void>;
  setConnected(st: GroupState, c: boolean): void;
}
