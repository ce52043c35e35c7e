// Where encoded batches wait for chDB to read them (`INSERT … SELECT … FROM file()`).
import fs from 'node:fs';
import path from 'node:path';

const SHM = '/dev/shm';
let stagingSeq = 0;

/**
 * This process's PID namespace (the inode of /proc/self/ns/pid), so a /dev/shm shared between
 * containers never has one container reap another's live directory because the owner's PID
 * means nothing, or someone else, in its own namespace. 'host' when it cannot be read.
 */
export function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1] ?? 'host';
  } catch {
    return 'host';
  }
}

/**
 * Removes staging directories left by processes of this PID namespace that are gone. Another
 * namespace's directories are left alone: their owners may be alive. (One that died leaves at most
 * the batch it was loading, in memory until the tmpfs is cleared.)
 */
export function reapStaging(shm: string, ns: string): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(shm)) {
    const m = /^linehouse-staging-([^-]+)-(\d+)-\d+$/.exec(name);
    if (!m || m[1] !== ns || alive(Number(m[2]))) continue;
    fs.rmSync(path.join(shm, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Memory (tmpfs) when the machine has it, since a staged batch is only a transport (a crash
 * replays it from the checkpoint) and a disk's writeback throttling made each 6 MB write take
 * ~100 ms under load; else the data dir.
 */
export function openStaging(dataDir: string, shm = SHM): string {
  const owned = path.join(dataDir, 'chdb-staging');
  fs.rmSync(owned, { recursive: true, force: true });
  let usable = false;
  try {
    fs.accessSync(shm, fs.constants.W_OK);
    usable = fs.statSync(shm).isDirectory();
  } catch {
    usable = false;
  }
  if (!usable) {
    fs.mkdirSync(owned, { recursive: true });
    return owned;
  }
  const ns = pidNamespace();
  reapStaging(shm, ns);
  const dir = path.join(shm, `linehouse-staging-${ns}-${process.pid}-${++stagingSeq}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Writes a batch's parts, in order, as one file without joining them into one buffer first.
 * `writev` is fs.writevSync (a test passes one that writes less): a writev takes at most IOV_MAX
 * (1024) buffers and may write fewer bytes than it was given.
 */
export function writeStagedFile(
  file: string,
  parts: readonly Buffer[],
  writev: (fd: number, parts: Buffer[]) => number = fs.writevSync,
): void {
  const fd = fs.openSync(file, 'w');
  try {
    const rest = parts.filter((p) => p.length > 0);
    let at = 0;
    while (at < rest.length) {
      let written = writev(fd, rest.slice(at, at + 1024));
      while (written > 0 && at < rest.length) {
        if (written >= rest[at].length) {
          written -= rest[at].length;
          at += 1;
        } else {
          rest[at] = rest[at].subarray(written);
          written = 0;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
