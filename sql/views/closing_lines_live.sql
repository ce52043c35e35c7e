-- Repeatable view (platform/warehouse/migrate.ts): the one definition, applied again whenever it changes.
-- depends:
--
-- Closing line per (canonical event, market, selection, line, book), computed from every tick: the
-- reference closing_lines (stored closes) is tested against row for row (test/integration/
-- clv-cache.test.ts), and a way to read closes without the store.
--
-- The close is the last tick before the event's latest known start time, skipping locked ticks (a
-- lock just before the start is not a price). The start is the latest fixtures start_time of the
-- event (by update ts), else the start time carried by the event's latest tick. A line whose last
-- unlocked tick before the start is `removed` was pulled: it has no close. pair_line groups the
-- selections de-vigged together: the home side's line for spreads (home -3.5 pairs with away
-- +3.5), the line for totals, 0 otherwise.
-- "Last" orders ticks by ts, then by cityHash64(tick_id) among ticks of the same millisecond (a
-- deterministic tie-break): the order key is one UInt128, so every argMax takes the engine's
-- numeric fast path instead of comparing (ts, tick_id) tuples (about 3x slower); ts is offset
-- from 1900-01-01, the earliest DateTime64, so the key never goes negative.
-- Per-event facts (canonical key, start, start source) are resolved once per feed event (ev) and
-- joined to the ticks by one small hash join.
-- Team names across feeds: a team selection is named by the canonical event's team (team_map,
-- written by resolveEvents in clv/resolve.ts) and spreads pair by the canonical home side, so a
-- book quoted by BoltOdds or SharpAPI meets the names SharpSports positions use.
CREATE OR REPLACE VIEW closing_lines_live AS
WITH
    tm AS (
        SELECT source, source_event_key, feed_team, argMax(canonical_team, resolved_at) AS canonical_team, argMax(canonical_home, resolved_at) AS canonical_home
        FROM team_map GROUP BY source, source_event_key, feed_team),
    em AS (SELECT source, source_event_key, argMax(event_key, resolved_at) AS canonical FROM event_map GROUP BY source, source_event_key),
    fx AS (
        SELECT if(em.canonical != '', em.canonical, f.event_key) AS fx_key, argMax(f.start_time, f.ts) AS fx_start
        FROM fixtures AS f
        LEFT JOIN em ON em.source = f.source AND em.source_event_key = f.event_key
        WHERE f.start_time IS NOT NULL
        GROUP BY fx_key),
    ev AS (
        SELECT ts0.source AS source, ts0.event_key AS event_key, if(em.canonical != '', em.canonical, ts0.event_key) AS ckey,
            coalesce(fx.fx_start, ts0.tk_start) AS ev_start,
            if(fx.fx_start IS NOT NULL, 'fixtures', 'ticks') AS start_source
        FROM (SELECT source, event_key, argMax(start_time, ts) AS tk_start FROM odds_ticks GROUP BY source, event_key) AS ts0
        LEFT JOIN em ON em.source = ts0.source AND em.source_event_key = ts0.event_key
        LEFT JOIN fx ON fx.fx_key = if(em.canonical != '', em.canonical, ts0.event_key)
        WHERE ev_start IS NOT NULL),
    tk AS (
        SELECT
            ev.ckey AS ckey,
            ev.event_key AS src_event,
            t.source AS t_source, t.league AS t_league, t.market AS market, t.selection AS selection, t.line AS line, t.book AS book,
            t.ts AS t_ts, t.price_american AS t_american, t.price_decimal AS t_decimal, t.removed AS t_removed,
            t.is_main AS t_main, t.home_team AS t_home,
            bitOr(bitShiftLeft(toUInt128(toUnixTimestamp64Milli(t.ts) + 2208988800000), 64), toUInt128(cityHash64(t.tick_id))) AS t_order,
            ev.ev_start AS ev_start,
            ev.start_source AS start_source
        FROM odds_ticks AS t FINAL
        INNER JOIN ev ON ev.source = t.source AND ev.event_key = t.event_key
        WHERE NOT t.locked AND (t.removed OR t.price_decimal > 1) AND t.ts < ev.ev_start)
SELECT
    tk.ckey AS event_key,
    tk.market AS market,
    if(tm.canonical_team != '', tm.canonical_team, tk.selection) AS selection,
    tk.line AS line,
    tk.book AS book,
    any(tk.t_league) AS league,
    argMax(tk.t_source, tk.t_order) AS source,
    max(tk.t_ts) AS close_ts,
    argMax(tk.t_american, tk.t_order) AS price_american,
    argMax(tk.t_decimal, tk.t_order) AS price_decimal,
    argMax(tk.t_removed, tk.t_order) AS close_removed,
    argMax(tk.t_main, tk.t_order) AS is_main,
    argMax(tk.t_home, tk.t_order) AS home_team,
    max(tk.ev_start) AS start_time,
    any(tk.start_source) AS start_source,
    (toUnixTimestamp64Milli(start_time) - toUnixTimestamp64Milli(close_ts)) / 1000 AS seconds_before_start,
    multiIf(tk.market = 'spread', if(argMax(if(tm.canonical_team != '', tm.canonical_home, lower(tk.selection) = lower(tk.t_home)), tk.t_order), tk.line, -tk.line),
        tk.market = 'total', tk.line, 0.) AS pair_line
FROM tk
LEFT JOIN tm ON tm.source = tk.t_source AND tm.source_event_key = tk.src_event AND tm.feed_team = lower(trim(tk.selection))
GROUP BY event_key, market, selection, line, book
HAVING NOT close_removed;
