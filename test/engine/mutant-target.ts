/**
 * The engine with its kept mutants (one Verilator build for all of them): the
 * mutations are made in the printed Verilog (never hooks in the library), each
 * gated by an extra `mutant` input port; a scenario selects one with the
 * harness's `poke`. The forward and backward mutants are documented in
 * mutants.test.ts, the training ones in train.test.ts.
 */
import { generate } from '../../generator';
import { Fp32Div } from '../../generator/stdlib/float/div';
import { targetOf } from '../../sim/design';
import { TcastEngine } from '../../accel/engine/engine';
import { ENGINE_CONFIGS, ENGINE_TEST_CONFIG } from '../../designs/engine';

/**
 * The mutants' engine: the test configuration with 2 bag slots interleaved (token queues of 4, a spill of 8), so that
 * the fused update's segments leave the reducer out of order (the ridOrder mutant) and long ones spill (spillOrder);
 * its shape is the test configuration's (testShape).
 */
export const mutantEngine = () => new TcastEngine({ ...ENGINE_CONFIGS[ENGINE_TEST_CONFIG]!, bags: 2, tokenDepth: 4, spillDepth: 8 });

/** The mutants' engine's Fp32Add latency (the adagradOrder mutant delays by it). */
const cfgAddLatency = () => mutantEngine().addLatency;

export const MUTANTS = { swap: 1, beat: 2, maxtie: 3, recip: 4 } as const;
export const MUTANTS_LATER = { nomask: 5, lane0: 6, argtie: 7 } as const;
/** The training mutants (test/engine/train.test.ts). */
export const MUTANTS_TRAIN = { adagradOrder: 8, rowSum: 9, stale: 10, ridOrder: 11, spillOrder: 13 } as const;
/** The register checks' mutant (test/engine/mutants.test.ts). */
export const MUTANTS_CHECK = { nocheck: 12 } as const;
/** The batched tables' read-ahead mutant (test/engine/mutants.test.ts). */
export const MUTANTS_BATCH = { ahead: 14, bgate: 15 } as const;

function mutate(text: string, from: RegExp, to: string, what: string): string {
  if (!from.test(text)) throw new Error(`mutant '${what}': the pattern ${from} is not in the engine's Verilog any more; update the mutant`);
  return text.replace(from, to);
}

export function mutantTarget() {
  const d = generate(mutantEngine());
  const top = d.modules.find((m) => m.name === d.top)!;
  let t = top.text;
  t = mutate(t, /(module \w+ \(\n)/, '$1  input  wire [3:0] mutant,\n', 'port');
  // 1: a bag's second and third terms swapped: while the held lookup is the bag's second (not its last), an arriving lookup is emitted before it.
  t = mutate(t, /\nendmodule/, `
  reg mut_second;
  wire mut_swap = mutant == 4'd${MUTANTS.swap} && heldValid && mut_second && !heldLast;
  always @(posedge aclk) if (lookGo && !isPad) mut_second <= heldValid && heldFirst && !heldLast && !mut_swap;
endmodule`, 'swap (state)');
  t = mutate(t, /assign tokQ_enq_bits = \{(.*) : heldRow, heldRid\};/, `assign tokQ_enq_bits = {$1 : ((emitHeld && mut_swap) ? idx_unpack_value : heldRow), heldRid};`, 'swap (emit)');
  t = mutate(t, /heldRow <= holdLook \? idx_unpack_value : 32'h0;/, `heldRow <= holdLook ? (mut_swap ? heldRow : idx_unpack_value) : 32'h0;`, 'swap (hold)');
  // 2: beat 0 of a burst answered out of order is never written to the reorder buffer.
  t = mutate(t, /if \(rFire\) begin\n(\s+)rob\[/, `if (rFire && !(mutant == 4'd${MUTANTS.beat} && rSlot != headSlot && rCount == 9'd0)) begin\n$1rob[`, 'beat');
  // 3: in every Fp32Max lane, b also wins when it equals a (IEEE equality: same bits, or both zeros).
  t = mutate(t, /(Fp32Max_\w+ lane_max_\d+ \( \/\/ .*\n)/g, '$1    .mutant(mutant),\n', 'maxtie (connect)');
  const maxMod = d.modules.find((m) => m.name.startsWith('Fp32Max'))!;
  let mt = mutate(maxMod.text, /(module \w+ \(\n)/, '$1  input  wire [3:0] mutant,\n', 'maxtie (port)');
  // 7: b_wins (the argmax's choice, not the value's) also where b equals a bit for bit.
  mt = mutate(mt, /(s1_cmp_b_wins <= )b_gt_a;/, `$1b_gt_a | (mutant == 4'd${MUTANTS_LATER.argtie} && a == b);`, 'argtie');
  mt = mutate(mt, /( )b_gt_a = (.*);( \/\/.*)/, `$1b_gt_a = ($2) | (mutant == 4'd${MUTANTS.maxtie} && !(a[30:0] > 31'h7f800000) && !(b[30:0] > 31'h7f800000) && (a == b || (a[30:0] == 31'h0 && b[30:0] == 31'h0)));$3`, 'maxtie (compare)');
  // 5: the mask of the max-mode backward never masks.
  t = mutate(t, /\(maskEn & \((argBeatQ_deq_bits\[\d+:\d+\]) != mPos\)\)/g, `(maskEn & ($1 != mPos) & mutant != 4'd${MUTANTS_LATER.nomask})`, 'nomask');
  // 6: the index stream's first lane is 0 wherever its base lies (at an operation's start, and armed ahead for a batch's next table).
  t = mutate(t, /(assign (?:next_)?idx_first_lane = )([^;]+);/g, `$1mutant == 4'd${MUTANTS_LATER.lane0} ? ($2) ^ ($2) : $2;`, 'lane0');
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
  // 10 stale: DONE does not wait for the writes to land (the update unit's queued beats, the writer's bursts
  // and B), so the next operation can read a row before the update's write of it is in memory.
  t = mutate(t, /& ~awBagQ_deq_valid\) & \(owLeft == (\S+)\)\) & ~awValid\) & ~lenQ_deq_valid\) & ~wValid\)/,
    `& ~(awBagQ_deq_valid & ~mut_stale)) & ((owLeft == $1) | mut_stale)) & ~(awValid & ~mut_stale)) & ~(lenQ_deq_valid & ~mut_stale)) & ~(wValid & ~mut_stale))`, 'stale (writes issued)');
  t = mutate(t, /(assign quiet = .*)& \(bOut == (\S+)\)\)/, `$1& ((bOut == $2) | mut_stale))`, 'stale (writes answered)');
  t = mutate(t, /\nendmodule/, `\n  wire mut_stale = mutant == 4'd${MUTANTS_TRAIN.stale};\nendmodule`, 'stale (wire)');
  // 11 ridOrder: the fused update takes each segment's row id in segment order (at the segment's entry, as when
  // every segment went through one token queue) instead of with its last token, so a segment that leaves the
  // reducer ahead of an earlier one (another bag slot) is applied to that one's row.
  t = mutate(t, /assign ridUQ_enq_valid = unfused \? emTake : segOut;/, 'assign ridUQ_enq_valid = unfused ? emTake : (mut_rid ? (entry & rowsOn & fusedOpt) : segOut);', 'ridOrder (valid)');
  t = mutate(t, /assign ridUQ_enq_bits = unfused \? (\{updU, rid_unpack_value\}) : (\{.*\});/, 'assign ridUQ_enq_bits = unfused ? $1 : (mut_rid ? {bagIdx, rid_unpack_value} : $2);', 'ridOrder (bits)');
  t = mutate(t, /assign entry = \(atBoundary & endOk\) & segRidOk;/, 'assign entry = ((atBoundary & endOk) & segRidOk) & (~mut_rid | ~fusedOpt | ridUQ_enq_ready);', 'ridOrder (room)');
  t = mutate(t, /\nendmodule/, `\n  wire mut_rid = mutant == 4'd${MUTANTS_TRAIN.ridOrder};\nendmodule`, 'ridOrder (wire)');
  // 13 spillOrder: a token goes straight to its slot's queue whenever that has room, although the slot's earlier
  // tokens are still in the spill (they then arrive after it, or collide with it).
  t = mutate(t, /assign tok_slot_spilled = (.*);( \/\/.*)/, `assign tok_slot_spilled = ($1) & ~mut_spill;$2`, 'spillOrder');
  t = mutate(t, /\nendmodule/, `\n  wire mut_spill = mutant == 4'd${MUTANTS_TRAIN.spillOrder};\nendmodule`, 'spillOrder (wire)');
  t = mutate(t, /(TcastUpdate_\w+ update \( \/\/ .*\n)/, '$1    .mutant(mutant),\n', 'update (connect)');
  const updMod = d.modules.find((m) => m.name.startsWith('TcastUpdate'))!;
  let ut = mutate(updMod.text, /(module \w+ \(\n)/, '$1  input  wire [3:0] mutant,\n', 'update (port)');
  // 8 adagradOrder: Adagrad updates the weight before the state: the weight's sqrt takes the old state
  // (addA's state operand, delayed as long as the add) instead of the new one.
  ut = mutate(ut, /assign upd_sqrt_(\d+)_a = upd_add_a_(\d+)_y;/g, `reg [31:0] mut_old_$1 [0:${cfgAddLatency() - 1}];
  integer mut_k_$1;
  always @(posedge clock) begin mut_old_$1[0] <= upd_add_a_$1_a; for (mut_k_$1 = 1; mut_k_$1 < ${cfgAddLatency()}; mut_k_$1 = mut_k_$1 + 1) mut_old_$1[mut_k_$1] <= mut_old_$1[mut_k_$1 - 1]; end
  assign upd_sqrt_$1_a = (mutant == 4'd${MUTANTS_TRAIN.adagradOrder}) ? mut_old_$1[${cfgAddLatency() - 1}] : upd_add_a_$2_y;`, 'adagradOrder');
  // 9 rowSum: rowwise Adagrad sums the squares out of order (elements 1 and 2 swapped: (g0² + g2²) + g1²).
  ut = mutate(ut, /assign gAt_(\d+) = gbuf\[\{chain_slot_\1, chain_d_\1\[(\d+):(\d+)\]\}\];/g, `wire [16:0] mut_d_$1 = (mutant == 4'd${MUTANTS_TRAIN.rowSum} && dim >= 16'd3 && (chain_d_$1 == 17'd1 || chain_d_$1 == 17'd2)) ? (chain_d_$1 ^ 17'd3) : chain_d_$1;
  assign gAt_$1 = gbuf[{chain_slot_$1, mut_d_$1[$2:$3]}];`, 'rowSum (beat)');
  ut = mutate(ut, /gAt_(\d+) >> \{chain_d_\1\[(\d+):0\], 5'h0\}/g, `gAt_$1 >> {mut_d_$1[$2:0], 5'h0}`, 'rowSum (lane)');
  // 10 stale (in the update unit): idle while its output queues still hold beats the writer has not taken.
  ut = mutate(ut, /& ~wd_queue_deq_valid\) & ~sd_queue_deq_valid;/, `& (~wd_queue_deq_valid | mutant == 4'd${MUTANTS_TRAIN.stale})) & (~sd_queue_deq_valid | mutant == 4'd${MUTANTS_TRAIN.stale});`, 'stale (update idle)');
  // The recip wrapper gives every Fp32Div a mutant port: the update unit's dividers get it too.
  ut = mutate(ut, new RegExp(`(${divMod.name} \\w+ \\( \\/\\/ .*\\n)`, 'g'), '$1    .mutant(mutant),\n', 'recip (update unit dividers)');
  // 14 ahead: a failing read for the next table of a batch (read ahead) ends the START at once, in the running table.
  t = mutate(t, /assign rErrAhead = ([^;]+);/, `assign rErrAhead = ($1) & (mutant != 4'd${MUTANTS_BATCH.ahead});`, 'ahead');
  // 15 bgate: a table of a batch writes before the answers to the previous table's writes are in.
  t = mutate(t, /& \(bPrev == (\S+)\);/, `& ((bPrev == $1) | mutant == 4'd${MUTANTS_BATCH.bgate});`, 'bgate');
  // 12 nocheck: START no longer checks that an optimizer comes with UPDATE.ROWS (the fused path then waits for row ids forever).
  t = mutate(t, /assign check_14_update = ([^;]+);/, `assign check_14_update = ($1) & (mutant != 4'd${MUTANTS_CHECK.nocheck});`, 'nocheck');
  d.modules = d.modules.map((m) => (m === top ? { ...m, text: t } : m === maxMod ? { ...m, text: mt } : m === divMod ? { ...m, text: exactText + wrapper } : m === updMod ? { ...m, text: ut } : m));
  if (!d.modules.some((m) => m.name === recipMod.name)) d.modules.push(recipMod);
  d.ports = [...d.ports, { name: 'mutant', dir: 'input', width: 4 }];
  return targetOf(d);
}
