import { randomBytes } from 'node:crypto';
// In-memory data model of the sandbox and its JSON serializations.
import {
  ACCOUNT_SPECS,
  BOOKS,
  REGIONS,
  accountIdFor,
  bettorIdFor,
  generatedAccountSpecs,
  type ScenarioName,
} from './catalog';
import { EventCalendar } from './events';
import type { GenContext, SlipMeta } from './generator';
import type {
  BookJson,
  BookRegionJson,
  RefreshLogEntry,
  RefreshType,
  SandboxSlip,
  ScenarioOverrides,
  SharpSportsSandboxOptions,
} from './types';
import { DAY, MINUTE, Rng, hashSeed, isoMicros } from './util';
import { SEASON_SCENARIOS, SeasonBook } from './season';
import type { Season } from '../season';

export type ResolvedOptions = Required<Omit<SharpSportsSandboxOptions, 'webhookUrl' | 'season'>>;

export function resolveOptions(o: SharpSportsSandboxOptions): ResolvedOptions {
  return {
    port: o.port ?? 0,
    apiKey: o.apiKey,
    webhookSecret: o.webhookSecret,
    seed: o.seed ?? 42,
    rateLimitSeconds: o.rateLimitSeconds ?? 60,
    refreshLatencyMs: o.refreshLatencyMs ?? 300,
    delayedWebhookMs: o.delayedWebhookMs ?? 5000,
    bigAccountSlips: o.bigAccountSlips ?? 2500,
    initialSlipsPerAccount: o.initialSlipsPerAccount ?? 12,
    otpTimeoutMs: o.otpTimeoutMs ?? 0,
    generatedAccounts: o.generatedAccounts ?? 0,
    now: o.now ?? Date.now,
    idSalt: o.idSalt ?? randomBytes(8).toString('hex'),
  };
}

export interface BettorRec {
  id: string;
  internalId: string;
  timeCreatedMs: number;
  betRefreshRequested: string | null;
  accountIds: string[];
}

export interface AccountRec {
  id: string;
  bettorId: string;
  internalId: string;
  book: BookJson;
  region: BookRegionJson;
  scenario: ScenarioName;
  o: ScenarioOverrides;
  verified: boolean;
  access: boolean;
  paused: boolean;
  isUnverifiable: boolean;
  tfa: boolean;
  balance: number;
  timeCreatedMs: number;
  betRefreshRequested: string | null;
  latestRefreshResponseId: string | null;
  latestRefreshRequestId: string | null;
  inProgress: boolean;
  openCid: string | null;
  lastAcceptedAt: number | null;
  lastRefreshAt: number | null;
  successfulRefreshes: number;
  gen: GenContext;
}

export interface RefreshRec {
  id: string;
  accountId: string;
  bettorId: string;
  timeCreated: string;
  status: number;
  detail: string | null;
  requestId: string;
  type: RefreshType;
  slips: SandboxSlip[];
  slipIds: Set<string>;
}

export interface ContextRec {
  cid: string;
  requestId: string;
  type: RefreshType;
  accountIds: string[];
  used: boolean;
  timeout?: NodeJS.Timeout;
}

const BASE: ScenarioOverrides = {
  status: 200,
  detail: null,
  failNextRefreshes: 0,
  otp: false,
  rateLimitNextPosts: 0,
  bookInactiveNextPosts: 0,
  unverifyOn401: false,
  dropWebhooks: false,
  duplicateWebhooks: false,
  eagerWebhook: false,
  webhookDelayMs: 0,
  historySlips: null,
  slowResponseMs: 0,
  slowNextPosts: 0,
  slowNextPages: 0,
  truncateNextPages: 0,
  duplicateAcrossPages: 0,
  pageDrift: 0,
  pageDriftTimes: 1,
};

function preset(s: ScenarioName, o: ResolvedOptions): Partial<ScenarioOverrides> {
  switch (s) {
    case 'delayed':
      return { webhookDelayMs: o.delayedWebhookMs };
    case 'errorlogin':
      return { verified: false, isUnverifiable: true };
    case 'errorbet':
      return { status: 500, detail: 'unhandled error' };
    case 'changepassword':
      return {
        status: 401,
        detail: 'Login failed: the password for this account has been changed. The bettor must reverify the account.',
        unverifyOn401: true,
      };
    case 'otp':
      return { otp: true };
    case 'big':
      return { status: 202, historySlips: o.bigAccountSlips };
    case 'throttled':
      return { rateLimitNextPosts: 2 };
    case 'maintenance':
      return { bookInactiveNextPosts: 2 };
    case 'revoked':
      return { access: false };
    case 'lostwebhook':
      return { dropWebhooks: true };
    case 'eager':
      return { eagerWebhook: true };
    case 'duplicate':
      return { duplicateWebhooks: true };
    case 'flaky':
      return { failNextRefreshes: 1 };
    default:
      return {};
  }
}

export class SandboxState {
  readonly bettors = new Map<string, BettorRec>();
  readonly accounts = new Map<string, AccountRec>();
  readonly slips = new Map<string, SandboxSlip>();
  readonly slipMeta = new Map<string, SlipMeta>();
  readonly refreshes = new Map<string, RefreshRec>();
  readonly contexts = new Map<string, ContextRec>();
  readonly bookRefs = new Set<string>();
  readonly log: RefreshLogEntry[] = [];
  readonly calendar: EventCalendar;
  readonly season: SeasonBook | null;
  private readonly idRng: Rng;

  constructor(
    readonly opts: ResolvedOptions,
    season?: Season,
  ) {
    this.calendar = new EventCalendar(opts.seed);
    this.idRng = new Rng(hashSeed(opts.seed, `ids:${opts.idSalt}`));
    const start = opts.now();
    let bettorIdx = -1;
    [...ACCOUNT_SPECS, ...generatedAccountSpecs(opts.generatedAccounts)].forEach((spec, k) => {
      const bettorId = bettorIdFor(spec.internalId);
      let bettor = this.bettors.get(bettorId);
      if (!bettor) {
        bettorIdx++;
        bettor = {
          id: bettorId,
          internalId: spec.internalId,
          timeCreatedMs: start - (40 + bettorIdx) * DAY,
          betRefreshRequested: null,
          accountIds: [],
        };
        this.bettors.set(bettorId, bettor);
      }
      const id = accountIdFor(spec.internalId, spec.abbr);
      bettor.accountIds.push(id);
      const rng = new Rng(hashSeed(opts.seed, 'account', id));
      const acc: AccountRec = {
        id,
        bettorId,
        internalId: spec.internalId,
        book: BOOKS[spec.abbr],
        region: REGIONS[k % REGIONS.length],
        scenario: spec.scenario,
        o: { ...BASE },
        verified: true,
        access: true,
        paused: false,
        isUnverifiable: false,
        tfa: false,
        balance: rng.int(50, 2000) * 100,
        timeCreatedMs: bettor.timeCreatedMs + (10 - bettor.accountIds.length) * MINUTE,
        betRefreshRequested: null,
        latestRefreshResponseId: null,
        latestRefreshRequestId: null,
        inProgress: false,
        openCid: null,
        lastAcceptedAt: null,
        lastRefreshAt: null,
        successfulRefreshes: 0,
        gen: {
          rng,
          ids: new Rng(hashSeed(opts.seed, 'account-ids', id, opts.idSalt)),
          calendar: this.calendar,
          bettorId,
          accountId: id,
          book: BOOKS[spec.abbr],
          unitSize: rng.pick([1000, 2000, 2500, 5000, 10000]),
          bookRefs: this.bookRefs,
          meta: this.slipMeta,
        },
      };
      this.accounts.set(id, acc);
      this.applyOverrides(acc, preset(spec.scenario, opts));
    });
    const bettingAccounts = [...this.accounts.values()]
      .filter((a) => SEASON_SCENARIOS.has(a.scenario))
      .map((a) => ({ id: a.id, abbr: a.book.abbr }));
    this.season = season ? new SeasonBook(season, bettingAccounts) : null;
  }

  applyOverrides(acc: AccountRec, patch: Partial<ScenarioOverrides>): void {
    const { access, paused, verified, isUnverifiable, ...rest } = patch;
    if (access !== undefined) acc.access = access;
    if (paused !== undefined) acc.paused = paused;
    if (verified !== undefined) acc.verified = verified;
    if (isUnverifiable !== undefined) acc.isUnverifiable = isUnverifiable;
    Object.assign(acc.o, rest);
    if (rest.otp !== undefined) acc.tfa = rest.otp;
  }

  hex32(): string {
    return this.idRng.hex(32);
  }
  newId(prefix: 'RRES'): string {
    return `${prefix}_${this.hex32()}`;
  }
  cid(): string {
    const h = this.hex32();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  timestamp(ms: number): string {
    return isoMicros(ms, this.idRng.int(0, 999));
  }

  findBettor(idOrInternal: string): BettorRec | undefined {
    return this.bettors.get(idOrInternal) ?? [...this.bettors.values()].find((b) => b.internalId === idOrInternal);
  }

  accountSlips(accountId: string): SandboxSlip[] {
    return sortSlips([...this.slips.values()].filter((s) => s.bettorAccount === accountId));
  }

  // ---- serializations ----

  bettorJson(b: BettorRec, withMetadata = false): Record<string, unknown> {
    const json: Record<string, unknown> = {
      id: b.id,
      internalId: b.internalId,
      betRefreshRequested: b.betRefreshRequested,
      timeCreated: isoMicros(b.timeCreatedMs, 0),
    };
    if (withMetadata) json.metadata = { ...this.metadata(b.accountIds), totalAccounts: b.accountIds.length };
    return json;
  }

  accountJson(a: AccountRec, withMetadata = false): Record<string, unknown> {
    const latest = a.latestRefreshResponseId ? this.refreshes.get(a.latestRefreshResponseId) : undefined;
    const json: Record<string, unknown> = {
      id: a.id,
      bettor: a.bettorId,
      book: { ...a.book },
      bookRegion: { ...a.region },
      verified: a.verified,
      access: a.access,
      paused: a.paused,
      betRefreshRequested: a.betRefreshRequested,
      latestRefreshResponse: latest
        ? {
            id: latest.id,
            timeCreated: latest.timeCreated,
            status: latest.status,
            detail: latest.detail,
            requestId: latest.requestId,
          }
        : null,
      latestRefreshRequestId: a.latestRefreshRequestId,
      balance: a.balance,
      timeCreated: isoMicros(a.timeCreatedMs, 0),
      missingBets: 0,
      isUnverifiable: a.isUnverifiable,
      refreshInProgress: a.inProgress,
      TFA: a.tfa,
    };
    if (!a.access) delete json.balance;
    if (withMetadata) json.metadata = this.metadata([a.id]);
    return json;
  }

  private metadata(accountIds: string[]): Record<string, number> {
    const slips = [...this.slips.values()].filter((s) => accountIds.includes(s.bettorAccount));
    const handle = slips.reduce((t, s) => t + s.atRisk, 0);
    const done = slips.filter((s) => s.status === 'completed');
    const wins = done.filter((s) => s.outcome === 'win').length;
    return {
      handle,
      unitSize: slips.length ? Math.round(handle / slips.length) : 0,
      netProfit: done.reduce((t, s) => t + (s.netProfit ?? 0), 0),
      winPercentage: done.length ? Math.round((wins / done.length) * 10000) / 100 : 0,
    };
  }

  /** refreshresponse.created webhook `data`: bettor and bettorAccount as strings; betSlips only for 200. */
  refreshWebhookData(r: RefreshRec): Record<string, unknown> {
    return {
      id: r.id,
      timeCreated: r.timeCreated,
      bettor: r.bettorId,
      bettorAccount: r.accountId,
      status: r.status,
      detail: r.detail,
      requestId: r.requestId,
      type: r.type,
      betSlips: r.status === 200 ? r.slips : [],
    };
  }

  /** GET /v1/refreshResponses form: bettorAccount as {id, bettor, book}. */
  refreshJson(r: RefreshRec): Record<string, unknown> {
    const a = this.accounts.get(r.accountId)!;
    return {
      id: r.id,
      bettorAccount: { id: a.id, bettor: a.bettorId, book: { ...a.book } },
      timeCreated: r.timeCreated,
      status: r.status,
      detail: r.detail,
      requestId: r.requestId,
      type: r.type,
      betSlips: r.status === 200 ? r.slips : [],
    };
  }
}

export function sortSlips(slips: SandboxSlip[]): SandboxSlip[] {
  return slips.sort((a, b) =>
    a.timePlaced < b.timePlaced ? -1 : a.timePlaced > b.timePlaced ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}
