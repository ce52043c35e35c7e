import { Context } from '@temporalio/activity';
import { refreshClv, type MaterializeOptions, type RefreshClvResult } from '../../clv';
import type { ActivityDeps } from '../deps';

const HEARTBEAT_MS = 10_000;

export function createClvActivities({ clickhouse }: Pick<ActivityDeps, 'clickhouse'>) {
  return {
    /**
     * Event resolution, then stored closes for every started event whose closes are missing or
     * stale (clv/materialize.ts). Idempotent and safe to retry or overlap with another run:
     * closing_lines only trusts stored closes that are still current. The first run over a long
     * history reads every tick once, so it heartbeats while the statements run.
     */
    async refreshClv(opts: MaterializeOptions = {}): Promise<RefreshClvResult> {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat({ stage: 'refreshClv' }), HEARTBEAT_MS);
      ctx.heartbeat({ stage: 'refreshClv' });
      try {
        return await refreshClv(clickhouse, opts);
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type ClvActivities = ReturnType<typeof createClvActivities>;
