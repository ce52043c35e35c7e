import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openStaging, pidNamespace, reapStaging } from '../../lib/warehouse/staging';

/** A PID that belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('batch staging directories', () => {
  it('reaps only dead owners of its own PID namespace: another namespace’s directory may belong to a live process', () => {
    const shm = fs.mkdtempSync(path.join(os.tmpdir(), 'shm-'));
    const ns = pidNamespace();
    const dead = deadPid();
    const mine = `linehouse-staging-${ns}-${process.pid}-1`;
    const deadHere = `linehouse-staging-${ns}-${dead}-1`;
    // The same PID number in another container's namespace: dead here, maybe alive there.
    const otherNs = `linehouse-staging-4026999999-${dead}-1`;
    const unrelated = 'something-else';
    for (const d of [mine, deadHere, otherNs, unrelated]) fs.mkdirSync(path.join(shm, d));
    fs.writeFileSync(path.join(shm, otherNs, 'batch-1.native'), 'x');

    expect(reapStaging(shm, ns)).toEqual([deadHere]);
    expect(fs.readdirSync(shm).sort()).toEqual([mine, otherNs, unrelated].sort());
    expect(fs.existsSync(path.join(shm, otherNs, 'batch-1.native'))).toBe(true);
  });

  it('opens a fresh directory named by namespace and PID, and falls back to the data dir without a tmpfs', () => {
    const shm = fs.mkdtempSync(path.join(os.tmpdir(), 'shm-'));
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'data-'));
    const dir = openStaging(data, shm);
    expect(path.basename(dir)).toMatch(new RegExp(`^linehouse-staging-${pidNamespace()}-${process.pid}-\\d+$`));
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(openStaging(data, path.join(shm, 'missing'))).toBe(path.join(data, 'chdb-staging'));
  });
});
