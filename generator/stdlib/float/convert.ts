/**
 * Fp32FromUInt: unsigned integer -> IEEE-754 binary32 (bag sizes for the mean).
 *
 * Latency: `stages` cycles (default 2); throughput: one per cycle. Rounding:
 * round-to-nearest-even (exact up to 2^24; above it, as Math.fround(n)).
 * 0 gives +0. The input width is a generator parameter (default 32).
 */
import { cat, lit, S, U, type Value } from '../../hdl/ir';
import { In, Module, Out, named } from '../../hdl/module';
import { Bool, UInt } from '../../hdl/types';
import { BIAS, normalizeSteps, roundStep } from './common';
import { badParameter } from '../../hdl/params';
import { pipeline, type Step, checkStages } from './pipeline';

export interface Fp32FromUIntOptions {
  /** Input width in bits (1..64; default 32). */
  width?: number;
  /** Pipeline register ranks = latency in cycles (>= 1; default 2). */
  stages?: number;
}

export function fp32FromUIntSteps(width: number): Step[] {
  return [
    {
      name: 'prep',
      weight: 2,
      run: (x) => {
        const a = x.a!;
        // m's top bit (a's bit width-1) has weight 2^(width-1): biased E = 127 + width - 1.
        const m = a.width >= 26 ? a : cat(a, lit(0, 26 - a.width));
        return { zero: named(a.eq(0), 'is_zero'), sign: U(0, 1), E: S(BIAS + width - 1, 11), m, sticky: U(0, 1) };
      },
    },
    ...normalizeSteps({ p: 'n', canUnderflow: false }, ['zero']),
    roundStep(),
  ];
}

export class Fp32FromUInt extends Module {
  readonly io;
  readonly width: number;
  readonly stages: number;
  constructor(opts: Fp32FromUIntOptions = {}) {
    super();
    this.width = opts.width ?? 32;
    this.stages = checkStages('Fp32FromUInt', opts.stages ?? 2);
    if (!Number.isInteger(this.width) || this.width < 1 || this.width > 64) throw badParameter(`Fp32FromUInt: width must be 1..64, got ${this.width}`);
    this.io = this.ports({ in_valid: In(Bool), a: In(UInt(this.width)), out_valid: Out(Bool), y: Out(UInt(32)) });
  }
  override get moduleName(): string {
    return `Fp32FromUInt_w${this.width}_s${this.stages}`;
  }
  override get doc(): string {
    return [
      `Unsigned ${this.width}-bit integer to IEEE-754 binary32: y = fround(a).`,
      `Latency: ${this.stages} cycle(s) (stages = ${this.stages}). Throughput: one operation per cycle (fully pipelined).`,
      'Rounding: round-to-nearest-even (exact below 2^24); 0 gives +0.',
    ].join('\n');
  }
  protected build(): void {
    const { valid, out } = pipeline(this.io.in_valid, { a: this.io.a }, fp32FromUIntSteps(this.width), this.stages);
    this.io.out_valid.set(valid);
    this.io.y.set(out.y as Value);
  }
  /** Its hardware depends only on its options: equal instances share one elaboration (see Module.definitionKey). */
  protected override get definitionKey(): string {
    return `${this.width}:${this.stages}`;
  }
}
