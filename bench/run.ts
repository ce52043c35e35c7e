/**
 * `npm run bench`: every benchmark, one after another, each in its own process, then one table
 * of figures — each a ratio of rows measured side by side in the same run on this machine — and
 * the goals. The table replaces the generated part of bench/RESULTS.md (between the markers)
 * unless --no-write; the prose around it (what changed, before/after) is kept.
 *
 *   npm run bench [-- --only feed,webhook] [--quick] [--no-write]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCHES } from './child';
import { fmt, machineLine } from './machine';
import { renderGoals, renderSection } from './print';
import type { BenchSection } from './section';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, 'RESULTS.md');
const BEGIN = '<!-- bench:begin (written by `npm run bench`; edit outside the markers) -->';
const END = '<!-- bench:end -->';
const ORDER = ['feed', 'refresh', 'webhook', 'clv'];

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function runChild(name: string, quick: boolean): Promise<BenchSection[]> {
  const out = path.join(os.tmpdir(), `linehouse-bench-${name}-${process.pid}.json`);
  const tsx = path.join(HERE, '..', 'node_modules', '.bin', 'tsx');
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [path.join(HERE, 'child.ts'), name, out, ...(quick ? ['--quick'] : [])], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0)
        return reject(
          new Error(
            `benchmark "${name}" exited with ${signal ?? code}: see its output above; run it alone with \`npx tsx bench/child.ts ${name} /tmp/${name}.json\``,
          ),
        );
      try {
        resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as BenchSection[]);
      } catch (err) {
        reject(err);
      } finally {
        fs.rmSync(out, { force: true });
      }
    });
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const names = values.only ? values.only.split(',').map((s) => s.trim()) : ORDER;
  for (const n of names) if (!BENCHES[n]) throw new Error(`unknown benchmark "${n}": choose from ${ORDER.join(', ')}`);
  const started = performance.now();
  const sections: BenchSection[] = [];
  const failed: string[] = [];
  for (const [i, name] of names.entries()) {
    const t0 = performance.now();
    say(`${i + 1}/${names.length} ${name} … (${fmt((t0 - started) / 1000)} s so far)`);
    try {
      const got = await runChild(name, values.quick);
      sections.push(...got);
      say(`${name} done in ${fmt((performance.now() - t0) / 1000)} s`);
      for (const s of got) process.stdout.write('\n' + renderSection(s));
    } catch (err) {
      failed.push(name);
      say(`${name} FAILED: ${(err as Error).message}`);
    }
  }
  const wall = (performance.now() - started) / 1000;
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
  const header = [
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${machineLine()}; ${values.quick ? 'quick sizes' : 'full sizes'}; ${fmt(wall)} s for the whole run; load average at the end ${load} (1/5/15 min).`,
    ...(failed.length ? [`Failed: ${failed.join(', ')} (see the run's output).`] : []),
  ];
  const table = [
    ...header,
    '',
    '## Goals',
    '',
    renderGoals(sections),
    '',
    '## Figures',
    '',
    ...sections.map(renderSection),
  ].join('\n');
  process.stdout.write('\n## Goals\n\n' + renderGoals(sections) + '\n\n' + header.join('\n') + '\n');
  if (!values['no-write'] && !values.only && !values.quick) {
    const text = fs.readFileSync(RESULTS, 'utf8');
    const a = text.indexOf(BEGIN);
    const b = text.indexOf(END);
    const generated = `${BEGIN}\n\n${table}\n${END}`;
    const next =
      a >= 0 && b > a
        ? text.slice(0, a) + generated + text.slice(b + END.length)
        : text.replace(/\n*$/, '\n\n') + generated + '\n';
    fs.writeFileSync(RESULTS, next);
    say(`bench/RESULTS.md updated (the table between the markers)`);
  }
  if (failed.length) process.exitCode = 1;
}

await main();
