import {
  condition,
  continueAsNew,
  deprecatePatch,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { RefreshActivities } from '../../activities/refresh';
import {
  progressQuery,
  refreshResponseCreated,
  submitOtp,
  type AccountRefreshInput,
  type AccountRefreshResult,
  type CarriedState,
  type LoadedResponse,
  type PagingCursor,
  type RefreshPhase,
} from './messages';
import {
  IMMEDIATE_STATUS,
  type RefreshRequestResult,
  type RefreshResponseRef,
  type RefreshRunRecord,
} from '../../refresh/contracts';
import { afterPage, firstCursor, pageToLoad } from './paging';
import { RefreshIndex, showRequest, showResult } from './indexing';

const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 };
const api = proxyActivities<RefreshActivities>({ startToCloseTimeout: '1 minute', retry });
// A page load heartbeats: when its worker dies the page is retried elsewhere within seconds.
const pageApi = proxyActivities<RefreshActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry,
});
// The warehouse steps (a lookup, a load, a marker, a run row) as local activities: no task queue
// round trip, no events of their own beyond a marker (bench/RESULTS.md). Idempotent like every activity.
const steps = proxyLocalActivities<RefreshActivities>({ startToCloseTimeout: '1 minute', retry });
// POST refresh is not idempotent, but SharpSports answers a second POST within the window with
// `rateLimited` (handled below) and a refresh whose answer was lost still reaches us by webhook:
// few, spaced retries. The POST is a local activity: SharpSports answers it at once (the refresh
// runs on their side) and a task queue round trip was the refresh's costliest command.
const requestOptions = {
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 3 },
};
const requestApi = proxyActivities<RefreshActivities>(requestOptions);
const localRequestApi = proxyLocalActivities<RefreshActivities>(requestOptions);

/** How long a refresh waits for its webhook before it shows the wait (phase, memo) and looks for a landed response. */
const QUIET_WAIT = '2 seconds';
const jitter = (seconds: number) => seconds * 1000 * (1 + Math.random() * 0.25);

/**
 * One SharpSports bettorAccount refresh: request, await the response (webhook, else polling),
 * load it (every page of a 202), back off and ask again on 429/424/5xx (the refresh lifecycle in
 * README.md and docs/architecture.md). Workflow id `refresh-<BACT>`: one refresh per account at a
 * time. Webhooks for refreshes linehouse did not start are signalled here too and loaded before
 * the run completes.
 */
export async function accountRefresh(input: AccountRefreshInput): Promise<AccountRefreshResult> {
  // Deprecated, not removed: histories recorded with the patch's marker keep replaying (docs/operations.md § Upgrades).
  deprecatePatch('refresh-lean-2');
  const { accountId, policy } = input;
  const info = workflowInfo();
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
  const { result, inbox } = carried;
  const handled = new Set(carried.handled);
  let otpCode: string | null = null;
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
  const index = new RefreshIndex(info.typedSearchAttributes);
  const setPhase = (p: RefreshPhase) => index.setPhase(p);
  setHandler(progressQuery, () => ({
    phase: index.phase,
    attempts: result.attempts,
    requestId: result.requestId,
    pages: result.pages,
    slips: result.slips,
    inbox: inbox.length,
  }));

  const identify = (ref?: RefreshResponseRef) => {
    if (ref?.bettorId) bettorId = ref.bettorId;
    if (ref?.bookAbbr) bookAbbr = ref.bookAbbr;
    index.note({
      kind: 'refresh',
      account: accountId,
      ...(bettorId ? { bettor: bettorId } : {}),
      ...(bookAbbr ? { book: bookAbbr } : {}),
    });
  };
  identify();

  const carryOn = (paging?: CarriedState['paging']): Promise<never> =>
    continueAsNew<typeof accountRefresh>({
      ...input,
      preset: undefined,
      bettorId: bettorId ?? undefined,
      bookAbbr: bookAbbr ?? undefined,
      carried: {
        result,
        inbox,
        handled: [...handled].slice(-500),
        ownDone: carried.ownDone,
        paging,
        startedAtMs: carried.startedAtMs,
      },
    });

  /** What every refresh_runs row of this run says about the run itself. */
  const runFields = () => ({
    workflowId: info.workflowId,
    bettorAccountId: accountId,
    bettorId,
    bookAbbr,
    attempts: result.attempts,
    finishedAtMs: Date.now(),
  });
  /** The run row of a loaded response, but its slips and bets. */
  const runRecord = (
    ref: RefreshResponseRef,
    own: boolean,
    detail: string | null,
    pages: number,
  ): Omit<RefreshRunRecord, 'slips' | 'bets'> => ({
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
  /** The run row of a request that got no response (no one-time password, an immediate answer). */
  const recordUnanswered = (req: RefreshRequestResult, status: number, detail: string | null) =>
    steps.recordRefreshRun({
      ...runFields(),
      requestId: req.requestId,
      refreshResponseId: '',
      type: 'manual',
      origin: 'linehouse',
      status,
      detail,
      pages: 0,
      slips: 0,
      bets: 0,
      startedAtMs: req.requestedAtMs,
    });

  /** Request: the spacing check and the POST in one local activity, which sends nothing inside the window. */
  async function request(): Promise<RefreshRequestResult> {
    if (input.preset && result.attempts === 1 && !input.prior) return input.preset;
    for (;;) {
      setPhase('requesting');
      const step = await localRequestApi.requestRefreshIfDue({
        accountId,
        workflowId: info.workflowId,
        attempt: result.attempts,
        minSpacingMs: policy.minSpacingSeconds * 1000,
      });
      if (!('waitMs' in step)) return step;
      setPhase('spacing');
      await sleep(step.waitMs);
    }
  }

  /** Await: webhook first (usually there within a moment, and then nothing is shown); else a landed response, else polling. */
  async function awaitResponse(requestId: string): Promise<RefreshResponseRef | null> {
    const arrived = () => inbox.some((r) => r.requestId === requestId);
    const take = (): RefreshResponseRef | undefined => {
      const i = inbox.findIndex((r) => r.requestId === requestId);
      return i >= 0 ? inbox.splice(i, 1)[0] : undefined;
    };
    if (arrived() || (await condition(arrived, QUIET_WAIT))) return take()!;
    showRequest(requestId, result.attempts);
    setPhase('awaiting-webhook');
    const early = take() ?? (await steps.findLandedResponse({ accountId, requestId }));
    if (early) return early;
    if (await condition(arrived, `${policy.webhookWaitSeconds}s`)) return take()!;
    setPhase('polling');
    const deadline = Date.now() + policy.pollDeadlineSeconds * 1000;
    while (Date.now() < deadline) {
      const polled = await api.pollRefreshResponse({ accountId, requestId });
      if (polled) return take() ?? polled;
      if (await condition(arrived, `${policy.pollIntervalSeconds}s`)) return take()!;
    }
    return null;
  }

  /** Every page of a 202, from page 1 again while the listing moves (paging.ts); then the distinct sums. */
  async function pageThrough(ref: RefreshResponseRef, own: boolean, resume?: PagingCursor) {
    let cursor = resume ?? firstCursor(ref);
    for (;;) {
      const page = await pageApi.loadBetSlipPage(pageToLoad(cursor, policy.pageSize));
      result.pages += 1;
      const step = afterPage(cursor, page);
      cursor = step.cursor;
      if (step.settled) {
        const distinct = await steps.markResponseLoaded({
          refreshResponseId: ref.refreshResponseId,
          slips: cursor.slips,
          bets: cursor.bets,
          pages: cursor.pages,
        });
        return { pages: cursor.pages, slips: distinct.slips, bets: distinct.bets, listingChanged: step.listingChanged };
      }
      if (step.repage) deprecatePatch('repage-on-listing-change'); // where patched() was: its markers keep replaying
      if (workflowInfo().continueAsNewSuggested) await carryOn({ ...cursor, own });
    }
  }

  /** Load: one response (the slips of a landed delivery, or every page of a 202) and its run row. */
  async function load(ref: RefreshResponseRef, own: boolean, resume?: PagingCursor): Promise<LoadedResponse> {
    // Claimed before the first await, so a re-delivery signalled mid-load is ignored.
    handled.add(ref.refreshResponseId);
    identify(ref);
    const loaded: LoadedResponse = {
      refreshResponseId: ref.refreshResponseId,
      requestId: ref.requestId,
      status: ref.status,
      type: ref.type,
      pages: 0,
      slips: 0,
      bets: 0,
      skipped: false,
    };
    let detail = ref.detail;
    if (ref.status === 202) {
      setPhase(own ? 'paging' : 'loading-other');
      const paged = await pageThrough(ref, own, resume);
      Object.assign(loaded, { pages: paged.pages, slips: paged.slips, bets: paged.bets });
      detail = paged.listingChanged ?? ref.detail;
    } else if (ref.status === 200) {
      setPhase(own ? 'loading' : 'loading-other');
      // Loaded by the receiver that landed it, or here: the load and the run row in one local activity.
      const r =
        ref.loaded ??
        (await steps.loadLandedAndRecord({
          deliveryId: ref.deliveryId,
          loader: `${info.workflowId}/${info.runId}`,
          run: runRecord(ref, own, ref.detail, 0),
        }));
      Object.assign(loaded, { slips: r.slips, bets: r.bets, skipped: r.skipped });
    }
    result.loaded.push(loaded);
    result.slips += loaded.slips;
    result.bets += loaded.bets;
    if (ref.status !== 200 || ref.loaded)
      await steps.recordRefreshRun({
        ...runRecord(ref, own, detail, loaded.pages),
        slips: loaded.slips,
        bets: loaded.bets,
      });
    return loaded;
  }

  /** Linehouse's own refresh: request, await, load; back off and ask again on 429, 424 and 5xx while the budget lasts. */
  async function refreshOwn(): Promise<Pick<AccountRefreshResult, 'status' | 'detail'>> {
    const backoff = backoffs(input.prior?.status, Date.now() + policy.maintenanceDeadlineSeconds * 1000);
    for (;;) {
      result.attempts += 1;
      const req = await request();
      result.requestId = req.requestId;
      if (req.outcome === 'otpRequired') {
        showRequest(req.requestId, result.attempts);
        setPhase('awaiting-otp');
        if (!(await condition(() => otpCode !== null, `${policy.otpWaitSeconds}s`)) || !req.cid) {
          const detail = req.cid
            ? 'no one-time password was submitted in time'
            : 'OTP required but SharpSports returned no cid';
          await recordUnanswered(req, 406, detail);
          return { status: 406, detail };
        }
        await requestApi.submitOtpCode({ cid: req.cid, accountId, code: otpCode! });
        otpCode = null;
      } else if (req.outcome !== 'refresh' && req.outcome !== 'unlisted') {
        const status = IMMEDIATE_STATUS[req.outcome];
        await recordUnanswered(req, status, `immediate: ${req.outcome}`);
        if ((status === 429 || status === 424) && (await backoff(status))) continue;
        return { status, detail: `immediate: ${req.outcome}` };
      }
      const ref = await awaitResponse(req.requestId);
      if (!ref)
        return { status: null, detail: `no refresh response for request ${req.requestId} by webhook or polling` };
      result.refreshResponseId = ref.refreshResponseId;
      await load(ref, true);
      // Anything else ends the run: 200, 202, the terminal 401/403/406, …
      const retryAs = ref.status >= 500 ? 500 : ref.status === 429 || ref.status === 424 ? ref.status : null;
      if (retryAs && (await backoff(retryAs))) continue;
      return { status: ref.status, detail: ref.detail };
    }
  }

  /** Back off: sleeps before the next attempt, or answers false when the budget for this status is spent. */
  function backoffs(prior: number | undefined, maintenanceDeadline: number) {
    const tries = { 429: prior === 429 ? 1 : 0, 424: prior === 424 ? 1 : 0, 500: (prior ?? 0) >= 500 ? 1 : 0 };
    return async (status: 429 | 424 | 500): Promise<boolean> => {
      const n = ++tries[status];
      if (status !== 424 && n >= (status === 429 ? policy.rateLimitedMaxAttempts : policy.serverErrorMaxAttempts))
        return false;
      // 429: the spacing window; 424: doubling up to 8× until the maintenance deadline; 5xx: doubling.
      const wait = jitter(
        status === 429
          ? policy.minSpacingSeconds
          : status === 424
            ? policy.maintenanceBackoffSeconds * Math.min(2 ** (n - 1), 8)
            : policy.minSpacingSeconds * 2 ** (n - 1),
      );
      if (status === 424 && Date.now() + wait > maintenanceDeadline) return false;
      setPhase(`backoff-${status}`);
      await sleep(wait);
      return true;
    };
  }

  if (carried.paging) {
    const { own, ...cursor } = carried.paging;
    await load(cursor.ref, own, cursor);
  }
  if (!carried.ownDone) {
    Object.assign(result, await refreshOwn());
    carried.ownDone = true;
  }
  // Responses for refreshes linehouse did not start (cadence, system, grade) or late duplicates.
  while (inbox.length > 0) {
    const ref = inbox.shift()!;
    if (handled.has(ref.refreshResponseId)) continue;
    const loaded = await load(ref, false);
    if (input.mode === 'deliveries')
      Object.assign(result, {
        status: loaded.status,
        requestId: ref.requestId,
        refreshResponseId: ref.refreshResponseId,
      });
    if (workflowInfo().continueAsNewSuggested && inbox.length > 0) await carryOn();
  }
  index.done(result.status);
  showResult(result);
  return result;
}
