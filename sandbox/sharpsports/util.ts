import { mulberry32 } from '../prng';
import { createHash } from 'node:crypto';

/** 32-bit seed derived from any parts (stable across runs). */
export function hashSeed(...parts: Array<string | number>): number {
  return createHash('sha256').update(parts.join('|')).digest().readUInt32LE(0);
}

/** Deterministic hex string derived from parts. */
export function hashHex(len: number, ...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, len);
}

/** The simulators' seeded PRNG with the draws this sandbox needs. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** integer in [min, max] */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.next() * arr.length)];
  }
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  hex(len: number): string {
    let s = '';
    while (s.length < len)
      s += Math.floor(this.next() * 0x10000)
        .toString(16)
        .padStart(4, '0');
    return s.slice(0, len);
  }
  digits(len: number): string {
    let s = '';
    for (let i = 0; i < len; i++) s += String(Math.floor(this.next() * 10));
    return s;
  }
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** "2022-01-16T17:26:57Z" */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
/** "2022-01-15T17:31:27.052529Z" (microseconds, as the API prints them) */
export function isoMicros(ms: number, micros = 0): string {
  return new Date(ms).toISOString().replace('Z', `${String(micros % 1000).padStart(3, '0')}Z`);
}
/** "2022-01-16" (UTC) */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** American odds -> decimal odds. */
export function toDecimal(american: number): number {
  return american > 0 ? 1 + american / 100 : 1 + 100 / -american;
}
/** Decimal odds -> American odds (integer, never between -100 and +100). */
export function toAmerican(decimal: number): number {
  return decimal >= 2 ? Math.round((decimal - 1) * 100) : -Math.round(100 / (decimal - 1));
}
/** Win probability -> American odds with a ~4.5% two-way hold, rounded to 5. */
export function probToAmerican(p: number): number {
  const a = toAmerican(1 / Math.min(0.97, p + 0.0227));
  const r = Math.round(a / 5) * 5;
  return r > -100 && r < 100 ? (a < 0 ? -105 : 100) : r;
}
/** Profit in cents for a stake at American odds. */
export function profitFor(atRisk: number, american: number): number {
  return Math.round(atRisk * (toDecimal(american) - 1));
}

/** setTimeout bookkeeping so close() can stop everything. Sleeps never resolve after close(). */
export class Timers {
  private pending = new Set<NodeJS.Timeout>();
  closed = false;
  after(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const t = setTimeout(
      () => {
        this.pending.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    this.pending.add(t);
    return t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.after(ms, resolve);
    });
  }
  cancel(t: NodeJS.Timeout | undefined): void {
    if (t) {
      clearTimeout(t);
      this.pending.delete(t);
    }
  }
  close(): void {
    this.closed = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}
