-- Closing-line value (DESIGN.md § CLV). Everything here is a view over the loaded data except two
-- small tables: book_map (SharpSports book abbreviation → feed book name) and event_map (feed event
-- key → canonical event key, filled by lib/clv/resolve.ts). Plain SQL that runs unchanged on chDB
-- and on a ClickHouse server (parameterized views: 23.1+).
--
-- Reference book and de-vig method: bet_clv_at is a parameterized view,
--   SELECT * FROM bet_clv_at(sharp_book = 'circa', devig = 'shin')
-- and bet_clv is the same view with the defaults ('pinnacle', 'multiplicative'). devig is one of
-- multiplicative | additive | power | shin; another name gives NULL fair probabilities.

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

-- SharpSports bet -> feed market/selection/line. Only full-game (segment NULL or empty) moneyline,
-- spread and total are matchable; every other bet gets an unresolved_reason.
CREATE OR REPLACE VIEW market_map AS
SELECT
    id AS bet_id,
    bet_slip_id,
    bettor_id,
    bettor_account_id,
    book_abbr,
    league,
    oddsjam_id AS event_key,
    time_placed,
    proposition,
    position,
    line AS bet_line,
    odds_american AS bet_odds_american,
    incomplete,
    lower(trim(proposition)) AS proposition_norm,
    trim(ifNull(position, '')) AS position_norm,
    lower(extract(position_norm, '(?i)(over|under)[[:space:]]*$')) AS over_under,
    multiIf(
        segment IS NOT NULL AND trim(segment) != '', 'segment',
        proposition_norm NOT IN ('moneyline', 'spread', 'total'), 'proposition',
        oddsjam_id = '', 'no_event_key',
        position_norm = '' OR (proposition_norm = 'total' AND over_under = ''), 'no_position',
        proposition_norm IN ('spread', 'total') AND line IS NULL, 'no_line',
        odds_american IS NULL OR abs(odds_american) < 100, 'no_odds',
        NULL) AS unresolved_reason,
    if(proposition_norm IN ('moneyline', 'spread', 'total'), proposition_norm, NULL) AS market,
    multiIf(proposition_norm = 'total', if(over_under = 'over', 'Over', if(over_under = 'under', 'Under', NULL)), position_norm = '', NULL, position_norm) AS selection,
    lower(ifNull(selection, '')) AS sel_key,
    if(proposition_norm = 'moneyline', 0., ifNull(line, 0.)) AS line_key
FROM bets FINAL;

-- Closing line per (canonical event, market, selection, line, book): the last tick before the
-- event's latest known start time, skipping locked ticks (a lock just before the start is not a
-- price). The start is the latest fixtures start_time of the event (by update ts), else the start
-- time carried by the event's latest tick. A line whose last unlocked tick before the start is
-- `removed` was pulled: it has no close. pair_line groups the selections de-vigged together: the
-- home side's line for spreads (home -3.5 pairs with away +3.5), the line for totals, 0 otherwise.
-- "Last" orders ticks by ts, then by cityHash64(tick_id) among ticks of the same millisecond (a
-- deterministic tie-break): the order key is one UInt128, so every argMax takes the engine's
-- numeric fast path instead of comparing (ts, tick_id) tuples (about 3x slower); ts is offset
-- from 1900-01-01, the earliest DateTime64, so the key never goes negative.
-- Per-event facts (canonical key, start, start source) are resolved once per feed event (ev) and
-- joined to the ticks by one small hash join.
CREATE OR REPLACE VIEW closing_lines AS
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

-- CLV per bet leg (row_kind 'leg') plus one row per parlay slip (row_kind 'slip').
-- Closes are matched by canonical event (bets.oddsjam_id), market, selection (case-insensitive)
-- and the exact line. same_book_* = the bet's book (through book_map); sharp_* = sharp_book;
-- consensus = mean over books of each book's de-vigged probability for the exact line.
-- Fair probabilities de-vig every selection of that market/pair_line at that book's close (NULL
-- with fewer than two). line_moved: the bet's line was not quoted at the close at that book but
-- the selection was at another line: price/EV CLV are NULL, same_book_close_line is the main
-- closing line (is_main, else the price nearest evens) and points_clv compares with it.
-- no_close: the selection was not quoted at that book at all. Slip rows: probabilities and close
-- prices are products over legs (legs independent), EV = (Π p_i)·d_slip − 1 and price CLV =
-- d_slip / Π d_close_i − 1 with d_slip the slip's own odds (else Π d_bet_i); NULL unless every
-- leg has the figure.
--
-- Shape (a CTE is expanded at every reference, so each expensive input is referenced once):
--   dv   closing_lines, read once: one row per (event, market, pair_line, book) with its closes
--        as arrays, de-vigged once per group (lh_devig is a multiIf on the method: power and
--        Shin run their bisection only when asked for, and only on groups of two or more);
--   grp  the closes unnested, UNION ALL the distinct lookup keys of the bets (event, market,
--        selection, line, same book), grouped once per (event, market, selection): every lookup
--        (same book at the line, same book at any line, sharp book, consensus) is an array
--        search inside the group; event_hit (the event has any close) is a window over events;
--   legs the bets joined once to those lookups; the slip rows are the parlay legs aggregated in
--        the same pass (each parlay leg is also counted under its slip: ARRAY JOIN + GROUP BY).
CREATE OR REPLACE VIEW bet_clv_at AS
WITH
    bm AS (SELECT sharpsports_book, argMax(feed_book, updated_at) AS feed_book FROM book_map GROUP BY sharpsports_book),
    m AS (
        SELECT mm.*, if(bm.feed_book != '', bm.feed_book, mm.book_abbr) AS same_book, ifNull(mm.market, '') AS market_key
        FROM market_map AS mm
        LEFT JOIN bm ON bm.sharpsports_book = mm.book_abbr),
    -- lh_devig(ds, {devig}) step for step, but with the power exponent k and the Shin z computed
    -- once per group in an inner query (only for the method asked for) instead of inside every
    -- textual expansion of lh_normalize/lh_shin_probs: lh_devig inlines lh_shin_z eight times.
    dv AS (
        SELECT event_key, market, sels, lks, ds, cts, mains, book,
            if(length(ds) >= 2,
                multiIf(
                    {devig:String} = 'multiplicative', lh_devig_multiplicative(ds),
                    {devig:String} = 'additive', lh_devig_additive(ds),
                    {devig:String} = 'power', lh_normalize(arrayMap((_d, _k) -> pow(1 / _d, _k), ds, arrayWithConstant(length(ds), k))),
                    {devig:String} = 'shin', lh_normalize(lh_shin_probs(ds, z)),
                    arrayMap(_x -> nan, ds)),
                arrayMap(_x -> nan, ds)) AS fair
        FROM (
            SELECT event_key, market, sels, lks, ds, cts, mains, book,
                if({devig:String} = 'power' AND length(ds) >= 2, lh_power_k(ds), nan) AS k,
                if({devig:String} = 'shin' AND length(ds) >= 2, lh_shin_z(ds), nan) AS z
            FROM (
                SELECT event_key, market, pair_line, book,
                    groupArray(lower(selection)) AS sels, groupArray(ifNull(line, 0.)) AS lks, groupArray(price_decimal) AS ds,
                    groupArray(close_ts) AS cts, groupArray(ifNull(is_main, false)) AS mains
                FROM closing_lines
                GROUP BY event_key, market, pair_line, book))),
    grp AS (
        SELECT event_key, market_key, sel_key,
            -- closes: (book, line, decimal, close_ts, is_main, fair prob or NaN); keys: (line, same book)
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
            arrayFirstIndex(_c -> tupleElement(_c, 1) = {sharp_book:String} AND tupleElement(_c, 2) = line_key, cs) AS sh_i,
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
            {sharp_book:String} AS sharp_book,
            lk.sh_close_decimal AS sharp_close_decimal,
            lk.sh_fair_prob AS sharp_fair_prob,
            lk.consensus_fair_prob AS consensus_fair_prob,
            lk.consensus_books AS consensus_books,
            {devig:String} AS devig_method,
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

CREATE OR REPLACE VIEW bet_clv AS
SELECT * FROM bet_clv_at(sharp_book = 'pinnacle', devig = 'multiplicative');
