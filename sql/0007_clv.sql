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
CREATE OR REPLACE VIEW closing_lines AS
WITH
    em AS (SELECT source, source_event_key, argMax(event_key, resolved_at) AS canonical FROM event_map GROUP BY source, source_event_key),
    fx AS (
        SELECT if(em.canonical != '', em.canonical, f.event_key) AS fx_key, argMax(f.start_time, f.ts) AS fx_start
        FROM fixtures AS f
        LEFT JOIN em ON em.source = f.source AND em.source_event_key = f.event_key
        WHERE f.start_time IS NOT NULL
        GROUP BY fx_key),
    tstart AS (SELECT source, event_key, argMax(start_time, ts) AS tk_start FROM odds_ticks WHERE start_time IS NOT NULL GROUP BY source, event_key),
    tk AS (
        SELECT
            if(em.canonical != '', em.canonical, t.event_key) AS ckey,
            t.source AS t_source, t.league AS t_league, t.market AS market, t.selection AS selection, t.line AS line, t.book AS book,
            t.ts AS t_ts, t.tick_id AS t_id, t.price_american AS t_american, t.price_decimal AS t_decimal, t.removed AS t_removed,
            t.is_main AS t_main, t.home_team AS t_home,
            coalesce(fx.fx_start, ts0.tk_start) AS ev_start,
            if(fx.fx_start IS NOT NULL, 'fixtures', 'ticks') AS start_source
        FROM odds_ticks AS t FINAL
        LEFT JOIN em ON em.source = t.source AND em.source_event_key = t.event_key
        LEFT JOIN tstart AS ts0 ON ts0.source = t.source AND ts0.event_key = t.event_key
        LEFT JOIN fx ON fx.fx_key = if(em.canonical != '', em.canonical, t.event_key)
        WHERE NOT t.locked AND (t.removed OR t.price_decimal > 1) AND t.ts < coalesce(fx.fx_start, ts0.tk_start))
SELECT
    ckey AS event_key,
    market,
    selection,
    line,
    book,
    any(t_league) AS league,
    argMax(t_source, (t_ts, t_id)) AS source,
    max(t_ts) AS close_ts,
    argMax(t_american, (t_ts, t_id)) AS price_american,
    argMax(t_decimal, (t_ts, t_id)) AS price_decimal,
    argMax(t_removed, (t_ts, t_id)) AS close_removed,
    argMax(t_main, (t_ts, t_id)) AS is_main,
    argMax(t_home, (t_ts, t_id)) AS home_team,
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
CREATE OR REPLACE VIEW bet_clv_at AS
WITH
    mk AS (
        SELECT event_key, market, pair_line, book,
            groupArray(lower(selection)) AS sels, groupArray(ifNull(line, 0.)) AS lks, groupArray(price_decimal) AS ds,
            groupArray(close_ts) AS cts, groupArray(ifNull(is_main, false)) AS mains,
            if(length(ds) >= 2, lh_devig(ds, {devig:String}), arrayMap(_x -> nan, ds)) AS fair
        FROM closing_lines
        GROUP BY event_key, market, pair_line, book),
    fp AS (
        SELECT event_key, market, book, sel_key, line_key, toNullable(d) AS close_decimal, toNullable(ct) AS close_ts, is_main,
            if(isNaN(f), NULL, f) AS fair_prob, toUInt8(1) AS hit
        FROM mk ARRAY JOIN sels AS sel_key, lks AS line_key, ds AS d, cts AS ct, mains AS is_main, fair AS f),
    sel_any AS (
        SELECT event_key, market, book, sel_key, toUInt8(1) AS hit,
            argMax(toNullable(line_key), (is_main, -abs(close_decimal - 2))) AS main_line
        FROM fp GROUP BY event_key, market, book, sel_key),
    cons AS (
        SELECT event_key, market, sel_key, line_key, avg(fair_prob) AS consensus_fair_prob, count() AS consensus_books
        FROM fp WHERE fair_prob IS NOT NULL GROUP BY event_key, market, sel_key, line_key),
    events AS (SELECT DISTINCT event_key, toUInt8(1) AS hit FROM closing_lines),
    bm AS (SELECT sharpsports_book, argMax(feed_book, updated_at) AS feed_book FROM book_map GROUP BY sharpsports_book),
    slips AS (
        SELECT id, type AS slip_type, odds_american AS slip_odds_american, time_placed AS slip_time_placed, incomplete AS slip_incomplete,
            ifNull(adjusted_odds, false) AS boosted,
            CAST(ifNull(adjusted_odds, false) OR ifNull(adjusted_line, false) OR ifNull(adjusted_at_risk, 0) != 0, 'Bool') AS adjusted
        FROM bet_slips FINAL),
    legs AS (
        SELECT
            m.bet_id AS bet_id, m.bet_slip_id AS bet_slip_id, 'leg' AS row_kind, m.bettor_id AS bettor_id, m.bettor_account_id AS bettor_account_id,
            m.book_abbr AS book_abbr, m.league AS league, m.event_key AS event_key, m.market AS market, m.selection AS selection,
            m.bet_line AS bet_line, m.bet_odds_american AS bet_odds_american,
            toNullable(toFloat64(lh_american_to_decimal(m.bet_odds_american))) AS bet_decimal,
            coalesce(m.time_placed, s.slip_time_placed) AS time_placed,
            toStartOfMonth(coalesce(m.time_placed, s.slip_time_placed)) AS month,
            if(bm.feed_book != '', bm.feed_book, m.book_abbr) AS same_book,
            sb.close_decimal AS same_book_close_decimal,
            if(sb.hit = 1, m.bet_line, sa.main_line) AS same_book_close_line,
            sb.close_ts AS same_book_close_ts,
            sb.fair_prob AS same_book_fair_prob,
            {sharp_book:String} AS sharp_book,
            sh.close_decimal AS sharp_close_decimal,
            sh.fair_prob AS sharp_fair_prob,
            cs.consensus_fair_prob AS consensus_fair_prob,
            cs.consensus_books AS consensus_books,
            {devig:String} AS devig_method,
            lh_ev_at_close(sb.fair_prob, bet_decimal) AS ev_clv_same_book,
            lh_ev_at_close(sh.fair_prob, bet_decimal) AS ev_clv_sharp,
            lh_ev_at_close(cs.consensus_fair_prob, bet_decimal) AS ev_clv_consensus,
            lh_price_clv(bet_decimal, sb.close_decimal) AS price_clv_same_book,
            lh_price_clv(bet_decimal, sh.close_decimal) AS price_clv_sharp,
            if(sa.hit = 1, lh_points_clv(m.proposition_norm, m.position_norm, m.bet_line, same_book_close_line), NULL) AS points_clv,
            CAST(m.unresolved_reason IS NULL AND sb.hit = 0 AND sa.hit = 1, 'Bool') AS line_moved,
            CAST(m.unresolved_reason IS NULL AND sa.hit = 0, 'Bool') AS no_close,
            CAST(m.incomplete OR ifNull(s.slip_incomplete, false), 'Bool') AS incomplete_bet,
            CAST(ifNull(s.boosted, false), 'Bool') AS boosted,
            CAST(ifNull(s.adjusted, false), 'Bool') AS adjusted,
            multiIf(m.unresolved_reason IS NOT NULL, m.unresolved_reason, ev.hit = 0, 'no_feed_event', NULL) AS unresolved_reason,
            s.slip_type AS slip_type,
            s.slip_odds_american AS slip_odds_american
        FROM market_map AS m
        LEFT JOIN slips AS s ON s.id = m.bet_slip_id
        LEFT JOIN bm ON bm.sharpsports_book = m.book_abbr
        LEFT JOIN fp AS sb ON sb.event_key = m.event_key AND sb.market = m.market AND sb.sel_key = m.sel_key AND sb.line_key = m.line_key
            AND sb.book = if(bm.feed_book != '', bm.feed_book, m.book_abbr)
        LEFT JOIN sel_any AS sa ON sa.event_key = m.event_key AND sa.market = m.market AND sa.sel_key = m.sel_key
            AND sa.book = if(bm.feed_book != '', bm.feed_book, m.book_abbr)
        LEFT JOIN (SELECT * FROM fp WHERE book = {sharp_book:String}) AS sh
            ON sh.event_key = m.event_key AND sh.market = m.market AND sh.sel_key = m.sel_key AND sh.line_key = m.line_key
        LEFT JOIN cons AS cs ON cs.event_key = m.event_key AND cs.market = m.market AND cs.sel_key = m.sel_key AND cs.line_key = m.line_key
        LEFT JOIN events AS ev ON ev.event_key = m.event_key)
SELECT
    bet_id, bet_slip_id, row_kind, bettor_id, bettor_account_id, book_abbr, league, event_key, market, selection, bet_line,
    bet_odds_american, bet_decimal, time_placed, month, same_book_close_decimal, same_book_close_line, same_book_close_ts,
    same_book_fair_prob, sharp_book, sharp_close_decimal, sharp_fair_prob, consensus_fair_prob, consensus_books, devig_method,
    ev_clv_same_book, ev_clv_sharp, ev_clv_consensus, price_clv_same_book, price_clv_sharp, points_clv, line_moved, no_close,
    incomplete_bet, boosted, adjusted, unresolved_reason
FROM legs
UNION ALL
SELECT
    bet_slip_id AS bet_id, bet_slip_id, 'slip' AS row_kind, any(bettor_id), any(bettor_account_id), any(book_abbr),
    if(uniqExact(league) = 1, any(league), 'multi') AS league, '' AS event_key, 'parlay' AS market, '' AS selection, CAST(NULL, 'Nullable(Float64)') AS bet_line,
    any(slip_odds_american) AS bet_odds_american,
    toNullable(toFloat64(coalesce(lh_american_to_decimal(any(slip_odds_american)), arrayProduct(groupArray(bet_decimal))))) AS slip_decimal,
    min(time_placed), min(month),
    if(countIf(same_book_close_decimal IS NULL) = 0, arrayProduct(groupArray(same_book_close_decimal)), NULL),
    CAST(NULL, 'Nullable(Float64)'),
    max(same_book_close_ts),
    if(countIf(same_book_fair_prob IS NULL) = 0, arrayProduct(groupArray(same_book_fair_prob)), NULL) AS slip_same_book_fair_prob,
    any(sharp_book),
    if(countIf(sharp_close_decimal IS NULL) = 0, arrayProduct(groupArray(sharp_close_decimal)), NULL) AS slip_sharp_close,
    if(countIf(sharp_fair_prob IS NULL) = 0, arrayProduct(groupArray(sharp_fair_prob)), NULL) AS slip_sharp_fair_prob,
    if(countIf(consensus_fair_prob IS NULL) = 0, arrayProduct(groupArray(consensus_fair_prob)), NULL) AS slip_consensus_fair_prob,
    min(consensus_books),
    any(devig_method),
    slip_same_book_fair_prob * slip_decimal - 1,
    slip_sharp_fair_prob * slip_decimal - 1,
    slip_consensus_fair_prob * slip_decimal - 1,
    if(countIf(same_book_close_decimal IS NULL) = 0, slip_decimal / arrayProduct(groupArray(same_book_close_decimal)) - 1, NULL),
    slip_decimal / slip_sharp_close - 1,
    CAST(NULL, 'Nullable(Float64)'),
    CAST(countIf(line_moved) > 0, 'Bool'), CAST(countIf(no_close) > 0, 'Bool'), CAST(countIf(incomplete_bet) > 0, 'Bool'), CAST(any(boosted), 'Bool'), CAST(any(adjusted), 'Bool'),
    if(countIf(unresolved_reason IS NOT NULL) > 0, 'leg_unresolved', NULL)
FROM legs
WHERE slip_type = 'parlay'
GROUP BY bet_slip_id;

CREATE OR REPLACE VIEW bet_clv AS
SELECT * FROM bet_clv_at(sharp_book = 'pinnacle', devig = 'multiplicative');
