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
import { PROGRAM_CHECKS } from '../accel/engine/regs';
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
  /** Max mode: also write the argmax positions [B, dim] int32 (OP.ARGMAX). */
  argmax?: boolean;
  /**
   * The max-mode casted backward (OP.MASK): the forward's argmax [bags, dim]
   * (bags = the rows of `weight`, the gradient) and each lookup's position [N];
   * a lookup adds to element d only where argmax[row, d] is its position.
   * `argmaxAt` instead of `argmax`: the argmax rows are already in memory there
   * (written by the forward of the same scenario, rows the same stride apart).
   */
  mask?: { argmax?: Int32Array; argmaxAt?: number; positions: Int32Array } | null;
  /**
   * UPDATE.ROWS: the table row of each output row (the casted backward's
   * uniqueRows, strictly ascending), read as int64 and written back as
   * grad_rows (int64 [B]) by the engine.
   */
  rowIds?: Int32Array | null;
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
  /** The argmax region (OP.ARGMAX: written, B rows; OP.MASK: read, one row per gradient row), rows rowStride apart; 0 if none. */
  argmax: number;
  argmaxBytes: number;
  /** The first byte after the case's regions (where another operation's may start). */
  end: number;
  /** UPDATE.ROWS: where the row ids are read from and grad_rows written (0 without). */
  rowIds: number;
  gradRows: number;
  memory: { addr: number; bytes: Uint8Array }[];
  regs: [EngineRegName, number][];
}

/** The bytes of a typed array (no copy). */
export const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
/** n rounded up to a multiple of m. */
export const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

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
  if (c.argmax && c.mode !== 'max') return `the argmax output needs mode 'max', got '${c.mode ?? 'sum'}'`;
  if (c.mask) {
    if ((c.mode ?? 'sum') !== 'sum' || c.perSampleWeights) return 'the masked (max-mode) casted backward runs as a sum without per-lookup scales';
    if (c.mask.positions.length !== c.indices.length) return `the masked backward needs one position per lookup: ${c.mask.positions.length} positions for ${c.indices.length} lookups`;
    if (!c.mask.argmax === (c.mask.argmaxAt === undefined)) return 'the masked backward needs either the argmax array or the address of the argmax rows';
    if (c.mask.argmax && c.mask.argmax.length !== c.rows * c.dim) return `the masked backward's argmax holds ${c.mask.argmax.length} values, [rows, dim] = [${c.rows}, ${c.dim}] needs ${c.rows * c.dim}`;
  }
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
  // The SCALES stream: per_sample_weights, or with OP.MASK the lookups' positions.
  const side = c.mask ? c.mask.positions : c.perSampleWeights;
  const pswBytes = side ? bytesOf(side) : new Uint8Array(0);
  const scales = side ? place(pswBytes.length, 4) : 0;
  const outBytes = numBags * rowStride;
  const out = place(outBytes, 3);
  let argmaxBytes = 0;
  let argmaxImage: Uint8Array | null = null;
  if (c.argmax) {
    argmaxBytes = numBags * rowStride;
    argmaxImage = sparse ? null : guardBytes(argmaxBytes);
  } else if (c.mask?.argmax) {
    argmaxBytes = c.rows * rowStride;
    argmaxImage = new Uint8Array(argmaxBytes);
    const ab = bytesOf(c.mask.argmax);
    for (let r = 0; r < c.rows; r++) argmaxImage.set(ab.subarray(r * c.dim * 4, (r + 1) * c.dim * 4), r * rowStride);
  }
  const argmax = c.mask?.argmaxAt ?? (argmaxBytes ? place(argmaxBytes, 5) : 0);
  const ids = c.rowIds ? new Uint8Array(BigInt64Array.from(c.rowIds, (x) => BigInt(x)).buffer) : null;
  if (c.rowIds && c.rowIds.length !== numBags) throw new ModelError(`rowIds holds ${c.rowIds.length} rows for ${numBags} output rows`, { array: 'rowIds', value: c.rowIds.length });
  const rowIds = ids ? place(ids.length, 6) : 0;
  const gradRows = ids ? place(ids.length, 7) : 0;
  const end = at;
  if (at >= 2 ** Math.min(shape.addrBits, 52)) throw new ModelError(`the case needs ${at} bytes of memory, more than ${shape.addrBits}-bit addresses reach`, { array: 'case' });
  const pad = c.paddingIdx ?? null;
  const padRow = pad === null ? 0 : pad < 0 ? c.rows + pad : pad;
  const flag = (b: boolean | undefined) => (b ? 1 : 0);
  const op = encode('OP', {
    IDX64: flag(c.indices instanceof BigInt64Array), OFF64: flag(c.offsets instanceof BigInt64Array),
    INCLUDE_LAST: flag(c.includeLastOffset), PADDING: flag(pad !== null),
    MEAN: flag(c.mode === 'mean'), MAX: flag(c.mode === 'max'), SCALES: flag(!!c.perSampleWeights),
    ARGMAX: flag(c.argmax), MASK: flag(!!c.mask),
  });
  const lo = (v: number) => v % 2 ** 32;
  const hi = (v: number) => Math.floor(v / 2 ** 32);
  return {
    numBags, rowStride, table, indices, offsets, scales, out, outBytes, argmax, argmaxBytes, end, rowIds, gradRows,
    memory: [
      ...(ids ? [{ addr: rowIds, bytes: ids }, { addr: gradRows, bytes: guardBytes(ids.length) }] : []),
      ...(sparse ? [] : [{ addr: table, bytes: tableBytes }]),
      { addr: indices, bytes: idxBytes },
      { addr: offsets, bytes: offBytes },
      ...(sparse ? [] : [{ addr: out, bytes: guardBytes(outBytes) }]),
      ...(side ? [{ addr: scales, bytes: pswBytes }] : []),
      ...(argmaxImage ? [{ addr: argmax, bytes: argmaxImage }] : []),
    ],
    regs: [
      ['OP', op], ['DIM', c.dim], ['NUM_BAGS', numBags], ['NUM_INDICES', c.indices.length], ['PADDING_IDX', padRow],
      ['TABLE_LO', lo(table)], ['TABLE_HI', hi(table)], ['ROW_STRIDE', rowStride],
      ['INDICES_LO', lo(indices)], ['INDICES_HI', hi(indices)], ['OFFSETS_LO', lo(offsets)], ['OFFSETS_HI', hi(offsets)],
      ['OUT_LO', lo(out)], ['OUT_HI', hi(out)], ['OUT_STRIDE', rowStride],
      ['SCALES_LO', lo(scales)], ['SCALES_HI', hi(scales)],
      ['ARGMAX_LO', lo(argmax)], ['ARGMAX_HI', hi(argmax)], ['ARGMAX_STRIDE', rowStride], ['NUM_TABLES', 0],
      ['UPDATE', encode('UPDATE', { ROWS: ids ? 1 : 0, OPT: 0, KEEP_GRAD: 0, UNFUSED: 0 })],
      ['ROW_IDS_LO', lo(rowIds)], ['ROW_IDS_HI', hi(rowIds)], ['GRAD_ROWS_LO', lo(gradRows)], ['GRAD_ROWS_HI', hi(gradRows)],
    ],
  };
}

/**
 * The casted backward as the engine runs it (docs/MODEL.md 3): the forward's
 * gather-reduce over the output gradient `g` [B, dim] with the casted index
 * computed on the host (model/casting.ts): indices = bagIds, offsets =
 * segOffsets (U + 1, include_last_offset), per-lookup scales = the casted
 * scale (psw or fl(1 / fl(n_b)); none = 1). The output is grad_values [U, dim];
 * grad_rows is the casted index's uniqueRows. Max mode (OP.MASK): the SCALES
 * stream carries the casted index's positions and the engine reads the
 * forward's argmax rows, given as an array or as the address where the
 * forward of the same scenario wrote them.
 */
export function castedBackwardCase(casted: CastedIndex, g: Float32Array, dim: number, argmax: { argmaxPos?: Int32Array | null; argmaxAt?: number } = {}): ForwardCase {
  const c: ForwardCase = {
    weight: g, rows: casted.numBags, dim,
    indices: casted.bagIds, offsets: casted.segOffsets, includeLastOffset: true, paddingIdx: null,
    mode: 'sum', perSampleWeights: casted.scale, rowIds: casted.uniqueRows,
  };
  if (casted.mode !== 'max') return c;
  if (argmax.argmaxPos) return { ...c, perSampleWeights: null, mask: { argmax: argmax.argmaxPos, positions: casted.positions } };
  if (argmax.argmaxAt !== undefined) return { ...c, perSampleWeights: null, mask: { argmaxAt: argmax.argmaxAt, positions: casted.positions } };
  throw new ModelError('the max-mode casted backward needs the forward\'s argmax positions (an array or their address)', { array: 'argmaxPos' });
}

/** The counters read back after an operation, in this order. */
export const COUNTER_REGS = ['STATUS', 'ERROR', 'ERR_ADDR_LO', 'ERR_ADDR_HI', 'CYCLES', 'R_BEATS', 'W_BEATS', 'STALL_INDEX', 'STALL_INFLIGHT', 'STALL_DEPENDENCY', 'STALL_WRITE', 'START_IGNORED', 'TABLE_AT'] as const satisfies readonly EngineRegName[];

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
  /** Batched tables: the table the START reached (the failing one after an error). */
  tableAt: number;
}

/** The counters from the last reads of a result of `runScript`. */
export function countersOf(r: AxiResult): EngineCounters {
  const v = r.reads.slice(-COUNTER_REGS.length).map((x) => Number(x));
  const [status, error, alo, ahi, cycles, rBeats, wBeats, stallIndex, stallInflight, stallDependency, stallWrite, startIgnored, tableAt] = v as number[] as [number, number, number, number, number, number, number, number, number, number, number, number, number];
  return { status, error, errAddr: (BigInt(ahi) << 32n) | BigInt(alo), cycles, rBeats, wBeats, stallIndex, stallInflight, stallDependency, stallWrite, startIgnored, tableAt };
}

/** The counters of each of `ops` operations run back to back, each by `runScript` (its poll's value, then COUNTER_REGS). */
export function countersOfEach(r: AxiResult, ops: number): EngineCounters[] {
  const n = 1 + COUNTER_REGS.length;
  return Array.from({ length: ops }, (_, i) => countersOf({ ...r, reads: r.reads.slice(i * n, (i + 1) * n) }));
}

/** The operation ended cleanly: STATUS (decoded by the driver) is DONE, neither BUSY nor ERROR. */
export function endedClean(k: EngineCounters): boolean {
  const s = decode('STATUS', k.status);
  return s.DONE === 1 && s.BUSY === 0 && s.ERROR === 0;
}

/**
 * ERROR.PROGRAM (START refused the registers, or a batched table's descriptor; accel/engine/regs.ts PROGRAM_CHECKS)
 * as a one-line message naming the register (the descriptor word, with `table`: TABLE_AT) and the fix, or undefined
 * when the ERROR value is not a refused START.
 */
export function programError(error: number, table?: number): string | undefined {
  const e = decode('ERROR', error);
  if (!e.PROGRAM) return undefined;
  // Codes 1..13 are also made on a batched table's descriptor; 14..23 only on the START's registers.
  const who = table === undefined || e.CAUSE > 13 ? 'START refused the registers' : `table ${table}'s descriptor was refused`;
  const c = PROGRAM_CHECKS.find((x) => x.code === e.CAUSE);
  if (!c) return `${who} with ERROR.CAUSE ${e.CAUSE}, a code this host does not know; regenerate the drivers (npm run generate)`;
  return `${who} (ERROR.CAUSE ${c.code}, ${c.reg}): ${c.what}; ${c.fix}`;
}

/**
 * An operation that did not end clean, in one line: the refused register, or STATUS, ERROR and the failing address
 * (for a batched START, in which table: TABLE_AT).
 */
export function endProblem(k: EngineCounters, batched = false): string {
  return programError(k.error, batched ? k.tableAt : undefined)
    ?? `${batched ? `in table ${k.tableAt}: ` : ''}STATUS 0x${k.status.toString(16)}, ERROR 0x${k.error.toString(16)} at 0x${k.errAddr.toString(16)}`;
}

export interface ForwardScenario {
  scenario: AxiScenario;
  layout: ForwardLayout;
  /** The output [B, dim] from the scenario's result. */
  decode(r: AxiResult): Float32Array;
  /** The argmax positions [B, dim] (a case with `argmax`), else null. */
  decodeArgmax(r: AxiResult): Int32Array | null;
  /** grad_rows as the engine wrote them (with rowIds), else null. */
  decodeGradRows(r: AxiResult): BigInt64Array | null;
  /** The first output byte outside [b, 0..dim) that the run changed, or -1. */
  guardBroken(r: AxiResult): number;
}

/** Rows of `dim` 32-bit values, `stride` bytes apart in `d`, packed into `out`. */
export function unpadRows<T extends Float32Array | Int32Array>(d: Uint8Array, out: T, stride: number, dim: number): T {
  const bytes = new Uint8Array(out.buffer);
  for (let b = 0; b * dim < out.length; b++) bytes.set(d.subarray(b * stride, b * stride + dim * 4), b * dim * 4);
  return out;
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
      dump: opts.dump === false ? [] : [{ addr: layout.out, len: Math.max(layout.outBytes, 1) }, ...(c.argmax ? [{ addr: layout.argmax, len: Math.max(layout.argmaxBytes, 1) }] : []),
        ...(c.rowIds ? [{ addr: layout.gradRows, len: Math.max(1, c.rowIds.length * 8) }] : [])],
      watchdogCycles: 20_000,
    },
    decode: (r) => unpadRows(r.dumps[0]!, new Float32Array(layout.numBags * c.dim), layout.rowStride, c.dim),
    decodeGradRows: (r) => {
      const d = r.dumps[c.argmax ? 2 : 1];
      return c.rowIds && d !== undefined ? new BigInt64Array(d.slice(0, c.rowIds.length * 8).buffer) : null;
    },
    decodeArgmax: (r) => (c.argmax ? unpadRows(r.dumps[1]!, new Int32Array(layout.numBags * c.dim), layout.rowStride, c.dim) : null),
    guardBroken: (r) => {
      const g = guardBytes(layout.outBytes);
      for (const d of r.dumps.slice(0, c.argmax ? 2 : 1)) {
        for (let i = 0; i < layout.outBytes; i++) if (i % layout.rowStride >= c.dim * 4 && d[i] !== g[i]) return i;
      }
      return -1;
    },
  };
}

/**
 * Several operations one after the other in one scenario (one memory image):
 * the max-mode forward writing its argmax, then the masked casted backward
 * reading it (`mask.argmaxAt`). Lay each part out from the previous one's
 * `layout.end` so that their regions are disjoint. `split` gives each part's
 * view of the result (its reads, dumps and share of the wall time; the bus
 * counters are the whole scenario's).
 */
export function chainScenarios(parts: { scenario: AxiScenario }[], opts: { name?: string; profile?: TimingProfile; watchdogCycles?: number } = {}): { scenario: AxiScenario; split(r: AxiResult): AxiResult[] } {
  const scenario: AxiScenario = {
    name: opts.name, profile: opts.profile,
    memory: parts.flatMap((p) => p.scenario.memory ?? []),
    script: parts.flatMap((p) => p.scenario.script),
    dump: parts.flatMap((p) => p.scenario.dump ?? []),
    watchdogCycles: opts.watchdogCycles ?? Math.max(...parts.map((p) => p.scenario.watchdogCycles ?? 0)),
  };
  const split = (r: AxiResult): AxiResult[] => {
    let nr = 0;
    let nd = 0;
    const views = parts.map((p) => {
      const reads = p.scenario.script.filter((o) => o.op === 'read' || o.op === 'poll').length;
      const dumps = (p.scenario.dump ?? []).length;
      const v: AxiResult = { ...r, reads: r.reads.slice(nr, nr + reads), dumps: r.dumps.slice(nd, nd + dumps) };
      nr += reads;
      nd += dumps;
      return v;
    });
    const cycles = views.map((v) => (v.reads.length >= COUNTER_REGS.length ? countersOf(v).cycles : 0));
    const total = cycles.reduce((a, b) => a + b, 0);
    return views.map((v, i) => ({ ...v, wallSeconds: total ? (r.wallSeconds * cycles[i]!) / total : 0 }));
  };
  return { scenario, split };
}

// ------------------------------------------------------------------ a case directory on the engine

/** The memory timing presets of `tcast run --timing`. */
export function timingPreset(spec: string): TimingProfile {
  if (spec === 'fast') return { readLatency: 1, writeLatency: 1, maxReads: 256, maxWrites: 64 };
  if (spec === 'dram') return { readLatency: 100, readJitter: 20, writeLatency: 50, writeJitter: 10, maxReads: 256, maxWrites: 64, reorder: true };
  const m = /^random(?::(\d+))?$/.exec(spec);
  if (m) {
    // The xorshift state is 32 bits and never 0: a seed outside 1..2^32-1 would silently be another seed's profile.
    const seed = Number(m[1] ?? 1);
    if (!(seed >= 1 && seed <= 0xffffffff)) throw new ModelError(`--timing random:SEED takes a seed in 1..4294967295, got '${m[1]}'`, { array: '--timing', value: spec });
    let x = seed;
    const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
    return {
      seed, readLatency: Math.floor(next() * 150), readJitter: Math.floor(next() * 50),
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
  /** Bytes read per stream (whole beats): rows (with the masked backward also the argmax rows), indices, offsets, scales (or positions). */
  streams: { rows: number; indices: number; offsets: number; scales: number; rowIds?: number; descriptors?: number };
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
  const side = c.mask ? c.mask.positions : c.perSampleWeights;
  const scales = side ? span(side.byteLength) : 0;
  const rowIds = c.rowIds ? span(c.rowIds.length * 8) : 0;
  const bytesRead = k.rBeats * beat;
  return {
    op, cycles: k.cycles, rBeats: k.rBeats, wBeats: k.wBeats, bytesRead, bytesWritten: k.wBeats * beat,
    streams: { rows: bytesRead - indices - offsets - scales - rowIds, indices, offsets, scales, rowIds },
    resultBytes: l.numBags * c.dim * 4,
    rUtilisation: k.cycles ? k.rBeats / (k.cycles * (shape.channels ?? 1)) : 0,
    stalls: { indexStarved: k.stallIndex, inFlightCap: k.stallInflight, reducerDependency: k.stallDependency, writeBackPressure: k.stallWrite },
    simCyclesPerSecond: wallSeconds > 0 ? k.cycles / wallSeconds : 0,
    ...(cpuSeconds !== undefined && cpuSeconds > 0 ? { simCyclesPerCpuSecond: k.cycles / cpuSeconds } : {}),
  };
}
