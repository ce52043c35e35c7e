// The sandboxes' own server side of Server-Sent Events (WHATWG HTML, "Server-sent events"): the
// product only decodes SSE (feeds/sse.ts), so the encoder lives here, written from the spec.

/** One event on the wire: `event:`, `id:`, `retry:`, then one `data:` line per line of data, then a blank line. */
export function formatSseEvent(ev: { event?: string; id?: string; retry?: number; data: string }, eol = '\n'): string {
  let out = '';
  if (ev.event) out += `event: ${ev.event}${eol}`;
  if (ev.id !== undefined) out += `id: ${ev.id}${eol}`;
  if (ev.retry !== undefined) out += `retry: ${ev.retry}${eol}`;
  for (const line of ev.data.split(/\r\n|\r|\n/)) out += `data: ${line}${eol}`;
  return out + eol;
}

/**
 * Order of Redis-stream entry ids "<ms>-<seq>" (the OpticOdds stream's `entry_id`): numeric on
 * both parts, not lexical ("10-0" is after "9-5"). Ids of another shape compare as strings.
 */
export function compareEntryIds(a: string, b: string): number {
  const pa = /^(\d+)-(\d+)$/.exec(a);
  const pb = /^(\d+)-(\d+)$/.exec(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  return Number(pa[1]) - Number(pb[1]) || Number(pa[2]) - Number(pb[2]);
}
