-- One row per refresh request (each attempt has its own requestId) and per refresh linehouse
-- did not start but loaded (cadence, system, grade). Written when the outcome is known.
CREATE TABLE IF NOT EXISTS refresh_runs
(
    workflow_id String,
    bettor_account_id String,
    bettor_id String,
    book_abbr LowCardinality(String),
    request_id String,
    refresh_response_id String,
    refresh_type LowCardinality(String),
    origin LowCardinality(String),
    status Int16,
    detail String,
    attempts UInt16,
    pages UInt32,
    slips UInt32,
    bets UInt32,
    started_at DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(finished_at)
ORDER BY (bettor_account_id, request_id, refresh_response_id)
COMMENT 'Read by operators and linehouse status: the outcome of every refresh per account, to spot accounts that need the bettor to act (401/403/406).';

-- Every POST refresh linehouse made, recorded before the request leaves, so a workflow (or a
-- new run after a crash) can keep the SharpSports one-refresh-per-account-per-minute rule.
CREATE TABLE IF NOT EXISTS refresh_attempts
(
    bettor_account_id String,
    workflow_id String,
    attempt UInt16,
    requested_at DateTime64(3, 'UTC'),
    request_id String,
    outcome LowCardinality(String)
)
ENGINE = MergeTree
ORDER BY (bettor_account_id, requested_at)
COMMENT 'Read by the refresh workflow (last attempt per account) to space refreshes at least the rate-limit window apart.';

-- Durable load markers (extract -> load stages): a refresh response, or one page of it, is
-- loaded exactly when its marker exists. A duplicate delivery finds the marker and skips.
CREATE TABLE IF NOT EXISTS load_markers
(
    kind LowCardinality(String),
    key String,
    slips UInt32,
    bets UInt32,
    detail String,
    loaded_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY (kind, key)
COMMENT 'Read by loaders to skip work already durable, and by the startup reconciler to find landed deliveries never loaded.';
