/**
 * Shared pieces of the engine tests: the test configuration's target (one
 * cached Verilator build), random workloads and timing profiles, and the
 * check of a run against the golden model (bit for bit, NaN by class).
 */
import fc from 'fast-check';
import { generate } from '../../generator';
import { TcastEngine, type EngineOptions } from '../../accel/engine/engine';
import { ENGINE_CONFIGS, ENGINE_TEST_CONFIG, makeEngine } from '../../designs/engine';
import { targetOf } from '../../sim/design';
import type { AxiResult, TimingProfile } from '../../sim/axi';
import { countersOf, endedClean, forwardScenario, shapeOf, type EngineShape, type ForwardCase, type ForwardScenario } from '../../sim/engine';
import { Rng, ZipfSampler, gatherReduce, firstBitDifference } from '../../model';
import { profileArb } from '../axi/helpers';
import { OFFSETS, encode } from '../../rtl/engine-d128/TcastEngine_d128_a32_r32_b4_q16_l3_3_12_g1_w8_m64.regs';

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
  seed: number;
}

/** A binary32 value with a wide exponent; with `specials`, sometimes NaN, ±inf, ±0 or a subnormal. */
function value(rng: Rng, specials: boolean): number {
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
  return { weight, rows: s.rows, dim: s.dim, indices, offsets, includeLastOffset: s.includeLast, paddingIdx: s.pad, mode: s.mode, perSampleWeights };
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

/** Why a run disagrees with the model or ended badly, or undefined. `alone`: the run was this one operation, so the engine's R/W counters must equal the bus's. */
export function runProblem(c: ForwardCase, s: ForwardScenario, r: AxiResult, alone = true): string | undefined {
  if (r.status !== 'ok') return `status ${r.status}: ${r.violation?.message ?? r.failure ?? ''}`;
  const k = countersOf(r);
  if (!endedClean(k)) return `STATUS = 0x${k.status.toString(16)} (want DONE only), ERROR = 0x${k.error.toString(16)}`;
  const m = busOf(r);
  if (m.outstanding !== 0 || r.inFlight.length) return `transactions left open: ${r.inFlight.join('; ')}`;
  const want = gatherReduce({ ...c, mode: c.mode ?? 'sum' }).output;
  const got = s.decode(r);
  const i = firstBitDifference(got, want);
  if (i >= 0) return `output[${Math.floor(i / c.dim)}, ${i % c.dim}] = ${got[i]} (0x${new Uint32Array(got.buffer)[i]!.toString(16)}), model ${want[i]} (0x${new Uint32Array(want.buffer)[i]!.toString(16)})`;
  const g = s.guardBroken(r);
  if (g >= 0) return `output byte ${g} (row padding, past dim) was written`;
  if (alone && (k.wBeats !== m.wBeats || k.rBeats !== m.rBeats)) return `counters R ${k.rBeats} W ${k.wBeats} vs the bus's ${m.rBeats} / ${m.wBeats}`;
  return undefined;
}
