import { request } from 'undici';
import { queryRows, type Warehouse } from '../../platform/warehouse/client';

/**
 * The CLV report: bet_clv_at aggregated by bettor, book, league, market and month. The report
 * relies only on bet_clv_at's column names (its internals may change) and binds the reference
 * book and the de-vig method as query parameters.
 */

export const DIMENSIONS = ['bettor', 'book', 'league', 'market', 'month'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const DEVIG_METHODS = ['multiplicative', 'additive', 'power', 'shin'] as const;
export type DevigMethod = (typeof DEVIG_METHODS)[number];

/**
 * Which bet_clv rows are counted. legs: one row per bet in `bets` (a parlay counts per leg);
 * wagers: one row per slip (singles' legs plus the parlay slip rows); all: both kinds.
 */
export const ROW_SETS = ['legs', 'wagers', 'all'] as const;
export type RowSet = (typeof ROW_SETS)[number];

/** Runs one SELECT with named String parameters and returns its rows. */
export type SqlRunner = (sql: string, params: Record<string, string>) => Promise<Record<string, unknown>[]>;

export interface ClvGroup {
  dimension: Dimension | 'all';
  key: string;
  /** Rows counted (see RowSet). */
  bets: number;
  /** Matched to a feed event and a supported market (unresolved_reason IS NULL). */
  resolved: number;
  /** Averages over the rows that have the figure (NULL figures are skipped); null when none has it. */
  avgEvClvSharp: number | null;
  avgEvClvSameBook: number | null;
  avgEvClvConsensus: number | null;
  avgPriceClvSharp: number | null;
  avgPriceClvSameBook: number | null;
  /** Spreads and totals only. */
  avgPointsClv: number | null;
  /** How many rows have each figure. */
  withEvClvSharp: number;
  withEvClvSameBook: number;
  withEvClvConsensus: number;
  withPointsClv: number;
  /**
   * Significance of avgEvClvSharp (sql/functions/stats.sql): its standard error clustered by event,
   * the t-statistic, the 95 % interval, and the bets needed at this mean and spread for the
   * interval to exclude zero. Null without two clusters with the figure.
   */
  clustersEvClvSharp: number;
  seEvClvSharp: number | null;
  tEvClvSharp: number | null;
  ci95EvClvSharp: [number, number] | null;
  betsFor95EvClvSharp: number | null;
  /** Share of the rows with an EV-at-close figure vs the sharp book whose EV is > 0 (beat the close). */
  beatCloseShare: number | null;
  lineMoved: number;
  noClose: number;
  unresolved: number;
  unresolvedByReason: Record<string, number>;
}

export interface HistogramBin {
  /** Lower edge, inclusive (fraction: 0.01 = 1 %). The first bin also holds everything below, the last everything above. */
  from: number;
  to: number;
  count: number;
}

export interface ClvReport {
  generatedAt: string;
  sharpBook: string;
  devig: DevigMethod;
  rows: RowSet;
  overall: ClvGroup;
  groups: Record<Dimension, ClvGroup[]>;
  /** Distribution of per-row EV CLV vs the sharp book. */
  histogram: { metric: 'ev_clv_sharp'; binWidth: number; bins: HistogramBin[] };
}

export interface ClvReportOptions {
  sharpBook?: string;
  devig?: DevigMethod;
  rows?: RowSet;
  /** Histogram bin width and range (fractions); defaults 0.01 over ±0.25. */
  binWidth?: number;
  binRange?: number;
}

/**
 * The one place bet_clv_at is named: both values are bound parameters. The defaults read bet_clv,
 * the same view generated with the defaults written in (the `-- generates:` header of
 * sql/views/bet_clv_at.sql), which the engine analyses in about half the time.
 */
const DEFAULTS = { sharpBook: 'pinnacle', devig: 'multiplicative' } as const;
const SOURCE = (sharpBook: string, devig: string) =>
  sharpBook === DEFAULTS.sharpBook && devig === DEFAULTS.devig
    ? 'bet_clv'
    : 'bet_clv_at(sharp_book = {sharp_book:String}, devig = {devig:String})';

/** The report statement's dimension for histogram bins (not one of DIMENSIONS). */
const HISTOGRAM = 'histogram:ev_clv_sharp';

/** A fixed SQL fragment per row set (never user text). */
const ROW_FILTER: Record<RowSet, string> = {
  legs: "row_kind = 'leg'",
  wagers: "row_kind = 'slip' OR slip_rows = 0",
  all: '1',
};

const src = (rows: RowSet, source: string) => `
  src AS (
    SELECT *, countIf(row_kind = 'slip') OVER (PARTITION BY bet_slip_id) AS slip_rows
    FROM ${source}),
  picked AS (SELECT * FROM src WHERE ${ROW_FILTER[rows]})`;

/** The histogram's bin of a row's EV CLV vs the sharp book, clamped to the outer bins. */
const BIN =
  'toInt64(greatest(-toFloat64({bins:String}), least(toFloat64({bins:String}) - 1, floor(ev_clv_sharp / toFloat64({width:String})))))';

/**
 * Which rows move together: the legs on one event (several bets on one game are not independent),
 * and a parlay's slip row alone (wagers and all). Rows without the figure (and histogram rows)
 * share cluster 0: they add nothing to the clustered sums, and fewer groups keep the pass cheap.
 */
const CLUSTER =
  "if(row_kind = 'leg', concat('e:', ifNull(toString(event_key), '')), concat('s:', toString(bet_slip_id)))";

/**
 * One statement for the whole report: every group, and the histogram as one more "dimension"
 * whose keys are bins (only rows with a finite EV CLV vs the sharp book get that entry). The view
 * stack under bet_clv is planned and read once; a second statement for the histogram cost as much
 * as the first (bench/RESULTS.md, CLV report). It aggregates per group and cluster first, so the
 * significance columns (sql/functions/stats.sql, as the clv_significance view computes them) come
 * from the same pass: every other figure is a sum or count of the per-cluster ones.
 */
const reportSql = (rows: RowSet, source: string) => `
WITH ${src(rows, source)},
per_cluster AS (
  SELECT
    g.1 AS dimension,
    g.2 AS key,
    if(g.1 = '${HISTOGRAM}' OR ev_clv_sharp IS NULL, 0, cityHash64(${CLUSTER})) AS cluster,
    count() AS c_bets,
    countIf(unresolved_reason IS NULL) AS c_resolved,
    sum(ev_clv_sharp) AS c_sum_ev_clv_sharp,
    sum(ev_clv_same_book) AS c_sum_ev_clv_same_book,
    sum(ev_clv_consensus) AS c_sum_ev_clv_consensus,
    sum(price_clv_sharp) AS c_sum_price_clv_sharp,
    sum(price_clv_same_book) AS c_sum_price_clv_same_book,
    sumIf(points_clv, market IN ('spread', 'total')) AS c_sum_points_clv,
    count(ev_clv_sharp) AS c_with_ev_clv_sharp,
    count(ev_clv_same_book) AS c_with_ev_clv_same_book,
    count(ev_clv_consensus) AS c_with_ev_clv_consensus,
    count(price_clv_sharp) AS c_with_price_clv_sharp,
    count(price_clv_same_book) AS c_with_price_clv_same_book,
    countIf(points_clv IS NOT NULL AND market IN ('spread', 'total')) AS c_with_points_clv,
    countIf(ev_clv_sharp > 0) AS c_beat_close,
    countIf(line_moved) AS c_line_moved,
    countIf(no_close) AS c_no_close,
    countIf(unresolved_reason IS NOT NULL) AS c_unresolved,
    sumMapIf(map(assumeNotNull(unresolved_reason), toUInt64(1)), unresolved_reason IS NOT NULL) AS c_unresolved_by_reason
  FROM picked
  ARRAY JOIN arrayFilter(d -> d.1 != '${HISTOGRAM}' OR (ev_clv_sharp IS NOT NULL AND isFinite(ev_clv_sharp)), [
    ('all', ''),
    ('bettor', toString(bettor_id)),
    ('book', toString(book_abbr)),
    ('league', toString(league)),
    ('market', ifNull(toString(market), '')),
    ('month', ifNull(toString(month), '')),
    ('${HISTOGRAM}', if(ev_clv_sharp IS NOT NULL AND isFinite(ev_clv_sharp), toString(${BIN}), ''))]) AS g
  GROUP BY dimension, key, cluster)
SELECT
  dimension,
  key,
  sum(c_bets) AS bets,
  sum(c_resolved) AS resolved,
  sum(c_sum_ev_clv_sharp) / sum(c_with_ev_clv_sharp) AS avg_ev_clv_sharp,
  sum(c_sum_ev_clv_same_book) / sum(c_with_ev_clv_same_book) AS avg_ev_clv_same_book,
  sum(c_sum_ev_clv_consensus) / sum(c_with_ev_clv_consensus) AS avg_ev_clv_consensus,
  sum(c_sum_price_clv_sharp) / sum(c_with_price_clv_sharp) AS avg_price_clv_sharp,
  sum(c_sum_price_clv_same_book) / sum(c_with_price_clv_same_book) AS avg_price_clv_same_book,
  sum(c_sum_points_clv) / sum(c_with_points_clv) AS avg_points_clv,
  sum(c_with_ev_clv_sharp) AS with_ev_clv_sharp,
  sum(c_with_ev_clv_same_book) AS with_ev_clv_same_book,
  sum(c_with_ev_clv_consensus) AS with_ev_clv_consensus,
  sum(c_with_points_clv) AS with_points_clv,
  countIf(c_with_ev_clv_sharp > 0) AS clusters_ev_clv_sharp,
  lh_mean_se_clustered(
    sum(c_with_ev_clv_sharp), clusters_ev_clv_sharp, sum(c_sum_ev_clv_sharp),
    sum(c_sum_ev_clv_sharp * c_sum_ev_clv_sharp), sum(c_sum_ev_clv_sharp * c_with_ev_clv_sharp), sum(c_with_ev_clv_sharp * c_with_ev_clv_sharp)) AS se_ev_clv_sharp,
  lh_ci95_low(avg_ev_clv_sharp, se_ev_clv_sharp) AS ci95_low_ev_clv_sharp,
  lh_ci95_high(avg_ev_clv_sharp, se_ev_clv_sharp) AS ci95_high_ev_clv_sharp,
  lh_bets_for_95(sum(c_with_ev_clv_sharp), avg_ev_clv_sharp, se_ev_clv_sharp) AS bets_for_95_ev_clv_sharp,
  sum(c_beat_close) AS beat_close,
  sum(c_line_moved) AS line_moved,
  sum(c_no_close) AS no_close,
  sum(c_unresolved) AS unresolved,
  sumMap(c_unresolved_by_reason) AS unresolved_by_reason
FROM per_cluster
GROUP BY dimension, key
ORDER BY dimension, key`;

const num = (v: unknown): number => Number(v ?? 0);
const numOrNull = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

function toGroup(r: Record<string, unknown>): ClvGroup {
  const withSharp = num(r.with_ev_clv_sharp);
  const mean = numOrNull(r.avg_ev_clv_sharp);
  const se = numOrNull(r.se_ev_clv_sharp);
  const ciLow = se === null ? null : numOrNull(r.ci95_low_ev_clv_sharp);
  const ciHigh = se === null ? null : numOrNull(r.ci95_high_ev_clv_sharp);
  const reasons: Record<string, number> = {};
  for (const [k, v] of Object.entries((r.unresolved_by_reason as Record<string, unknown> | null) ?? {}))
    reasons[k] = num(v);
  return {
    dimension: r.dimension as Dimension | 'all',
    key: String(r.key ?? ''),
    bets: num(r.bets),
    resolved: num(r.resolved),
    avgEvClvSharp: numOrNull(r.avg_ev_clv_sharp),
    avgEvClvSameBook: numOrNull(r.avg_ev_clv_same_book),
    avgEvClvConsensus: numOrNull(r.avg_ev_clv_consensus),
    avgPriceClvSharp: numOrNull(r.avg_price_clv_sharp),
    avgPriceClvSameBook: numOrNull(r.avg_price_clv_same_book),
    avgPointsClv: numOrNull(r.avg_points_clv),
    withEvClvSharp: withSharp,
    withEvClvSameBook: num(r.with_ev_clv_same_book),
    withEvClvConsensus: num(r.with_ev_clv_consensus),
    withPointsClv: num(r.with_points_clv),
    clustersEvClvSharp: num(r.clusters_ev_clv_sharp),
    seEvClvSharp: se,
    tEvClvSharp: se !== null && se > 0 && mean !== null ? mean / se : null,
    ci95EvClvSharp: ciLow !== null && ciHigh !== null ? [ciLow, ciHigh] : null,
    betsFor95EvClvSharp: numOrNull(r.bets_for_95_ev_clv_sharp),
    beatCloseShare: withSharp > 0 ? num(r.beat_close) / withSharp : null,
    lineMoved: num(r.line_moved),
    noClose: num(r.no_close),
    unresolved: num(r.unresolved),
    unresolvedByReason: reasons,
  };
}

function emptyGroup(dimension: Dimension | 'all', key: string): ClvGroup {
  return toGroup({ dimension, key });
}

export async function clvReport(run: SqlRunner, opts: ClvReportOptions = {}): Promise<ClvReport> {
  const sharpBook = opts.sharpBook ?? DEFAULTS.sharpBook;
  const devig = opts.devig ?? DEFAULTS.devig;
  const rows = opts.rows ?? 'legs';
  if (!DEVIG_METHODS.includes(devig))
    throw new Error(`unknown de-vig method "${devig}" (one of ${DEVIG_METHODS.join(', ')})`);
  if (!ROW_SETS.includes(rows)) throw new Error(`unknown row set "${rows}" (one of ${ROW_SETS.join(', ')})`);
  const binWidth = opts.binWidth ?? 0.01;
  const nBins = Math.max(1, Math.round((opts.binRange ?? 0.25) / binWidth));
  const params = { sharp_book: sharpBook, devig };
  const source = SOURCE(sharpBook, devig);

  const reportRows = await run(reportSql(rows, source), { ...params, bins: String(nBins), width: String(binWidth) });
  const histRows = reportRows.filter((r) => r.dimension === HISTOGRAM);
  const groupRows = reportRows.filter((r) => r.dimension !== HISTOGRAM).map(toGroup);

  const groups = Object.fromEntries(DIMENSIONS.map((d) => [d, [] as ClvGroup[]])) as Record<Dimension, ClvGroup[]>;
  let overall = emptyGroup('all', '');
  for (const g of groupRows) {
    if (g.dimension === 'all') overall = g;
    else if ((DIMENSIONS as readonly string[]).includes(g.dimension)) groups[g.dimension as Dimension].push(g);
  }
  for (const d of DIMENSIONS) {
    groups[d].sort(
      d === 'month' ? (a, b) => a.key.localeCompare(b.key) : (a, b) => b.bets - a.bets || a.key.localeCompare(b.key),
    );
  }

  const counts = new Map(histRows.map((r) => [Number(r.key), num(r.bets)]));
  const bins: HistogramBin[] = [];
  for (let k = -nBins; k < nBins; k++)
    bins.push({ from: round(k * binWidth), to: round((k + 1) * binWidth), count: counts.get(k) ?? 0 });

  return {
    generatedAt: new Date().toISOString(),
    sharpBook,
    devig,
    rows,
    overall,
    groups,
    histogram: { metric: 'ev_clv_sharp', binWidth, bins },
  };
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

/** A runner on a warehouse this process holds (chDB opened here, or a ClickHouse server): parameters go as query_params. */
export function warehouseRunner(ch: Warehouse): SqlRunner {
  return (sql, params) => queryRows<Record<string, unknown>>(ch, sql, params);
}

/**
 * A runner through a running `linehouse up` (its admin endpoint takes SQL text only). Each
 * {name:String} placeholder is bound as unhex('<hex of the UTF-8 value>'): the value travels as
 * hex digits, so no value can change the statement.
 */
export function adminRunner(up: { adminUrl: string; token: string }): SqlRunner {
  return async (sql, params) => {
    const bound = bindAsHex(sql, params);
    const res = await request(`${up.adminUrl}/query`, {
      method: 'POST',
      body: bound,
      headers: { authorization: `Bearer ${up.token}` },
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`admin endpoint ${res.statusCode}: ${text}`);
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
}

export function bindAsHex(sql: string, params: Record<string, string>): string {
  return sql.replace(/\{([A-Za-z_][A-Za-z0-9_]*):String\}/g, (whole, name: string) => {
    if (!(name in params)) throw new Error(`query parameter "${name}" is not set`);
    return `unhex('${Buffer.from(params[name], 'utf8').toString('hex')}')`;
  });
}
