/**
 * Runs one benchmark in a process of its own and writes its sections as JSON, so each starts
 * with a clean heap (peak RSS is its own) and owns its chDB (one engine per process).
 *
 *   npx tsx bench/child.ts <feed|refresh|webhook|clv> <out.json> [--quick]
 */
import fs from 'node:fs';
import type { BenchSection } from './section';

type Runner = (opts: { quick?: boolean }) => Promise<BenchSection[]>;

export const BENCHES: Record<string, () => Promise<Runner>> = {
  feed: async () => (await import('./feed-ingest')).runFeedIngestBench,
  refresh: async () => (await import('./refresh')).runRefreshBench,
  // Its series take ~10 s each: one progress line per series, as the other sections print theirs.
  webhook: async () => {
    const { runWebhookBench } = await import('./webhook');
    return (opts) => runWebhookBench({ ...opts, log: (line) => process.stderr.write(`[webhook] ${line.trim()}\n`) });
  },
  clv: async () => (await import('./clv')).runClvBench,
};

async function main() {
  const [name, out] = process.argv.slice(2);
  const load = BENCHES[name];
  if (!load || !out) throw new Error(`usage: bench/child.ts <${Object.keys(BENCHES).join('|')}> <out.json> [--quick]`);
  const run = await load();
  const sections = await run({ quick: process.argv.includes('--quick') });
  fs.writeFileSync(out, JSON.stringify(sections, null, 2));
}

if (process.argv[1]?.endsWith('child.ts')) {
  await main();
  // Benchmarks leave servers and engines behind on purpose only if they forgot to close them: don't hang on them.
  process.exit(0);
}
