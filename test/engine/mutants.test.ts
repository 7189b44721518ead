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
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { generate } from '../../generator';
import { Fp32Div } from '../../generator/stdlib/float/div';
import { targetOf } from '../../sim/design';
import { simulateAxi, type AxiResult, type AxiScenario } from '../../sim/axi';
import { backwardRun, batchedArb, batchedRuns, runArb, runProblem, runScenario, testEngine, testShape, type EngineRun } from './helpers';
import type { ForwardCase } from '../../sim/engine';

const MUTANTS = { swap: 1, beat: 2, maxtie: 3, recip: 4 } as const;
const MUTANTS_LATER = { nomask: 5, lane0: 6, argtie: 7 } as const;

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
  // 7: b_wins (the argmax's choice, not the value's) also where b equals a bit for bit.
  mt = mutate(mt, /(s1_cmp_b_wins <= )b_gt_a;/, `$1b_gt_a | (mutant == 4'd${MUTANTS_LATER.argtie} && a == b);`, 'argtie');
  mt = mutate(mt, /assign b_gt_a = (.*);( \/\/.*)/, `assign b_gt_a = ($1) | (mutant == 4'd${MUTANTS.maxtie} && !(a[30:0] > 31'h7f800000) && !(b[30:0] > 31'h7f800000) && (a == b || (a[30:0] == 31'h0 && b[30:0] == 31'h0)));$2`, 'maxtie (compare)');
  // 5: the mask of the max-mode backward never masks.
  t = mutate(t, /\(maskEn & \((argBeatQ_deq_bits\[\d+:\d+\]) != mPos\)\)/g, `(maskEn & ($1 != mPos) & mutant != 4'd${MUTANTS_LATER.nomask})`, 'nomask');
  // 6: the index stream's first lane is 0 wherever its base lies.
  t = mutate(t, /(idx_unpack_lane <= )(_T_\d+\[\d+:\d+\]);/, `$1mutant == 4'd${MUTANTS_LATER.lane0} ? 2'h0 : $2;`, 'lane0');
  // 4: the lane dividers become fl(a × fl(1 ÷ b)) under the mutant.
  t = mutate(t, /(Fp32Div_\w+ lane_div_\d+ \( \/\/ .*\n)/g, '$1    .mutant(mutant),\n', 'recip (connect)');
  const divMod = d.modules.find((m) => m.name.startsWith('Fp32Div'))!;
  const mulMod = d.modules.find((m) => m.name.startsWith('Fp32Mul'))!;
  const divStages = Number(/_s(\d+)$/.exec(divMod.name)![1]);
  const mulStages = Number(/_s(\d+)$/.exec(mulMod.name)![1]);
  const recip = generate(new Fp32Div({ stages: divStages - mulStages }));
  const recipMod = recip.modules.find((m) => m.name === recip.top)!;
  const exact = `${divMod.name}_exact`;
  const wrapper = `module ${divMod.name} (
  input  wire clock,
  input  wire reset,
  input  wire [3:0] mutant,
  input  wire in_valid,
  input  wire [31:0] a,
  input  wire [31:0] b,
  output wire out_valid,
  output wire [31:0] y
);
  wire [31:0] q;
  wire [31:0] r;
  wire [31:0] prod;
  wire unused_valid;
  wire unused_mul_valid;
  reg [31:0] a_d [0:${divStages - mulStages - 1}];
  integer i;
  always @(posedge clock) begin
    a_d[0] <= a;
    for (i = 1; i < ${divStages - mulStages}; i = i + 1) a_d[i] <= a_d[i - 1];
  end
  ${exact} exact (.clock(clock), .reset(reset), .in_valid(in_valid), .a(a), .b(b), .out_valid(out_valid), .y(q));
  ${recipMod.name} reciprocal (.clock(clock), .reset(reset), .in_valid(in_valid), .a(32'h3f800000), .b(b), .out_valid(unused_valid), .y(r));
  ${mulMod.name} times (.clock(clock), .reset(reset), .in_valid(1'b1), .a(a_d[${divStages - mulStages - 1}]), .b(r), .out_valid(unused_mul_valid), .y(prod));
  assign y = mutant == 4'd${MUTANTS.recip} ? prod : q;
endmodule
`;
  const exactText = mutate(divMod.text, new RegExp(`module ${divMod.name} \\(`), `module ${exact} (`, 'recip (rename)');
  d.modules = d.modules.map((m) => (m === top ? { ...m, text: t } : m === maxMod ? { ...m, text: mt } : m === divMod ? { ...m, text: exactText + wrapper } : m));
  if (!d.modules.some((m) => m.name === recipMod.name)) d.modules.push(recipMod);
  d.ports = [...d.ports, { name: 'mutant', dir: 'input', width: 4 }];
  return targetOf(d);
}

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
