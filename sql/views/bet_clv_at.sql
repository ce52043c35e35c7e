-- Repeatable view (platform/warehouse/migrate.ts): the one definition, applied again whenever it changes.
-- depends: market_map, closing_lines, odds
-- generates: bet_clv (sharp_book = 'pinnacle', devig = 'multiplicative')
--
-- Closing-line value (docs/analysts.md, "Closing-line value") per bet, for any reference book and de-vig method:
--   SELECT * FROM bet_clv_at(sharp_book = 'circa', devig = 'shin')
-- devig is one of multiplicative | additive | power | shin; another name gives NULL fair
-- probabilities. Read by the CLV report, `linehouse clv`, and analysts.
--
-- bet_clv is this view with the defaults written in: the generates line above, which
-- platform/warehouse/migrate.ts turns into its own view by substituting the parameters (never a
-- copy to keep in step). A parameterized view is analysed with its parameters unknown, so every
-- de-vig method's UDF expansion is analysed on every query (0.47 s on empty tables); with
-- literals the engine drops the branches not taken before analysing them (0.29 s).
--
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
--
-- Planning: ClickHouse expands an alias at every use, so an array search (lk's sb_i, sa_cs,
-- cons_ps), bet_decimal (a UDF) and the slip rows' products are columns of an inner query (lk0,
-- legs0, the aggregation under the final SELECT) which later uses read (bench/RESULTS.md, CLV report).
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
    lk0 AS (
        SELECT event_key, market_key, sel_key, tupleElement(k, 1) AS line_key, tupleElement(k, 2) AS same_book, event_hit, cs,
            arrayFirstIndex(_c -> tupleElement(_c, 1) = same_book AND tupleElement(_c, 2) = line_key, cs) AS sb_i,
            arrayFirstIndex(_c -> tupleElement(_c, 1) = {sharp_book:String} AND tupleElement(_c, 2) = line_key, cs) AS sh_i,
            arrayFilter(_c -> tupleElement(_c, 1) = same_book, cs) AS sa_cs,
            arrayMap(_c -> tupleElement(_c, 6), arrayFilter(_c -> tupleElement(_c, 2) = line_key AND NOT isNaN(tupleElement(_c, 6)), cs)) AS cons_ps
        FROM grp ARRAY JOIN ks AS k),
    lk AS (
        SELECT event_key, market_key, sel_key, line_key, same_book, event_hit, sb_i,
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
        FROM lk0),
    slips AS (
        SELECT id, type AS slip_type, odds_american AS slip_odds_american, time_placed AS slip_time_placed, incomplete AS slip_incomplete,
            ifNull(adjusted_odds, false) AS boosted,
            CAST(ifNull(adjusted_odds, false) OR ifNull(adjusted_line, false) OR ifNull(adjusted_at_risk, 0) != 0, 'Bool') AS adjusted
        FROM bet_slips FINAL),
    legs0 AS (
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
            lk.sa_hit AS sa_hit, m.proposition_norm AS proposition_norm, m.position_norm AS position_norm,
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
            AND lk.same_book = m.same_book),
    legs AS (
        SELECT *,
            lh_ev_at_close(same_book_fair_prob, bet_decimal) AS ev_clv_same_book,
            lh_ev_at_close(sharp_fair_prob, bet_decimal) AS ev_clv_sharp,
            lh_ev_at_close(consensus_fair_prob, bet_decimal) AS ev_clv_consensus,
            lh_price_clv(bet_decimal, same_book_close_decimal) AS price_clv_same_book,
            lh_price_clv(bet_decimal, sharp_close_decimal) AS price_clv_sharp,
            if(sa_hit = 1, lh_points_clv(proposition_norm, position_norm, bet_line, same_book_close_line), NULL) AS points_clv
        FROM legs0)
SELECT
    bet_id,
    bet_slip_id,
    row_kind,
    bettor_id,
    bettor_account_id,
    book_abbr,
    league,
    event_key,
    market,
    selection,
    bet_line,
    bet_odds_american,
    bet_decimal,
    time_placed,
    month,
    same_book_close_decimal,
    same_book_close_line,
    same_book_close_ts,
    same_book_fair_prob,
    sharp_book,
    sharp_close_decimal,
    sharp_fair_prob,
    consensus_fair_prob,
    consensus_books,
    devig_method,
    if(row_kind = 'leg', leg_ev_clv_same_book, same_book_fair_prob * bet_decimal - 1) AS ev_clv_same_book,
    if(row_kind = 'leg', leg_ev_clv_sharp, sharp_fair_prob * bet_decimal - 1) AS ev_clv_sharp,
    if(row_kind = 'leg', leg_ev_clv_consensus, consensus_fair_prob * bet_decimal - 1) AS ev_clv_consensus,
    if(row_kind = 'leg', leg_price_clv_same_book, bet_decimal / same_book_close_decimal - 1) AS price_clv_same_book,
    if(row_kind = 'leg', leg_price_clv_sharp, bet_decimal / sharp_close_decimal - 1) AS price_clv_sharp,
    points_clv,
    line_moved,
    no_close,
    incomplete_bet,
    boosted,
    adjusted,
    unresolved_reason
FROM (
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
        any(l.ev_clv_same_book) AS leg_ev_clv_same_book,
        any(l.ev_clv_sharp) AS leg_ev_clv_sharp,
        any(l.ev_clv_consensus) AS leg_ev_clv_consensus,
        any(l.price_clv_same_book) AS leg_price_clv_same_book,
        any(l.price_clv_sharp) AS leg_price_clv_sharp,
        if(row_kind = 'leg', any(l.points_clv), NULL) AS points_clv,
        CAST(countIf(l.line_moved) > 0, 'Bool') AS line_moved,
        CAST(countIf(l.no_close) > 0, 'Bool') AS no_close,
        CAST(countIf(l.incomplete_bet) > 0, 'Bool') AS incomplete_bet,
        CAST(any(l.boosted), 'Bool') AS boosted,
        CAST(any(l.adjusted), 'Bool') AS adjusted,
        if(row_kind = 'leg', any(l.unresolved_reason), if(countIf(l.unresolved_reason IS NOT NULL) > 0, 'leg_unresolved', NULL)) AS unresolved_reason
    FROM legs AS l
    ARRAY JOIN if(l.slip_type = 'parlay', ['leg', 'slip'], ['leg']) AS row_kind
    GROUP BY row_kind, bet_id);
