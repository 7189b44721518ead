/**
 * One Verilator build for every type the engine needs: the shipped
 * configurations of designs/types.ts (memories of bundles, Vecs and
 * byte lanes with write masks; Vec writes and reads at a hardware index; an
 * Enum-typed FSM; the stream combinators; an AXI4 register slice), side by
 * side with a mutant copy of four of them. A mutant is the same module
 * printed under another name, with one line of its Verilog changed here in
 * the test with test/mutate.ts (the library has no hook for it).
 */
import { Module, generate, type VerilogDesign } from '../../generator';
import { mutateVerilog } from '../mutate';
import { SideBySide } from '../side-by-side';
import { Axi4Slice } from '../../generator/stdlib/axi';
import { DynamicVec, EnumFsm, StreamCombinators, TypedMemories } from '../../designs/types';
import { targetOf } from '../../sim/design';

export const AXI = { dataBits: 32, addrBits: 16, idBits: 2 };

/** A test-side rename: the same hardware printed as a second module, so one of them can be mutated. */
function named<M extends Module>(m: M, name: string | undefined): M {
  if (name) {
    Object.defineProperty(m, 'moduleName', { get: () => name });
    // A different header, so that the back end does not merge it with the original.
    Object.defineProperty(m, 'doc', { get: () => 'Mutant copy: one line is changed by test/types/bench.ts.' });
  }
  return m;
}

/** Mutations of the printed Verilog, one per bench, applied to the `_m` copies. */
export const MUTANTS = {
  // The per-field mask of field b ignored: b written whenever the word is.
  mem: { module: 'TypedMemoriesMutant', from: /if \(we & mb\) begin/, to: 'if (we) begin' },
  // Element 2 takes the writes meant for element 3 (and none of its own).
  vec: { module: 'DynamicVecMutant', from: /widx == 3'h2\)/, to: "widx == 3'h3)" },
  // LOAD with nothing to do goes to RUN instead of DRAIN.
  fsm: { module: 'EnumFsmMutant', from: /\? ctl_DRAIN : ctl_RUN/, to: '? ctl_RUN : ctl_RUN' },
  // The fold keeps its accumulator across packets (first never set again).
  fold: { module: 'StreamCombinatorsMutant', from: /first <= 1'b1;/, to: "first <= 1'b0;" },
} as const;

let design: VerilogDesign | undefined;
/** The bench's Verilog, elaborated once per test process (the tests read it and simulate it). */
export function typesDesign(): VerilogDesign {
  design ??= buildDesign();
  return design;
}

function buildDesign(): VerilogDesign {
  const d = generate(new SideBySide('TypesBench', {
    mem: new TypedMemories(), vec: new DynamicVec(), fsm: new EnumFsm(), str: new StreamCombinators(), axi: new Axi4Slice(AXI),
    mem_m: named(new TypedMemories(), 'TypedMemoriesMutant'), vec_m: named(new DynamicVec(), 'DynamicVecMutant'),
    fsm_m: named(new EnumFsm(), 'EnumFsmMutant'), str_m: named(new StreamCombinators(), 'StreamCombinatorsMutant'),
  }));
  return Object.values(MUTANTS).reduce((x, mut) => mutateVerilog(x, mut.module, mut.from, mut.to), d);
}

let target: ReturnType<typeof targetOf> | undefined;
export function typesTarget(): ReturnType<typeof targetOf> {
  target ??= targetOf(typesDesign());
  return target;
}
