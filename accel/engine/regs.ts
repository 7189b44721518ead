/**
 * The engine's AXI4-Lite register map: ONE declaration (a data table) from
 * which the register file, the read multiplexer, the host driver
 * (sim/engine.ts) and the documentation table (docs/ENGINE.md) are derived.
 *
 * Every register is one 32-bit word. Access:
 *   'rw'   a stored register the host programs (reset value 0; WSTRB honoured)
 *   'r'    a status or counter the engine drives
 *   'w'    a command strobe (reads as 0)
 */
import { cat, lit, mux, type Value } from '../../generator';
import { Reg, when, named, type Hw, type Signal } from '../../generator';
import { UInt } from '../../generator';
import { axiLiteRegisterSlave, mergeStrobes } from '../../generator/stdlib/axi/lite';
import type { AxiLiteType } from '../../generator/stdlib/axi/bundles';

export type RegAccess = 'rw' | 'r' | 'w';
export interface RegSpec {
  readonly name: string;
  readonly offset: number;
  readonly access: RegAccess;
  readonly doc: string;
}

export const ENGINE_REGISTER_MAP = [
  { name: 'CTRL', offset: 0x00, access: 'w', doc: 'bit 0 START: begins the programmed operation (ignored and counted in START_IGNORED while BUSY); clears DONE and ERROR' },
  { name: 'STATUS', offset: 0x04, access: 'r', doc: 'bit 0 BUSY, bit 1 DONE, bit 2 ERROR' },
  { name: 'ERROR', offset: 0x08, access: 'r', doc: 'bits 1:0 RESP of the first error response, bit 8 it came on R (a read), bit 9 on B (a write)' },
  { name: 'ERR_ADDR_LO', offset: 0x0c, access: 'r', doc: 'byte address of the burst that failed, bits 31:0' },
  { name: 'ERR_ADDR_HI', offset: 0x10, access: 'r', doc: 'bits 63:32' },
  { name: 'CONFIG', offset: 0x14, access: 'r', doc: 'bits 15:0 bytes per beat, 23:16 reads in flight, 31:24 bags interleaved in the reducer' },
  { name: 'MAX_DIM', offset: 0x18, access: 'r', doc: 'the largest dim this configuration supports' },
  { name: 'OP', offset: 0x20, access: 'rw', doc: 'bit 0 indices are int64, bit 1 offsets are int64, bit 2 include_last_offset, bit 3 padding_idx enabled, bit 4 mean, bit 5 max (neither: sum), bit 6 per-lookup scales (per_sample_weights; the casted backward\'s scale)' },
  { name: 'DIM', offset: 0x24, access: 'rw', doc: 'elements per row (1..MAX_DIM)' },
  { name: 'NUM_BAGS', offset: 0x28, access: 'rw', doc: 'B, the number of bags (output rows)' },
  { name: 'NUM_INDICES', offset: 0x2c, access: 'rw', doc: 'N, the number of lookups (length of indices)' },
  { name: 'PADDING_IDX', offset: 0x30, access: 'rw', doc: 'the padding row (normalised to 0..rows-1), used when OP bit 3 is set' },
  { name: 'THROTTLE', offset: 0x34, access: 'rw', doc: 'bandwidth throttle (tests, benches): bits 7:0 R level, 15:8 B level; RREADY (BREADY) is low in cycles where the low (high) byte of a free-running 16-bit LFSR is below the level (0: never, the reset value)' },
  { name: 'TABLE_LO', offset: 0x40, access: 'rw', doc: 'table base byte address bits 31:0 (beat-aligned)' },
  { name: 'TABLE_HI', offset: 0x44, access: 'rw', doc: 'bits 63:32 (ignored with 32-bit addresses)' },
  { name: 'ROW_STRIDE', offset: 0x48, access: 'rw', doc: 'bytes from one table row to the next (a multiple of the beat size)' },
  { name: 'INDICES_LO', offset: 0x4c, access: 'rw', doc: 'indices base byte address bits 31:0 (beat-aligned)' },
  { name: 'INDICES_HI', offset: 0x50, access: 'rw', doc: 'bits 63:32' },
  { name: 'OFFSETS_LO', offset: 0x54, access: 'rw', doc: 'offsets base byte address bits 31:0 (beat-aligned)' },
  { name: 'OFFSETS_HI', offset: 0x58, access: 'rw', doc: 'bits 63:32' },
  { name: 'OUT_LO', offset: 0x5c, access: 'rw', doc: 'output base byte address bits 31:0 (beat-aligned)' },
  { name: 'OUT_HI', offset: 0x60, access: 'rw', doc: 'bits 63:32' },
  { name: 'OUT_STRIDE', offset: 0x64, access: 'rw', doc: 'bytes from one output row to the next (a multiple of the beat size)' },
  { name: 'SCALES_LO', offset: 0x68, access: 'rw', doc: 'per-lookup scales (fp32 [N]) base byte address bits 31:0 (beat-aligned), read when OP bit 6 is set' },
  { name: 'SCALES_HI', offset: 0x6c, access: 'rw', doc: 'bits 63:32' },
  { name: 'CYCLES', offset: 0x80, access: 'r', doc: 'busy cycles of the last operation (START to DONE)' },
  { name: 'R_BEATS', offset: 0x84, access: 'r', doc: 'R beats accepted' },
  { name: 'W_BEATS', offset: 0x88, access: 'r', doc: 'W beats sent' },
  { name: 'STALL_INDEX', offset: 0x8c, access: 'r', doc: 'cycles the row fetch had a free AR slot but no lookup to fetch (index starved)' },
  { name: 'STALL_INFLIGHT', offset: 0x90, access: 'r', doc: 'cycles a row read was ready but every reorder-buffer slot was in use (in-flight cap)' },
  { name: 'STALL_DEPENDENCY', offset: 0x94, access: 'r', doc: 'cycles the reducer held a term because the previous term of the same bag and beat was still in the adder' },
  { name: 'STALL_WRITE', offset: 0x98, access: 'r', doc: 'cycles W was valid and WREADY low (write back-pressure)' },
  { name: 'START_IGNORED', offset: 0x9c, access: 'r', doc: 'START writes ignored because the engine was busy' },
] as const satisfies readonly RegSpec[];

export type EngineRegName = (typeof ENGINE_REGISTER_MAP)[number]['name'];
type NamesOf<A extends RegAccess> = Extract<(typeof ENGINE_REGISTER_MAP)[number], { access: A }>['name'];

/** Byte offsets by name. */
export const ENGINE_REGS = Object.fromEntries(ENGINE_REGISTER_MAP.map((r) => [r.name, r.offset])) as Record<EngineRegName, number>;
export const ENGINE_STATUS = { BUSY: 1, DONE: 2, ERROR: 4 } as const;
export const ENGINE_OP = { IDX64: 1, OFF64: 2, INCLUDE_LAST: 4, PADDING: 8, MEAN: 0x10, MAX: 0x20, SCALES: 0x40 } as const;

/** Lite address bits the map needs. */
export const ENGINE_LITE_ADDR_BITS = 8;

export interface RegisterFile {
  /** The stored 32-bit registers ('rw'), by name. */
  regs: Record<NamesOf<'rw'>, Signal>;
  /** One-cycle strobe of a write to a 'w' register, with its data. */
  strobe(name: NamesOf<'w'>): { fire: Value; data: Value };
}

/**
 * Serves the map on `lite` (inside a build()): stored registers for 'rw',
 * `values` for 'r' (zero-extended to 32 bits), strobes for 'w'.
 */
export function engineRegisterFile(lite: Hw<AxiLiteType>, values: Record<NamesOf<'r'>, Value>): RegisterFile {
  const regs = {} as Record<string, Signal>;
  for (const r of ENGINE_REGISTER_MAP) {
    if (r.access === 'rw') regs[r.name] = Reg(UInt(32), { init: 0, name: `reg_${r.name.toLowerCase()}` });
  }
  const word = (r: RegSpec): Value | undefined => {
    if (r.access === 'rw') return regs[r.name]!;
    if (r.access === 'r') {
      const v = values[r.name as NamesOf<'r'>];
      return v.width === 32 ? v : v.pad(32);
    }
    return undefined;
  };
  const lw = axiLiteRegisterSlave(lite, (index) => {
    let acc: Value = lit(0, 32);
    for (const r of [...ENGINE_REGISTER_MAP].reverse()) {
      const v = word(r);
      if (v) acc = mux(index.eq(r.offset / 4), v, acc);
    }
    return acc;
  });
  for (const r of ENGINE_REGISTER_MAP) {
    if (r.access !== 'rw') continue;
    const reg = regs[r.name]!;
    when(lw.fire.and(lw.index.eq(r.offset / 4)), () => reg.set(mergeStrobes(reg, lw.data, lw.strb)));
  }
  return {
    regs: regs as Record<NamesOf<'rw'>, Signal>,
    strobe: (name) => {
      const r = ENGINE_REGISTER_MAP.find((x) => x.name === name)!;
      return { fire: named(lw.fire.and(lw.index.eq(r.offset / 4)), `${name.toLowerCase()}_write`), data: lw.data };
    },
  };
}

/** A 64-bit address from a LO/HI register pair, cut to `addrBits`. */
export function addressOf(lo: Value, hi: Value, addrBits: number): Value {
  return addrBits > 32 ? cat(hi, lo).trunc(addrBits) : lo.trunc(addrBits);
}
