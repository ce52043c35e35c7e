/**
 * One feed-ingest measurement in a process of its own (bench/feed-ingest.ts spawns it), so each
 * size starts from a clean heap and a fresh chDB, and the peak RSS it reports is that run's alone:
 *   linehouse — SSE bytes → SseParser → the adapter's own chunk handler (JSON.parse + validation →
 *               canonical rows, entry-id dedupe and positions) → sink (Native batches) →
 *               checkpoint committed after each durable batch;
 *   ceiling   — the engine's own INSERT … SELECT of the same number of rows (no JS at all);
 *   naive     — one JSONEachRow insert per SSE message of the raw provider objects.
 *
 *   npx tsx bench/feed-run.ts '{"ticks":1000000,"ceiling":true,"naiveTicks":10000}'   (prints one JSON line)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FixtureCache } from '../feeds/opticodds';
import { handle } from '../feeds/opticodds/events';
import { EventsAtPosition } from '../feeds/opticodds/position';
import type { GroupState, StreamRun } from '../feeds/opticodds/run';
import { SseParser } from '../feeds/sse';
import { createFeedSink, SINK_DEFAULTS } from '../feeds/sink';
import { log, setLogLevel } from '../platform/log';
import { createWarehouse, type Warehouse } from '../platform/warehouse/client';
import { migrate } from '../platform/warehouse/migrate';
import { fastSse, ODDS_PER_ENTRY, T0 } from './feed-input';
import { percentile } from './machine';

export interface FeedRunSpec {
  ticks: number;
  batchRows?: number;
  bufferedRows?: number;
  /** Also time the engine ceiling for the same number of rows (after the linehouse run). */
  ceiling?: boolean;
  /** Also time the naive loader over this many ticks (0: skip). */
  naiveTicks?: number;
}

export interface FeedRunResult {
  ticks: number;
  seconds: number;
  ticksPerSecond: number;
  p50: number;
  p99: number;
  /** getrusage peak RSS of this process when the linehouse run ended (chDB and Node together). */
  peakRssBytes: number;
  /** RSS right after the warehouse was open and migrated: the floor the pipeline adds to. */
  baseRssBytes: number;
  /** Share of the run the main thread was busy (event-loop utilization): 1 means JS is the bottleneck. */
  mainThreadBusy: number;
  /** CPU time of every thread (JS, chDB, GC) over wall time: 2 means both cores were saturated. */
  cpuCores: number;
  ceilingTicksPerSecond?: number;
  naive?: { ticks: number; ticksPerSecond: number };
  loadAvg: number[];
}

async function countTicks(ch: Warehouse): Promise<number> {
  const rs = await ch.query({ query: 'SELECT count() AS n FROM odds_ticks', format: 'JSONEachRow' });
  return Number(((await rs.json()) as Array<{ n: number }>)[0].n);
}

async function reset(ch: Warehouse) {
  await ch.command({ query: 'TRUNCATE TABLE odds_ticks' });
  await ch.command({ query: 'TRUNCATE TABLE feed_checkpoints' });
}

export async function runLinehouse(
  ch: Warehouse,
  chunks: Iterable<Buffer>,
  expected: number,
  batch: { maxRows: number; maxBufferedRows: number } = SINK_DEFAULTS,
) {
  await reset(ch);
  const parser = new SseParser();
  const fixtures = new FixtureCache();
  // Entry start times, as a typed array: 1M entries at 10M ticks would be a large JS array.
  const enteredAt = new Float64Array(Math.ceil(expected / ODDS_PER_ENTRY) + 1);
  const latencies: number[] = [];
  let committedEntries = 0;
  const sink = createFeedSink({
    clickhouse: ch,
    feed: 'bench',
    maxRows: batch.maxRows,
    maxAgeMs: SINK_DEFAULTS.maxAgeMs,
    maxBufferedRows: batch.maxBufferedRows,
    onCommit: (cp) => {
      // The position is the adapter's own: { group: last entry id }, and entry e has id `${T0 + e}-0`.
      const upTo = Number((JSON.parse(cp.position ?? '{}') as Record<string, string>).bench.split('-')[0]) - T0 + 1;
      const now = performance.now();
      for (let i = committedEntries; i < upTo; i++) latencies.push(now - enteredAt[i]);
      committedEntries = upTo;
    },
  });
  const start = performance.now();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  let entries = 0;
  // The stream as connection.ts hands it to the adapter: one handle() call per read, through the
  // same dedupe, position and emit path; anything rejected or reported as a gap fails the run.
  const refuse = async (what: unknown) => {
    throw new Error(`bench stream refused: ${JSON.stringify(what)}`);
  };
  const run = {
    ctx: {
      checkpoint: null,
      emit: (rows, cp) => sink.emit(rows, cp),
      reject: refuse,
      gap: refuse,
      health: () => {},
      signal: new AbortController().signal,
      log,
    },
    log,
    health: {
      connected: true,
      lastMessageAt: null,
      lastTickTs: null,
      reconnects: 0,
      gaps: 0,
      rejected: 0,
      messages: 0,
    },
    fixtures,
    positions: {},
    serial: (fn) => fn(),
    reject: refuse,
    gap: refuse,
  } as Partial<StreamRun> as StreamRun;
  const st: GroupState = {
    group: { key: 'bench' } as GroupState['group'],
    position: null,
    atPosition: new EventsAtPosition(),
    retryMs: 1000,
    connected: true,
    lostAt: null,
    everConnected: true,
  };
  const cursor = { resumeFrom: null, openedAt: Date.now(), tolerance: 0, firstChecked: true };
  for (const chunk of chunks) {
    // A socket hands over each read in a turn of the event loop of its own: so does this input.
    await new Promise<void>((r) => setImmediate(r));
    const events = parser.push(chunk);
    if (events.length === 0) continue;
    const now = performance.now();
    for (let i = 0; i < events.length; i++) enteredAt[entries + i] = now;
    entries += events.length;
    await handle(run, st, events, cursor);
  }
  await sink.close();
  if (committedEntries !== entries)
    throw new Error(`linehouse path committed ${committedEntries} of ${entries} entries`);
  const seconds = (performance.now() - start) / 1000;
  const mainThreadBusy = performance.eventLoopUtilization(elu0).utilization;
  const cpu = process.cpuUsage(cpu0);
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const landed = await countTicks(ch);
  if (landed !== expected) throw new Error(`linehouse path loaded ${landed} of ${expected} ticks`);
  return {
    seconds,
    ticksPerSecond: expected / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    peakRssBytes,
    mainThreadBusy,
    cpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

export async function runCeiling(ch: Warehouse, n: number) {
  await reset(ch);
  const start = performance.now();
  await ch.command({
    query: `INSERT INTO odds_ticks SELECT
      concat('opticodds:', toString(1795000000000 + intDiv(number, 10)), '-0:', toString(number)) AS tick_id, 'opticodds', ['draftkings','fanduel','pinnacle','betmgm','caesars'][number % 5 + 1],
      'basketball', 'NBA', concat(toString(10000 + intDiv(number, 10) % 300), '-', toString(20000 + intDiv(number, 10) % 300), '-2026-11-22'), '', concat('FX', toString(number % 3000)),
      '', '', NULL, 'total', 'Total Points', if(number % 2 = 1, 'Over', 'Under'), 200.5 + number % 5, toInt32(-105 - number % 20), 1.9, 0.52, number % 10 < 4, false, false, false,
      toDateTime64(1795000000 + number / 1000, 3, 'UTC'), now64(3)
      FROM numbers(${n})`,
  });
  const seconds = (performance.now() - start) / 1000;
  if ((await countTicks(ch)) !== n) throw new Error('ceiling run did not load every row');
  return { ticksPerSecond: n / seconds };
}

export async function runNaive(ch: Warehouse, chunks: Iterable<Buffer>, n: number) {
  await ch.command({ query: 'DROP TABLE IF EXISTS bench_naive_raw' });
  await ch.command({
    query: `CREATE TABLE bench_naive_raw (fixture_id String, game_id String, id String, is_main Bool, league String, market String, name String, points Float64, price Int32, selection_line String, sport String, sportsbook String, timestamp Float64) ENGINE = MergeTree ORDER BY id`,
  });
  const parser = new SseParser();
  let ticks = 0;
  const start = performance.now();
  outer: for (const chunk of chunks) {
    for (const ev of parser.push(chunk)) {
      const body = JSON.parse(ev.data) as { data: object[] };
      await ch.insert({ table: 'bench_naive_raw', values: body.data, format: 'JSONEachRow' });
      ticks += body.data.length;
      if (ticks >= n) break outer;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { ticksPerSecond: ticks / seconds, ticks };
}

export async function runOne(spec: FeedRunSpec): Promise<FeedRunResult> {
  setLogLevel('warn');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linehouse-bench-'));
  const ch = await createWarehouse({ dataDir: dir, clickhouse: { user: 'default', password: '', database: 'bench' } });
  try {
    await migrate(ch);
    const baseRssBytes = process.memoryUsage().rss;
    const lh = await runLinehouse(ch, fastSse(spec.ticks), spec.ticks, {
      maxRows: spec.batchRows ?? SINK_DEFAULTS.maxRows,
      maxBufferedRows: spec.bufferedRows ?? SINK_DEFAULTS.maxBufferedRows,
    });
    const out: FeedRunResult = { ticks: spec.ticks, ...lh, baseRssBytes, loadAvg: os.loadavg() };
    if (spec.ceiling) out.ceilingTicksPerSecond = (await runCeiling(ch, spec.ticks)).ticksPerSecond;
    if (spec.naiveTicks) out.naive = await runNaive(ch, fastSse(spec.naiveTicks), spec.naiveTicks);
    return out;
  } finally {
    await ch.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('feed-run.ts')) {
  const result = await runOne(JSON.parse(process.argv[2] ?? '{}') as FeedRunSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // chDB's threads must not keep a finished measurement alive.
  process.exit(0);
}
