-- Backfills (workflows/bet-backfill.ts) re-read slips SharpSports already sent. content_hash is
-- what a slip is (status, grades, money, legs) without when it was seen: a backfill compares it
-- to report new vs updated slips and writes nothing for an unchanged one, so re-running a range
-- is harmless. Rows loaded before this migration have '' and count as updated once.
ALTER TABLE bet_slips ADD COLUMN IF NOT EXISTS content_hash String DEFAULT '' COMMENT 'Read by backfills: sha-256 (first 128 bits, hex) of the slip and its legs without version/refresh fields (lib/bet-rows.ts slipContentHash)';
