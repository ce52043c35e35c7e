import { DIMENSIONS, type ClvGroup, type ClvReport, type Dimension } from './clv-report';

/** Renderings of a ClvReport: a fixed-width text table and one self-contained HTML page (inline CSS and SVG, no external resources). */

const pct = (x: number | null, digits = 2) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(digits)}%`);
const pts = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(2)}`);
const share = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const reasons = (r: Record<string, number>) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k}:${v}`)
    .join(' ') || '—';

/** Half the 95 % interval of EV vs sharp (clustered by event), as a percentage. */
const halfWidth = (g: ClvGroup) =>
  g.ci95EvClvSharp === null ? '—' : `±${(((g.ci95EvClvSharp[1] - g.ci95EvClvSharp[0]) / 2) * 100).toFixed(2)}%`;

const SIGNIFICANCE_NOTE =
  '±95%, t: EV vs sharp with its standard error clustered by event (legs on one game move together); bets for 95%: bets needed at this mean and spread for the interval to exclude 0; — with fewer than 2 events.';

const LABEL: Record<Dimension | 'all', string> = {
  all: 'all',
  bettor: 'bettor',
  book: 'book',
  league: 'league',
  market: 'market',
  month: 'month',
};

interface Column {
  head: string;
  cell: (g: ClvGroup) => string;
  left?: boolean;
}

function columns(dimension: Dimension | 'all'): Column[] {
  return [
    {
      head: LABEL[dimension],
      cell: (g) => (g.dimension === 'all' ? 'ALL' : g.key === '' ? '(none)' : g.key),
      left: true,
    },
    { head: 'bets', cell: (g) => String(g.bets) },
    { head: 'resolved', cell: (g) => String(g.resolved) },
    { head: 'EV vs sharp', cell: (g) => pct(g.avgEvClvSharp) },
    { head: '±95%', cell: (g) => halfWidth(g) },
    { head: 't', cell: (g) => (g.tEvClvSharp === null ? '—' : g.tEvClvSharp.toFixed(2)) },
    { head: 'bets for 95%', cell: (g) => (g.betsFor95EvClvSharp === null ? '—' : String(g.betsFor95EvClvSharp)) },
    { head: 'EV vs book', cell: (g) => pct(g.avgEvClvSameBook) },
    { head: 'EV vs cons.', cell: (g) => pct(g.avgEvClvConsensus) },
    { head: 'price vs sharp', cell: (g) => pct(g.avgPriceClvSharp) },
    { head: 'price vs book', cell: (g) => pct(g.avgPriceClvSameBook) },
    { head: 'points', cell: (g) => pts(g.avgPointsClv) },
    { head: 'beat close', cell: (g) => share(g.beatCloseShare) },
    { head: 'line moved', cell: (g) => String(g.lineMoved) },
    { head: 'no close', cell: (g) => String(g.noClose) },
    { head: 'unresolved', cell: (g) => String(g.unresolved) },
    { head: 'by reason', cell: (g) => reasons(g.unresolvedByReason), left: true },
  ];
}

export function renderTable(report: ClvReport, by: Dimension): string {
  const cols = columns(by);
  const rows = [...report.groups[by], report.overall];
  const cells = rows.map((g) => cols.map((c) => c.cell(g)));
  const widths = cols.map((c, i) => Math.max(c.head.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (cols[i].left ? v.padEnd(widths[i]) : v.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [
    `CLV by ${by} — sharp book ${report.sharpBook}, de-vig ${report.devig}, rows ${report.rows}`,
    '',
    line(cols.map((c) => c.head)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.slice(0, -1).map(line),
    line(widths.map((w) => '-'.repeat(w))),
    line(cells[cells.length - 1]),
    '',
    'EV = fair close probability × bet decimal − 1; price = bet decimal / close decimal − 1; points: spreads/totals; beat close: EV vs sharp > 0.',
    SIGNIFICANCE_NOTE,
  ];
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// HTML

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f = (x: number) => (Math.round(x * 10) / 10).toString();

/** Round, readable axis ticks covering [lo, hi]. */
function ticks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.5 : 0.01;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  if (out[out.length - 1] < hi - step * 1e-9) out.push(out[out.length - 1] + step);
  return out;
}

/** Fewest decimals (of a percentage) that show every tick exactly: 0.25 % steps need two. */
function tickDigits(ts: number[]): number {
  for (let d = 0; d < 4; d++) if (ts.every((t) => Math.abs(Number((t * 100).toFixed(d)) - t * 100) < 1e-9)) return d;
  return 4;
}

const SERIES = [
  { name: 'vs sharp', key: 'avgEvClvSharp', color: '#1f6feb' },
  { name: 'vs consensus', key: 'avgEvClvConsensus', color: '#2da44e' },
  { name: 'vs same book', key: 'avgEvClvSameBook', color: '#bf8700' },
] as const;

/** Monthly average EV CLV, one line per benchmark. */
export function lineChartSvg(report: ClvReport, width = 760, height = 300): string {
  const months = report.groups.month;
  const m = { l: 64, r: 40, t: 28, b: 44 };
  const w = width - m.l - m.r;
  const h = height - m.t - m.b;
  const values = months.flatMap((g) => SERIES.map((s) => g[s.key])).filter((v): v is number => v !== null);
  const yt = ticks(Math.min(0, ...values), Math.max(0, ...values));
  const digits = tickDigits(yt);
  const y0 = yt[0];
  const y1 = yt[yt.length - 1];
  const y = (v: number) => m.t + h - ((v - y0) / (y1 - y0)) * h;
  const x = (i: number) => m.l + (months.length <= 1 ? w / 2 : (i / (months.length - 1)) * w);
  const parts: string[] = [];
  parts.push(`<text x="${m.l}" y="16" class="ct">Average EV CLV by month (${esc(report.devig)} de-vig)</text>`);
  for (const t of yt) {
    parts.push(
      `<line x1="${m.l}" x2="${m.l + w}" y1="${f(y(t))}" y2="${f(y(t))}" class="${Math.abs(t) < 1e-12 ? 'zero' : 'grid'}"/>`,
    );
    parts.push(`<text x="${m.l - 6}" y="${f(y(t) + 4)}" text-anchor="end" class="ax">${esc(pct(t, digits))}</text>`);
  }
  const every = Math.max(1, Math.ceil(months.length / 12));
  months.forEach(
    (g, i) =>
      (i % every === 0 || i === months.length - 1) &&
      parts.push(
        `<text x="${f(x(i))}" y="${m.t + h + 18}" text-anchor="middle" class="ax">${esc(g.key.slice(0, 7))}</text>`,
      ),
  );
  for (const s of SERIES) {
    const pts: string[] = [];
    months.forEach((g, i) => {
      const v = g[s.key];
      if (v !== null) pts.push(`${f(x(i))},${f(y(v))}`);
    });
    if (pts.length > 1)
      parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    months.forEach((g, i) => {
      const v = g[s.key];
      if (v !== null)
        parts.push(
          `<circle cx="${f(x(i))}" cy="${f(y(v))}" r="3.5" fill="${s.color}"><title>${esc(`${g.key.slice(0, 7)} ${s.name}: ${pct(v)} (${g.bets} bets)`)}</title></circle>`,
        );
    });
  }
  SERIES.forEach((s, i) => {
    const lx = m.l + i * 150;
    parts.push(
      `<rect x="${lx}" y="${height - 14}" width="12" height="4" fill="${s.color}"/><text x="${lx + 16}" y="${height - 9}" class="ax">${esc(s.name === 'vs sharp' ? `vs ${report.sharpBook}` : s.name)}</text>`,
    );
  });
  if (months.length === 0)
    parts.push(`<text x="${m.l + w / 2}" y="${m.t + h / 2}" text-anchor="middle" class="ax">no data</text>`);
  return `<svg id="clv-over-time" role="img" aria-label="Average EV CLV by month" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/** Distribution of per-bet EV CLV vs the sharp book. */
export function histogramSvg(report: ClvReport, width = 760, height = 300): string {
  const bins = report.histogram.bins;
  const m = { l: 48, r: 16, t: 28, b: 40 };
  const w = width - m.l - m.r;
  const h = height - m.t - m.b;
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const yt = ticks(0, maxCount).filter((t) => Number.isInteger(t));
  const yTop = Math.max(maxCount, yt[yt.length - 1]);
  const bw = w / Math.max(1, bins.length);
  const y = (c: number) => m.t + h - (c / yTop) * h;
  const parts: string[] = [];
  const total = bins.reduce((a, b) => a + b.count, 0);
  parts.push(
    `<text x="${m.l}" y="16" class="ct">Per-bet EV CLV vs ${esc(report.sharpBook)} (${total} bets with a figure)</text>`,
  );
  for (const t of yt) {
    parts.push(
      `<line x1="${m.l}" x2="${m.l + w}" y1="${f(y(t))}" y2="${f(y(t))}" class="grid"/><text x="${m.l - 6}" y="${f(y(t) + 4)}" text-anchor="end" class="ax">${t}</text>`,
    );
  }
  bins.forEach((b, i) => {
    if (b.count === 0) return;
    const cls = b.from >= 0 ? 'pos' : 'neg';
    const edge = i === 0 ? ` (and below)` : i === bins.length - 1 ? ` (and above)` : '';
    parts.push(
      `<rect x="${f(m.l + i * bw + 0.5)}" y="${f(y(b.count))}" width="${f(Math.max(1, bw - 1))}" height="${f(m.t + h - y(b.count))}" class="${cls}"><title>${esc(`${pct(b.from, 0)} to ${pct(b.to, 0)}${edge}: ${b.count}`)}</title></rect>`,
    );
  });
  const zeroIdx = bins.findIndex((b) => b.from >= 0);
  if (zeroIdx >= 0)
    parts.push(
      `<line x1="${f(m.l + zeroIdx * bw)}" x2="${f(m.l + zeroIdx * bw)}" y1="${m.t}" y2="${m.t + h}" class="zero"/>`,
    );
  const labelEvery = Math.max(1, Math.round(bins.length / 10));
  bins.forEach((b, i) => {
    if (i % labelEvery === 0)
      parts.push(
        `<text x="${f(m.l + i * bw)}" y="${m.t + h + 16}" text-anchor="middle" class="ax">${esc(pct(b.from, 0))}</text>`,
      );
  });
  parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${m.t + h}" y2="${m.t + h}" class="axis"/>`);
  parts.push(
    `<text x="${m.l + w / 2}" y="${height - 4}" text-anchor="middle" class="ax">EV at close (fair close probability × bet decimal − 1)</text>`,
  );
  return `<svg id="clv-distribution" role="img" aria-label="Distribution of per-bet EV CLV" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/**
 * Mean EV CLV vs the sharp book per group with its 95 % interval (error bars, clustered by event),
 * against zero: a bar that crosses zero is not significant at 95 %.
 */
export function intervalSvg(report: ClvReport, dimension: Dimension, width = 760): string {
  const groups = report.groups[dimension].filter((g) => g.avgEvClvSharp !== null).slice(0, 30);
  const m = { l: 170, r: 40, t: 28, b: 34 };
  const row = 22;
  const height = m.t + m.b + Math.max(1, groups.length) * row;
  const w = width - m.l - m.r;
  const values = groups.flatMap((g) => [g.avgEvClvSharp!, ...(g.ci95EvClvSharp ?? [])]);
  const xt = ticks(Math.min(0, ...values), Math.max(0, ...values));
  const digits = tickDigits(xt);
  const x0 = xt[0];
  const x1 = xt[xt.length - 1];
  const x = (v: number) => m.l + ((v - x0) / (x1 - x0)) * w;
  const parts: string[] = [];
  parts.push(
    `<text x="8" y="16" class="ct">EV CLV vs ${esc(report.sharpBook)} by ${esc(LABEL[dimension])}, 95 % interval</text>`,
  );
  for (const t of xt) {
    parts.push(
      `<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${m.t}" y2="${height - m.b}" class="${Math.abs(t) < 1e-12 ? 'zero' : 'grid'}"/>`,
    );
    parts.push(
      `<text x="${f(x(t))}" y="${height - m.b + 16}" text-anchor="middle" class="ax">${esc(pct(t, digits))}</text>`,
    );
  }
  groups.forEach((g, i) => {
    const cy = m.t + i * row + row / 2;
    const mean = g.avgEvClvSharp!;
    const label = g.key === '' ? '(none)' : g.key;
    parts.push(
      `<text x="${m.l - 8}" y="${f(cy + 4)}" text-anchor="end" class="ax">${esc(label.length > 24 ? `${label.slice(0, 23)}…` : label)}</text>`,
    );
    const ci = g.ci95EvClvSharp;
    if (ci) {
      parts.push(`<line x1="${f(x(ci[0]))}" x2="${f(x(ci[1]))}" y1="${f(cy)}" y2="${f(cy)}" class="bar"/>`);
      for (const end of ci)
        parts.push(`<line x1="${f(x(end))}" x2="${f(x(end))}" y1="${f(cy - 5)}" y2="${f(cy + 5)}" class="bar"/>`);
    }
    const tip = `${label}: ${pct(mean)}${ci ? ` (95 %: ${pct(ci[0])} to ${pct(ci[1])}, t ${g.tEvClvSharp!.toFixed(2)})` : ' (fewer than 2 events: no interval)'}, ${g.withEvClvSharp} legs`;
    parts.push(
      `<circle cx="${f(x(mean))}" cy="${f(cy)}" r="4" class="${mean >= 0 ? 'pos' : 'neg'}"><title>${esc(tip)}</title></circle>`,
    );
  });
  if (groups.length === 0)
    parts.push(`<text x="${m.l + w / 2}" y="${m.t + row / 2 + 4}" text-anchor="middle" class="ax">no data</text>`);
  return `<svg id="clv-interval-${dimension}" class="interval" role="img" aria-label="EV CLV by ${esc(LABEL[dimension])} with 95 % intervals" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

function htmlTable(report: ClvReport, dimension: Dimension): string {
  const cols = columns(dimension);
  const row = (g: ClvGroup, cls = '') =>
    `<tr${cls ? ` class="${cls}"` : ''}>${cols.map((c) => `<td${c.left ? ' class="l"' : ''}>${esc(c.cell(g))}</td>`).join('')}</tr>`;
  return `<h2>By ${esc(LABEL[dimension])}</h2>
${intervalSvg(report, dimension)}
<table><thead><tr>${cols.map((c) => `<th${c.left ? ' class="l"' : ''}>${esc(c.head)}</th>`).join('')}</tr></thead>
<tbody>${report.groups[dimension].map((g) => row(g)).join('\n')}</tbody>
<tfoot>${row(report.overall, 'total')}</tfoot></table>`;
}

export const REPORT_TITLE = 'Linehouse CLV report';

export function renderHtml(report: ClvReport): string {
  const o = report.overall;
  const card = (label: string, value: string) =>
    `<div class="card"><div class="v">${esc(value)}</div><div class="k">${esc(label)}</div></div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${REPORT_TITLE}</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; background: #fff; margin: 24px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 28px 0 8px; }
  .meta { color: #59636e; margin-bottom: 16px; }
  .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0 8px; }
  .card { border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
  .card .v { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
  .card .k { color: #59636e; font-size: 12px; }
  .charts { display: flex; flex-wrap: wrap; gap: 16px; }
  svg { border: 1px solid #d1d9e0; border-radius: 6px; background: #fff; max-width: 100%; height: auto; }
  svg .ct { font-size: 13px; font-weight: 600; fill: #1f2328; }
  svg .ax { font-size: 11px; fill: #59636e; }
  svg .grid { stroke: #eaeef2; }
  svg .zero { stroke: #59636e; stroke-dasharray: 4 3; }
  svg .axis { stroke: #8c959f; }
  svg .pos { fill: #2da44e; }
  svg .neg { fill: #cf222e; }
  svg .bar { stroke: #59636e; stroke-width: 1.5; }
  svg.interval { display: block; margin-bottom: 8px; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin-bottom: 8px; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #eaeef2; text-align: right; white-space: nowrap; }
  th { background: #f6f8fa; font-weight: 600; }
  .l { text-align: left; }
  tr.total td { font-weight: 600; border-top: 2px solid #d1d9e0; }
  .note { color: #59636e; font-size: 12px; max-width: 900px; }
</style>
</head>
<body>
<h1>${REPORT_TITLE}</h1>
<div class="meta">Sharp book <b>${esc(report.sharpBook)}</b> · de-vig <b>${esc(report.devig)}</b> · rows <b>${esc(report.rows)}</b> · generated ${esc(report.generatedAt)}</div>
<div class="cards">
${card('bets', String(o.bets))}
${card('resolved', String(o.resolved))}
${card(`avg EV CLV vs ${report.sharpBook}`, pct(o.avgEvClvSharp))}
${card('avg EV CLV vs consensus', pct(o.avgEvClvConsensus))}
${card('avg EV CLV vs same book', pct(o.avgEvClvSameBook))}
${card('beat the close', share(o.beatCloseShare))}
${card('line moved / no close', `${o.lineMoved} / ${o.noClose}`)}
${card('unresolved', String(o.unresolved))}
</div>
<div class="charts">
${lineChartSvg(report)}
${histogramSvg(report)}
</div>
${DIMENSIONS.map((d) => htmlTable(report, d)).join('\n')}
<p class="note">EV at close = p<sub>fair close</sub> × d<sub>bet</sub> − 1 (the de-vigged closing probability of the selection times the bet's decimal price). Price CLV = d<sub>bet</sub> / d<sub>close</sub> − 1. Points CLV: spreads bet − close line, totals Over close − bet / Under bet − close. Averages skip bets without the figure. Beat close: share of bets with an EV figure vs the sharp book where it is above 0. ${esc(SIGNIFICANCE_NOTE)} See docs/analysts.md.</p>
</body>
</html>
`;
}
