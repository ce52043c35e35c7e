import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import * as workflows from '../../workflows';
import { WORKFLOW_CODE_VERSION } from '../../workflows/version';
import { quietRuntime, workflowBundle } from '../support/time-skipping';

// Histories recorded by `linehouse demo --save-histories test/fixtures/histories` (every refresh
// status path, webhook-started runs, a backfill, a cadence, CLV and reconcile pass, the three
// feeds), filed as <workflowType>/<version>/<workflowId>.json: one version folder per workflow
// code version (workflows/version.ts) whose runs may still be open somewhere. Today's workflow
// code must replay every one: a change that would break running workflows fails here. A version
// is retired (its folder removed) only as docs/operations.md § Upgrades describes.
const ROOT = fileURLToPath(new URL('../fixtures/histories', import.meta.url));
const folders = (dir: string) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

interface Recorded {
  type: string;
  version: string;
  /** <workflowType>/<version>/<file>: how a replay failure names it. */
  id: string;
  file: string;
}
const corpus: Recorded[] = folders(ROOT).flatMap((type) =>
  folders(path.join(ROOT, type)).flatMap((version) =>
    fs
      .readdirSync(path.join(ROOT, type, version))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({ type, version, id: `${type}/${version}/${f}`, file: path.join(ROOT, type, version, f) })),
  ),
);
const versions = [...new Set(corpus.map((r) => r.version))].sort();
/** The workflow types the worker registers: every function workflows/index.ts exports. */
const registered = Object.entries(workflows)
  .filter(([, v]) => typeof v === 'function')
  .map(([name]) => name)
  .sort();

async function replayAll(bundle: { code: string }, histories: Recorded[]) {
  async function* read() {
    for (const r of histories) yield { workflowId: r.id, history: JSON.parse(fs.readFileSync(r.file, 'utf8')) };
  }
  const failures: Array<{ id: string; error: string }> = [];
  let n = 0;
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, read())) {
    n += 1;
    if (r.error) failures.push({ id: r.workflowId, error: `${r.error.name}: ${r.error.message.slice(0, 200)}` });
  }
  return { n, failures };
}

describe('workflow versioning safety (replay of recorded histories)', () => {
  it('files every history as <workflowType>/<version>/<workflowId>.json, by types the worker registers', () => {
    expect(fs.readdirSync(ROOT).filter((f) => !fs.statSync(path.join(ROOT, f)).isDirectory())).toEqual([]);
    expect(folders(ROOT).filter((t) => !registered.includes(t))).toEqual([]);
    for (const type of folders(ROOT))
      for (const version of folders(path.join(ROOT, type)))
        expect(
          corpus.some((r) => r.type === type && r.version === version),
          `${type}/${version}`,
        ).toBe(true);
    expect(corpus.length).toBeGreaterThan(40);
  });

  it(`holds at least one history of every registered workflow type recorded by the current code (${WORKFLOW_CODE_VERSION})`, () => {
    expect(registered).toEqual(
      expect.arrayContaining(['accountRefresh', 'bettorRefresh', 'feed', 'betBackfill', 'cadenceRefresh']),
    );
    const current = new Set(corpus.filter((r) => r.version === WORKFLOW_CODE_VERSION).map((r) => r.type));
    expect(registered.filter((t) => !current.has(t))).toEqual([]);
  });

  it.each(versions)(
    'replays every %s history with the current workflow code',
    async (version) => {
      quietRuntime();
      const histories = corpus.filter((r) => r.version === version);
      const { n, failures } = await replayAll(await workflowBundle(), histories);
      expect(failures).toEqual([]);
      expect(n).toBe(histories.length);
    },
    180_000,
  );

  it('negative control: a non-deterministic change to accountRefresh fails every accountRefresh replay, in every version', async () => {
    quietRuntime();
    const mutant = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../support/mutant-workflows.ts', import.meta.url)),
      logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as any,
    });
    const accountRefreshes = corpus.filter((r) => r.type === 'accountRefresh');
    expect(new Set(accountRefreshes.map((r) => r.version))).toContain(WORKFLOW_CODE_VERSION);
    const { n, failures } = await replayAll(mutant, accountRefreshes);
    expect(n).toBe(accountRefreshes.length);
    expect(failures).toHaveLength(n);
    expect(failures.every((f) => /Determinism|nondetermin/i.test(f.error))).toBe(true);
  }, 180_000);
});
