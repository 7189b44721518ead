/**
 * Hardware of aggregate types: bundles and vecs as trees of signals, their
 * leaves, bulk packing and unpacking.
 */
import { ElaborationError } from './errors';
import { Value } from './ir';
import { Signal } from './signal';
import { HwVec } from './vec';
import { callerLoc, locToString, type SourceLoc } from './source';
import { bitWidth, isGround, typeToString, type BundleType, type FieldSpec, type Flipped, type GroundType, type HwType, type VecType } from './types';

// ---------------------------------------------------------------------------
// Hardware of aggregate types

/** The signals of a hardware type: a Signal per ground leaf, objects for bundles, arrays for vecs. */
export type Hw<T> = T extends Flipped<infer U>
  ? Hw<U>
  : T extends GroundType
  ? Signal
  : T extends BundleType<infer F>
    ? { [K in keyof F]: Hw<F[K]> }
    : T extends VecType<infer E>
      ? HwVec<Hw<E>>
      : never;

/** Read-only view of a hardware type (any Value at the leaves). */
export type HwValue<T> = T extends Flipped<infer U>
  ? HwValue<U>
  : T extends GroundType
  ? Value
  : T extends BundleType<infer F>
    ? { [K in keyof F]: HwValue<F[K]> }
    : T extends VecType<infer E>
      ? HwVec<HwValue<E>>
      : never;

/** Visits the leaves of a type in declaration order (first field first). */
export function forEachLeaf(
  t: HwType,
  fn: (leaf: GroundType, path: string[], flipped: boolean) => void,
  path: string[] = [],
  flipped = false,
): void {
  if (isGround(t)) return fn(t, path, flipped);
  if (t.kind === 'vec') {
    for (let i = 0; i < t.length; i++) forEachLeaf(t.elem, fn, [...path, String(i)], flipped);
    return;
  }
  for (const [k, f] of Object.entries(t.fields as Record<string, FieldSpec>)) {
    forEachLeaf(f.type, fn, [...path, k], flipped !== f.flip);
  }
}

export function buildHw<T extends HwType>(t: T, mk: (leaf: GroundType, path: string[], flipped: boolean) => Signal, path: string[] = [], flipped = false): Hw<T> {
  if (isGround(t)) return mk(t, path, flipped) as Hw<T>;
  if (t.kind === 'vec') {
    return HwVec.from({ length: t.length }, (_, i) => buildHw(t.elem, mk, [...path, String(i)], flipped)) as Hw<T>;
  }
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(t.fields as Record<string, FieldSpec>)) {
    out[k] = buildHw(f.type, mk, [...path, k], flipped !== f.flip);
  }
  return out as Hw<T>;
}

/** The leaves of a hardware value with their flip parity, in declaration order. */
export function leaves(t: HwType, hw: unknown): { sig: Value; flipped: boolean; path: string[] }[] {
  const out: { sig: Value; flipped: boolean; path: string[] }[] = [];
  forEachLeaf(t, (_leaf, path, flipped) => {
    let x: unknown = hw;
    for (const p of path) x = (x as Record<string, unknown>)[p];
    if (!(x instanceof Value)) throw new ElaborationError('BAD STRUCTURE', `value does not match type ${typeToString(t)} at ${path.join('.')}`, undefined, locToString(callerLoc()));
    out.push({ sig: x, flipped, path });
  });
  return out;
}

/** Rebuilds the type of a port or signal tree from the signals' own types and directions. */
export function inferType(hw: unknown, loc?: SourceLoc): HwType {
  if (hw instanceof Signal) return hw.type;
  if (hw instanceof Value) return { kind: hw.signed ? 'sint' : 'uint', width: hw.width };
  if (Array.isArray(hw)) {
    if (hw.length === 0) throw new ElaborationError('BAD STRUCTURE', 'an empty Vec', undefined, locToString(loc));
    return { kind: 'vec', length: hw.length, elem: inferType(hw[0], loc) };
  }
  if (typeof hw === 'object' && hw !== null) {
    // Flip a field when its leaves flow opposite to the first leaf's direction.
    const entries = Object.entries(hw as Record<string, unknown>);
    const dirOf = (x: unknown): string | undefined => {
      if (x instanceof Signal) return x.kind === 'input' || x.kind === 'output' ? x.kind : undefined;
      if (x instanceof Value) return undefined;
      const first = Array.isArray(x) ? x[0] : Object.values(x as Record<string, unknown>)[0];
      return first === undefined ? undefined : dirOf(first);
    };
    const ref = entries.length ? dirOf(entries[0]![1]) : undefined;
    const fields: Record<string, FieldSpec> = {};
    for (const [k, v] of entries) fields[k] = { type: inferType(v, loc), flip: ref !== undefined && dirOf(v) !== undefined && dirOf(v) !== ref };
    return { kind: 'bundle', fields };
  }
  throw new ElaborationError('BAD STRUCTURE', `not hardware: ${String(hw)}`, undefined, locToString(loc));
}

/** Packs a value tree into one UInt, first leaf in the most significant bits. */
export function pack(hw: unknown, type?: HwType): Value {
  const t = type ?? inferType(hw);
  const ls = leaves(t, hw).map((l) => l.sig);
  if (ls.length === 1) return ls[0]!.asUInt();
  return ls.slice(1).reduce((acc: Value, v) => new Value('cat', acc.width + v.width, false, [acc, v]), ls[0]!.asUInt());
}

/** Unpacks a UInt into a value tree of type T (inverse of pack). */
export function unpack<T extends HwType>(type: T, bits: Value): HwValue<T> {
  if (bits.width !== bitWidth(type)) {
    throw new ElaborationError('WIDTH MISMATCH', `unpack: ${typeToString(type)} is ${bitWidth(type)} bits, the value ${bits.width}`, undefined, locToString(callerLoc()));
  }
  let hi = bits.width;
  const build = (t: HwType): unknown => {
    if (isGround(t)) {
      const v = bits.bits(hi - 1, hi - t.width).asKind(t.kind === 'sint');
      hi -= t.width;
      return v;
    }
    if (t.kind === 'vec') return HwVec.from({ length: t.length }, () => build(t.elem));
    const o: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(t.fields as Record<string, FieldSpec>)) o[k] = build(f.type);
    return o;
  };
  return build(type) as HwValue<T>;
}

