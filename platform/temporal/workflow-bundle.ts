/**
 * The workflow bundle, built once per version of the code and kept on disk.
 *
 * Webpack-bundling the workflows costs seconds of CPU at every worker start. `linehouse up`
 * restarting after a crash, the demo, every test process and every restart in the crash tests
 * paid it again for the same code. The bundle is a pure function of the sources it can reach
 * and of the dependencies' versions, so it is stored under a hash of both and reused; any
 * change to a source file or to package-lock.json gives a new key and a fresh bundle. The
 * compiled build (the production image) has no sources to bundle: it loads the bundle that
 * `npm run build` wrote (scripts/build.mjs).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { log } from '../log';
import { REPO_ROOT, RUNS_COMPILED } from '../paths';

export const WORKFLOWS_PATH = path.join(REPO_ROOT, 'workflows', 'index.ts');

/** Everything a workflow may import (type imports included, which cost nothing to over-cover). */
const SOURCE_DIRS = ['workflows', 'activities', 'platform', 'refresh', 'feeds', 'clv', 'odds', 'rejections', 'schemas'];
const KEEP = 5;

const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

function listSources(dir: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listSources(p, out);
    else if (/\.(ts|js|mjs|cjs|json)$/.test(e.name)) out.push(p);
  }
}

/** Content hash of the sources and dependency versions a bundle of `workflowsPath` is built from. */
export function bundleKey(workflowsPath: string = WORKFLOWS_PATH, root: string = REPO_ROOT): string {
  const files: string[] = [];
  for (const d of SOURCE_DIRS) listSources(path.join(root, d), files);
  files.sort();
  const h = createHash('sha256');
  h.update(`entry\0${path.relative(root, workflowsPath)}\0`);
  for (const f of [...files, path.join(root, 'package-lock.json')]) {
    h.update(`${path.relative(root, f)}\0`);
    try {
      h.update(fs.readFileSync(f));
    } catch {
      h.update('(missing)');
    }
    h.update('\0');
  }
  return h.digest('hex').slice(0, 24);
}

export function bundleCacheDir(): string {
  return process.env.LINEHOUSE_BUNDLE_CACHE_DIR
    ? path.resolve(process.env.LINEHOUSE_BUNDLE_CACHE_DIR)
    : path.join(REPO_ROOT, 'node_modules', '.cache', 'linehouse');
}

function prune(dir: string, keep: string): void {
  const old = fs
    .readdirSync(dir)
    .filter((f) => /^workflows-[0-9a-f]+\.js$/.test(f) && f !== keep)
    .map((f) => ({ f, at: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at)
    .slice(KEEP - 1);
  for (const { f } of old) fs.rmSync(path.join(dir, f), { force: true });
}

/**
 * The product's workflow bundle: read from the cache when this exact code was bundled before,
 * else bundled and stored (written to a temporary name and renamed, so concurrent starts never
 * read half a file). An unwritable cache only costs the bundling, never the start. Only the
 * product's entry point: the key covers SOURCE_DIRS, so another entry (a test's mutant workflows)
 * could change without changing the key.
 */
export async function cachedWorkflowBundle(): Promise<{ code: string }> {
  if (RUNS_COMPILED) return prebuiltWorkflowBundle();
  const workflowsPath = WORKFLOWS_PATH;
  const started = performance.now();
  const key = bundleKey(workflowsPath);
  const dir = bundleCacheDir();
  const name = `workflows-${key}.js`;
  const file = path.join(dir, name);
  try {
    const code = fs.readFileSync(file, 'utf8');
    log.debug('worker.bundle_cached', { key, ms: Math.round(performance.now() - started) });
    return { code };
  } catch {
    // Not bundled yet for this code.
  }
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: silent });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
    prune(dir, name);
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Its directory never existed.
    }
    log.warn('worker.bundle_cache_unwritable', {
      dir,
      error: err as Error,
      hint: 'each start bundles the workflows again; set LINEHOUSE_BUNDLE_CACHE_DIR to a writable directory',
    });
  }
  log.info('worker.bundled', { key, ms: Math.round(performance.now() - started) });
  return { code };
}

/** What scripts/build.mjs writes: the compiled build never bundles at start (and ships no sources to bundle). */
export const PREBUILT_BUNDLE = path.join(REPO_ROOT, 'dist', 'workflow-bundle.js');

function prebuiltWorkflowBundle(): { code: string } {
  try {
    return { code: fs.readFileSync(PREBUILT_BUNDLE, 'utf8') };
  } catch (err) {
    throw new Error(
      `the compiled build has no workflow bundle at ${PREBUILT_BUNDLE} (${(err as Error).message}): run \`npm run build\``,
    );
  }
}
