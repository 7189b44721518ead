/**
 * Memories of any hardware type, with write masks, and banked memories.
 *
 *   const rows = Memory(256, Bundle({ row: UInt(24), count: UInt(8) }));
 *   rows.write(a, { row, count });            // both fields
 *   rows.write(b, { count: c1 });             // only `count` (a field left out is not written)
 *   rows.write(b, { row, count }, { count: en }); // `count` only while en (a per-field mask)
 *   const e = rows.read(addr);                // { row, count }, a cycle later
 *
 *   const lanes = Memory(64, Vec(4, UInt(8)));  // mask: one bit per element
 *   lanes.write(a, bytes, strb);               // element i written when strb bit i is 1
 *   const words = Memory(64, UInt(32), { laneBits: 8 }); // byte lanes of a UInt, AXI wstrb style
 *
 * The words are stored packed (as pack() lays them out: first field or
 * element in the most significant bits) in one memory. A write of every lane
 * without a mask writes the whole word; otherwise each lane it holds is a
 * write of that lane's bits (`rows[a][11:8] <= ...`) under its mask bit,
 * the byte-enable pattern that Yosys infers as one $mem with per-bit write
 * enables (and FPGA flows map to one RAM with byte enables).
 *
 * `BankedMemory(banks, depth, T)` interleaves words over `banks` memories
 * (word a in bank a % banks, row a / banks), so several accesses to different
 * banks can happen in one cycle through `bank(k)`.
 */
import { ElaborationError } from './errors';
import { Value, cat, lit, mux, toValue, type ValueLike } from './ir';
import { Memory as GroundMemory, RegNext, unpack, pack, when, type HwValue, type Mem } from './module';
import { callerLoc, inferName, locToString, type SourceLoc } from './source';
import { UInt, bitWidth, isGround, log2Up, type BundleType, type FieldSpec, type GroundType, type HwType, type VecType } from './types';

/** The data of a write: a field left out of a bundle's data is not written. */
export type MemData<T> = T extends GroundType
  ? ValueLike
  : T extends BundleType<infer F>
    ? { [K in keyof F]?: HwValue<F[K]> | (F[K] extends GroundType ? ValueLike : never) }
    : T extends VecType<infer E>
      ? readonly (HwValue<E> | (E extends GroundType ? ValueLike : never))[]
      : never;

/** The write mask: per field for a bundle; a UInt with one bit per lane for a Vec or a laned UInt. */
export type MemMask<T> = T extends BundleType<infer F> ? { [K in keyof F]?: ValueLike } : ValueLike;

export interface MemoryOptions {
  /** An explicit base name (default: the variable). */
  name?: string;
  /** For a ground type: split each word into lanes of this many bits (the width must be a multiple), written under a mask. */
  laneBits?: number;
}

/** A lane: a bundle's field, a Vec's element or laneBits bits of a UInt, at bits lo .. lo + width - 1 of the word. */
interface Lane { key: string; type: HwType; lo: number; width: number }

/** A memory of words of type T (one memory of packed words), written whole or lane by lane under a mask. */
export class TypedMemory<T extends HwType> {
  readonly lanes: readonly Lane[];
  readonly name: string;
  constructor(
    /** The memory of packed words (first field or element in the most significant bits, as pack()). */
    readonly mem: Mem,
    readonly type: T,
    lanes: Lane[],
  ) {
    this.lanes = lanes;
    this.name = mem.name;
  }
  get depth(): number { return this.mem.depth; }

  /** Writes the lanes that `data` holds (and `mask` enables) at addr on the clock edge, under the enclosing whens. */
  write(addr: ValueLike, data: MemData<T>, mask?: MemMask<T>): void {
    const loc = callerLoc();
    const t = this.type as HwType;
    let pieces: { lane: Lane; bits: Value; en?: Value }[];
    if (isGround(t)) {
      const word = toValue(data as ValueLike, lit(0, t.width, t.kind === 'sint'));
      if (word.width !== t.width) throw this.err('WIDTH MISMATCH', `writing ${word.width} bits into ${t.width}-bit words`, loc);
      const m = mask === undefined ? undefined : this.laneMask(mask as ValueLike, loc);
      pieces = this.lanes.map((l, i) => ({ lane: l, bits: word.asUInt().bits(l.lo + l.width - 1, l.lo), ...(m ? { en: m.bit(i) } : {}) }));
    } else if (t.kind === 'vec') {
      const list = data as readonly unknown[];
      if (!Array.isArray(list) || list.length !== t.length) throw this.err('BAD STRUCTURE', `a Vec(${t.length}) word needs a list of ${t.length} elements`, loc);
      const m = mask === undefined ? undefined : this.laneMask(mask as ValueLike, loc);
      pieces = this.lanes.map((l, i) => ({ lane: l, bits: this.leafBits(l, list[i], loc), ...(m ? { en: m.bit(i) } : {}) }));
    } else {
      const rec = data as Record<string, unknown>;
      const masks = (mask ?? {}) as Record<string, ValueLike | undefined>;
      for (const k of Object.keys(masks)) {
        if (!(k in rec)) throw this.err('BAD STRUCTURE', `the mask enables field ${k}, but the data has no ${k}`, loc);
      }
      for (const k of Object.keys(rec)) {
        if (!this.lanes.some((l) => l.key === k)) throw this.err('BAD STRUCTURE', `no field ${k} in ${this.name}'s words (fields: ${this.lanes.map((l) => l.key).join(', ')})`, loc);
      }
      pieces = [];
      for (const l of this.lanes) {
        if (!(l.key in rec) || rec[l.key] === undefined) continue;
        const en = masks[l.key];
        pieces.push({ lane: l, bits: this.leafBits(l, rec[l.key], loc), ...(en === undefined ? {} : { en: this.maskBit(en, loc) }) });
      }
    }
    // Every lane, unmasked: one whole-word write. Otherwise one partial write per lane.
    if (pieces.length === this.lanes.length && pieces.every((x) => x.en === undefined)) {
      this.mem.write(addr, pieces.length === 1 ? pieces[0]!.bits : cat(...[...pieces].sort((a, b) => b.lane.lo - a.lane.lo).map((x) => x.bits)));
      return;
    }
    for (const x of pieces) {
      if (x.en === undefined) this.mem.writeBits(addr, x.lane.lo, x.bits);
      else when(x.en, () => this.mem.writeBits(addr, x.lane.lo, x.bits));
    }
  }

  /** Synchronous read: the word at addr, a cycle later (held while not enabled). */
  read(addr: ValueLike, en: ValueLike = 1): HwValue<T> {
    return this.unpacked(this.mem.read(addr, en));
  }

  /** Combinational read. */
  readAsync(addr: ValueLike): HwValue<T> {
    return this.unpacked(this.mem.readAsync(addr));
  }

  private unpacked(word: Value): HwValue<T> {
    const t = this.type as HwType;
    return (isGround(t) ? word.asKind(t.kind === 'sint') : unpack(t, word)) as HwValue<T>;
  }

  private maskBit(m: ValueLike, loc: SourceLoc | undefined): Value {
    const v = toValue(m);
    if (v.width !== 1) throw this.err('WIDTH MISMATCH', `a field's mask must be 1 bit, got ${v.width}`, loc);
    return v.asUInt();
  }

  private leafBits(l: Lane, v: unknown, loc: SourceLoc | undefined): Value {
    if (isGround(l.type)) {
      const x = toValue(v as ValueLike, lit(0, l.width, l.type.kind === 'sint'));
      if (x.width !== l.width || x.signed !== (l.type.kind === 'sint')) throw this.err(x.width !== l.width ? 'WIDTH MISMATCH' : 'TYPE MISMATCH', `lane ${l.key} of ${this.name} holds ${l.width} bits, got ${x.signed ? 'SInt' : 'UInt'}(${x.width})`, loc);
      return x.asUInt();
    }
    return pack(v, l.type);
  }

  private laneMask(m: ValueLike, loc: SourceLoc | undefined): Value {
    const v = toValue(m, lit(0, this.lanes.length));
    if (v.width !== this.lanes.length || v.signed) throw this.err('WIDTH MISMATCH', `the write mask of ${this.name} needs one bit per lane: UInt(${this.lanes.length}), got ${v.signed ? 'SInt' : 'UInt'}(${v.width})`, loc);
    return v;
  }

  private err(check: 'WIDTH MISMATCH' | 'TYPE MISMATCH' | 'BAD STRUCTURE', msg: string, loc: SourceLoc | undefined): ElaborationError {
    return new ElaborationError(check, msg, this.name, locToString(loc));
  }
}

/** Lanes of a type: a bundle's fields, a Vec's elements (first in the most significant bits), or laneBits slices of a ground word (lane 0 lowest). */
function lanesOf(t: HwType, laneBits: number | undefined, base: string, loc: SourceLoc | undefined): Lane[] {
  if (isGround(t)) {
    if (laneBits === undefined) return [{ key: '0', type: t, lo: 0, width: t.width }];
    if (!Number.isInteger(laneBits) || laneBits < 1 || t.width % laneBits !== 0) {
      throw new ElaborationError('BAD PARAMETER', `laneBits must divide the word width ${t.width}, got ${laneBits}`, base, locToString(loc));
    }
    return Array.from({ length: t.width / laneBits }, (_, i) => ({ key: String(i), type: UInt(laneBits), lo: i * laneBits, width: laneBits }));
  }
  if (laneBits !== undefined) throw new ElaborationError('BAD STRUCTURE', `laneBits applies to a UInt or SInt memory; a ${t.kind}'s lanes are its ${t.kind === 'vec' ? 'elements' : 'fields'}`, base, locToString(loc));
  const parts: [string, HwType][] = t.kind === 'vec'
    ? Array.from({ length: t.length }, (_, i): [string, HwType] => [String(i), t.elem])
    : Object.entries(t.fields as Record<string, FieldSpec>).map(([k, f]): [string, HwType] => [k, f.type]);
  let hi = bitWidth(t);
  return parts.map(([key, type]) => {
    const width = bitWidth(type);
    hi -= width;
    return { key, type, lo: hi, width };
  });
}

/**
 * A memory of `depth` words of type T. A ground type without lanes gives the
 * plain `Mem` (read data is a Signal); a bundle, a Vec or a laned UInt gives a
 * TypedMemory (read data is a value of T).
 */
export function Memory(depth: number, type: GroundType, opts?: { name?: string }): Mem;
export function Memory<T extends HwType>(depth: number, type: T, opts?: MemoryOptions): TypedMemory<T>;
export function Memory<T extends HwType>(depth: number, type: T, opts: MemoryOptions = {}): Mem | TypedMemory<T> {
  if (isGround(type) && opts.laneBits === undefined) return GroundMemory(depth, type, { ...(opts.name ? { name: opts.name } : {}) });
  const loc = callerLoc();
  return typedMemory(depth, type, opts.laneBits, opts.name ?? inferName() ?? 'mem', loc, opts.name !== undefined);
}

function typedMemory<T extends HwType>(depth: number, type: T, laneBits: number | undefined, base: string, loc: SourceLoc | undefined, explicit: boolean): TypedMemory<T> {
  const lanes = lanesOf(type, laneBits, base, loc);
  const mem = GroundMemory(depth, UInt(bitWidth(type)), explicit ? { name: base } : {});
  return new TypedMemory(mem, type, lanes);
}

/**
 * `banks` memories of `depth` words each, interleaved: word a lives in bank
 * a % banks at row a / banks (banks a power of two). `bank(k)` is bank k's
 * memory, for several accesses per cycle to different banks; `write`,
 * `read` and `readAsync` go to the bank an address names.
 */
export class BankedMemory<T extends HwType> {
  readonly banks: readonly TypedMemory<T>[];
  readonly bankBits: number;
  readonly rowBits: number;
  constructor(readonly name: string, readonly count: number, readonly depth: number, readonly type: T, loc: SourceLoc | undefined) {
    if (!Number.isInteger(count) || count < 2 || (count & (count - 1)) !== 0) {
      throw new ElaborationError('BAD PARAMETER', `a banked memory needs a power-of-two number of banks >= 2, got ${count}`, name, locToString(loc));
    }
    this.bankBits = log2Up(count);
    this.rowBits = log2Up(depth);
    this.banks = Array.from({ length: count }, (_, k) => typedMemory(depth, type, undefined, `${name}_b${k}`, loc, true));
  }
  /** The bank of an address (its low bits). */
  bankOf(addr: Value): Value { return addr.bits(this.bankBits - 1, 0); }
  /** The row of an address within its bank. */
  rowOf(addr: Value): Value { return addr.bits(this.bankBits + this.rowBits - 1, this.bankBits); }
  /** Bank k. */
  bank(k: number): TypedMemory<T> { return this.banks[k]!; }

  write(addr: Value, data: MemData<T>, mask?: MemMask<T>): void {
    this.checkAddr(addr);
    const b = this.bankOf(addr), r = this.rowOf(addr);
    this.banks.forEach((m, k) => when(b.eq(k), () => m.write(r, data, mask)));
  }
  /** Synchronous read (a cycle later). */
  read(addr: Value, en: ValueLike = 1): HwValue<T> {
    this.checkAddr(addr);
    const sel = RegNext(this.bankOf(addr), { en });
    const words = this.banks.map((m) => pack(m.read(this.rowOf(addr), en), this.type));
    return unpack(this.type, words.reduceRight((acc, w, k) => (k === words.length - 1 ? w : mux(sel.eq(k), w, acc))));
  }
  readAsync(addr: Value): HwValue<T> {
    this.checkAddr(addr);
    const b = this.bankOf(addr);
    const words = this.banks.map((m) => pack(m.readAsync(this.rowOf(addr)), this.type));
    return unpack(this.type, words.reduceRight((acc, w, k) => (k === words.length - 1 ? w : mux(b.eq(k), w, acc))));
  }
  private checkAddr(addr: Value): void {
    if (addr.signed || addr.width !== this.bankBits + this.rowBits) {
      throw new ElaborationError('WIDTH MISMATCH', `an address of ${this.name} is UInt(${this.bankBits + this.rowBits}) (${this.bankBits} bank bits, ${this.rowBits} row bits), got ${addr.signed ? 'SInt' : 'UInt'}(${addr.width})`, this.name, locToString(callerLoc()));
    }
  }
}

/** `BankedMemory(4, 256, T)`: 4 banks of 256 words, interleaved on the address's low bits. */
export function Banked<T extends HwType>(banks: number, depth: number, type: T, opts: { name?: string } = {}): BankedMemory<T> {
  const loc = callerLoc();
  return new BankedMemory(opts.name ?? inferName() ?? 'mem', banks, depth, type, loc);
}
