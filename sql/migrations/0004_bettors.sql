-- bettor.created: SharpSports id next to the customer's internal id.
CREATE TABLE IF NOT EXISTS bettors
(
    id String,
    internal_id String,
    delivery_id String,
    received_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(received_at)
ORDER BY id
COMMENT 'Read by analysts and the CLI (--bettor accepts an internal id): maps BTTR_ ids to internal ids.';

-- bettoraccount.verified / unverified / inaccessible, as a history.
CREATE TABLE IF NOT EXISTS bettor_account_events
(
    bettor_account_id String,
    bettor_id String,
    event LowCardinality(String),
    book_abbr LowCardinality(String),
    region String,
    delivery_id String,
    received_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(received_at)
ORDER BY (bettor_account_id, delivery_id)
COMMENT 'Read by operators: which accounts need the bettor to relink (unverified) or were revoked (inaccessible).';
