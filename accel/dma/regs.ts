/**
 * The DMA engine's AXI4-Lite registers, declared once: the engine's register
 * logic (accel/dma/dma.ts), the host's register scripts (sim/dma.ts) and the
 * table in docs/AXI.md (written by `npm run generate`) all come from here.
 */
import { registerMap } from '../../generator/stdlib/axi/regmap';

export const DMA_REGISTERS = registerMap('dma', [
  { name: 'CTRL', offset: 0x00, access: 'WO', doc: 'control', fields: [
    { name: 'START', bits: 0, doc: 'write 1 to begin a copy (ignored while BUSY); clears DONE, ERROR and the ERROR register' },
  ] },
  { name: 'STATUS', offset: 0x04, access: 'RO', doc: 'state of the engine', fields: [
    { name: 'BUSY', bits: 0, doc: 'a copy is running' },
    { name: 'DONE', bits: 1, doc: 'the last copy finished (also `irq`)' },
    { name: 'ERROR', bits: 2, doc: 'it ended on an error response' },
  ] },
  { name: 'ERROR', offset: 0x08, access: 'RO', doc: 'the first error response of the last copy', fields: [
    { name: 'RESP', bits: [1, 0], doc: 'its RESP' },
    { name: 'READ', bits: 8, doc: 'it came on R (a read)' },
    { name: 'WRITE', bits: 9, doc: 'it came on B (a write)' },
  ] },
  { name: 'CONFIG', offset: 0x0c, access: 'RO', doc: 'the build parameters', fields: [
    { name: 'BEAT_BYTES', bits: [15, 0], doc: 'bytes per beat' },
    { name: 'MAX_READS', bits: [23, 16], doc: 'read bursts in flight' },
    { name: 'MAX_BURST_M1', bits: [31, 24], doc: 'beats per burst − 1' },
  ] },
  { name: 'SRC_LO', offset: 0x10, access: 'RW', doc: 'source byte address, bits 31:0' },
  { name: 'SRC_HI', offset: 0x14, access: 'RW', doc: 'source byte address, bits 63:32', note: 'only with addrBits > 32; else reads 0' },
  { name: 'DST_LO', offset: 0x18, access: 'RW', doc: 'destination byte address, bits 31:0' },
  { name: 'DST_HI', offset: 0x1c, access: 'RW', doc: 'destination byte address, bits 63:32', note: 'only with addrBits > 32; else reads 0' },
  { name: 'LEN', offset: 0x20, access: 'RW', doc: 'length in bytes; 0 sets DONE at once without bus traffic' },
  { name: 'THROTTLE', offset: 0x24, access: 'RW', doc: 'bandwidth throttle: RREADY (BREADY) is low in cycles where the low (high) byte of a free-running 16-bit LFSR is below the level, so the duty cycle is 1 − level/256; 0 never throttles', fields: [
    { name: 'R', bits: [7, 0], doc: 'R level' },
    { name: 'B', bits: [15, 8], doc: 'B level' },
  ] },
] as const);

/** STATUS bits (from the declaration). */
export const DMA_STATUS = {
  BUSY: Number(DMA_REGISTERS.fieldOf('STATUS', 'BUSY').mask),
  DONE: Number(DMA_REGISTERS.fieldOf('STATUS', 'DONE').mask),
  ERROR: Number(DMA_REGISTERS.fieldOf('STATUS', 'ERROR').mask),
} as const;

/** Register byte offsets (from the declaration). */
export const DMA_REGS = DMA_REGISTERS.offsets;
