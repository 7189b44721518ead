/**
 * Hardware types: ground types (UInt, SInt, Bool), Bundles (named fields, each
 * optionally flipped) and Vecs. A type is plain data; `hw.ts` turns it into
 * signals. Widths are checked here once so that nothing downstream sees a
 * zero or fractional width.
 */
import { ElaborationError } from './errors';

export interface GroundType {
  readonly kind: 'uint' | 'sint';
  readonly width: number;
}
export interface FieldSpec {
  readonly type: HwType;
  /** A flipped field flows against the bundle's direction (ready in a Decoupled). */
  readonly flip: boolean;
}
/**
 * A bundle. `F` is the field spec as written (`{ valid: Bool, ready: Flip(Bool), bits: T }`,
 * flipped fields still wrapped in Flipped), so that a generic block's
 * `Bundle({ ..., bits: T })` is exactly `BundleType<{ ...; bits: T }>` without a cast.
 */
export interface BundleType<F extends Record<string, HwType | Flipped<HwType>> = Record<string, HwType>> {
  readonly kind: 'bundle';
  readonly fields: { readonly [K in keyof F]: FieldSpec };
  /** Marker for static typing only. */
  readonly __fields?: F;
}
export interface VecType<E extends HwType = HwType> {
  readonly kind: 'vec';
  readonly length: number;
  readonly elem: E;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any bundle or vec, whatever its fields (variance)
export type HwType = GroundType | BundleType<any> | VecType<any>;

function checkWidth(w: number, what: string): number {
  if (!Number.isInteger(w) || w < 1 || w > 65536) {
    throw new ElaborationError('BAD WIDTH', `${what} width must be an integer from 1 to 65536, got ${w}`);
  }
  return w;
}

export function UInt(width: number): GroundType {
  return { kind: 'uint', width: checkWidth(width, 'UInt') };
}
export function SInt(width: number): GroundType {
  return { kind: 'sint', width: checkWidth(width, 'SInt') };
}
/** A one-bit unsigned value. */
export const Bool: GroundType = Object.freeze({ kind: 'uint', width: 1 });

/** Marks a bundle field as flowing against the bundle (e.g. `ready`). */
export interface Flipped<T extends HwType> { readonly __flip: T }
export function Flip<T extends HwType>(t: T): Flipped<T> {
  return { __flip: t };
}

/** `Bundle({ valid: Bool, ready: Flip(Bool), bits: UInt(8) })` */
export function Bundle<F extends Record<string, HwType | Flipped<HwType>>>(fields: F): BundleType<F> {
  const out: Record<string, FieldSpec> = {};
  for (const [k, v] of Object.entries(fields)) {
    if ('__flip' in v) out[k] = { type: v.__flip, flip: true };
    else out[k] = { type: v, flip: false };
  }
  return { kind: 'bundle', fields: out as { [K in keyof F]: FieldSpec } };
}

export function Vec<E extends HwType>(length: number, elem: E): VecType<E> {
  if (!Number.isInteger(length) || length < 1) {
    throw new ElaborationError('BAD WIDTH', `Vec length must be a positive integer, got ${length}`);
  }
  return { kind: 'vec', length, elem };
}

export function isGround(t: HwType): t is GroundType {
  return t.kind === 'uint' || t.kind === 'sint';
}

/** Total number of bits in a type (bundles and vecs flattened). */
export function bitWidth(t: HwType): number {
  if (isGround(t)) return t.width;
  if (t.kind === 'vec') return t.length * bitWidth(t.elem);
  return Object.values(t.fields as Record<string, FieldSpec>).reduce((s, f) => s + bitWidth(f.type), 0);
}

export function typeToString(t: HwType): string {
  if (isGround(t)) return t.kind === 'sint' ? `SInt(${t.width})` : t.width === 1 ? 'Bool' : `UInt(${t.width})`;
  if (t.kind === 'vec') return `Vec(${t.length}, ${typeToString(t.elem)})`;
  const fs = Object.entries(t.fields as Record<string, FieldSpec>).map(
    ([k, f]) => `${k}: ${f.flip ? `Flip(${typeToString(f.type)})` : typeToString(f.type)}`,
  );
  return `Bundle({ ${fs.join(', ')} })`;
}

/** Bits needed to count 0..n inclusive (at least 1). */
export function bitsFor(n: number): number {
  let w = 1;
  while (2 ** w <= n) w++;
  return w;
}
/** Bits needed to index n things (ceil(log2 n), at least 1). */
export function log2Up(n: number): number {
  return n <= 2 ? 1 : bitsFor(n - 1);
}
