#!/usr/bin/env node
// npm run build: what the production image runs. 1. tsc compiles the product to dist/ (ES
// modules); 2. relative imports get the file extension Node's ES module loader needs (the sources
// import without one, as tsx, vitest and Temporal's bundler resolve it); 3. the simulators leave
// dist/, so the image cannot start them; 4. the workflow bundle is built once, here, into
// dist/workflow-bundle.js, which the compiled worker loads instead of bundling at start.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// --out DIR: build somewhere else (the compiled-build test assembles an image-like folder).
const outAt = process.argv.indexOf('--out');
const dist = outAt > 0 ? path.resolve(process.argv[outAt + 1]) : path.join(root, 'dist');
const step = (what, t0) => console.log(`[build] ${what} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

let t0 = Date.now();
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', dist],
  { stdio: 'inherit' },
);
step('tsc compiled the sources to dist/', t0);

t0 = Date.now();
const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (p.endsWith('.js')) files.push(p);
  }
};
walk(dist);
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g;
let rewritten = 0;
for (const file of files) {
  const src = fs.readFileSync(file, 'utf8');
  const out = src.replace(SPECIFIER, (m, lead, q, spec) => {
    if (/\.(js|mjs|cjs|json)$/.test(spec)) return m;
    const base = path.resolve(path.dirname(file), spec);
    if (fs.existsSync(`${base}.js`)) return `${lead}${q}${spec}.js${q}`;
    if (fs.existsSync(path.join(base, 'index.js'))) return `${lead}${q}${spec}/index.js${q}`;
    throw new Error(`${path.relative(root, file)}: cannot resolve ${spec}`);
  });
  if (out !== src) {
    fs.writeFileSync(file, out);
    rewritten += 1;
  }
}
step(`relative imports given extensions in ${rewritten} of ${files.length} files`, t0);

fs.rmSync(path.join(dist, 'sandbox'), { recursive: true, force: true });
// package.json "type": "module" covers dist/ too; sql/ is read from the app root (platform/paths.ts).

t0 = Date.now();
const { bundleWorkflowCode } = await import('@temporalio/worker');
const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };
const { code } = await bundleWorkflowCode({ workflowsPath: path.join(root, 'workflows', 'index.ts'), logger: silent });
fs.writeFileSync(path.join(dist, 'workflow-bundle.js'), code);
step(`workflow bundle written (${(code.length / 2 ** 20).toFixed(1)} MiB)`, t0);
