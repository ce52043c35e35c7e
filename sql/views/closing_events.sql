-- Repeatable view (platform/warehouse/migrate.ts): the one definition, applied again whenever it changes.
-- depends:
--
-- One row per feed event: its canonical key and current start exactly as closing_lines_live
-- derives them (but from odds_event_facts instead of every tick), and whether its stored closes
-- are current (cached). Analysts: `SELECT * FROM closing_events WHERE NOT cached` lists the events
-- whose closes are computed live from ticks.
CREATE OR REPLACE VIEW closing_events AS
WITH
    em AS (SELECT source, source_event_key, argMax(event_key, resolved_at) AS canonical FROM event_map GROUP BY source, source_event_key),
    fx AS (
        SELECT if(em.canonical != '', em.canonical, f.event_key) AS fx_key, argMax(f.start_time, f.ts) AS fx_start
        FROM fixtures AS f
        LEFT JOIN em ON em.source = f.source AND em.source_event_key = f.event_key
        WHERE f.start_time IS NOT NULL
        GROUP BY fx_key),
    fa AS (
        SELECT source, event_key, argMaxMerge(tk_start) AS tk_start, max(last_inserted_at) AS last_insert, sum(ticks) AS tick_count,
            groupUniqArray(league) AS leagues, groupArray((ts_hour, last_inserted_at)) AS inserts
        FROM odds_event_facts
        GROUP BY source, event_key),
    -- m_at: the latest complete version; m_latest: the latest claim or completion. A newer claim
    -- (a run in flight, or one that died) makes the event live until a run completes a version at
    -- least as new: a run never finds its claimed event cached by an older version meanwhile and
    -- skipped, and a dead run's claim heals at the next run.
    mat AS (
        SELECT source, event_key, maxIf(materialized_at, complete) AS m_at, max(materialized_at) AS m_latest,
            argMaxIf(ev_start, materialized_at, complete) AS m_start, argMaxIf(closes, materialized_at, complete) AS m_closes
        FROM closing_materializations
        GROUP BY source, event_key)
SELECT
    fa.source AS source,
    fa.event_key AS event_key,
    if(em.canonical != '', em.canonical, fa.event_key) AS ckey,
    coalesce(fx.fx_start, fa.tk_start) AS ev_start,
    if(fx.fx_start IS NOT NULL, 'fixtures', 'ticks') AS start_source,
    fa.leagues AS leagues,
    fa.tick_count AS ticks,
    fa.last_insert AS last_inserted_at,
    -- every tick before the start lies in an hour that begins before it
    arrayMax(arrayMap(_h -> if(tupleElement(_h, 1) < ev_start, tupleElement(_h, 2), toDateTime64(0, 3, 'UTC')), fa.inserts)) AS last_inserted_before_start,
    if(mat.m_at > toDateTime64(0, 3, 'UTC'), mat.m_at, NULL) AS materialized_at,
    mat.m_closes AS stored_closes,
    -- the validity check: no newer claim, same start as computed for, no tick before it inserted since
    CAST(ifNull(mat.m_at > toDateTime64(0, 3, 'UTC') AND mat.m_at = mat.m_latest
        AND mat.m_start = ev_start AND last_inserted_before_start < mat.m_at, false), 'Bool') AS cached
FROM fa
LEFT JOIN em ON em.source = fa.source AND em.source_event_key = fa.event_key
LEFT JOIN fx ON fx.fx_key = if(em.canonical != '', em.canonical, fa.event_key)
LEFT JOIN mat ON mat.source = fa.source AND mat.event_key = fa.event_key
WHERE ev_start IS NOT NULL;
