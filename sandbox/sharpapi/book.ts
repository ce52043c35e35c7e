// The sandbox's in-memory odds book: a seeded, scripted stream of price moves, line moves,
// removals and re-listings on a server clock, plus the ground truth a correct poller must load.
import { mulberry32 } from '../prng';
import { decimalToAmerican } from '../../odds/price';
import { MARKET_CATEGORIES, SANDBOX_BOOKS, SANDBOX_LEAGUES } from './catalog';
import type { SeasonOdds } from './season-book';
import type { SandboxOdd } from './odd';

/**
 * Ground truth in SharpAPI's terms: one version of one odd a correct poller records. A quote is the
 * odd as served (`id`, `last_seen_at`, `odds_american`, `line`); a removal carries no time on the wire,
 * so it is the `since` of the poll that reported it (the previous catch-up) with no price or line.
 */
export interface OddVersion {
  readonly id: string;
  /** ISO `last_seen_at` of the quote; for a removal, the reporting window's `since`. */
  readonly lastSeenAt: string;
  readonly oddsAmerican: number | null;
  readonly line: number | null;
  readonly removed: boolean;
}

export interface BookFilter {
  leagues?: string[];
  sportsbooks?: string[];
  /** Market categories or market_type names. */
  markets?: string[];
  sports?: string[];
  events?: string[];
  live?: boolean;
}

export interface BookOptions {
  seed: number;
  changesPerSecond: number;
  /** Infinity: run forever. */
  totalChanges: number;
  eventsPerLeague: number;
  clock: 'real' | 'manual';
  /** A shared season's odds (sandbox/sharpapi/season-book.ts) instead of the scripted book. */
  season?: SeasonOdds;
}

export const REMOVAL_RETENTION_MS = 10 * 60_000;
export const REMOVED_CAP = 1000;
const RELIST_AFTER_MS = 5000;

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(a: number, b: number): number {
    return a + this.next() * (b - a);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
/** Implied probability (with vig) → American price. */
const americanFromImplied = (p: number) => decimalToAmerican(1 / Math.min(0.95, Math.max(0.05, p)));

export function matchesFilter(o: SandboxOdd, f: BookFilter): boolean {
  if (f.leagues?.length && !f.leagues.includes(o.league)) return false;
  if (f.sportsbooks?.length && !f.sportsbooks.includes(o.sportsbook)) return false;
  if (f.sports?.length && !f.sports.includes(o.sport)) return false;
  if (f.events?.length && !f.events.includes(o.event_id)) return false;
  if (
    f.markets?.length &&
    !f.markets.some((m) => m === o.market_type || (MARKET_CATEGORIES[m] ?? []).includes(o.market_type))
  )
    return false;
  if (f.live && !o.is_live) return false;
  return true;
}

export class OddsBook {
  readonly odds: SandboxOdd[] = [];
  private readonly rng: Rng;
  private readonly startMs: number;
  private readonly realStart: number;
  private offsetMs = 0;
  private applied = 0;
  private lastCatchUp: number;
  private changed = new Set<number>();
  /** Ground truth: each distinct odd version once (keyed by its fields), with the odd's index (for filtering). */
  private readonly truth = new Map<string, { index: number; version: OddVersion }>();

  constructor(private readonly o: BookOptions) {
    this.rng = new Rng(o.seed);
    this.realStart = Date.now();
    this.startMs = this.realStart;
    if (o.season) o.season.build(this.odds, this.startMs);
    else this.build();
    this.lastCatchUp = this.startMs;
    for (const odd of this.odds) this.record(odd);
  }

  now(): number {
    return this.startMs + this.offsetMs + (this.o.clock === 'real' ? Date.now() - this.realStart : 0);
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0, got ${ms}`);
    this.offsetMs += ms;
    this.catchUp();
  }

  changesApplied(): number {
    return this.applied;
  }

  /**
   * Applies every scripted change due by now. The state at each catch-up is what a poller can
   * observe, so ground truth records each odd's version as of this point (intermediate versions
   * within one step are overwritten, as on the real API) and each removal keyed by the previous
   * catch-up time, which is the `since` of a poller that had caught up.
   */
  catchUp(): number {
    const now = this.now();
    if (this.o.season) for (const i of this.o.season.step(this.odds, now)) this.changed.add(i);
    while (!this.o.season && this.applied < this.o.totalChanges) {
      // Strictly after the start, so the initial book is what a first poll sees.
      const t = this.startMs + 1 + Math.floor((this.applied * 1000) / this.o.changesPerSecond);
      if (t > now) break;
      this.applyChange(t);
      this.applied += 1;
    }
    for (const i of this.changed) {
      const odd = this.odds[i];
      if (odd.removedAt === null) this.record(odd);
      else if (odd.removedAt > this.lastCatchUp)
        this.remember(i, {
          id: odd.id,
          lastSeenAt: iso(this.lastCatchUp),
          oddsAmerican: null,
          line: null,
          removed: true,
        });
    }
    this.changed.clear();
    this.lastCatchUp = now;
    return now;
  }

  emitted(f: BookFilter = {}): { versions: OddVersion[]; priceMoves: number; removals: number } {
    const versions: OddVersion[] = [];
    let priceMoves = 0;
    let removals = 0;
    for (const t of this.truth.values()) {
      if (!matchesFilter(this.odds[t.index], f)) continue;
      versions.push(t.version);
      if (t.version.removed) removals += 1;
      else priceMoves += 1;
    }
    return { versions, priceMoves, removals };
  }

  /** Every odd's current state: its current version, or null when removed. */
  current(f: BookFilter = {}): Array<{ id: string; version: OddVersion | null }> {
    return this.odds
      .filter((o) => matchesFilter(o, f))
      .map((o) => ({ id: o.id, version: o.removedAt === null ? this.versionOf(o) : null }));
  }

  /** Live odds changed after `sinceMs`, and odds removed after it within the retention window, as of `now` (a catch-up time). */
  select(sinceMs: number, now: number, f: BookFilter): { data: SandboxOdd[]; removed: SandboxOdd[] } {
    const data = this.odds.filter((o) => o.removedAt === null && o.lastSeenMs > sinceMs && matchesFilter(o, f));
    const removed = this.odds
      .filter(
        (o) =>
          o.removedAt !== null &&
          o.removedAt > sinceMs &&
          o.removedAt >= now - REMOVAL_RETENTION_MS &&
          matchesFilter(o, f),
      )
      .sort((a, b) => a.removedAt! - b.removedAt! || (a.id < b.id ? -1 : 1));
    return { data, removed };
  }

  toJson(o: SandboxOdd): Record<string, unknown> {
    const decimal = o.odds_american > 0 ? 1 + o.odds_american / 100 : 1 + 100 / -o.odds_american;
    return {
      id: o.id,
      sportsbook: o.sportsbook,
      event_id: o.event_id,
      sport: o.sport,
      league: o.league,
      home_team: o.home_team,
      away_team: o.away_team,
      market_type: o.market_type,
      selection: o.selection,
      selection_type: o.selection_type,
      odds_american: o.odds_american,
      odds_decimal: round(decimal, 3),
      odds_probability: round(1 / decimal, 4),
      line: o.line,
      event_start_time: o.event_start_time,
      last_seen_at: iso(o.lastSeenMs),
      is_live: o.is_live,
      status: o.is_live ? 'live' : 'upcoming',
    };
  }

  private versionOf(o: SandboxOdd): OddVersion {
    return { id: o.id, lastSeenAt: iso(o.lastSeenMs), oddsAmerican: o.odds_american, line: o.line, removed: false };
  }

  private record(odd: SandboxOdd): void {
    this.remember(odd.index, this.versionOf(odd));
  }

  private remember(index: number, v: OddVersion): void {
    const key = JSON.stringify([v.id, v.lastSeenAt, v.oddsAmerican, v.line, v.removed]);
    if (!this.truth.has(key)) this.truth.set(key, { index, version: Object.freeze(v) });
  }

  private build(): void {
    const { rng } = this;
    const eventBase = 33_000_000 + rng.int(900_000);
    SANDBOX_LEAGUES.forEach((L, li) => {
      for (let k = 0; k < this.o.eventsPerLeague; k++) {
        const home = L.teams[(2 * k) % L.teams.length];
        const away = L.teams[(2 * k + 1) % L.teams.length];
        const eventId = String(eventBase + li * 10_000 + k);
        const live = k === 0;
        const start = iso(live ? this.startMs - 30 * 60_000 : this.startMs + (k + 1) * 3_600_000);
        const pHome = rng.between(0.25, 0.75);
        const spread = Math.round(rng.between(0.5, L.spreadRange) * 2) / 2 || 0.5;
        const total = L.totalLine + Math.round(rng.between(-3, 3));
        for (const book of SANDBOX_BOOKS) {
          const base = {
            sportsbook: book,
            event_id: eventId,
            sport: L.sport,
            league: L.league,
            home_team: home[1],
            away_team: away[1],
            event_start_time: start,
            is_live: live,
            removedAt: null,
          };
          const pair = (
            category: string,
            market: string,
            a: Omit<
              SandboxOdd,
              keyof typeof base | 'index' | 'id' | 'category' | 'market_type' | 'sibling' | 'lastSeenMs'
            >,
            b: typeof a,
          ) => {
            const i = this.odds.length;
            for (const [side, j] of [
              [a, i + 1],
              [b, i],
            ] as const) {
              const key =
                side.selection_type === 'over' || side.selection_type === 'under'
                  ? side.selection_type
                  : side.selection_type === 'home'
                    ? home[0]
                    : away[0];
              this.odds.push({
                ...base,
                ...side,
                index: this.odds.length,
                id: `${book}_${eventId}_${market}_${key}`,
                category,
                market_type: market,
                sibling: j,
                lastSeenMs: this.startMs - 1000 - rng.int(120_000),
              });
            }
          };
          const vig = rng.between(1.03, 1.06);
          pair(
            'moneyline',
            'moneyline',
            { selection: home[1], selection_type: 'home', odds_american: americanFromImplied(pHome * vig), line: null },
            {
              selection: away[1],
              selection_type: 'away',
              odds_american: americanFromImplied((1 - pHome) * vig),
              line: null,
            },
          );
          const fav = pHome >= 0.5 ? -spread : spread;
          pair(
            'spread',
            L.spreadMarket,
            {
              selection: home[1],
              selection_type: 'home',
              odds_american: americanFromImplied(rng.between(0.5, 0.55)),
              line: fav,
            },
            {
              selection: away[1],
              selection_type: 'away',
              odds_american: americanFromImplied(rng.between(0.5, 0.55)),
              line: -fav,
            },
          );
          pair(
            'total',
            L.totalMarket,
            {
              selection: 'Over',
              selection_type: 'over',
              odds_american: americanFromImplied(rng.between(0.5, 0.55)),
              line: total,
            },
            {
              selection: 'Under',
              selection_type: 'under',
              odds_american: americanFromImplied(rng.between(0.5, 0.55)),
              line: total,
            },
          );
        }
      }
    });
  }

  private pick(want: (o: SandboxOdd) => boolean): SandboxOdd | null {
    for (let tries = 0; tries < 40; tries++) {
      const o = this.odds[this.rng.int(this.odds.length)];
      if (want(o)) return o;
    }
    return this.odds.find(want) ?? null;
  }

  private movePrice(o: SandboxOdd): void {
    const decimal = o.odds_american > 0 ? 1 + o.odds_american / 100 : 1 + 100 / -o.odds_american;
    let next = americanFromImplied((1 / decimal) * this.rng.between(0.94, 1.06));
    if (next === o.odds_american) next = next > 0 ? next + 5 : next - 5;
    o.odds_american = next;
  }

  private touch(o: SandboxOdd, t: number): void {
    o.lastSeenMs = t;
    this.changed.add(o.index);
  }

  private applyChange(t: number): void {
    const r = this.rng.next();
    const live = (o: SandboxOdd) => o.removedAt === null;
    if (r < 0.03) {
      // Re-list an odd pulled at least RELIST_AFTER_MS ago, so removals stay visible for a while.
      const ready = this.odds.filter((x) => x.removedAt !== null && x.removedAt <= t - RELIST_AFTER_MS);
      if (ready.length) {
        const o = ready[this.rng.int(ready.length)];
        o.removedAt = null;
        this.movePrice(o);
        this.touch(o, t);
        return;
      }
    } else if (r < 0.09) {
      const o = this.pick(live);
      if (o) {
        o.removedAt = t;
        this.changed.add(o.index);
        return;
      }
    } else if (r < 0.21) {
      const o = this.pick((x) => live(x) && x.line !== null);
      if (o) {
        const step = (this.rng.next() < 0.5 ? -0.5 : 0.5) * (1 + this.rng.int(2));
        const sib = this.odds[o.sibling];
        o.line = o.line! + step;
        sib.line = o.category === 'spread' ? -o.line : o.line;
        this.movePrice(o);
        this.touch(o, t);
        if (sib.removedAt === null) {
          this.movePrice(sib);
          this.touch(sib, t);
        }
        return;
      }
    }
    const o = this.pick(live);
    if (!o) return;
    this.movePrice(o);
    this.touch(o, t);
  }
}
