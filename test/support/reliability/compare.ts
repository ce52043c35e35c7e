import type { BoltOddsSandbox } from '../../../sandbox/boltodds';
import type { OpticOddsSandbox } from '../../../sandbox/opticodds';
import type { SharpApiSandbox } from '../../../sandbox/sharpapi';
import type { SharpSportsSandbox } from '../../../sandbox/sharpsports';
import { opticRowIds, sharpApiCurrentRowIds } from './truth-ids';

/** Runs SQL against the warehouse (through `linehouse query`) and returns JSON rows. */
export type Query = (sql: string) => Promise<Array<Record<string, any>>>;

export interface Comparison {
  /** rows (or ids) checked against the source's ground truth */
  compared: number;
  /** ids the source emitted that the warehouse lacks (or holds with the wrong status / price) */
  lost: string[];
  /** ids stored more than once (physically for slips and bets, after FINAL for ticks), or stored but never emitted */
  duplicates: string[];
  /** per-part figures for the report */
  parts: Record<string, { compared: number; lost: number; duplicates: number }>;
}

function part(c: Comparison, name: string, compared: number, lost: string[], duplicates: string[]) {
  c.compared += compared;
  c.lost.push(...lost.map((x) => `${name}:${x}`));
  c.duplicates.push(...duplicates.map((x) => `${name}:${x}`));
  c.parts[name] = { compared, lost: lost.length, duplicates: duplicates.length };
}

const counts = (ids: string[]) => {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
};
const repeated = (ids: string[]) => [...counts(ids)].filter(([, n]) => n > 1).map(([id, n]) => `${id}x${n}`);

/**
 * SharpSports: every sandbox slip and bet is in the warehouse once (FINAL and physically: a
 * replayed insert must be deduplicated, not merely merged away later), with the sandbox's status,
 * and nothing the sandbox does not have.
 */
export async function compareSharpSports(q: Query, sandbox: SharpSportsSandbox, c: Comparison): Promise<void> {
  const truth = sandbox.slips();
  const slipStatus = new Map(truth.map((s) => [s.id, s.status]));
  const betIds = new Set(truth.flatMap((s) => s.bets.map((b) => b.id)));

  const finalSlips = await q('SELECT id, status FROM bet_slips FINAL');
  // Physically, a slip may hold several versions until merged (graded later); the same version twice is a duplicate.
  const physicalSlips = (await q('SELECT id, version FROM bet_slips')).map((r) => `${r.id}@${r.version}`);
  const stored = new Map(finalSlips.map((r) => [String(r.id), String(r.status)]));
  // A lost slip says what became of the webhook of its latest refresh response: a delivery linehouse
  // acknowledged and then lost is a bug; one SharpSports gave up on while linehouse was down is not covered.
  const deliveries = sandbox.deliveries();
  const latestResponse = new Map(truth.map((s) => [s.id, s.refreshResponse]));
  const webhookOf = (rres: string | undefined) => {
    const tries = deliveries.filter((d) => d.refreshResponseId === rres);
    if (tries.length === 0) return 'no webhook';
    return tries.some((d) => typeof d.status === 'number' && d.status >= 200 && d.status < 300)
      ? 'webhook acknowledged'
      : `webhook never acknowledged, ${tries.length} attempts`;
  };
  const lostSlips = [...slipStatus]
    .filter(([id, st]) => stored.get(id) !== st)
    .map(([id, st]) => `${id}(${st}→${stored.get(id) ?? 'missing'}; ${webhookOf(latestResponse.get(id))})`);
  const extraSlips = [...stored.keys()].filter((id) => !slipStatus.has(id)).map((id) => `${id}(not in sandbox)`);
  part(c, 'bet_slips', slipStatus.size, lostSlips, [
    ...repeated(physicalSlips),
    ...repeated(finalSlips.map((r) => String(r.id))),
    ...extraSlips,
  ]);

  const finalBets = (await q('SELECT id FROM bets FINAL')).map((r) => String(r.id));
  const physicalBets = (await q('SELECT id, version FROM bets')).map((r) => `${r.id}@${r.version}`);
  const haveBets = new Set(finalBets);
  const lostBets = [...betIds].filter((id) => !haveBets.has(id));
  const extraBets = finalBets.filter((id) => !betIds.has(id)).map((id) => `${id}(not in sandbox)`);
  part(c, 'bets', betIds.size, lostBets, [...repeated(physicalBets), ...repeated(finalBets), ...extraBets]);
}

/** OpticOdds replays from last_entry_id: every entry id sent is stored, once, and settlements too. */
export async function compareOpticOdds(q: Query, optic: OpticOddsSandbox, c: Comparison): Promise<void> {
  const e = opticRowIds(optic.emitted());
  const truth = new Set([...e.tickIds, ...e.lockedTickIds]);
  const ids = (await q("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'opticodds'")).map((r) =>
    String(r.id),
  );
  const have = new Set(ids);
  part(
    c,
    'opticodds.ticks',
    truth.size,
    [...truth].filter((id) => !have.has(id)),
    [...repeated(ids), ...ids.filter((id) => !truth.has(id)).map((id) => `${id}(never sent)`)],
  );
  const st = new Set(e.settlementIds);
  const sids = (await q("SELECT settlement_id AS id FROM settlements FINAL WHERE source = 'opticodds'")).map((r) =>
    String(r.id),
  );
  const haveS = new Set(sids);
  part(
    c,
    'opticodds.settlements',
    st.size,
    [...st].filter((id) => !haveS.has(id)),
    [...repeated(sids), ...sids.filter((id) => !st.has(id)).map((id) => `${id}(never sent)`)],
  );
}

/** SharpAPI resumes from the durable `since`: the current version of every odd is stored; no tick id twice. */
export async function compareSharpApi(q: Query, sharp: SharpApiSandbox, c: Comparison): Promise<void> {
  const ids = (await q("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'sharpapi'")).map((r) =>
    String(r.id),
  );
  const have = new Set(ids);
  const current = sharpApiCurrentRowIds(sharp.current()).filter((o) => o.tickId !== null);
  part(
    c,
    'sharpapi.ticks',
    current.length,
    current.filter((o) => !have.has(o.tickId!)).map((o) => `${o.id}@${o.tickId}`),
    repeated(ids),
  );
}

/**
 * The latest state of every BoltOdds outcome in the warehouse: its price, null while suspended,
 * undefined once withdrawn. argMax skips a NULL first argument, so a bare
 * argMax(price_american, …) reports the price before a suspension; the tuple keeps the NULL.
 */
export async function latestBoltOdds(q: Query): Promise<Map<string, number | null | undefined>> {
  const latest = await q(
    "SELECT book, provider_odd_id AS k, event_key AS game, argMax((price_american, locked, removed), (ts, tick_id)) AS last FROM odds_ticks FINAL WHERE source = 'boltodds' GROUP BY book, provider_odd_id, event_key",
  );
  return new Map(
    latest.map((r) => {
      const [price, locked, removed] = r.last as [number | string | null, unknown, unknown];
      const state = Boolean(removed) ? undefined : Boolean(locked) || price === null ? null : Number(price);
      return [`${r.book}|${r.game}|${r.k}`, state];
    }),
  );
}

/** The provider's current outcomes that linehouse's last accepted subscription covers (BoltOdds filters by sport and market on its side). */
export function subscribedBoltOdds(bolt: Pick<BoltOddsSandbox, 'subscriptions' | 'currentPrices'>) {
  const sub = bolt
    .subscriptions()
    .filter((s) => s.accepted)
    .at(-1)?.filters as { sports?: string[]; markets?: string[] } | undefined;
  return bolt
    .currentPrices()
    .filter((o) => (!sub?.sports || sub.sports.includes(o.sport)) && (!sub?.markets || sub.markets.includes(o.market)));
}

/** BoltOdds cannot replay: the latest price of every subscribed outcome equals the provider's, no tick id twice. */
export async function compareBoltOdds(
  q: Query,
  bolt: Pick<BoltOddsSandbox, 'subscriptions' | 'currentPrices'>,
  c: Comparison,
): Promise<void> {
  const got = await latestBoltOdds(q);
  const subscribed = subscribedBoltOdds(bolt);
  const ids = (await q("SELECT tick_id AS id FROM odds_ticks FINAL WHERE source = 'boltodds'")).map((r) =>
    String(r.id),
  );
  const key = (o: { book: string; game: string; outcomeKey: string }) => `${o.book}|${o.game}|${o.outcomeKey}`;
  part(
    c,
    'boltodds.latest',
    subscribed.length,
    subscribed.filter((o) => got.get(key(o)) !== o.price).map((o) => `${key(o)}=${o.price}(got ${got.get(key(o))})`),
    repeated(ids),
  );
}

export const emptyComparison = (): Comparison => ({ compared: 0, lost: [], duplicates: [], parts: {} });

/** The whole comparison: the warehouse against every source that ran. */
export async function compareAll(
  q: Query,
  src: { sharpsports?: SharpSportsSandbox; optic?: OpticOddsSandbox; sharp?: SharpApiSandbox; bolt?: BoltOddsSandbox },
): Promise<Comparison> {
  const c = emptyComparison();
  if (src.sharpsports) await compareSharpSports(q, src.sharpsports, c);
  if (src.optic) await compareOpticOdds(q, src.optic, c);
  if (src.sharp) await compareSharpApi(q, src.sharp, c);
  if (src.bolt) await compareBoltOdds(q, src.bolt, c);
  return c;
}

/**
 * No account POSTed twice inside its rate-limit window, from the sandbox's own log of refresh
 * requests (every POST it received for the account, whatever it answered).
 */
export function doubleRefreshes(
  log: Array<{ accountId: string; at: number; outcome: string; requestId: string }>,
  windowMs: number,
): string[] {
  const byAccount = new Map<string, typeof log>();
  for (const e of log) byAccount.set(e.accountId, [...(byAccount.get(e.accountId) ?? []), e]);
  const out: string[] = [];
  for (const [account, entries] of byAccount) {
    const sorted = [...entries].sort((a, b) => a.at - b.at);
    for (let i = 1; i < sorted.length; i++) {
      const gap = sorted[i].at - sorted[i - 1].at;
      if (gap < windowMs)
        out.push(
          `${account}: ${sorted[i - 1].requestId}(${sorted[i - 1].outcome}) then ${sorted[i].requestId}(${sorted[i].outcome}) ${gap} ms apart`,
        );
    }
  }
  return out;
}
