-- Repeatable (platform/warehouse/migrate.ts): applied again whenever this file changes, and with it
-- every view that names one of these functions (ClickHouse writes a UDF's body into a view's query
-- when the view is created, so a view keeps the old formula until it is re-created).
-- depends:
--
-- Odds math as SQL functions, the same formulas step for step as odds/price.ts and the oracles
-- test/oracles/devig.ts and clv.ts (test/integration/odds-sql-parity.test.ts holds every one equal
-- to the TypeScript to 1e-9). Plain lambda UDFs and standard array functions (arrayFold, arrayCumSum,
-- arrayReverseSort): they run unchanged on chDB and on a ClickHouse server (arrayFold: 23.10+).
-- UDFs are server-wide, not per database: every name is prefixed lh_. A UDF can call only UDFs
-- defined before it, so the helpers come first. Lambda parameters start with _ so that an
-- argument expression naming a column (d, p, s, acc …) can never be captured by a lambda when a
-- server expands the UDF textually.
--
-- Conventions: d = decimal price (> 1), ds = Array(Float64) of the decimal prices of every outcome
-- of one market, in a fixed order; de-vig functions return the fair probabilities in that order.
-- Invalid prices are not trapped here (no exception can abort an analyst's query): filter
-- price_decimal > 1 first. The conversions return NULL for a non-price.

-- American ↔ decimal. +150 = 2.5, -200 = 1.5, -110 = 1.9090…; |american| < 100 or NULL → NULL.
CREATE OR REPLACE FUNCTION lh_american_to_decimal AS (american) ->
    if(abs(american) >= 100, if(american > 0, 1 + american / 100, 1 + 100 / -american), NULL);

-- Rounded to the whole American price like Math.round (halves up: floor(x + 0.5), not round(),
-- which is banker's rounding on floats). d ≤ 1 or NULL → NULL.
CREATE OR REPLACE FUNCTION lh_decimal_to_american AS (d) ->
    if(d > 1, if(d >= 2, floor((d - 1) * 100 + 0.5), floor(-100 / (d - 1) + 0.5)), NULL);

CREATE OR REPLACE FUNCTION lh_implied_prob AS (d) -> 1 / d;

-- Σ 1/d − 1 (0.0476… for -110/-110).
CREATE OR REPLACE FUNCTION lh_overround AS (ds) -> arraySum(arrayMap(_d -> 1 / _d, ds)) - 1;

-- Helpers: p / Σp, and one bisection step on a (lo, hi) bracket (go_up: the root is above mid).
CREATE OR REPLACE FUNCTION lh_normalize AS (ps) -> arrayMap((_p, _s) -> _p / _s, ps, arrayWithConstant(length(ps), arraySum(ps)));

CREATE OR REPLACE FUNCTION lh_bisect_mid AS (bracket) -> (tupleElement(bracket, 1) + tupleElement(bracket, 2)) / 2;

CREATE OR REPLACE FUNCTION lh_bisect_step AS (bracket, go_up) ->
    if(go_up, (lh_bisect_mid(bracket), tupleElement(bracket, 2)), (tupleElement(bracket, 1), lh_bisect_mid(bracket)));

-- Multiplicative: π_i / Σπ.
CREATE OR REPLACE FUNCTION lh_devig_multiplicative AS (ds) -> lh_normalize(arrayMap(_d -> 1 / _d, ds));

-- Additive with the clamp of devig.ts: τ = max_j (C_j − 1)/j over the implied probabilities sorted
-- descending (C_j their running sum), p_i = max(π_i − τ, 0). Without clamping τ = (Σπ − 1)/n.
CREATE OR REPLACE FUNCTION lh_additive_shift AS (ds) ->
    arrayMax(arrayMap((_c, _j) -> (_c - 1) / _j, arrayCumSum(arrayReverseSort(arrayMap(_d -> 1 / _d, ds))), arrayEnumerate(ds)));

CREATE OR REPLACE FUNCTION lh_devig_additive AS (ds) ->
    arrayMap((_p, _tau) -> greatest(_p - _tau, 0.), arrayMap(_d -> 1 / _d, ds), arrayWithConstant(length(ds), lh_additive_shift(ds)));

-- Power: k with Σ (1/d_i)^k = 1, 64 bisection steps in [0, max(1, ln n / ln d_min)], then π_i^k
-- normalized.
CREATE OR REPLACE FUNCTION lh_power_k AS (ds) ->
    lh_bisect_mid(arrayFold(
        (_acc, _i) -> lh_bisect_step(_acc, arraySum(arrayMap(_d -> pow(1 / _d, lh_bisect_mid(_acc)), ds)) > 1),
        range(64),
        (0., greatest(1., log(length(ds)) / log(arrayMin(ds))))));

CREATE OR REPLACE FUNCTION lh_devig_power AS (ds) ->
    lh_normalize(arrayMap((_d, _k) -> pow(1 / _d, _k), ds, arrayWithConstant(length(ds), lh_power_k(ds))));

-- Shin: p_i(z) = (sqrt(z² + 4(1 − z)·π_i²/S) − z) / (2(1 − z)), S = Σπ; z with Σ p_i(z) = 1 by 64
-- bisection steps in [−1, 1), then normalized.
CREATE OR REPLACE FUNCTION lh_shin_probs AS (ds, z) ->
    arrayMap((_p, _s) -> (sqrt(z * z + 4 * (1 - z) * _p * _p / _s) - z) / (2 * (1 - z)),
        arrayMap(_d -> 1 / _d, ds), arrayWithConstant(length(ds), arraySum(arrayMap(_d -> 1 / _d, ds))));

CREATE OR REPLACE FUNCTION lh_shin_z AS (ds) ->
    lh_bisect_mid(arrayFold(
        (_acc, _i) -> lh_bisect_step(_acc, arraySum(lh_shin_probs(ds, lh_bisect_mid(_acc))) > 1),
        range(64),
        (-1., 1.)));

CREATE OR REPLACE FUNCTION lh_devig_shin AS (ds) -> lh_normalize(lh_shin_probs(ds, lh_shin_z(ds)));

-- lh_devig(ds, 'multiplicative' | 'additive' | 'power' | 'shin'); another method name gives NaNs
-- (never a silent 0 from indexing an empty array).
CREATE OR REPLACE FUNCTION lh_devig AS (ds, method) ->
    multiIf(
        method = 'multiplicative', lh_devig_multiplicative(ds),
        method = 'additive', lh_devig_additive(ds),
        method = 'power', lh_devig_power(ds),
        method = 'shin', lh_devig_shin(ds),
        arrayMap(_d -> nan, ds));

-- CLV (clv.ts): positive = the bet beat the close.
CREATE OR REPLACE FUNCTION lh_ev_at_close AS (p_fair_close, d_bet) -> p_fair_close * d_bet - 1;

CREATE OR REPLACE FUNCTION lh_price_clv AS (d_bet, d_close) -> d_bet / d_close - 1;

-- Spread: bet − close (bet -3, close -4.5 → +1.5). Total: Over close − bet, Under bet − close (the
-- position's last word). Other propositions or a NULL line → NULL. Case and surrounding
-- whitespace are ignored, by regular expressions that mean the same in re2 and JavaScript.
CREATE OR REPLACE FUNCTION lh_points_clv AS (proposition, position, bet_line, close_line) ->
    multiIf(
        match(proposition, '(?i)^[[:space:]]*spread[[:space:]]*$'), bet_line - close_line,
        match(proposition, '(?i)^[[:space:]]*total[[:space:]]*$') AND match(position, '(?i)(^|[[:space:]])over[[:space:]]*$'), close_line - bet_line,
        match(proposition, '(?i)^[[:space:]]*total[[:space:]]*$') AND match(position, '(?i)(^|[[:space:]])under[[:space:]]*$'), bet_line - close_line,
        NULL);

-- Parlay slip: Π(p_i·d_i) − 1 over the legs (independent legs, slip paying the product of its
-- legs); with the slip's own decimal price: (Π p_i)·d_slip − 1. Price CLV: Π(d_bet_i/d_close_i) − 1.
CREATE OR REPLACE FUNCTION lh_parlay_ev_at_close AS (p_fair_close, d_bet) ->
    arrayFold((_acc, _p, _d) -> _acc * (_p * _d), p_fair_close, d_bet, 1.) - 1;

CREATE OR REPLACE FUNCTION lh_parlay_ev_at_close_slip AS (p_fair_close, d_slip) ->
    arrayFold((_acc, _p) -> _acc * _p, p_fair_close, 1.) * d_slip - 1;

CREATE OR REPLACE FUNCTION lh_parlay_price_clv AS (d_bet, d_close) ->
    arrayFold((_acc, _b, _c) -> _acc * (_b / _c), d_bet, d_close, 1.) - 1;
