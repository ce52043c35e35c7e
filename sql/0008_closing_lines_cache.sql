-- Stored closes (DESIGN.md § CLV "store closes per book"), so the CLV report stops scaling with
-- the number of ticks. Invariant: closing_lines returns exactly what closing_lines_live (the 0007
-- definition, kept under that name as the reference) returns, row for row; test/integration/
-- clv-cache.test.ts checks it after moved starts, late ticks, new event_map rows and repeated runs.
--
-- Why a stored close can be trusted: the closes of one feed event (source, event_key) are a pure
-- function of that event's ticks and of its start (ev_start). ckey and start_source are looked up
-- live at read time. So a stored event is used only while (1) its current ev_start equals the one
-- it was computed for (fixtures may move the start either way; a new event_map row may give it
-- the canonical event's fixtures start) and (2) no tick of it timed before the start was
-- inserted after materialized_at (late ticks, backfills, SharpAPI catch-up; in-play ticks do not
-- count). Every other event is computed live from its ticks only (odds_ticks is pruned by primary
-- key). lib/clv/materialize.ts fills the store.
-- The equality holds for the data as it stands; ClickHouse takes no snapshot across the
-- subqueries of one query, so a refresh completing or a fixture of a stored event landing in
-- the milliseconds between them can leave that one query without (or with mixed) closes of the
-- events concerned. The next query is exact again.

-- Fed on insert, per feed event and hour of tick time: the start its latest tick carries and when
-- its ticks were last inserted. The hour lets an in-play tick (after the start) leave the stored
-- closes alone: only a tick of an hour that begins before the start can change a close. A replayed
-- batch adds its ticks again: harmless for argMax/max. Ticks are never deleted (DESIGN.md); if
-- some ever are, rebuild this table and TRUNCATE closing_materializations.
CREATE TABLE IF NOT EXISTS odds_event_facts
(
    source LowCardinality(String),
    event_key String,
    league LowCardinality(String),
    ts_hour DateTime('UTC'),
    tk_start AggregateFunction(argMax, Nullable(DateTime64(3, 'UTC')), DateTime64(3, 'UTC')),
    home_team AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    away_team AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    last_inserted_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_received_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    ticks SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY (source, event_key, league, ts_hour)
COMMENT 'Read by closing_events (so closing_lines needs no scan of odds_ticks to find each event''s start and whether a stored close is still current) and by lib/clv/resolve.ts (teams and start per feed event). Grain: (source, event_key, league, hour of tick ts); merge with argMaxMerge/max/sum.';

CREATE MATERIALIZED VIEW IF NOT EXISTS odds_event_facts_mv TO odds_event_facts AS
SELECT source, event_key, league, toStartOfHour(ts) AS ts_hour, argMaxState(start_time, ts) AS tk_start,
    argMaxState(home_team, ts) AS home_team, argMaxState(away_team, ts) AS away_team, max(now64(3)) AS last_inserted_at,
    max(received_at) AS last_received_at, toUInt64(count()) AS ticks
FROM odds_ticks
GROUP BY source, event_key, league, ts_hour;

-- Ticks that landed before the view existed (the view is created first, so none is missed; a tick
-- seen by both only repeats a max).
INSERT INTO odds_event_facts
SELECT source, event_key, league, toStartOfHour(ts) AS ts_hour, argMaxState(start_time, ts), argMaxState(home_team, ts), argMaxState(away_team, ts),
    max(now64(3)), max(received_at), toUInt64(count())
FROM odds_ticks
GROUP BY source, event_key, league, ts_hour;

-- One row per materialization attempt of one feed event: complete = false is the claim written
-- first (the start the closes are computed for), complete = true is written once every close of
-- that version is stored. The latest complete row counts, unless a newer claim is in flight.
CREATE TABLE IF NOT EXISTS closing_materializations
(
    source LowCardinality(String),
    event_key String,
    ev_start DateTime64(3, 'UTC'),
    materialized_at DateTime64(3, 'UTC'),
    complete Bool,
    closes UInt64
)
ENGINE = MergeTree
ORDER BY (source, event_key, materialized_at)
COMMENT 'Read by closing_events (is a stored close still current?) and lib/clv/materialize.ts. Grain: one feed event per materialization run; latest complete row wins.';

-- The last qualifying tick of each (feed event, market, selection, line, book) before ev_start,
-- with its order key, so closing_lines can merge it across sources exactly as it merges ticks.
-- A pulled line (close_removed) is stored too: its removal may be the latest word across sources.
CREATE TABLE IF NOT EXISTS closing_lines_store
(
    source LowCardinality(String),
    event_key String,
    materialized_at DateTime64(3, 'UTC'),
    ev_start DateTime64(3, 'UTC'),
    market LowCardinality(String),
    selection String,
    line Nullable(Float64),
    book LowCardinality(String),
    league LowCardinality(String),
    t_order UInt128,
    close_ts DateTime64(3, 'UTC'),
    price_american Nullable(Int32),
    price_decimal Nullable(Float64),
    close_removed Bool,
    is_main Nullable(Bool),
    home_team String
)
ENGINE = MergeTree
ORDER BY (source, event_key, materialized_at, market, selection, book)
COMMENT 'Read by closing_lines: stored closes per feed event, used only while closing_events says the version is current. Grain: (source, event_key, materialized_at, market, selection, line, book).';

-- The 0007 closing_lines, unchanged: the reference the cache is tested against, and a way to read
-- closes without the store.
CREATE OR REPLACE VIEW closing_lines_live AS
WITH
    em AS (SELECT source, source_event_key, argMax(event_key, resolved_at) AS canonical FROM event_map GROUP BY source, source_event_key),
    fx AS (
        SELECT if(em.canonical != '', em.canonical, f.event_key) AS fx_key, argMax(f.start_time, f.ts) AS fx_start
        FROM fixtures AS f
        LEFT JOIN em ON em.source = f.source AND em.source_event_key = f.event_key
        WHERE f.start_time IS NOT NULL
        GROUP BY fx_key),
    ev AS (
        SELECT ts0.source AS source, ts0.event_key AS event_key, if(em.canonical != '', em.canonical, ts0.event_key) AS ckey,
            coalesce(fx.fx_start, ts0.tk_start) AS ev_start,
            if(fx.fx_start IS NOT NULL, 'fixtures', 'ticks') AS start_source
        FROM (SELECT source, event_key, argMax(start_time, ts) AS tk_start FROM odds_ticks GROUP BY source, event_key) AS ts0
        LEFT JOIN em ON em.source = ts0.source AND em.source_event_key = ts0.event_key
        LEFT JOIN fx ON fx.fx_key = if(em.canonical != '', em.canonical, ts0.event_key)
        WHERE ev_start IS NOT NULL),
    tk AS (
        SELECT
            ev.ckey AS ckey,
            t.source AS t_source, t.league AS t_league, t.market AS market, t.selection AS selection, t.line AS line, t.book AS book,
            t.ts AS t_ts, t.price_american AS t_american, t.price_decimal AS t_decimal, t.removed AS t_removed,
            t.is_main AS t_main, t.home_team AS t_home,
            bitOr(bitShiftLeft(toUInt128(toUnixTimestamp64Milli(t.ts) + 2208988800000), 64), toUInt128(cityHash64(t.tick_id))) AS t_order,
            ev.ev_start AS ev_start,
            ev.start_source AS start_source
        FROM odds_ticks AS t FINAL
        INNER JOIN ev ON ev.source = t.source AND ev.event_key = t.event_key
        WHERE NOT t.locked AND (t.removed OR t.price_decimal > 1) AND t.ts < ev.ev_start)
SELECT
    ckey AS event_key,
    market,
    selection,
    line,
    book,
    any(t_league) AS league,
    argMax(t_source, t_order) AS source,
    max(t_ts) AS close_ts,
    argMax(t_american, t_order) AS price_american,
    argMax(t_decimal, t_order) AS price_decimal,
    argMax(t_removed, t_order) AS close_removed,
    argMax(t_main, t_order) AS is_main,
    argMax(t_home, t_order) AS home_team,
    max(ev_start) AS start_time,
    any(start_source) AS start_source,
    (toUnixTimestamp64Milli(start_time) - toUnixTimestamp64Milli(close_ts)) / 1000 AS seconds_before_start,
    multiIf(market = 'spread', if(lower(selection) = lower(home_team), line, -line), market = 'total', line, 0.) AS pair_line
FROM tk
GROUP BY event_key, market, selection, line, book
HAVING NOT close_removed;

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

-- Closes of the events without current stored closes, per feed event, computed from their ticks
-- (odds_ticks is read only for those events: the IN on its leading key columns skips the rest).
-- lib/clv/materialize.ts stores rows of this view; closing_lines merges it with the store.
CREATE OR REPLACE VIEW closing_partials_pending AS
WITH
    -- the order key of closing_lines_live: ts, then a hash of tick_id among ticks of one millisecond
    bitOr(bitShiftLeft(toUInt128(toUnixTimestamp64Milli(t.ts) + 2208988800000), 64), toUInt128(cityHash64(t.tick_id))) AS tick_order
SELECT
    ev.source AS source,
    ev.event_key AS event_key,
    ev.ev_start AS ev_start,
    t.market AS market,
    t.selection AS selection,
    t.line AS line,
    t.book AS book,
    any(t.league) AS league,
    max(tick_order) AS t_order,
    max(t.ts) AS close_ts,
    argMax(t.price_american, tick_order) AS price_american,
    argMax(t.price_decimal, tick_order) AS price_decimal,
    argMax(t.removed, tick_order) AS close_removed,
    argMax(t.is_main, tick_order) AS is_main,
    argMax(t.home_team, tick_order) AS home_team
FROM odds_ticks AS t FINAL
INNER JOIN (SELECT source, event_key, ev_start FROM closing_events WHERE NOT cached) AS ev ON ev.source = t.source AND ev.event_key = t.event_key
WHERE (t.league, t.event_key) IN (SELECT arrayJoin(leagues) AS league, event_key FROM closing_events WHERE NOT cached)
    AND NOT t.locked AND (t.removed OR t.price_decimal > 1) AND t.ts < ev.ev_start
GROUP BY source, event_key, ev_start, market, selection, line, book;

-- Same columns and semantics as closing_lines_live: current stored closes UNION ALL the pending
-- ones, then the cross-source merge (the last tick by t_order wins; a pulled line has no close).
CREATE OR REPLACE VIEW closing_lines AS
WITH
    ce AS (SELECT source, event_key, ckey, ev_start, start_source FROM closing_events),
    parts AS (
        SELECT source, event_key, market, selection, line, book, league, t_order, close_ts, price_american, price_decimal, close_removed, is_main, home_team
        FROM closing_lines_store
        WHERE (source, event_key, materialized_at, ev_start) IN (SELECT source, event_key, materialized_at, ev_start FROM closing_events WHERE cached)
        UNION ALL
        SELECT source, event_key, market, selection, line, book, league, t_order, close_ts, price_american, price_decimal, close_removed, is_main, home_team
        FROM closing_partials_pending)
SELECT
    ce.ckey AS event_key,
    p.market AS market,
    p.selection AS selection,
    p.line AS line,
    p.book AS book,
    any(p.league) AS league,
    argMax(p.source, p.t_order) AS source,
    max(p.close_ts) AS close_ts,
    argMax(p.price_american, p.t_order) AS price_american,
    argMax(p.price_decimal, p.t_order) AS price_decimal,
    argMax(p.close_removed, p.t_order) AS close_removed,
    argMax(p.is_main, p.t_order) AS is_main,
    argMax(p.home_team, p.t_order) AS home_team,
    max(ce.ev_start) AS start_time,
    any(ce.start_source) AS start_source,
    (toUnixTimestamp64Milli(start_time) - toUnixTimestamp64Milli(close_ts)) / 1000 AS seconds_before_start,
    multiIf(market = 'spread', if(lower(selection) = lower(home_team), line, -line), market = 'total', line, 0.) AS pair_line
FROM parts AS p
INNER JOIN ce ON ce.source = p.source AND ce.event_key = p.event_key
GROUP BY event_key, market, selection, line, book
HAVING NOT close_removed;

-- bet_clv was bet_clv_at(sharp_book = 'pinnacle', devig = 'multiplicative'). A parameterized view
-- is analysed with its parameters unknown, so every de-vig method's UDF expansion is analysed on
-- every query (0.47 s on empty tables); with literals the engine drops the branches not taken
-- before analysing them (0.29 s). So bet_clv is bet_clv_at's text (0007) with the two defaults
-- written in; test/integration/clv-cache.test.ts fails if the two texts drift apart.
CREATE OR REPLACE VIEW bet_clv AS
WITH
    bm AS (SELECT sharpsports_book, argMax(feed_book, updated_at) AS feed_book FROM book_map GROUP BY sharpsports_book),
    m AS (
        SELECT mm.*, if(bm.feed_book != '', bm.feed_book, mm.book_abbr) AS same_book, ifNull(mm.market, '') AS market_key
        FROM market_map AS mm
        LEFT JOIN bm ON bm.sharpsports_book = mm.book_abbr),
    dv AS (
        SELECT event_key, market, sels, lks, ds, cts, mains, book,
            if(length(ds) >= 2,
                multiIf(
                    'multiplicative' = 'multiplicative', lh_devig_multiplicative(ds),
                    'multiplicative' = 'additive', lh_devig_additive(ds),
                    'multiplicative' = 'power', lh_normalize(arrayMap((_d, _k) -> pow(1 / _d, _k), ds, arrayWithConstant(length(ds), k))),
                    'multiplicative' = 'shin', lh_normalize(lh_shin_probs(ds, z)),
                    arrayMap(_x -> nan, ds)),
                arrayMap(_x -> nan, ds)) AS fair
        FROM (
            SELECT event_key, market, sels, lks, ds, cts, mains, book,
                if('multiplicative' = 'power' AND length(ds) >= 2, lh_power_k(ds), nan) AS k,
                if('multiplicative' = 'shin' AND length(ds) >= 2, lh_shin_z(ds), nan) AS z
            FROM (
                SELECT event_key, market, pair_line, book,
                    groupArray(lower(selection)) AS sels, groupArray(ifNull(line, 0.)) AS lks, groupArray(price_decimal) AS ds,
                    groupArray(close_ts) AS cts, groupArray(ifNull(is_main, false)) AS mains
                FROM closing_lines
                GROUP BY event_key, market, pair_line, book))),
    grp AS (
        SELECT event_key, market_key, sel_key,
            groupArrayIf((book, line_key, d, ct, is_main, f), kind = 0) AS cs,
            groupArrayIf((line_key, book), kind = 1) AS ks,
            max(countIf(kind = 0)) OVER (PARTITION BY event_key) > 0 AS event_hit
        FROM (
            SELECT event_key, toString(market) AS market_key, sel_key, line_key, toString(book) AS book, toUInt8(0) AS kind,
                toFloat64(d) AS d, ct, is_main, toFloat64(f) AS f
            FROM dv ARRAY JOIN sels AS sel_key, lks AS line_key, ds AS d, cts AS ct, mains AS is_main, fair AS f
            UNION ALL
            SELECT DISTINCT event_key, market_key, sel_key, line_key, same_book AS book, toUInt8(1) AS kind,
                0. AS d, toDateTime64(0, 3, 'UTC') AS ct, false AS is_main, nan AS f
            FROM m)
        GROUP BY event_key, market_key, sel_key),
    lk AS (
        SELECT event_key, market_key, sel_key, tupleElement(k, 1) AS line_key, tupleElement(k, 2) AS same_book, event_hit,
            arrayFirstIndex(_c -> tupleElement(_c, 1) = same_book AND tupleElement(_c, 2) = line_key, cs) AS sb_i,
            arrayFirstIndex(_c -> tupleElement(_c, 1) = 'pinnacle' AND tupleElement(_c, 2) = line_key, cs) AS sh_i,
            arrayFilter(_c -> tupleElement(_c, 1) = same_book, cs) AS sa_cs,
            arrayMap(_c -> tupleElement(_c, 6), arrayFilter(_c -> tupleElement(_c, 2) = line_key AND NOT isNaN(tupleElement(_c, 6)), cs)) AS cons_ps,
            if(sb_i > 0, toNullable(tupleElement(cs[sb_i], 3)), NULL) AS sb_close_decimal,
            if(sb_i > 0, toNullable(tupleElement(cs[sb_i], 4)), NULL) AS sb_close_ts,
            if(sb_i > 0 AND NOT isNaN(tupleElement(cs[sb_i], 6)), toNullable(tupleElement(cs[sb_i], 6)), NULL) AS sb_fair_prob,
            if(sh_i > 0, toNullable(tupleElement(cs[sh_i], 3)), NULL) AS sh_close_decimal,
            if(sh_i > 0 AND NOT isNaN(tupleElement(cs[sh_i], 6)), toNullable(tupleElement(cs[sh_i], 6)), NULL) AS sh_fair_prob,
            toUInt8(length(sa_cs) > 0) AS sa_hit,
            if(sa_hit = 1,
                toNullable(tupleElement(arrayReduce('argMax', sa_cs, arrayMap(_c -> (tupleElement(_c, 5), -abs(tupleElement(_c, 3) - 2)), sa_cs)), 2)),
                NULL) AS main_line,
            if(length(cons_ps) > 0, toNullable(arrayAvg(cons_ps)), NULL) AS consensus_fair_prob,
            toUInt64(length(cons_ps)) AS consensus_books
        FROM grp ARRAY JOIN ks AS k),
    slips AS (
        SELECT id, type AS slip_type, odds_american AS slip_odds_american, time_placed AS slip_time_placed, incomplete AS slip_incomplete,
            ifNull(adjusted_odds, false) AS boosted,
            CAST(ifNull(adjusted_odds, false) OR ifNull(adjusted_line, false) OR ifNull(adjusted_at_risk, 0) != 0, 'Bool') AS adjusted
        FROM bet_slips FINAL),
    legs AS (
        SELECT
            m.bet_id AS bet_id, m.bet_slip_id AS bet_slip_id, m.bettor_id AS bettor_id, m.bettor_account_id AS bettor_account_id,
            m.book_abbr AS book_abbr, m.league AS league, m.event_key AS event_key, m.market AS market, m.selection AS selection,
            m.bet_line AS bet_line, m.bet_odds_american AS bet_odds_american,
            toNullable(toFloat64(lh_american_to_decimal(m.bet_odds_american))) AS bet_decimal,
            coalesce(m.time_placed, s.slip_time_placed) AS time_placed,
            toStartOfMonth(coalesce(m.time_placed, s.slip_time_placed)) AS month,
            lk.sb_close_decimal AS same_book_close_decimal,
            if(lk.sb_i > 0, m.bet_line, lk.main_line) AS same_book_close_line,
            lk.sb_close_ts AS same_book_close_ts,
            lk.sb_fair_prob AS same_book_fair_prob,
            'pinnacle' AS sharp_book,
            lk.sh_close_decimal AS sharp_close_decimal,
            lk.sh_fair_prob AS sharp_fair_prob,
            lk.consensus_fair_prob AS consensus_fair_prob,
            lk.consensus_books AS consensus_books,
            'multiplicative' AS devig_method,
            lh_ev_at_close(lk.sb_fair_prob, bet_decimal) AS ev_clv_same_book,
            lh_ev_at_close(lk.sh_fair_prob, bet_decimal) AS ev_clv_sharp,
            lh_ev_at_close(lk.consensus_fair_prob, bet_decimal) AS ev_clv_consensus,
            lh_price_clv(bet_decimal, lk.sb_close_decimal) AS price_clv_same_book,
            lh_price_clv(bet_decimal, lk.sh_close_decimal) AS price_clv_sharp,
            if(lk.sa_hit = 1, lh_points_clv(m.proposition_norm, m.position_norm, m.bet_line, same_book_close_line), NULL) AS points_clv,
            CAST(m.unresolved_reason IS NULL AND lk.sb_i = 0 AND lk.sa_hit = 1, 'Bool') AS line_moved,
            CAST(m.unresolved_reason IS NULL AND lk.sa_hit = 0, 'Bool') AS no_close,
            CAST(m.incomplete OR ifNull(s.slip_incomplete, false), 'Bool') AS incomplete_bet,
            CAST(ifNull(s.boosted, false), 'Bool') AS boosted,
            CAST(ifNull(s.adjusted, false), 'Bool') AS adjusted,
            multiIf(m.unresolved_reason IS NOT NULL, m.unresolved_reason, NOT lk.event_hit, 'no_feed_event', NULL) AS unresolved_reason,
            s.slip_type AS slip_type,
            s.slip_odds_american AS slip_odds_american
        FROM m
        LEFT JOIN slips AS s ON s.id = m.bet_slip_id
        LEFT JOIN lk ON lk.event_key = m.event_key AND lk.market_key = m.market_key AND lk.sel_key = m.sel_key AND lk.line_key = m.line_key
            AND lk.same_book = m.same_book)
SELECT
    if(row_kind = 'leg', l.bet_id, l.bet_slip_id) AS bet_id,
    any(l.bet_slip_id) AS bet_slip_id,
    row_kind,
    any(l.bettor_id) AS bettor_id,
    any(l.bettor_account_id) AS bettor_account_id,
    any(l.book_abbr) AS book_abbr,
    if(row_kind = 'leg' OR uniqExact(l.league) = 1, any(l.league), 'multi') AS league,
    if(row_kind = 'leg', any(l.event_key), '') AS event_key,
    if(row_kind = 'leg', any(l.market), 'parlay') AS market,
    if(row_kind = 'leg', any(l.selection), '') AS selection,
    if(row_kind = 'leg', any(l.bet_line), NULL) AS bet_line,
    if(row_kind = 'leg', any(l.bet_odds_american), any(l.slip_odds_american)) AS bet_odds_american,
    if(row_kind = 'leg', any(l.bet_decimal),
        toNullable(toFloat64(coalesce(lh_american_to_decimal(any(l.slip_odds_american)), arrayProduct(groupArray(l.bet_decimal)))))) AS bet_decimal,
    min(l.time_placed) AS time_placed,
    min(l.month) AS month,
    if(countIf(l.same_book_close_decimal IS NULL) = 0, arrayProduct(groupArray(l.same_book_close_decimal)), NULL) AS same_book_close_decimal,
    if(row_kind = 'leg', any(l.same_book_close_line), NULL) AS same_book_close_line,
    max(l.same_book_close_ts) AS same_book_close_ts,
    if(countIf(l.same_book_fair_prob IS NULL) = 0, arrayProduct(groupArray(l.same_book_fair_prob)), NULL) AS same_book_fair_prob,
    any(l.sharp_book) AS sharp_book,
    if(countIf(l.sharp_close_decimal IS NULL) = 0, arrayProduct(groupArray(l.sharp_close_decimal)), NULL) AS sharp_close_decimal,
    if(countIf(l.sharp_fair_prob IS NULL) = 0, arrayProduct(groupArray(l.sharp_fair_prob)), NULL) AS sharp_fair_prob,
    if(countIf(l.consensus_fair_prob IS NULL) = 0, arrayProduct(groupArray(l.consensus_fair_prob)), NULL) AS consensus_fair_prob,
    min(l.consensus_books) AS consensus_books,
    any(l.devig_method) AS devig_method,
    if(row_kind = 'leg', any(l.ev_clv_same_book), same_book_fair_prob * bet_decimal - 1) AS ev_clv_same_book,
    if(row_kind = 'leg', any(l.ev_clv_sharp), sharp_fair_prob * bet_decimal - 1) AS ev_clv_sharp,
    if(row_kind = 'leg', any(l.ev_clv_consensus), consensus_fair_prob * bet_decimal - 1) AS ev_clv_consensus,
    if(row_kind = 'leg', any(l.price_clv_same_book), bet_decimal / same_book_close_decimal - 1) AS price_clv_same_book,
    if(row_kind = 'leg', any(l.price_clv_sharp), bet_decimal / sharp_close_decimal - 1) AS price_clv_sharp,
    if(row_kind = 'leg', any(l.points_clv), NULL) AS points_clv,
    CAST(countIf(l.line_moved) > 0, 'Bool') AS line_moved,
    CAST(countIf(l.no_close) > 0, 'Bool') AS no_close,
    CAST(countIf(l.incomplete_bet) > 0, 'Bool') AS incomplete_bet,
    CAST(any(l.boosted), 'Bool') AS boosted,
    CAST(any(l.adjusted), 'Bool') AS adjusted,
    if(row_kind = 'leg', any(l.unresolved_reason), if(countIf(l.unresolved_reason IS NOT NULL) > 0, 'leg_unresolved', NULL)) AS unresolved_reason
FROM legs AS l
ARRAY JOIN if(l.slip_type = 'parlay', ['leg', 'slip'], ['leg']) AS row_kind
GROUP BY row_kind, bet_id;
