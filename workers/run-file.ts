import fs from 'node:fs';
import path from 'node:path';
import type { Config, RefreshPolicy } from '../platform/config';

/** What `linehouse up` writes to <data dir>/run/up.json so other commands can reach it. */
export interface RunFile {
  pid: number;
  adminUrl: string;
  token: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string;
  webhookUrl: string;
  policy: RefreshPolicy;
  sandbox?: { sharpsportsUrl: string };
}

export const runFilePath = (config: Pick<Config, 'dataDir'>) => path.join(config.dataDir, 'run', 'up.json');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readRunFile(config: Pick<Config, 'dataDir'>): RunFile | null {
  try {
    const run = JSON.parse(fs.readFileSync(runFilePath(config), 'utf8')) as RunFile;
    return isAlive(run.pid) ? run : null;
  } catch {
    return null;
  }
}
