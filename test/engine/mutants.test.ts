/**
 * Kept mutants of the engine, each caught by the forward property. The
 * mutations are made in the printed Verilog (never hooks in the library), each
 * gated by an extra `mutant` input port so that one Verilator build serves them
 * all; a scenario selects one with the harness's `poke`.
 *
 *   1 swap:  the reducer receives the second and third terms of a bag
 *            swapped (the sequencer emits the third lookup before the second;
 *            swapping the first two would not change a sum: +0 + a + b = +0 + b + a)
 *   2 beat:  the row fetch loses beat 0 of a burst answered while an older
 *            burst is still in the reorder buffer (reordering)
 *   3 maxtie: max mode lets a later equal value win (in the Fp32Max lanes;
 *            visible in the pooled values as -0 then +0 giving +0)
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { simulateAxi } from '../../sim/axi';
import { runArb, runProblem, runScenario, testShape, type EngineRun } from './helpers';
import { MUTANTS, mutantTarget } from './mutant-target';
import type { ForwardCase } from '../../sim/engine';

/** Max mode over a table of signed zeros and -1: ties between -0 and +0 everywhere. */
function zeroTies(c: ForwardCase): ForwardCase {
  const w = c.weight.map((_, i) => [-0, 0, -1][(i * 7 + (i >> 3)) % 3]!);
  return { ...c, weight: w, mode: 'max', perSampleWeights: null };
}

describe('engine mutants', () => {
  const target = mutantTarget();
  for (const [name, id] of Object.entries(MUTANTS).filter(([, id]) => id <= MUTANTS.maxtie)) {
    test(`mutant '${name}' is caught by the forward property`, async () => {
      // Bags of several terms, wide exponents, reordering for the beat mutant.
      const arb = runArb(testShape.maxDim).map((r): EngineRun => ({
        ...r,
        spec: { ...r.spec, bags: Math.max(r.spec.bags, 4), maxBag: Math.max(r.spec.maxBag, 6), specials: false },
        profile: id === MUTANTS.beat ? { ...r.profile, reorder: true, maxReads: 8, readJitter: 30 } : r.profile,
      }));
      const runs = fc.sample(arb, { numRuns: 24, seed: 42 + id });
      const built = runs.map((run, i) => runScenario(run, `${name}-${i}`, id === MUTANTS.maxtie ? zeroTies : undefined));
      for (const b of built) b.s.scenario.script.unshift({ op: 'poke', port: 'mutant', value: id });
      const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
      const problems = rs.map((r, i) => runProblem(built[i]!.c, built[i]!.s, r)).filter((p) => p !== undefined);
      expect(problems.length, `mutant '${name}' survived 24 runs`).toBeGreaterThan(0);
    });
  }
  test('the unmutated selection of the same build passes', async () => {
    const runs = fc.sample(runArb(testShape.maxDim), { numRuns: 12, seed: 7 });
    const built = runs.map((run, i) => runScenario(run, `clean-${i}`));
    const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
    rs.forEach((r, i) => expect(runProblem(built[i]!.c, built[i]!.s, r)).toBeUndefined());
  });
});
