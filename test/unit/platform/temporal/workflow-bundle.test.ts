import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleKey, cachedWorkflowBundle } from '../../../../platform/temporal/workflow-bundle';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'linehouse-bundle-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fakeRepo(): string {
  const root = fs.mkdtempSync(path.join(tmp, 'repo-'));
  for (const [f, text] of Object.entries({
    'workflows/index.ts': "export * from './a';\n",
    'workflows/a.ts': 'export async function a() {}\n',
    'platform/x.ts': 'export const x = 1;\n',
    'test/t.test.ts': 'it()\n',
    'package-lock.json': '{"lockfileVersion":3}\n',
  })) {
    fs.mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
  return root;
}

describe('workflow bundle key', () => {
  it('is stable for the same code and changes with any source a workflow may import or the lockfile', () => {
    const root = fakeRepo();
    const entry = path.join(root, 'workflows/index.ts');
    const k0 = bundleKey(entry, root);
    expect(bundleKey(entry, root)).toBe(k0);

    fs.writeFileSync(path.join(root, 'test/t.test.ts'), 'it(1)\n');
    expect(bundleKey(entry, root), 'tests are not bundled').toBe(k0);

    fs.writeFileSync(path.join(root, 'workflows/a.ts'), 'export async function a() { return 1; }\n');
    const k1 = bundleKey(entry, root);
    expect(k1).not.toBe(k0);

    fs.writeFileSync(path.join(root, 'platform/y.ts'), 'export const y = 2;\n');
    const k2 = bundleKey(entry, root);
    expect(k2).not.toBe(k1);

    fs.writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3,"x":1}\n');
    expect(bundleKey(entry, root)).not.toBe(k2);
  });
});

describe('cached workflow bundle', () => {
  it('bundles once, then serves the stored bundle; keeps the newest few', async () => {
    const dir = path.join(tmp, 'cache');
    fs.mkdirSync(dir);
    // Bundles of older code, oldest first.
    for (let i = 0; i < 6; i++) {
      const f = path.join(dir, `workflows-${String(i).padStart(24, '0')}.js`);
      fs.writeFileSync(f, 'old');
      fs.utimesSync(f, new Date(Date.now() - (10 - i) * 60_000), new Date(Date.now() - (10 - i) * 60_000));
    }
    const before = process.env.LINEHOUSE_BUNDLE_CACHE_DIR;
    process.env.LINEHOUSE_BUNDLE_CACHE_DIR = dir;
    try {
      const first = await cachedWorkflowBundle();
      expect(first.code).toContain('accountRefresh');
      const file = path.join(dir, `workflows-${bundleKey()}.js`);
      expect(fs.readFileSync(file, 'utf8')).toBe(first.code);
      const left = fs.readdirSync(dir).sort();
      expect(left).toEqual(
        [
          `workflows-${'0'.repeat(23)}2.js`,
          `workflows-${'0'.repeat(23)}3.js`,
          `workflows-${'0'.repeat(23)}4.js`,
          `workflows-${'0'.repeat(23)}5.js`,
          path.basename(file),
        ].sort(),
      );

      // Served from disk, not bundled again: what the file says is what a worker gets.
      fs.writeFileSync(file, '/* stored */');
      expect((await cachedWorkflowBundle()).code).toBe('/* stored */');

      // A cache that cannot be written (here: its directory would be inside a file) costs the
      // bundling, never the start, and leaves no temporary file behind.
      const blocker = path.join(tmp, 'not-a-dir');
      fs.writeFileSync(blocker, '');
      process.env.LINEHOUSE_BUNDLE_CACHE_DIR = path.join(blocker, 'cache');
      expect((await cachedWorkflowBundle()).code).toBe(first.code);
      expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp'))).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.LINEHOUSE_BUNDLE_CACHE_DIR;
      else process.env.LINEHOUSE_BUNDLE_CACHE_DIR = before;
    }
  });
});
