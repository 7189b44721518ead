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
 *   4 recip: the mean multiplies by 1/n: every lane divider computes
 *            fl(a × fl(1 ÷ n)) instead of fl(a ÷ n) (a wrapper around the real
 *            divider: a shorter Fp32Div for fl(1 ÷ n), then the design's
 *            Fp32Mul, with the same latency)
 *
 * And one for each property the engine's later operations added, caught by
 * that property:
 *   5 nomask: the max-mode backward ignores the argmax (every lookup adds
 *            everywhere), caught by the casted backward property
 *   6 lane0: an index stream that starts mid-beat is unpacked from lane 0
 *            (a table of a batch reads the previous table's last indices),
 *            caught by the batched property
 *   7 argtie: the argmax moves to a later lookup of an equal value (the
 *            pooled value stays right), caught by the argmax check
 *  12 nocheck: START does not check that an optimizer (UPDATE.OPT) comes
 *            with UPDATE.ROWS, caught by the register-check test (the
 *            operation starts and never ends)
 *  14 ahead: a failing read for a batch's next table (its descriptor or
 *            streams, read ahead) ends the START at once, in the running
 *            table, caught by the read-ahead error test
 *  15 bgate: a table of a batch writes before the previous table's writes
 *            are answered, caught by the write-behind error test
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { simulateAxi, type AxiResult, type AxiScenario } from '../../sim/axi';
import { aheadErrorScenario, writeBehindErrorScenario, backwardRun, badProgramProblems, badProgramScenario, batchedArb, batchedRuns, runArb, runProblem, runScenario, testShape, type EngineRun } from './helpers';
import { MUTANTS, MUTANTS_BATCH, MUTANTS_CHECK, MUTANTS_LATER, mutantTarget } from './mutant-target';
import type { ForwardCase } from '../../sim/engine';


/** Max mode over a table of signed zeros and -1: ties between -0 and +0 everywhere. */
function zeroTies(c: ForwardCase): ForwardCase {
  const w = c.weight.map((_, i) => [-0, 0, -1][(i * 7 + (i >> 3)) % 3]!);
  return { ...c, weight: w, mode: 'max', perSampleWeights: null };
}

/** Mode mean (the recip mutant changes nothing else). */
const meanOnly = (c: ForwardCase): ForwardCase => ({ ...c, mode: 'mean', perSampleWeights: null, argmax: false });

describe('engine mutants', () => {
  const target = mutantTarget();
  for (const [name, id] of Object.entries(MUTANTS)) {
    test(`mutant '${name}' is caught by the forward property`, async () => {
      // Bags of several terms, wide exponents, reordering for the beat mutant.
      const arb = runArb(testShape.maxDim).map((r): EngineRun => ({
        ...r,
        spec: { ...r.spec, bags: Math.max(r.spec.bags, 4), maxBag: Math.max(r.spec.maxBag, 6), specials: false },
        profile: id === MUTANTS.beat ? { ...r.profile, reorder: true, maxReads: 8, readJitter: 30 } : r.profile,
      }));
      const runs = fc.sample(arb, { numRuns: 24, seed: 42 + id });
      const built = runs.map((run, i) => runScenario(run, `${name}-${i}`, id === MUTANTS.maxtie ? zeroTies : id === MUTANTS.recip ? meanOnly : undefined));
      for (const b of built) b.s.scenario.script.unshift({ op: 'poke', port: 'mutant', value: id });
      const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
      const problems = rs.map((r, i) => runProblem(built[i]!.c, built[i]!.s, r)).filter((p) => p !== undefined);
      expect(problems.length, `mutant '${name}' survived 24 runs`).toBeGreaterThan(0);
    });
  }
  for (const [name, id] of Object.entries(MUTANTS_LATER)) {
    test(`mutant '${name}' is caught by its property`, async () => {
      let built: { s: { scenario: AxiScenario }; problem(r: AxiResult): string | undefined }[];
      if (id === MUTANTS_LATER.lane0) {
        built = fc.sample(batchedArb(testShape.maxDim), { numRuns: 12, seed: 42 + id }).flatMap((run, i) => batchedRuns(run, i));
      } else {
        const arb = runArb(testShape.maxDim).map((r): EngineRun => ({ ...r, spec: { ...r.spec, mode: 'max', argmax: true, bags: Math.max(r.spec.bags, 4), maxBag: Math.max(r.spec.maxBag, 6), specials: false } }));
        const runs = fc.sample(arb, { numRuns: 24, seed: 42 + id });
        built = id === MUTANTS_LATER.nomask
          ? runs.map((run, i) => backwardRun(run, `${name}-${i}`))
          : runs.map((run, i) => {
            // Rows of few distinct values: ties of equal bits in every bag.
            const { c, s } = runScenario(run, `${name}-${i}`, (x) => ({ ...x, weight: x.weight.map((_, k) => [1, 2, -3][(k * 5 + (k >> 2)) % 3]!), perSampleWeights: null }));
            return { s, problem: (r: AxiResult) => runProblem(c, s, r) };
          });
      }
      for (const b of built) b.s.scenario.script.unshift({ op: 'poke', port: 'mutant', value: id });
      const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
      const problems = rs.map((r, i) => built[i]!.problem(r)).filter((p) => p !== undefined);
      expect(problems.length, `mutant '${name}' survived ${built.length} runs`).toBeGreaterThan(0);
      if (id === MUTANTS_LATER.argtie) expect(problems.every((p) => p.startsWith('argmax')), problems[0]).toBe(true);
    });
  }
  test("mutant 'nocheck' is caught by the register-check test", async () => {
    // The check it drops, broken, with the other checks' cases for company (they still pass under the mutant).
    const x = badProgramScenario(testShape, 'nocheck', (b) => b.cause === 14 || b.cause === 15, 3000);
    x.scenario.script.unshift({ op: 'poke', port: 'mutant', value: MUTANTS_CHECK.nocheck });
    const [r] = await simulateAxi(target, [x.scenario]);
    const problems = badProgramProblems(x, r!);
    expect(problems.length, 'mutant nocheck survived').toBeGreaterThan(0);
    expect(problems[0], problems[0]).toMatch(/^status (script|watchdog|timeout)|bad START 0 \(an optimizer without ROWS\)/);
  });
  test("mutant 'ahead' is caught by the read-ahead error test", async () => {
    const x = aheadErrorScenario('ahead');
    const clean = aheadErrorScenario('ahead-clean');
    x.scenario.script.unshift({ op: 'poke', port: 'mutant', value: MUTANTS_BATCH.ahead });
    const [r, c] = await simulateAxi(target, [x.scenario, clean.scenario]);
    // Ended in table 0, whose output was cut short.
    expect(x.problem(r!), 'mutant ahead survived').toMatch(/"tableAt":0/);
    expect(clean.problem(c!)).toBeUndefined();
  });
  test("mutant 'bgate' is caught by the write-behind error test", async () => {
    const x = writeBehindErrorScenario('bgate');
    const clean = writeBehindErrorScenario('bgate-clean');
    x.scenario.script.unshift({ op: 'poke', port: 'mutant', value: MUTANTS_BATCH.bgate });
    const [r, c] = await simulateAxi(target, [x.scenario, clean.scenario]);
    // Table 1 wrote: the error is then put down to it (the last table that wrote), or its output changed.
    expect(x.problem(r!), 'mutant bgate survived').toMatch(/"tableAt":1}, not|^table 1 wrote its output/);
    expect(clean.problem(c!)).toBeUndefined();
  });
  test('the unmutated selection of the same build passes', async () => {
    const runs = fc.sample(runArb(testShape.maxDim), { numRuns: 12, seed: 7 });
    const built = [
      ...runs.map((run, i) => { const { c, s } = runScenario(run, `clean-${i}`); return { s, problem: (r: AxiResult) => runProblem(c, s, r) }; }),
      ...runs.slice(0, 6).map((run, i) => backwardRun({ ...run, spec: { ...run.spec, mode: 'max' } }, `clean-bwd-${i}`)),
      ...fc.sample(batchedArb(testShape.maxDim), { numRuns: 3, seed: 7 }).flatMap((run, i) => batchedRuns(run, i)),
    ];
    const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
    rs.forEach((r, i) => expect(built[i]!.problem(r), built[i]!.s.scenario.name).toBeUndefined());
  });
});
