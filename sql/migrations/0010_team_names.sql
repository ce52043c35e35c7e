-- Team names across feeds. BoltOdds and SharpAPI name teams their own way ("LA Lakers", "L.A.
-- Lakers", nicknames), so a book quoted by them closed under a selection no SharpSports position
-- names, and two feeds quoting one book split its de-vig group. resolveEvents (clv/resolve.ts)
-- now records, for every feed event it resolves, which canonical team each feed team is (home
-- with home, or swapped); closing_lines and closing_lines_live (sql/views/) name team selections
-- by the canonical event's names and pair spreads by the canonical home side. Stored closes keep the
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
