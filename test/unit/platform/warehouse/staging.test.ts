import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openStaging, pidNamespace, reapStaging, writeStagedFile } from '../../../../platform/warehouse/staging';

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

  it('writes a batch from its parts, in order, even when each writev writes only part of what it is given', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-'));
    const parts = Array.from({ length: 1_500 }, (_, i) => Buffer.from(i % 7 === 0 ? '' : `part ${i};`));
    const whole = Buffer.concat(parts);
    writeStagedFile(path.join(dir, 'all'), parts);
    expect(fs.readFileSync(path.join(dir, 'all')).equals(whole)).toBe(true);
    // At most 5 bytes and 1,024 buffers per call, as a kernel may do: every byte once, in order.
    let calls = 0;
    const stingy = (fd: number, bufs: Buffer[]) => {
      calls += 1;
      expect(bufs.length).toBeLessThanOrEqual(1_024);
      return fs.writevSync(fd, [Buffer.concat(bufs).subarray(0, 5)]);
    };
    writeStagedFile(path.join(dir, 'stingy'), parts, stingy);
    expect(fs.readFileSync(path.join(dir, 'stingy')).equals(whole)).toBe(true);
    expect(calls).toBe(Math.ceil(whole.length / 5));
  });
});
