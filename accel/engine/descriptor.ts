/**
 * Batched tables (docs/ENGINE.md, "Batched tables"): with NUM_TABLES > 0 a
 * START runs one operation per table descriptor, read from memory at
 * TABLES + t × DESC_BYTES. A descriptor is the operation's registers as they
 * would be written (same names, same fields: the OP bits, DIM, the counts, the
 * strides, the bases), declared here once with the DSL's RegisterMap so that
 * its layout, the host's offsets (sim/engine.ts) and the docs table come from
 * one place.
 *
 * `descriptorLoader` builds the engine's side: the next descriptor, which
 * its beats fill while the current table runs, the shadow copy of the
 * operation registers that takes it when the table starts, and
 * `param(name)`, the operation's view of a register (the shadow while a
 * batched START runs, else the register itself).
 */
import { Reg, UInt, mux, when, type Value, type Signal } from '../../generator';
import { registerMap } from '../../generator/stdlib/axi/regmap';
import type { EngineRegName } from './regs';

/** Bytes per descriptor (a power of two; one beat of a 1024-bit bus). */
export const DESC_BYTES = 128;

const word = (name: string, offset: number, doc: string) => ({ name, offset, access: 'RW' as const, doc });

/** One table's descriptor: each word is the register of the same name (docs/ENGINE.md's register map). */
export const ENGINE_DESCRIPTOR = registerMap('engine_descriptor', [
  { name: 'OP', offset: 0x00, access: 'RW', doc: 'the operation (register OP: IDX64, OFF64, INCLUDE_LAST, PADDING, MEAN, MAX, SCALES, ARGMAX, MASK)' },
  word('DIM', 0x04, 'elements per row (register DIM)'),
  word('NUM_BAGS', 0x08, 'the table\'s bags (register NUM_BAGS)'),
  word('NUM_INDICES', 0x0c, 'the table\'s lookups (register NUM_INDICES)'),
  word('PADDING_IDX', 0x10, 'the padding row (register PADDING_IDX)'),
  word('ROW_STRIDE', 0x14, 'bytes between table rows (register ROW_STRIDE)'),
  word('OUT_STRIDE', 0x18, 'bytes between output rows (register OUT_STRIDE)'),
  word('ARGMAX_STRIDE', 0x1c, 'bytes between argmax rows (register ARGMAX_STRIDE)'),
  word('TABLE_LO', 0x20, 'table base, bits 31:0 (register TABLE_LO)'),
  word('TABLE_HI', 0x24, 'table base, bits 63:32'),
  word('INDICES_LO', 0x28, 'the table\'s first index, bits 31:0 (4-byte aligned; 8 for int64)'),
  word('INDICES_HI', 0x2c, 'the table\'s first index, bits 63:32'),
  word('OFFSETS_LO', 0x30, 'the table\'s first offset, bits 31:0 (4-byte aligned; 8 for int64)'),
  word('OFFSETS_HI', 0x34, 'the table\'s first offset, bits 63:32'),
  word('OUT_LO', 0x38, 'the table\'s output base, bits 31:0 (beat-aligned)'),
  word('OUT_HI', 0x3c, 'the table\'s output base, bits 63:32'),
  word('SCALES_LO', 0x40, 'the table\'s first scale (or position), bits 31:0 (4-byte aligned)'),
  word('SCALES_HI', 0x44, 'the table\'s first scale, bits 63:32'),
  word('ARGMAX_LO', 0x48, 'the table\'s argmax base, bits 31:0 (beat-aligned)'),
  word('ARGMAX_HI', 0x4c, 'the table\'s argmax base, bits 63:32'),
] as const);

export type DescriptorWord = Parameters<typeof ENGINE_DESCRIPTOR.offset>[0] & EngineRegName;

/** The engine's side of the descriptors: the operation's view of the registers, and the next table's words. */
export interface DescriptorView {
  /** The operation's view of a register: the shadow while a batched START runs, else the register itself. */
  param: (name: DescriptorWord) => Value;
  /** The next descriptor's word as its beats have filled it (the next table, read while the current one runs). */
  next: (name: DescriptorWord) => Value;
}

/**
 * Two copies of a descriptor: the next one, which `beat` (with `index`, the
 * beat's number in the descriptor) fills `lanes` words at a time when
 * `fire`, and the shadow, the running table's, which takes the whole next
 * descriptor at once when `swap`. So the next table's descriptor is read
 * while the current table runs.
 */
export function descriptorLoader(o: { lanes: number; batched: Value; rv: (name: EngineRegName) => Value; fire: Value; index: Value; beat: Value; swap: Value }): DescriptorView {
  const shadow = new Map<string, Signal>();
  const next = new Map<string, Signal>();
  for (const r of ENGINE_DESCRIPTOR.registers) {
    const w = r.offset / 4;
    const nx = Reg(UInt(32), { init: 0, name: `desc_next_${r.name.toLowerCase()}` });
    const reg = Reg(UInt(32), { init: 0, name: `desc_${r.name.toLowerCase()}` });
    const lane = w % o.lanes;
    when(o.fire.and(o.index.eq(Math.floor(w / o.lanes))), () => nx.set(o.beat.bits(32 * lane + 31, 32 * lane)));
    when(o.swap, () => reg.set(nx));
    next.set(r.name, nx);
    shadow.set(r.name, reg);
  }
  return { param: (name) => mux(o.batched, shadow.get(name)!, o.rv(name)), next: (name) => next.get(name)! };
}
