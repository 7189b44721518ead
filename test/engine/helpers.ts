/**
 * Shared pieces of the engine tests: the test configuration's target (one
 * cached Verilator build), random workloads and timing profiles, and the
 * check of a run against the golden model (bit for bit, NaN by class).
 */
import fc from 'fast-check';
import { generate } from '../../generator';
import { TcastEngine, type EngineOptions } from '../../accel/engine/engine';
import { ENGINE_CONFIGS, ENGINE_TEST_CONFIG, makeEngine } from '../../designs/engine';
import { ENGINE_STATUS, PROGRAM_CHECKS } from '../../accel/engine/regs';
import { DESC_BYTES, ENGINE_DESCRIPTOR } from '../../accel/engine/descriptor';
import { targetOf } from '../../sim/design';
import type { AxiResult, AxiScenario, TimingProfile } from '../../sim/axi';
import { castedBackwardCase, countersOf, countersOfEach, endedClean, forwardScenario, guardBytes, programError, runScript, shapeOf, type EngineShape, type ForwardCase, type ForwardScenario } from '../../sim/engine';
import { batchedBackwardScenario, batchedForwardScenario, type BatchedScenario } from '../../sim/batched';
import {
  Rng, ZipfSampler, gatherReduce, firstBitDifference, castIndices, backwardCasted, prepareBatched, castBatchedPrepared, gatherReduceBatchedPrepared, castedGatherReduceBatched,
} from '../../model';
import { profileArb } from '../axi/helpers';
import { OFFSETS, decode, encode, type RegisterName as EngineRegName } from '../../rtl/engine-d128/TcastEngine_d128_a32_r32_b4_q16_l3_3_12_g1_w8_m64.regs';

export const testEngine = () => new TcastEngine(ENGINE_CONFIGS[ENGINE_TEST_CONFIG]!);
export const engineTarget = () => targetOf(generate(testEngine()));
export const testShape = shapeOf(testEngine());

/** A shipped configuration under test: its shape and its target (one Verilator build, shared by every scenario). */
export interface ConfigUnderTest { name: string; shape: EngineShape; target: () => ReturnType<typeof targetOf> }
export function configUnderTest(name: string): ConfigUnderTest {
  const cfg = ENGINE_CONFIGS[name] as EngineOptions | undefined;
  if (cfg === undefined) throw new Error(`no engine configuration '${name}' in designs/engine.ts`);
  let t: ReturnType<typeof targetOf> | undefined;
  return { name, shape: shapeOf(makeEngine(cfg)), target: () => (t ??= targetOf(generate(makeEngine(cfg)))) };
}

/** The AXI4 masters' bus counters of a run added up (one master, or one per memory channel). */
export function busOf(r: AxiResult): { outstanding: number; rBeats: number; wBeats: number; reorders: number; interleaves: number; rStall: number; bStall: number; arStall: number; wStall: number } {
  const ms = Object.entries(r.counters).filter(([k]) => /^m_axi(_\d+)?$/.test(k)).map(([, m]) => m);
  const sum = (f: (m: (typeof ms)[number]) => number) => ms.reduce((a, m) => a + f(m), 0);
  return {
    outstanding: sum((m) => m.outstanding), rBeats: sum((m) => m.r.beats), wBeats: sum((m) => m.w.beats),
    reorders: sum((m) => m.reorders ?? 0), interleaves: sum((m) => m.interleaves ?? 0),
    rStall: sum((m) => m.r.stall), bStall: sum((m) => m.b.stall), arStall: sum((m) => m.ar.stall), wStall: sum((m) => m.w.stall),
  };
}

export interface WorkloadSpec {
  rows: number;
  dim: number;
  bags: number;
  maxBag: number;
  zipf: boolean;
  idx64: boolean;
  off64: boolean;
  includeLast: boolean;
  pad: number | null;
  padRate: number;
  specials: boolean;
  mode: 'sum' | 'mean' | 'max';
  psw: boolean;
  /** Max mode: also write the argmax positions. */
  argmax?: boolean;
  seed: number;
}

/** A binary32 value with a wide exponent; with `specials`, sometimes NaN, ±inf, ±0 or a subnormal. */
export function value(rng: Rng, specials: boolean): number {
  if (specials && rng.int(40) === 0) {
    const k = rng.int(7);
    return [NaN, Infinity, -Infinity, -0, 0, 1.4e-45 * (1 + rng.int(1000)), -1e-40][k]!;
  }
  if (rng.int(8) === 0) return [0, -0, 1, -1][rng.int(4)]!;
  const mag = 2 ** (rng.int(40) - 20);
  return Math.fround((rng.float() * 2 - 1) * mag);
}

/** The forward case a spec describes (deterministic in the spec). */
export function makeCase(s: WorkloadSpec): ForwardCase {
  const rng = new Rng(s.seed);
  const zipf = new ZipfSampler(s.rows, 1.1);
  const weight = new Float32Array(s.rows * s.dim);
  for (let i = 0; i < weight.length; i++) weight[i] = value(rng, s.specials);
  const padRow = s.pad === null ? -1 : s.pad < 0 ? s.rows + s.pad : s.pad;
  const idx: number[] = [];
  const starts: number[] = [];
  for (let b = 0; b < s.bags; b++) {
    starts.push(idx.length);
    const allPad = padRow >= 0 && rng.int(6) === 0;
    const n = rng.int(5) === 0 ? 0 : rng.int(s.maxBag + 1);
    for (let k = 0; k < n; k++) {
      if (allPad || (padRow >= 0 && rng.float() < s.padRate)) idx.push(padRow);
      else idx.push(s.zipf ? zipf.sample(rng) - 1 : rng.int(s.rows));
    }
  }
  if (s.includeLast) starts.push(idx.length);
  const indices = s.idx64 ? BigInt64Array.from(idx.map(BigInt)) : Int32Array.from(idx);
  const offsets = s.off64 ? BigInt64Array.from(starts.map(BigInt)) : Int32Array.from(starts);
  let perSampleWeights: Float32Array | null = null;
  if (s.psw && s.mode === 'sum') {
    perSampleWeights = new Float32Array(idx.length);
    for (let i = 0; i < idx.length; i++) perSampleWeights[i] = value(rng, s.specials);
  }
  return { weight, rows: s.rows, dim: s.dim, indices, offsets, includeLastOffset: s.includeLast, paddingIdx: s.pad, mode: s.mode, perSampleWeights, argmax: s.mode === 'max' && !!s.argmax };
}

export function workloadArb(maxDim: number): fc.Arbitrary<WorkloadSpec> {
  return fc.record({
    rows: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 200 })),
    dim: fc.oneof(fc.constantFrom(1, 3, 17, 4, 8, Math.min(maxDim, 33), maxDim), fc.integer({ min: 1, max: maxDim })),
    bags: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 24 }) }),
    maxBag: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 30 })),
    zipf: fc.boolean(),
    idx64: fc.boolean(),
    off64: fc.boolean(),
    includeLast: fc.boolean(),
    pad: fc.option(fc.integer({ min: -8, max: 7 }), { nil: null, freq: 3 }),
    padRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
    specials: fc.boolean(),
    mode: fc.constantFrom('sum', 'sum', 'mean', 'max'),
    psw: fc.boolean(),
    argmax: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  }).map((s) => ({ ...s, pad: s.pad === null ? null : Math.max(-s.rows, Math.min(s.rows - 1, s.pad)) }));
}

export interface EngineRun {
  spec: WorkloadSpec;
  profile: TimingProfile;
  throttle: { r: number; b: number } | null;
  /** Extra bytes before each of table, indices, offsets, output (4 KiB page placement). */
  skew: number[];
}

export const runArb = (maxDim: number): fc.Arbitrary<EngineRun> => fc.record({
  spec: workloadArb(maxDim),
  profile: profileArb,
  throttle: fc.option(fc.record({ r: fc.integer({ min: 0, max: 200 }), b: fc.integer({ min: 0, max: 200 }) }), { nil: null, freq: 3 }),
  skew: fc.array(fc.integer({ min: 0, max: 4095 }), { minLength: 4, maxLength: 4 }),
});

export function runScenario(run: EngineRun, name: string, adjust?: (c: ForwardCase) => ForwardCase, shape: EngineShape = testShape): { c: ForwardCase; s: ForwardScenario } {
  const c0 = makeCase(run.spec);
  const c = adjust ? adjust(c0) : c0;
  const s = forwardScenario(c, shape, { name, profile: run.profile, skew: run.skew, maxCycles: 2_000_000 });
  if (run.throttle) s.scenario.script.unshift({ op: 'write', addr: OFFSETS.THROTTLE, data: encode('THROTTLE', { R: run.throttle.r, B: run.throttle.b }) });
  return { c, s };
}

/**
 * Why a run disagrees with the model or ended badly, or undefined. `alone`: the run was this one operation, so the engine's R/W counters must equal the bus's.
 * `expected`: the model's output when it is not the forward of `c` (the masked backward).
 */
export function runProblem(c: ForwardCase, s: ForwardScenario, r: AxiResult, alone = true, expected?: Float32Array): string | undefined {
  if (r.status !== 'ok') return `status ${r.status}: ${r.violation?.message ?? r.failure ?? ''}`;
  const k = countersOf(r);
  if (!endedClean(k)) return `STATUS = 0x${k.status.toString(16)} (want DONE only), ERROR = 0x${k.error.toString(16)}`;
  const m = busOf(r);
  if (m.outstanding !== 0 || r.inFlight.length) return `transactions left open: ${r.inFlight.join('; ')}`;
  const model = expected ? null : gatherReduce({ ...c, mode: c.mode ?? 'sum' });
  const want = expected ?? model!.output;
  const got = s.decode(r);
  const i = firstBitDifference(got, want);
  if (i >= 0) return `output[${Math.floor(i / c.dim)}, ${i % c.dim}] = ${got[i]} (0x${new Uint32Array(got.buffer)[i]!.toString(16)}), model ${want[i]} (0x${new Uint32Array(want.buffer)[i]!.toString(16)})`;
  const am = s.decodeArgmax(r);
  if (am) {
    const wantAm = model!.argmaxPos!;
    const j = am.findIndex((x, k) => x !== wantAm[k]);
    if (j >= 0) return `argmax[${Math.floor(j / c.dim)}, ${j % c.dim}] = ${am[j]}, model ${wantAm[j]}`;
  }
  const g = s.guardBroken(r);
  if (g >= 0) return `output byte ${g} (row padding, past dim) was written`;
  if (alone && (k.wBeats !== m.wBeats || k.rBeats !== m.rBeats)) return `counters R ${k.rBeats} W ${k.wBeats} vs the bus's ${m.rBeats} / ${m.wBeats}`;
  return undefined;
}

export interface BatchedSpec {
  tables: { rows: number; dim: number }[];
  batch: number;
  maxBag: number;
  idx64: boolean;
  off64: boolean;
  mode: 'sum' | 'mean';
  psw: boolean;
  specials: boolean;
  seed: number;
}

export const batchedArb = (maxDim: number) => fc.record({
  spec: fc.record({
    tables: fc.array(fc.record({ rows: fc.integer({ min: 1, max: 60 }), dim: fc.oneof(fc.constantFrom(1, 3, 17, maxDim), fc.integer({ min: 1, max: maxDim })) }), { minLength: 1, maxLength: 4 }),
    batch: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 12 }) }),
    maxBag: fc.integer({ min: 0, max: 8 }),
    idx64: fc.boolean(),
    off64: fc.boolean(),
    mode: fc.constantFrom('sum' as const, 'mean' as const),
    psw: fc.boolean(),
    specials: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  }),
  profile: runArb(testShape.maxDim).map((r) => r.profile),
  skew: fc.array(fc.integer({ min: 0, max: 4095 }), { minLength: 6, maxLength: 6 }),
});

/** A TBE batch (table-major indices, offsets [T·B+1], empty bags), its weights and an output gradient. */
export function makeBatched(s: BatchedSpec) {
  const rng = new Rng(s.seed);
  const B = s.batch;
  const idx: number[] = [];
  const offs: number[] = [];
  for (const t of s.tables) {
    for (let b = 0; b < B; b++) {
      offs.push(idx.length);
      const n = rng.int(4) === 0 ? 0 : rng.int(s.maxBag + 1);
      for (let k = 0; k < n; k++) idx.push(rng.int(t.rows));
    }
  }
  offs.push(idx.length);
  const weights = s.tables.map((t) => Float32Array.from({ length: t.rows * t.dim }, () => value(rng, s.specials)));
  const indices = s.idx64 ? BigInt64Array.from(idx, BigInt) : Int32Array.from(idx);
  const offsets = s.off64 ? BigInt64Array.from(offs, BigInt) : Int32Array.from(offs);
  const perSampleWeights = s.psw && s.mode === 'sum' ? Float32Array.from(idx, () => value(rng, s.specials)) : null;
  const bags = prepareBatched({ tables: s.tables, batchSize: B, indices, offsets, perSampleWeights, mode: s.mode });
  const g = Float32Array.from({ length: B * bags.totalDim }, () => value(rng, s.specials));
  return { bags, weights, indices, offsets, g };
}

/** Why a batched run is wrong or ended badly, or undefined. */
export function batchedProblem(s: BatchedScenario, r: AxiResult, want: Float32Array[]): string | undefined {
  if (r.status !== 'ok') return `status ${r.status}: ${r.violation?.message ?? r.failure ?? ''}`;
  const k = countersOf(r);
  if (!endedClean(k)) return `STATUS = 0x${k.status.toString(16)}, ERROR = 0x${k.error.toString(16)}`;
  const m = busOf(r);
  if (m.outstanding !== 0 || r.inFlight.length) return `transactions left open: ${r.inFlight.join('; ')}`;
  const got = s.decode(r);
  for (const [t, w] of want.entries()) {
    const i = firstBitDifference(got[t]!, w);
    if (i >= 0) return `result ${t} element ${i} = ${got[t]![i]}, model ${w[i]}`;
  }
  const gb = s.guardBroken(r);
  if (gb >= 0) return `output byte ${gb} (row padding) was written`;
  if (k.wBeats !== m.wBeats || k.rBeats !== m.rBeats) return `counters R ${k.rBeats} W ${k.wBeats} vs the bus's ${m.rBeats} / ${m.wBeats}`;
  return undefined;
}

/** A scenario with its own check against the model. */
export interface CheckedRun<C> {
  c: C;
  s: { scenario: AxiScenario };
  /** Why the run is wrong or ended badly, or undefined. */
  problem(r: AxiResult): string | undefined;
}

/** The casted backward of a random workload in its own mode (max: masked by the model's argmax), with a gradient of wide exponents. */
export function backwardRun(run: EngineRun, name: string, shape: EngineShape = testShape) {
  const mode = run.spec.mode;
  const c = makeCase(run.spec);
  const rng = new Rng(run.spec.seed ^ 0x5bd1e995);
  const g = new Float32Array(c.offsets.length * c.dim).map(() => Math.fround((rng.float() * 2 - 1) * 2 ** (rng.int(30) - 15)));
  const numBags = c.includeLastOffset ? Math.max(0, c.offsets.length - 1) : c.offsets.length;
  const grad = g.subarray(0, numBags * c.dim);
  const casted = castIndices({ ...c, mode });
  const want = backwardCasted({ ...c, mode, gradOutput: grad });
  const argmaxPos = mode === 'max' ? gatherReduce({ ...c, mode }).argmaxPos : null;
  const bc = castedBackwardCase(casted, grad, c.dim, { argmaxPos });
  const s = forwardScenario(bc, shape, { name, profile: run.profile, skew: run.skew, maxCycles: 2_000_000 });
  return { c: bc, s, casted, want, problem: (r: AxiResult) => runProblem(bc, s, r, true, want.values) };
}

/** A random TBE batch's forward and casted backward, each one START over its descriptors. */
export function batchedRuns(run: { spec: BatchedSpec; profile: TimingProfile; skew: number[] }, i: number, shape: EngineShape = testShape): CheckedRun<ReturnType<typeof makeBatched>>[] {
  const c = makeBatched(run.spec);
  const casted = castBatchedPrepared(c.bags);
  const opts = { profile: run.profile, skew: run.skew, maxCycles: 2_000_000 };
  const fwd = batchedForwardScenario(c, shape, { ...opts, name: `tbe-fwd-${i}` });
  const bwd = batchedBackwardScenario({ bags: c.bags, casted, gradOutput: c.g }, shape, { ...opts, name: `tbe-bwd-${i}` });
  const wantF = [gatherReduceBatchedPrepared(c.bags, c.weights)];
  const wantB = castedGatherReduceBatched(c.bags, casted, c.g).map((x) => x.values);
  return [
    { c, s: fwd, problem: (r) => batchedProblem(fwd, r, wantF) },
    { c, s: bwd, problem: (r) => batchedProblem(bwd, r, wantB) },
  ];
}

/** A batched forward of three small tables (dims 5, 17, 2), `B` bags each of up to `maxBag - 1` lookups. */
export function smallBatch(name: string, B: number, maxBag: number, seed: number, profile: TimingProfile = { readLatency: 10, reorder: true }) {
  const tables = [{ rows: 20, dim: 5 }, { rows: 9, dim: 17 }, { rows: 30, dim: 2 }];
  const rng = new Rng(seed);
  const idx: number[] = [];
  const offs: number[] = [];
  for (const t of tables) for (let b = 0; b < B; b++) { offs.push(idx.length); for (let k = rng.int(maxBag); k > 0; k--) idx.push(rng.int(t.rows)); }
  offs.push(idx.length);
  const indices = Int32Array.from(idx);
  const offsets = Int32Array.from(offs);
  const bags = prepareBatched({ tables, batchSize: B, indices, offsets, mode: 'sum' });
  const weights = tables.map((t) => Float32Array.from({ length: t.rows * t.dim }, () => rng.float()));
  return { bags, weights, s: batchedForwardScenario({ bags, weights, indices, offsets }, testShape, { name, profile }) };
}

/** Table `t`'s columns of a batched forward's output [B, Σ dim]. */
function tableColumns(bags: ReturnType<typeof prepareBatched>, t: number, x: Float32Array): Float32Array {
  const dim = bags.tables[t]!.dim, off = bags.dimOff[t]!;
  return Float32Array.from({ length: bags.batchSize * dim }, (_, i) => x[Math.floor(i / dim) * bags.totalDim + off + (i % dim)]!);
}

/** Word `w` of table `t`'s descriptor in a batched scenario (its descriptor list is the last memory region). */
function descriptorWord(s: { scenario: AxiScenario }, t: number, w: keyof typeof ENGINE_DESCRIPTOR.offsets): number {
  const list = s.scenario.memory![s.scenario.memory!.length - 1]!;
  return new DataView(list.bytes.buffer, list.bytes.byteOffset, list.bytes.byteLength).getUint32(t * DESC_BYTES + ENGINE_DESCRIPTOR.offsets[w], true);
}

/** Why a batched START with one bus error did not end as `want` says, with nothing left open; undefined when it did. */
function busErrorEnd(r: AxiResult, want: { error: number; errAddr: number; tableAt: number }): string | undefined {
  if (r.status !== 'ok') return `status ${r.status}: ${r.failure ?? r.violation?.message ?? ''}`;
  const k = countersOf(r);
  const wanted = { status: ENGINE_STATUS.DONE | ENGINE_STATUS.ERROR, ...want };
  const got = { status: k.status, error: k.error, errAddr: Number(k.errAddr), tableAt: k.tableAt };
  if (JSON.stringify(got) !== JSON.stringify(wanted)) return `ended with ${JSON.stringify(got)}, not ${JSON.stringify(wanted)}`;
  if (r.counters.m_axi!.outstanding !== 0 || r.inFlight.length !== 0) return 'transactions left open';
  return undefined;
}

/**
 * A batch whose second table's index read fails (SLVERR) while the first table still waits for its writes' answers
 * (they come 300 cycles late), so the read is one read ahead (docs/ENGINE.md, "Descriptors (batched tables)"). `problem`: unless the
 * START ended as if table 1 had run alone (ERROR with the read's response and burst address, TABLE_AT = 1, table 0's
 * output whole, nothing left open).
 */
export function aheadErrorScenario(name: string): { scenario: AxiScenario; problem(r: AxiResult): string | undefined } {
  const { bags, weights, s } = smallBatch(name, 6, 6, 5, { readLatency: 10, writeLatency: 300 });
  const indicesOf = (t: number) => descriptorWord(s, t, 'INDICES_LO');
  const countOf = (t: number) => descriptorWord(s, t, 'NUM_INDICES');
  // Table 1's last index, in a beat that table 0's indices do not share (table 0 would read it first).
  const beat = testShape.dataBits / 8;
  const at = indicesOf(1) + 4 * (countOf(1) - 1);
  if (Math.floor(at / beat) <= Math.floor((indicesOf(0) + 4 * countOf(0) - 1) / beat)) throw new Error(`${name}: table 1's last index shares a beat with table 0's: pick another seed`);
  const scenario: AxiScenario = { ...s.scenario, errors: [{ lo: at, hi: at + 4, resp: 'SLVERR', dir: 'r' }], watchdogCycles: 5000 };
  const problem = (r: AxiResult): string | undefined => {
    // ERR_ADDR: the failing burst's address, table 1's index stream's first (a few beats: one burst).
    const end = busErrorEnd(r, { error: 0x100 | 2, errAddr: Math.floor(indicesOf(1) / beat) * beat, tableAt: 1 });
    if (end !== undefined) return end;
    // Table 0 ran to its end: its columns of the output are the model's.
    const d = firstBitDifference(tableColumns(bags, 0, s.decode(r)[0]!), tableColumns(bags, 0, gatherReduceBatchedPrepared(bags, weights)));
    return d === -1 ? undefined : `table 0's output differs from the model at element ${d}`;
  };
  return { scenario, problem };
}

/**
 * A batch whose first table's last output write fails (DECERR), answered 300 cycles late: the second table has
 * started by then (a table does not wait for the answers to the one before it), but may not write until they are
 * in. `problem`: unless the START ended in table 0 (ERROR with the write's response and burst address, TABLE_AT = 0)
 * with tables 1 and 2 having written nothing and nothing left open.
 */
export function writeBehindErrorScenario(name: string): { scenario: AxiScenario; problem(r: AxiResult): string | undefined } {
  const B = 6;
  const { bags, s } = smallBatch(name, B, 6, 5, { readLatency: 10, writeLatency: 300 });
  const row = descriptorWord(s, 0, 'OUT_LO') + (B - 1) * descriptorWord(s, 0, 'OUT_STRIDE');
  const scenario: AxiScenario = { ...s.scenario, errors: [{ lo: row, hi: row + 4, resp: 'DECERR', dir: 'w' }], watchdogCycles: 5000 };
  const problem = (r: AxiResult): string | undefined => {
    const end = busErrorEnd(r, { error: 0x200 | 3, errAddr: row, tableAt: 0 });
    if (end !== undefined) return end;
    // The output as it was laid out (guard bytes), where tables 1 and 2 must not have written.
    const laid = s.decode({ ...r, dumps: [guardBytes(r.dumps[0]!.length)] })[0]!;
    const got = s.decode(r)[0]!;
    for (const t of [1, 2]) {
      const d = firstBitDifference(tableColumns(bags, t, got), tableColumns(bags, t, laid));
      if (d !== -1) return `table ${t} wrote its output (element ${d}) before table 0's writes were answered`;
    }
    return undefined;
  };
  return { scenario, problem };
}

/** One badly programmed START of `badProgramScenario`: the registers written over the good operation's, and the ERROR.CAUSE wanted. */
export interface BadProgram { cause: number; what: string; regs: [EngineRegName, number][] }

/**
 * Every register check of START (accel/engine/regs.ts PROGRAM_CHECKS) broken in turn, in one scenario: each bad
 * START (the good forward operation's registers with some overwritten) is followed by a poll that gives up after
 * `pollCycles` and the counters; then the good operation itself, whose result `runProblem` checks. The
 * reads of bad START k are `reads.slice(k·n, (k+1)·n)`, n = 1 + COUNTER_REGS.length.
 */
export function badProgramScenario(shape: EngineShape, name: string, only?: (b: BadProgram) => boolean, pollCycles = 2000) {
  const c = makeCase({
    rows: 40, dim: 17, bags: 12, maxBag: 9, zipf: false, idx64: false, off64: false, includeLast: false,
    pad: null, padRate: 0, specials: false, mode: 'sum', psw: false, seed: 98,
  });
  const s = forwardScenario(c, shape, { name, profile: { readLatency: 10 } });
  const l = s.layout;
  const beat = shape.dataBits / 8;
  const op = (f: Parameters<typeof encode<'OP'>>[1]) => encode('OP', f);
  const upd = (f: Parameters<typeof encode<'UPDATE'>>[1]) => encode('UPDATE', f);
  // Registers the good operation leaves alone, at values that pass their checks.
  const rest: [EngineRegName, number][] = [
    ['WEIGHT_LO', l.table], ['WEIGHT_HI', 0], ['WEIGHT_STRIDE', l.rowStride], ['STATE_LO', l.out], ['STATE_HI', 0],
    ['ROW_IDS_LO', l.out], ['GRAD_ROWS_LO', l.out], ['TABLES_LO', l.table], ['TABLES_HI', 0],
  ];
  const good: [EngineRegName, number][] = [...rest, ...l.regs];
  const b = (cause: number, what: string, ...regs: [EngineRegName, number][]): BadProgram => ({ cause, what, regs });
  const all: BadProgram[] = [
    b(1, 'DIM 0', ['DIM', 0]),
    b(1, 'DIM > MAX_DIM', ['DIM', shape.maxDim + 1]),
    b(2, 'MEAN with MAX', ['OP', op({ MEAN: 1, MAX: 1 })]),
    b(3, 'ARGMAX without MAX', ['OP', op({ ARGMAX: 1 })]),
    b(4, 'MASK with SCALES', ['OP', op({ MASK: 1, SCALES: 1 })]),
    b(4, 'MASK with MEAN', ['OP', op({ MASK: 1, MEAN: 1 })]),
    b(5, 'table base off the beat', ['TABLE_LO', l.table + 4]),
    b(6, 'ROW_STRIDE not a multiple of the beat', ['ROW_STRIDE', l.rowStride + 4]),
    b(6, 'ROW_STRIDE below DIM × 4', ['ROW_STRIDE', l.rowStride - beat]),
    b(7, 'indices base off 4 bytes', ['INDICES_LO', l.indices + 2]),
    b(7, 'int64 indices base off 8 bytes', ['OP', op({ IDX64: 1 })], ['INDICES_LO', l.indices + 4]),
    b(8, 'offsets base off 4 bytes', ['OFFSETS_LO', l.offsets + 1]),
    b(8, 'int64 offsets base off 8 bytes', ['OP', op({ OFF64: 1 })], ['OFFSETS_LO', l.offsets + 4]),
    b(9, 'scales base off 4 bytes', ['OP', op({ SCALES: 1 })], ['SCALES_LO', l.out + 2]),
    b(10, 'output base off the beat', ['OUT_LO', l.out + 4]),
    b(11, 'OUT_STRIDE not a multiple of the beat', ['OUT_STRIDE', l.rowStride + 4]),
    b(12, 'argmax base off the beat', ['OP', op({ MAX: 1, ARGMAX: 1 })], ['ARGMAX_LO', l.out + 4], ['ARGMAX_STRIDE', l.rowStride]),
    b(13, 'ARGMAX_STRIDE 0', ['OP', op({ MAX: 1, ARGMAX: 1 })], ['ARGMAX_LO', l.out], ['ARGMAX_STRIDE', 0]),
    b(14, 'an optimizer without ROWS', ['UPDATE', upd({ OPT: 1 })]),
    b(15, 'KEEP_GRAD without an optimizer', ['UPDATE', upd({ KEEP_GRAD: 1 })]),
    b(15, 'UNFUSED without an optimizer', ['UPDATE', upd({ ROWS: 1, UNFUSED: 1 })]),
    ...((shape.channels ?? 1) > 1 ? [b(16, 'an optimizer on several channels', ['UPDATE', upd({ ROWS: 1, OPT: 1 })])] : []),
    b(17, 'row ids base off the beat', ['UPDATE', upd({ ROWS: 1 })], ['ROW_IDS_LO', l.out + 8]),
    b(18, 'grad_rows base off the beat', ['UPDATE', upd({ ROWS: 1 })], ['GRAD_ROWS_LO', l.out + 8]),
    b(19, 'weight base off the beat', ['UPDATE', upd({ ROWS: 1, OPT: 1 })], ['WEIGHT_LO', l.table + 4]),
    b(20, 'WEIGHT_STRIDE below DIM × 4', ['UPDATE', upd({ ROWS: 1, OPT: 1 })], ['WEIGHT_STRIDE', l.rowStride - beat]),
    b(21, 'Adagrad state base off the beat', ['UPDATE', upd({ ROWS: 1, OPT: 2 })], ['STATE_LO', l.out + 4]),
    b(22, 'descriptor list off the beat', ['NUM_TABLES', 1], ['TABLES_LO', l.table + 4]),
    b(23, 'UPDATE with batched tables', ['NUM_TABLES', 1], ['UPDATE', upd({ ROWS: 1 })]),
  ];
  const bad = only ? all.filter(only) : all;
  const script = bad.flatMap((x) => runScript([...good, ...x.regs], pollCycles));
  script.push(...runScript(good));
  const scenario: AxiScenario = { ...s.scenario, name, script, watchdogCycles: 5000 };
  return { c, s, bad, scenario };
}

/**
 * What is wrong in a run of `badProgramScenario`: the run stopped (a hang ends at the poll's limit or the watchdog), or
 * a bad START did not end at once with DONE | ERROR, ERROR.PROGRAM and its CAUSE (RESP 0, no cycle, no beat, and the
 * host's message naming the register), or the good START after them failed. Empty when all is well.
 */
export function badProgramProblems(x: ReturnType<typeof badProgramScenario>, r: AxiResult): string[] {
  if (r.status !== 'ok') return [`status ${r.status}: ${r.violation?.message ?? r.failure ?? ''}`];
  const problems: string[] = [];
  const ks = countersOfEach(r, x.bad.length);
  x.bad.forEach((b, i) => {
    const k = ks[i]!;
    const e = decode('ERROR', k.error);
    const check = PROGRAM_CHECKS.find((c) => c.code === b.cause)!;
    const want = `START refused the registers (ERROR.CAUSE ${b.cause}, ${check.reg}): ${check.what}; ${check.fix}`;
    const got = { status: k.status, program: e.PROGRAM, cause: e.CAUSE, resp: e.RESP, cycles: k.cycles, rBeats: k.rBeats, wBeats: k.wBeats, message: programError(k.error) };
    const wanted = { status: ENGINE_STATUS.DONE | ENGINE_STATUS.ERROR, program: 1, cause: b.cause, resp: 0, cycles: 0, rBeats: 0, wBeats: 0, message: want };
    for (const f of Object.keys(wanted) as (keyof typeof wanted)[]) {
      if (got[f] !== wanted[f]) problems.push(`bad START ${i} (${b.what}): ${f} ${String(got[f])}, want ${String(wanted[f])}`);
    }
  });
  const p = runProblem(x.c, x.s, r, false);
  if (p) problems.push(`the good START after them: ${p}`);
  else if (countersOf(r).error !== 0) problems.push(`the good START after them left ERROR 0x${countersOf(r).error.toString(16)}`);
  return problems;
}
