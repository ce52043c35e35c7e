/**
 * What coalescing saves (platform/warehouse/coalesce.ts), side by side on one embedded chDB: 500
 * one-row inserts and 500 point lookups from 50 concurrent callers, one statement per call
 * (insertRows, queryRows) against the coalesced calls (appendRows, lookupByKey). Prints wall time
 * and this process's CPU (chDB's threads included), min/median/max over the rounds.
 *
 *   npx tsx bench/statements.ts [--calls 500] [--concurrency 50] [--rounds 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setLogLevel } from '../platform/log';
import {
  appendRows,
  createWarehouse,
  insertRows,
  lookupByKey,
  queryRows,
  type Warehouse,
} from '../platform/warehouse/client';
import { fmt, machineLine, pool, stats } from './machine';

const TABLE = 'bench_statements';
const LOOKUP = `SELECT k AS lookup_key, v FROM ${TABLE} WHERE tag = {t:String} AND k IN {keys:Array(String)}`;

async function timed(fn: () => Promise<void>): Promise<{ wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

/** `calls` calls of `one`, `concurrency` at a time. */
const fanOut = (calls: number, concurrency: number, one: (i: number) => Promise<unknown>) =>
  pool([...Array(calls).keys()], concurrency, one);

async function main() {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const [calls, concurrency, rounds] = [Number(values.calls), Number(values.concurrency), Number(values.rounds)];
  setLogLevel('error');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'linehouse-bench-statements-'));
  const ch: Warehouse = await createWarehouse({
    dataDir,
    clickhouse: { url: '', user: 'default', password: '', database: 'linehouse', cluster: '' } as never,
  });
  try {
    await ch.command({
      query: `CREATE TABLE ${TABLE} (tag String, k String, v UInt32) ENGINE = MergeTree ORDER BY (tag, k)`,
    });
    const rows: Record<string, { wallMs: number; cpuMs: number }[]> = {};
    const add = (name: string, r: { wallMs: number; cpuMs: number }) => (rows[name] ??= []).push(r);
    for (let round = 0; round < rounds; round++) {
      const tag = (kind: string) => `${kind}${round}`;
      add(
        'insert: one statement per call (insertRows)',
        await timed(() =>
          fanOut(calls, concurrency, (i) => insertRows(ch, TABLE, [{ tag: tag('s'), k: `k${i}`, v: i }])),
        ),
      );
      add(
        'insert: coalesced (appendRows)',
        await timed(() =>
          fanOut(calls, concurrency, (i) => appendRows(ch, TABLE, [{ tag: tag('a'), k: `k${i}`, v: i }])),
        ),
      );
      add(
        'lookup: one statement per call (queryRows)',
        await timed(() => fanOut(calls, concurrency, (i) => queryRows(ch, LOOKUP, { t: tag('a'), keys: [`k${i}`] }))),
      );
      add(
        'lookup: coalesced (lookupByKey)',
        await timed(() => fanOut(calls, concurrency, (i) => lookupByKey(ch, LOOKUP, `k${i}`, { t: tag('a') }))),
      );
    }
    console.log(`${machineLine()}; ${calls} calls, ${concurrency} at a time, ${rounds} rounds (min / median / max)`);
    for (const [name, rs] of Object.entries(rows)) {
      const w = stats(rs.map((r) => r.wallMs));
      const c = stats(rs.map((r) => r.cpuMs));
      console.log(
        `${name.padEnd(46)} wall ${fmt(w.min)} / ${fmt(w.median)} / ${fmt(w.max)} ms   CPU ${fmt(c.min)} / ${fmt(c.median)} / ${fmt(c.max)} ms`,
      );
    }
  } finally {
    await ch.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
