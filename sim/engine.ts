/**
 * The engine's host side: lays a forward case out in the AXI memory image,
 * programs the registers through the AXI4-Lite master, runs the operation in
 * the AXI co-simulation and reads the results back (docs/ENGINE.md).
 *
 * Layout (every region beat-aligned, `gap` bytes apart so a region may start
 * anywhere in a 4 KiB page): table rows padded to a whole number of beats
 * (ROW_STRIDE = ceil(dim * 4 / beat) * beat), indices, offsets, output rows
 * with the same stride. Padding bytes of the table are zeros; the output's
 * padding bytes are never written (the engine's WSTRB masks them).
 *
 * Offsets and fields come from the register driver that `npm run generate`
 * writes from the engine's one register declaration (accel/engine/regs.ts),
 * as sim/dma.ts does for the DMA: every configuration (the shipped
 * rtl/engine-d128 one, the tests' and the bench's) has the same map, every
 * register present, so the shipped build's driver serves them all.
 */
import { OFFSETS as ENGINE_REGS, REGISTERS, decode, encode, type RegisterName as EngineRegName } from '../rtl/engine-d128/TcastEngine_d128_a32_r32_b4_q16_l3_3_12_g1_w8_m64.regs';
import type { TcastEngine } from '../accel/engine/engine';
import type { Mode } from '../model/bags';
import type { CastedIndex } from '../model/casting';
import { ModelError } from '../model/errors';
import type { AxiResult, AxiScenario, LiteOp, TimingProfile } from './axi';

export interface ForwardCase {
  weight: Float32Array;
  rows: number;
  dim: number;
  indices: Int32Array | BigInt64Array;
  offsets: Int32Array | BigInt64Array;
  includeLastOffset?: boolean;
  /** PyTorch's padding_idx (negative counts from the end) or null. */
  paddingIdx?: number | null;
  mode?: Mode;
  perSampleWeights?: Float32Array | null;
}

/** What the host needs to know of a configuration. */
export interface EngineShape {
  dataBits: number;
  addrBits: number;
  maxDim: number;
  /** Memory channels (AXI4 masters); a beat is dataBits wide on each [1]. */
  channels?: number;
}
export const shapeOf = (e: Pick<TcastEngine, 'dataBits' | 'addrBits' | 'maxDim' | 'channels'>): EngineShape => ({ dataBits: e.dataBits, addrBits: e.addrBits, maxDim: e.maxDim, channels: e.channels });

export interface LayoutOptions {
  /** First byte of the image [0x10000]. */
  base?: number;
  /** Extra bytes (rounded to beats) before each region, e.g. to place rows across 4 KiB pages [0]. */
  skew?: number[];
  /**
   * Benchmarks: leave the table out of the memory image (its rows then read
   * as the memory model's address hash) and put no guard pattern in the
   * output, so that a 1,000,000-row table costs nothing to set up [false].
   */
  sparse?: boolean;
}

export interface ForwardLayout {
  numBags: number;
  rowStride: number;
  table: number;
  indices: number;
  offsets: number;
  scales: number;
  out: number;
  outBytes: number;
  memory: { addr: number; bytes: Uint8Array }[];
  regs: [EngineRegName, number][];
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** The output region's content before the run: bytes the engine must overwrite, or (row padding) leave alone. */
export function guardBytes(len: number): Uint8Array {
  const g = new Uint8Array(len);
  for (let i = 0; i < len; i++) g[i] = (i * 37 + 0x5b) & 0xff;
  return g;
}

/** Why this configuration cannot run the case (a one-line message naming the limit), or undefined. */
export function unsupported(c: ForwardCase, shape: EngineShape): string | undefined {
  if (c.dim > shape.maxDim) return `dim ${c.dim} is larger than this configuration's largest dim ${shape.maxDim}; use a configuration with a larger maxDim`;
  if (c.perSampleWeights && (c.mode ?? 'sum') !== 'sum') return `per_sample_weights need mode 'sum' (as PyTorch), got '${c.mode}'`;
  const n = c.indices.length;
  if (n >= 2 ** 32) return `${n} indices is more than the engine's 32-bit NUM_INDICES`;
  return undefined;
}

/** Lays a forward case out in memory and lists the register values (throws ModelError when the configuration cannot run it). */
export function layoutForward(c: ForwardCase, shape: EngineShape, opts: LayoutOptions = {}): ForwardLayout {
  const why = unsupported(c, shape);
  if (why) throw new ModelError(why, { array: 'case', value: c.dim });
  const beat = shape.dataBits / 8;
  const rowStride = roundUp(c.dim * 4, beat);
  const numBags = c.includeLastOffset ? Math.max(0, c.offsets.length - 1) : c.offsets.length;
  const skew = opts.skew ?? [];
  let at = opts.base ?? 0x10000;
  const place = (len: number, i: number): number => {
    at = roundUp(at + (skew[i] ?? 0), beat);
    const a = at;
    at = roundUp(at + Math.max(len, 1), beat) + beat;
    return a;
  };
  const sparse = opts.sparse ?? false;
  const tableBytes = sparse ? new Uint8Array(0) : new Uint8Array(c.rows * rowStride);
  if (!sparse) {
    const wb = bytesOf(c.weight);
    for (let r = 0; r < c.rows; r++) tableBytes.set(wb.subarray(r * c.dim * 4, (r + 1) * c.dim * 4), r * rowStride);
  }
  const table = place(c.rows * rowStride, 0);
  const idxBytes = bytesOf(c.indices);
  const indices = place(idxBytes.length, 1);
  const offBytes = bytesOf(c.offsets);
  const offsets = place(offBytes.length, 2);
  const pswBytes = c.perSampleWeights ? bytesOf(c.perSampleWeights) : new Uint8Array(0);
  const scales = c.perSampleWeights ? place(pswBytes.length, 4) : 0;
  const outBytes = numBags * rowStride;
  const out = place(outBytes, 3);
  if (at >= 2 ** Math.min(shape.addrBits, 52)) throw new ModelError(`the case needs ${at} bytes of memory, more than ${shape.addrBits}-bit addresses reach`, { array: 'case' });
  const pad = c.paddingIdx ?? null;
  const padRow = pad === null ? 0 : pad < 0 ? c.rows + pad : pad;
  const flag = (b: boolean | undefined) => (b ? 1 : 0);
  const op = encode('OP', {
    IDX64: flag(c.indices instanceof BigInt64Array), OFF64: flag(c.offsets instanceof BigInt64Array),
    INCLUDE_LAST: flag(c.includeLastOffset), PADDING: flag(pad !== null),
    MEAN: flag(c.mode === 'mean'), MAX: flag(c.mode === 'max'), SCALES: flag(!!c.perSampleWeights),
  });
  const lo = (v: number) => v % 2 ** 32;
  const hi = (v: number) => Math.floor(v / 2 ** 32);
  return {
    numBags, rowStride, table, indices, offsets, scales, out, outBytes,
    memory: [
      ...(sparse ? [] : [{ addr: table, bytes: tableBytes }]),
      { addr: indices, bytes: idxBytes },
      { addr: offsets, bytes: offBytes },
      ...(sparse ? [] : [{ addr: out, bytes: guardBytes(outBytes) }]),
      ...(c.perSampleWeights ? [{ addr: scales, bytes: pswBytes }] : []),
    ],
    regs: [
      ['OP', op], ['DIM', c.dim], ['NUM_BAGS', numBags], ['NUM_INDICES', c.indices.length], ['PADDING_IDX', padRow],
      ['TABLE_LO', lo(table)], ['TABLE_HI', hi(table)], ['ROW_STRIDE', rowStride],
      ['INDICES_LO', lo(indices)], ['INDICES_HI', hi(indices)], ['OFFSETS_LO', lo(offsets)], ['OFFSETS_HI', hi(offsets)],
      ['OUT_LO', lo(out)], ['OUT_HI', hi(out)], ['OUT_STRIDE', rowStride],
      ['SCALES_LO', lo(scales)], ['SCALES_HI', hi(scales)],
    ],
  };
}

/**
 * The casted backward as the engine runs it (docs/MODEL.md 3): the forward's
 * gather-reduce over the output gradient `g` [B, dim] with the casted index
 * computed on the host (model/casting.ts): indices = bagIds, offsets =
 * segOffsets (U + 1, include_last_offset), per-lookup scales = the casted
 * scale (psw or fl(1 / fl(n_b)); none = 1). The output is grad_values [U, dim];
 * grad_rows is the casted index's uniqueRows.
 */
export function castedBackwardCase(casted: CastedIndex, g: Float32Array, dim: number): ForwardCase {
  if (casted.mode === 'max') throw new ModelError('the max-mode casted backward (argmax masking) is not implemented by the engine yet; use mode sum or mean', { array: 'case.json:mode', value: 'max' });
  return {
    weight: g, rows: casted.numBags, dim,
    indices: casted.bagIds, offsets: casted.segOffsets, includeLastOffset: true, paddingIdx: null,
    mode: 'sum', perSampleWeights: casted.scale,
  };
}

/** The counters read back after an operation, in this order. */
export const COUNTER_REGS = ['STATUS', 'ERROR', 'ERR_ADDR_LO', 'ERR_ADDR_HI', 'CYCLES', 'R_BEATS', 'W_BEATS', 'STALL_INDEX', 'STALL_INFLIGHT', 'STALL_DEPENDENCY', 'STALL_WRITE', 'START_IGNORED'] as const satisfies readonly EngineRegName[];

/** Program the registers, START, wait until BUSY clears, read the counters back. */
export function runScript(regs: [EngineRegName, number][], maxCycles = 5_000_000): LiteOp[] {
  const ops: LiteOp[] = regs.map(([name, v]) => ({ op: 'write', addr: ENGINE_REGS[name], data: v }));
  ops.push({ op: 'write', addr: ENGINE_REGS.CTRL, data: encode('CTRL', { START: 1 }) });
  ops.push({ op: 'poll', addr: ENGINE_REGS.STATUS, mask: REGISTERS.STATUS.fields.BUSY.mask, value: 0, maxCycles });
  for (const r of COUNTER_REGS) ops.push({ op: 'read', addr: ENGINE_REGS[r] });
  return ops;
}

export interface EngineCounters {
  status: number;
  error: number;
  errAddr: bigint;
  cycles: number;
  rBeats: number;
  wBeats: number;
  stallIndex: number;
  stallInflight: number;
  stallDependency: number;
  stallWrite: number;
  startIgnored: number;
}

/** The counters from the last reads of a result of `runScript`. */
export function countersOf(r: AxiResult): EngineCounters {
  const v = r.reads.slice(-COUNTER_REGS.length).map((x) => Number(x));
  const [status, error, alo, ahi, cycles, rBeats, wBeats, stallIndex, stallInflight, stallDependency, stallWrite, startIgnored] = v as number[] as [number, number, number, number, number, number, number, number, number, number, number, number];
  return { status, error, errAddr: (BigInt(ahi) << 32n) | BigInt(alo), cycles, rBeats, wBeats, stallIndex, stallInflight, stallDependency, stallWrite, startIgnored };
}

/** The operation ended cleanly: STATUS (decoded by the driver) is DONE, neither BUSY nor ERROR. */
export function endedClean(k: EngineCounters): boolean {
  const s = decode('STATUS', k.status);
  return s.DONE === 1 && s.BUSY === 0 && s.ERROR === 0;
}

export interface ForwardScenario {
  scenario: AxiScenario;
  layout: ForwardLayout;
  /** The output [B, dim] from the scenario's result. */
  decode(r: AxiResult): Float32Array;
  /** The first output byte outside [b, 0..dim) that the run changed, or -1. */
  guardBroken(r: AxiResult): number;
}

/** A complete scenario for one forward operation. */
export function forwardScenario(c: ForwardCase, shape: EngineShape, opts: LayoutOptions & { name?: string; profile?: TimingProfile; maxCycles?: number; dump?: boolean } = {}): ForwardScenario {
  const layout = layoutForward(c, shape, opts);
  return {
    layout,
    scenario: {
      name: opts.name,
      profile: opts.profile,
      memory: layout.memory,
      script: runScript(layout.regs, opts.maxCycles),
      dump: opts.dump === false ? [] : [{ addr: layout.out, len: Math.max(layout.outBytes, 1) }],
      watchdogCycles: 20_000,
    },
    decode: (r) => {
      const d = r.dumps[0]!;
      const out = new Float32Array(layout.numBags * c.dim);
      const bytes = new Uint8Array(out.buffer);
      for (let b = 0; b < layout.numBags; b++) bytes.set(d.subarray(b * layout.rowStride, b * layout.rowStride + c.dim * 4), b * c.dim * 4);
      return out;
    },
    guardBroken: (r) => {
      const d = r.dumps[0]!;
      const g = guardBytes(layout.outBytes);
      for (let i = 0; i < layout.outBytes; i++) if (i % layout.rowStride >= c.dim * 4 && d[i] !== g[i]) return i;
      return -1;
    },
  };
}

// ------------------------------------------------------------------ a case directory on the engine

/** The memory timing presets of `tcast run --timing`. */
export function timingPreset(spec: string): TimingProfile {
  if (spec === 'fast') return { readLatency: 1, writeLatency: 1, maxReads: 256, maxWrites: 64 };
  if (spec === 'dram') return { readLatency: 100, readJitter: 20, writeLatency: 50, writeJitter: 10, maxReads: 256, maxWrites: 64, reorder: true };
  const m = /^random(?::(\d+))?$/.exec(spec);
  if (m) {
    let x = Number(m[1] ?? 1) >>> 0 || 1;
    const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
    return {
      seed: Number(m[1] ?? 1), readLatency: Math.floor(next() * 150), readJitter: Math.floor(next() * 50),
      writeLatency: Math.floor(next() * 60), writeJitter: Math.floor(next() * 20), maxReads: 1 + Math.floor(next() * 64),
      maxWrites: 1 + Math.floor(next() * 16), reorder: next() < 0.5, interleave: next() < 0.5,
      arReady: 0.5 + next() / 2, awReady: 0.5 + next() / 2, wReady: 0.5 + next() / 2, rGap: next() * 0.3, bGap: next() * 0.3,
    };
  }
  throw new ModelError(`--timing must be fast, dram or random[:SEED], got '${spec}'`, { array: '--timing', value: spec });
}

export interface OpPerf {
  op: 'forward' | 'casted_backward';
  cycles: number;
  rBeats: number;
  wBeats: number;
  bytesRead: number;
  bytesWritten: number;
  /** Bytes read per stream (whole beats). */
  streams: { rows: number; indices: number; offsets: number; scales: number };
  /** Bytes of results (B x dim x 4 or U x dim x 4). */
  resultBytes: number;
  rUtilisation: number;
  stalls: { indexStarved: number; inFlightCap: number; reducerDependency: number; writeBackPressure: number };
  simCyclesPerSecond: number;
  /** Simulated cycles per second of the harness's CPU time (the figure under load), when the harness reports it. */
  simCyclesPerCpuSecond?: number;
}

/** Performance figures of one operation from its counters and layout. */
export function opPerf(op: OpPerf['op'], c: ForwardCase, l: ForwardLayout, k: EngineCounters, shape: EngineShape, wallSeconds: number, cpuSeconds?: number): OpPerf {
  const beat = shape.dataBits / 8;
  const span = (n: number) => Math.ceil(n / beat) * beat;
  const indices = span(c.indices.byteLength);
  const offsets = c.offsets.length && l.numBags ? span(c.offsets.byteLength) : 0;
  const scales = c.perSampleWeights ? span(c.perSampleWeights.byteLength) : 0;
  const bytesRead = k.rBeats * beat;
  return {
    op, cycles: k.cycles, rBeats: k.rBeats, wBeats: k.wBeats, bytesRead, bytesWritten: k.wBeats * beat,
    streams: { rows: bytesRead - indices - offsets - scales, indices, offsets, scales },
    resultBytes: l.numBags * c.dim * 4,
    rUtilisation: k.cycles ? k.rBeats / (k.cycles * (shape.channels ?? 1)) : 0,
    stalls: { indexStarved: k.stallIndex, inFlightCap: k.stallInflight, reducerDependency: k.stallDependency, writeBackPressure: k.stallWrite },
    simCyclesPerSecond: wallSeconds > 0 ? k.cycles / wallSeconds : 0,
    ...(cpuSeconds !== undefined && cpuSeconds > 0 ? { simCyclesPerCpuSecond: k.cycles / cpuSeconds } : {}),
  };
}
