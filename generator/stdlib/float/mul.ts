/**
 * Fp32Mul: IEEE-754 binary32 a * b, fully pipelined.
 *
 * Latency: `stages` cycles (default 4); throughput: one operation per cycle.
 * Rounding: round-to-nearest-even; subnormals in and out (the product is
 * normalised with a leading-zero count, then denormalised with a sticky
 * right shift when it underflows); overflow to inf; 0 * inf = NaN; any NaN
 * result is the canonical quiet NaN 0x7FC00000; zero and inf results carry
 * the XOR of the signs.
 *
 * Steps: unpack; four 24x6 partial products; a two-level adder tree (48 bits);
 * leading-zero count; normalise/denormalise; round and pack.
 */
import { S, U, type Value } from '../../hdl/ir';
import { In, Module, Out, named } from '../../hdl/module';
import { Bool, UInt } from '../../hdl/types';
import { normalizeSteps, roundStep, unpack } from './common';
import { pipeline, type Step, checkStages } from './pipeline';

export interface Fp32MulOptions {
  /** Pipeline register ranks = latency in cycles (>= 1; default 4). */
  stages?: number;
}

export function fp32MulSteps(): Step[] {
  const pass = ['nan', 'inf', 'zero'];
  return [
    {
      name: 'unpack',
      weight: 14,
      run: (x) => {
        const A = unpack(x.a!, 'a');
        const B = unpack(x.b!, 'b');
        const nan = named(A.isNaN.or(B.isNaN).or(A.isZero.and(B.isInf)).or(A.isInf.and(B.isZero)), 'res_nan');
        // The product's bit 47 has weight 2^(effA + effB - 254 + 1): biased E = effA + effB - 126.
        const E = named(A.eff.zext(11).asSInt().addWrap(B.eff.zext(11).asSInt()).subWrap(S(126, 11)), 'prod_E');
        return {
          nan,
          inf: named(A.isInf.or(B.isInf), 'res_inf'),
          zero: named(A.isZero.or(B.isZero), 'res_zero'),
          sign: named(A.sign.xor(B.sign), 'res_sign'),
          E,
          sig_a: A.sig,
          sig_b: B.sig,
        };
      },
    },
    {
      name: 'pp',
      weight: 26,
      run: (x) => {
        // Four 24x6 partial products, summed in a two-level tree by the next two steps.
        const { sig_a: a, sig_b: b, ...rest } = x;
        const pp = (k: number) => named(a!.mul(b!.bits(6 * k + 5, 6 * k)), `pp${k}`);
        return { ...rest, pp0: pp(0), pp1: pp(1), pp2: pp(2), pp3: pp(3) };
      },
    },
    {
      name: 'psum1',
      weight: 18,
      run: (x) => {
        const { pp0, pp1, pp2, pp3, ...rest } = x;
        return {
          ...rest,
          ps_lo: named(pp1!.shl(6).addWrap(pp0!.pad(36)), 'ps_lo'),
          ps_hi: named(pp3!.shl(6).addWrap(pp2!.pad(36)), 'ps_hi'),
        };
      },
    },
    {
      name: 'psum2',
      weight: 20,
      run: (x) => {
        const { ps_lo, ps_hi, ...rest } = x;
        const prod = named(ps_hi!.shl(12).addWrap(ps_lo!.pad(48)), 'prod');
        return { ...rest, m: prod, sticky: U(0, 1) };
      },
    },
    ...normalizeSteps({ p: 'n' }, pass),
    roundStep(),
  ];
}

export class Fp32Mul extends Module {
  readonly io;
  readonly stages: number;
  constructor(opts: Fp32MulOptions = {}) {
    super();
    this.stages = checkStages('Fp32Mul', opts.stages ?? 4);
    this.io = this.ports({ in_valid: In(Bool), a: In(UInt(32)), b: In(UInt(32)), out_valid: Out(Bool), y: Out(UInt(32)) });
  }
  override get moduleName(): string {
    return `Fp32Mul_s${this.stages}`;
  }
  override get doc(): string {
    return [
      'IEEE-754 binary32 multiplier: y = a * b.',
      `Latency: ${this.stages} cycle(s) (stages = ${this.stages}). Throughput: one operation per cycle (fully pipelined).`,
      'Rounding: round-to-nearest-even; subnormals in and out; overflow to inf; 0 * inf = NaN; NaN out = 0x7FC00000.',
    ].join('\n');
  }
  protected build(): void {
    const { valid, out } = pipeline(this.io.in_valid, { a: this.io.a, b: this.io.b }, fp32MulSteps(), this.stages);
    this.io.out_valid.set(valid);
    this.io.y.set(out.y as Value);
  }
  /** Its hardware depends only on its options: equal instances share one elaboration (see Module.definitionKey). */
  protected override get definitionKey(): string {
    return String(this.stages);
  }
}
