-- Repeatable view (platform/warehouse/migrate.ts): the one definition, applied again whenever it changes.
-- depends: closing_events, closing_partials_pending
--
-- Closing line per (canonical event, market, selection, line, book), from stored closes: the same
-- columns and semantics as closing_lines_live (see there), row for row. Current stored closes
-- (closing_lines_store, clv/materialize.ts) UNION ALL the pending ones (closing_partials_pending),
-- then the cross-source merge (the last tick by t_order wins; a pulled line has no close); team
-- selections named by the canonical event's teams (team_map), stored closes keep the feed's names.
--
-- Why a stored close can be trusted: the closes of one feed event (source, event_key) are a pure
-- function of that event's ticks and of its start (ev_start). ckey and start_source are looked up
-- live at read time. So a stored event is used only while (1) its current ev_start equals the one
-- it was computed for (fixtures may move the start either way; a new event_map row may give it
-- the canonical event's fixtures start) and (2) no tick of it timed before the start was
-- inserted after materialized_at (late ticks, backfills, SharpAPI catch-up; in-play ticks do not
-- count): closing_events decides. Every other event is computed live from its ticks only.
-- The equality holds for the data as it stands; ClickHouse takes no snapshot across the
-- subqueries of one query, so a refresh completing or a fixture of a stored event landing in
-- the milliseconds between them can leave that one query without (or with mixed) closes of the
-- events concerned. The next query is exact again.
CREATE OR REPLACE VIEW closing_lines AS
WITH
    tm AS (
        SELECT source, source_event_key, feed_team, argMax(canonical_team, resolved_at) AS canonical_team, argMax(canonical_home, resolved_at) AS canonical_home
        FROM team_map GROUP BY source, source_event_key, feed_team),
    ce AS (SELECT source, event_key, ckey, ev_start, start_source FROM closing_events),
    parts AS (
        SELECT source, event_key, market, selection, line, book, league, t_order, close_ts, price_american, price_decimal, close_removed, is_main, home_team
        FROM closing_lines_store
        WHERE (source, event_key, materialized_at, ev_start) IN (SELECT source, event_key, materialized_at, ev_start FROM closing_events WHERE cached)
        UNION ALL
        SELECT source, event_key, market, selection, line, book, league, t_order, close_ts, price_american, price_decimal, close_removed, is_main, home_team
        FROM closing_partials_pending)
SELECT
    ce.ckey AS event_key,
    p.market AS market,
    if(tm.canonical_team != '', tm.canonical_team, p.selection) AS selection,
    p.line AS line,
    p.book AS book,
    any(p.league) AS league,
    argMax(p.source, p.t_order) AS source,
    max(p.close_ts) AS close_ts,
    argMax(p.price_american, p.t_order) AS price_american,
    argMax(p.price_decimal, p.t_order) AS price_decimal,
    argMax(p.close_removed, p.t_order) AS close_removed,
    argMax(p.is_main, p.t_order) AS is_main,
    argMax(p.home_team, p.t_order) AS home_team,
    max(ce.ev_start) AS start_time,
    any(ce.start_source) AS start_source,
    (toUnixTimestamp64Milli(start_time) - toUnixTimestamp64Milli(close_ts)) / 1000 AS seconds_before_start,
    multiIf(p.market = 'spread', if(argMax(if(tm.canonical_team != '', tm.canonical_home, lower(p.selection) = lower(p.home_team)), p.t_order), p.line, -p.line),
        p.market = 'total', p.line, 0.) AS pair_line
FROM parts AS p
INNER JOIN ce ON ce.source = p.source AND ce.event_key = p.event_key
LEFT JOIN tm ON tm.source = p.source AND tm.source_event_key = p.event_key AND tm.feed_team = lower(trim(p.selection))
GROUP BY event_key, market, selection, line, book
HAVING NOT close_removed;
