import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshPorts, linehouse } from '../support/cli';
import { tempDir } from '../support/stack';

/**
 * The README's first command. The demo checks itself (every sandbox slip in the warehouse exactly
 * once, the backfill finds nothing new) and exits non-zero when a check fails; this runs it as a
 * user would and holds the terminal to the story, with every event in the structured log file.
 */
describe('linehouse demo', () => {
  it('runs every refresh path, the season and the CLV report, and keeps the JSON log out of the terminal', async () => {
    const dataDir = tempDir('demo');
    const env = { LINEHOUSE_DATA_DIR: dataDir, ...(await freshPorts()) };
    const r = await linehouse(['demo'], env, 420_000);
    expect(r.code, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);

    const lines = r.stdout.split('\n');
    const slips = /this run: all (\d+) sandbox slips landed, each exactly once/.exec(r.stdout);
    expect(Number(slips?.[1])).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/0 new, 0 updated, \d+ unchanged/);
    expect(r.stdout).toMatch(/CLV by bettor/);
    expect(r.stdout).toMatch(/^done in [\d.]+ s\./m);
    expect(
      lines.filter((l) => l.startsWith('{')),
      'structured log lines on the terminal',
    ).toEqual([]);
    // Only warnings and errors may reach the terminal's stderr, and each is still one JSON line.
    for (const l of r.stderr.split('\n').filter((x) => x.startsWith('{')))
      expect(JSON.parse(l).level).toMatch(/^(warn|error)$/);

    const logs = fs.readdirSync(path.join(dataDir, 'logs'));
    expect(logs).toHaveLength(1);
    expect(r.stdout).toContain(path.join('logs', logs[0]));
    const events = fs
      .readFileSync(path.join(dataDir, 'logs', logs[0]), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).event as string);
    for (const e of ['warehouse.ready', 'feed.started', 'webhook.accepted', 'linehouse.stopped'])
      expect(events).toContain(e);
  }, 480_000);
});
