// createOpticOddsAdapter: one run starts a connection loop (connection.ts) per stream group.
import { Agent } from 'undici';
import type { FeedAdapter, FeedHealth, FeedRunContext } from '../types';
import { parsePosition } from './checkpoint';
import { runGroup } from './connection';
import { EventsAtPosition } from './position';
import { planGroups, type StreamGroup } from './groups';
import { FixtureCache, type Rejection } from './mapping';
import {
  DEFAULT_LEAGUES,
  DEFAULT_MARKETS,
  DEFAULT_PING_TIMEOUT_MS,
  DEFAULT_RETRY_MS,
  type OpticOddsAdapterOptions,
} from './options';
import { FatalFeedError, type GroupState, type StreamRun } from './run';

export function createOpticOddsAdapter(opts: OpticOddsAdapterOptions): FeedAdapter {
  const leagues = opts.leagues && opts.leagues.length > 0 ? opts.leagues : DEFAULT_LEAGUES;
  const markets = opts.markets && opts.markets.length > 0 ? opts.markets : DEFAULT_MARKETS;
  const groups = planGroups(leagues, opts.leagueSports);
  const pingTimeoutMs = opts.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  const includeFixtureUpdates = opts.includeFixtureUpdates ?? true;
  const base = opts.baseUrl.replace(/\/+$/, '');
  if (!opts.apiKey) throw new Error('OpticOdds needs an API key: set OPTICODDS_API_KEY.');

  function urlFor(g: StreamGroup, lastEntryId: string | null): string {
    const q = new URLSearchParams();
    q.append('key', opts.apiKey);
    for (const l of g.leagues) q.append('league', l);
    for (const b of opts.sportsbooks ?? []) q.append('sportsbook', b);
    for (const m of markets) q.append('market', m);
    if (opts.isMain !== undefined) q.append('is_main', String(opts.isMain));
    if (includeFixtureUpdates) q.append('include_fixture_updates', 'true');
    if (lastEntryId) q.append('last_entry_id', lastEntryId);
    return `${base}/api/v3/stream/copilot/${encodeURIComponent(g.sport)}/odds?${q.toString()}`;
  }

  return {
    source: 'opticodds',
    async run(ctx: FeedRunContext): Promise<void> {
      const log = ctx.log.child({ feed: 'opticodds' });
      const parsed = parsePosition(ctx.checkpoint?.position);
      const positions: Record<string, string> = { ...parsed.positions };
      const health: FeedHealth = {
        connected: false,
        lastMessageAt: null,
        lastTickTs: null,
        reconnects: 0,
        gaps: 0,
        rejected: 0,
        messages: 0,
      };
      const fixtures = new FixtureCache();
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      if (ctx.signal.aborted) stop.abort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });
      const agent = new Agent({ keepAliveTimeout: 1_000 });

      // Every ctx call goes through one queue: positions of one group only reach a checkpoint
      // after that group's rows were handed to emit, and emit backpressure applies to all groups.
      let chain: Promise<unknown> = Promise.resolve();
      // A failing sink is fatal: the in-memory position has moved past rows that are not durable,
      // so only a restart from the last durable checkpoint is safe.
      const serial = <T>(fn: () => Promise<T>): Promise<T> => {
        const p = chain.then(fn).catch((e: unknown) => {
          if (e instanceof FatalFeedError) throw e;
          throw new FatalFeedError(
            `OpticOdds: the sink failed (${(e as Error)?.message ?? String(e)}); restart from the last durable checkpoint.`,
            { cause: e },
          );
        });
        chain = p.catch(() => undefined);
        return p;
      };
      const pushHealth = (u: Partial<FeedHealth>) => {
        Object.assign(health, u);
        ctx.health(u);
      };
      const reject = (r: Rejection) =>
        serial(async () => {
          health.rejected++;
          await ctx.reject(r.raw, r.reason, r.detail, r.record);
          ctx.health({ rejected: health.rejected });
        });
      const gap = (g: { reason: string; from: string | null; to: string | null; detail: string }) =>
        serial(async () => {
          health.gaps++;
          log.warn('opticodds.gap', { ...g });
          await ctx.gap(g);
          ctx.health({ gaps: health.gaps });
        });

      const states: GroupState[] = groups.map((group) => ({
        group,
        position: positions[group.key] ?? parsed.bare,
        atPosition: new EventsAtPosition(),
        retryMs: DEFAULT_RETRY_MS,
        connected: false,
        lostAt: null,
        everConnected: false,
      }));
      const stale = Object.keys(positions).filter((k) => !groups.some((g) => g.key === k));
      if (stale.length > 0)
        log.info('opticodds.checkpoint_keys_kept', {
          keys: stale,
          note: 'not in the current league set; kept in the checkpoint',
        });
      // Every group's start point goes into each checkpoint, so one group's emit never drops another's.
      for (const st of states) if (st.position) positions[st.group.key] = st.position;
      const setConnected = (st: GroupState, c: boolean) => {
        st.connected = c;
        const any = states.some((s) => s.connected);
        if (any !== health.connected) pushHealth({ connected: any });
      };
      // What every group's connection loop (connection.ts, events.ts) works with.
      const shared: StreamRun = {
        ctx,
        log,
        stop,
        agent,
        pingTimeoutMs,
        urlFor,
        health,
        fixtures,
        positions,
        serial,
        pushHealth,
        reject,
        gap,
        setConnected,
      };

      log.info('opticodds.start', { groups: groups.map((g) => g.key), resume: states.map((s) => s.position) });
      let fatal: unknown;
      try {
        if (parsed.error) {
          await gap({
            reason: 'checkpoint_unreadable',
            from: null,
            to: null,
            detail: `checkpoint position could not be read (${parsed.error}); starting from now`,
          });
        }
        await Promise.all(
          states.map((st) =>
            runGroup(shared, st).catch((e: unknown) => {
              fatal ??= e;
              stop.abort();
            }),
          ),
        );
        await chain;
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        stop.abort();
        await agent.destroy().catch(() => undefined);
        pushHealth({ connected: false });
      }
      if (fatal) throw fatal;
    },
  };
}
