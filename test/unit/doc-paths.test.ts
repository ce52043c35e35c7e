import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../platform/paths';

/**
 * Every repository path a doc or a code comment names exists: after a move, a stale path in a
 * doc is a wrong map. Not checked: paths with placeholders (`<provider>`, `*`); what names the
 * past by design (bench/RESULTS.md's changelog, and applied migrations, which are frozen: a
 * changed one would be a different migration); and test code, which builds trees of its own.
 */
const TOP = [
  'lib',
  'platform',
  'refresh',
  'feeds',
  'clv',
  'odds',
  'rejections',
  'workflows',
  'activities',
  'workers',
  'schemas',
  'sql',
  'sandbox',
  'cli',
  'bench',
  'test',
  'scripts',
  'docs',
  'bin',
  'deploy',
];
const PATH = new RegExp(
  `(?<![\\w./-])((?:${TOP.join('|')})/[\\w./-]*\\w\\.(?:ts|sql|md|mjs|json|sh|yml))(?![\\w/<*{-])`,
  'g',
);
const SKIP_DIRS = new Set(['node_modules', '.git', '.tools', '.linehouse', 'dist', 'fixtures', 'test-results']);

function files(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else if (/\.(ts|mjs|md|sql|sh)$/.test(e.name) || e.name === 'Dockerfile') out.push(p);
  }
  return out;
}

export function missingPaths(root: string): string[] {
  const out: string[] = [];
  for (const file of files(root)) {
    const rel = path.relative(root, file);
    if (rel === path.join('bench', 'RESULTS.md') || rel.startsWith(path.join('sql', 'migrations') + path.sep)) continue;
    if (rel.startsWith('test' + path.sep) && !rel.endsWith('.md')) continue;
    const text = fs.readFileSync(file, 'utf8');
    // In code, only comments and strings name paths; imports are checked by tsc.
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (/^\s*(import|export) .* from '/.test(line)) return;
      for (const m of line.matchAll(PATH)) {
        const p = m[1];
        if (!fs.existsSync(path.join(root, p))) out.push(`${rel}:${i + 1}: ${p}`);
      }
    });
  }
  return out;
}

describe('paths named in docs and comments', () => {
  it('exist', () => {
    expect(missingPaths(REPO_ROOT)).toEqual([]);
  });

  it('negative control: a planted stale path is reported with its file and line', () => {
    fs.mkdirSync(path.join(REPO_ROOT, 'test-results'), { recursive: true });
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, 'test-results', 'doc-paths-'));
    try {
      fs.mkdirSync(path.join(dir, 'docs'));
      fs.mkdirSync(path.join(dir, 'refresh'));
      fs.writeFileSync(path.join(dir, 'refresh', 'here.ts'), '');
      fs.writeFileSync(path.join(dir, 'docs', 'x.md'), 'see refresh/here.ts\nand lib/gone.ts and refresh/gone.ts\n');
      expect(missingPaths(dir)).toEqual(['docs/x.md:2: lib/gone.ts', 'docs/x.md:2: refresh/gone.ts']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
