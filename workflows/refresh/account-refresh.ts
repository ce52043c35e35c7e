import {
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { SA_ACCOUNT, SA_BETTOR, SA_BOOK, SA_KIND, SA_PHASE, SA_STATUS } from '../../platform/temporal/search-attributes';
import {
  IMMEDIATE_STATUS,
  progressQuery,
  refreshResponseCreated,
  submitOtp,
  type AccountRefreshInput,
  type AccountRefreshResult,
  type CarriedState,
  type LoadedResponse,
  type PagingCursor,
  type RefreshPhase,
  type RefreshRequestResult,
  type RefreshResponseRef,
  type RefreshRunRecord,
} from './messages';

/** index()'s keys: the search attributes a refresh sets. */
const SEARCH_ATTRIBUTES: Record<string, typeof SA_KIND | typeof SA_ACCOUNT | typeof SA_BETTOR | typeof SA_BOOK | typeof SA_PHASE | typeof SA_STATUS> = {
  kind: SA_KIND,
  account: SA_ACCOUNT,
  bettor: SA_BETTOR,
  book: SA_BOOK,
  phase: SA_PHASE,
  status: SA_STATUS,
};

const api = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

// A page load heartbeats; when its worker dies the page is retried elsewhere within seconds,
// not after the full start-to-close timeout.
const pageApi = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

// POST refresh is not idempotent: a blind retry could start a second refresh. Retrying is still
// safe here because SharpSports answers a second POST within the window with `rateLimited`,
// which the state machine handles, and a refresh whose answer was lost still reaches us as a
// webhook that is loaded as another response. So: few, spaced retries.
const requestApi = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 3 },
});

// The POST as a local activity (patched 'refresh-lean-2'): SharpSports answers it at once (the
// refresh itself runs on their side and comes back by webhook), and a remote activity's task
// round trip was the costliest command of the refresh's Temporal shape (bench/refresh.ts
// --shapes). The same timeout and the same few spaced retries as requestApi.
const localRequestApi = proxyLocalActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 3 },
});

// The warehouse steps (a lookup, a load, a marker, a run row) as local activities: no task queue
// round trip, no events of their own beyond a marker — half the server work per refresh
// (bench/RESULTS.md, refresh throughput). They are idempotent like every activity.
const warehouseSteps = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Phases an operator filters on: the waits. The sub-second ones are in the progress query only. */
const WAITING_PHASES = new Set<RefreshPhase>(['spacing', 'awaiting-webhook', 'polling', 'awaiting-otp', 'paging', 'backoff-429', 'backoff-424', 'backoff-500', 'loading-other']);

const TERMINAL = new Set([401, 403, 406]);

/** How long a refresh waits for its webhook before it shows the wait (phase, memo) and looks for a landed response. */
const QUIET_WAIT = '2 seconds';

/** Passes over a paged response whose listing keeps changing before the run says slips may be missing. */
const MAX_PAGING_PASSES = 4;

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * One SharpSports bettorAccount refresh, request to webhook to pagination to retries
 * (DESIGN: the refresh lifecycle). Workflow id `refresh-<BACT>`: one refresh per account at a
 * time. Webhooks for refreshes linehouse did not start are signalled here too and loaded
 * before the run completes.
 */
export async function accountRefresh(input: AccountRefreshInput): Promise<AccountRefreshResult> {
  const { accountId, policy } = input;
  const info = workflowInfo();
  // Runs started before this version replay with remote activities and an upsert per phase.
  // Runs started before refresh-lean-2 POST through a remote activity, upsert each attribute as it
  // changes and note the request in the memo before any wait. A new run checks one patch, not
  // two: each patch a run takes is a marker and a TemporalChangeVersion upsert.
  const lean2 = patched('refresh-lean-2');
  // Before refresh-lean-steps: remote activities for the warehouse steps and an upsert per phase.
  const lean = lean2 || patched('refresh-lean-steps');
  const steps = lean ? warehouseSteps : api;
  const carried: CarriedState = input.carried ?? {
    result: {
      account: accountId,
      workflowId: info.workflowId,
      mode: input.mode ?? 'request',
      status: null,
      detail: null,
      requestId: null,
      refreshResponseId: null,
      attempts: input.prior?.attempts ?? 0,
      pages: 0,
      slips: 0,
      bets: 0,
      loaded: [],
    },
    inbox: [],
    handled: [],
    ownDone: input.mode === 'deliveries',
    startedAtMs: Date.now(),
  };
  const result = carried.result;
  const inbox = carried.inbox;
  const handled = new Set(carried.handled);
  let otpCode: string | null = null;
  let phase: RefreshPhase = 'starting';
  let bettorId = input.bettorId ?? null;
  let bookAbbr = input.bookAbbr ?? null;

  setHandler(refreshResponseCreated, (ref) => {
    if (ref.bettorAccountId !== accountId) return;
    if (handled.has(ref.refreshResponseId) || inbox.some((r) => r.refreshResponseId === ref.refreshResponseId)) return;
    inbox.push(ref);
  });
  setHandler(submitOtp, (code) => {
    otpCode = code;
  });
  setHandler(progressQuery, () => ({
    phase,
    attempts: result.attempts,
    requestId: result.requestId,
    pages: result.pages,
    slips: result.slips,
    inbox: inbox.length,
  }));

  let indexed: Record<string, string | number> = {};
  // What the starter set (platform/temporal/search-attributes.ts refreshStartAttributes) is not upserted again.
  if (lean2) {
    for (const [name, key] of Object.entries(SEARCH_ATTRIBUTES)) {
      const value = info.typedSearchAttributes.get(key);
      if (value !== undefined) indexed[name] = value as string | number;
    }
  }
  /** lean2: changes wait here and go out as one upsert before the run waits or ends. */
  let unindexed: Record<string, string | number> = {};
  const upsert = (entries: Array<[string, string | number]>) =>
    upsertSearchAttributes(entries.map(([k, v]) => ({ key: SEARCH_ATTRIBUTES[k], value: v })) as Parameters<typeof upsertSearchAttributes>[0]);
  /** Upserts only the search attributes whose value changed (each upsert is an event and server work). */
  const index = (values: Record<string, string | number>) => {
    const changed = Object.entries(values).filter(([k, v]) => !lean || indexed[k] !== v);
    if (changed.length === 0) return;
    indexed = { ...indexed, ...Object.fromEntries(changed) };
    if (lean2) Object.assign(unindexed, Object.fromEntries(changed));
    else upsert(changed);
  };
  const flushIndex = () => {
    const entries = Object.entries(unindexed);
    unindexed = {};
    if (entries.length > 0) upsert(entries);
  };
  const setPhase = (p: RefreshPhase) => {
    phase = p;
    if (!lean || WAITING_PHASES.has(p)) {
      index({ phase: p });
      flushIndex();
    }
  };
  const identify = (ref?: RefreshResponseRef) => {
    if (ref?.bettorId) bettorId = ref.bettorId;
    if (ref?.bookAbbr) bookAbbr = ref.bookAbbr;
    index({ kind: 'refresh', account: accountId, ...(bettorId ? { bettor: bettorId } : {}), ...(bookAbbr ? { book: bookAbbr } : {}) });
  };
  identify();

  const carryOn = (paging?: CarriedState['paging']): Promise<never> =>
    continueAsNew<typeof accountRefresh>({
      ...input,
      preset: undefined,
      bettorId: bettorId ?? undefined,
      bookAbbr: bookAbbr ?? undefined,
      carried: { result, inbox, handled: [...handled].slice(-500), ownDone: carried.ownDone, paging, startedAtMs: carried.startedAtMs },
    });

  /** What every refresh_runs row of this run says about the run itself. */
  const runFields = () => ({ workflowId: info.workflowId, bettorAccountId: accountId, bettorId, bookAbbr, attempts: result.attempts, finishedAtMs: Date.now() });

  /** The run row of a loaded response, but its slips and bets. */
  const runRecord = (ref: RefreshResponseRef, own: boolean, detail: string | null, pages: number): Omit<RefreshRunRecord, 'slips' | 'bets'> => ({
    ...runFields(),
    requestId: ref.requestId,
    refreshResponseId: ref.refreshResponseId,
    type: ref.type,
    origin: own ? 'linehouse' : 'sharpsports',
    status: ref.status,
    detail,
    pages,
    startedAtMs: carried.startedAtMs,
  });

  async function record(row: Omit<RefreshRunRecord, keyof ReturnType<typeof runFields>>) {
    await steps.recordRefreshRun({ ...runFields(), ...row });
  }

  /** Loads one response (slips in the landed delivery, or every page for a 202). */
  async function load(ref: RefreshResponseRef, own: boolean, resume?: PagingCursor): Promise<LoadedResponse> {
    // Claimed before the first await, so a re-delivery signalled mid-load is ignored.
    handled.add(ref.refreshResponseId);
    identify(ref);
    let loaded: LoadedResponse;
    let listingChanged: string | null = null;
    let recorded = false;
    if (ref.status === 202) {
      setPhase(own ? 'paging' : 'loading-other');
      const cursor: PagingCursor = resume ?? { ref, nextPage: 1, totalPages: 1, slips: 0, bets: 0, pages: 0 };
      for (;;) {
        const pass = cursor.pass ?? 1;
        while (cursor.nextPage <= cursor.totalPages) {
          const page = await pageApi.loadBetSlipPage({ ref, pageNum: cursor.nextPage, pageSize: policy.pageSize, ...(pass > 1 ? { pass } : {}) });
          // The listing changed under us (slips added, or moved to another response): pages shifted,
          // so this pass may have skipped slips.
          if (cursor.nextPage > 1 && page.totalPages !== cursor.totalPages) {
            cursor.changed ??= `totalPages changed while paging (${cursor.totalPages} → ${page.totalPages} at page ${cursor.nextPage})`;
            cursor.lastChange = `pass ${pass}: totalPages ${cursor.totalPages} → ${page.totalPages} at page ${cursor.nextPage}`;
            cursor.changedInPass = pass;
          }
          cursor.digests = [...(cursor.digests ?? []), page.digest ?? ''];
          cursor.totalPages = page.totalPages;
          cursor.slips += page.slips;
          cursor.bets += page.bets;
          cursor.pages += 1;
          cursor.nextPage += 1;
          result.pages += 1;
          if (workflowInfo().continueAsNewSuggested && cursor.nextPage <= cursor.totalPages) await carryOn({ ...cursor, own });
        }
        if (pass === 1 && cursor.changedInPass !== 1) break;
        // Once the listing has moved, only two consecutive passes that read the same slips in the
        // same order (and no page count change inside the later one) show that nothing was skipped.
        const settled = pass > 1 && cursor.changedInPass !== pass && sameList(cursor.digests ?? [], cursor.previousDigests ?? []);
        if (settled) {
          listingChanged = `${cursor.changed}; re-paged from page 1: passes ${pass - 1} and ${pass} read the same listing`;
          break;
        }
        // Histories recorded before re-paging existed went straight to markResponseLoaded here.
        if (pass >= MAX_PAGING_PASSES || !patched('repage-on-listing-change')) {
          const moved = cursor.changedInPass === pass ? cursor.lastChange : `pass ${pass} listed other slips than pass ${pass - 1}`;
          listingChanged = pass === 1 ? `${cursor.changed}: slips may be missing, backfill the account` : `${cursor.changed}; paged ${pass} times and the listing kept moving (${moved}): slips may be missing, backfill the account`;
          break;
        }
        // Re-page from page 1: slips are upserts keyed by id, so what an earlier pass stored is stored again, not twice.
        Object.assign(cursor, { pass: pass + 1, nextPage: 1, totalPages: 1, previousDigests: cursor.digests, digests: [] });
        if (workflowInfo().continueAsNewSuggested) await carryOn({ ...cursor, own });
      }
      const distinct = await steps.markResponseLoaded({ refreshResponseId: ref.refreshResponseId, slips: cursor.slips, bets: cursor.bets, pages: cursor.pages });
      // Older histories recorded no result here (replay keeps the per-page sums).
      if (distinct && typeof distinct.slips === 'number') Object.assign(cursor, { slips: distinct.slips, bets: distinct.bets });
      loaded = { refreshResponseId: ref.refreshResponseId, requestId: ref.requestId, status: ref.status, type: ref.type, pages: cursor.pages, slips: cursor.slips, bets: cursor.bets, skipped: false };
    } else if (ref.status === 200) {
      setPhase(own ? 'loading' : 'loading-other');
      const loader = `${info.workflowId}/${info.runId}`;
      let r = ref.loaded;
      if (!r && lean2) {
        // The load and the run row in one local activity.
        r = await steps.loadLandedAndRecord({ deliveryId: ref.deliveryId, loader, run: runRecord(ref, own, ref.detail, 0) });
        recorded = true;
      }
      // Histories from before the receiver loaded carry no `loaded`, so they replay the same commands.
      r ??= await steps.loadLandedResponse({ deliveryId: ref.deliveryId, ...(lean ? { loader } : {}) });
      loaded = { refreshResponseId: ref.refreshResponseId, requestId: ref.requestId, status: ref.status, type: ref.type, pages: 0, slips: r.slips, bets: r.bets, skipped: r.skipped };
    } else {
      loaded = { refreshResponseId: ref.refreshResponseId, requestId: ref.requestId, status: ref.status, type: ref.type, pages: 0, slips: 0, bets: 0, skipped: false };
    }
    result.loaded.push(loaded);
    result.slips += loaded.slips;
    result.bets += loaded.bets;
    if (!recorded) await steps.recordRefreshRun({ ...runRecord(ref, own, listingChanged ?? ref.detail, loaded.pages), slips: loaded.slips, bets: loaded.bets });
    return loaded;
  }

  const takeFromInbox = (requestId: string): RefreshResponseRef | undefined => {
    const i = inbox.findIndex((r) => r.requestId === requestId);
    return i >= 0 ? inbox.splice(i, 1)[0] : undefined;
  };

  /** Webhook first; a response that never comes by webhook is fetched by polling. */
  async function awaitResponse(requestId: string): Promise<RefreshResponseRef | null> {
    if (lean2) {
      // The webhook usually lands while the POST's answer is on its way: a moment's wait, nothing shown.
      const arrived = () => inbox.some((r) => r.requestId === requestId);
      if (arrived() || (await condition(arrived, QUIET_WAIT))) return takeFromInbox(requestId)!;
      upsertMemo({ requestId, attempts: result.attempts });
    }
    setPhase('awaiting-webhook');
    const early = takeFromInbox(requestId) ?? (await steps.findLandedResponse({ accountId, requestId }));
    if (early) return early;
    if (await condition(() => inbox.some((r) => r.requestId === requestId), `${policy.webhookWaitSeconds}s`)) return takeFromInbox(requestId)!;
    setPhase('polling');
    const deadline = Date.now() + policy.pollDeadlineSeconds * 1000;
    while (Date.now() < deadline) {
      const polled = await api.pollRefreshResponse({ accountId, requestId });
      if (polled) return takeFromInbox(requestId) ?? polled;
      if (await condition(() => inbox.some((r) => r.requestId === requestId), `${policy.pollIntervalSeconds}s`)) return takeFromInbox(requestId)!;
    }
    return null;
  }

  const jitter = (seconds: number) => seconds * 1000 * (1 + Math.random() * 0.25);

  /** lean2: the spacing check and the POST in one local activity, which sends nothing inside the window. */
  async function requestWhenDue(): Promise<RefreshRequestResult> {
    for (;;) {
      setPhase('requesting');
      const step = await localRequestApi.requestRefreshIfDue({ accountId, workflowId: info.workflowId, attempt: result.attempts, minSpacingMs: policy.minSpacingSeconds * 1000 });
      if (!('waitMs' in step)) return step;
      setPhase('spacing');
      await sleep(step.waitMs);
    }
  }

  async function refreshOwn(): Promise<void> {
    let rateLimited = input.prior?.status === 429 ? 1 : 0;
    let serverErrors = (input.prior?.status ?? 0) >= 500 ? 1 : 0;
    let maintenanceWaits = input.prior?.status === 424 ? 1 : 0;
    const maintenanceDeadline = Date.now() + policy.maintenanceDeadlineSeconds * 1000;

    const finish = (status: number | null, detail: string | null) => {
      result.status = status;
      result.detail = detail;
    };
    // Returns false when the retry budget for this status is spent.
    const backoff = async (status: number): Promise<boolean> => {
      if (status === 429) {
        if (++rateLimited >= policy.rateLimitedMaxAttempts) return false;
        setPhase('backoff-429');
        await sleep(jitter(policy.minSpacingSeconds));
      } else if (status === 424) {
        const wait = jitter(policy.maintenanceBackoffSeconds * Math.min(2 ** maintenanceWaits++, 8));
        if (Date.now() + wait > maintenanceDeadline) return false;
        setPhase('backoff-424');
        await sleep(wait);
      } else {
        if (++serverErrors >= policy.serverErrorMaxAttempts) return false;
        setPhase('backoff-500');
        await sleep(jitter(policy.minSpacingSeconds * 2 ** (serverErrors - 1)));
      }
      return true;
    };

    for (;;) {
      result.attempts += 1;
      let request: RefreshRequestResult;
      if (input.preset && result.attempts === 1 && !input.prior) {
        request = input.preset;
      } else if (lean2) {
        request = await requestWhenDue();
      } else {
        // SharpSports allows one refresh per account per minute; count attempts by any run.
        const last = await steps.lastRefreshAttemptAt({ accountId });
        const wait = last === null ? 0 : last + policy.minSpacingSeconds * 1000 - Date.now();
        if (wait > 0) {
          setPhase('spacing');
          await sleep(wait);
        }
        setPhase('requesting');
        request = await requestApi.requestAccountRefresh({ accountId, workflowId: info.workflowId, attempt: result.attempts });
      }
      result.requestId = request.requestId;
      if (!lean2) upsertMemo({ requestId: request.requestId, attempts: result.attempts });

      if (request.outcome === 'otpRequired') {
        if (lean2) upsertMemo({ requestId: request.requestId, attempts: result.attempts });
        setPhase('awaiting-otp');
        if (!(await condition(() => otpCode !== null, `${policy.otpWaitSeconds}s`)) || !request.cid) {
          finish(406, request.cid ? 'no one-time password was submitted in time' : 'OTP required but SharpSports returned no cid');
          await record({ requestId: request.requestId, refreshResponseId: '', type: 'manual', origin: 'linehouse', status: 406, detail: result.detail, pages: 0, slips: 0, bets: 0, startedAtMs: request.requestedAtMs });
          return;
        }
        await requestApi.submitOtpCode({ cid: request.cid, accountId, code: otpCode! });
        otpCode = null;
      } else if (request.outcome !== 'refresh' && request.outcome !== 'unlisted') {
        const status = IMMEDIATE_STATUS[request.outcome];
        await record({ requestId: request.requestId, refreshResponseId: '', type: 'manual', origin: 'linehouse', status, detail: `immediate: ${request.outcome}`, pages: 0, slips: 0, bets: 0, startedAtMs: request.requestedAtMs });
        if ((status === 429 || status === 424) && (await backoff(status))) continue;
        finish(status, `immediate: ${request.outcome}`);
        return;
      }

      const ref = await awaitResponse(request.requestId);
      if (!ref) {
        finish(null, `no refresh response for request ${request.requestId} by webhook or polling`);
        return;
      }
      result.refreshResponseId = ref.refreshResponseId;
      await load(ref, true);
      if (ref.status === 200 || ref.status === 202 || TERMINAL.has(ref.status)) {
        finish(ref.status, ref.detail);
        return;
      }
      if ((ref.status === 429 || ref.status === 424 || ref.status >= 500) && (await backoff(ref.status >= 500 ? 500 : ref.status))) continue;
      finish(ref.status, ref.detail);
      return;
    }
  }

  if (carried.paging) {
    const { own, ...cursor } = carried.paging;
    await load(cursor.ref, own, cursor);
  }
  if (!carried.ownDone) {
    await refreshOwn();
    carried.ownDone = true;
  }
  // Responses for refreshes linehouse did not start (cadence, system, grade) or late duplicates.
  while (inbox.length > 0) {
    const ref = inbox.shift()!;
    if (handled.has(ref.refreshResponseId)) continue;
    const loaded = await load(ref, false);
    if (input.mode === 'deliveries') {
      result.status = loaded.status;
      result.requestId = ref.requestId;
      result.refreshResponseId = ref.refreshResponseId;
    }
    if (workflowInfo().continueAsNewSuggested && inbox.length > 0) await carryOn();
  }
  if (lean) {
    phase = 'done';
    index({ phase: 'done', ...(result.status !== null ? { status: result.status } : {}) });
    flushIndex();
  } else {
    setPhase('done');
    if (result.status !== null) upsertSearchAttributes([{ key: SA_STATUS, value: result.status }]);
  }
  // lean2 notes the request here (a run that never waited noted nothing before).
  upsertMemo({ ...(lean2 ? { requestId: result.requestId } : {}), slips: result.slips, bets: result.bets, pages: result.pages, attempts: result.attempts, status: result.status, detail: result.detail });
  return result;
}
