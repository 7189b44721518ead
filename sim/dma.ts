/**
 * Register scripts for the DMA engine (the host's side of its AXI4-Lite
 * registers): what a driver does to run one copy. Pure data; sim/axi.ts
 * executes it. Offsets and fields come from the register driver that
 * `npm run generate` writes from the engine's one register declaration
 * (accel/dma/regs.ts): the driver of the build with every register (64-bit
 * addresses); the other builds share the map with SRC_HI/DST_HI absent.
 */
import type { LiteOp } from './axi';
import { OFFSETS as DMA_REGS, REGISTERS, encode } from '../rtl/dma-d128-a64-r2-b8/AxiDma_d128_a64_r2_b8_w2.regs';

export interface CopyCommand {
  src: number | bigint;
  dst: number | bigint;
  len: number;
  /** Poll STATUS at most this long [1 000 000 cycles]. */
  maxCycles?: number;
  /** Register writes before the copy (e.g. a test wrapper's own registers). */
  prelude?: LiteOp[];
  /** The design has 64-bit addresses (write SRC_HI/DST_HI). */
  addr64?: boolean;
  /** THROTTLE register: R stall level (0..255) and B stall level; written only when given. */
  throttle?: { r: number; b: number };
}

const lo = (v: number | bigint) => Number(BigInt(v) & 0xffffffffn);
const hi = (v: number | bigint) => Number(BigInt(v) >> 32n);

/**
 * Programs SRC/DST/LEN, writes START, polls STATUS until BUSY clears, then
 * reads STATUS and ERROR (the last two entries of the result's `reads`).
 */
export function copyScript(c: CopyCommand): LiteOp[] {
  const ops: LiteOp[] = [];
  if (c.prelude) ops.push(...c.prelude);
  if (c.throttle !== undefined) ops.push({ op: 'write', addr: DMA_REGS.THROTTLE, data: encode('THROTTLE', { R: c.throttle.r & 0xff, B: c.throttle.b & 0xff }) });
  ops.push({ op: 'write', addr: DMA_REGS.SRC_LO, data: lo(c.src) });
  if (c.addr64) ops.push({ op: 'write', addr: DMA_REGS.SRC_HI, data: hi(c.src) });
  ops.push({ op: 'write', addr: DMA_REGS.DST_LO, data: lo(c.dst) });
  if (c.addr64) ops.push({ op: 'write', addr: DMA_REGS.DST_HI, data: hi(c.dst) });
  ops.push({ op: 'write', addr: DMA_REGS.LEN, data: c.len });
  ops.push({ op: 'write', addr: DMA_REGS.CTRL, data: encode('CTRL', { START: 1 }) });
  ops.push({ op: 'poll', addr: DMA_REGS.STATUS, mask: REGISTERS.STATUS.fields.BUSY.mask, value: 0, maxCycles: c.maxCycles ?? 1_000_000 });
  ops.push({ op: 'read', addr: DMA_REGS.STATUS });
  ops.push({ op: 'read', addr: DMA_REGS.ERROR });
  return ops;
}
