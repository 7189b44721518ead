/**
 * The engine's AXI4-Lite registers, declared once (the DSL's RegisterMap): the
 * register logic (accel/engine/engine.ts), the host driver generated from it
 * (rtl/engine-d128/TcastEngine_*.regs.ts, which sim/engine.ts programs
 * through) and the table in docs/ENGINE.md (written by `npm run generate`)
 * all come from here.
 */
import { cat, type Value } from '../../generator';
import { registerMap } from '../../generator/stdlib/axi/regmap';

export const ENGINE_REGISTERS = registerMap('engine', [
  { name: 'CTRL', offset: 0x00, access: 'WO', doc: 'control', fields: [
    { name: 'START', bits: 0, doc: 'write 1 to begin the programmed operation (ignored and counted in START_IGNORED while BUSY); clears DONE, ERROR and the counters' },
  ] },
  { name: 'STATUS', offset: 0x04, access: 'RO', doc: 'state of the engine', fields: [
    { name: 'BUSY', bits: 0, doc: 'an operation is running' },
    { name: 'DONE', bits: 1, doc: 'the last operation finished (also `irq`)' },
    { name: 'ERROR', bits: 2, doc: 'it ended on an error response' },
  ] },
  { name: 'ERROR', offset: 0x08, access: 'RO', doc: 'the first error response of the last operation, or (PROGRAM) why its START was refused', fields: [
    { name: 'RESP', bits: [1, 0], doc: 'its RESP (2 SLVERR, 3 DECERR)' },
    { name: 'READ', bits: 8, doc: 'it came on R (a read)' },
    { name: 'WRITE', bits: 9, doc: 'it came on B (a write)' },
    { name: 'PROGRAM', bits: 10, doc: 'START found the registers breaking a precondition (CAUSE says which): the operation did not start, no AXI transaction was issued; or a batched table\'s descriptor did (codes 1..13; TABLE_AT says which table: the tables before it ran)' },
    { name: 'CAUSE', bits: [20, 16], doc: 'with PROGRAM: the failed check (docs/ENGINE.md, "Register checks at START")' },
  ] },
  { name: 'ERR_ADDR_LO', offset: 0x0c, access: 'RO', doc: 'byte address of the burst that failed, bits 31:0' },
  { name: 'ERR_ADDR_HI', offset: 0x10, access: 'RO', doc: 'byte address of the burst that failed, bits 63:32' },
  { name: 'CONFIG', offset: 0x14, access: 'RO', doc: 'the build parameters', fields: [
    { name: 'BEAT_BYTES', bits: [15, 0], doc: 'bytes per beat' },
    { name: 'MAX_READS', bits: [23, 16], doc: 'read bursts in flight (mod 256)' },
    { name: 'BAGS', bits: [31, 24], doc: 'bags interleaved in the reducer' },
  ] },
  { name: 'MAX_DIM', offset: 0x18, access: 'RO', doc: 'the largest dim this configuration supports' },
  { name: 'OP', offset: 0x20, access: 'RW', doc: 'the operation', fields: [
    { name: 'IDX64', bits: 0, doc: 'indices are int64 (else int32)' },
    { name: 'OFF64', bits: 1, doc: 'offsets are int64 (else int32)' },
    { name: 'INCLUDE_LAST', bits: 2, doc: 'include_last_offset: NUM_BAGS + 1 offsets' },
    { name: 'PADDING', bits: 3, doc: 'skip lookups of PADDING_IDX' },
    { name: 'MEAN', bits: 4, doc: 'mode mean (one division per output element after the sum)' },
    { name: 'MAX', bits: 5, doc: 'mode max (first maximal lookup wins); neither MEAN nor MAX: sum' },
    { name: 'SCALES', bits: 6, doc: 'multiply each lookup by its scale (per_sample_weights; the casted backward\'s scale)' },
    { name: 'ARGMAX', bits: 7, doc: 'with MAX: also write the argmax positions (int32 [NUM_BAGS, DIM]: the position in indices of the lookup that supplied each element, the first maximal one; -1 for an empty or all-padding bag) at ARGMAX, rows ARGMAX_STRIDE apart' },
    { name: 'MASK', bits: 8, doc: 'the max-mode casted backward: the SCALES stream holds each lookup\'s position (int32 [N]) instead of a scale, and a lookup of row r adds to element d only where the argmax row r (int32 at ARGMAX + r × ARGMAX_STRIDE) holds its position; use with mode sum and without SCALES' },
  ] },
  { name: 'DIM', offset: 0x24, access: 'RW', doc: 'elements per row (1..MAX_DIM)' },
  { name: 'NUM_BAGS', offset: 0x28, access: 'RW', doc: 'B, the number of bags (output rows)' },
  { name: 'NUM_INDICES', offset: 0x2c, access: 'RW', doc: 'N, the number of lookups (length of indices)' },
  { name: 'PADDING_IDX', offset: 0x30, access: 'RW', doc: 'the padding row (normalised to 0..rows-1), used with OP.PADDING' },
  { name: 'THROTTLE', offset: 0x34, access: 'RW', doc: 'bandwidth throttle (tests, benches): RREADY (BREADY) is low in cycles where the low (high) byte of a free-running 16-bit LFSR is below the level; 0 never throttles', fields: [
    { name: 'R', bits: [7, 0], doc: 'R level' },
    { name: 'B', bits: [15, 8], doc: 'B level' },
  ] },
  { name: 'TABLE_LO', offset: 0x40, access: 'RW', doc: 'table base byte address, bits 31:0 (beat-aligned)' },
  { name: 'TABLE_HI', offset: 0x44, access: 'RW', doc: 'table base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'ROW_STRIDE', offset: 0x48, access: 'RW', doc: 'bytes from one table row to the next (a multiple of the beat size, at least DIM × 4)' },
  { name: 'INDICES_LO', offset: 0x4c, access: 'RW', doc: 'indices base byte address, bits 31:0 (any element: 4-byte aligned, 8 for int64)' },
  { name: 'INDICES_HI', offset: 0x50, access: 'RW', doc: 'indices base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'OFFSETS_LO', offset: 0x54, access: 'RW', doc: 'offsets base byte address, bits 31:0 (any element: 4-byte aligned, 8 for int64)' },
  { name: 'OFFSETS_HI', offset: 0x58, access: 'RW', doc: 'offsets base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'OUT_LO', offset: 0x5c, access: 'RW', doc: 'output base byte address, bits 31:0 (beat-aligned)' },
  { name: 'OUT_HI', offset: 0x60, access: 'RW', doc: 'output base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'OUT_STRIDE', offset: 0x64, access: 'RW', doc: 'bytes from one output row to the next (a multiple of the beat size, at least DIM × 4)' },
  { name: 'SCALES_LO', offset: 0x68, access: 'RW', doc: 'per-lookup scales (fp32 [N]) base byte address, bits 31:0 (4-byte aligned), read with OP.SCALES or OP.MASK' },
  { name: 'SCALES_HI', offset: 0x6c, access: 'RW', doc: 'per-lookup scales base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'UPDATE', offset: 0xa0, access: 'RW', doc: 'the row ids and the scatter-update of the operation (docs/ENGINE.md, "Update")', fields: [
    { name: 'ROWS', bits: 0, doc: 'read ROW_IDS (int64 [NUM_BAGS], strictly ascending): the table row of each output row (the casted backward\'s segments); output rows are written with GRAD_ROWS' },
    { name: 'OPT', bits: [2, 1], doc: 'optimizer applied to each output row u at weight row ROW_IDS[u]: 0 none, 1 SGD, 2 Adagrad, 3 rowwise Adagrad (needs ROWS; single-channel engines only)' },
    { name: 'KEEP_GRAD', bits: 3, doc: 'with OPT: still write the output (gradient) rows to OUT and GRAD_ROWS' },
    { name: 'UNFUSED', bits: 4, doc: 'with OPT: the unfused UPDATE: no gather; gradient row u is read from TABLE + u x ROW_STRIDE (u < NUM_BAGS)' },
  ] },
  { name: 'LR', offset: 0xa4, access: 'RW', doc: 'learning rate (fp32 bits)' },
  { name: 'EPS', offset: 0xa8, access: 'RW', doc: 'Adagrad epsilon (fp32 bits)' },
  { name: 'ROW_IDS_LO', offset: 0xac, access: 'RW', doc: 'row ids (int64 [NUM_BAGS]) base byte address, bits 31:0 (beat-aligned), read with UPDATE.ROWS' },
  { name: 'ROW_IDS_HI', offset: 0xb0, access: 'RW', doc: 'row ids base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'GRAD_ROWS_LO', offset: 0xb4, access: 'RW', doc: 'where the output rows\' ids are written (int64 [NUM_BAGS], grad_rows), bits 31:0 (beat-aligned)' },
  { name: 'GRAD_ROWS_HI', offset: 0xb8, access: 'RW', doc: 'grad_rows base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'WEIGHT_LO', offset: 0xbc, access: 'RW', doc: 'the updated weight table [rows, dim] base byte address, bits 31:0 (beat-aligned)' },
  { name: 'WEIGHT_HI', offset: 0xe0, access: 'RW', doc: 'weight table base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'WEIGHT_STRIDE', offset: 0xe4, access: 'RW', doc: 'bytes from one weight row to the next, also the Adagrad state\'s (a multiple of the beat size, at least DIM × 4)' },
  { name: 'STATE_LO', offset: 0xe8, access: 'RW', doc: 'optimizer state base byte address, bits 31:0 (beat-aligned): Adagrad [rows, dim] at WEIGHT_STRIDE, rowwise Adagrad fp32 [rows]' },
  { name: 'STATE_HI', offset: 0xec, access: 'RW', doc: 'optimizer state base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'CYCLES', offset: 0x80, access: 'RO', doc: 'busy cycles of the last operation (START to DONE)' },
  { name: 'R_BEATS', offset: 0x84, access: 'RO', doc: 'R beats accepted' },
  { name: 'W_BEATS', offset: 0x88, access: 'RO', doc: 'W beats sent' },
  { name: 'STALL_INDEX', offset: 0x8c, access: 'RO', doc: 'cycles the read port was free but the row fetch had no lookup (index starved)' },
  { name: 'STALL_INFLIGHT', offset: 0x90, access: 'RO', doc: 'cycles a row read was ready but every reorder-buffer slot was in use (in-flight cap)' },
  { name: 'STALL_DEPENDENCY', offset: 0x94, access: 'RO', doc: 'cycles the reducer held a term because the previous term of the same bag slot and beat was still in the adder' },
  { name: 'STALL_WRITE', offset: 0x98, access: 'RO', doc: 'cycles W was valid and WREADY low (write back-pressure)' },
  { name: 'START_IGNORED', offset: 0x9c, access: 'RO', doc: 'START writes ignored because the engine was busy (since reset)' },
  { name: 'ARGMAX_LO', offset: 0xc0, access: 'RW', doc: 'argmax positions (int32 rows) base byte address, bits 31:0 (beat-aligned): written with OP.ARGMAX, read with OP.MASK' },
  { name: 'ARGMAX_HI', offset: 0xc4, access: 'RW', doc: 'argmax positions base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'ARGMAX_STRIDE', offset: 0xc8, access: 'RW', doc: 'bytes from one argmax row to the next (a multiple of the beat size, at least DIM × 4)' },
  { name: 'TABLES_LO', offset: 0xd0, access: 'RW', doc: 'batched tables: the descriptor list\'s base byte address, bits 31:0 (beat-aligned; descriptor t at TABLES + 128·t, docs/ENGINE.md)' },
  { name: 'TABLES_HI', offset: 0xd4, access: 'RW', doc: 'the descriptor list\'s base byte address, bits 63:32', note: 'ignored with 32-bit addresses' },
  { name: 'NUM_TABLES', offset: 0xd8, access: 'RW', doc: 'batched tables: 0 runs the operation of the registers; T > 0 runs the T descriptors\' operations one after the other (the registers OP .. ARGMAX_STRIDE are then unused; UPDATE must be 0)' },
  { name: 'TABLE_AT', offset: 0xdc, access: 'RO', doc: 'batched tables: the descriptor being run, or the last one run (where an error stopped the batch)' },
] as const);

export type EngineRegName = Parameters<typeof ENGINE_REGISTERS.offset>[0];

/** Byte offsets by name. */
export const ENGINE_REGS = ENGINE_REGISTERS.offsets;
const bit = (reg: 'STATUS' | 'OP', f: string) => Number(ENGINE_REGISTERS.fieldOf(reg, f).mask);
export const ENGINE_STATUS = { BUSY: bit('STATUS', 'BUSY'), DONE: bit('STATUS', 'DONE'), ERROR: bit('STATUS', 'ERROR') } as const;
export const ENGINE_OP = {
  IDX64: bit('OP', 'IDX64'), OFF64: bit('OP', 'OFF64'), INCLUDE_LAST: bit('OP', 'INCLUDE_LAST'), PADDING: bit('OP', 'PADDING'),
  MEAN: bit('OP', 'MEAN'), MAX: bit('OP', 'MAX'), SCALES: bit('OP', 'SCALES'), ARGMAX: bit('OP', 'ARGMAX'), MASK: bit('OP', 'MASK'),
} as const;

/**
 * The checks START makes on the programmed registers (docs/ENGINE.md,
 * "Register checks at START"), by ERROR.CAUSE code: the engine
 * (accel/engine/engine.ts) computes one condition per code and reports the
 * lowest failing one; the host (sim/engine.ts, `programError`) turns the
 * code back into a message naming the register and the fix. Code 0: none.
 */
export const PROGRAM_CHECKS = [
  { code: 1, reg: 'DIM', what: 'DIM is 0 or larger than MAX_DIM', fix: 'program DIM in 1..MAX_DIM' },
  { code: 2, reg: 'OP', what: 'OP.MEAN and OP.MAX are both set', fix: 'set at most one mode bit (neither: sum)' },
  { code: 3, reg: 'OP', what: 'OP.ARGMAX is set without OP.MAX', fix: 'set ARGMAX only with MAX' },
  { code: 4, reg: 'OP', what: 'OP.MASK is set with MEAN, MAX or SCALES', fix: 'the masked backward runs in mode sum without SCALES' },
  { code: 5, reg: 'TABLE_LO', what: 'the table base is not beat-aligned', fix: 'align TABLE to the beat size (CONFIG.BEAT_BYTES)' },
  { code: 6, reg: 'ROW_STRIDE', what: 'ROW_STRIDE is not a multiple of the beat size or is smaller than DIM × 4', fix: 'use a multiple of CONFIG.BEAT_BYTES of at least DIM × 4' },
  { code: 7, reg: 'INDICES_LO', what: 'the indices base is not element-aligned', fix: 'align INDICES to 4 bytes (8 with OP.IDX64)' },
  { code: 8, reg: 'OFFSETS_LO', what: 'the offsets base is not element-aligned', fix: 'align OFFSETS to 4 bytes (8 with OP.OFF64)' },
  { code: 9, reg: 'SCALES_LO', what: 'the scales base (read with OP.SCALES or OP.MASK) is not 4-byte aligned', fix: 'align SCALES to 4 bytes' },
  { code: 10, reg: 'OUT_LO', what: 'the output base is not beat-aligned', fix: 'align OUT to the beat size' },
  { code: 11, reg: 'OUT_STRIDE', what: 'OUT_STRIDE is not a multiple of the beat size or is smaller than DIM × 4', fix: 'use a multiple of CONFIG.BEAT_BYTES of at least DIM × 4' },
  { code: 12, reg: 'ARGMAX_LO', what: 'the argmax base (OP.ARGMAX or OP.MASK) is not beat-aligned', fix: 'align ARGMAX to the beat size' },
  { code: 13, reg: 'ARGMAX_STRIDE', what: 'ARGMAX_STRIDE (OP.ARGMAX or OP.MASK) is not a multiple of the beat size or is smaller than DIM × 4', fix: 'use a multiple of CONFIG.BEAT_BYTES of at least DIM × 4' },
  { code: 14, reg: 'UPDATE', what: 'UPDATE.OPT is set without UPDATE.ROWS', fix: 'set ROWS (and ROW_IDS) with an optimizer' },
  { code: 15, reg: 'UPDATE', what: 'UPDATE.KEEP_GRAD or UPDATE.UNFUSED is set without UPDATE.OPT', fix: 'set them only with an optimizer' },
  { code: 16, reg: 'UPDATE', what: 'UPDATE.OPT is set on an engine of several memory channels', fix: 'run the update on a single-channel configuration' },
  { code: 17, reg: 'ROW_IDS_LO', what: 'the row ids base (UPDATE.ROWS) is not beat-aligned', fix: 'align ROW_IDS to the beat size' },
  { code: 18, reg: 'GRAD_ROWS_LO', what: 'the grad_rows base is not beat-aligned', fix: 'align GRAD_ROWS to the beat size' },
  { code: 19, reg: 'WEIGHT_LO', what: 'the weight base (UPDATE.OPT) is not beat-aligned', fix: 'align WEIGHT to the beat size' },
  { code: 20, reg: 'WEIGHT_STRIDE', what: 'WEIGHT_STRIDE (UPDATE.OPT) is not a multiple of the beat size or is smaller than DIM × 4', fix: 'use a multiple of CONFIG.BEAT_BYTES of at least DIM × 4' },
  { code: 21, reg: 'STATE_LO', what: 'the optimizer state base (Adagrad) is not beat-aligned', fix: 'align STATE to the beat size' },
  { code: 22, reg: 'TABLES_LO', what: 'the descriptor list (NUM_TABLES > 0) is not beat-aligned', fix: 'align TABLES to the beat size' },
  { code: 23, reg: 'UPDATE', what: 'UPDATE is not 0 with batched tables (NUM_TABLES > 0)', fix: 'write UPDATE = 0 before a batched START' },
] as const satisfies readonly { code: number; reg: EngineRegName; what: string; fix: string }[];

/** Lite address bits the map needs. */
export const ENGINE_LITE_ADDR_BITS = 8;

/** A 64-bit address from a LO/HI register pair, cut to `addrBits`. */
export function addressOf(lo: Value, hi: Value, addrBits: number): Value {
  return addrBits > 32 ? cat(hi, lo).trunc(addrBits) : lo.trunc(addrBits);
}
