import fs from 'node:fs';
import tty from 'node:tty';

/**
 * chDB runs each statement through ClickHouse's client code, whose standard input is the host
 * process's fd 0 (chdb-io/chdb-core#239). For an INSERT whose data is inline (VALUES, a raw
 * JSONEachRow body, client.insert) that code peeks at fd 0 when it is not a terminal: with
 * bytes waiting there, the engine's default `async_insert = 1` refuses the statement
 * ("Processing async inserts with both inlined and external data", Code 48), and with
 * `async_insert = 0` it appends those bytes to the insert as rows. So the same command passed
 * from a terminal or with `</dev/null` and failed when a caller (a CI harness, a pipe, a
 * here-document, a file) left anything on its standard input.
 *
 * linehouse reads nothing from standard input, so before the first embedded session opens, fd 0
 * is pointed at /dev/null: close(0) and then open(), which takes the lowest free descriptor. A
 * terminal stays as it is (the engine never reads a terminal, and Ctrl-C comes by signal anyway).
 */
let shielded = false;

export function shieldEngineFromStdin(): void {
  if (shielded) return;
  if (tty.isatty(0)) {
    shielded = true;
    return;
  }
  if (!isDevNull(0)) {
    try {
      fs.closeSync(0);
    } catch {
      // fd 0 was already closed: the open below takes it.
    }
    const fd = fs.openSync('/dev/null', 'r');
    if (fd !== 0) {
      fs.closeSync(fd);
      throw new Error(
        'could not point standard input at /dev/null before opening chDB (another thread took fd 0); ' +
          'run the command with </dev/null, or set CLICKHOUSE_URL to use a ClickHouse server',
      );
    }
  }
  if (!isDevNull(0))
    throw new Error('standard input is not /dev/null after redirecting it; run the command with </dev/null');
  shielded = true;
}

function isDevNull(fd: number): boolean {
  try {
    const a = fs.fstatSync(fd);
    const b = fs.statSync('/dev/null');
    return a.isCharacterDevice() && a.rdev === b.rdev;
  } catch {
    return false;
  }
}
