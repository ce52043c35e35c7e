/**
 * Zod schemas for the SharpSports payloads linehouse consumes: GET responses,
 * the immediate response of POST .../refresh, and webhook bodies.
 *
 * Policy: real payloads are sloppier than the docs, so a rule refuses only
 * what cannot be loaded, and refuses it record by record.
 *  - Every object is a `looseObject`: SharpSports adds fields over time
 *    (sportId, segmentId, sdioMarketId... are not in the field reference),
 *    and the raw landing copy keeps them.
 *  - Needed to load: presence and type of keys, ids, timestamps, numbers.
 *    A slip that breaks one is quarantined alone (`QuarantinedRecord`); the
 *    slips beside it load.
 *  - Cosmetic: the id prefixes the docs' examples show (`SLIP_`, `BET_`...)
 *    and values outside the documented lists (a new slip `status`,
 *    `outcome`, `type`). They load as they came and are counted as
 *    `DataWarning`s (written to data_warnings by rejections/quarantine.ts), never refused.
 */
import { z } from 'zod';

// ---------------------------------------------------------------- helpers

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const describeValue = (v: unknown): string =>
  v === undefined
    ? 'nothing'
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? 'an array'
        : `${typeof v} ${JSON.stringify(v)}`;

/**
 * A SharpSports id such as `BACT_...`: needed as a non-empty string (it keys
 * and deduplicates the row). The prefix the docs show is not needed to load,
 * so a different one is a warning (`ID_PREFIXES`), not a refusal; the suffix
 * has no fixed format either (doc examples mix 32-hex and base64-ish ids).
 */
function prefixedId(prefix: string, field = 'id') {
  return z
    .string({
      error: (iss) =>
        iss.input === undefined
          ? `${field} is required (expected a string such as "${prefix}…")`
          : `${field} must be a string such as "${prefix}…", got ${describeValue(iss.input)}`,
    })
    .min(1, { error: `${field} must not be empty` });
}

/**
 * A reference to another SharpSports object. The field reference calls
 * bettor, bettorAccount, refreshResponse and marketSelection "(hash)", while
 * every example sends a bare id string, so both forms are accepted and
 * reduced to the id.
 */
function ref(prefix: string, field: string) {
  return z.preprocess((v) => (isRecord(v) && 'id' in v ? v.id : v), prefixedId(prefix, field));
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Money and odds fields are numbers in the docs, but scraped values can
 * arrive as strings ("-110", "+150", "57.5"). Such strings have only one
 * possible meaning, so they are converted; anything else is rejected.
 */
function looseNumber(field: string) {
  return z.preprocess(
    (v) => (typeof v === 'string' && NUMERIC.test(v.trim()) ? Number(v.trim()) : v),
    z.number({ error: (iss) => `${field} must be a number or numeric string, got ${describeValue(iss.input)}` }),
  );
}

/**
 * A time the warehouse stores as DateTime64: one that does not parse would fail the insert of
 * every record beside it, so it is needed to load (its record is refused alone).
 */
function timestamp(field: string) {
  return z
    .string({ error: (iss) => `${field} must be a timestamp string, got ${describeValue(iss.input)}` })
    .refine((v) => !Number.isNaN(Date.parse(v)), {
      error: (iss) => `${field} must be a timestamp such as "2024-03-09T01:00:00Z", got ${describeValue(iss.input)}`,
    })
    .nullish();
}

const INT32_MAX = 2 ** 31 - 1;

/** American odds are stored as Int32: a value beyond it cannot be stored (and is no real price). */
function americanOdds(field: string) {
  return looseNumber(field)
    .refine((v) => Math.abs(v) <= INT32_MAX, {
      error: `${field} is beyond any American price (it must fit in ±${INT32_MAX})`,
    })
    .nullish();
}

/** Third-party ids: the Event example sends sportsdataioId as 22558, others as "20020841". */
const externalId = z.union([z.string(), z.number()]).nullish();

const str = z.string().nullish();
const bool = z.boolean().nullish();

/**
 * Refresh outcomes are HTTP-like codes that drive control flow (202 means
 * "fetch the slips yourself", 429 means back off), so a non-integer status
 * is unusable rather than merely sloppy.
 */
const statusCode = z.int({
  error: (iss) => `status must be an integer status code such as 200, got ${describeValue(iss.input)}`,
});

/** A list that may be absent or null means "nothing", but a non-list is a broken payload. */
function list<T extends z.ZodType>(item: T, field: string) {
  return z
    .array(item, { error: (iss) => `${field} must be an array, got ${describeValue(iss.input)}` })
    .nullish()
    .transform((v) => v ?? []);
}

// ---------------------------------------------------------------- core objects

export const BookSchema = z.looseObject({
  id: prefixedId('BOOK_'),
  name: str,
  // The abbreviation is how books are joined to odds feeds and webhook
  // payloads (which carry only the abbr), so a book without one is useless.
  abbr: z.string({ error: (iss) => `book abbr must be a string, got ${describeValue(iss.input)}` }),
});

const ContestantSchema = z.looseObject({
  id: z.string(),
  fullName: str,
});

export const EventSchema = z.looseObject({
  id: prefixedId('EVNT_'),
  sportsdataioId: externalId,
  sportradarId: externalId,
  oddsjamId: externalId,
  sport: str,
  league: str,
  name: str,
  nameSpecial: str,
  startTime: timestamp('event.startTime'),
  startDate: str,
  sportId: str,
  leagueId: str,
  contestantAway: ContestantSchema.nullish(),
  contestantHome: ContestantSchema.nullish(),
  neutralVenue: bool,
});

export const PropDetailsSchema = z.looseObject({
  player: str,
  team: str,
  matchupSpecial: str,
  metricSpecial: str,
  future: bool,
});

export const AdjustedSchema = z.looseObject({
  odds: bool,
  line: bool,
  // A stake, in cents (0 for a free bet), unlike its boolean siblings.
  atRisk: looseNumber('adjusted.atRisk').nullish(),
});

export const BetSchema = z.looseObject({
  id: prefixedId('BET_'),
  type: str,
  // Incomplete bets may not be matched to an event yet.
  event: EventSchema.nullish(),
  proposition: str,
  segment: str,
  segmentId: str,
  position: str,
  line: looseNumber('line').nullish(),
  oddsAmerican: americanOdds('oddsAmerican'),
  status: str,
  outcome: str,
  live: bool,
  incomplete: bool,
  bookDescription: str,
  marketSelection: ref('MRKT_', 'marketSelection').nullish(),
  propDetails: PropDetailsSchema.nullish(),
  // Both spellings occur: "autoGrade" in refresh payloads, "autograde" in the Bet example.
  autoGrade: bool,
  autograde: bool,
  sdioMarketId: externalId,
  sportradarMarketId: externalId,
});

export const BetSlipSchema = z.looseObject({
  id: prefixedId('SLIP_'),
  bettor: ref('BTTR_', 'bettor').nullish(),
  book: BookSchema.nullish(),
  bettorAccount: ref('BACT_', 'bettorAccount').nullish(),
  // The book's own reference; a long numeric one would lose digits as a
  // JSON number, so it is kept as text whatever form it arrives in.
  bookRef: z.union([z.string(), z.number()]).transform(String).nullish(),
  timePlaced: timestamp('timePlaced'),
  type: str,
  subtype: str,
  typeSpecial: str,
  oddsAmerican: americanOdds('oddsAmerican'),
  atRisk: looseNumber('atRisk').nullish(),
  toWin: looseNumber('toWin').nullish(),
  status: str,
  outcome: str,
  // Older payloads (the RefreshResponse example) omit this entirely.
  refreshResponse: ref('RRES_', 'refreshResponse').nullish(),
  incomplete: bool,
  netProfit: looseNumber('netProfit').nullish(),
  dateClosed: str,
  bets: list(BetSchema, 'bets'),
  adjusted: AdjustedSchema.nullish(),
});

// ---------------------------------------------------------------- refresh

export const RefreshRequestResponseSchema = z.looseObject({
  betRefreshRequested: str,
  refresh: list(z.string(), 'refresh'),
  noAccess: list(z.string(), 'noAccess'),
  unverified: list(z.string(), 'unverified'),
  isUnverifiable: list(z.string(), 'isUnverifiable'),
  bookInactive: list(z.string(), 'bookInactive'),
  bookRegionInactive: list(z.string(), 'bookRegionInactive'),
  rateLimited: list(z.string(), 'rateLimited'),
  otpRequired: list(z.string(), 'otpRequired'),
  // The only handle that links this request to the refreshResponse webhooks it will cause.
  requestId: z.string({ error: (iss) => `requestId must be a string, got ${describeValue(iss.input)}` }),
  // Set only when otpRequired is non-empty.
  cid: str,
});

/** The trimmed bettorAccount embedded in a GET refreshResponse. */
const RefreshResponseBettorAccountSchema = z.looseObject({
  id: prefixedId('BACT_', 'bettorAccount.id'),
  bettor: ref('BTTR_', 'bettorAccount.bettor').nullish(),
  book: BookSchema.nullish(),
});

const refreshResponseFields = {
  id: prefixedId('RRES_'),
  // Slips are snapshots "as of" this refresh; without the time they cannot be ordered.
  timeCreated: z
    .string({ error: (iss) => `timeCreated must be a string, got ${describeValue(iss.input)}` })
    .refine((v) => !Number.isNaN(Date.parse(v)), {
      error: (iss) => `timeCreated must be a timestamp, got ${describeValue(iss.input)}`,
    }),
  status: statusCode,
  detail: str,
  requestId: str,
  type: str,
  // Status 202 ships without slips (fetch them by refreshResponse id), and real 202s send null or omit the key.
  betSlips: list(BetSlipSchema, 'betSlips'),
};

/** A GET refreshResponse whose every slip is usable. */
export const RefreshResponseSchema = z.looseObject({
  ...refreshResponseFields,
  bettorAccount: RefreshResponseBettorAccountSchema,
});

/**
 * What a response needs as a whole: its slips stay unparsed here, so that each is parsed on its
 * own (usableSlips) and one bad slip refuses only itself.
 */
const responseHeadFields = { ...refreshResponseFields, betSlips: list(z.unknown(), 'betSlips') };
export const RefreshResponseHeadSchema = z.looseObject({
  ...responseHeadFields,
  bettorAccount: RefreshResponseBettorAccountSchema,
});

/**
 * Webhook `data` carries bettor and bettorAccount as id strings. Should it
 * arrive in the GET shape instead, the object is reduced to its id and its
 * bettor fills a missing top-level bettor.
 */
function webhookData<F extends z.ZodRawShape>(fields: F) {
  return z.preprocess(
    (v) => {
      if (!isRecord(v) || !isRecord(v.bettorAccount)) return v;
      const account = v.bettorAccount;
      const bettor = v.bettor ?? account.bettor;
      return { ...v, bettorAccount: account.id, ...(bettor === undefined ? {} : { bettor }) };
    },
    z.looseObject({
      ...fields,
      bettor: ref('BTTR_', 'bettor').nullish(),
      bettorAccount: prefixedId('BACT_', 'bettorAccount'),
    }),
  );
}

export const RefreshResponseWebhookDataSchema = webhookData(refreshResponseFields);
const RefreshResponseWebhookHeadSchema = webhookData(responseHeadFields);

/**
 * One shape for a refreshResponse whether it came from the webhook (string
 * bettorAccount) or a GET (object bettorAccount). Throws ZodError when the
 * response as a whole is unusable (no id, status, time or account); a slip
 * that is unusable is set aside in `quarantined` and the others load.
 */
export function normalizeRefreshResponse(input: unknown): NormalizedRefreshResponse {
  // Only the object form carries the book, so route it to the schema that keeps it.
  if (isRecord(input) && isRecord(input.bettorAccount)) {
    const r = RefreshResponseHeadSchema.parse(input);
    const topBettor = typeof r.bettor === 'string' ? r.bettor : null;
    const { slips, quarantined, positions } = usableSlips(r.betSlips, 'betSlips');
    return withWarnings(
      {
        id: r.id,
        bettorId: r.bettorAccount.bettor ?? topBettor,
        bettorAccountId: r.bettorAccount.id,
        bookAbbr: r.bettorAccount.book?.abbr ?? firstSlipBookAbbr(slips),
        timeCreated: r.timeCreated,
        status: r.status,
        detail: r.detail ?? null,
        requestId: r.requestId ?? null,
        type: r.type ?? null,
        betSlips: slips,
        quarantined,
      },
      positions,
    );
  }
  const w = RefreshResponseWebhookHeadSchema.parse(input);
  const { slips, quarantined, positions } = usableSlips(w.betSlips, 'betSlips');
  return withWarnings(
    {
      id: w.id,
      bettorId: w.bettor ?? null,
      bettorAccountId: w.bettorAccount,
      bookAbbr: firstSlipBookAbbr(slips),
      timeCreated: w.timeCreated,
      status: w.status,
      detail: w.detail ?? null,
      requestId: w.requestId ?? null,
      type: w.type ?? null,
      betSlips: slips,
      quarantined,
    },
    positions,
  );
}

// A refresh covers exactly one bettorAccount, hence one book: any slip's book will do.
function firstSlipBookAbbr(slips: BetSlip[]): string | null {
  return slips.find((s) => s.book?.abbr)?.book?.abbr ?? null;
}

/** A record that cannot be loaded, refused alone: the records beside it load. */
export interface QuarantinedRecord {
  /** Where it sat in the message, e.g. `betSlips[3]`. */
  path: string;
  /** Its id when it has a usable one (a replay or an operator finds it by it). */
  id: string | null;
  /** Which rule it broke, field by field. */
  reason: string;
  /** The record as it came. */
  fragment: unknown;
}

/** The slips of a list that parse, and the others set aside with the reason. */
export function usableSlips(
  items: readonly unknown[],
  path: string,
): { slips: BetSlip[]; quarantined: QuarantinedRecord[]; positions: number[] } {
  const slips: BetSlip[] = [];
  const positions: number[] = [];
  const quarantined: QuarantinedRecord[] = [];
  items.forEach((item, i) => {
    const parsed = BetSlipSchema.safeParse(item);
    if (parsed.success) {
      slips.push(parsed.data);
      positions.push(i);
    } else {
      const id = isRecord(item) && typeof item.id === 'string' && item.id ? item.id : null;
      quarantined.push({
        path: `${path}[${i}]`,
        id,
        reason: z
          .prettifyError(parsed.error)
          .replace(/\s*\n\s*/g, ' ')
          .slice(0, 1000),
        fragment: item,
      });
    }
  });
  return { slips, quarantined, positions };
}

// ---------------------------------------------------------------- cosmetic rules

/** A cosmetic rule a record broke: it loaded as it came, and the warning is counted. */
export interface DataWarning {
  path: string;
  rule: 'id_prefix' | 'unlisted_value';
  field: string;
  value: string;
  expected: string;
}

/** The prefixes the docs' examples show for each kind of id. */
export const ID_PREFIXES = {
  refreshResponse: 'RRES_',
  bettorAccount: 'BACT_',
  bettor: 'BTTR_',
  slip: 'SLIP_',
  bet: 'BET_',
  book: 'BOOK_',
  event: 'EVNT_',
  marketSelection: 'MRKT_',
} as const;

/** The values the field reference lists (BetSlip and Bet); anything else loads and is counted. */
export const DOCUMENTED_VALUES = {
  'slip.status': ['pending', 'completed'],
  'slip.outcome': ['win', 'loss', 'push', 'void', 'cashout', 'halfwin', 'halfloss'],
  'slip.type': ['single', 'parlay'],
  'bet.status': ['pending', 'completed'],
  'bet.outcome': ['win', 'loss', 'push', 'void', 'halfwin', 'halfloss'],
} as const;

type WarningSink = DataWarning[];

function checkPrefix(
  out: WarningSink,
  path: string,
  field: string,
  value: string | null | undefined,
  expected: string,
) {
  if (value && !value.startsWith(expected))
    out.push({ path, rule: 'id_prefix', field, value: value.slice(0, 200), expected: `${expected}…` });
}

function checkListed(
  out: WarningSink,
  path: string,
  field: keyof typeof DOCUMENTED_VALUES,
  value: string | null | undefined,
) {
  const known = DOCUMENTED_VALUES[field] as readonly string[];
  if (value != null && value !== '' && !known.includes(value.toLowerCase()))
    out.push({ path, rule: 'unlisted_value', field, value: value.slice(0, 200), expected: known.join('|') });
}

/** The cosmetic rules a loaded slip and its bets broke; `at` is where the slip sat (`betSlips[2]`). */
export function slipWarnings(slip: BetSlip, at: string, out: WarningSink = []): DataWarning[] {
  checkPrefix(out, at, 'id', slip.id, ID_PREFIXES.slip);
  checkPrefix(out, at, 'bettor', slip.bettor, ID_PREFIXES.bettor);
  checkPrefix(out, at, 'bettorAccount', slip.bettorAccount, ID_PREFIXES.bettorAccount);
  checkPrefix(out, at, 'refreshResponse', slip.refreshResponse, ID_PREFIXES.refreshResponse);
  checkPrefix(out, at, 'book.id', slip.book?.id, ID_PREFIXES.book);
  checkListed(out, at, 'slip.status', slip.status);
  checkListed(out, at, 'slip.outcome', slip.outcome);
  checkListed(out, at, 'slip.type', slip.type);
  slip.bets.forEach((bet, j) => {
    const leg = `${at}.bets[${j}]`;
    checkPrefix(out, leg, 'id', bet.id, ID_PREFIXES.bet);
    checkPrefix(out, leg, 'event.id', bet.event?.id, ID_PREFIXES.event);
    checkPrefix(out, leg, 'marketSelection', bet.marketSelection, ID_PREFIXES.marketSelection);
    checkListed(out, leg, 'bet.status', bet.status);
    checkListed(out, leg, 'bet.outcome', bet.outcome);
  });
  return out;
}

/** A list's usable slips with their warnings, each slip path `<path>[i]` as it sat in the list. */
export function readSlips(
  items: readonly unknown[],
  path: string,
): { slips: BetSlip[]; quarantined: QuarantinedRecord[]; warnings: DataWarning[] } {
  const { slips, quarantined, positions } = usableSlips(items, path);
  const warnings: DataWarning[] = [];
  slips.forEach((slip, k) => slipWarnings(slip, `${path}[${positions[k]}]`, warnings));
  return { slips, quarantined, warnings };
}

function withWarnings(
  rr: Omit<NormalizedRefreshResponse, 'warnings'>,
  positions: readonly number[],
): NormalizedRefreshResponse {
  const warnings: DataWarning[] = [];
  checkPrefix(warnings, '', 'id', rr.id, ID_PREFIXES.refreshResponse);
  checkPrefix(warnings, '', 'bettorAccount', rr.bettorAccountId, ID_PREFIXES.bettorAccount);
  checkPrefix(warnings, '', 'bettor', rr.bettorId, ID_PREFIXES.bettor);
  rr.betSlips.forEach((slip, k) => slipWarnings(slip, `betSlips[${positions[k]}]`, warnings));
  return { ...rr, warnings };
}

// ---------------------------------------------------------------- lists

/** The alternate list shape returned when both pageSize and pageNum are sent. */
export function paginated<T extends z.ZodType>(item: T) {
  return z.looseObject({
    objects: z.array(item, { error: (iss) => `objects must be an array, got ${describeValue(iss.input)}` }),
    totalPages: z
      .int({ error: (iss) => `totalPages must be an integer, got ${describeValue(iss.input)}` })
      .nonnegative(),
  });
}

// ---------------------------------------------------------------- bettors

const MetadataSchema = z.looseObject({
  handle: z.number().nullish(),
  unitSize: z.number().nullish(),
  netProfit: z.number().nullish(),
  winPercentage: z.number().nullish(),
  totalAccounts: z.number().nullish(),
  walletShare: z.number().nullish(),
});

/** The internalId is ours; a numeric one sent back as a number is still the same key. */
const internalId = z
  .union([z.string(), z.number()], {
    error: (iss) => `internalId must be a string, got ${describeValue(iss.input)}`,
  })
  .transform(String);

export const BettorSchema = z.looseObject({
  id: prefixedId('BTTR_'),
  internalId: internalId.nullish(),
  // null until the first bettor-level refresh (see the Pagination example).
  betRefreshRequested: str,
  timeCreated: str,
  metadata: MetadataSchema.nullish(),
});

const BookRegionSchema = z.looseObject({
  // Not prefix-checked: the docs show both "BSTA_" and "BRGN_" for the same kind of id.
  id: z.string(),
  book: BookSchema.nullish(),
  name: str,
  abbr: str,
  status: str,
  country: str,
  mobileOnly: bool,
});

const LatestRefreshResponseSchema = z.looseObject({
  id: prefixedId('RRES_', 'latestRefreshResponse.id'),
  timeCreated: str,
  status: statusCode.nullish(),
  detail: str,
  requestId: str,
});

export const BettorAccountSchema = z.looseObject({
  id: prefixedId('BACT_'),
  bettor: ref('BTTR_', 'bettor').nullish(),
  book: BookSchema.nullish(),
  bookRegion: BookRegionSchema.nullish(),
  verified: bool,
  access: bool,
  paused: bool,
  refreshInProgress: bool,
  isUnverifiable: bool,
  TFA: bool,
  betRefreshRequested: str,
  latestRefreshResponse: LatestRefreshResponseSchema.nullish(),
  // Differs from latestRefreshResponse.requestId while a refresh is running.
  latestRefreshRequestId: str,
  // Omitted when access is false.
  balance: looseNumber('balance').nullish(),
  missingBets: z.number().nullish(),
  timeCreated: str,
  metadata: MetadataSchema.nullish(),
});

// ---------------------------------------------------------------- webhooks

export const KNOWN_WEBHOOK_EVENTS = [
  'refreshresponse.created',
  'bettor.created',
  'bettoraccount.verified',
  'bettoraccount.unverified',
  'bettoraccount.inaccessible',
] as const;

/**
 * Only the envelope is checked here: `event` is a plain string so that an
 * event we do not handle yet can be acknowledged and logged rather than
 * bounced (SharpSports retries non-200s). `data` is validated per event.
 */
export const WebhookEnvelopeSchema = z.looseObject({
  event: z.string({ error: (iss) => `event must be a string, got ${describeValue(iss.input)}` }),
  sender: str,
  data: z.record(z.string(), z.unknown(), {
    error: (iss) => `data must be an object, got ${describeValue(iss.input)}`,
  }),
});

export const BettorCreatedDataSchema = z.looseObject({
  id: prefixedId('BTTR_'),
  // The point of this event is pairing our internalId with the BTTR_ id.
  internalId,
});

/** `data` of bettoraccount.verified / .unverified / .inaccessible. */
export const BettorAccountEventDataSchema = z.looseObject({
  id: prefixedId('BACT_'),
  bettor: ref('BTTR_', 'bettor').nullish(),
  // Here `book` is the abbreviation ("wh"), not a Book object; a Book object is reduced to its abbr.
  book: z
    .preprocess(
      (v) => (isRecord(v) && 'abbr' in v ? v.abbr : v),
      z.string({ error: (iss) => `book must be a book abbreviation string, got ${describeValue(iss.input)}` }),
    )
    .nullish(),
  region: str,
});

// ---------------------------------------------------------------- types

export type SharpEvent = z.infer<typeof EventSchema>;
export type Bet = z.infer<typeof BetSchema>;
export type BetSlip = z.infer<typeof BetSlipSchema>;
export type RefreshRequestResponse = z.infer<typeof RefreshRequestResponseSchema>;
export type RefreshResponse = z.infer<typeof RefreshResponseSchema>;
/** Output of normalizeRefreshResponse: identity pulled out of either form, optional strings as null. */
export type NormalizedRefreshResponse = Pick<RefreshResponse, 'id' | 'timeCreated' | 'status'> & {
  /** The usable slips; the others are in `quarantined`. */
  betSlips: BetSlip[];
  quarantined: QuarantinedRecord[];
  warnings: DataWarning[];
  bettorId: string | null;
  bettorAccountId: string;
  bookAbbr: string | null;
  detail: string | null;
  requestId: string | null;
  type: string | null;
};
export type Bettor = z.infer<typeof BettorSchema>;
export type BettorAccount = z.infer<typeof BettorAccountSchema>;
export type WebhookEnvelope = z.infer<typeof WebhookEnvelopeSchema>;
