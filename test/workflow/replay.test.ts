import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { quietRuntime, workflowBundle } from '../support/time-skipping';

// Histories recorded by `linehouse demo --save-histories test/fixtures/histories` (every refresh
// status path, webhook-started runs, a backfill, a cadence pass, the three feeds). Today's
// workflow code must replay each one: a change that would break running workflows fails here.
const DIR = fileURLToPath(new URL('../fixtures/histories', import.meta.url));
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

async function* histories(filter: (f: string) => boolean) {
  for (const f of files.filter(filter)) yield { workflowId: f.replace(/\.json$/, ''), history: JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) };
}

async function replayAll(bundle: { code: string }, filter: (f: string) => boolean) {
  const failures: Array<{ id: string; error: string }> = [];
  let n = 0;
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, histories(filter))) {
    n += 1;
    if (r.error) failures.push({ id: r.workflowId, error: `${r.error.name}: ${r.error.message.slice(0, 200)}` });
  }
  return { n, failures };
}

describe('workflow versioning safety (replay of recorded histories)', () => {
  it('covers every workflow type the worker registers', () => {
    const types = new Set(files.map((f) => f.split('--')[0]));
    for (const t of ['accountRefresh', 'bettorRefresh', 'feed', 'betBackfill', 'cadenceRefresh']) expect(types, t).toContain(t);
    expect(files.length).toBeGreaterThan(40);
  });

  it('replays every recorded history with the current workflow code', async () => {
    quietRuntime();
    const { n, failures } = await replayAll(await workflowBundle(), () => true);
    expect(failures).toEqual([]);
    expect(n).toBe(files.length);
  }, 180_000);

  it('negative control: a non-deterministic change to accountRefresh fails every accountRefresh replay', async () => {
    quietRuntime();
    const mutant = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../support/mutant-workflows.ts', import.meta.url)),
      logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as any,
    });
    const accountFiles = (f: string) => f.startsWith('accountRefresh--');
    const { n, failures } = await replayAll(mutant, accountFiles);
    expect(n).toBe(files.filter(accountFiles).length);
    expect(failures).toHaveLength(n);
    expect(failures.every((f) => /Determinism|nondetermin/i.test(f.error))).toBe(true);
  }, 180_000);
});
