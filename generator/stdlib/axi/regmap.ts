/**
 * RegisterMap: a block's AXI4-Lite registers, declared once. The same
 * declaration gives
 *  - the hardware: `map.build(io.s_axi_lite, { ...read values })` serves the
 *    registers (storage of RW and W1C fields with their reset values, byte
 *    strobes, write pulses of WO fields, the read mux) on an AXI4-Lite slave
 *    (axiLiteRegisterSlave);
 *  - the host side: `map.offset('SRC_LO')`, `map.offsets`, `map.fieldOf(...)`
 *    for drivers and register scripts;
 *  - the documentation: `map.markdown()`, the register table written into the
 *    docs by `npm run generate` (drift-checked by the tests).
 *
 * Access kinds (per register, overridable per field):
 *  RW   read/write storage with a reset value; the hardware reads it.
 *  RO   read-only; the hardware supplies the value (`build(lite, { REG: value })`).
 *  WO   write-only; the hardware sees a one-cycle pulse / the written bits
 *       (`file.wrote(REG, FIELD)`, `file.written(REG, FIELD)`); reads 0.
 *  W1C  status bits set by the hardware (`{ REG: { FIELD: setCondition } }`)
 *       and cleared by writing 1; read back.
 */
import { ElaborationError } from '../../hdl/errors';
import { Value, cat, lit, mux } from '../../hdl/ir';
import { Reg, Wire, currentModule, when, type Hw, type Module } from '../../hdl/module';
import { badParameter } from '../../hdl/params';
import { UInt } from '../../hdl/types';
import type { AxiLiteType } from './bundles';
import { axiLiteRegisterSlave } from './lite';

export type Access = 'RW' | 'RO' | 'WO' | 'W1C';

export interface FieldDecl {
  readonly name: string;
  /** `[hi, lo]` or a single bit. */
  readonly bits: readonly [number, number] | number;
  /** Defaults to the register's access. */
  readonly access?: Access;
  /** Reset value of an RW/W1C field (default 0). */
  readonly reset?: number | bigint;
  readonly doc: string;
}

export interface RegisterDecl {
  readonly name: string;
  /** Byte offset (a multiple of the data width in bytes). */
  readonly offset: number;
  readonly access: Access;
  readonly doc: string;
  /** Without fields: one field named like the register covering `width` bits (default the data width). */
  readonly fields?: readonly FieldDecl[];
  readonly width?: number;
  readonly reset?: number | bigint;
  /** When the register exists (documentation, e.g. "addrBits > 32"); see RegisterMap.without(). */
  readonly note?: string;
}

export interface FieldInfo { name: string; hi: number; lo: number; width: number; access: Access; reset: bigint; doc: string; mask: bigint }
export interface RegisterInfo { name: string; offset: number; access: Access; doc: string; note?: string; fields: FieldInfo[]; present: boolean }

/** Read values of RO fields: the whole register as one value, or per field. */
export type ReadValues<N extends string> = { [K in N]?: Value | Record<string, Value> };

const bad = (msg: string): ElaborationError => badParameter(msg);

export class RegisterMap<N extends string = string> {
  readonly registers: readonly RegisterInfo[];
  readonly dataBits: number;
  private readonly decls: readonly RegisterDecl[];

  constructor(readonly name: string, decls: readonly RegisterDecl[], opts: { dataBits?: number; absent?: readonly string[] } = {}) {
    this.dataBits = opts.dataBits ?? 32;
    const bytes = this.dataBits / 8;
    const absent = new Set(opts.absent ?? []);
    const names = new Set<string>();
    const offsets = new Map<number, string>();
    this.registers = decls.map((d) => {
      const where = `register map '${name}', register ${d.name}`;
      if (!/^[A-Z][A-Z0-9_]*$/.test(d.name)) throw bad(`${where}: names are upper-case identifiers (A-Z, 0-9, _)`);
      if (names.has(d.name)) throw bad(`${where}: declared twice`);
      names.add(d.name);
      if (!Number.isInteger(d.offset) || d.offset < 0 || d.offset % bytes !== 0) throw bad(`${where}: offset 0x${d.offset.toString(16)} is not a multiple of ${bytes}`);
      const prev = offsets.get(d.offset);
      if (prev) throw bad(`${where}: offset 0x${d.offset.toString(16)} is already ${prev}`);
      offsets.set(d.offset, d.name);
      const fieldDecls: readonly FieldDecl[] = d.fields ?? [{ name: d.name, bits: [(d.width ?? this.dataBits) - 1, 0], doc: d.doc, ...(d.reset !== undefined ? { reset: d.reset } : {}) }];
      const used = new Set<string>();
      let taken = 0n;
      const fields = fieldDecls.map((f): FieldInfo => {
        const [hi, lo] = typeof f.bits === 'number' ? [f.bits, f.bits] : f.bits;
        if (!Number.isInteger(hi) || !Number.isInteger(lo) || lo < 0 || hi < lo || hi >= this.dataBits) throw bad(`${where}: field ${f.name} has bits ${hi}:${lo}; fields lie in ${this.dataBits - 1}:0 with hi >= lo`);
        if (used.has(f.name)) throw bad(`${where}: field ${f.name} declared twice`);
        used.add(f.name);
        const width = hi - lo + 1;
        const mask = ((1n << BigInt(width)) - 1n) << BigInt(lo);
        if (taken & mask) throw bad(`${where}: field ${f.name} (bits ${hi}:${lo}) overlaps another field`);
        taken |= mask;
        const reset = BigInt(f.reset ?? 0);
        if (reset < 0n || reset >> BigInt(width) !== 0n) throw bad(`${where}: field ${f.name} reset value ${reset} does not fit in ${width} bits`);
        const access = f.access ?? d.access;
        if (reset !== 0n && (access === 'RO' || access === 'WO')) throw bad(`${where}: field ${f.name} is ${access} and cannot have a reset value`);
        return { name: f.name, hi, lo, width, access, reset, doc: f.doc, mask };
      });
      return { name: d.name, offset: d.offset, access: d.access, doc: d.doc, ...(d.note ? { note: d.note } : {}), fields, present: !absent.has(d.name) };
    });
    for (const a of absent) if (!names.has(a)) throw bad(`register map '${name}': cannot omit ${a}, which is not declared`);
    this.decls = decls;
  }

  /** The same map with some registers absent from the hardware (they read 0 and ignore writes). */
  without(...names: N[]): RegisterMap<N> {
    return new RegisterMap<N>(this.name, this.decls, { dataBits: this.dataBits, absent: names });
  }

  /** Byte offset of a register. */
  offset(reg: N): number {
    return this.reg(reg).offset;
  }

  /** Every register's byte offset, by name. */
  get offsets(): { readonly [K in N]: number } {
    return Object.fromEntries(this.registers.map((r) => [r.name, r.offset])) as { [K in N]: number };
  }

  reg(name: N): RegisterInfo {
    const r = this.registers.find((x) => x.name === name);
    if (!r) throw bad(`register map '${this.name}' has no register ${name} (registers: ${this.registers.map((x) => x.name).join(', ')})`);
    return r;
  }

  fieldOf(reg: N, field: string): FieldInfo {
    const r = this.reg(reg);
    const f = r.fields.find((x) => x.name === field);
    if (!f) throw bad(`register ${reg} of map '${this.name}' has no field ${field} (fields: ${r.fields.map((x) => x.name).join(', ')})`);
    return f;
  }

  /** The register table (Markdown), as written into the docs. */
  markdown(): string {
    const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
    const bits = (f: FieldInfo) => (f.hi === f.lo ? `${f.lo}` : `${f.hi}:${f.lo}`);
    const lines = ['| Offset | Name | Access | Reset | Fields |', '| --- | --- | --- | --- | --- |'];
    for (const r of [...this.registers].sort((a, b) => a.offset - b.offset)) {
      const single = r.fields.length === 1 && r.fields[0]!.name === r.name;
      const reset = r.access === 'RO' || r.access === 'WO' ? '–' : `0x${r.fields.reduce((a, f) => a | (f.reset << BigInt(f.lo)), 0n).toString(16)}`;
      const desc = single
        ? `${r.fields[0]!.hi === this.dataBits - 1 && r.fields[0]!.lo === 0 ? '' : `bits ${bits(r.fields[0]!)}: `}${r.doc}`
        : `${r.doc}${r.fields.map((f) => `<br>bit${f.hi === f.lo ? '' : 's'} ${bits(f)} ${f.name}${f.access !== r.access ? ` (${f.access})` : ''}: ${f.doc}`).join('')}`;
      lines.push(`| ${hex(r.offset)} | ${r.name} | ${r.access} | ${reset} | ${desc}${r.note ? ` (${r.note})` : ''} |`);
    }
    return lines.join('\n') + '\n';
  }

  /**
   * Serves the registers on an `In(AxiLite())` port inside a module's build().
   * `read` supplies RO fields (a whole register as one value, or per field)
   * and, for W1C fields, the condition that sets them.
   */
  build(lite: Hw<AxiLiteType>, read: ReadValues<N> = {}): RegisterFile<N> {
    if (lite.wdata.width !== this.dataBits) throw bad(`register map '${this.name}' is ${this.dataBits}-bit; the AXI4-Lite port is ${lite.wdata.width}-bit`);
    const lb = Math.log2(this.dataBits / 8);
    const span = 2 ** (lite.awaddr.width - lb);
    for (const r of this.registers) if (r.offset >> lb >= span) throw bad(`register ${r.name} at 0x${r.offset.toString(16)} is beyond the ${lite.awaddr.width}-bit address of the AXI4-Lite port`);
    for (const k of Object.keys(read)) {
      const r = this.reg(k as N);
      if (!r.fields.some((f) => f.access === 'RO' || f.access === 'W1C')) throw bad(`register ${k} of map '${this.name}' is ${r.access}: the map holds its value, do not supply one`);
    }
    const file = new RegisterFile<N>(this);
    const owner = currentModule();
    builtMaps.set(owner, [...(builtMaps.get(owner) ?? []), this as RegisterMap]);
    const regValue = new Map<string, Value>();
    // The read mux is built once every register's value exists (below).
    const readData = Wire(UInt(this.dataBits), { name: `${this.name}_rdata` });
    const lite2 = axiLiteRegisterSlave(lite, () => readData);
    const readIndex = lite.araddr.bits(lite.araddr.width - 1, lb);
    file.fire = lite2.fire;
    /** The strobe bit of each byte lane, built once and shared by the fields' strobes (a port's bit prints the same). */
    const strbBits = new Map<number, Value>();
    for (const r of this.registers) {
      if (!r.present) continue;
      const hit = lite2.fire.and(lite2.index.eq(r.offset >> lb));
      const supplied = read[r.name as N];
      const parts: Value[] = []; // read value, most significant field first
      let next = this.dataBits; // bit above the previous field (fields sorted high to low)
      for (const f of [...r.fields].sort((a, b) => b.lo - a.lo)) {
        if (next > f.hi + 1) parts.push(lit(0, next - f.hi - 1));
        next = f.lo;
        const key = `${r.name}.${f.name}`;
        const strobed = fieldStrobe(lite2.strb, f, strbBits);
        const written = lite2.data.bits(f.hi, f.lo).and(strobed);
        switch (f.access) {
          case 'RW': {
            const q = Reg(UInt(f.width), { init: f.reset, name: storageName(r, f) });
            when(hit, () => q.set(written.or(q.and(strobed.not()))));
            file.values.set(key, q);
            parts.push(q);
            break;
          }
          case 'W1C': {
            const q = Reg(UInt(f.width), { init: f.reset, name: storageName(r, f) });
            const set = fieldValue(supplied, r, f, true);
            const clear = mux(hit, written, lit(0, f.width));
            q.set(q.and(clear.not()).or(set));
            file.values.set(key, q);
            parts.push(q);
            break;
          }
          case 'WO': {
            file.pulses.set(key, hit.and(strobed.orR()));
            file.values.set(key, written);
            parts.push(lit(0, f.width));
            break;
          }
          case 'RO': {
            const v = fieldValue(supplied, r, f, false);
            file.values.set(key, v);
            parts.push(v);
            break;
          }
        }
      }
      if (next > 0) parts.push(lit(0, next));
      regValue.set(r.name, parts.length === 1 ? parts[0]! : cat(...parts));
    }
    let out: Value = lit(0, this.dataBits);
    for (const r of [...this.registers].filter((x) => x.present).sort((a, b) => b.offset - a.offset)) {
      out = mux(readIndex.eq(r.offset >> lb), regValue.get(r.name)!, out);
    }
    readData.set(out);
    return file;
  }
}

/** The register maps each module's build() served (RegisterMap.build), for the generated drivers. */
const builtMaps = new WeakMap<Module, RegisterMap[]>();

/** The register maps a module serves (its own build(), not its children's): the generated drivers come from these. */
export function registerMapsOf(m: Module): readonly RegisterMap[] {
  return builtMaps.get(m) ?? [];
}

function storageName(r: RegisterInfo, f: FieldInfo): string {
  return (r.fields.length === 1 ? r.name : `${r.name}_${f.name}`).toLowerCase();
}

/** The strobe bits covering a field, one per field bit (a field bit is written when its byte's strobe is set); `lanes` holds each lane's bit. */
function fieldStrobe(strb: Value, f: FieldInfo, lanes: Map<number, Value>): Value {
  const bits: Value[] = [];
  for (let b = f.hi; b >= f.lo; b--) {
    if (!lanes.has(b >> 3)) lanes.set(b >> 3, strb.bit(b >> 3));
    bits.push(lanes.get(b >> 3)!);
  }
  return bits.length === 1 ? bits[0]! : cat(...bits);
}

function fieldValue(supplied: Value | Record<string, Value> | undefined, r: RegisterInfo, f: FieldInfo, w1c: boolean): Value {
  const what = w1c ? `the condition that sets W1C field ${r.name}.${f.name}` : `a value for RO field ${r.name}.${f.name}`;
  let v: Value | undefined;
  if (supplied === undefined) v = undefined;
  else if (supplied instanceof Value) {
    const whole = supplied;
    if (r.fields.length === 1) v = whole;
    else v = whole.width > f.hi ? whole.bits(f.hi, f.lo) : undefined;
  } else v = (supplied as Record<string, Value>)[f.name];
  if (v === undefined) throw bad(`register map: build() needs ${what}`);
  if (v.width > f.width) throw bad(`register map: ${what} is ${v.width} bits; the field is ${f.width} bits`);
  return v.width < f.width ? v.pad(f.width) : v;
}

/** The hardware side of a RegisterMap inside a module: field values and write pulses. */
export class RegisterFile<N extends string> {
  /** High for one cycle per accepted AXI4-Lite write (any register). */
  fire!: Value;
  /** @internal */ readonly values = new Map<string, Value>();
  /** @internal */ readonly pulses = new Map<string, Value>();
  constructor(readonly map: RegisterMap<N>) {}

  private key(reg: N, field?: string): string {
    const r = this.map.reg(reg);
    const f = field ?? (r.fields.length === 1 ? r.fields[0]!.name : undefined);
    if (f === undefined) throw bad(`register ${reg} has fields ${r.fields.map((x) => x.name).join(', ')}: name one`);
    this.map.fieldOf(reg, f);
    if (!r.present) throw bad(`register ${reg} is absent from this build of map '${this.map.name}'`);
    return `${reg}.${f}`;
  }

  /** The value of a field (RW/W1C storage, an RO value, or a WO field's written bits). */
  field(reg: N, field?: string): Value {
    return this.values.get(this.key(reg, field))!;
  }

  /** The storage of a register as one value (its fields concatenated, gaps read as 0). */
  value(reg: N): Value {
    const r = this.map.reg(reg);
    if (r.fields.length === 1) return this.field(reg);
    let hi = Math.max(...r.fields.map((f) => f.hi));
    const parts: Value[] = [];
    for (const f of [...r.fields].sort((a, b) => b.lo - a.lo)) {
      if (hi > f.hi) parts.push(lit(0, hi - f.hi));
      parts.push(this.field(reg, f.name));
      hi = f.lo - 1;
    }
    if (hi >= 0) parts.push(lit(0, hi + 1));
    return parts.length === 1 ? parts[0]! : cat(...parts);
  }

  /** A WO field's pulse: high in the cycle a write to it is accepted (with its byte's strobe set). */
  wrote(reg: N, field?: string): Value {
    const k = this.key(reg, field);
    const p = this.pulses.get(k);
    if (!p) throw bad(`${k} is not a WO field; read it with field()`);
    return p;
  }
}

/** Declares a register map; the register names become a type (`map.offset('SRC_LO')` is checked). */
export function registerMap<const R extends readonly RegisterDecl[]>(name: string, regs: R, opts: { dataBits?: number } = {}): RegisterMap<R[number]['name']> {
  return new RegisterMap<R[number]['name']>(name, regs, opts);
}
