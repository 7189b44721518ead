/**
 * The engine with its kept mutants (one Verilator build for all of them): the
 * mutations are made in the printed Verilog (never hooks in the library), each
 * gated by an extra `mutant` input port; a scenario selects one with the
 * harness's `poke`. The forward mutants are documented in mutants.test.ts, the
 * training ones in train.test.ts.
 */
import { generate } from '../../generator';
import { targetOf } from '../../sim/design';
import { testEngine } from './helpers';

export const MUTANTS = { swap: 1, beat: 2, maxtie: 3, adagradOrder: 4, rowSum: 5, stale: 6 } as const;

function mutate(text: string, from: RegExp, to: string, what: string): string {
  if (!from.test(text)) throw new Error(`mutant '${what}': the pattern ${from} is not in the engine's Verilog any more; update the mutant`);
  return text.replace(from, to);
}

/** The test configuration's Fp32Add latency (the adagradOrder mutant delays by it). */
const cfgAddLatency = () => testEngine().addLatency;

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
  t = mutate(t, /assign tokQ_enq_bits = \{(.*) : heldRow\};/, `assign tokQ_enq_bits = {$1 : ((emitHeld && mut_swap) ? idx_unpack_value : heldRow)};`, 'swap (emit)');
  t = mutate(t, /heldRow <= holdLook \? idx_unpack_value : 32'h0;/, `heldRow <= holdLook ? (mut_swap ? heldRow : idx_unpack_value) : 32'h0;`, 'swap (hold)');
  // 2: beat 0 of a burst answered out of order is never written to the reorder buffer.
  t = mutate(t, /if \(rFire\) begin\n(\s+)rob\[/, `if (rFire && !(mutant == 4'd${MUTANTS.beat} && rSlot != headSlot && rCount == 9'd0)) begin\n$1rob[`, 'beat');
  // 3: in every Fp32Max lane, b also wins when it equals a (IEEE equality: same bits, or both zeros).
  t = mutate(t, /(Fp32Max_\w+ lane_max_\d+ \( \/\/ .*\n)/g, '$1    .mutant(mutant),\n', 'maxtie (connect)');
  const maxMod = d.modules.find((m) => m.name.startsWith('Fp32Max'))!;
  let mt = mutate(maxMod.text, /(module \w+ \(\n)/, '$1  input  wire [3:0] mutant,\n', 'maxtie (port)');
  mt = mutate(mt, /assign b_gt_a = (.*);( \/\/.*)/, `assign b_gt_a = ($1) | (mutant == 4'd${MUTANTS.maxtie} && !(a[30:0] > 31'h7f800000) && !(b[30:0] > 31'h7f800000) && (a == b || (a[30:0] == 31'h0 && b[30:0] == 31'h0)));$2`, 'maxtie (compare)');
  // 6 stale: DONE does not wait for the writes to land (the update unit's queued beats, the writer's bursts
  // and B), so the next operation can read a row before the update's write of it is in memory.
  t = mutate(t, /& ~hq_deq_valid\) & \(owLeft == (\S+)\)\) & ~awValid\) & ~lenQ_deq_valid\) & ~wValid\) & \(bOut == (\S+)\)\)/,
    `& ~(hq_deq_valid & ~mut_stale)) & ((owLeft == $1) | mut_stale)) & ~(awValid & ~mut_stale)) & ~(lenQ_deq_valid & ~mut_stale)) & ~(wValid & ~mut_stale)) & ((bOut == $2) | mut_stale))`, 'stale');
  t = mutate(t, /\nendmodule/, `\n  wire mut_stale = mutant == 4'd${MUTANTS.stale};\nendmodule`, 'stale (wire)');
  t = mutate(t, /(TcastUpdate_\w+ update \( \/\/ .*\n)/, '$1    .mutant(mutant),\n', 'update (connect)');
  const updMod = d.modules.find((m) => m.name.startsWith('TcastUpdate'))!;
  let ut = mutate(updMod.text, /(module \w+ \(\n)/, '$1  input  wire [3:0] mutant,\n', 'update (port)');
  // 4 adagradOrder: Adagrad updates the weight before the state: the weight's sqrt takes the old state
  // (addA's state operand, delayed as long as the add) instead of the new one.
  ut = mutate(ut, /assign upd_sqrt_(\d+)_a = upd_add_a_(\d+)_y;/g, `reg [31:0] mut_old_$1 [0:${cfgAddLatency() - 1}];
  integer mut_k_$1;
  always @(posedge clock) begin mut_old_$1[0] <= upd_add_a_$1_a; for (mut_k_$1 = 1; mut_k_$1 < ${cfgAddLatency()}; mut_k_$1 = mut_k_$1 + 1) mut_old_$1[mut_k_$1] <= mut_old_$1[mut_k_$1 - 1]; end
  assign upd_sqrt_$1_a = (mutant == 4'd${MUTANTS.adagradOrder}) ? mut_old_$1[${cfgAddLatency() - 1}] : upd_add_a_$2_y;`, 'adagradOrder');
  // 5 rowSum: rowwise Adagrad sums the squares out of order (elements 1 and 2 swapped: (g0² + g2²) + g1²).
  ut = mutate(ut, /assign gAt_(\d+) = gbuf\[\{chain_slot_\1, chain_d_\1\[(\d+):(\d+)\]\}\];/g, `wire [16:0] mut_d_$1 = (mutant == 4'd${MUTANTS.rowSum} && dim >= 16'd3 && (chain_d_$1 == 17'd1 || chain_d_$1 == 17'd2)) ? (chain_d_$1 ^ 17'd3) : chain_d_$1;
  assign gAt_$1 = gbuf[{chain_slot_$1, mut_d_$1[$2:$3]}];`, 'rowSum (beat)');
  ut = mutate(ut, /gAt_(\d+) >> \{chain_d_\1\[(\d+):0\], 5'h0\}/g, `gAt_$1 >> {mut_d_$1[$2:0], 5'h0}`, 'rowSum (lane)');
  // 6 stale (in the update unit): idle while its output queues still hold beats the writer has not taken.
  ut = mutate(ut, /& ~wd_queue_deq_valid\) & ~sd_queue_deq_valid;/, `& (~wd_queue_deq_valid | mutant == 4'd${MUTANTS.stale})) & (~sd_queue_deq_valid | mutant == 4'd${MUTANTS.stale});`, 'stale (update idle)');
  d.modules = d.modules.map((m) => (m === top ? { ...m, text: t } : m === maxMod ? { ...m, text: mt } : m === updMod ? { ...m, text: ut } : m));
  d.ports = [...d.ports, { name: 'mutant', dir: 'input', width: 4 }];
  return targetOf(d);
}

