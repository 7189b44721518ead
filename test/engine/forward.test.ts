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
import { simulateAxi } from '../../sim/axi';
import { backwardRun, batchedArb, batchedRuns, engineTarget, runArb, runProblem, runScenario, testShape, type EngineRun } from './helpers';
import { countersOf } from '../../sim/engine';

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
          modes[run.spec.mode]++;
          return backwardRun(run, `bwd-${i}`);
        });
        const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
        rs.forEach((r, i) => {
          const { casted, want } = built[i]!;
          const problem = built[i]!.problem(r);
          if (problem) throw new Error(`backward run ${i} ${JSON.stringify(runs[i])}: grad_values: ${problem}`);
          expect(Array.from(casted.uniqueRows)).toEqual(Array.from(want.rows));
        });
      }),
      { numRuns: 2, seed: seed + 1, endOnFailure: true },
    );
    expect(modes.max, 'max-mode backwards').toBeGreaterThan(5);
  });
});

describe('engine batched tables (TBE descriptors, one START)', () => {
  test(`fast-check: ${2 * BATCH} batched forwards and ${2 * BATCH} batched casted backwards equal the model bit for bit (seed ${seed})`, async () => {
    const totals = { runs: 0, cycles: 0, rBeats: 0, tables: 0, mean: 0, psw: 0, idx64: 0, emptyBatch: 0, unalignedTables: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(batchedArb(testShape.maxDim), { minLength: BATCH / 2, maxLength: BATCH / 2 }), async (runs) => {
        const built = runs.flatMap((run, i) => {
          const pair = batchedRuns(run, i);
          const c = pair[0]!.c;
          totals.runs++;
          totals.tables += run.spec.tables.length;
          if (run.spec.mode === 'mean') totals.mean++;
          if (c.bags.perSampleWeights) totals.psw++;
          if (run.spec.idx64) totals.idx64++;
          if (run.spec.batch === 0) totals.emptyBatch++;
          if (c.bags.tables.some((_, t) => (c.bags.offsets[t * run.spec.batch]! * (run.spec.idx64 ? 8 : 4)) % (testShape.dataBits / 8) !== 0)) totals.unalignedTables++;
          return pair;
        });
        const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
        rs.forEach((r, i) => {
          totals.cycles += countersOf(r).cycles;
          totals.rBeats += countersOf(r).rBeats;
          const problem = built[i]!.problem(r);
          if (problem) throw new Error(`${built[i]!.s.scenario.name} ${JSON.stringify(runs[i >> 1]!.spec)}: ${problem}`);
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
