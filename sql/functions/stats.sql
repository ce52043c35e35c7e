-- Repeatable (platform/warehouse/migrate.ts): applied again whenever this file changes, and with it
-- every view that names one of these functions.
-- depends:
--
-- Significance of a mean CLV (docs/analysts.md, "Is it significant?"), shared by the
-- clv_significance view and the CLV report so the arithmetic has one definition. Several bets on
-- one game are not independent, so the standard error is clustered by event: the cluster-robust
-- (CR1) variance of a mean, from per-cluster aggregates, where a cluster c has n_c rows summing
-- to S_c:
--   n = Σ n_c, g = clusters with a figure, s = Σ S_c, a = Σ S_c², b = Σ S_c·n_c, c = Σ n_c²
--   var(mean) = g/(g−1) · Σ_c (S_c − n_c·mean)² / n² = g/(g−1) · (a − 2·mean·b + mean²·c) / n²
-- NULL with fewer than 2 clusters (no spread between clusters to estimate). The 95 % interval and
-- the bets needed use the normal quantile 1.959963984540054.

CREATE OR REPLACE FUNCTION lh_mean_se_clustered AS (_n, _g, _s, _a, _b, _c) ->
  if(_g > 1 AND _n > 0, sqrt(greatest(0, (_g / (_g - 1)) * (_a - 2 * (_s / _n) * _b + (_s / _n) * (_s / _n) * _c) / (_n * _n))), NULL);

CREATE OR REPLACE FUNCTION lh_ci95_low AS (_mean, _se) -> _mean - 1.959963984540054 * _se;

CREATE OR REPLACE FUNCTION lh_ci95_high AS (_mean, _se) -> _mean + 1.959963984540054 * _se;

-- How many bets, at this mean and this (clustered) spread per bet, put the mean 1.96 standard
-- errors from zero: n · (1.96 · se / mean)². Below n when the mean already is that far.
CREATE OR REPLACE FUNCTION lh_bets_for_95 AS (_n, _mean, _se) ->
  if(_mean != 0 AND _se > 0, toUInt64(ceil(_n * pow(1.959963984540054 * _se / _mean, 2))), NULL);
