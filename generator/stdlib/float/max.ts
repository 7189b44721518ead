/**
 * Fp32Max: the running maximum of PyTorch's EmbeddingBag max mode,
 * y = (b > a) ? b : a, with the IEEE-754 comparison.
 *
 * `a` is the running (earlier) value, `b` the new one. The comparison is
 * false when either is NaN and +0 / -0 compare equal, so: ties (including
 * +0 vs -0) keep a; a NaN in a stays; a NaN in b never replaces a number.
 * This is PyTorch's embedding_bag_cpu_max_out (`weight_item > current_item`)
 * and model/forward.ts's max mode. y is one of the inputs bit for bit (NaN
 * payloads are passed through, not canonicalised). `b_wins` tells which.
 *
 * Latency: `stages` cycles (default 1; 0 = combinational); throughput: one
 * per cycle. No rounding (a selection).
 */
import { mux, type Value } from '../../hdl/ir';
import { In, Module, Out, named } from '../../hdl/module';
import { Bool, UInt } from '../../hdl/types';
import { gtF32 } from './common';
import { pipeline, type Step, checkStages } from './pipeline';

export interface Fp32MaxOptions {
  /** Pipeline register ranks = latency in cycles (>= 0; default 1). */
  stages?: number;
}

export function fp32MaxSteps(): Step[] {
  return [
    {
      name: 'cmp',
      weight: 22,
      run: (x) => {
        const bWins = named(gtF32(x.b!, x.a!), 'b_gt_a');
        return { y: mux(bWins, x.b!, x.a!), b_wins: bWins };
      },
    },
  ];
}

export class Fp32Max extends Module {
  readonly io;
  readonly stages: number;
  constructor(opts: Fp32MaxOptions = {}) {
    super();
    this.stages = checkStages('Fp32Max', opts.stages ?? 1, 0);
    this.io = this.ports({ in_valid: In(Bool), a: In(UInt(32)), b: In(UInt(32)), out_valid: Out(Bool), y: Out(UInt(32)), b_wins: Out(Bool) });
  }
  override get moduleName(): string {
    return `Fp32Max_s${this.stages}`;
  }
  override get doc(): string {
    return [
      'binary32 running max (PyTorch EmbeddingBag max mode): y = (b > a) ? b : a, IEEE comparison; b_wins = (b > a).',
      'a is the running value: ties and +0/-0 keep a, a NaN in a stays, a NaN in b never wins; y is an input bit for bit.',
      `Latency: ${this.stages} cycle(s) (stages = ${this.stages}). Throughput: one operation per cycle. Rounding: none (a selection).`,
    ].join('\n');
  }
  protected build(): void {
    const { valid, out } = pipeline(this.io.in_valid, { a: this.io.a, b: this.io.b }, fp32MaxSteps(), this.stages);
    this.io.out_valid.set(valid);
    this.io.y.set(out.y as Value);
    this.io.b_wins.set(out.b_wins as Value);
  }
  /** Its hardware depends only on its options: equal instances share one elaboration (see Module.definitionKey). */
  protected override get definitionKey(): string {
    return String(this.stages);
  }
}
