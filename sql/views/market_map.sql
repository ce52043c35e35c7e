-- Repeatable view (platform/warehouse/migrate.ts): the one definition, applied again whenever it changes.
-- depends:
--
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
