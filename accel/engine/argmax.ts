/**
 * The engine's argmax pieces (docs/ENGINE.md, "Max mode: argmax and the
 * masked backward"), used by TcastEngine's reducer:
 *
 * - forward (OP.MAX with OP.ARGMAX): beside each accumulator word, a word of
 *   `lanes` int32 positions; a term's position replaces an element's position
 *   where its value replaced the running max (Fp32Max's `b_wins`, so the first
 *   maximal lookup keeps it) or where it is the bag's first term; an empty or
 *   all-padding bag gives -1 everywhere (docs/MODEL.md 2.2);
 * - the max-mode casted backward (OP.MASK): a gathered gradient element counts
 *   only where the argmax row's element equals the lookup's position; any
 *   other element becomes -0, the identity of the sum (x + -0 = x for every x,
 *   +0 + -0 = +0), so the accumulator keeps its bits (docs/MODEL.md 2.3).
 */
import { cat, lit, mux, named, type Value } from '../../generator';

const lane = (v: Value, i: number): Value => v.bits(32 * i + 31, 32 * i);

/** The next argmax word of a term: per lane, its position where it is first or won the comparison, else the old one; all -1 for an empty bag. */
export function argmaxWord(o: { lanes: number; old: Value; pos: Value; first: Value; empty: Value; wins: Value[] }): Value {
  const words = Array.from({ length: o.lanes }, (_, i) => mux(o.empty, lit(0xffffffff, 32), mux(o.first.or(o.wins[i]!), o.pos, lane(o.old, i))));
  return named(cat(...words.reverse()), 'argmax_next');
}

/** Lane i of a gathered row beat, or -0 where the mask is on and the argmax beat's lane i is not the lookup's position. */
export function maskedLane(o: { data: Value; argBeat: Value; pos: Value; on: Value; i: number }): Value {
  return mux(o.on.and(lane(o.argBeat, o.i).ne(o.pos)), lit(0x80000000, 32), lane(o.data, o.i));
}
