-- Every price move of every selection at every book, from all three feeds. A replayed batch
-- (crash between insert and checkpoint) repeats tick_ids, which ReplacingMergeTree folds away;
-- count exactly with FINAL or uniqExact(tick_id). Ordered for closing-line lookups:
-- event -> market -> selection -> book -> time.
CREATE TABLE IF NOT EXISTS odds_ticks
(
    tick_id String,
    source LowCardinality(String),
    book LowCardinality(String),
    sport LowCardinality(String),
    league LowCardinality(String),
    event_key String,
    provider_event_id String,
    provider_odd_id String,
    home_team String,
    away_team String,
    start_time Nullable(DateTime64(3, 'UTC')),
    market LowCardinality(String),
    market_raw String,
    selection String,
    line Nullable(Float64),
    price_american Nullable(Int32),
    price_decimal Nullable(Float64),
    implied_prob Nullable(Float64),
    is_main Nullable(Bool),
    is_live Bool,
    locked Bool,
    removed Bool,
    ts DateTime64(3, 'UTC'),
    received_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (league, event_key, market, selection, book, ts, tick_id)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Read by analysts (price history) and by closing_lines (last price before the start). Grain: one price move of one selection at one book; dedupe with FINAL.';

CREATE TABLE IF NOT EXISTS settlements
(
    settlement_id String,
    source LowCardinality(String),
    book LowCardinality(String),
    sport LowCardinality(String),
    league LowCardinality(String),
    event_key String,
    provider_odd_id String,
    market LowCardinality(String),
    market_raw String,
    selection String,
    line Nullable(Float64),
    result LowCardinality(String),
    settled_at Nullable(DateTime64(3, 'UTC')),
    ts DateTime64(3, 'UTC'),
    received_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (league, event_key, market, selection, book, settlement_id)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Read by analysts and CLV reports: how each selection settled (Won/Lost/Push/Void). Grain: settlement id; use FINAL.';

-- Start-time and status changes. The latest start time decides what the closing line is.
CREATE TABLE IF NOT EXISTS fixtures
(
    update_id String,
    source LowCardinality(String),
    event_key String,
    provider_event_id String,
    sport LowCardinality(String),
    league LowCardinality(String),
    home_team String,
    away_team String,
    start_time Nullable(DateTime64(3, 'UTC')),
    previous_start_time Nullable(DateTime64(3, 'UTC')),
    status Nullable(String),
    previous_status Nullable(String),
    ts DateTime64(3, 'UTC'),
    received_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (event_key, source, ts, update_id)
COMMENT 'Read by closing_lines (latest known start time per event) and analysts tracking postponements. Grain: one update.';

-- Where each feed resumes: written only after the rows before it are durable.
CREATE TABLE IF NOT EXISTS feed_checkpoints
(
    feed String,
    position Nullable(String),
    state String CODEC(ZSTD(3)),
    rows_total UInt64,
    health String,
    committed_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(committed_at)
ORDER BY feed
COMMENT 'Read by the feed workers on start (resume point) and by linehouse status (lag).';

-- Intervals a feed could not deliver completely (resume not replayable, since clamped, books cleared).
CREATE TABLE IF NOT EXISTS feed_gaps
(
    feed String,
    reason LowCardinality(String),
    gap_from Nullable(String),
    gap_to Nullable(String),
    detail String,
    detected_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (feed, detected_at)
COMMENT 'Read by analysts: which intervals of odds history are incomplete, and why.';
