-- Stored closes (DESIGN.md § CLV "store closes per book"), so the CLV report stops scaling with
-- the number of ticks. Invariant: closing_lines returns exactly what closing_lines_live (the 0007
-- definition, kept under that name as the reference) returns, row for row; test/integration/
-- clv-cache.test.ts checks it after moved starts, late ticks, new event_map rows and repeated runs.
--
-- Why a stored close can be trusted: the closes of one feed event (source, event_key) are a pure
-- function of that event's ticks and of its start (ev_start). ckey and start_source are looked up
-- live at read time. So a stored event is used only while (1) its current ev_start equals the one
-- it was computed for (fixtures may move the start either way; a new event_map row may give it
-- the canonical event's fixtures start) and (2) no tick of it was inserted after materialized_at
-- (late ticks, backfills, SharpAPI catch-up). Every other event is computed live from its ticks
-- only (odds_ticks is pruned by primary key). lib/clv/materialize.ts fills the store.

-- One row per feed event and insert block, fed on insert: the start its latest tick carries and
-- when its last tick was inserted. A replayed batch adds its ticks again: harmless for argMax/max.
CREATE TABLE IF NOT EXISTS odds_event_facts
(
    source LowCardinality(String),
    event_key String,
    league LowCardinality(String),
    tk_start AggregateFunction(argMax, Nullable(DateTime64(3, 'UTC')), DateTime64(3, 'UTC')),
    last_inserted_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_received_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    ticks SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY (source, event_key, league)
COMMENT 'Read by closing_events (so closing_lines needs no scan of odds_ticks to find each event''s start and whether a stored close is still current). Grain: (source, event_key, league); merge with argMaxMerge/max/sum.';

CREATE MATERIALIZED VIEW IF NOT EXISTS odds_event_facts_mv TO odds_event_facts AS
SELECT source, event_key, league, argMaxState(start_time, ts) AS tk_start, max(now64(3)) AS last_inserted_at,
    max(received_at) AS last_received_at, toUInt64(count()) AS ticks
FROM odds_ticks
GROUP BY source, event_key, league;

-- Ticks that landed before the view existed (the view is created first, so none is missed; a tick
-- seen by both only repeats a max).
INSERT INTO odds_event_facts
SELECT source, event_key, league, argMaxState(start_time, ts), max(now64(3)), max(received_at), toUInt64(count())
FROM odds_ticks
GROUP BY source, event_key, league;

-- One row per materialization attempt of one feed event: complete = false is the claim written
-- first (the start the closes are computed for), complete = true is written once every close of
-- that version is stored. Only complete rows count; the latest one wins.
CREATE TABLE IF NOT EXISTS closing_materializations
(
    source LowCardinality(String),
    event_key String,
    ev_start DateTime64(3, 'UTC'),
    materialized_at DateTime64(3, 'UTC'),
    complete Bool,
    closes UInt64
)
ENGINE = MergeTree
ORDER BY (source, event_key, materialized_at)
COMMENT 'Read by closing_events (is a stored close still current?) and lib/clv/materialize.ts. Grain: one feed event per materialization run; latest complete row wins.';

-- The last qualifying tick of each (feed event, market, selection, line, book) before ev_start,
-- with its order key, so closing_lines can merge it across sources exactly as it merges ticks.
-- A pulled line (close_removed) is stored too: its removal may be the latest word across sources.
CREATE TABLE IF NOT EXISTS closing_lines_store
(
    source LowCardinality(String),
    event_key String,
    materialized_at DateTime64(3, 'UTC'),
    ev_start DateTime64(3, 'UTC'),
    market LowCardinality(String),
    selection String,
    line Nullable(Float64),
    book LowCardinality(String),
    league LowCardinality(String),
    t_order UInt128,
    close_ts DateTime64(3, 'UTC'),
    price_american Nullable(Int32),
    price_decimal Nullable(Float64),
    close_removed Bool,
    is_main Nullable(Bool),
    home_team String
)
ENGINE = MergeTree
ORDER BY (source, event_key, materialized_at, market, selection, book)
COMMENT 'Read by closing_lines: stored closes per feed event, used only while closing_events says the version is current. Grain: (source, event_key, materialized_at, market, selection, line, book).';

-- The 0007 closing_lines, unchanged: the reference the cache is tested against, and a way to read
-- closes without the store.
CREATE OR REPLACE VIEW closing_lines_live AS
WITH
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
    ckey AS event_key,
    market,
    selection,
    line,
    book,
    any(t_league) AS league,
    argMax(t_source, t_order) AS source,
    max(t_ts) AS close_ts,
    argMax(t_american, t_order) AS price_american,
    argMax(t_decimal, t_order) AS price_decimal,
    argMax(t_removed, t_order) AS close_removed,
    argMax(t_main, t_order) AS is_main,
    argMax(t_home, t_order) AS home_team,
    max(ev_start) AS start_time,
    any(start_source) AS start_source,
    (toUnixTimestamp64Milli(start_time) - toUnixTimestamp64Milli(close_ts)) / 1000 AS seconds_before_start,
    multiIf(market = 'spread', if(lower(selection) = lower(home_team), line, -line), market = 'total', line, 0.) AS pair_line
FROM tk
GROUP BY event_key, market, selection, line, book
HAVING NOT close_removed;

-- One row per feed event: its canonical key and current start exactly as closing_lines_live
-- derives them (but from odds_event_facts instead of every tick), and whether its stored closes
-- are current (cached). Analysts: `SELECT * FROM closing_events WHERE NOT cached` lists the events
-- whose closes are computed live from ticks.
CREATE OR REPLACE VIEW closing_events AS
WITH
    em AS (SELECT source, source_event_key, argMax(event_key, resolved_at) AS canonical FROM event_map GROUP BY source, source_event_key),
    fx AS (
        SELECT if(em.canonical != '', em.canonical, f.event_key) AS fx_key, argMax(f.start_time, f.ts) AS fx_start
        FROM fixtures AS f
        LEFT JOIN em ON em.source = f.source AND em.source_event_key = f.event_key
        WHERE f.start_time IS NOT NULL
        GROUP BY fx_key),
    fa AS (
        SELECT source, event_key, argMaxMerge(tk_start) AS tk_start, max(last_inserted_at) AS last_inserted_at, sum(ticks) AS ticks,
            groupUniqArray(league) AS leagues
        FROM odds_event_facts
        GROUP BY source, event_key),
    mat AS (
        SELECT source, event_key, max(materialized_at) AS m_at, argMax(ev_start, materialized_at) AS m_start, argMax(closes, materialized_at) AS m_closes
        FROM closing_materializations
        WHERE complete
        GROUP BY source, event_key)
SELECT
    fa.source AS source,
    fa.event_key AS event_key,
    if(em.canonical != '', em.canonical, fa.event_key) AS ckey,
    coalesce(fx.fx_start, fa.tk_start) AS ev_start,
    if(fx.fx_start IS NOT NULL, 'fixtures', 'ticks') AS start_source,
    fa.leagues AS leagues,
    fa.ticks AS ticks,
    fa.last_inserted_at AS last_inserted_at,
    if(mat.m_at > toDateTime64(0, 3, 'UTC'), mat.m_at, NULL) AS materialized_at,
    mat.m_closes AS stored_closes,
    -- the validity check: same start as computed for, and no tick inserted since
    CAST(ifNull(mat.m_at > toDateTime64(0, 3, 'UTC') AND mat.m_start = ev_start AND fa.last_inserted_at < mat.m_at, false), 'Bool') AS cached
FROM fa
LEFT JOIN em ON em.source = fa.source AND em.source_event_key = fa.event_key
LEFT JOIN fx ON fx.fx_key = if(em.canonical != '', em.canonical, fa.event_key)
LEFT JOIN mat ON mat.source = fa.source AND mat.event_key = fa.event_key
WHERE ev_start IS NOT NULL;

-- Closes of the events without current stored closes, per feed event, computed from their ticks
-- (odds_ticks is read only for those events: the IN on its leading key columns skips the rest).
-- lib/clv/materialize.ts stores rows of this view; closing_lines merges it with the store.
CREATE OR REPLACE VIEW closing_partials_pending AS
WITH
    -- the order key of closing_lines_live: ts, then a hash of tick_id among ticks of one millisecond
    bitOr(bitShiftLeft(toUInt128(toUnixTimestamp64Milli(t.ts) + 2208988800000), 64), toUInt128(cityHash64(t.tick_id))) AS tick_order
SELECT
    ev.source AS source,
    ev.event_key AS event_key,
    ev.ev_start AS ev_start,
    t.market AS market,
    t.selection AS selection,
    t.line AS line,
    t.book AS book,
    any(t.league) AS league,
    max(tick_order) AS t_order,
    max(t.ts) AS close_ts,
    argMax(t.price_american, tick_order) AS price_american,
    argMax(t.price_decimal, tick_order) AS price_decimal,
    argMax(t.removed, tick_order) AS close_removed,
    argMax(t.is_main, tick_order) AS is_main,
    argMax(t.home_team, tick_order) AS home_team
FROM odds_ticks AS t FINAL
INNER JOIN (SELECT source, event_key, ev_start FROM closing_events WHERE NOT cached) AS ev ON ev.source = t.source AND ev.event_key = t.event_key
WHERE (t.league, t.event_key) IN (SELECT arrayJoin(leagues) AS league, event_key FROM closing_events WHERE NOT cached)
    AND NOT t.locked AND (t.removed OR t.price_decimal > 1) AND t.ts < ev.ev_start
GROUP BY source, event_key, ev_start, market, selection, line, book;

-- Same columns and semantics as closing_lines_live: current stored closes UNION ALL the pending
-- ones, then the cross-source merge (the last tick by t_order wins; a pulled line has no close).
CREATE OR REPLACE VIEW closing_lines AS
WITH
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
    p.selection AS selection,
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
    multiIf(market = 'spread', if(lower(selection) = lower(home_team), line, -line), market = 'total', line, 0.) AS pair_line
FROM parts AS p
INNER JOIN ce ON ce.source = p.source AND ce.event_key = p.event_key
GROUP BY event_key, market, selection, line, book
HAVING NOT close_removed;
