/**
 * Stores the closes of events that have started (closing_lines_store, sql/migrations/0008), so
 * closing_lines reads them instead of every tick. Safe to run at any time, repeatedly and
 * concurrently: an event is stored only when its stored closes are missing or no longer current,
 * and closing_lines trusts a stored event only while closing_events says it is current, so a run
 * cut short or repeated can cost work but never change a figure.
 *
 * One run, one version v (a server timestamp):
 *  1. claim: every event whose start is more than graceSeconds ago and which is not cached gets a
 *     claim row (complete = false) with the start its closes are computed for; the claim itself
 *     keeps the event live (so in closing_partials_pending) until a version as new is complete;
 *  2. store: the pending closes of exactly those (event, start) pairs, tagged v — an event whose
 *     start moved between 1 and 2 stores nothing and stays live;
 *  3. complete: one complete row per claim. Only now can closing_lines use version v, and the
 *     older stored versions of those events are deleted.
 * v lies insertLagMs before the run's start: a tick whose insert was still in flight when the run
 * read odds_ticks has an insert time after v, so it marks its event stale instead of being lost.
 */
import { clusterOf, queryRows, type Warehouse } from '../platform/warehouse/client';
import { deleteFrom } from '../platform/warehouse/cluster-ddl';

export interface MaterializeOptions {
  /** Only events whose start is at least this long ago (closes before it are still arriving). Default 900. */
  graceSeconds?: number;
  /** How long an insert may take to become visible after its rows get their insert time. Default 5000. */
  insertLagMs?: number;
}

export interface MaterializeResult {
  /** The version written (materialized_at), null when nothing needed storing. */
  version: string | null;
  events: number;
  closes: number;
  /** Events still computed live from ticks after this run (not started, within the grace period, or stale again). */
  pending: number;
  seconds: number;
}

export async function materializeClosingLines(
  ch: Warehouse,
  opts: MaterializeOptions = {},
): Promise<MaterializeResult> {
  const started = performance.now();
  const graceSeconds = Math.max(0, Math.floor(opts.graceSeconds ?? 900));
  const insertLagMs = Math.max(0, Math.floor(opts.insertLagMs ?? 5000));
  const [{ v }] = await queryRows<{ v: string }>(
    ch,
    'SELECT toString(now64(3) - toIntervalMillisecond({lag:UInt32})) AS v',
    { lag: insertLagMs },
  );
  const params = { v, grace: graceSeconds };
  await ch.command({
    query: `INSERT INTO closing_materializations (source, event_key, ev_start, materialized_at, complete, closes)
      SELECT source, event_key, ev_start, toDateTime64({v:String}, 3, 'UTC'), false, 0
      FROM closing_events
      WHERE NOT cached AND ev_start < now64(3) - toIntervalSecond({grace:UInt32})`,
    query_params: params,
  });
  const claims = `(SELECT source, event_key, ev_start FROM closing_materializations WHERE materialized_at = toDateTime64({v:String}, 3, 'UTC') AND NOT complete)`;
  const [{ n }] = await queryRows<{ n: number }>(ch, `SELECT count() AS n FROM ${claims}`, params);
  let closes = 0;
  if (Number(n) > 0) {
    await ch.command({
      query: `INSERT INTO closing_lines_store
        (source, event_key, materialized_at, ev_start, market, selection, line, book, league, t_order, close_ts, price_american, price_decimal, close_removed, is_main, home_team)
        SELECT source, event_key, toDateTime64({v:String}, 3, 'UTC'), ev_start, market, selection, line, book, league, t_order, close_ts, price_american, price_decimal,
               close_removed, is_main, home_team
        FROM closing_partials_pending
        WHERE (source, event_key, ev_start) IN ${claims}`,
      query_params: params,
    });
    await ch.command({
      query: `INSERT INTO closing_materializations (source, event_key, ev_start, materialized_at, complete, closes)
        SELECT c.source, c.event_key, c.ev_start, toDateTime64({v:String}, 3, 'UTC'), true, ifNull(s.closes, 0)
        FROM ${claims} AS c
        LEFT JOIN (SELECT source, event_key, count() AS closes FROM closing_lines_store WHERE materialized_at = toDateTime64({v:String}, 3, 'UTC') GROUP BY source, event_key) AS s
          ON s.source = c.source AND s.event_key = c.event_key`,
      query_params: params,
    });
    // Older versions of these events can never be read again (the latest complete version wins).
    await ch.command({
      query: `${deleteFrom('closing_lines_store', clusterOf(ch))}
        WHERE materialized_at < toDateTime64({v:String}, 3, 'UTC')
          AND (source, event_key) IN (SELECT source, event_key FROM closing_materializations WHERE materialized_at = toDateTime64({v:String}, 3, 'UTC') AND complete)`,
      query_params: params,
    });
    const [s] = await queryRows<{ closes: number }>(
      ch,
      "SELECT count() AS closes FROM closing_lines_store WHERE materialized_at = toDateTime64({v:String}, 3, 'UTC')",
      params,
    );
    closes = Number(s.closes);
  }
  const [p] = await queryRows<{ pending: number }>(ch, 'SELECT countIf(NOT cached) AS pending FROM closing_events');
  return {
    version: Number(n) > 0 ? v : null,
    events: Number(n),
    closes,
    pending: Number(p.pending),
    seconds: (performance.now() - started) / 1000,
  };
}
