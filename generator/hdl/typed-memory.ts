/**
 * Memories of any hardware type, with write masks, and banked memories.
 *
 *   const table = Memory(256, Bundle({ row: UInt(24), count: UInt(8) }));
 *   table.write(a, { row, count });            // both fields
 *   table.write(b, { count: c1 });             // only `count` (a field left out is not written)
 *   table.write(b, { row, count }, { count: en }); // `count` only while en (a per-field mask)
 *   const e = table.read(addr);                // { row, count }, a cycle later
 *
 *   const lanes = Memory(64, Vec(4, UInt(8)));  // mask: one bit per element
 *   lanes.write(a, bytes, strb);               // element i written when strb bit i is 1
 *   const words = Memory(64, UInt(32), { laneBits: 8 }); // byte lanes of a UInt, AXI wstrb style
 *
 * Each lane (a bundle's top-level field, a Vec's element, or laneBits bits of
 * a UInt) is a memory of its own, `<name>_<field>` / `<name>_<i>`, so a masked
 * write is a plain write of the lanes it enables: Verilator, Icarus and Yosys
 * take it as they take any memory (Yosys infers one $mem per lane).
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
import { HwVec } from './vec';

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

interface Lane { mem: Mem; key: string; type: HwType; lo: number }

/** A memory of words of type T, stored as one memory per lane. */
export class TypedMemory<T extends HwType> {
  readonly lanes: readonly Lane[];
  readonly addrWidth: number;
  constructor(
    readonly name: string,
    readonly depth: number,
    readonly type: T,
    lanes: Lane[],
  ) {
    this.lanes = lanes;
    this.addrWidth = log2Up(depth);
  }

  /** Writes the lanes that `data` holds (and `mask` enables) at addr on the clock edge, under the enclosing whens. */
  write(addr: ValueLike, data: MemData<T>, mask?: MemMask<T>): void {
    const loc = callerLoc();
    const t = this.type as HwType;
    if (isGround(t)) {
      const word = toValue(data as ValueLike, lit(0, t.width, t.kind === 'sint'));
      if (word.width !== t.width) throw this.err('WIDTH MISMATCH', `writing ${word.width} bits into ${t.width}-bit words`, loc);
      const m = mask === undefined ? undefined : this.laneMask(mask as ValueLike, loc);
      for (const [i, l] of this.lanes.entries()) {
        const piece = this.lanes.length === 1 ? word.asUInt() : word.asUInt().bits(l.lo + bitWidth(l.type) - 1, l.lo);
        this.writeLane(l, addr, piece, m?.bit(i));
      }
      return;
    }
    if (t.kind === 'vec') {
      const list = data as readonly unknown[];
      if (!Array.isArray(list) || list.length !== t.length) throw this.err('BAD STRUCTURE', `a Vec(${t.length}) word needs a list of ${t.length} elements`, loc);
      const m = mask === undefined ? undefined : this.laneMask(mask as ValueLike, loc);
      this.lanes.forEach((l, i) => this.writeLane(l, addr, this.leafBits(l, list[i], loc), m?.bit(i)));
      return;
    }
    const rec = data as Record<string, unknown>;
    const masks = (mask ?? {}) as Record<string, ValueLike | undefined>;
    for (const k of Object.keys(masks)) {
      if (!(k in rec)) throw this.err('BAD STRUCTURE', `the mask enables field ${k}, but the data has no ${k}`, loc);
    }
    for (const k of Object.keys(rec)) {
      if (!this.lanes.some((l) => l.key === k)) throw this.err('BAD STRUCTURE', `no field ${k} in ${this.name}'s words (fields: ${this.lanes.map((l) => l.key).join(', ')})`, loc);
    }
    for (const l of this.lanes) {
      if (!(l.key in rec) || rec[l.key] === undefined) continue;
      const en = masks[l.key];
      this.writeLane(l, addr, this.leafBits(l, rec[l.key], loc), en === undefined ? undefined : toValue(en));
    }
  }

  /** Synchronous read: the word at addr, a cycle later (held while not enabled). */
  read(addr: ValueLike, en: ValueLike = 1): HwValue<T> {
    return this.assemble(this.lanes.map((l) => l.mem.read(addr, en)));
  }

  /** Combinational read. */
  readAsync(addr: ValueLike): HwValue<T> {
    return this.assemble(this.lanes.map((l) => l.mem.readAsync(addr)));
  }

  private writeLane(l: Lane, addr: ValueLike, bits: Value, en: Value | undefined): void {
    if (en === undefined) l.mem.write(addr, bits);
    else {
      if (en.width !== 1) throw this.err('WIDTH MISMATCH', `a mask bit must be 1 bit, got ${en.width}`, callerLoc());
      when(en, () => l.mem.write(addr, bits));
    }
  }

  private leafBits(l: Lane, v: unknown, loc: SourceLoc | undefined): Value {
    const w = bitWidth(l.type);
    if (isGround(l.type)) {
      const x = toValue(v as ValueLike, lit(0, w, l.type.kind === 'sint'));
      if (x.width !== w || x.signed !== (l.type.kind === 'sint')) throw this.err(x.width !== w ? 'WIDTH MISMATCH' : 'TYPE MISMATCH', `lane ${l.key} of ${this.name} holds ${w} bits, got ${x.signed ? 'SInt' : 'UInt'}(${x.width})`, loc);
      return x.asUInt();
    }
    return pack(v, l.type);
  }

  private laneMask(m: ValueLike, loc: SourceLoc | undefined): Value {
    const v = toValue(m, lit(0, this.lanes.length));
    if (v.width !== this.lanes.length || v.signed) throw this.err('WIDTH MISMATCH', `the write mask of ${this.name} needs one bit per lane: UInt(${this.lanes.length}), got ${v.signed ? 'SInt' : 'UInt'}(${v.width})`, loc);
    return v;
  }

  private assemble(words: Value[]): HwValue<T> {
    const t = this.type as HwType;
    if (isGround(t)) {
      const all = words.length === 1 ? words[0]! : cat(...[...words].reverse());
      return all.asKind(t.kind === 'sint') as HwValue<T>;
    }
    if (t.kind === 'vec') return HwVec.from(words, (w, i) => unpack(this.lanes[i]!.type, w)) as HwValue<T>;
    const out: Record<string, unknown> = {};
    this.lanes.forEach((l, i) => { out[l.key] = unpack(l.type, words[i]!); });
    return out as HwValue<T>;
  }

  private err(check: 'WIDTH MISMATCH' | 'TYPE MISMATCH' | 'BAD STRUCTURE', msg: string, loc: SourceLoc | undefined): ElaborationError {
    return new ElaborationError(check, msg, this.name, locToString(loc));
  }
}

/** Lanes of a type: a bundle's fields, a Vec's elements, or laneBits slices of a ground word. */
function lanesOf(t: HwType, laneBits: number | undefined, base: string, loc: SourceLoc | undefined): { key: string; type: HwType; lo: number }[] {
  if (isGround(t)) {
    if (laneBits === undefined) return [{ key: '', type: t, lo: 0 }];
    if (!Number.isInteger(laneBits) || laneBits < 1 || t.width % laneBits !== 0) {
      throw new ElaborationError('BAD WIDTH', `laneBits must divide the word width ${t.width}, got ${laneBits}`, base, locToString(loc));
    }
    return Array.from({ length: t.width / laneBits }, (_, i) => ({ key: String(i), type: UInt(laneBits), lo: i * laneBits }));
  }
  if (laneBits !== undefined) throw new ElaborationError('BAD STRUCTURE', `laneBits applies to a UInt or SInt memory; a ${t.kind}'s lanes are its ${t.kind === 'vec' ? 'elements' : 'fields'}`, base, locToString(loc));
  if (t.kind === 'vec') return Array.from({ length: t.length }, (_, i) => ({ key: String(i), type: t.elem, lo: 0 }));
  return Object.entries(t.fields as Record<string, FieldSpec>).map(([k, f]) => ({ key: k, type: f.type, lo: 0 }));
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
  return typedMemory(depth, type, opts.laneBits, opts.name ?? inferName() ?? 'mem', loc);
}

function typedMemory<T extends HwType>(depth: number, type: T, laneBits: number | undefined, base: string, loc: SourceLoc | undefined): TypedMemory<T> {
  const lanes = lanesOf(type, laneBits, base, loc).map((l) => ({
    ...l,
    mem: GroundMemory(depth, UInt(bitWidth(l.type)), { name: l.key === '' ? base : `${base}_${l.key}` }),
  }));
  return new TypedMemory(base, depth, type, lanes);
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
      throw new ElaborationError('BAD WIDTH', `a banked memory needs a power-of-two number of banks >= 2, got ${count}`, name, locToString(loc));
    }
    this.bankBits = log2Up(count);
    this.rowBits = log2Up(depth);
    this.banks = Array.from({ length: count }, (_, k) => typedMemory(depth, type, undefined, `${name}_b${k}`, loc));
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
