/**
 * Training steps on the engine (docs/ENGINE.md, "Training"): one AXI
 * co-simulation scenario runs, for each batch, the forward, the backward of
 * the chosen path and the optimizer update, the operations one after the
 * other against one memory image, so a batch sees the weights and the state
 * the previous one wrote. Paths (all give the same bits, docs/MODEL.md 2.3):
 *
 *  - `casted`: the casted backward fused with the update (UPDATE.ROWS + OPT):
 *    each coalesced gradient row goes from the reducer into the update unit.
 *  - `casted-unfused`: the casted backward writes grad_values and grad_rows,
 *    then the UPDATE operation (UPDATE.UNFUSED) reads them back.
 *  - `baseline`: PyTorch's EXPAND (a gather-reduce with bags of one lookup:
 *    the scaled gradient row of every lookup, [M, dim]), COALESCE (a
 *    gather-reduce of the expanded rows in the sorted order) and UPDATE.
 *    EXPAND writes fl(+0 + fl(g x s)), which differs from fl(g x s) only for
 *    -0; COALESCE starts from +0 either way, so the result has the model's bits.
 *
 * Host-built arrays: the casted index (model/casting.ts), and for the baseline
 * the bag and scale of each lookup in position order and the rank of each
 * sorted lookup.
 */
import { encode, type RegisterName as EngineRegName } from '../rtl/engine-d128/TcastEngine_d128_a32_r32_b4_q16_l3_3_12_g1_w8_m64.regs';
import { UPDATE_OPT } from '../accel/engine/update';
import type { Mode } from '../model/bags';
import { prepareBags } from '../model/bags';
import { castPrepared, type CastedIndex } from '../model/casting';
import { ModelError } from '../model/errors';
import { checkHyper, type OptimizerSpec } from '../model/optim';
import type { AxiResult, AxiScenario, LiteOp, TimingProfile } from './axi';
import { bytesOf, countersOfEach, endProblem, endedClean, guardBytes, roundUp, runScript, unpadRows, unsupported, type EngineCounters, type EngineShape } from './engine';
import { f32bits } from '../model/fp32';

export type TrainPath = 'casted' | 'casted-unfused' | 'baseline';
export const TRAIN_PATHS: TrainPath[] = ['casted', 'casted-unfused', 'baseline'];

/** One batch of a training step: the forward's inputs and the gradient of its output. */
export interface TrainBatch {
  indices: Int32Array | BigInt64Array;
  offsets: Int32Array | BigInt64Array;
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
  mode?: Mode;
  perSampleWeights?: Float32Array | null;
  /** [B, dim]. */
  gradOutput: Float32Array;
}

export interface TrainCase {
  weight: Float32Array;
  rows: number;
  dim: number;
  optimizer: OptimizerSpec;
  /** Adagrad [rows, dim], rowwise Adagrad [rows]; absent: zeros. */
  state?: Float32Array | null;
  batches: TrainBatch[];
}

export interface TrainOptions {
  path: TrainPath;
  /** The fused path also writes grad_values and grad_rows [false]. */
  keepGrad?: boolean;
  name?: string;
  profile?: TimingProfile;
  base?: number;
  /** Extra bytes before each region (4 KiB page placement), cycled. */
  skew?: number[];
  maxCycles?: number;
  /** Leave the forward out (benchmarks measure the backward and the update) [false]. */
  noForward?: boolean;
  /**
   * Benchmarks: leave the weight table and the state out of the memory image
   * (they read as the memory model's address hash) and dump nothing; only the
   * counters of the result mean anything [false].
   */
  sparse?: boolean;
}

/** One engine operation of the scenario. */
export interface TrainOp {
  batch: number;
  op: 'forward' | 'casted_backward' | 'casted_backward_fused_update' | 'update' | 'expand' | 'coalesce';
  regs: [EngineRegName, number][];
}

export interface TrainScenario {
  scenario: AxiScenario;
  ops: TrainOp[];
  rowStride: number;
  weight: number;
  state: number;
  stateBytes: number;
  /** The casted index of each batch. */
  casted: CastedIndex[];
  decode(r: AxiResult): TrainResult;
  /** The counters of each operation, in order (all a sparse run gives). */
  counters(r: AxiResult): EngineCounters[];
}

export interface TrainResult {
  /** The forward output [B, dim] of each batch (empty with noForward). */
  outputs: Float32Array[];
  weight: Float32Array;
  state: Float32Array | null;
  /** The last batch's grad_rows and grad_values when the path writes them (casted: with keepGrad). */
  gradRows: BigInt64Array | null;
  gradValues: Float32Array | null;
  /** Counters of each operation, in order. */
  counters: EngineCounters[];
  /** The first byte of the weight/state regions' row padding that changed, or -1. */
  guardBroken: number;
}

const lo = (v: number) => v % 2 ** 32;
const hi = (v: number) => Math.floor(v / 2 ** 32);

/** Every RW register of the engine with its value for an operation (unlisted: 0), so no op inherits the last one's. */
const RW_REGS: EngineRegName[] = [
  'OP', 'DIM', 'NUM_BAGS', 'NUM_INDICES', 'PADDING_IDX', 'TABLE_LO', 'TABLE_HI', 'ROW_STRIDE', 'INDICES_LO', 'INDICES_HI',
  'OFFSETS_LO', 'OFFSETS_HI', 'OUT_LO', 'OUT_HI', 'OUT_STRIDE', 'SCALES_LO', 'SCALES_HI', 'UPDATE', 'LR', 'EPS',
  'ROW_IDS_LO', 'ROW_IDS_HI', 'GRAD_ROWS_LO', 'GRAD_ROWS_HI', 'WEIGHT_LO', 'WEIGHT_HI', 'WEIGHT_STRIDE', 'STATE_LO', 'STATE_HI',
];
function fullRegs(set: Partial<Record<EngineRegName, number>>): [EngineRegName, number][] {
  return RW_REGS.map((r) => [r, set[r] ?? 0]);
}
const addr = (name: 'TABLE' | 'INDICES' | 'OFFSETS' | 'OUT' | 'SCALES' | 'ROW_IDS' | 'GRAD_ROWS' | 'WEIGHT' | 'STATE', a: number): Partial<Record<EngineRegName, number>> =>
  ({ [`${name}_LO`]: lo(a), [`${name}_HI`]: hi(a) }) as Partial<Record<EngineRegName, number>>;

/** The baseline's host arrays: the bag and scale of each non-padding lookup in position order, and each sorted lookup's rank in it. */
export function baselineArrays(c: CastedIndex): { bagOf: Int32Array; scaleOf: Float32Array | null; rank: Int32Array } {
  const m = c.numLookups;
  const order = Int32Array.from(c.positions).sort();
  const rankOfPos = new Map<number, number>();
  order.forEach((p, j) => rankOfPos.set(p, j));
  const bagOf = new Int32Array(m);
  const scaleOf = c.scale ? new Float32Array(m) : null;
  const rank = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const j = rankOfPos.get(c.positions[k]!)!;
    rank[k] = j;
    bagOf[j] = c.bagIds[k]!;
    if (scaleOf) scaleOf[j] = c.scale![k]!;
  }
  return { bagOf, scaleOf, rank };
}

/** One line (`OP: why`) per operation of the scenario that did not end cleanly. */
export function trainEndProblems(s: TrainScenario, ks: EngineCounters[]): string[] {
  return ks.flatMap((k, i) => (endedClean(k) ? [] : [`${s.ops[i]!.op}: ${endProblem(k)}`]));
}

/** Why the engine cannot train this case (one line), or undefined. */
export function trainUnsupported(c: TrainCase, shape: EngineShape): string | undefined {
  if ((shape.channels ?? 1) > 1) return `the update runs on single-channel configurations (this one has ${shape.channels} channels: rowwise Adagrad needs whole rows); use engine-d128 or engine-d512`;
  for (const b of c.batches) {
    const why = unsupported({ ...b, weight: c.weight, rows: c.rows, dim: c.dim }, shape);
    if (why) return why;
    if ((b.mode ?? 'sum') === 'max') return 'the max-mode backward (argmax masking) is not on the engine yet; use mode sum or mean';
  }
  return undefined;
}

/** Lays the case out and builds the scenario of its training steps. Throws ModelError for a case the engine cannot run. */
export function trainingScenario(c: TrainCase, shape: EngineShape, o: TrainOptions): TrainScenario {
  const why = trainUnsupported(c, shape);
  if (why) throw new ModelError(why, { array: 'case' });
  const beat = shape.dataBits / 8;
  const rowStride = roundUp(c.dim * 4, beat);
  const skew = o.skew ?? [];
  let at = o.base ?? 0x10000;
  let placed = 0;
  const memory: { addr: number; bytes: Uint8Array }[] = [];
  const place = (len: number, bytes?: Uint8Array): number => {
    at = roundUp(at + (skew[placed++ % Math.max(1, skew.length)] ?? 0), beat);
    const a = at;
    at = roundUp(at + Math.max(len, 1), beat) + beat;
    if (bytes && bytes.length) memory.push({ addr: a, bytes });
    return a;
  };
  const rowsImage = (src: Float32Array, n: number): Uint8Array => {
    const img = guardBytes(n * rowStride);
    const b = bytesOf(src);
    for (let r = 0; r < n; r++) img.set(b.subarray(r * c.dim * 4, (r + 1) * c.dim * 4), r * rowStride);
    return img;
  };
  const spec = c.optimizer;
  const lr32 = checkHyper('lr', spec.lr);
  const eps32 = spec.kind === 'sgd' ? 0 : checkHyper('eps', spec.eps);
  const optCode = spec.kind === 'sgd' ? UPDATE_OPT.SGD : spec.kind === 'adagrad' ? UPDATE_OPT.ADAGRAD : UPDATE_OPT.ROWWISE_ADAGRAD;
  const stateLen = spec.kind === 'adagrad' ? c.rows * c.dim : spec.kind === 'rowwise_adagrad' ? c.rows : 0;
  const state0 = c.state ?? new Float32Array(o.sparse ? 0 : stateLen);
  if (!o.sparse && state0.length !== stateLen) throw new ModelError(`optimizer_state holds ${state0.length} floats, ${spec.kind} needs ${stateLen}`, { array: 'optimizer_state', value: state0.length });
  const weight = place(c.rows * rowStride, o.sparse ? undefined : rowsImage(c.weight, c.rows));
  const stateBytes = spec.kind === 'adagrad' ? c.rows * rowStride : spec.kind === 'rowwise_adagrad' ? c.rows * 4 : 0;
  const state = stateLen ? place(stateBytes, o.sparse ? undefined : spec.kind === 'adagrad' ? rowsImage(state0, c.rows) : new Uint8Array(bytesOf(state0))) : 0;
  const upd = { LR: f32bits(lr32), EPS: f32bits(eps32), WEIGHT_STRIDE: rowStride, ...addr('WEIGHT', weight), ...addr('STATE', state) };
  const flag = (b: boolean | undefined) => (b ? 1 : 0);

  const ops: TrainOp[] = [];
  const casted: CastedIndex[] = [];
  const outs: { addr: number; bags: number }[] = [];
  let lastGrad: { rows: number; values: number; u: number } | null = null;
  c.batches.forEach((b, bi) => {
    const mode = b.mode ?? 'sum';
    const bags = prepareBags({ indices: b.indices, offsets: b.offsets, includeLastOffset: b.includeLastOffset, paddingIdx: b.paddingIdx ?? null, perSampleWeights: b.perSampleWeights ?? null }, c.rows, mode);
    const ci = castPrepared(bags, mode);
    casted.push(ci);
    const B = bags.numBags;
    if (b.gradOutput.length !== B * c.dim) throw new ModelError(`grad_output of batch ${bi} holds ${b.gradOutput.length} floats, [B, dim] = [${B}, ${c.dim}] needs ${B * c.dim}`, { array: 'grad_output', value: b.gradOutput.length });
    if (!o.noForward) {
      const idx = place(b.indices.byteLength, bytesOf(b.indices));
      const off = place(b.offsets.byteLength, bytesOf(b.offsets));
      const psw = b.perSampleWeights ? place(b.perSampleWeights.byteLength, bytesOf(b.perSampleWeights)) : 0;
      const out = place(B * rowStride);
      outs.push({ addr: out, bags: B });
      const pad = b.paddingIdx ?? null;
      ops.push({ batch: bi, op: 'forward', regs: fullRegs({
        OP: encode('OP', { IDX64: flag(b.indices instanceof BigInt64Array), OFF64: flag(b.offsets instanceof BigInt64Array), INCLUDE_LAST: flag(b.includeLastOffset), PADDING: flag(pad !== null), MEAN: flag(mode === 'mean'), MAX: flag(mode === 'max'), SCALES: flag(!!b.perSampleWeights) }),
        DIM: c.dim, NUM_BAGS: B, NUM_INDICES: b.indices.length, PADDING_IDX: pad === null ? 0 : pad < 0 ? c.rows + pad : pad,
        ...addr('TABLE', weight), ROW_STRIDE: rowStride, ...addr('INDICES', idx), ...addr('OFFSETS', off), ...addr('OUT', out), OUT_STRIDE: rowStride, ...addr('SCALES', psw),
      }) });
    }
    const U = ci.uniqueRows.length;
    const M = ci.numLookups;
    const g = place(B * rowStride, rowsImage(b.gradOutput, B));
    const rowIds = place(U * 8, new Uint8Array(BigInt64Array.from(ci.uniqueRows, (x) => BigInt(x)).buffer));
    const gradValues = place(U * rowStride);
    const gradRows = place(U * 8);
    const scaled = !!ci.scale;
    const castedRegs = (): Partial<Record<EngineRegName, number>> => {
      const bag = place(M * 4, bytesOf(ci.bagIds));
      const seg = place((U + 1) * 4, bytesOf(ci.segOffsets));
      const sc = ci.scale ? place(M * 4, bytesOf(ci.scale)) : 0;
      return {
        OP: encode('OP', { IDX64: 0, OFF64: 0, INCLUDE_LAST: 1, PADDING: 0, MEAN: 0, MAX: 0, SCALES: flag(scaled) }),
        DIM: c.dim, NUM_BAGS: U, NUM_INDICES: M, ...addr('TABLE', g), ROW_STRIDE: rowStride, ...addr('INDICES', bag), ...addr('OFFSETS', seg),
        ...addr('SCALES', sc), ...addr('OUT', gradValues), OUT_STRIDE: rowStride, ...addr('ROW_IDS', rowIds), ...addr('GRAD_ROWS', gradRows),
      };
    };
    const updateOp = (gradAt: number, idsAt: number): TrainOp => ({ batch: bi, op: 'update', regs: fullRegs({
      DIM: c.dim, NUM_BAGS: U, ...addr('TABLE', gradAt), ROW_STRIDE: rowStride, ...addr('ROW_IDS', idsAt), ...upd,
      UPDATE: encode('UPDATE', { ROWS: 1, OPT: optCode, KEEP_GRAD: 0, UNFUSED: 1 }),
    }) });
    if (o.path === 'casted') {
      ops.push({ batch: bi, op: 'casted_backward_fused_update', regs: fullRegs({ ...castedRegs(), ...upd, UPDATE: encode('UPDATE', { ROWS: 1, OPT: optCode, KEEP_GRAD: flag(o.keepGrad), UNFUSED: 0 }) }) });
      lastGrad = o.keepGrad ? { rows: gradRows, values: gradValues, u: U } : null;
    } else if (o.path === 'casted-unfused') {
      ops.push({ batch: bi, op: 'casted_backward', regs: fullRegs({ ...castedRegs(), UPDATE: encode('UPDATE', { ROWS: 1, OPT: 0, KEEP_GRAD: 0, UNFUSED: 0 }) }) });
      ops.push(updateOp(gradValues, gradRows));
      lastGrad = { rows: gradRows, values: gradValues, u: U };
    } else {
      const { bagOf, scaleOf, rank } = baselineArrays(ci);
      const eIdx = place(M * 4, bytesOf(bagOf));
      const eOff = place((M + 1) * 4, bytesOf(Int32Array.from({ length: M + 1 }, (_, i) => i)));
      const eSc = scaleOf ? place(M * 4, bytesOf(scaleOf)) : 0;
      const expanded = place(M * rowStride);
      ops.push({ batch: bi, op: 'expand', regs: fullRegs({
        OP: encode('OP', { IDX64: 0, OFF64: 0, INCLUDE_LAST: 1, PADDING: 0, MEAN: 0, MAX: 0, SCALES: flag(scaled) }),
        DIM: c.dim, NUM_BAGS: M, NUM_INDICES: M, ...addr('TABLE', g), ROW_STRIDE: rowStride, ...addr('INDICES', eIdx), ...addr('OFFSETS', eOff),
        ...addr('SCALES', eSc), ...addr('OUT', expanded), OUT_STRIDE: rowStride,
      }) });
      const cIdx = place(M * 4, bytesOf(rank));
      const seg = place((U + 1) * 4, bytesOf(ci.segOffsets));
      ops.push({ batch: bi, op: 'coalesce', regs: fullRegs({
        OP: encode('OP', { IDX64: 0, OFF64: 0, INCLUDE_LAST: 1, PADDING: 0, MEAN: 0, MAX: 0, SCALES: 0 }),
        DIM: c.dim, NUM_BAGS: U, NUM_INDICES: M, ...addr('TABLE', expanded), ROW_STRIDE: rowStride, ...addr('INDICES', cIdx), ...addr('OFFSETS', seg),
        ...addr('OUT', gradValues), OUT_STRIDE: rowStride,
      }) });
      ops.push(updateOp(gradValues, rowIds));
      // grad_rows of the baseline are the host's sorted unique rows (PyTorch's sort gives them).
      lastGrad = { rows: rowIds, values: gradValues, u: U };
    }
  });
  if (at >= 2 ** Math.min(shape.addrBits, 52)) throw new ModelError(`the case needs ${at} bytes of memory, more than ${shape.addrBits}-bit addresses reach`, { array: 'case' });

  const script: LiteOp[] = ops.flatMap((op) => runScript(op.regs, o.maxCycles));
  const dump: { addr: number; len: number }[] = [
    { addr: weight, len: Math.max(1, c.rows * rowStride) },
    { addr: state || weight, len: Math.max(1, stateBytes) },
    ...outs.map((x) => ({ addr: x.addr, len: Math.max(1, x.bags * rowStride) })),
  ];
  const lg = lastGrad as { rows: number; values: number; u: number } | null;
  if (lg) dump.push({ addr: lg.rows, len: Math.max(1, lg.u * 8) }, { addr: lg.values, len: Math.max(1, lg.u * rowStride) });
  const unrow = (d: Uint8Array, n: number): Float32Array => unpadRows(d, new Float32Array(n * c.dim), rowStride, c.dim);
  const countersOfOps = (r: AxiResult) => countersOfEach(r, ops.length);
  return {
    counters: countersOfOps,
    scenario: { name: o.name, profile: o.profile, memory, script, dump: o.sparse ? [] : dump, watchdogCycles: 100_000 },
    ops, rowStride, weight, state, stateBytes, casted,
    decode: (r) => {
      const d = r.dumps;
      const counters = countersOfOps(r);
      let guard = -1;
      const wg = guardBytes(c.rows * rowStride);
      for (let i = 0; i < c.rows * rowStride && guard < 0; i++) if (i % rowStride >= c.dim * 4 && d[0]![i] !== wg[i]) guard = i;
      const st = stateLen === 0 ? null : spec.kind === 'adagrad' ? unrow(d[1]!, c.rows) : new Float32Array(d[1]!.slice(0, c.rows * 4).buffer);
      return {
        outputs: outs.map((x, i) => unrow(d[2 + i]!, x.bags)),
        weight: unrow(d[0]!, c.rows),
        state: st,
        gradRows: lg ? new BigInt64Array(d[2 + outs.length]!.slice(0, lg.u * 8).buffer) : null,
        gradValues: lg ? unrow(d[3 + outs.length]!, lg.u) : null,
        counters,
        guardBroken: guard,
      };
    },
  };
}

/** Performance figures of one training operation from its counters. */
export interface TrainOpPerf {
  batch: number;
  op: TrainOp['op'];
  cycles: number;
  rBeats: number;
  wBeats: number;
  bytesRead: number;
  bytesWritten: number;
  rUtilisation: number;
  stalls: { indexStarved: number; inFlightCap: number; reducerDependency: number; writeBackPressure: number };
}

export function trainOpPerf(op: TrainOp, k: EngineCounters, shape: EngineShape): TrainOpPerf {
  const beat = shape.dataBits / 8;
  return {
    batch: op.batch, op: op.op, cycles: k.cycles, rBeats: k.rBeats, wBeats: k.wBeats, bytesRead: k.rBeats * beat, bytesWritten: k.wBeats * beat,
    rUtilisation: k.cycles ? k.rBeats / k.cycles : 0,
    stalls: { indexStarved: k.stallIndex, inFlightCap: k.stallInflight, reducerDependency: k.stallDependency, writeBackPressure: k.stallWrite },
  };
}
