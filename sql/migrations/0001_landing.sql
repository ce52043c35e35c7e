-- Raw landing: every accepted webhook delivery and every polled refresh response, verbatim,
-- written (and fsynced) before the receiver answers 200. Workflows are handed the delivery id,
-- never the payload; loaders re-read the body from here. Unknown fields survive in `body`.
CREATE TABLE IF NOT EXISTS webhook_deliveries
(
    delivery_id String,
    source LowCardinality(String),
    event LowCardinality(String),
    subscription String,
    received_at DateTime64(3, 'UTC'),
    body String CODEC(ZSTD(3)),
    body_bytes UInt64,
    body_sha256 FixedString(64),
    refresh_response_id String,
    request_id String,
    bettor_id String,
    bettor_account_id String,
    status Nullable(Int16),
    detail String,
    refresh_type LowCardinality(String),
    time_created Nullable(DateTime64(6, 'UTC')),
    slip_count UInt32
)
ENGINE = ReplacingMergeTree(received_at)
ORDER BY delivery_id
SETTINGS fsync_after_insert = 1, non_replicated_deduplication_window = 1000
COMMENT 'Read by refresh activities (load a delivery by id), by up on start (re-signal landed deliveries not yet loaded) and by operators auditing what SharpSports sent.';

-- Everything refused at the door or by a loader: the raw text (capped), why, and where from.
CREATE TABLE IF NOT EXISTS rejected_messages
(
    rejected_at DateTime64(3, 'UTC') DEFAULT now64(3),
    source LowCardinality(String),
    reason LowCardinality(String),
    detail String,
    http_status UInt16,
    delivery_id String,
    headers String,
    raw String CODEC(ZSTD(3)),
    raw_bytes UInt64,
    raw_truncated Bool,
    raw_sha256 String
)
ENGINE = MergeTree
ORDER BY (source, reason, rejected_at)
COMMENT 'Read by operators and the reliability tests: every refused webhook, page or feed message with its reason. Never holds secrets.';
