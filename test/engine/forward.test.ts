/**
 * The engine's forward gather-reduce against the golden model: random
 * workloads (sum, mean, max; per_sample_weights; rows, dims that are not a multiple of the lanes, empty and
 * all-padding bags, repeated rows, uniform and Zipf indices, int32/int64,
 * include_last_offset, padding_idx, NaN/inf/-0/subnormals) x random AXI
 * timing profiles (latency, jitter, reordering, interleaving, in-flight caps,
 * READY stalls, R/B back-pressure from the THROTTLE register). Bit for bit
 * (NaN by class), 0 protocol violations, nothing left open. One Verilator
 * build; each batch of runs is one harness process. The fast-check seed is
 * printed; TCAST_ENGINE_SEED=<seed> replays a failing run.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { simulateAxi, type AxiResult } from '../../sim/axi';
import { engineTarget, makeCase, runArb, runProblem, runScenario, testShape, value, type EngineRun } from './helpers';
import {
  castIndices, backwardCasted, gatherReduce, Rng, prepareBatched, castBatchedPrepared, gatherReduceBatchedPrepared, castedGatherReduceBatched, firstBitDifference,
} from '../../model';
import { castedBackwardCase, countersOf, endedClean, forwardScenario } from '../../sim/engine';
import { batchedBackwardScenario, batchedForwardScenario, type BatchedScenario } from '../../sim/batched';

const target = engineTarget();
const BATCH = 40;
const RUNS = 8;
const seed = Number(process.env.TCAST_ENGINE_SEED ?? Date.now() % 2 ** 31);

describe('engine forward through the AXI memory model', () => {
  test(`fast-check: ${RUNS * BATCH} random workloads x timing profiles equal the model bit for bit (seed ${seed})`, async () => {
    console.log(`engine forward property: seed ${seed} (replay: TCAST_ENGINE_SEED=${seed} npx vitest run test/engine/forward.test.ts)`);
    const totals = { sum: 0, mean: 0, max: 0, argmax: 0, psw: 0, idx64: 0, includeLast: 0, padding: 0, runs: 0, lookups: 0, bags: 0, reorders: 0, interleaves: 0, rStall: 0, bStall: 0, arStall: 0, wStall: 0, cross4k: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(runArb(testShape.maxDim), { minLength: BATCH, maxLength: BATCH }), async (runs: EngineRun[]) => {
        const built = runs.map((run, i) => runScenario(run, `run-${i}`));
        const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
        rs.forEach((r, i) => {
          const { c, s } = built[i]!;
          const problem = runProblem(c, s, r);
          if (problem) throw new Error(`run ${i} ${JSON.stringify(runs[i])}: ${problem}`);
          const m = r.counters.m_axi!;
          totals.runs++;
          totals[c.mode ?? 'sum']++;
          if (c.perSampleWeights) totals.psw++;
          if (c.argmax) totals.argmax++;
          if (c.indices instanceof BigInt64Array) totals.idx64++;
          if (c.includeLastOffset) totals.includeLast++;
          if (c.paddingIdx !== null && c.paddingIdx !== undefined) totals.padding++;
          totals.lookups += c.indices.length;
          totals.bags += s.layout.numBags;
          totals.reorders += m.reorders ?? 0;
          totals.interleaves += m.interleaves ?? 0;
          totals.rStall += m.r.stall;
          totals.bStall += m.b.stall;
          totals.arStall += m.ar.stall;
          totals.wStall += m.w.stall;
          const l = s.layout;
          for (let row = 0; row < c.rows; row++) if ((l.table + row * l.rowStride) >> 12 !== (l.table + (row + 1) * l.rowStride - 1) >> 12) { totals.cross4k++; break; }
        });
      }),
      { numRuns: RUNS, seed, endOnFailure: true },
    );
    console.log('engine forward runs:', JSON.stringify(totals));
    expect(totals.runs).toBe(RUNS * BATCH);
    for (const k of ['sum', 'mean', 'max', 'argmax', 'psw', 'idx64', 'includeLast', 'padding'] as const) expect(totals[k], k).toBeGreaterThan(10);
    expect(totals.reorders).toBeGreaterThan(0);
    expect(totals.interleaves).toBeGreaterThan(0);
    expect(totals.rStall).toBeGreaterThan(0);
    expect(totals.bStall).toBeGreaterThan(0);
    expect(totals.arStall).toBeGreaterThan(0);
    expect(totals.wStall).toBeGreaterThan(0);
    expect(totals.cross4k).toBeGreaterThan(0);
  });
});

describe('engine casted backward', () => {
  test(`fast-check: ${2 * BATCH} casted backwards (sum, sum + psw, mean, max masked by the argmax) equal the model's grad_rows and grad_values bit for bit (seed ${seed})`, async () => {
    const modes = { sum: 0, mean: 0, max: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(runArb(testShape.maxDim), { minLength: BATCH, maxLength: BATCH }), async (runs: EngineRun[]) => {
        const built = runs.map((run, i) => {
          const mode = run.spec.mode;
          modes[mode]++;
          const c = makeCase(run.spec);
          const rng = new Rng(run.spec.seed ^ 0x5bd1e995);
          const g = new Float32Array(c.offsets.length * c.dim).map(() => Math.fround((rng.float() * 2 - 1) * 2 ** (rng.int(30) - 15)));
          const numBags = c.includeLastOffset ? Math.max(0, c.offsets.length - 1) : c.offsets.length;
          const grad = g.subarray(0, numBags * c.dim);
          const casted = castIndices({ ...c, mode });
          const want = backwardCasted({ ...c, mode, gradOutput: grad });
          const argmaxPos = mode === 'max' ? gatherReduce({ ...c, mode }).argmaxPos : null;
          const bc = castedBackwardCase(casted, grad, c.dim, { argmaxPos });
          const s = forwardScenario(bc, testShape, { name: `bwd-${i}`, profile: run.profile, skew: run.skew, maxCycles: 2_000_000 });
          return { bc, s, casted, want };
        });
        const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
        rs.forEach((r, i) => {
          const { bc, s, casted, want } = built[i]!;
          const problem = runProblem(bc, s, r, true, want.values);
          if (problem) throw new Error(`backward run ${i} ${JSON.stringify(runs[i])}: grad_values: ${problem}`);
          expect(Array.from(casted.uniqueRows)).toEqual(Array.from(want.rows));
        });
      }),
      { numRuns: 2, seed: seed + 1, endOnFailure: true },
    );
    expect(modes.max, 'max-mode backwards').toBeGreaterThan(5);
  });
});

interface BatchedSpec {
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

const batchedArb = (maxDim: number) => fc.record({
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
function makeBatched(s: BatchedSpec) {
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
function batchedProblem(s: BatchedScenario, r: AxiResult, want: Float32Array[]): string | undefined {
  if (r.status !== 'ok') return `status ${r.status}: ${r.violation?.message ?? r.failure ?? ''}`;
  const k = countersOf(r);
  if (!endedClean(k)) return `STATUS = 0x${k.status.toString(16)}, ERROR = 0x${k.error.toString(16)}`;
  const m = r.counters.m_axi!;
  if (m.outstanding !== 0 || r.inFlight.length) return `transactions left open: ${r.inFlight.join('; ')}`;
  const got = s.decode(r);
  for (const [t, w] of want.entries()) {
    const i = firstBitDifference(got[t]!, w);
    if (i >= 0) return `result ${t} element ${i} = ${got[t]![i]}, model ${w[i]}`;
  }
  const gb = s.guardBroken(r);
  if (gb >= 0) return `output byte ${gb} (row padding) was written`;
  if (k.wBeats !== m.w.beats || k.rBeats !== m.r.beats) return `counters R ${k.rBeats} W ${k.wBeats} vs the bus's ${m.r.beats} / ${m.w.beats}`;
  return undefined;
}

describe('engine batched tables (TBE descriptors, one START)', () => {
  test(`fast-check: ${2 * BATCH} batched forwards and ${2 * BATCH} batched casted backwards equal the model bit for bit (seed ${seed})`, async () => {
    const totals = { runs: 0, cycles: 0, rBeats: 0, tables: 0, mean: 0, psw: 0, idx64: 0, emptyBatch: 0, unalignedTables: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(batchedArb(testShape.maxDim), { minLength: BATCH / 2, maxLength: BATCH / 2 }), async (runs) => {
        const built = runs.flatMap((run, i) => {
          const c = makeBatched(run.spec);
          const casted = castBatchedPrepared(c.bags);
          const opts = { profile: run.profile, skew: run.skew, maxCycles: 2_000_000 };
          totals.runs++;
          totals.tables += run.spec.tables.length;
          if (run.spec.mode === 'mean') totals.mean++;
          if (c.bags.perSampleWeights) totals.psw++;
          if (run.spec.idx64) totals.idx64++;
          if (run.spec.batch === 0) totals.emptyBatch++;
          if (c.bags.tables.some((_, t) => (c.bags.offsets[t * run.spec.batch]! * (run.spec.idx64 ? 8 : 4)) % (testShape.dataBits / 8) !== 0)) totals.unalignedTables++;
          return [
            { s: batchedForwardScenario(c, testShape, { ...opts, name: `tbe-fwd-${i}` }), want: [gatherReduceBatchedPrepared(c.bags, c.weights)], run },
            { s: batchedBackwardScenario({ bags: c.bags, casted, gradOutput: c.g }, testShape, { ...opts, name: `tbe-bwd-${i}` }), want: castedGatherReduceBatched(c.bags, casted, c.g).map((x) => x.values), run },
          ];
        });
        const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
        rs.forEach((r, i) => {
          totals.cycles += countersOf(r).cycles;
          totals.rBeats += countersOf(r).rBeats;
          const problem = batchedProblem(built[i]!.s, r, built[i]!.want);
          if (problem) throw new Error(`${built[i]!.s.scenario.name} ${JSON.stringify(built[i]!.run.spec)}: ${problem}`);
        });
      }),
      { numRuns: 4, seed: seed + 2, endOnFailure: true },
    );
    console.log('engine batched runs:', JSON.stringify(totals));
    expect(totals.runs).toBe(2 * BATCH);
    for (const k of ['mean', 'psw', 'idx64', 'unalignedTables'] as const) expect(totals[k], k).toBeGreaterThan(3);
    expect(totals.tables).toBeGreaterThan(2 * BATCH);
  });
});
