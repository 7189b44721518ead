/**
 * IEEE-754 binary32 building blocks shared by every float unit: one piece of
 * code for each job (unpack/classify, leading-zero count, shift with sticky,
 * normalise, round to nearest even, pack with overflow and the special values).
 *
 * Conventions used across the units (docs/FP32.md):
 * - a NaN result is always the canonical quiet NaN 0x7FC00000 (sign 0,
 *   quiet bit set, payload 0); input payloads are not propagated;
 * - subnormals are handled in full on input and output (no flush-to-zero);
 * - an exact zero result of a sum is +0 unless both addends are -0
 *   (round-to-nearest-even's rule: x + (-x) = +0).
 *
 * The intermediate form between the datapath and the rounder is
 * (sign, E, m, sticky): m is a W-bit significand (W >= 26) whose most
 * significant bit has weight 2^(E - 127), i.e. E is the biased exponent the
 * result would have if m's top bit were the hidden bit.
 */
import { cat, lit, mux, S, U, type Value } from '../../hdl/ir';
import { named } from '../../hdl/module';
import { badParameter } from '../../hdl/params';
import { log2Up } from '../../hdl/types';
import type { Bus, Step } from './pipeline';

export const BIAS = 127;
/** The canonical quiet NaN every unit produces. */
export const QNAN = 0x7fc00000;
export const INF = 0x7f800000;


/** The fields and classes of a binary32 value. */
export interface F32 {
  sign: Value;
  /** Biased exponent field, 8 bits. */
  exp: Value;
  /** Fraction field, 23 bits. */
  frac: Value;
  isZero: Value;
  isSub: Value;
  isInf: Value;
  isNaN: Value;
  /** Significand with the hidden bit (0 for zeros and subnormals), 24 bits. */
  sig: Value;
  /** Effective biased exponent (the field, or 1 for zeros and subnormals), UInt(8). */
  eff: Value;
}

/** Splits a 32-bit value into fields and classes (named wires prefixed p_). */
export function unpack(x: Value, p: string): F32 {
  const exp = x.bits(30, 23);
  const frac = x.bits(22, 0);
  const expZero = named(exp.eq(0), `${p}_exp_zero`);
  const expOnes = named(exp.eq(255), `${p}_exp_ones`);
  const fracZero = named(frac.eq(0), `${p}_frac_zero`);
  return {
    sign: x.bit(31),
    exp,
    frac,
    isZero: named(expZero.and(fracZero), `${p}_is_zero`),
    isSub: named(expZero.and(fracZero.not()), `${p}_is_sub`),
    isInf: named(expOnes.and(fracZero), `${p}_is_inf`),
    isNaN: named(expOnes.and(fracZero.not()), `${p}_is_nan`),
    sig: named(cat(expZero.not(), frac), `${p}_sig`),
    eff: named(mux(expZero, U(1, 8), exp), `${p}_eff`),
  };
}

/** Resizes a signed value to w bits (sign-extend or drop high bits). */
export function sresize(v: Value, w: number): Value {
  return v.width >= w ? v.trunc(w) : v.pad(w);
}

/** Leading-zero count by a balanced tree: count has log2Up(width) bits (width - 1 when v is 0), zero is v == 0. */
export function lzc(v: Value): { count: Value; zero: Value } {
  const p2 = 2 ** log2Up(v.width);
  // named: the back end lint-waives a Signal's unread bits but not a temporary's (see docs/FP32.md, DSL notes).
  const lzcIn = named(p2 === v.width ? v : cat(v, lit(0, p2 - v.width)));
  const x = lzcIn;
  const rec = (y: Value): { zero: Value; count: Value | null } => {
    if (y.width === 1) return { zero: y.not(), count: null };
    const h = y.width / 2;
    const hi = rec(y.bits(y.width - 1, h));
    const lo = rec(y.bits(h - 1, 0));
    const zero = hi.zero.and(lo.zero);
    const count = hi.count === null ? hi.zero : cat(hi.zero, mux(hi.zero, lo.count!, hi.count));
    return { zero, count };
  };
  if (x.width === 1) return { count: lit(0, 1), zero: x.not() };
  const r = rec(x);
  return { count: r.count!, zero: r.zero };
}

/**
 * Logical right shift by a dynamic amount with a sticky bit (OR of the bits
 * shifted out). Amounts of width(x) or more shift everything into sticky.
 */
export function shrSticky(x: Value, amt: Value): { out: Value; sticky: Value } {
  const w = x.width;
  const aw = log2Up(w + 1);
  // Clamp the amount to w so the shifter stays narrow.
  const big = amt.width > aw ? amt.bits(amt.width - 1, aw).orR() : lit(0, 1);
  const low = amt.width > aw ? amt.bits(aw - 1, 0) : amt.pad(aw);
  const a = mux(big.or(low.gt(w)), U(w, aw), low);
  const wide = cat(x, lit(0, w)).shr(a);
  return { out: wide.bits(2 * w - 1, w), sticky: wide.bits(w - 1, 0).orR() };
}

export interface NormalizeOpts {
  /** Prefix of the wires (unique per call). */
  p: string;
  /** Upper bound on m's leading zeros when m != 0 (default: width); 0 = m is always normalised, 1 = one-bit normalise. */
  maxLz?: number;
  /** Whether E can fall below 1 (a subnormal or underflowing result); default true. */
  canUnderflow?: boolean;
}

/** Width of the exponent the normalise step hands the rounder (UInt). */
export const EW = 11;

/**
 * Normalise, as two pipeline steps: (1) count m's leading zeros and work out
 * the shifts, (2) shift. In: sign, E (SInt), m (W bits), sticky, plus any
 * fields listed in `pass`. Out: sign, e (UInt(EW), >= 1), m (W bits), sticky
 * and the passed fields. m's top bit is set unless e = 1 (a subnormal or
 * zero significand), so round() can pack (e - 1 + hidden) as the exponent.
 *
 * Left shift: min(lz, E - 1) (never below e = 1); right shift, when E < 1:
 * 1 - E, collecting sticky.
 */
export function normalizeSteps(o: NormalizeOpts, pass: readonly string[]): Step[] {
  const { p } = o;
  const canUnderflow = o.canUnderflow ?? true;
  const keep = (x: Bus) => Object.fromEntries(pass.map((k) => [k, x[k]!]));
  return [
    {
      name: `${p}lz`,
      weight: o.maxLz === 0 ? 2 : o.maxLz === 1 ? 8 : 18,
      run: (x) => {
        const E = x.E!;
        const m = x.m!;
        const W = m.width;
        const sw = log2Up(W + 1);
        const ew = Math.max(E.width, sw + 2) + 1;
        const Ew = sresize(E, ew);
        const lz =
          o.maxLz === 0 ? lit(0, 1) : o.maxLz === 1 ? m.msb().not() : named(lzc(m).count, `${p}_lz`);
        const Em1 = named(Ew.subWrap(S(1, ew)), `${p}_E_m1`); // E - 1: most left shift keeping e >= 1
        const under = canUnderflow ? named(Ew.lt(S(1, ew)), `${p}_under`) : lit(0, 1);
        // Left shift = min(lz, E - 1) when E >= 1.
        const lzS = lz.zext(ew).asSInt();
        const lsFull = named(mux(under, S(0, ew), mux(lzS.lt(Em1), lzS, Em1)), `${p}_lshift_full`);
        const ls = named(lsFull.bits(lz.width - 1, 0), `${p}_lshift`);
        // Right shift = 1 - E when E < 1 (clamped in shrSticky).
        const rsFull = S(1, ew).subWrap(Ew);
        const rs = canUnderflow ? named(mux(under, rsFull, S(0, ew)).asUInt(), `${p}_rshift`) : lit(0, 1);
        const eFull = named(mux(under, S(1, ew), Ew.subWrap(ls.pad(ew).asSInt())), `${p}_e_full`);
        const e = named(eFull.asUInt().trunc(EW), `${p}_e`);
        return { ...keep(x), sign: x.sign!, m, sticky: x.sticky!, ls, rs, under, e };
      },
    },
    {
      name: `${p}sh`,
      weight: canUnderflow ? 14 : o.maxLz === 0 ? 1 : 10,
      run: (x) => {
        const m = x.m!;
        const W = m.width;
        const left =
          o.maxLz === 0 ? m : x.ls!.width === 1 ? mux(x.ls!.asBool(), cat(m.bits(W - 2, 0), lit(0, 1)), m) : named(m.shl(x.ls!), `${p}_m_shl`).trunc(W);
        let mo = left;
        let st = x.sticky!;
        if (canUnderflow) {
          const r = shrSticky(m, x.rs!);
          mo = mux(x.under!, r.out, left);
          st = st.or(x.under!.and(r.sticky));
        }
        return { ...keep(x), sign: x.sign!, e: x.e!, m: named(mo, `${p}_m_norm`), sticky: named(st, `${p}_sticky`) };
      },
    },
  ];
}

/**
 * Round to nearest even and pack: in sign, e (>= 1), m (W >= 26 bits, top bit
 * set unless e = 1), sticky. Keeps m's top 24 bits, rounds on the next
 * (guard) bit and the OR of the rest with sticky; adds the round-up to the
 * packed exponent|fraction so that a carry out of the fraction bumps the
 * exponent (subnormal -> normal, or to infinity). Returns the 32-bit result
 * of the finite path (overflow gives infinity) as `y`.
 */
export function roundPack(sign: Value, e: Value, m: Value, sticky: Value, p: string): Value {
  const W = m.width;
  if (W < 26) throw badParameter(`roundPack: m must have at least 26 bits, got ${W}`);
  const kept = m.bits(W - 1, W - 24);
  const guard = m.bit(W - 25);
  const st = sticky.or(m.bits(W - 26, 0).orR());
  const up = named(guard.and(st.or(kept.bit(0))), `${p}_round_up`);
  const ew = e.width;
  // (e - 1) << 23 plus the 24-bit significand: the hidden bit adds 1 to the exponent.
  const base = cat(e.subWrap(U(1, ew)), lit(0, 23));
  const mag = named(base.add(kept.pad(base.width)).addWrap(up.pad(base.width + 1)), `${p}_mag`);
  const ovf = named(mag.bits(mag.width - 1, 23).ge(255), `${p}_overflow`);
  return named(cat(sign, mux(ovf, U(INF, 31), mag.bits(30, 0))), `${p}_rounded`);
}

/**
 * The last step of every arithmetic unit: round the normalised (sign, e, m,
 * sticky) to nearest even, then apply the
 * special values (`nan`, `inf`, `zero` on the bus; absent ones are false).
 * `sign` overrides the result's sign (the adder's sign of an infinity).
 */
export function roundStep(opts: { sign?: (x: Bus) => Value } = {}): Step {
  return {
    name: 'round',
    weight: 26,
    run: (x) => {
      const rounded = roundPack(x.sign!, x.e!, x.m!, x.sticky!, 'r');
      const no = lit(0, 1);
      return { y: finish({ nan: x.nan ?? no, inf: x.inf ?? no, zero: x.zero!, sign: opts.sign ? opts.sign(x) : x.sign!, rounded }) };
    },
  };
}

/** The special-value override of a unit's result: NaN first, then infinity, then zero. */
export function finish(o: { nan: Value; inf: Value; zero: Value; sign: Value; rounded: Value }): Value {
  return mux(o.nan, U(QNAN, 32), mux(o.inf, cat(o.sign, U(INF, 31)), mux(o.zero, cat(o.sign, lit(0, 31)), o.rounded)));
}

/** IEEE `b > a` on binary32 (false when either is NaN; +0 and -0 are equal). */
export function gtF32(b: Value, a: Value): Value {
  const sa = a.bit(31);
  const sb = b.bit(31);
  const ma = a.bits(30, 0);
  const mb = b.bits(30, 0);
  const nan = ma.gt(INF).or(mb.gt(INF));
  const bothZero = ma.eq(0).and(mb.eq(0));
  const magGt = mb.gt(ma);
  const magLt = mb.lt(ma);
  // Signs differ: b > a iff a is negative (and not both zero). Same sign: by magnitude.
  const gt = mux(sa.ne(sb), sa, mux(sa, magLt, magGt));
  return nan.not().and(bothZero.not()).and(gt);
}

