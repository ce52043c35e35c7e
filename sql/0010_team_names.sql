-- Team names across feeds. BoltOdds and SharpAPI name teams their own way ("LA Lakers", "L.A.
-- Lakers", nicknames), so a book quoted by them closed under a selection no SharpSports position
-- names, and two feeds quoting one book split its de-vig group. resolveEvents (lib/clv/resolve.ts)
-- now records, for every feed event it resolves, which canonical team each feed team is (home
-- with home, or swapped); closing_lines and closing_lines_live name team selections by the
-- canonical event's names and pair spreads by the canonical home side. Stored closes keep the
-- feed's names: the mapping applies when they are read, so a new resolution needs no re-store.

CREATE TABLE IF NOT EXISTS team_map
(
    source LowCardinality(String),
    source_event_key String,
    feed_team String,
    canonical_team String,
    canonical_home Bool,
    resolved_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(resolved_at)
ORDER BY (source, source_event_key, feed_team)
COMMENT 'Read by closing_lines and closing_lines_live: a feed event''s team name (lower-case, trimmed) -> the canonical event''s team name, and whether it is the canonical home side. Written by resolveEvents. Grain: (source, source_event_key, feed_team); latest resolved_at wins.';

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
