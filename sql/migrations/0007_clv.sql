-- Closing-line value (DESIGN.md § CLV): two small tables, book_map (SharpSports book abbreviation →
-- feed book name) and event_map (feed event key → canonical event key, filled by clv/resolve.ts).
-- The CLV views over them and the loaded data are repeatables: sql/views/market_map.sql,
-- closing_lines.sql and bet_clv_at.sql (which also generates bet_clv).

CREATE TABLE IF NOT EXISTS book_map
(
    sharpsports_book String,
    feed_book String,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY sharpsports_book
COMMENT 'Read by bet_clv: SharpSports book abbreviation -> feed book name (a book without a row is looked up under its own abbreviation). Grain: abbreviation; latest updated_at wins.';

INSERT INTO book_map (sharpsports_book, feed_book) VALUES ('dk', 'draftkings'), ('fd', 'fanduel'), ('mg', 'betmgm'), ('ca', 'caesars');

-- Feed event key -> canonical event key (the OpticOdds game_id = SharpSports oddsjam_id). OpticOdds
-- maps to itself (method oddsjam_id); BoltOdds/SharpAPI by league, start time and team names
-- (method league_time_teams, lib/clv/resolve.ts). A key without a row keeps its own value.
CREATE TABLE IF NOT EXISTS event_map
(
    source LowCardinality(String),
    source_event_key String,
    event_key String,
    league LowCardinality(String),
    start_time Nullable(DateTime64(3, 'UTC')),
    home_team String,
    away_team String,
    method LowCardinality(String),
    resolved_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(resolved_at)
ORDER BY (source, source_event_key)
COMMENT 'Read by closing_lines and bet_clv: which canonical event a feed event key is. Grain: (source, source_event_key); use FINAL.';
