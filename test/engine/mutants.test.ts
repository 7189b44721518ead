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
import { generate } from '../../generator';
import { targetOf } from '../../sim/design';
import { simulateAxi } from '../../sim/axi';
import { runArb, runProblem, runScenario, testEngine, testShape, type EngineRun } from './helpers';
import type { ForwardCase } from '../../sim/engine';

const MUTANTS = { swap: 1, beat: 2, maxtie: 3 } as const;

function mutate(text: string, from: RegExp, to: string, what: string): string {
  if (!from.test(text)) throw new Error(`mutant '${what}': the pattern ${from} is not in the engine's Verilog any more; update the mutant`);
  return text.replace(from, to);
}

export function mutantTarget() {
  const d = generate(testEngine());
  const top = d.modules.find((m) => m.name === d.top)!;
  let t = top.text;
  t = mutate(t, /(module \w+ \(\n)/, '$1  input  wire [3:0] mutant,\n', 'port');
  // 1: a bag's second and third terms swapped: while the held lookup is the bag's second (not its last), an arriving lookup is emitted before it.
  t = mutate(t, /\nendmodule/, `
  reg mut_second;
  wire mut_swap = mutant == 4'd${MUTANTS.swap} && heldValid && mut_second && !heldLast;
  always @(posedge aclk) if (lookGo && !isPad) mut_second <= heldValid && heldFirst && !heldLast && !mut_swap;
endmodule`, 'swap (state)');
  t = mutate(t, /assign tokQ_enq_bits = \{(.*), heldRow\};/, `assign tokQ_enq_bits = {$1, (emitHeld && mut_swap) ? idx_unpack_value : heldRow};`, 'swap (emit)');
  t = mutate(t, /heldRow <= holdLook \? idx_unpack_value : 32'h0;/, `heldRow <= holdLook ? (mut_swap ? heldRow : idx_unpack_value) : 32'h0;`, 'swap (hold)');
  // 2: beat 0 of a burst answered out of order is never written to the reorder buffer.
  t = mutate(t, /if \(rFire\) begin\n(\s+)rob\[/, `if (rFire && !(mutant == 4'd${MUTANTS.beat} && rSlot != headSlot && rCount == 9'd0)) begin\n$1rob[`, 'beat');
  // 3: in every Fp32Max lane, b also wins when it equals a (IEEE equality: same bits, or both zeros).
  t = mutate(t, /(Fp32Max_\w+ lane_max_\d+ \( \/\/ .*\n)/g, '$1    .mutant(mutant),\n', 'maxtie (connect)');
  const maxMod = d.modules.find((m) => m.name.startsWith('Fp32Max'))!;
  let mt = mutate(maxMod.text, /(module \w+ \(\n)/, '$1  input  wire [3:0] mutant,\n', 'maxtie (port)');
  mt = mutate(mt, /assign b_gt_a = (.*);( \/\/.*)/, `assign b_gt_a = ($1) | (mutant == 4'd${MUTANTS.maxtie} && !(a[30:0] > 31'h7f800000) && !(b[30:0] > 31'h7f800000) && (a == b || (a[30:0] == 31'h0 && b[30:0] == 31'h0)));$2`, 'maxtie (compare)');
  d.modules = d.modules.map((m) => (m === top ? { ...m, text: t } : m === maxMod ? { ...m, text: mt } : m));
  d.ports = [...d.ports, { name: 'mutant', dir: 'input', width: 4 }];
  return targetOf(d);
}

/** Max mode over a table of signed zeros and -1: ties between -0 and +0 everywhere. */
function zeroTies(c: ForwardCase): ForwardCase {
  const w = c.weight.map((_, i) => [-0, 0, -1][(i * 7 + (i >> 3)) % 3]!);
  return { ...c, weight: w, mode: 'max', perSampleWeights: null };
}

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
