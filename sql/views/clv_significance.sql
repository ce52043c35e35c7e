-- Repeatable view (platform/warehouse/migrate.ts): the one definition, applied again whenever it changes.
-- depends: bet_clv, stats
--
-- Is a mean EV CLV (vs the sharp book, default reference and de-vig) more than noise? One row per
-- slice of the CLV report (dimension = all | bettor | book | league | market | month, key = its
-- value), over bet legs with the figure. The standard error is clustered by event (several legs
-- on one game are not independent; sql/functions/stats.sql). Read by analysts:
--   SELECT * FROM clv_significance WHERE dimension = 'bettor' ORDER BY t_stat DESC
-- `linehouse clv` computes the same columns for any reference and de-vig in its own statement.
CREATE OR REPLACE VIEW clv_significance AS
WITH per_event AS (
    SELECT d.1 AS dimension, d.2 AS key, ifNull(toString(event_key), '') AS cluster,
           count() AS n_c, sum(assumeNotNull(ev_clv_sharp)) AS s_c
    FROM bet_clv
    ARRAY JOIN [
        ('all', ''),
        ('bettor', toString(bettor_id)),
        ('book', toString(book_abbr)),
        ('league', toString(league)),
        ('market', ifNull(toString(market), '')),
        ('month', ifNull(toString(month), ''))] AS d
    WHERE row_kind = 'leg' AND ev_clv_sharp IS NOT NULL
    GROUP BY dimension, key, cluster)
SELECT
    dimension,
    key,
    sum(n_c) AS legs,
    count() AS events,
    sum(s_c) / sum(n_c) AS mean_ev_clv,
    lh_mean_se_clustered(sum(n_c), count(), sum(s_c), sum(s_c * s_c), sum(s_c * n_c), sum(n_c * n_c)) AS se_clustered,
    mean_ev_clv / se_clustered AS t_stat,
    lh_ci95_low(mean_ev_clv, se_clustered) AS ci95_low,
    lh_ci95_high(mean_ev_clv, se_clustered) AS ci95_high,
    lh_bets_for_95(legs, mean_ev_clv, se_clustered) AS bets_for_95
FROM per_event
GROUP BY dimension, key
