// Refresh lifecycle: POST /refresh classification, simulated refresh runs, OTP contexts, grading, webhooks.
import { log } from '../../platform/log';
import { historySlips, newSlipAt, settleSlip, unmaskSlip } from './generator';
import type { AccountRec, ContextRec, RefreshRec, SandboxState } from './state';
import { sortSlips } from './state';
import type { RefreshLogEntry, RefreshType, SandboxSlip } from './types';
import { HOUR, type Timers } from './util';
import { ThornSender } from './webhooks';

export interface RefreshPostResponse {
  betRefreshRequested: string;
  refresh: string[];
  noAccess: string[];
  unverified: string[];
  isUnverifiable: string[];
  bookInactive: string[];
  bookRegionInactive: string[];
  rateLimited: string[];
  otpRequired: string[];
  requestId: string;
  cid: string | null;
}

interface Forced {
  status: number;
  detail: string;
}

export const OTP_OK = '123456';
/** grade/system refreshes of a 202 account switch to 202 above this many slips */
const LARGE_REFRESH = 500;

function logError(e: unknown): undefined {
  log.error('sandbox.sharpsports_failed', { error: e as Error });
  return undefined;
}

export class RefreshEngine {
  constructor(
    private readonly st: SandboxState,
    private readonly hooks: ThornSender,
    private readonly timers: Timers,
  ) {}

  private get opts() {
    return this.st.opts;
  }

  /** Handle a refresh POST for the given accounts (one requestId for all of them). */
  async post(accountIds: string[], reverify: boolean): Promise<RefreshPostResponse> {
    const now = this.opts.now();
    const requestId = this.st.hex32();
    const res: RefreshPostResponse = {
      betRefreshRequested: this.st.timestamp(now),
      refresh: [],
      noAccess: [],
      unverified: [],
      isUnverifiable: [],
      bookInactive: [],
      bookRegionInactive: [],
      rateLimited: [],
      otpRequired: [],
      requestId,
      cid: null,
    };
    const type: RefreshType = reverify ? 'reverify' : 'manual';
    const waits: Promise<unknown>[] = [];
    const otpAccounts: string[] = [];
    for (const id of accountIds) {
      const acc = this.st.accounts.get(id)!;
      const entry: RefreshLogEntry = { accountId: id, requestId, at: now, outcome: this.classify(acc, now, reverify) };
      this.st.log.push(entry);
      switch (entry.outcome) {
        case 'noAccess':
          res.noAccess.push(id);
          break;
        case 'paused':
        case 'unverified':
          res.unverified.push(id);
          break;
        case 'isUnverifiable':
          res.unverified.push(id);
          res.isUnverifiable.push(id);
          break;
        case 'bookInactive':
          res.bookInactive.push(id);
          break;
        case 'rateLimited':
          res.rateLimited.push(id);
          break;
        case 'otpRequired':
          res.refresh.push(id);
          res.otpRequired.push(id);
          otpAccounts.push(id);
          this.accept(acc, requestId, now, false); // runs (refreshInProgress) once the OTP arrives
          break;
        default: {
          res.refresh.push(id);
          this.accept(acc, requestId, now);
          const run = this.run(acc, requestId, type, entry).catch(logError);
          if (acc.o.eagerWebhook) waits.push(run);
        }
      }
    }
    if (otpAccounts.length) res.cid = this.openContext(requestId, type, otpAccounts);
    await Promise.all(waits);
    return res;
  }

  private classify(acc: AccountRec, now: number, reverify: boolean): RefreshLogEntry['outcome'] {
    if (!acc.access) return 'noAccess';
    if (acc.paused) return 'paused';
    if (acc.isUnverifiable) return 'isUnverifiable';
    if (!acc.verified && !reverify) return 'unverified';
    if (acc.o.bookInactiveNextPosts > 0) {
      acc.o.bookInactiveNextPosts--;
      return 'bookInactive';
    }
    if (acc.o.rateLimitNextPosts > 0) {
      acc.o.rateLimitNextPosts--;
      return 'rateLimited';
    }
    if (acc.inProgress) return 'rateLimited';
    if (acc.lastAcceptedAt !== null && now - acc.lastAcceptedAt < this.opts.rateLimitSeconds * 1000)
      return 'rateLimited';
    return acc.o.otp ? 'otpRequired' : 'refresh';
  }

  private accept(acc: AccountRec, requestId: string, now: number, inProgress = true): void {
    acc.inProgress = inProgress;
    acc.lastAcceptedAt = now;
    acc.latestRefreshRequestId = requestId;
    acc.betRefreshRequested = this.st.timestamp(now);
  }

  /** Simulate the refresh duration, create the refreshResponse, send its webhook (first attempt awaited only for eager accounts). */
  private async run(
    acc: AccountRec,
    requestId: string,
    type: RefreshType,
    entry?: RefreshLogEntry,
    forced?: Forced,
  ): Promise<RefreshRec> {
    await this.timers.sleep(this.opts.refreshLatencyMs);
    const rec = this.complete(acc, requestId, type, forced);
    if (entry) {
      entry.refreshResponseId = rec.id;
      entry.status = rec.status;
    }
    const delivered = this.deliver(acc, rec).catch(logError);
    if (acc.o.eagerWebhook) await delivered;
    return rec;
  }

  // ---- OTP contexts ----

  private openContext(requestId: string, type: RefreshType, accountIds: string[]): string {
    const ctx: ContextRec = { cid: this.st.cid(), requestId, type, accountIds, used: false };
    for (const id of accountIds) this.st.accounts.get(id)!.openCid = ctx.cid;
    if (this.opts.otpTimeoutMs > 0) {
      ctx.timeout = this.timers.after(this.opts.otpTimeoutMs, () => {
        if (ctx.used) return;
        ctx.used = true;
        for (const id of this.current(ctx))
          void this.runOtp(id, ctx, { status: 406, detail: 'One-Time-Password was not provided' }).catch(logError);
      });
    }
    this.st.contexts.set(ctx.cid, ctx);
    return ctx.cid;
  }

  /** PUT /v1/contexts/<cid> with {"otp": {"BACT_…": "123456"}}. */
  submitOtp(cid: string, body: unknown): { status: number; json: unknown } {
    const ctx = this.st.contexts.get(cid);
    if (!ctx) return { status: 404, json: { detail: 'Not found.' } };
    const otp = (body as { otp?: unknown } | null)?.otp;
    if (!otp || typeof otp !== 'object' || Array.isArray(otp)) {
      return {
        status: 400,
        json: { detail: 'Request body must be JSON of the form {"otp": {"<bettorAccountID>": "<code>"}}' },
      };
    }
    if (ctx.used) return { status: 400, json: { detail: `Context ${cid} has already been used` } };
    const accountIds = this.current(ctx);
    if (!accountIds.length)
      return { status: 400, json: { detail: `Context ${cid} was superseded by a newer refresh request` } };
    ctx.used = true;
    this.timers.cancel(ctx.timeout);
    const codes = otp as Record<string, unknown>;
    for (const id of accountIds) {
      const code = codes[id];
      const forced =
        code === OTP_OK
          ? undefined
          : {
              status: 406,
              detail:
                code == null || code === '' ? 'One-Time-Password was not provided' : 'Incorrect One-Time-Password',
            };
      void this.runOtp(id, ctx, forced).catch(logError);
    }
    return { status: 200, json: { cid, requestId: ctx.requestId, bettorAccounts: accountIds } };
  }

  /** Accounts of a context still waiting on it (a later otpRequired POST supersedes an older cid). */
  private current(ctx: ContextRec): string[] {
    return ctx.accountIds.filter((id) => this.st.accounts.get(id)!.openCid === ctx.cid);
  }

  private runOtp(accountId: string, ctx: ContextRec, forced?: Forced): Promise<RefreshRec> {
    const acc = this.st.accounts.get(accountId)!;
    acc.openCid = null;
    acc.inProgress = true;
    const entry = [...this.st.log].reverse().find((e) => e.requestId === ctx.requestId && e.accountId === accountId);
    return this.run(acc, ctx.requestId, ctx.type, entry, forced);
  }

  // ---- refreshes the loader did not start ----

  async trigger(accountId: string, type: 'cadence' | 'system' | 'grade'): Promise<string> {
    const acc = this.st.accounts.get(accountId);
    if (!acc) throw new Error(`unknown bettorAccount ${accountId}`);
    if (!acc.access) throw new Error(`${accountId}: access revoked, SharpSports does not refresh it`);
    const requestId = this.st.hex32();
    if (type !== 'cadence') {
      const rec = this.complete(acc, requestId, type);
      void this.deliver(acc, rec).catch(logError);
      return rec.id;
    }
    if (acc.paused || !acc.verified || acc.isUnverifiable)
      throw new Error(`${accountId}: paused or unverified, no cadence refresh`);
    if (acc.inProgress) throw new Error(`${accountId}: a refresh is already in progress`);
    this.accept(acc, requestId, this.opts.now());
    return (await this.run(acc, requestId, 'cadence')).id;
  }

  async gradePending(accountId?: string): Promise<void> {
    for (const acc of this.st.accounts.values()) {
      if (accountId && acc.id !== accountId) continue;
      const due = this.st.season?.hasDue(acc.id, this.opts.now()) ?? false;
      if (!due && !this.st.accountSlips(acc.id).some((s) => s.status === 'pending')) continue;
      const rec = this.complete(acc, this.st.hex32(), 'grade');
      void this.deliver(acc, rec).catch(logError);
    }
  }

  // ---- the refresh itself ----

  private complete(acc: AccountRec, requestId: string, type: RefreshType, forced?: Forced): RefreshRec {
    const now = this.opts.now();
    let status: number;
    let detail: string | null;
    if (forced) ({ status, detail } = forced);
    else if (type === 'grade' || type === 'system') {
      status = 200;
      detail = null;
    } else if (acc.o.failNextRefreshes > 0) {
      acc.o.failNextRefreshes--;
      status = 500;
      detail = 'unhandled error';
    } else {
      status = acc.o.status;
      detail = acc.o.detail;
    }
    const id = this.st.newId('RRES');
    let changed: SandboxSlip[] = [];
    if (status === 200 || status === 202) {
      changed = this.mutateSlips(acc, type, now);
      for (const s of changed) s.refreshResponse = id;
      if (type !== 'grade' && type !== 'system') acc.successfulRefreshes++;
      else if (acc.o.status === 202 && changed.length > LARGE_REFRESH) status = 202;
    }
    if (status === 401 && acc.o.unverifyOn401) acc.verified = false;
    if (type !== 'grade' && type !== 'system') {
      acc.inProgress = false;
      acc.lastRefreshAt = now;
    }
    const rec: RefreshRec = {
      id,
      accountId: acc.id,
      bettorId: acc.bettorId,
      timeCreated: this.st.timestamp(now),
      status,
      detail,
      requestId,
      type,
      slips: structuredClone(sortSlips(changed)),
      slipIds: new Set(changed.map((s) => s.id)),
    };
    this.st.refreshes.set(id, rec);
    acc.latestRefreshResponseId = id;
    return rec;
  }

  /** The slips a successful refresh creates or updates (live objects, already stored). */
  private mutateSlips(acc: AccountRec, type: RefreshType, now: number): SandboxSlip[] {
    const pending = () => this.st.accountSlips(acc.id).filter((s) => s.status === 'pending');
    const meta = (s: SandboxSlip) => this.st.slipMeta.get(s.id)!;
    const changed = new Map<string, SandboxSlip>();
    // Season slips placed since the last refresh arrive with whatever refresh comes next.
    for (const s of this.st.season?.takeDue(acc.gen, now) ?? []) {
      this.st.slips.set(s.id, s);
      changed.set(s.id, s);
      acc.balance = Math.max(0, acc.balance - s.atRisk);
    }
    const settle = (s: SandboxSlip, force: boolean) => {
      if (settleSlip(s, meta(s), now, force)) {
        changed.set(s.id, s);
        if (s.status === 'completed') acc.balance += s.atRisk + (s.netProfit ?? 0);
      }
    };
    if (type === 'grade') {
      for (const s of pending()) settle(s, true);
    } else if (type === 'system') {
      for (const s of this.st.accountSlips(acc.id)) if (unmaskSlip(s, meta(s))) changed.set(s.id, s);
    } else if (acc.successfulRefreshes === 0) {
      const n = acc.o.historySlips ?? this.opts.initialSlipsPerAccount;
      for (const s of historySlips(acc.gen, n, now)) {
        this.st.slips.set(s.id, s);
        changed.set(s.id, s);
      }
    } else {
      // settlement arrives through later refreshes: finished games, plus about half of the other pending slips
      for (const s of pending()) settle(s, acc.gen.rng.chance(0.5));
      const from = Math.max(acc.lastRefreshAt ?? now - 6 * HOUR, now - 6 * HOUR);
      const count = acc.gen.rng.int(1, 3);
      for (let i = 0; i < count; i++) {
        const placedAt = Math.min(now - 1000, Math.floor((from + acc.gen.rng.next() * (now - from)) / 1000) * 1000);
        const s = newSlipAt(acc.gen, placedAt, 4 * 24 * HOUR);
        if (!s) continue;
        this.st.slips.set(s.id, s);
        changed.set(s.id, s);
        acc.balance = Math.max(0, acc.balance - s.atRisk);
      }
    }
    return [...changed.values()];
  }

  // ---- a listing that changes while it is paged (ScenarioOverrides.pageDrift) ----

  /** Grow (n > 0) or shrink (n < 0) the slips of refresh response `rrId`; returns the ids added or moved. */
  driftListing(rrId: string, n: number): string[] {
    const rec = this.st.refreshes.get(rrId);
    if (!rec || n === 0) return [];
    const acc = this.st.accounts.get(rec.accountId)!;
    const listing = sortSlips([...rec.slipIds].map((id) => this.st.slips.get(id)!).filter(Boolean));
    if (n > 0) {
      // New slips placed before the first one listed: they sort first, so every later slip shifts right.
      let at = (listing[0] ? Date.parse(listing[0].timePlaced) : this.opts.now()) - 1000;
      const added: string[] = [];
      for (let tries = 0; added.length < n && tries < n * 20; tries++, at -= 1000) {
        const s = newSlipAt(acc.gen, at, 4 * 24 * HOUR);
        if (!s) continue;
        s.refreshResponse = rrId;
        this.st.slips.set(s.id, s);
        rec.slipIds.add(s.id);
        rec.slips.push(structuredClone(s));
        added.push(s.id);
      }
      return added;
    }
    // The first |n| slips move to a newer (system) refresh response, delivered by webhook with the slips.
    const moved = listing.slice(0, -n);
    const now = this.opts.now();
    const next: RefreshRec = {
      id: this.st.newId('RRES'),
      accountId: acc.id,
      bettorId: acc.bettorId,
      timeCreated: this.st.timestamp(now),
      status: 200,
      detail: null,
      requestId: this.st.hex32(),
      type: 'system',
      slips: structuredClone(moved),
      slipIds: new Set(moved.map((s) => s.id)),
    };
    for (const s of moved) {
      s.refreshResponse = next.id;
      rec.slipIds.delete(s.id);
    }
    for (const s of next.slips) s.refreshResponse = next.id;
    rec.slips = rec.slips.filter((s) => rec.slipIds.has(s.id));
    this.st.refreshes.set(next.id, next);
    acc.latestRefreshResponseId = next.id;
    void this.deliver(acc, next).catch(logError);
    return moved.map((s) => s.id);
  }

  // ---- webhooks ----

  /** Send refreshresponse.created (and bettoraccount.unverified after a password change) per the account's scenario. */
  private async deliver(acc: AccountRec, rec: RefreshRec): Promise<void> {
    // a lost webhook is recoverable by polling GET /v1/refreshResponses?requestId=, so only refreshes the client requested lose theirs
    if (acc.o.dropWebhooks && (rec.type === 'manual' || rec.type === 'reverify')) return;
    const body = ThornSender.envelope('refreshresponse.created', this.st.refreshWebhookData(rec));
    const meta = { refreshResponseId: rec.id, accountId: acc.id };
    const delay = acc.o.webhookDelayMs;
    if (acc.o.duplicateWebhooks) void this.hooks.send('refreshresponse.created', body, meta, delay + 200);
    await this.hooks.send('refreshresponse.created', body, meta, delay);
    if (rec.status === 401 && acc.o.unverifyOn401) await this.sendAccountEvent(acc, 'bettoraccount.unverified');
  }

  sendAccountEvent(acc: AccountRec, event: 'bettoraccount.unverified' | 'bettoraccount.inaccessible'): Promise<void> {
    const data = { id: acc.id, bettor: acc.bettorId, book: acc.book.abbr, region: acc.region.name };
    return this.hooks.send(event, ThornSender.envelope(event, data), { accountId: acc.id });
  }
}
