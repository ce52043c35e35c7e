-- load_markers' `detail` meant something else for every kind (a delivery id and its loader, a
-- package id, a JSON list of deliveries, `pages=N`, backfill counts as JSON, a timestamp), and the
-- loaders parsed it back in TypeScript and in SQL. Each of those now has a typed column, owned by
-- refresh/load/markers.ts. Rows written before this migration read their columns from `detail`
-- through the defaults below, so no row is rewritten.

-- refresh_response: who loaded it (a workflow run `<workflow id>/<run id>`, `receiver`, `replay`,
-- or '' for a paged load), and the delivery the load came from.
ALTER TABLE load_markers ADD COLUMN IF NOT EXISTS loader LowCardinality(String) DEFAULT if(kind = 'refresh_response', extract(detail, ' loader=(.+)$'), '');
ALTER TABLE load_markers ADD COLUMN IF NOT EXISTS delivery_id String DEFAULT if(kind = 'refresh_response' AND NOT startsWith(detail, 'pages='), splitByChar(' ', detail)[1], '');
-- load_package (key: a response id): the package that intends to load it.
ALTER TABLE load_markers ADD COLUMN IF NOT EXISTS package_id String DEFAULT if(kind = 'load_package', detail, '');
-- load_package_members (key: a package id): its delivery ids, in order.
ALTER TABLE load_markers ADD COLUMN IF NOT EXISTS members Array(String) DEFAULT if(kind = 'load_package_members', JSONExtract(detail, 'Array(String)'), []);
-- refresh_response loaded page by page, and backfill_page: how many pages so far.
ALTER TABLE load_markers ADD COLUMN IF NOT EXISTS pages UInt32 DEFAULT multiIf(kind = 'refresh_response' AND startsWith(detail, 'pages='), toUInt32OrZero(substring(detail, 7)), kind = 'backfill_page', toUInt32(JSONExtractUInt(detail, 'pages')), 0);
-- refresh_response_page: the listing's page count when the page was read, and the slips it refused.
ALTER TABLE load_markers ADD COLUMN IF NOT EXISTS total_pages UInt32 DEFAULT if(kind = 'refresh_response_page', toUInt32OrZero(extract(detail, 'totalPages=(\\d+)')), 0);
ALTER TABLE load_markers ADD COLUMN IF NOT EXISTS refused UInt32 DEFAULT if(kind = 'refresh_response_page', toUInt32OrZero(extract(detail, 'refused=(\\d+)')), 0);
-- backfill_page: of its slips, how many were new, changed, or already stored as they are.
ALTER TABLE load_markers ADD COLUMN IF NOT EXISTS new_slips UInt32 DEFAULT if(kind = 'backfill_page', toUInt32(JSONExtractUInt(detail, 'new')), 0);
ALTER TABLE load_markers ADD COLUMN IF NOT EXISTS updated_slips UInt32 DEFAULT if(kind = 'backfill_page', toUInt32(JSONExtractUInt(detail, 'updated')), 0);
ALTER TABLE load_markers ADD COLUMN IF NOT EXISTS unchanged_slips UInt32 DEFAULT if(kind = 'backfill_page', toUInt32(JSONExtractUInt(detail, 'unchanged')), 0);
ALTER TABLE load_markers MODIFY COMMENT 'Read by the loaders (refresh/load/markers.ts) to skip work already durable: a refresh response, a page of one, a load package and its members, a backfill page. Read by the start-up reconciler and the receiver sweep to find landed deliveries no workflow has taken over.';

-- A feed consumer that started without a checkpoint (activities/feeds/feeds.ts): the next such
-- start reports the interval since as a gap. It was a load_markers kind with the time in `detail`.
CREATE TABLE IF NOT EXISTS feed_starts
(
    feed String,
    started_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(started_at)
ORDER BY feed
COMMENT 'Read by the feed consumer at start when it finds no checkpoint: the last start of this feed that found none either, reported as a before_first_checkpoint gap.';

INSERT INTO feed_starts (feed, started_at)
SELECT key, parseDateTime64BestEffort(detail, 3, 'UTC') FROM load_markers FINAL WHERE kind = 'feed_started';
