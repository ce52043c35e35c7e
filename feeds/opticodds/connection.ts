// One group's SSE connection: connect, read events, reconnect.
import { request } from 'undici';
import { SseParser } from '../sse';
import { handle } from './events';
import { CLOCK_TOLERANCE_MS, MAX_BACKOFF_MS } from './options';
import { FatalFeedError, type GroupState, type StreamRun } from './run';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** One connection: returns whether it made progress (an event arrived); throws FatalFeedError. */
export async function connectOnce(run: StreamRun, st: GroupState): Promise<boolean> {
  const { stop, agent, pingTimeoutMs, urlFor, log, setConnected } = run;
  const g = st.group;
  const conn = new AbortController();
  const signal = AbortSignal.any([stop.signal, conn.signal]);
  const resumeFrom = st.position;
  const openedAt = Date.now();
  // Entries created before the previous connection ended are certainly replayed; half the
  // outage (at most CLOCK_TOLERANCE_MS) is the margin for clock disagreement.
  const tolerance =
    st.lostAt === null ? CLOCK_TOLERANCE_MS : Math.min(CLOCK_TOLERANCE_MS, Math.max(0, (openedAt - st.lostAt) / 2));
  let firstChecked = resumeFrom === null;
  let progressed = false;
  let stalled = false;
  let busy = false;
  let lastAlive = Date.now();
  const watchdog = setInterval(
    () => {
      if (!busy && Date.now() - lastAlive > pingTimeoutMs) {
        stalled = true;
        conn.abort();
      }
    },
    Math.max(10, Math.min(1_000, pingTimeoutMs / 4)),
  );

  try {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(urlFor(g, resumeFrom), {
        method: 'GET',
        dispatcher: agent,
        signal,
        headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' },
        headersTimeout: pingTimeoutMs,
        bodyTimeout: 0,
      });
    } catch (e) {
      if (!stop.signal.aborted)
        log.warn('opticodds.connect_failed', {
          group: g.key,
          error: stalled ? 'no response headers' : (e as Error).message,
        });
      return false;
    }
    if (res.statusCode !== 200) {
      const text = (await res.body.text().catch(() => '')).slice(0, 300);
      const what = `OpticOdds stream ${g.sport} [${g.leagues.join(', ')}] answered HTTP ${res.statusCode}: ${text}`;
      if (res.statusCode === 401 || res.statusCode === 403)
        throw new FatalFeedError(`${what}. The API key was refused: check OPTICODDS_API_KEY.`);
      if ([400, 404, 405, 422].includes(res.statusCode)) {
        throw new FatalFeedError(
          `${what}. The request was refused: check the sport/league/market/sportsbook settings (OPTICODDS_LEAGUES, …) and OPTICODDS_BASE_URL.`,
        );
      }
      log.warn('opticodds.http_error', { group: g.key, status: res.statusCode, body: text });
      return false;
    }
    const parser = new SseParser();
    try {
      for await (const chunk of res.body) {
        // Any bytes are a sign of life (a large event may span many chunks); only silence is a stall.
        lastAlive = Date.now();
        const events = parser.push(chunk as Buffer);
        if (parser.retry !== undefined) st.retryMs = parser.retry;
        if (events.length === 0) continue;
        if (!progressed) {
          progressed = true;
          st.everConnected = true;
          setConnected(st, true);
        }
        busy = true;
        try {
          firstChecked = await handle(run, st, events, { resumeFrom, openedAt, tolerance, firstChecked });
        } finally {
          busy = false;
          lastAlive = Date.now();
        }
      }
      if (!stop.signal.aborted) log.info('opticodds.stream_ended', { group: g.key, midEvent: parser.midEvent });
    } catch (e) {
      if (e instanceof FatalFeedError) throw e;
      if (stop.signal.aborted) return progressed;
      if (stalled) log.warn('opticodds.stalled', { group: g.key, silentMs: Date.now() - lastAlive, pingTimeoutMs });
      else log.warn('opticodds.disconnected', { group: g.key, error: (e as Error).message, midEvent: parser.midEvent });
    } finally {
      if (!res.body.destroyed) res.body.destroy();
    }
    return progressed;
  } finally {
    clearInterval(watchdog);
    st.lostAt = Date.now();
    setConnected(st, false);
  }
}

/** One group's connection loop: reconnects (honouring `retry:`, with backoff) until the run stops. */
export async function runGroup(run: StreamRun, st: GroupState): Promise<void> {
  const { stop, health, pushHealth, gap, log } = run;
  let failures = 0;
  let first = true;
  while (!stop.signal.aborted) {
    if (!first) pushHealth({ reconnects: health.reconnects + 1 });
    if (!first && st.position === null && st.everConnected) {
      await gap({
        reason: 'reconnect',
        from: null,
        to: null,
        detail: `${st.group.key}: reconnecting before any entry arrived, so there is no last_entry_id to resume from; entries produced while disconnected may be missing.`,
      });
    }
    first = false;
    const progressed = await connectOnce(run, st);
    if (stop.signal.aborted) break;
    failures = progressed ? 0 : failures + 1;
    const delay = failures === 0 ? st.retryMs : Math.min(MAX_BACKOFF_MS, st.retryMs * 2 ** Math.min(failures - 1, 10));
    log.info('opticodds.reconnect_in', { group: st.group.key, ms: delay, failures });
    await sleep(delay, stop.signal);
  }
}
