/**
 * Training on the engine against the golden model (issue 10): random training
 * cases (1-2 batches back to back; workloads of the forward property; SGD,
 * Adagrad, rowwise Adagrad with random lr, eps and state) x random AXI timing
 * profiles x the three paths (casted backward fused with the update; casted
 * backward then the unfused UPDATE; the baseline's EXPAND, COALESCE, UPDATE):
 * every forward output, the weight and the optimizer state after the last
 * batch equal the model's bit for bit (NaN by class), over the whole table
 * (rows not in a batch untouched, row padding never written); grad_rows and
 * grad_values too where the path writes them. Then a multi-step test on hot
 * rows and the kept mutants of the update unit. One Verilator build for the
 * property (the engine's), one for the mutants (shared with mutants.test.ts).
 * The seed is printed; TCAST_TRAIN_SEED=<seed> replays.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { simulateAxi, type TimingProfile } from '../../sim/axi';
import { trainingScenario, TRAIN_PATHS, type TrainCase, type TrainPath } from '../../sim/train';
import { engineTarget, testShape } from './helpers';
import { profileArb } from '../axi/helpers';
import { expectedTraining, makeTrainCase, trainProblem, trainSpecArb } from './train-helpers';
import { MUTANTS_TRAIN, mutantTarget } from './mutant-target';
import { Rng, traffic, type TrafficPath } from '../../model';

const seed = Number(process.env.TCAST_TRAIN_SEED ?? Date.now() % 2 ** 31);
const BATCH = 36; // cases per simulator process; each runs the three paths
const RUNS = 2;

describe('training on the engine', () => {
  const target = engineTarget();
  test(`fast-check: ${RUNS * BATCH * 3} training runs (3 paths x SGD/Adagrad/rowwise Adagrad x timing) equal the model bit for bit (seed ${seed})`, async () => {
    console.log(`engine training property: seed ${seed} (replay: TCAST_TRAIN_SEED=${seed} npx vitest run test/engine/train.test.ts)`);
    const totals: Record<string, number> = { runs: 0, trafficChecked: 0, sgd: 0, adagrad: 0, rowwise_adagrad: 0, twoBatches: 0, keepGrad: 0, lookups: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ spec: trainSpecArb(testShape.maxDim, 2), profile: profileArb, keepGrad: fc.boolean(), skew: fc.array(fc.integer({ min: 0, max: 4095 }), { minLength: 3, maxLength: 3 }) }), { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const built = cases.flatMap((k, i) => {
          const c = makeTrainCase(k.spec);
          const want = expectedTraining(c);
          return TRAIN_PATHS.map((path) => ({ k, c, want, path, s: trainingScenario(c, testShape, { path, keepGrad: k.keepGrad, name: `train-${i}-${path}`, profile: k.profile, skew: k.skew, maxCycles: 2_000_000 }) }));
        });
        const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
        rs.forEach((r, i) => {
          const b = built[i]!;
          const problem = trainProblem(b.c, b.s, r, b.want);
          if (problem) throw new Error(`training run ${i} (${b.path}, ${b.c.optimizer.kind}) ${JSON.stringify(b.k)}: ${problem}`);
          // Bytes on the bus: each batch's backward and update equal the traffic model's exactly.
          if (!(b.path === 'casted' && b.k.keepGrad)) {
            const got = b.s.counters(r);
            const beat = testShape.dataBits / 8;
            b.c.batches.forEach((x, bi) => {
              const ci = b.s.casted[bi]!;
              const ops = b.s.ops.map((o, j) => ({ o, k: got[j]! })).filter(({ o }) => o.batch === bi && o.op !== 'forward');
              const t = traffic((b.path === 'casted' ? 'casted-fused' : b.path) as TrafficPath, {
                n: ci.numLookups, u: ci.uniqueRows.length, bags: ci.numBags, dim: b.c.dim, beatBytes: beat, mode: x.mode ?? 'sum',
                perSampleWeights: !!x.perSampleWeights && (x.mode ?? 'sum') === 'sum', optimizer: b.c.optimizer.kind,
              });
              const rd = ops.reduce((a, { k }) => a + k.rBeats * beat, 0);
              const wr = ops.reduce((a, { k }) => a + k.wBeats * beat, 0);
              if (rd !== t.read || wr !== t.written) throw new Error(`training run ${i} (${b.path}) batch ${bi}: bytes read ${rd} / written ${wr}, traffic model ${t.read} / ${t.written}`);
            });
            totals.trafficChecked!++;
          }
          totals.runs!++;
          totals[b.c.optimizer.kind]!++;
          if (b.c.batches.length > 1) totals.twoBatches!++;
          if (b.k.keepGrad && b.path === 'casted') totals.keepGrad!++;
          totals.lookups! += b.c.batches.reduce((a, x) => a + x.indices.length, 0);
        });
      }),
      { numRuns: RUNS, seed, endOnFailure: true },
    );
    console.log('engine training runs:', JSON.stringify(totals));
    expect(totals.runs).toBe(RUNS * BATCH * 3);
    for (const k of ['sgd', 'adagrad', 'rowwise_adagrad', 'twoBatches', 'keepGrad', 'trafficChecked'] as const) expect(totals[k], k).toBeGreaterThan(5);
  });

  test('multi-step: 4 training steps back to back on 6 hot rows; each forward sees the weights the previous update wrote', async () => {
    const built = TRAIN_PATHS.flatMap((path) => (['sgd', 'adagrad', 'rowwise_adagrad'] as const).map((kind) => {
      const c = hotRowsCase(kind, 11);
      return { c, path, want: expectedTraining(c), s: trainingScenario(c, testShape, { path, name: `steps-${path}-${kind}`, profile: { readLatency: 20, writeLatency: 30, reorder: true, maxWrites: 4, wReady: 0.3 } }) };
    }));
    const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
    rs.forEach((r, i) => expect(trainProblem(built[i]!.c, built[i]!.s, r, built[i]!.want), `${built[i]!.path} ${built[i]!.c.optimizer.kind}`).toBeUndefined());
  });
});

/**
 * Two batches whose segments and bags run past the mutants' engine's token queues and spill (4 per slot + 8 shared):
 * row 0 takes about half of 24 bags of 1..30 lookups (a segment of ~180), rows 1 and 2 a tenth each, the rest of 40
 * rows the others; so the sequencer waits for room in the spill, both slots spill at once, the priority moves
 * between slots, and bags skip the slot of a long one.
 */
function longSegmentsCase(kind: 'sgd' | 'adagrad' | 'rowwise_adagrad', seed: number, dim = 5): TrainCase {
  const rng = new Rng(seed);
  const rows = 40;
  const weight = new Float32Array(rows * dim).map(() => Math.fround(rng.float() * 2 - 1));
  const batches = Array.from({ length: 2 }, () => {
    const bags = 24;
    const idx: number[] = [];
    const offs: number[] = [];
    for (let b = 0; b < bags; b++) {
      offs.push(idx.length);
      for (let k = 1 + rng.int(30); k > 0; k--) {
        const x = rng.float();
        idx.push(x < 0.5 ? 0 : x < 0.6 ? 1 : x < 0.7 ? 2 : 3 + rng.int(rows - 3));
      }
    }
    return { indices: Int32Array.from(idx), offsets: Int32Array.from(offs), gradOutput: new Float32Array(bags * dim).map(() => Math.fround(rng.float() * 2 - 1)) };
  });
  const lr = 0.05, eps = 1e-6;
  return { weight, rows, dim, optimizer: kind === 'sgd' ? { kind, lr } : { kind, lr, eps }, state: null, batches };
}

/** Long segments and bags on every path (the fused one with and without KEEP_GRAD), forward included. */
const longCases = (): { c: TrainCase; path: TrainPath; profile?: TimingProfile; keepGrad?: boolean }[] => [
  ...TRAIN_PATHS.map((path, i) => ({ c: longSegmentsCase('rowwise_adagrad', 31 + i), path, profile: { readLatency: 8, writeLatency: 8, maxReads: 8 } })),
  // dim 7: rows of 2 beats on the test engine (fewer than the adder's latency), so the spill is on here too.
  { c: longSegmentsCase('adagrad', 41, 7), path: 'casted' as const, keepGrad: true, profile: { readLatency: 2, writeLatency: 3, reorder: true } },
  { c: longSegmentsCase('sgd', 43), path: 'casted' as const, profile: { readLatency: 30, writeLatency: 5, reorder: true } },
];

/** Steps whose batches all look up rows 0..5 of a 9-row table, many times each. */
function hotRowsCase(kind: 'sgd' | 'adagrad' | 'rowwise_adagrad', seed: number, dim = 37): TrainCase {
  const rng = new Rng(seed);
  const rows = 9;
  const weight = new Float32Array(rows * dim).map(() => Math.fround(rng.float() * 2 - 1));
  const batches = Array.from({ length: 4 }, () => {
    const bags = 5;
    const idx: number[] = [];
    const offs: number[] = [];
    for (let b = 0; b < bags; b++) { offs.push(idx.length); for (let k = 0; k < 4; k++) idx.push(rng.int(6)); }
    return { indices: Int32Array.from(idx), offsets: Int32Array.from(offs), gradOutput: new Float32Array(bags * dim).map(() => Math.fround(rng.float() * 2 - 1)) };
  });
  const lr = 0.05, eps = 1e-6;
  return { weight, rows, dim, optimizer: kind === 'sgd' ? { kind, lr } : { kind, lr, eps }, state: null, batches };
}

/**
 * Random fused training cases (1-2 batches, every optimizer, KEEP_GRAD on half) with several bags of uneven length:
 * on the mutants' engine (2 bag slots) their segments leave the reducer out of order.
 */
const interleavedCases = () => fc.sample(fc.record({
  spec: trainSpecArb(testShape.maxDim, 2).map((s) => ({ ...s, batches: s.batches.map((b) => ({ ...b, bags: Math.max(6, b.bags), maxBag: Math.max(8, b.maxBag), rows: Math.max(12, b.rows) })) })),
  profile: profileArb, keepGrad: fc.boolean(),
}), { numRuns: 24, seed: 11 }).map((k) => ({ c: makeTrainCase(k.spec), path: 'casted' as const, profile: k.profile, keepGrad: k.keepGrad }));

describe('training mutants', () => {
  const target = mutantTarget();
  const run = async (id: number, cases: { c: TrainCase; path: TrainPath; profile?: TimingProfile; keepGrad?: boolean }[]) => {
    const built = cases.map((x, i) => ({ ...x, want: expectedTraining(x.c), s: trainingScenario(x.c, testShape, { path: x.path, keepGrad: x.keepGrad, name: `mut-${id}-${i}`, profile: x.profile }) }));
    for (const b of built) b.s.scenario.script.unshift({ op: 'poke', port: 'mutant', value: id });
    const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
    return rs.map((r, i) => trainProblem(built[i]!.c, built[i]!.s, r, built[i]!.want));
  };
  test("mutant 'adagradOrder' (Adagrad updates the weight before the state) is caught", async () => {
    const problems = await run(MUTANTS_TRAIN.adagradOrder, [{ c: hotRowsCase('adagrad', 3), path: 'casted' }, { c: hotRowsCase('adagrad', 4), path: 'baseline' }]);
    expect(problems.every((p) => p !== undefined), String(problems)).toBe(true);
  });
  test("mutant 'rowSum' (rowwise Adagrad sums the squares out of order) is caught", async () => {
    // Random rowwise cases (wide exponents: the three-term sums round differently in the other order).
    const specs = fc.sample(trainSpecArb(testShape.maxDim, 1).map((s) => ({ ...s, kind: 'rowwise_adagrad' as const, batches: s.batches.map((b) => ({ ...b, dim: Math.max(3, b.dim), bags: Math.max(4, b.bags), maxBag: Math.max(4, b.maxBag) })) })), { numRuns: 40, seed: 5 });
    const cases = [...specs.map((s) => ({ c: { ...makeTrainCase(s), state: null }, path: 'casted' as const })), ...[1, 2, 3, 4, 5, 6].map((k) => ({ c: hotRowsCase('rowwise_adagrad', 20 + k, 3 + 7 * k), path: 'casted-unfused' as const }))];
    const problems = await run(MUTANTS_TRAIN.rowSum, cases);
    expect(problems.some((p) => p !== undefined), String(problems)).toBe(true);
  });
  test("mutant 'stale' (DONE before the update's writes land: the next operation reads a stale row) is caught", async () => {
    const slowW: TimingProfile = { readLatency: 1, writeLatency: 1, wReady: 0.05, maxWrites: 8 };
    const problems = await run(MUTANTS_TRAIN.stale, TRAIN_PATHS.map((path) => ({ c: hotRowsCase('sgd', 5), path, profile: slowW })));
    expect(problems.some((p) => p !== undefined), String(problems)).toBe(true);
  });
  test("mutant 'ridOrder' (the fused update takes the row ids in segment order, not in the order the segments leave the interleaved reducer) is caught", async () => {
    const problems = await run(MUTANTS_TRAIN.ridOrder, interleavedCases());
    expect(problems.some((p) => p !== undefined), String(problems)).toBe(true);
  });
  test("mutant 'spillOrder' (a slot's token overtakes its earlier tokens still in the spill) is caught", async () => {
    const problems = await run(MUTANTS_TRAIN.spillOrder, longCases());
    expect(problems.some((p) => p !== undefined), String(problems)).toBe(true);
  });
  test('the unmutated selection of the same build passes (the fused path with 2 bag slots: segments out of order; segments and bags longer than the token queue and the spill)', async () => {
    const problems = await run(0, [
      ...TRAIN_PATHS.map((path) => ({ c: hotRowsCase('rowwise_adagrad', 9), path, profile: { readLatency: 1, writeLatency: 1, wReady: 0.05, maxWrites: 8 } })),
      ...interleavedCases(),
      ...longCases(),
    ]);
    expect(problems).toEqual(problems.map(() => undefined));
  });
});
