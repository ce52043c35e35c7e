/**
 * Feed ingest: linehouse's whole OpticOdds path (SSE bytes → parse → validate → normalize → sink →
 * checkpoint) against the engine's own INSERT … SELECT ceiling and a naive per-message loader, at
 * 1M and 10M ticks, plus a scaling curve. Every measurement runs in a child process of its own
 * (bench/feed-run.ts): a fresh chDB and heap per size, so each peak RSS is that run's alone.
 *
 *   npx tsx bench/feed-ingest.ts [--quick]                 every section, printed as tables
 *   npx tsx bench/feed-ingest.ts --ticks 200000 --runs 1   one ad-hoc size
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FeedRunResult, FeedRunSpec } from './feed-run';
import { SINK_DEFAULTS } from '../feeds/sink';
import { fmt, machineLine, stats } from './machine';
import { renderSection } from './print';
import type { BenchGoal, BenchRow, BenchSection } from './section';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GOAL_TPS = 200_000;
const GOAL_P99_MS = 1_000;
const GOAL_RSS = 2 ** 30;
// The sink's own defaults: the benchmark measures what a feed runs with.
const BATCH = { batchRows: SINK_DEFAULTS.maxRows, bufferedRows: SINK_DEFAULTS.maxBufferedRows };
const MiB = (b: number) => `${fmt(b / 2 ** 20)} MiB`;
const say = (line: string) => process.stderr.write(`[feed] ${line}\n`);

/** One measurement in its own process (tsx's loader flags are in execArgv). */
export function runInChild(spec: FeedRunSpec): Promise<FeedRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, path.join(HERE, 'feed-run.ts'), JSON.stringify({ ...BATCH, ...spec })],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{'))
        return reject(new Error(`feed run ${JSON.stringify(spec)} exited with ${code}: ${out.slice(-500)}`));
      resolve(JSON.parse(last) as FeedRunResult);
    });
  });
}

async function measure(label: string, spec: FeedRunSpec): Promise<FeedRunResult> {
  const r = await runInChild(spec);
  say(
    `${label}: ${fmt(r.ticks)} ticks, linehouse ${fmt(r.ticksPerSecond)} ticks/s (p99 ${fmt(r.p99)} ms, peak RSS ${MiB(r.peakRssBytes)}, main thread busy ${fmt(r.mainThreadBusy * 100)} %)` +
      (r.ceilingTicksPerSecond ? `, ceiling ${fmt(r.ceilingTicksPerSecond)} ticks/s` : ''),
  );
  return r;
}

const row = (name: string, unit: string, values: number[], extra?: string): BenchRow => ({
  name,
  unit,
  ...stats(values),
  runs: values.length,
  extra,
});

function goals(tps: number, p99: number, rss: number): BenchGoal[] {
  return [
    { goal: `≥ ${fmt(GOAL_TPS)} ticks/s (median)`, measured: `${fmt(tps)} ticks/s`, met: tps >= GOAL_TPS },
    { goal: 'p99 tick-to-queryable ≤ 1 s (worst run)', measured: `${fmt(p99)} ms`, met: p99 <= GOAL_P99_MS },
    { goal: 'peak RSS ≤ 1 GiB (worst run, chDB included)', measured: MiB(rss), met: rss <= GOAL_RSS },
  ];
}

function sizeSection(
  title: string,
  runs: FeedRunResult[],
  naive: FeedRunResult['naive'] | undefined,
  notes: string[],
): BenchSection {
  const tps = runs.map((r) => r.ticksPerSecond);
  const ceil = runs.map((r) => r.ceilingTicksPerSecond ?? NaN);
  const l = stats(tps);
  const c = stats(ceil);
  const p99 = Math.max(...runs.map((r) => r.p99));
  const rss = Math.max(...runs.map((r) => r.peakRssBytes));
  const rows = [
    row(
      'linehouse (SSE → the adapter’s chunk handler: parse, validate, normalize, entry dedupe → Native batch → insert → checkpoint)',
      'ticks/s',
      tps,
      `p50 ${fmt(stats(runs.map((r) => r.p50)).median)} ms`,
    ),
    row('engine ceiling (INSERT … SELECT, same row count, no JS)', 'ticks/s', ceil),
    row(
      'tick-to-queryable p99 (entry read → its checkpoint durable)',
      'ms',
      runs.map((r) => r.p99),
    ),
    row(
      'peak RSS of the ingesting process (chDB included)',
      'MiB',
      runs.map((r) => r.peakRssBytes / 2 ** 20),
      `after open + migrate: ${MiB(stats(runs.map((r) => r.baseRssBytes)).median)}`,
    ),
    row(
      'main thread busy (event-loop utilization)',
      '%',
      runs.map((r) => r.mainThreadBusy * 100),
      `CPU of all threads: ${fmt(stats(runs.map((r) => r.cpuCores)).median, 2)} cores`,
    ),
  ];
  const ratios = [{ name: 'linehouse / ceiling (median ticks/s)', value: l.median / c.median }];
  if (naive) {
    rows.push(
      row(`naive loader (one JSONEachRow insert per SSE message, ${fmt(naive.ticks)} ticks)`, 'ticks/s', [
        naive.ticksPerSecond,
      ]),
    );
    ratios.push({ name: 'linehouse / naive (median ticks/s)', value: l.median / naive.ticksPerSecond });
  }
  const load = runs.map((r) => r.loadAvg[0].toFixed(2)).join(', ');
  return {
    title,
    inputs: `${fmt(runs[0].ticks)} OpticOdds ticks (10 odds per SSE entry, 64 KiB reads, generated as read), ${runs.length} run${runs.length > 1 ? 's' : ''}, each in a fresh process and chDB; batches of ${fmt(BATCH.batchRows)} rows, at most ${fmt(BATCH.bufferedRows)} buffered`,
    rows,
    ratios,
    goals: goals(l.median, p99, rss),
    notes: [`1-min load average when each run ended: ${load} (2 cores, shared machine).`, ...notes],
  };
}

function scalingSection(points: FeedRunResult[]): BenchSection {
  const [a, , c] = points;
  const costGrowth = c.seconds / (a.seconds * (c.ticks / a.ticks));
  const rssGrowth = (c.peakRssBytes - c.baseRssBytes) / Math.max(1, a.peakRssBytes - a.baseRssBytes);
  return {
    title: 'Feed ingest, scaling',
    inputs: `${points.map((p) => fmt(p.ticks)).join(' / ')} ticks (1× / 4× / 16×), one run each, each in a fresh process and chDB`,
    rows: points.flatMap((p, i) => [
      row(
        `${[1, 4, 16][i]}× (${fmt(p.ticks)} ticks): linehouse`,
        'ticks/s',
        [p.ticksPerSecond],
        `${fmt(p.seconds, 2)} s; p99 ${fmt(p.p99)} ms`,
      ),
      row(
        `${[1, 4, 16][i]}× (${fmt(p.ticks)} ticks): peak RSS`,
        'MiB',
        [p.peakRssBytes / 2 ** 20],
        `${MiB(p.peakRssBytes - p.baseRssBytes)} above the open warehouse`,
      ),
    ]),
    ratios: [
      {
        name: 'cost growth 1× → 16×: (seconds at 16×) / (16 × seconds at 1×); 1 = linear',
        value: costGrowth,
        goal: '≤ 1.1 (linear within run-to-run noise)',
        met: costGrowth <= 1.1,
      },
      { name: 'RSS above the open warehouse, 16× / 1× (1 = flat)', value: rssGrowth },
    ],
    goals: [],
    notes: [
      `The 16× point is the ${fmt(points[2].ticks / 1e6)}M section's run (the same measurement, not run twice).`,
      `1-min load average when each run ended: ${points.map((p) => p.loadAvg[0].toFixed(2)).join(', ')}.`,
    ],
  };
}

export async function runFeedIngestBench(opts: { quick?: boolean }): Promise<BenchSection[]> {
  const main = opts.quick ? 200_000 : 1_000_000;
  const big = opts.quick ? 1_000_000 : 10_000_000;
  // The scaling curve ends at the large run itself (16×), so it costs only its 1× and 4× points.
  const base = big / 16;
  const started = performance.now();
  const runs: FeedRunResult[] = [];
  for (let i = 1; i <= 3; i++)
    runs.push(
      await measure(`${fmt(main)} run ${i}/3`, {
        ticks: main,
        ceiling: true,
        naiveTicks: i === 1 ? (opts.quick ? 2_000 : 10_000) : 0,
      }),
    );
  const large = await measure(`${fmt(big)}`, { ticks: big, ceiling: true });
  const small = await measure(`scaling 1×`, { ticks: base });
  const mid = await measure(`scaling 4×`, { ticks: base * 4 });
  say(`done in ${fmt((performance.now() - started) / 1000)} s`);
  return [
    sizeSection(`Feed ingest, ${fmt(main / 1e6)}M ticks`, runs, runs[0].naive, []),
    sizeSection(`Feed ingest, ${fmt(big / 1e6)}M ticks`, [large], undefined, [
      'One run of each path at this size (time budget of `npm run bench`).',
    ]),
    scalingSection([small, mid, large]),
  ];
}

async function cli() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      ticks: { type: 'string' },
      runs: { type: 'string', default: '1' },
    },
  });
  let sections: BenchSection[];
  if (values.ticks) {
    const n = Number(values.ticks);
    const runs: FeedRunResult[] = [];
    for (let i = 1; i <= Number(values.runs); i++)
      runs.push(await measure(`${fmt(n)} run ${i}`, { ticks: n, ceiling: true }));
    sections = [sizeSection(`Feed ingest, ${fmt(n)} ticks`, runs, undefined, [])];
  } else sections = await runFeedIngestBench({ quick: values.quick });
  process.stdout.write(`${machineLine()}\n\n${sections.map(renderSection).join('\n')}`);
}

if (process.argv[1]?.endsWith('feed-ingest.ts')) await cli();
