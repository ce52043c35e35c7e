#!/usr/bin/env node
// The `linehouse` command. In a checkout it runs the TypeScript sources through tsx; the
// production image has only the compiled build (npm run build → dist/), which runs as is.
import fs from 'node:fs';

const sources = new URL('../cli/main.ts', import.meta.url);
if (fs.existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
