// Odds ticks straight to one block of ClickHouse's Native format (columnar, length-prefixed
// strings, binary numbers): the engine reads it at about half the cost of the same rows as
// TabSeparated (1.6 vs 3.3 µs a row here) and JS writes it about as fast as a TSV line.
import type { OddsTick } from '../../schemas/odds';
import type { EncodedRows } from '../warehouse/client';

/** A growable byte column. */
class Bytes {
  buf: Buffer;
  off = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.off++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.off++] = n;
  }
  str(s: string): void {
    const len = s.length;
    if (len < 0x80) {
      // Most fields are short ASCII: a plain loop beats a call into Buffer.write per field.
      this.ensure(len + 1);
      const buf = this.buf;
      const at = this.off;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + 1 + i] = c;
      }
      if (i === len) {
        buf[at] = len;
        this.off = at + 1 + len;
        return;
      }
    }
    const max = len * 3;
    if (max < 0x80) {
      // Short enough that its UTF-8 length fits the one-byte prefix: write it, then the prefix.
      this.ensure(max + 1);
      const n = this.buf.write(s, this.off + 1, 'utf8');
      this.buf[this.off] = n;
      this.off += n + 1;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.off += this.buf.write(s, this.off, 'utf8');
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.off++] = v;
  }
  f64(v: number): void {
    this.ensure(8);
    this.off = this.buf.writeDoubleLE(v, this.off);
  }
  i32(v: number): void {
    this.ensure(4);
    this.off = this.buf.writeInt32LE(v, this.off);
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.off);
  }
}

type Kind = 'str' | 'nf64' | 'ni32' | 'nbool' | 'bool' | 'time' | 'ntime';
/** Column, how it is encoded, and (for times) the engine's best_effort parse, as the JSON insert did it. */
const SPEC: ReadonlyArray<readonly [keyof OddsTick, Kind]> = [
  ['tick_id', 'str'], ['source', 'str'], ['book', 'str'], ['sport', 'str'], ['league', 'str'], ['event_key', 'str'], ['provider_event_id', 'str'],
  ['provider_odd_id', 'str'], ['home_team', 'str'], ['away_team', 'str'], ['start_time', 'ntime'], ['market', 'str'], ['market_raw', 'str'],
  ['selection', 'str'], ['line', 'nf64'], ['price_american', 'ni32'], ['price_decimal', 'nf64'], ['implied_prob', 'nf64'], ['is_main', 'nbool'],
  ['is_live', 'bool'], ['locked', 'bool'], ['removed', 'bool'], ['ts', 'time'], ['received_at', 'time'],
];
const FILE_TYPE: Record<Kind, string> = {
  str: 'String', nf64: 'Nullable(Float64)', ni32: 'Nullable(Int32)', nbool: 'Nullable(Bool)', bool: 'Bool',
  time: 'String', ntime: 'Nullable(String)',
};
const COLUMNS = SPEC.map(([c]) => c);
const STRUCTURE = SPEC.map(([c, k]) => `${c} ${FILE_TYPE[k]}`).join(', ');
const SELECT = SPEC.map(([c, k]) => (k === 'time' || k === 'ntime' ? `parseDateTime64BestEffort(${c}, 3, 'UTC')` : c));
const nullable = (k: Kind) => k.startsWith('n');

const EPOCH = '1970-01-01 00:00:00';
const text = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));

/** The ticks of one batch, encoded as they are added; a batch costs the GC nothing while it waits. */
export class NativeTickBatch {
  private readonly values = SPEC.map(() => new Bytes(64 * 1024));
  private readonly nulls = SPEC.map(([, k]) => (nullable(k) ? new Bytes(16 * 1024) : null));
  rows = 0;

  add(ticks: readonly OddsTick[]): void {
    // Unrolled in SPEC order: a property read by a variable key per field costs more than the write.
    const [tickId, source, book, sport, league, eventKey, providerEventId, providerOddId, home, away, start, market, marketRaw, selection, line, american, decimal, implied, isMain, isLive, locked, removed, ts, receivedAt] = this.values;
    const n = this.nulls;
    for (const t of ticks) {
      tickId.str(text(t.tick_id));
      source.str(text(t.source));
      book.str(text(t.book));
      sport.str(text(t.sport));
      league.str(text(t.league));
      eventKey.str(text(t.event_key));
      providerEventId.str(text(t.provider_event_id));
      providerOddId.str(text(t.provider_odd_id));
      home.str(text(t.home_team));
      away.str(text(t.away_team));
      n[10]!.u8(t.start_time == null ? 1 : 0);
      // The engine parses every nested value, NULL rows' too: they carry a valid time it then masks.
      start.str(t.start_time == null ? EPOCH : text(t.start_time));
      market.str(text(t.market));
      marketRaw.str(text(t.market_raw));
      selection.str(text(t.selection));
      n[14]!.u8(t.line == null ? 1 : 0);
      line.f64(t.line ?? 0);
      n[15]!.u8(t.price_american == null ? 1 : 0);
      american.i32(t.price_american == null ? 0 : int32(t.price_american, 'price_american'));
      n[16]!.u8(t.price_decimal == null ? 1 : 0);
      decimal.f64(t.price_decimal ?? 0);
      n[17]!.u8(t.implied_prob == null ? 1 : 0);
      implied.f64(t.implied_prob ?? 0);
      n[18]!.u8(t.is_main == null ? 1 : 0);
      isMain.u8(t.is_main ? 1 : 0);
      isLive.u8(t.is_live ? 1 : 0);
      locked.u8(t.locked ? 1 : 0);
      removed.u8(t.removed ? 1 : 0);
      ts.str(text(t.ts));
      receivedAt.str(text(t.received_at));
      this.rows += 1;
    }
  }

  encoded(): EncodedRows {
    const head = new Bytes(4096);
    head.varint(SPEC.length);
    head.varint(this.rows);
    const parts: Buffer[] = [];
    for (let i = 0; i < SPEC.length; i++) {
      const h = new Bytes(64);
      h.str(SPEC[i][0]);
      h.str(FILE_TYPE[SPEC[i][1]]);
      parts.push(h.bytes());
      if (this.nulls[i]) parts.push(this.nulls[i]!.bytes());
      parts.push(this.values[i].bytes());
    }
    return { format: 'Native', columns: COLUMNS, body: Buffer.concat([head.bytes(), ...parts]), rows: this.rows, structure: STRUCTURE, select: SELECT };
  }
}

function int32(v: unknown, col: string): number {
  const n = Number(v);
  // The JSON insert refused such a value too; here it stops the batch before it is sent.
  if (!Number.isInteger(n) || n < -2_147_483_648 || n > 2_147_483_647) throw new RangeError(`${col} ${String(v)} is not an Int32`);
  return n;
}
