-- The tolerant reader (docs/reliability.md, "What is refused, warned and replayable"): a record
-- that cannot be loaded is refused alone, so rejected_messages now says which record of a message
-- it was and what a replay needs to load it on its own; rules a record may break and still load
-- are counted in data_warnings; `linehouse rejected replay` records what it did in rejection_replays.

-- rejection_id: the handle `linehouse rejected list|replay --id` shows and takes. Rows written
-- before this migration get a stable one derived from the row itself.
ALTER TABLE rejected_messages ADD COLUMN IF NOT EXISTS rejection_id String DEFAULT lower(hex(cityHash64(source, reason, rejected_at, delivery_id, raw_sha256, detail)));
-- Where the refused record sat in its message (`betSlips[3]`, `data[1]`); '' for a whole message.
ALTER TABLE rejected_messages ADD COLUMN IF NOT EXISTS record_path String DEFAULT '';
ALTER TABLE rejected_messages ADD COLUMN IF NOT EXISTS record_id String DEFAULT '';
-- JSON: what a replay needs besides the raw record (refresh response id and time, entry id…).
ALTER TABLE rejected_messages ADD COLUMN IF NOT EXISTS context String DEFAULT '';
-- A delivery's quarantined records are written under a token, so a redelivery records them once.
ALTER TABLE rejected_messages MODIFY SETTING non_replicated_deduplication_window = 1000;

-- Cosmetic rules a loaded record broke: an id without the prefix the docs' examples show, a value
-- outside a documented list (a new slip status or outcome). The record loaded as it came; these
-- rows let operators and `linehouse status` count what providers send beyond the docs.
CREATE TABLE IF NOT EXISTS data_warnings
(
    noted_at DateTime64(3, 'UTC') DEFAULT now64(3),
    source LowCardinality(String),
    -- The delivery id, page key or feed position the record came in.
    message_id String,
    record_path String,
    rule LowCardinality(String),
    field LowCardinality(String),
    value String,
    expected String
)
ENGINE = MergeTree
ORDER BY (source, rule, field, noted_at)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Read by operators and linehouse rejected list: what providers sent that broke a documented format but still loaded.';

-- One row per replayed rejection, latest attempt wins: `loaded` rejections are never replayed
-- again, so replaying twice is harmless; `still_refused` ones are retried by the next replay.
CREATE TABLE IF NOT EXISTS rejection_replays
(
    rejection_id String,
    replayed_at DateTime64(3, 'UTC'),
    outcome LowCardinality(String),
    detail String,
    slips UInt32,
    bets UInt32,
    feed_rows UInt32
)
ENGINE = ReplacingMergeTree(replayed_at)
ORDER BY rejection_id
COMMENT 'Read by linehouse rejected list|replay: which refused messages a replay loaded and which are still refused.';
