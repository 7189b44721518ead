/**
 * Fp32Add: IEEE-754 binary32 a + b, or a - b when `sub` is high, fully
 * pipelined.
 *
 * Latency: `stages` cycles (default 3); throughput: one operation per cycle.
 * Rounding: round-to-nearest-even; subnormals in and out; +0 for an exact
 * zero sum unless both addends are -0; inf - inf = NaN; overflow to inf; any
 * NaN result is the canonical quiet NaN 0x7FC00000.
 *
 * Datapath (steps, pipeline registers at cut points chosen by `stages`):
 * unpack and order by magnitude; align the smaller significand with guard,
 * round and sticky bits; add or subtract (28 bits); leading-zero count;
 * normalise (left shift limited so the exponent stays >= 1, which leaves
 * subnormal results denormalised); round and pack.
 */
import { mux, U, S, type Value } from '../../hdl/ir';
import { In, Module, Out, named } from '../../hdl/module';
import { Bool, UInt } from '../../hdl/types';
import { normalizeSteps, roundStep, shrSticky, unpack } from './common';
import { pipeline, type Step, checkStages } from './pipeline';
import { cat } from '../../hdl/ir';

export interface Fp32AddOptions {
  /** Pipeline register ranks = latency in cycles (>= 1; default 3). */
  stages?: number;
}

/** The adder's steps (exported for the bench's depth estimates). */
export function fp32AddSteps(): Step[] {
  const pass = ['nan', 'inf', 'zero', 'inf_sign'];
  return [
    {
      name: 'unpack',
      weight: 18,
      run: (x) => {
        const A = unpack(x.a!, 'a');
        const B = unpack(x.b!, 'b');
        const sa = A.sign;
        const sb = named(B.sign.xor(x.sub!), 'b_sign_eff');
        // Order by magnitude: {exp, frac} compares as an unsigned integer.
        const swap = named(x.b!.bits(30, 0).gt(x.a!.bits(30, 0)), 'swap');
        const effSub = named(sa.xor(sb), 'eff_sub');
        return {
          nan: named(A.isNaN.or(B.isNaN).or(A.isInf.and(B.isInf).and(effSub)), 'res_nan'),
          inf: named(A.isInf.or(B.isInf), 'res_inf'),
          inf_sign: mux(A.isInf, sa, sb),
          zero_sign: sa.and(sb),
          eff_sub: effSub,
          sign: named(mux(swap, sb, sa), 'big_sign'),
          e_big: named(mux(swap, B.eff, A.eff), 'e_big'),
          d: named(mux(swap, B.eff.subWrap(A.eff), A.eff.subWrap(B.eff)), 'exp_diff'),
          sig_big: named(mux(swap, B.sig, A.sig), 'sig_big'),
          sig_small: named(mux(swap, A.sig, B.sig), 'sig_small'),
        };
      },
    },
    {
      name: 'align',
      weight: 16,
      run: (x) => {
        // 27 bits: the significand, then guard, round and sticky positions.
        const r = shrSticky(cat(x.sig_small!, U(0, 3)), x.d!);
        const small = named(r.out.or(r.sticky.pad(27)), 'm_small');
        const { sig_small: _s, d: _d, ...rest } = x;
        return { ...rest, m_small: small };
      },
    },
    {
      name: 'addsub',
      weight: 20,
      run: (x) => {
        const big = cat(x.sig_big!, U(0, 3));
        const sum = named(mux(x.eff_sub!, big.sub(x.m_small!), big.add(x.m_small!)), 'sum');
        const zero = named(sum.eq(0), 'sum_zero');
        return {
          nan: x.nan!,
          inf: x.inf!,
          inf_sign: x.inf_sign!,
          zero,
          sign: mux(zero, x.zero_sign!, x.sign!),
          // sum's bit 27 has weight 2^(e_big + 1 - 127).
          E: x.e_big!.zext(10).asSInt().addWrap(S(1, 10)),
          m: sum,
          sticky: U(0, 1),
        };
      },
    },
    ...normalizeSteps({ p: 'n', canUnderflow: false }, pass),
    roundStep({ sign: (x) => mux(x.inf!, x.inf_sign!, x.sign!) }),
  ];
}

export class Fp32Add extends Module {
  readonly io;
  readonly stages: number;
  constructor(opts: Fp32AddOptions = {}) {
    super();
    this.stages = checkStages('Fp32Add', opts.stages ?? 3);
    this.io = this.ports({
      in_valid: In(Bool),
      a: In(UInt(32)),
      b: In(UInt(32)),
      sub: In(Bool),
      out_valid: Out(Bool),
      y: Out(UInt(32)),
    });
  }
  override get moduleName(): string {
    return `Fp32Add_s${this.stages}`;
  }
  override get doc(): string {
    return [
      `IEEE-754 binary32 adder: y = a + b (sub = 0) or a - b (sub = 1).`,
      `Latency: ${this.stages} cycle(s) (stages = ${this.stages}). Throughput: one operation per cycle (fully pipelined).`,
      'Rounding: round-to-nearest-even; subnormals in and out; x + (-x) = +0; overflow to inf; NaN out = 0x7FC00000.',
    ].join('\n');
  }
  protected build(): void {
    const { valid, out } = pipeline(this.io.in_valid, { a: this.io.a, b: this.io.b, sub: this.io.sub }, fp32AddSteps(), this.stages);
    this.io.out_valid.set(valid);
    this.io.y.set(out.y as Value);
  }
  /** Its hardware depends only on its options: equal instances share one elaboration (see Module.definitionKey). */
  protected override get definitionKey(): string {
    return String(this.stages);
  }
}
