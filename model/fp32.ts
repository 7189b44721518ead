/**
 * The model's binary32 arithmetic (the full spec is docs/MODEL.md, "fp32").
 *
 * Every value is an IEEE 754 binary32 number and every + - * / sqrt is
 * rounded to binary32 with round-to-nearest-even, one operation at a time: no
 * fused multiply-add, no wider accumulator, no reassociation. In JavaScript an
 * operation on two binary32 values computed in binary64 and then rounded to
 * binary32 (`Math.fround`, or a store into a Float32Array) gives exactly the
 * correctly rounded binary32 result for + - * / and sqrt, because binary64 has
 * more than 2·24+2 significand bits (no double-rounding error). The model uses
 * both forms: `acc[d] += x` on a Float32Array element is `acc = fround(acc + x)`.
 *
 * NaN: any NaN input yields a NaN; the model does not specify NaN payloads
 * (JavaScript engines may canonicalise them), so checkers compare NaN by class.
 * Signed zeros follow IEEE 754 (e.g. +0 + -0 = +0, -0 + -0 = -0).
 */

/** Rounds to binary32 (round-to-nearest-even). */
export const f32 = Math.fround;

const scratchF = new Float32Array(1);
const scratchU = new Uint32Array(scratchF.buffer);

/** The 32 bits of a binary32 value. */
export function f32bits(x: number): number {
  scratchF[0] = x;
  return scratchU[0]!;
}

/**
 * Bit equality of two binary32 arrays, NaN compared by class (any NaN equals
 * any NaN; the payload is not specified). Returns the first differing
 * position, or -1 when equal. Lengths must match (else returns the shorter
 * length).
 */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < n; i++) {
    if (ua[i] !== ub[i] && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) return i;
  }
  return a.length === b.length ? -1 : n;
}

/** True when two binary32 arrays are equal bit for bit (NaN by class). */
export function bitEqual(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && firstBitDifference(a, b) === -1;
}
