import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../platform/paths';
import { startSharpSportsSandbox, type SharpSportsSandbox } from '../../sandbox/sharpsports';
import { exited, freshPorts, linehouse, startUp, waitHealthy } from '../support/cli';
import { tempDir } from '../support/stack';

/**
 * What the production image runs: `npm run build`'s output alone, laid out as the Dockerfile's
 * final stage lays it out (bin/, sql/, package.json, dist/, the dependencies), with no TypeScript
 * sources and no simulators beside it. The image itself needs a Docker engine, which this
 * machine lacks; this folder is the same files.
 */
let app: string;
let bin: string;
let sandbox: SharpSportsSandbox;
const started: Array<ReturnType<typeof startUp>> = [];

beforeAll(async () => {
  app = tempDir('image');
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), '--out', path.join(app, 'dist')], {
    stdio: 'pipe',
  });
  fs.cpSync(path.join(REPO_ROOT, 'bin'), path.join(app, 'bin'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'sql'), path.join(app, 'sql'), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(app, 'package.json'));
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(app, 'node_modules'));
  bin = path.join(app, 'bin', 'linehouse.mjs');
  sandbox = await startSharpSportsSandbox({
    port: 0,
    apiKey: 'image-key-123',
    webhookSecret: 'image-secret-456',
    rateLimitSeconds: 2,
    refreshLatencyMs: 100,
  });
}, 120_000);

afterAll(async () => {
  for (const c of started)
    if (c.exitCode === null && c.signalCode === null && c.pid)
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
  await sandbox?.close();
});

describe('the compiled build (npm run build)', () => {
  it('holds compiled JavaScript, the prebuilt workflow bundle, and no simulators or sources', () => {
    const files = fs.readdirSync(path.join(app, 'dist'), { recursive: true }) as string[];
    expect(files).toContain(path.join('cli', 'main.js'));
    expect(files).toContain('workflow-bundle.js');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => f.split(path.sep)[0] === 'sandbox')).toEqual([]);
  });

  it('runs up → refresh --wait → query → SIGTERM from dist/ alone, and refuses demo with the next step', async () => {
    const env: Record<string, string> = {
      LINEHOUSE_DATA_DIR: tempDir('image-data'),
      LINEHOUSE_TOOLS_DIR: path.join(REPO_ROOT, '.tools'),
      SHARPSPORTS_BASE_URL: sandbox.url,
      SHARPSPORTS_API_KEY: 'image-key-123',
      SHARPSPORTS_WEBHOOK_SECRET: 'image-secret-456',
      SHARPSPORTS_RATE_LIMIT_SECONDS: '2',
      SHARPSPORTS_WEBHOOK_WAIT_SECONDS: '10',
      ...(await freshPorts()),
    };
    const demo = await linehouse(['demo'], env, 60_000, { bin });
    expect(demo.code).toBe(1);
    expect(demo.stderr).toMatch(/simulators are not in the compiled build.*npm run demo/);

    sandbox.setWebhookUrl(`http://127.0.0.1:${env.WEBHOOK_PORT}/webhooks/sharpsports`);
    const up = startUp([], env, { bin });
    started.push(up);
    await waitHealthy(Number(env.WEBHOOK_PORT), up);
    // No bundling at start: the worker loaded dist/workflow-bundle.js.
    expect(up.output()).not.toMatch(/worker\.bundled/);

    const refreshed = await linehouse(['refresh', '--bettor', 'gooduser', '--wait'], env, 120_000, { bin });
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const q = await linehouse(
      ['query', "SELECT count() AS n FROM bet_slips FINAL WHERE bettor_account_id LIKE 'BACT_gooduser%'"],
      env,
      60_000,
      { bin },
    );
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout.trim()).n).toBe(
      sandbox.slips('BACT_gooduser_dk').length + sandbox.slips('BACT_gooduser_fd').length,
    );

    process.kill(up.pid!, 'SIGTERM');
    expect(await exited(up)).toEqual({ code: 0, signal: null });
  }, 300_000);
});
