/**
 * Fp32Div: IEEE-754 binary32 a / b, fully pipelined radix-2 restoring
 * division (one quotient bit per step, 26 steps).
 *
 * Latency: `stages` cycles (default 12); throughput: one operation per cycle
 * (initiation interval 1: the recurrence is unrolled, not iterated).
 * Rounding: round-to-nearest-even from 26 quotient bits (24 + guard + one for
 * normalisation) and a sticky bit (remainder != 0); subnormal inputs are
 * normalised first, subnormal results denormalised with sticky; overflow to
 * inf; x/0 = inf (x finite non-zero), 0/0 = inf/inf = NaN, x/inf = 0; any
 * NaN result is the canonical quiet NaN 0x7FC00000.
 */
import { cat, mux, S, U, type Value } from '../../hdl/ir';
import { In, Module, Out, named } from '../../hdl/module';
import { Bool, UInt } from '../../hdl/types';
import { lzc, normalizeSteps, roundStep, unpack } from './common';
import { pipeline, type Bus, type Step, checkStages } from './pipeline';

export interface Fp32DivOptions {
  /** Pipeline register ranks = latency in cycles (>= 1; default 12). */
  stages?: number;
}

/** Quotient bits computed: 24 kept, a guard bit and one for the 1-bit normalisation. */
export const DIV_QBITS = 26;

/** Normalises a 24-bit significand: its leading-zero count and the shifted value (top bit set unless 0). */
export function prenormalize(sig: Value, p: string): { m: Value; lz: Value } {
  const lz = named(lzc(sig).count, `${p}_lz`);
  const m = named(named(sig.shl(lz), `${p}_shl`).trunc(24), `${p}_m`);
  return { m, lz };
}

export function fp32DivSteps(): Step[] {
  const pass = ['nan', 'inf', 'zero'];
  const flags = (x: Bus) => ({ nan: x.nan!, inf: x.inf!, zero: x.zero!, sign: x.sign!, E: x.E! });
  const iter = (i: number): Step => ({
    name: `q${i}`,
    weight: 20,
    run: (x) => {
      const r = x.r!;
      const y = x.y!;
      const ge = named(r.ge(y), `q${i}_bit`);
      const rn = named(mux(ge, r.subWrap(y.pad(25)), r), `q${i}_rem`);
      // rn < y < 2^24, so shifting it left keeps 25 bits.
      const next = cat(rn.bits(23, 0), U(0, 1));
      const q = x.q !== undefined ? cat(x.q, ge) : ge;
      return { ...flags(x), y, r: next, q };
    },
  });
  return [
    {
      name: 'unpack',
      weight: 32,
      run: (x) => {
        const A = unpack(x.a!, 'a');
        const B = unpack(x.b!, 'b');
        const nan = named(A.isNaN.or(B.isNaN).or(A.isZero.and(B.isZero)).or(A.isInf.and(B.isInf)), 'res_nan');
        const na = prenormalize(A.sig, 'na');
        const nb = prenormalize(B.sig, 'nb');
        // Quotient bit 25 has weight 2^(ea' - eb'), ea' = effA - lzA: biased E = ea' - eb' + 127.
        const ea = A.eff.zext(11).asSInt().subWrap(na.lz.zext(11).asSInt());
        const eb = B.eff.zext(11).asSInt().subWrap(nb.lz.zext(11).asSInt());
        return {
          nan,
          inf: named(A.isInf.or(B.isZero), 'res_inf'),
          zero: named(A.isZero.or(B.isInf), 'res_zero'),
          sign: named(A.sign.xor(B.sign), 'res_sign'),
          E: named(ea.subWrap(eb).addWrap(S(127, 11)), 'quot_E'),
          r: na.m.pad(25),
          y: nb.m,
        };
      },
    },
    ...Array.from({ length: DIV_QBITS }, (_, i) => iter(i)),
    {
      name: 'rem',
      weight: 6,
      run: (x) => ({ ...flags(x), m: x.q!, sticky: named(x.r!.ne(0), 'rem_nonzero') }),
    },
    ...normalizeSteps({ p: 'n', maxLz: 1 }, pass),
    roundStep(),
  ];
}

export class Fp32Div extends Module {
  readonly io;
  readonly stages: number;
  constructor(opts: Fp32DivOptions = {}) {
    super();
    this.stages = checkStages('Fp32Div', opts.stages ?? 12);
    this.io = this.ports({ in_valid: In(Bool), a: In(UInt(32)), b: In(UInt(32)), out_valid: Out(Bool), y: Out(UInt(32)) });
  }
  override get moduleName(): string {
    return `Fp32Div_s${this.stages}`;
  }
  override get doc(): string {
    return [
      'IEEE-754 binary32 divider: y = a / b (radix-2 restoring, 26 quotient bits, unrolled).',
      `Latency: ${this.stages} cycle(s) (stages = ${this.stages}). Throughput: one operation per cycle (initiation interval 1).`,
      'Rounding: round-to-nearest-even (guard bit + sticky = remainder != 0); subnormals in and out; overflow to inf;',
      'x/0 = inf, 0/0 = inf/inf = NaN; NaN out = 0x7FC00000.',
    ].join('\n');
  }
  protected build(): void {
    const { valid, out } = pipeline(this.io.in_valid, { a: this.io.a, b: this.io.b }, fp32DivSteps(), this.stages);
    this.io.out_valid.set(valid);
    this.io.y.set(out.y as Value);
  }
  /** Its hardware depends only on its options: equal instances share one elaboration (see Module.definitionKey). */
  protected override get definitionKey(): string {
    return String(this.stages);
  }
}
