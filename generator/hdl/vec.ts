/**
 * Vecs indexed by a hardware value. A Vec's hardware is an `HwVec`, an Array
 * whose `at()` also takes a UInt:
 *
 *   const regs = Reg(Vec(8, UInt(16)), { init: 0 });
 *   out.set(regs.at(idx));                   // read: a mux tree over the elements
 *   when(we, () => regs.at(idx).set(data));  // write: only the element at idx takes data
 *   table.at(i).count.set(0);                // a Vec of bundles: each field likewise
 *
 * A read past the end gives the last element; a write past the end changes
 * nothing. With a number, `at()` is the plain Array method.
 */
import { ElaborationError } from './errors';
import { Value, mux, oneCall, type ValueLike } from './ir';
import { when } from './builder';
import { Signal } from './signal';
import { callerLoc, locToString } from './source';
import { log2Up } from './types';

/** The hardware at a dynamic index of a Vec: each ground leaf becomes a VecElem. */
export type Dyn<T> = T extends Value ? VecElem : T extends readonly (infer E)[] ? HwVec<Dyn<E>> : { [K in keyof T]: Dyn<T[K]> };

/** The Array of a Vec's hardware (elements are Signals, Values, bundles or HwVecs). */
export class HwVec<T> extends Array<T> {
  /** map/filter/slice give plain arrays. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  /** The element at a constant index (negative counts from the end), or at a hardware UInt index. */
  override at(i: number): T | undefined;
  override at(i: Value): Dyn<T>;
  override at(i: number | Value): T | Dyn<T> | undefined {
    if (typeof i === 'number') return super.at(i);
    if (!(i instanceof Value)) {
      throw new ElaborationError('TYPE MISMATCH', `Vec.at() takes a number or a UInt value, got ${String(i)}`, undefined, locToString(callerLoc()));
    }
    if (i.signed) throw new ElaborationError('TYPE MISMATCH', 'a Vec index must be a UInt; convert it with asUInt()', undefined, locToString(callerLoc()));
    if (this.length === 0) throw new ElaborationError('BAD STRUCTURE', 'Vec.at() on an empty Vec', undefined, locToString(callerLoc()));
    return oneCall(() => dynamic([...this], i)) as Dyn<T>;
  }
}

/** The hardware tree at index `idx` of `elems` (all of one shape). */
function dynamic(elems: unknown[], idx: Value): unknown {
  const first = elems[0];
  if (first instanceof Value) return new VecElem(elems as Value[], idx);
  if (Array.isArray(first)) {
    const out = new HwVec<unknown>();
    for (let k = 0; k < first.length; k++) out.push(dynamic(elems.map((e) => (e as unknown[])[k]), idx));
    return out;
  }
  if (typeof first === 'object' && first !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = dynamic(elems.map((e) => (e as Record<string, unknown>)[key]), idx);
    return out;
  }
  throw new ElaborationError('BAD STRUCTURE', `Vec.at(): an element is not hardware (${String(first)})`, undefined, locToString(callerLoc()));
}

/** The mux tree that reads `elems[idx]` (past the end: the last element), as the root node's op and operands. */
function readTree(elems: readonly Value[], idx: Value): { op: 'mux' | 'cast'; args: Value[] } {
  const n = elems.length;
  const e0 = elems[0]!;
  if (elems.some((e) => e.width !== e0.width || e.signed !== e0.signed)) {
    throw new ElaborationError('TYPE MISMATCH', 'Vec.at(): the elements differ in width or signedness', undefined, locToString(callerLoc()));
  }
  if (n === 1) return { op: 'cast', args: [e0] };
  const k = log2Up(n);
  const low = Math.min(k, idx.width);
  // A balanced tree on the index's low bits; leaves past the end repeat the
  // last element. The root node is the VecElem itself, so only the levels
  // below it are built here (nothing is built and then dropped).
  let level: Value[] = Array.from({ length: 2 ** low }, (_, j) => elems[Math.min(j, n - 1)]!);
  for (let b = 0; b < low - 1; b++) {
    const sel = idx.bit(b);
    const next: Value[] = [];
    for (let j = 0; j < level.length; j += 2) next.push(mux(sel, level[j + 1]!, level[j]!));
    level = next;
  }
  const top = idx.bit(low - 1);
  if (idx.width <= k) return { op: 'mux', args: [top, level[1]!, level[0]!] };
  // A wider index: anything at or past 2^k is past the end too.
  return { op: 'mux', args: [idx.bits(idx.width - 1, k).orR(), elems[n - 1]!, mux(top, level[1]!, level[0]!)] };
}

/**
 * One ground element of a Vec at a hardware index: reads as the selected
 * element; `set(v)` connects v to the element at the index only.
 */
export class VecElem extends Value {
  constructor(
    readonly choices: readonly Value[],
    readonly index: Value,
  ) {
    const t = readTree(choices, index);
    super(t.op, choices[0]!.width, choices[0]!.signed, t.args);
  }

  /** Connects v to the element at the index (last connect wins, as for a signal). */
  set(v: ValueLike): void {
    const loc = callerLoc();
    this.choices.forEach((c, k) => {
      if (!(c instanceof Signal) && !(c instanceof VecElem)) {
        throw new ElaborationError('BAD STRUCTURE', 'Vec.at(i).set(): this Vec holds computed values, not signals; only a Vec of registers, wires or ports can be written', undefined, locToString(loc));
      }
      if (k >= 2 ** this.index.width) return; // the index cannot reach it
      when(this.index.eq(k), () => c.set(v));
    });
  }
}
