/**
 * Crash failpoints for the reliability tests (test/reliability/crash-*.test.ts).
 *
 * `LINEHOUSE_FAILPOINTS=before_insert:bet_slips@3,during_insert:odds_ticks@1` arms named points;
 * the Nth time this process passes an armed point it SIGKILLs itself (its whole process group
 * when it leads one, as `linehouse up` does when a test starts it detached, so its Temporal dev
 * server dies with it, like a machine crash). Unset, the variable is read once at load and every
 * call is one Map lookup on an empty map: production behaviour is unchanged.
 *
 * Names used in the code:
 *   before_insert:<table>                 platform/warehouse/client.ts, before the insert is sent
 *   during_insert:<table>                 platform/warehouse/client.ts, right after the insert started, before it is acknowledged
 *   after_insert:<table>                  platform/warehouse/client.ts, after the insert was acknowledged
 *   after_insert_before_checkpoint:<feed> feeds/sink.ts, rows durable, checkpoint not yet written
 *   after_rows_before_marker:page         activities/refresh/loading.ts, a page's slips/bets durable, its load marker not yet written
 *   after_rows_before_marker:landed       refresh/load/load-packages.ts, a load package's slips/bets durable, its markers not yet written
 *   after_marker_before_complete:page     activities/refresh/loading.ts, marker written, activity not yet completed
 */
const armed = parse(process.env.LINEHOUSE_FAILPOINTS);
const hits = new Map<string, number>();

function parse(spec: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = part.lastIndexOf('@');
    const name = at > 0 ? part.slice(0, at) : part;
    const n = at > 0 ? Number(part.slice(at + 1)) : 1;
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`LINEHOUSE_FAILPOINTS: bad hit count in "${part}" (name@N, N ≥ 1)`);
    out.set(name, n);
  }
  return out;
}

/** true when `name` is armed in this process (lets a caller take a different path only then). */
export const failpointArmed = (name: string): boolean => armed.size > 0 && armed.has(name);

/** Dies here (SIGKILL, no cleanup, no flush) on the armed hit of `name`; otherwise returns. */
export function failpoint(name: string): void {
  if (armed.size === 0) return;
  const at = armed.get(name);
  if (at === undefined) return;
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  if (n !== at) return;
  // One synchronous line, so the test can tell a failpoint death from a random kill.
  process.stderr.write(`${JSON.stringify({ msg: 'failpoint.kill', failpoint: name, hit: n, pid: process.pid })}\n`);
  try {
    process.kill(-process.pid, 'SIGKILL'); // the group, when this process leads one
  } catch {
    // not a group leader
  }
  process.kill(process.pid, 'SIGKILL');
}
