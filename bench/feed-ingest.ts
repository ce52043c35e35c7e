/**
 * Feed ingest, side by side in one process on one chDB:
 *   linehouse — SSE bytes → SseParser → JSON.parse + zod → canonical rows → sink (batched
 *               JSONEachRow inserts) → checkpoint committed after each durable batch;
 *   ceiling   — the engine's own INSERT … SELECT of the same number of rows (no JS at all);
 *   naive     — one JSONEachRow insert per SSE message of the raw provider objects.
 * Prints ticks/s (min / median / max over runs), tick-to-queryable latency and peak RSS.
 *
 *   npx tsx bench/feed-ingest.ts [--ticks 1000000] [--runs 3] [--naive-ticks 50000] [--batch-rows 20000] [--buffered-rows 40000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FixtureCache, mapOpticOddsEvent } from '../lib/feeds/opticodds';
import { SseParser } from '../lib/feeds/sse';
import { createFeedSink } from '../lib/feeds/sink';
import { setLogLevel } from '../lib/log';
import { createWarehouse, type Warehouse } from '../lib/warehouse/client';
import { migrate } from '../lib/warehouse/migrate';
import { fmt, machineLine, percentile, stats } from './machine';

const ODDS_PER_ENTRY = 10;
const BOOKS = ['draftkings', 'fanduel', 'pinnacle', 'betmgm', 'caesars'];

/**
 * A realistic copilot-odds stream, produced lazily in 64 KiB reads like a network socket, so the
 * input does not sit in memory and peak RSS is the pipeline's own.
 */
export function* generateSse(ticks: number): Generator<Buffer> {
  const t0 = 1_795_000_000_000;
  let pending = '';
  for (let e = 0; e * ODDS_PER_ENTRY < ticks; e++) {
    const entryId = `${t0 + e}-0`;
    const game = `${10000 + (e % 300)}-${20000 + (e % 300)}-2026-11-22`;
    const data = [];
    for (let k = 0; k < ODDS_PER_ENTRY && e * ODDS_PER_ENTRY + k < ticks; k++) {
      const book = BOOKS[(e + k) % BOOKS.length];
      const side = k % 2 ? 'over' : 'under';
      const points = 200.5 + (k % 5);
      const fixture = `FX${(e % 300).toString(16).toUpperCase().padStart(10, '0')}`;
      data.push({
        fixture_id: fixture, game_id: game, grouping_key: `default:${points}`, id: `${fixture}:${book}:total_points:${side}_${points}`,
        is_main: k < 4, league: 'NBA', market: 'Total Points', name: `${side === 'over' ? 'Over' : 'Under'} ${points}`, odd_id: `${fixture}:total_points:${side}_${points}`,
        player_id: '', points, price: -105 - ((e + k) % 20), selection: '', selection_line: side, sport: 'basketball', sportsbook: book, team_id: '', timestamp: 1_795_000_000 + e / 100, version_id: -1,
      });
    }
    pending += `event: copilot-odds\nid: ${entryId}\nretry: 5000\ndata: ${JSON.stringify({ entry_id: entryId, data, type: 'copilot-odds' })}\n\n`;
    while (pending.length >= 64 * 1024) {
      yield Buffer.from(pending.slice(0, 64 * 1024));
      pending = pending.slice(64 * 1024);
    }
  }
  if (pending) yield Buffer.from(pending);
}

async function countTicks(ch: Warehouse): Promise<number> {
  const rs = await ch.query({ query: 'SELECT count() AS n FROM odds_ticks', format: 'JSONEachRow' });
  return Number(((await rs.json()) as Array<{ n: number }>)[0].n);
}

async function reset(ch: Warehouse) {
  await ch.command({ query: 'TRUNCATE TABLE odds_ticks' });
  await ch.command({ query: 'TRUNCATE TABLE feed_checkpoints' });
}

export async function runLinehouse(ch: Warehouse, chunks: Iterable<Buffer>, expected: number, batch = { maxRows: 20_000, maxBufferedRows: 40_000 }) {
  await reset(ch);
  const parser = new SseParser();
  const fixtures = new FixtureCache();
  const enteredAt: number[] = [];
  const latencies: number[] = [];
  let committedEntries = 0;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const sink = createFeedSink({
    clickhouse: ch,
    feed: 'bench',
    maxRows: batch.maxRows,
    maxAgeMs: 200,
    maxBufferedRows: batch.maxBufferedRows,
    onCommit: (cp) => {
      const upTo = Number(cp.position);
      const now = performance.now();
      for (let i = committedEntries; i < upTo; i++) latencies.push(now - enteredAt[i]);
      committedEntries = upTo;
    },
  });
  const start = performance.now();
  let entries = 0;
  const receivedAt = new Date().toISOString();
  for (const chunk of chunks) {
    for (const ev of parser.push(chunk)) {
      enteredAt[entries] = performance.now();
      const mapped = mapOpticOddsEvent(ev.event, ev.data, receivedAt, fixtures);
      if (!mapped.ok) throw new Error(`bench stream rejected: ${mapped.reject.detail}`);
      entries += 1;
      await sink.emit(mapped.entry.rows, { position: String(entries) });
    }
  }
  await sink.close();
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  const landed = await countTicks(ch);
  if (landed !== expected) throw new Error(`linehouse path loaded ${landed} of ${expected} ticks`);
  return { ticksPerSecond: expected / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), peakRss };
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

async function main() {
  const { values } = parseArgs({ options: { 'batch-rows': { type: 'string', default: '20000' }, 'buffered-rows': { type: 'string', default: '40000' }, ticks: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, 'naive-ticks': { type: 'string', default: '50000' } } });
  const ticks = Number(values.ticks);
  const runs = Number(values.runs);
  setLogLevel('warn');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linehouse-bench-'));
  const ch = await createWarehouse({ dataDir: dir, clickhouse: { user: 'default', password: '', database: 'bench' } });
  await migrate(ch);
  let bytes = 0;
  for (const c of generateSse(Math.min(ticks, 100_000))) bytes += c.length;
  process.stderr.write(`input: ${fmt(ticks)} ticks, about ${fmt((bytes / Math.min(ticks, 100_000)) * ticks / 2 ** 20)} MiB of SSE, generated as it is read\n`);
  const lh: Awaited<ReturnType<typeof runLinehouse>>[] = [];
  const ceil: number[] = [];
  for (let r = 1; r <= runs; r++) {
    lh.push(await runLinehouse(ch, generateSse(ticks), ticks, { maxRows: Number(values['batch-rows']), maxBufferedRows: Number(values['buffered-rows']) }));
    ceil.push((await runCeiling(ch, ticks)).ticksPerSecond);
    process.stderr.write(`run ${r}/${runs}: linehouse ${fmt(lh.at(-1)!.ticksPerSecond)} ticks/s, ceiling ${fmt(ceil.at(-1)!)} ticks/s\n`);
  }
  const naive = await runNaive(ch, generateSse(Number(values['naive-ticks'])), Number(values['naive-ticks']));
  await ch.close();
  fs.rmSync(dir, { recursive: true, force: true });

  const l = stats(lh.map((x) => x.ticksPerSecond));
  const c = stats(ceil);
  const line = (name: string, s: { min: number; median: number; max: number }) => `| ${name} | ${fmt(s.min)} | ${fmt(s.median)} | ${fmt(s.max)} |`;
  const out = [
    `Feed ingest — ${new Date().toISOString().slice(0, 10)} — ${machineLine()}`,
    `input: ${fmt(ticks)} OpticOdds ticks (${ODDS_PER_ENTRY} odds per SSE entry, 64 KiB reads), ${runs} runs, embedded chDB, batches of ${values['batch-rows']} rows, at most ${values['buffered-rows']} buffered`,
    '',
    '| path | min ticks/s | median ticks/s | max ticks/s |',
    '|---|---:|---:|---:|',
    line('linehouse (parse → validate → normalize → insert → checkpoint)', l),
    line('engine ceiling (INSERT … SELECT, same rows)', c),
    `| naive loader (one JSONEachRow insert per message, ${fmt(naive.ticks)} ticks) | ${fmt(naive.ticksPerSecond)} | ${fmt(naive.ticksPerSecond)} | ${fmt(naive.ticksPerSecond)} |`,
    '',
    `linehouse / ceiling (median): ${fmt(l.median / c.median, 3)};  linehouse / naive: ${fmt(l.median / naive.ticksPerSecond, 1)}×`,
    `tick-to-queryable latency (median run): p50 ${fmt(stats(lh.map((x) => x.p50)).median)} ms, p99 ${fmt(stats(lh.map((x) => x.p99)).median)} ms;  peak RSS ${fmt(Math.max(...lh.map((x) => x.peakRss)) / 2 ** 20)} MiB`,
  ];
  process.stdout.write(out.join('\n') + '\n');
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
