-- Bet slips as SharpSports last reported them. A slip seen again (a later refresh that grades
-- it) replaces the older version: `version` grows with the refreshResponse time, so replays of
-- older deliveries can never roll a settled slip back to pending. Query with FINAL.
CREATE TABLE IF NOT EXISTS bet_slips
(
    id String,
    bettor_id String,
    bettor_account_id String,
    book_abbr LowCardinality(String),
    book_name LowCardinality(String),
    book_ref String,
    time_placed Nullable(DateTime64(3, 'UTC')),
    type LowCardinality(String),
    subtype Nullable(String),
    type_special Nullable(String),
    odds_american Nullable(Int32),
    at_risk Nullable(Int64),
    to_win Nullable(Int64),
    status LowCardinality(String),
    outcome Nullable(String),
    net_profit Nullable(Int64),
    date_closed Nullable(Date32),
    incomplete Bool,
    adjusted_odds Nullable(Bool),
    adjusted_line Nullable(Bool),
    adjusted_at_risk Nullable(Int64),
    leg_count UInt16,
    refresh_response_id String,
    refresh_response_time DateTime64(6, 'UTC'),
    version UInt64,
    loaded_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Read by analysts (one row per wager, money in cents) and by bet_clv. Grain: slip id. Use FINAL for the latest version.';

-- One row per graded element of a slip (one for a single, one per leg for a parlay).
CREATE TABLE IF NOT EXISTS bets
(
    id String,
    bet_slip_id String,
    bettor_id String,
    bettor_account_id String,
    book_abbr LowCardinality(String),
    time_placed Nullable(DateTime64(3, 'UTC')),
    event_id String,
    oddsjam_id String,
    sportsdataio_id String,
    sportradar_id String,
    sport LowCardinality(String),
    league LowCardinality(String),
    event_name String,
    event_start_time Nullable(DateTime64(3, 'UTC')),
    home_team String,
    away_team String,
    bet_type LowCardinality(String),
    proposition LowCardinality(String),
    segment Nullable(String),
    position Nullable(String),
    line Nullable(Float64),
    odds_american Nullable(Int32),
    status LowCardinality(String),
    outcome Nullable(String),
    live Bool,
    incomplete Bool,
    book_description String,
    market_selection String,
    prop_player Nullable(String),
    prop_metric Nullable(String),
    refresh_response_id String,
    version UInt64,
    loaded_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (bet_slip_id, id)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Read by analysts and the CLV join (oddsjam_id, proposition, position, line). Grain: bet id within its slip. Use FINAL.';
