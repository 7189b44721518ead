/**
 * Memories: `Memory(depth, type)` and its write and read ports.
 */
import { ElaborationError } from './errors';
import { Value, toValue, type ValueLike, lit, log2Up, extendTo } from './ir';
import { asCond, currentFrame, nameHere, pathCondition, requireClocking, type Frame } from './builder';
import type { Module } from './module';
import { Signal } from './signal';
import { callerLoc, locToString, type SourceLoc } from './source';
import type { GroundType } from './types';

// ---------------------------------------------------------------------------
// Memories

/** A write port; with `lo`, a partial write of bits lo .. lo + data.width - 1 of the word (a write-mask lane). */
export interface MemWritePort { addr: Value; data: Value; en: Value; loc: SourceLoc | undefined; lo?: number }
export interface MemReadPort { mem: Mem; addr: Value; en: Value; sync: boolean; data: Signal; loc: SourceLoc | undefined }

/**
 * A memory of `depth` words. Writes and synchronous reads take effect at the
 * clock edge (read-first: a read and a write of one address in one cycle
 * return the old word). Yosys infers it as a $mem, so FPGA flows map it to
 * block or distributed RAM. Words are not reset.
 */
export class Mem {
  readonly writes: MemWritePort[] = [];
  readonly reads: MemReadPort[] = [];
  readonly addrWidth: number;
  constructor(
    public name: string,
    readonly depth: number,
    readonly type: GroundType,
    readonly owner: Module,
    readonly loc: SourceLoc | undefined,
  ) {
    this.addrWidth = log2Up(depth);
  }

  private addr(a: ValueLike, loc: SourceLoc | undefined): Value {
    const v = toValue(a);
    if (v.signed) throw new ElaborationError('TYPE MISMATCH', `memory address must be a UInt`, `${this.owner.instancePath}.${this.name}`, locToString(loc));
    if (v.width > this.addrWidth) {
      throw new ElaborationError('WIDTH MISMATCH', `a ${v.width}-bit address for a ${this.depth}-word memory (needs ${this.addrWidth} bits); trunc() it`, `${this.owner.instancePath}.${this.name}`, locToString(loc));
    }
    return extendTo(v, this.addrWidth);
  }

  /** Writes data at addr on the clock edge, under the enclosing when conditions. */
  write(addr: ValueLike, data: ValueLike): void {
    const loc = callerLoc();
    const frame = currentFrame('Mem.write()', loc);
    this.checkOwner(frame, loc);
    const d = toValue(data, this.asValueShape());
    if (d.width !== this.type.width) throw new ElaborationError('WIDTH MISMATCH', `writing ${d.width} bits into a ${this.type.width}-bit memory`, `${this.owner.instancePath}.${this.name}`, locToString(loc));
    this.writes.push({ addr: this.addr(addr, loc), data: d, en: pathCondition(frame), loc });
  }

  /**
   * Writes `data` into bits lo .. lo + data.width - 1 of the word at addr,
   * leaving the word's other bits as they are (one lane of a masked write).
   */
  writeBits(addr: ValueLike, lo: number, data: Value): void {
    const loc = callerLoc();
    const frame = currentFrame('Mem.writeBits()', loc);
    this.checkOwner(frame, loc);
    if (!Number.isInteger(lo) || lo < 0 || lo + data.width > this.type.width) {
      throw new ElaborationError('WIDTH MISMATCH', `bits ${lo + data.width - 1}..${lo} are outside the ${this.type.width}-bit words`, `${this.owner.instancePath}.${this.name}`, locToString(loc));
    }
    if (lo === 0 && data.width === this.type.width) return this.write(addr, data);
    this.writes.push({ addr: this.addr(addr, loc), data: data.asUInt(), en: pathCondition(frame), loc, lo });
  }

  /** Synchronous read: the word at addr appears on the returned signal one cycle later (held while not enabled). */
  read(addr: ValueLike, en: ValueLike = 1): Signal {
    return this.readPort(addr, en, true, callerLoc());
  }

  /** Combinational read (a register file; Yosys maps it to LUT RAM or flops). */
  readAsync(addr: ValueLike): Signal {
    return this.readPort(addr, 1, false, callerLoc());
  }

  private readPort(addr: ValueLike, en: ValueLike, sync: boolean, loc: SourceLoc | undefined): Signal {
    const frame = currentFrame('Mem.read()', loc);
    this.checkOwner(frame, loc);
    const m = frame.module;
    const hint = nameHere(m) ?? `${this.name}_rd${this.reads.length}`;
    const data = new Signal(m.ns.fresh(hint, loc), sync ? 'memread' : 'memcomb', this.type, m, loc);
    const pathEn = pathCondition(frame);
    const e = asCond(en, loc);
    const port: MemReadPort = { mem: this, addr: this.addr(addr, loc), en: sync ? (pathEn.op === 'lit' ? e : pathEn.and(e)) : lit(1, 1), sync, data, loc };
    data.memPort = port;
    this.reads.push(port);
    m.signals.push(data);
    return data;
  }

  private asValueShape(): Value {
    return new Value('undef', this.type.width, this.type.kind === 'sint');
  }
  private checkOwner(frame: Frame, loc: SourceLoc | undefined): void {
    if (frame.module !== this.owner) throw new ElaborationError('CROSS MODULE REFERENCE', `memory ${this.name} belongs to ${this.owner.instancePath}`, undefined, locToString(loc));
  }
}

/** A memory of `depth` words of a ground type (depth >= 2; use Reg for one word). */
export function Memory(depth: number, type: GroundType, opts: { name?: string } = {}): Mem {
  const loc = callerLoc();
  const m = currentFrame('Memory()', loc).module;
  const base = opts.name ?? nameHere(m) ?? 'mem';
  if (!Number.isInteger(depth) || depth < 2) {
    throw new ElaborationError('BAD WIDTH', `memory depth must be an integer >= 2 (got ${depth}); use a Reg for a single word`, `${m.instancePath}.${base}`, locToString(loc));
  }
  requireClocking(m, 'memory', base, false, loc);
  const name = opts.name ? m.ns.claim(opts.name, loc, m.instancePath) : m.ns.fresh(base, loc);
  const mem = new Mem(name, depth, type, m, loc);
  m.mems.push(mem);
  return mem;
}
