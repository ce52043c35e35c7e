import { Context } from '@temporalio/activity';
import {
  RefreshRequestResponseSchema,
  normalizeRefreshResponse,
  paginated,
  RefreshResponseHeadSchema,
} from '../../schemas/sharpsports';
import { LANDED_REF_COLUMNS, landDelivery, refFromLandedRow, refFromResponse } from '../../refresh/landing/landing';
import { appendRows, lookupByKey, queryRows } from '../../platform/warehouse/client';
import { loadedFor, loadedResponseIds, markerState } from '../../refresh/load/markers';
import { log } from '../../platform/log';
import { dispatchRefreshResponse } from '../../refresh/dispatch';
import type { ActivityDeps } from '../deps';
import { classify } from './failures';
import {
  RECEIVER_HAND_OVER_MS,
  type ImmediateOutcome,
  type RefreshNotDue,
  type RefreshRequestResult,
  type RefreshResponseRef,
} from '../../refresh/contracts';

const OUTCOME_ORDER: ImmediateOutcome[] = [
  'noAccess',
  'isUnverifiable',
  'unverified',
  'bookInactive',
  'bookRegionInactive',
  'rateLimited',
  'otpRequired',
  'refresh',
];

/** Which immediate array names the account; the most restrictive wins when several do. */
export function outcomeFor(accountId: string, response: Record<string, unknown>): ImmediateOutcome {
  for (const key of OUTCOME_ORDER) {
    const list = response[key];
    if (Array.isArray(list) && list.includes(accountId)) return key;
  }
  return 'unlisted';
}

/** How far back the polling path looks for responses nobody is waiting for. */
const ORPHAN_WINDOW_MS = 24 * 3_600_000;
const ORPHAN_PAGE_SIZE = 50;
/** A landed 200 this young without a load marker is still the receiver's to load and hand over (it holds hand-overs this long at most). */
const RECEIVER_HAND_OVER_SECONDS = RECEIVER_HAND_OVER_MS / 1000;
const RefreshResponsePage = paginated(RefreshResponseHeadSchema);

export function createRefreshRequestActivities({ clickhouse, http, config, temporal }: ActivityDeps) {
  /**
   * Responses (200/202) SharpSports made since `sinceMs` that linehouse never loaded, other than
   * `except`: a refresh request that reached SharpSports while the process sending it died (its
   * requestId never recorded, so the retried POST waits for another one) and whose webhook never
   * came or found linehouse down on every try. Each is landed and handed to its account's workflow
   * like a delivery (the webhook sweep finds it too, when this worker has no Temporal client).
   * `path` lists one account's or one bettor's responses. Runs only where such a request is
   * possible (a retried POST) or a webhook is already late (polling), so the common case costs the
   * API nothing.
   */
  async function recoverOrphanResponses(path: string, sinceMs: number, except = ''): Promise<number> {
    const first = RefreshResponsePage.parse(
      await http.get(path, { pageSize: ORPHAN_PAGE_SIZE, pageNum: 1 }).catch(classify),
    );
    const items = [...first.objects];
    // The reference orders the list by timeCreated without saying which way: the newest are on the first or the last page.
    if (first.totalPages > 1)
      items.push(
        ...RefreshResponsePage.parse(
          await http.get(path, { pageSize: ORPHAN_PAGE_SIZE, pageNum: first.totalPages }).catch(classify),
        ).objects,
      );
    const recent = new Map<string, { item: unknown; rr: ReturnType<typeof normalizeRefreshResponse> }>();
    for (const item of items) {
      const rr = normalizeRefreshResponse(item);
      if (rr.id === except || (rr.status !== 200 && rr.status !== 202)) continue;
      if (!rr.timeCreated || !(Date.parse(rr.timeCreated) >= sinceMs)) continue;
      recent.set(rr.id, { item, rr });
    }
    if (recent.size === 0) return 0;
    for (const key of await loadedResponseIds(clickhouse, [...recent.keys()])) recent.delete(key);
    for (const { item, rr } of recent.values()) {
      const deliveryId = `poll:${rr.id}`;
      await landDelivery(clickhouse, {
        deliveryId,
        source: 'poll',
        event: 'refreshresponse.created',
        subscription: '',
        body: JSON.stringify(item),
        refreshResponse: rr,
      });
      if (temporal)
        await dispatchRefreshResponse(temporal, config.sharpsports.policy, refFromResponse(deliveryId, 'poll', rr));
      log.warn('refresh.orphan_recovered', {
        account: rr.bettorAccountId,
        refreshResponse: rr.id,
        requestId: rr.requestId,
        status: rr.status,
        slips: rr.betSlips.length,
        handedOver: Boolean(temporal),
      });
    }
    return recent.size;
  }
  const accountResponses = (accountId: string) =>
    `/v1/bettorAccounts/${encodeURIComponent(accountId)}/refreshResponses`;

  /**
   * Before a retried POST: the previous attempt may have reached SharpSports and died before its
   * answer was recorded. What it started and finished while linehouse was down is collected now
   * (a response finishing later still gets its webhook, linehouse being up again); then the POST
   * goes out again as before.
   */
  async function recoverBeforeRetry(path: string): Promise<void> {
    const info = Context.current().info;
    if (info.attempt <= 1) return;
    // A little before the first attempt was scheduled: SharpSports' clock may run behind ours.
    await recoverOrphanResponses(path, info.scheduledTimestampMs - 60_000).catch((err: Error) => {
      log.warn('refresh.orphan_check_failed', {
        path,
        error: err.message,
        hint: 'a backfill of the account over the last day recovers what it would have found',
      });
    });
  }

  async function lastRefreshAttemptAt({ accountId }: { accountId: string }): Promise<number | null> {
    const row = await lookupByKey<{ lookup_key: string; last: number }>(
      clickhouse,
      'SELECT bettor_account_id AS lookup_key, toUnixTimestamp64Milli(max(requested_at)) AS last FROM refresh_attempts WHERE bettor_account_id IN {keys:Array(String)} GROUP BY bettor_account_id',
      accountId,
    );
    return row ? Number(row.last) : null;
  }

  async function requestAccountRefresh({
    accountId,
    workflowId,
    attempt,
  }: {
    accountId: string;
    workflowId: string;
    attempt: number;
  }): Promise<RefreshRequestResult> {
    await recoverBeforeRetry(accountResponses(accountId));
    const requestedAtMs = Date.now();
    // Recorded before the request leaves, so the rate-limit spacing holds even if we crash here.
    await appendRows(clickhouse, 'refresh_attempts', [
      {
        bettor_account_id: accountId,
        workflow_id: workflowId,
        attempt,
        requested_at: new Date(requestedAtMs).toISOString(),
        request_id: '',
        outcome: 'sent',
      },
    ]);
    const raw = await http.post(`/v1/bettorAccounts/${encodeURIComponent(accountId)}/refresh`).catch(classify);
    const parsed = RefreshRequestResponseSchema.parse(raw);
    const outcome = outcomeFor(accountId, parsed as Record<string, unknown>);
    // SharpSports starts its window somewhere between our send and its answer: count from the
    // answer, so the next attempt can never land inside the window.
    await appendRows(clickhouse, 'refresh_attempts', [
      {
        bettor_account_id: accountId,
        workflow_id: workflowId,
        attempt,
        requested_at: new Date().toISOString(),
        request_id: parsed.requestId,
        outcome,
      },
    ]);
    return { requestId: parsed.requestId, outcome, cid: parsed.cid ?? null, requestedAtMs };
  }

  return {
    lastRefreshAttemptAt,
    requestAccountRefresh,

    /**
     * SharpSports allows one refresh per account per minute, whoever asked: POSTs the refresh when
     * the account's last attempt (any run's) is at least `minSpacingMs` old, and otherwise sends
     * nothing and says how long to wait. One local activity where the spacing lookup and the POST
     * were two (accountRefresh since refresh-lean-2).
     */
    async requestRefreshIfDue(req: {
      accountId: string;
      workflowId: string;
      attempt: number;
      minSpacingMs: number;
    }): Promise<RefreshRequestResult | RefreshNotDue> {
      // A retry follows a POST that may have reached SharpSports (its attempt row is ours): it goes
      // out again at once, as a retried requestAccountRefresh always did.
      if (Context.current().info.attempt > 1) return requestAccountRefresh(req);
      const last = await lastRefreshAttemptAt(req);
      const waitMs = last === null ? 0 : last + req.minSpacingMs - Date.now();
      if (waitMs > 0) return { waitMs };
      return requestAccountRefresh(req);
    },

    async requestBettorRefresh({ bettor, workflowId }: { bettor: string; workflowId: string }) {
      await recoverBeforeRetry(`/v1/bettors/${encodeURIComponent(bettor)}/refreshResponses`);
      const requestedAtMs = Date.now();
      const raw = (await http.post(`/v1/bettors/${encodeURIComponent(bettor)}/refresh`).catch(classify)) as Record<
        string,
        unknown
      >;
      const answeredAt = new Date().toISOString();
      const parsed = RefreshRequestResponseSchema.parse(raw);
      const ids = new Set<string>();
      for (const key of OUTCOME_ORDER)
        for (const id of ((parsed as Record<string, unknown>)[key] as string[] | undefined) ?? []) ids.add(id);
      const accounts = [...ids]
        .sort()
        .map((accountId) => ({ accountId, outcome: outcomeFor(accountId, parsed as Record<string, unknown>) }));
      await appendRows(
        clickhouse,
        'refresh_attempts',
        accounts.map((a) => ({
          bettor_account_id: a.accountId,
          workflow_id: workflowId,
          attempt: 1,
          requested_at: answeredAt,
          request_id: parsed.requestId,
          outcome: a.outcome,
        })),
      );
      const bettorId = bettor.startsWith('BTTR_') ? bettor : null;
      return { requestId: parsed.requestId, cid: parsed.cid ?? null, requestedAtMs, bettorId, accounts };
    },

    async listBettorAccounts({ bettor }: { bettor: string }): Promise<string[]> {
      const raw = (await http
        .get(`/v1/bettors/${encodeURIComponent(bettor)}/bettorAccounts`)
        .catch(classify)) as Array<{ id: string }>;
      return raw.map((a) => a.id);
    },

    async submitOtpCode({ cid, accountId, code }: { cid: string; accountId: string; code: string }): Promise<void> {
      await http.put(`/v1/contexts/${encodeURIComponent(cid)}`, { otp: { [accountId]: code } }).catch(classify);
    },

    /**
     * A webhook may have landed before the workflow knew its requestId (or in an earlier run).
     * A 200 the receiver has loaded comes back with its counts (no load of the workflow's own);
     * one landed moments ago and not loaded yet is the receiver's to load and hand over
     * (refresh/webhook/preloader.ts), so the workflow waits for that signal instead of loading it too.
     */
    async findLandedResponse({
      accountId,
      requestId,
    }: {
      accountId: string;
      requestId: string;
    }): Promise<RefreshResponseRef | null> {
      const rows = await queryRows<any>(
        clickhouse,
        `SELECT ${LANDED_REF_COLUMNS}, received_at > now64(3) - toIntervalSecond({handOver:UInt32}) AS young FROM webhook_deliveries
         WHERE event = 'refreshresponse.created' AND request_id = {r:String} AND bettor_account_id = {a:String}
         ORDER BY received_at LIMIT 1`,
        { r: requestId, a: accountId, handOver: RECEIVER_HAND_OVER_SECONDS },
      );
      if (!rows[0]) return null;
      const ref = refFromLandedRow(rows[0]);
      if (ref.status !== 200) return ref;
      const marker = (await markerState(clickhouse, [ref.refreshResponseId])).loaded.get(ref.refreshResponseId);
      if (marker)
        return { ...ref, loaded: { slips: marker.slips, bets: marker.bets, skipped: !loadedFor(marker, '') } };
      return Number(rows[0].young) ? null : ref;
    },

    /** The fallback when no webhook comes: GET the response, land it like a delivery, return the ref. */
    async pollRefreshResponse({
      accountId,
      requestId,
    }: {
      accountId: string;
      requestId: string;
    }): Promise<RefreshResponseRef | null> {
      const raw = await http.get('/v1/refreshResponses', { requestId }).catch(classify);
      const list = Array.isArray(raw) ? raw : RefreshResponsePage.parse(raw).objects;
      let found: RefreshResponseRef | null = null;
      for (const item of list) {
        const rr = normalizeRefreshResponse(item);
        if (rr.bettorAccountId !== accountId) continue;
        const deliveryId = `poll:${rr.id}`;
        await landDelivery(clickhouse, {
          deliveryId,
          source: 'poll',
          event: 'refreshresponse.created',
          subscription: '',
          body: JSON.stringify(item),
          refreshResponse: rr,
        });
        found = refFromResponse(deliveryId, 'poll', rr);
        break;
      }
      // Once per lost webhook, when the requested response is found: orphans are handed over
      // before this activity completes, so the waiting workflow has them in its inbox before it
      // can finish. Best effort: a failed check never costs the requested response.
      if (found) {
        await recoverOrphanResponses(
          accountResponses(accountId),
          Date.now() - ORPHAN_WINDOW_MS,
          found.refreshResponseId,
        ).catch((err: Error) => {
          log.warn('refresh.orphan_check_failed', {
            account: accountId,
            error: err.message,
            hint: 'a backfill of the account over the last day recovers what it would have found',
          });
        });
      }
      return found;
    },
  };
}
