-- Repeatable view (platform/warehouse/migrate.ts): the one definition, applied again whenever it changes.
-- depends: closing_events
--
-- Closes of the events without current stored closes, per feed event, computed from their ticks
-- (odds_ticks is read only for those events: the IN on its leading key columns skips the rest).
-- clv/materialize.ts stores rows of this view; closing_lines merges it with the store.
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
