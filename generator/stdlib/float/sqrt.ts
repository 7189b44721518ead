/**
 * Fp32Sqrt: IEEE-754 binary32 square root, fully pipelined restoring
 * digit recurrence (one root bit per step, 25 steps).
 *
 * Latency: `stages` cycles (default 12); throughput: one operation per cycle
 * (initiation interval 1). Rounding: round-to-nearest-even from 25 root bits
 * (24 + guard) and a sticky bit (remainder != 0); a square root is never
 * exactly half-way between two floats, and never subnormal or overflowing.
 * Subnormal inputs are normalised first. sqrt(-0) = -0, sqrt(+inf) = +inf,
 * sqrt(x < 0) = NaN (incl. -inf); any NaN result is the canonical quiet NaN
 * 0x7FC00000.
 */
import { cat, lit, mux, S, U, type Value } from '../../hdl/ir';
import { In, Module, Out, named } from '../../hdl/module';
import { Bool, UInt } from '../../hdl/types';
import { EW, finish, roundPack, unpack } from './common';
import { prenormalize } from './div';
import { pipeline, type Bus, type Step, checkStages } from './pipeline';

export interface Fp32SqrtOptions {
  /** Pipeline register ranks = latency in cycles (>= 1; default 12). */
  stages?: number;
}

/** Root bits computed: 24 kept and a guard bit. */
export const SQRT_BITS = 25;
/** Remainder width: the remainder never exceeds 2 * root (< 2^26), the shifted one stays below 2^27. */
const RW = 27;

export function fp32SqrtSteps(): Step[] {
  const flags = (x: Bus) => ({ nan: x.nan!, inf: x.inf!, zero: x.zero!, sign: x.sign!, E: x.E! });
  const iter = (i: number): Step => ({
    name: `r${i}`,
    weight: 4 + 0.6 * Math.min(27, 3 + 2 * i),
    run: (x) => {
      // The radicand M = mx * 2^25 (50 bits): step i brings down bits 49-2i and 48-2i of M.
      const rest = x.mrest;
      let pair: Value;
      let mrest: Value | undefined;
      if (rest === undefined) pair = lit(0, 2);
      else if (rest.width >= 2) {
        pair = rest.bits(rest.width - 1, rest.width - 2);
        mrest = rest.width > 2 ? rest.bits(rest.width - 3, 0) : undefined;
      } else pair = cat(rest, lit(0, 1));
      const rem = x.rem ?? lit(0, 1);
      const root = x.root;
      const w = Math.min(RW, Math.max(rem.width + 2, 3));
      const shifted = cat(rem, pair).trunc(w);
      const trial = (root !== undefined ? cat(root, U(1, 2)) : U(1, 2)).pad(w);
      const ge = named(shifted.ge(trial), `r${i}_bit`);
      const remNext = named(mux(ge, shifted.subWrap(trial), shifted), `r${i}_rem`);
      return { ...flags(x), ...(mrest !== undefined ? { mrest } : {}), rem: remNext, root: root !== undefined ? cat(root, ge) : ge };
    },
  });
  return [
    {
      name: 'unpack',
      weight: 32,
      run: (x) => {
        const A = unpack(x.a!, 'a');
        const n = prenormalize(A.sig, 'na');
        // a = m * 2^(e' - 127 - 23), e' = eff - lz. With s = 26 when e' is even (unbiased exponent odd), else 25,
        // M = m * 2^s has an even exponent e' - 150 - s; the 25-bit root's top bit has biased exponent
        // 151 + (e' - 150 - s) / 2.
        const e1 = named(A.eff.zext(EW).asSInt().subWrap(n.lz.zext(EW).asSInt()), 'e_norm');
        const even = named(e1.bit(0).not(), 'e_even');
        const half = named(e1.subWrap(mux(even, S(176, EW), S(175, EW))), 'e_half2');
        const E = named(half.shr(1).pad(EW).addWrap(S(151, EW)), 'root_E');
        const mx = named(mux(even, cat(n.m, U(0, 1)), cat(U(0, 1), n.m)), 'radicand');
        return {
          nan: named(A.isNaN.or(A.sign.and(A.isZero.not())), 'res_nan'),
          inf: named(A.isInf.and(A.sign.not()), 'res_inf'),
          zero: A.isZero,
          sign: A.sign,
          E,
          mrest: mx,
        };
      },
    },
    ...Array.from({ length: SQRT_BITS }, (_, i) => iter(i)),
    {
      name: 'round',
      weight: 28,
      run: (x) => {
        // The root's top bit is always set and its exponent in range: no normalisation step.
        const rounded = roundPack(x.sign!, x.E!.asUInt(), cat(x.root!, U(0, 1)), named(x.rem!.ne(0), 'rem_nonzero'), 'r');
        return { y: finish({ nan: x.nan!, inf: x.inf!, zero: x.zero!, sign: x.sign!, rounded }) };
      },
    },
  ];
}

export class Fp32Sqrt extends Module {
  readonly io;
  readonly stages: number;
  constructor(opts: Fp32SqrtOptions = {}) {
    super();
    this.stages = checkStages('Fp32Sqrt', opts.stages ?? 12);
    this.io = this.ports({ in_valid: In(Bool), a: In(UInt(32)), out_valid: Out(Bool), y: Out(UInt(32)) });
  }
  override get moduleName(): string {
    return `Fp32Sqrt_s${this.stages}`;
  }
  override get doc(): string {
    return [
      'IEEE-754 binary32 square root: y = sqrt(a) (restoring digit recurrence, 25 root bits, unrolled).',
      `Latency: ${this.stages} cycle(s) (stages = ${this.stages}). Throughput: one operation per cycle (initiation interval 1).`,
      'Rounding: round-to-nearest-even (guard bit + sticky = remainder != 0); subnormal inputs; sqrt(-0) = -0;',
      'sqrt(x < 0) = NaN; NaN out = 0x7FC00000.',
    ].join('\n');
  }
  protected build(): void {
    const { valid, out } = pipeline(this.io.in_valid, { a: this.io.a }, fp32SqrtSteps(), this.stages);
    this.io.out_valid.set(valid);
    this.io.y.set(out.y as Value);
  }
  /** Its hardware depends only on its options: equal instances share one elaboration (see Module.definitionKey). */
  protected override get definitionKey(): string {
    return String(this.stages);
  }
}
