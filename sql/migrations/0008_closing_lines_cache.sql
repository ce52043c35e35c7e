-- Stored closes (DESIGN.md § CLV "store closes per book"), so the CLV report stops scaling with
-- the number of ticks: the tables the cache needs. The views that read them are repeatables:
-- sql/views/closing_events.sql (is a stored close still current?), closing_partials_pending.sql,
-- closing_lines.sql (stored closes + live ones, why a stored close can be trusted) and
-- closing_lines_live.sql (the reference: every close from ticks). Invariant: closing_lines returns
-- exactly what closing_lines_live returns, row for row (test/integration/clv-cache.test.ts).
-- clv/materialize.ts fills the store.

-- Fed on insert, per feed event and hour of tick time: the start its latest tick carries and when
-- its ticks were last inserted. The hour lets an in-play tick (after the start) leave the stored
-- closes alone: only a tick of an hour that begins before the start can change a close. A replayed
-- batch adds its ticks again: harmless for argMax/max. Ticks are never deleted (DESIGN.md); if
-- some ever are, rebuild this table and TRUNCATE closing_materializations.
CREATE TABLE IF NOT EXISTS odds_event_facts
(
    source LowCardinality(String),
    event_key String,
    league LowCardinality(String),
    ts_hour DateTime('UTC'),
    tk_start AggregateFunction(argMax, Nullable(DateTime64(3, 'UTC')), DateTime64(3, 'UTC')),
    home_team AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    away_team AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    last_inserted_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_received_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    ticks SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY (source, event_key, league, ts_hour)
COMMENT 'Read by closing_events (so closing_lines needs no scan of odds_ticks to find each event''s start and whether a stored close is still current) and by lib/clv/resolve.ts (teams and start per feed event). Grain: (source, event_key, league, hour of tick ts); merge with argMaxMerge/max/sum.';

CREATE MATERIALIZED VIEW IF NOT EXISTS odds_event_facts_mv TO odds_event_facts AS
SELECT source, event_key, league, toStartOfHour(ts) AS ts_hour, argMaxState(start_time, ts) AS tk_start,
    argMaxState(home_team, ts) AS home_team, argMaxState(away_team, ts) AS away_team, max(now64(3)) AS last_inserted_at,
    max(received_at) AS last_received_at, toUInt64(count()) AS ticks
FROM odds_ticks
GROUP BY source, event_key, league, ts_hour;

-- Ticks that landed before the view existed (the view is created first, so none is missed; a tick
-- seen by both only repeats a max).
INSERT INTO odds_event_facts
SELECT source, event_key, league, toStartOfHour(ts) AS ts_hour, argMaxState(start_time, ts), argMaxState(home_team, ts), argMaxState(away_team, ts),
    max(now64(3)), max(received_at), toUInt64(count())
FROM odds_ticks
GROUP BY source, event_key, league, ts_hour;

-- One row per materialization attempt of one feed event: complete = false is the claim written
-- first (the start the closes are computed for), complete = true is written once every close of
-- that version is stored. The latest complete row counts, unless a newer claim is in flight.
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
