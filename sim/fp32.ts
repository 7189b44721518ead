/**
 * Co-simulation of the fp32 units against the JavaScript reference
 * (docs/FP32.md, "Verification"): class-covering random vectors, directed
 * corners, a streaming Verilator run at the unit's fixed latency and a
 * bit-exact comparison (NaN by class, or exactly the canonical NaN for the
 * arithmetic units). Shared by test/float/*.test.ts and bench/fp32.ts.
 */
import type { Module } from '../generator/hdl/module';
import { generate } from '../generator/back/design';
import type { VerilogDesign } from '../generator/back/verilog';
import { openStream, type SimStream } from './vectors';
import { targetOf } from './design';

// ------------------------------------------------------------------ bits

const F = new Float32Array(1);
const U32 = new Uint32Array(F.buffer);
/** The binary32 value of 32 bits (as a JS number; NaN payloads are not kept). */
export function fromBits(u: number): number {
  U32[0] = u;
  return F[0]!;
}
/** The 32 bits of Math.fround(x). */
export function toBits(x: number): number {
  F[0] = x;
  return U32[0]!;
}
export const QNAN = 0x7fc00000;
export const isNaNBits = (u: number): boolean => (u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0;
export const hex = (u: number): string => `0x${(u >>> 0).toString(16).padStart(8, '0')}`;

// ------------------------------------------------------------------ units

export type UnitKind = 'add' | 'mul' | 'div' | 'sqrt' | 'max' | 'u2f';

/** The expected output bits for one vector. */
export function reference(kind: UnitKind, a: number, b: number, sub: number): number {
  switch (kind) {
    case 'add':
      return toBits(sub ? fromBits(a) - fromBits(b) : fromBits(a) + fromBits(b));
    case 'mul':
      return toBits(fromBits(a) * fromBits(b));
    case 'div':
      return toBits(fromBits(a) / fromBits(b));
    case 'sqrt':
      return toBits(Math.sqrt(fromBits(a)));
    case 'max':
      // PyTorch's max reduction (and model/forward.ts): the new value b replaces the running value a only when b > a.
      return fromBits(b) > fromBits(a) ? b : a;
    case 'u2f':
      return toBits(a);
  }
}

/** Data input ports of each unit, after in_valid. */
export function inputsOf(kind: UnitKind): string[] {
  return kind === 'add' ? ['a', 'b', 'sub'] : kind === 'sqrt' || kind === 'u2f' ? ['a'] : ['a', 'b'];
}

export interface Mismatch {
  index: number;
  a: string;
  b: string;
  sub: number;
  got: string;
  want: string;
  /** The values, for reading. */
  note: string;
}

/** Compares one output; arithmetic units must produce exactly the canonical NaN. */
export function matches(kind: UnitKind, got: number, want: number): boolean {
  if (isNaNBits(want)) return kind === 'max' ? isNaNBits(got) : got === QNAN;
  return got === want;
}

// ------------------------------------------------------------------ vectors

/** A small fast PRNG (mulberry32), seeded for reproducible vectors. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Vector classes for one operand, with their weights (percent). */
export const OPERAND_CLASSES = [
  ['zero', 5],
  ['subnormal', 10],
  ['edge', 4], // min/max subnormal, min normal, max finite, 1, powers of two
  ['near1', 25], // exponents 117..137
  ['normal', 25], // any finite normal
  ['huge', 10], // exponents 230..254
  ['inf', 4],
  ['nan', 4],
  ['few-bits', 13], // short significands: exact results and ties are likely
] as const;
export type OperandClass = (typeof OPERAND_CLASSES)[number][0];

const EDGES = [0x00000001, 0x007fffff, 0x00800000, 0x00800001, 0x7f7fffff, 0x7f7ffffe, 0x3f800000, 0x3f7fffff, 0x3f800001, 0x40000000, 0x00400000, 0x01000000];

function operand(r: () => number, cls: OperandClass): number {
  const sign = (r() & 1) << 31;
  const frac = r() & 0x7fffff;
  const expOf = (lo: number, hi: number) => lo + (r() % (hi - lo + 1));
  switch (cls) {
    case 'zero':
      return sign >>> 0;
    case 'subnormal': {
      // Random leading-zero counts, not just uniformly random fractions.
      const f = (frac >>> (r() % 23)) || 1;
      return (sign | f) >>> 0;
    }
    case 'edge':
      return (sign | EDGES[r() % EDGES.length]!) >>> 0;
    case 'near1':
      return (sign | (expOf(117, 137) << 23) | frac) >>> 0;
    case 'normal':
      return (sign | (expOf(1, 254) << 23) | frac) >>> 0;
    case 'huge':
      return (sign | (expOf(230, 254) << 23) | frac) >>> 0;
    case 'inf':
      return (sign | 0x7f800000) >>> 0;
    case 'nan':
      return (sign | 0x7f800000 | (frac || 1) | (r() & 1 ? 0x400000 : 0)) >>> 0;
    case 'few-bits': {
      const keep = r() % 24;
      const f = frac & ~((1 << (23 - keep)) - 1) & 0x7fffff;
      return (sign | (expOf(1, 254) << 23) | f) >>> 0;
    }
  }
}

function pickClass(r: () => number): OperandClass {
  let x = r() % 100;
  for (const [c, w] of OPERAND_CLASSES) {
    if (x < w) return c;
    x -= w;
  }
  return 'normal';
}

/**
 * Second operands related to the first, per unit, so that the interesting
 * regions are hit often: cancellation and close exponents (add), products
 * and quotients near the overflow and underflow thresholds (mul, div).
 */
function related(kind: UnitKind, r: () => number, a: number): number {
  const ea = (a >>> 23) & 0xff;
  const sign = (r() & 1) << 31;
  const frac = r() & 0x7fffff;
  switch (kind) {
    case 'add':
    case 'max': {
      const mode = r() % 4;
      if (mode === 0) return (a ^ 0x80000000) >>> 0; // total cancellation / equal magnitude
      if (mode === 1) return ((a ^ (r() & 1 ? 0x80000000 : 0)) + (r() % 7) - 3) >>> 0; // near-cancellation
      const e = Math.max(0, Math.min(254, ea + (r() % 60) - 30)); // close exponents, incl. > 24 apart
      return (sign | (e << 23) | frac) >>> 0;
    }
    case 'mul': {
      // ea + eb - 127 near 0 (underflow) or near 254 (overflow).
      const target = r() & 1 ? (r() % 40) - 25 : 240 + (r() % 30);
      const e = Math.max(0, Math.min(254, target + 127 - ea));
      return (sign | (e << 23) | frac) >>> 0;
    }
    case 'div': {
      const target = r() & 1 ? (r() % 40) - 25 : 240 + (r() % 30);
      const e = Math.max(0, Math.min(254, ea - target + 127));
      if (r() % 4 === 0) return (sign | (e << 23) | (a & 0x7fffff)) >>> 0; // same significand: exact quotients
      return (sign | (e << 23) | frac) >>> 0;
    }
    default:
      return (sign | frac) >>> 0;
  }
}

export interface Vector {
  a: number;
  b: number;
  sub: number;
}

/** n random vectors for a unit, every operand class present (see OPERAND_CLASSES). */
export function randomVectors(kind: UnitKind, n: number, seed: number): Vector[] {
  const r = rng(seed);
  const out: Vector[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 'u2f') {
      const mode = r() % 4;
      const a = mode === 0 ? r() : mode === 1 ? r() >>> (r() % 32) : mode === 2 ? (r() & 0xffffff00) >>> (r() % 8) : r() % 4096;
      out[i] = { a: a >>> 0, b: 0, sub: 0 };
      continue;
    }
    const a = operand(r, pickClass(r));
    const b = kind === 'sqrt' ? 0 : r() % 5 < 1 ? related(kind, r, a) : operand(r, pickClass(r));
    out[i] = { a, b, sub: kind === 'add' ? r() & 1 : 0 };
  }
  return out;
}

const f = toBits;
/** The directed corner set of each unit: (a, b[, sub]) pairs with a comment each. */
export function directedVectors(kind: UnitKind): Vector[] {
  const v = (a: number, b = 0, sub = 0): Vector => ({ a: a >>> 0, b: b >>> 0, sub });
  const specials = [0, 0x80000000, 0x7f800000, 0xff800000, QNAN, 0xffc00001, 0x7f800001, 0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, f(1), f(-1), f(2), f(0.5), f(3), f(1.5)];
  const all: Vector[] = [];
  // Every pair of special operands (both orders).
  if (kind !== 'sqrt' && kind !== 'u2f') for (const a of specials) for (const b of specials) all.push(v(a, b), ...(kind === 'add' ? [v(a, b, 1)] : []));
  switch (kind) {
    case 'add':
      all.push(
        v(0x00000001, 0x00000001), // subnormal + subnormal
        v(0x007fffff, 0x00000001), // subnormal carries into the exponent (-> min normal)
        v(0x00800000, 0x00000001, 1), // min normal - min subnormal -> subnormal result
        v(0x00800001, 0x00800000, 1), // difference of normals is subnormal
        v(f(1), f(2 ** -24)), // exact tie, lsb even -> stays 1
        v(f(1 + 2 ** -23), f(2 ** -24)), // exact tie, lsb odd -> rounds up
        v(f(1), f(2 ** -24 + 2 ** -47)), // just above the tie
        v(f(1), f(2 ** -24), 1), // 1 - 2^-24 exact
        v(f(1), f(2 ** -25), 1), // tie below 1
        v(0x7f7fffff, 0x73000000), // max + half ulp: tie -> inf (even rounds up to 2^128)
        v(0x7f7fffff, 0x72ffffff), // max + just under half ulp -> max
        v(0x7f7fffff, 0x7f7fffff), // overflow
        v(0xff7fffff, 0x7f7fffff, 1), // negative overflow
        v(f(1.5), f(1.5), 1), // total cancellation -> +0
        v(f(-1.5), f(-1.5), 1), // total cancellation (negative) -> +0
        v(f(-1.5), f(1.5)), // x + (-x) -> +0
        v(0x80000000, 0x80000000), // -0 + -0 = -0
        v(0x80000000, 0, 1), // -0 - +0 = -0
        v(0, 0x80000000), // +0 + -0 = +0
        v(0x7f800000, 0x7f800000, 1), // inf - inf = NaN
        v(0x7f800000, 0xff800000), // inf + -inf = NaN
        v(f(1), f(2 ** -30)), // far below the lsb: sticky only
        v(f(1), f(2 ** -30), 1),
        v(f(16777216), f(1)), // 2^24 + 1: tie, stays even
        v(f(16777218), f(1)), // 2^24 + 2 + 1: tie, rounds up
      );
      for (let k = 0; k < 32; k++) all.push(v(f(1), f(2 ** -k), k & 1), v(0x00800000 + k, 0x00800000 - k, 1));
      break;
    case 'mul':
      all.push(
        v(0, 0x7f800000), // 0 * inf = NaN
        v(0x80000000, 0xff800000),
        v(0x00000001, f(0.5)), // min subnormal * 0.5: tie -> 0 (even)
        v(0x00000003, f(0.5)), // 1.5 ulp: tie -> 2 ulp (even)
        v(0x00000001, f(0.75)), // rounds up to min subnormal
        v(0x00000001, f(0.25)), // underflow to 0
        v(0x00800000, f(0.5)), // min normal / 2 -> subnormal exactly
        v(0x00ffffff, f(0.5)), // rounding a subnormal result up
        v(0x00fffffe, f(0.5)),
        v(0x007fffff, f(2)), // subnormal -> normal
        v(0x00000001, 0x4b000000), // subnormal * 2^23
        v(0x007fffff, 0x7f000000), // subnormal * huge
        v(0x7f7fffff, f(2)), // overflow
        v(0x7f7fffff, f(1 + 2 ** -23)),
        v(0x3f800001, 0x3f800001), // (1+u)^2 rounding
        v(0x3fffffff, 0x3fffffff), // carry into the exponent after rounding
        v(0x00800000, 0x3f7fffff), // just below min normal: rounds back up to it?
        v(0x00800001, 0x3f7fffff),
        v(0x1f800000, 0x1f800000), // 2^-64 squared -> 2^-128 subnormal
        v(0x1a000000, 0x1a000000), // far underflow -> 0
      );
      break;
    case 'div':
      all.push(
        v(0, 0), // 0/0 = NaN
        v(0x80000000, 0), // -0/0 = NaN
        v(0x7f800000, 0x7f800000), // inf/inf = NaN
        v(f(1), 0), // 1/0 = inf
        v(f(-1), 0), // -1/+0 = -inf
        v(f(1), 0x80000000), // 1/-0 = -inf
        v(0, f(1)), v(0x80000000, f(1)), v(f(1), 0x7f800000), v(f(-1), 0x7f800000),
        v(f(1), f(3)), v(f(2), f(3)), v(f(1), f(7)), v(f(10), f(3)),
        v(0x00000001, f(2)), // min subnormal / 2: tie -> 0
        v(0x00000003, f(2)), // 1.5 ulp: tie -> 2 ulp
        v(0x00000001, f(3)), // 1/3 ulp -> 0
        v(0x00000002, f(3)), // 2/3 ulp -> 1 ulp
        v(0x00800000, f(2)), // -> subnormal exactly
        v(0x7f7fffff, f(0.5)), // overflow
        v(0x7f7fffff, 0x00000001), // huge / min subnormal: overflow
        v(0x00000001, 0x7f7fffff), // underflow to 0
        v(0x00000001, 0x00000001), // 1
        v(0x007fffff, 0x00000001), v(0x00000001, 0x007fffff),
        v(f(1), 0x3f7fffff), v(0x3f7fffff, f(1)), v(0x3fffffff, 0x3f800001),
      );
      break;
    case 'sqrt': {
      const xs = [0, 0x80000000, 0x7f800000, 0xff800000, QNAN, 0xffc00001, 0x7f800001, f(-1), 0x80000001, 0xff7fffff, // specials and negatives
        0x00000001, 0x00000002, 0x00000004, 0x007fffff, 0x00800000, 0x00800001, 0x7f7fffff, f(1), f(2), f(4), f(0.25), f(2), f(3), f(1 + 2 ** -23), f(1 - 2 ** -24), f(2 - 2 ** -22)];
      for (const x of xs) all.push(v(x));
      for (let k = 0; k < 64; k++) all.push(v(k), v(0x3f800000 + k), v(0x40000000 - k)); // small subnormals and around 1 and 2
      for (let s = 1; s < 4096; s += 37) all.push(v(f(s * s)), v(f(s * s + 1)), v(f((s * s) / 65536))); // exact squares and near
      break;
    }
    case 'max':
      all.push(v(0, 0x80000000), v(0x80000000, 0), v(QNAN, f(1)), v(f(1), QNAN), v(QNAN, 0xffc00000), v(f(1), f(1)), v(0xff800000, 0x7f800000), v(0x00000001, 0x80000001), v(0x80000001, 0x00000001));
      break;
    case 'u2f':
      for (let k = 0; k < 32; k++) {
        const p = 2 ** k;
        for (const x of [p, p - 1, p + 1, p * 1.5, p + 0x80, p + 0x7f, p + 0x81, p + 0x180]) if (x < 2 ** 32) all.push(v(Math.floor(x)));
      }
      all.push(v(0), v(1), v(0xffffffff), v(0xfffffff0), v(0xffffff80), v(0xffffff7f), v(0x01000001), v(0x01000003), v(0x00ffffff), v(16777217), v(16777219));
      break;
  }
  return all;
}

// ------------------------------------------------------------------ sim

export interface UnitRun {
  count: number;
  /** Vectors whose output differed from the reference. */
  failures: number;
  /** The first few of them. */
  mismatches: Mismatch[];
  /** Vectors whose out_valid did not match in_valid (should be 0). */
  validErrors: number;
}

/** A unit under co-simulation: one Verilator build (cached), one harness process. */
export class UnitSim {
  private constructor(
    readonly kind: UnitKind,
    readonly stream: SimStream,
    readonly latency: number,
  ) {}

  /** Opens a unit from its module, or from its printed Verilog (a mutant of it, say). */
  static async open(kind: UnitKind, top: Module | VerilogDesign, latency: number): Promise<UnitSim> {
    const design = 'modules' in top ? top : generate(top);
    const stream = await openStream(targetOf(design), {
      inputs: ['in_valid', ...inputsOf(kind)],
      outputs: ['out_valid', 'y'],
      latency,
    });
    return new UnitSim(kind, stream, latency);
  }

  /**
   * Runs vectors (chunked) and compares them with the reference. Unless
   * `bubbles` is false, an extra idle cycle (in_valid = 0, data held) follows
   * every 31 vectors, to check that out_valid follows in_valid.
   */
  async check(vectors: Vector[], opts: { maxMismatches?: number; chunk?: number; bubbles?: boolean; onProgress?: (done: number) => void } = {}): Promise<UnitRun> {
    const kind = this.kind;
    const ins = inputsOf(kind);
    const chunk = opts.chunk ?? 62_000;
    const maxMis = opts.maxMismatches ?? 10;
    const mismatches: Mismatch[] = [];
    let validErrors = 0;
    let count = 0;
    let failures = 0;
    for (let s = 0; s < vectors.length; s += chunk) {
      const part = vectors.slice(s, s + chunk);
      const rows: number[][] = [];
      const which: number[] = []; // vector index of each row, -1 for a bubble
      part.forEach((vec, i) => {
        const data = ins.map((p) => (p === 'a' ? vec.a : p === 'b' ? vec.b : vec.sub));
        rows.push([1, ...data]);
        which.push(i);
        if (opts.bubbles !== false && (s + i) % 31 === 30) {
          rows.push([0, ...data]);
          which.push(-1);
        }
      });
      const out = await this.stream.run(rows);
      for (let k = 0; k < rows.length; k++) {
        const ov = Number(out[k]![0]!);
        const i = which[k]!;
        if (ov !== (i >= 0 ? 1 : 0)) validErrors++;
        if (i < 0) continue;
        count++;
        const vec = part[i]!;
        const got = Number(out[k]![1]!);
        const want = reference(kind, vec.a, vec.b, vec.sub);
        if (matches(kind, got, want)) continue;
        failures++;
        if (mismatches.length < maxMis) {
          mismatches.push({
            index: s + i,
            a: hex(vec.a),
            b: hex(vec.b),
            sub: vec.sub,
            got: hex(got),
            want: hex(want),
            note: `${kind}(${fromBits(vec.a)}, ${fromBits(vec.b)}${vec.sub ? ', sub' : ''}) = ${fromBits(got)}, want ${fromBits(want)}`,
          });
        }
      }
      opts.onProgress?.(Math.min(vectors.length, s + chunk));
    }
    return { count, failures, mismatches, validErrors };
  }

  close(): Promise<void> {
    return this.stream.close();
  }
}
