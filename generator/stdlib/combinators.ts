/**
 * Stream combinators: functions that wire ready/valid streams together inside
 * the module being built (SpinalHDL's `stream.fork`, `StreamJoin`, `.translateWith`).
 *
 * A *source* is a stream this module reads: `{ valid, ready, bits }` where
 * valid and bits are values and `ready` is a signal this module drives (an
 * `In(Decoupled(T))` port, a child's `deq`, or what a combinator returns).
 * Each combinator takes sources and returns sources, so they chain; end a
 * chain with `connect(this.io.out, s)` or `connect(child.io.enq, s)`.
 *
 *   const [a, b] = fork(this.io.in, 2);            // every item to both (each side at its own pace)
 *   const inc = map(a, (x) => x.addWrap(1));       // combinational transform of the bits
 *   const both = join({ x: inc, y: this.io.other }); // one item when both have one: bits { x, y }
 *   const sums = foldPackets(pkts, U(0, 16), (acc, d) => acc.addWrap(d.zext(16)));  // one sum per packet
 *
 * Every combinator keeps the library's stream rules: a valid offered is held
 * with the same bits until it is taken, and no valid waits for a ready.
 */
import { ElaborationError } from '../hdl/errors';
import { badParameter } from '../hdl/params';
import { andAll, mux, toValue, type Value, type ValueLike } from '../hdl/ir';
import { Reg, Wire, when, type Signal } from '../hdl/module';
import { callerLoc, locToString } from '../hdl/source';
import { Bool, Bundle, SInt, UInt, log2Up, type BundleType, type HwType } from '../hdl/types';

/** A stream this module reads: valid and bits in, `ready` driven here. */
export interface Source<B = unknown> {
  valid: Value;
  ready: Signal;
  bits: B;
}

/** The payload of a `last`-framed packet stream: `Decoupled(Packet(T))`. */
export type PacketType<T extends HwType> = BundleType<{ data: T; last: typeof Bool }>;
/** `{ data: T, last: Bool }`: an item of a packet; `last` marks the packet's final item. */
export function Packet<T extends HwType>(data: T): PacketType<T> {
  return Bundle({ data, last: Bool });
}

function fail(what: string, msg: string): never {
  throw new ElaborationError('BAD STRUCTURE', `${what}: ${msg}`, undefined, locToString(callerLoc()));
}

/**
 * Eager fork: every item of `src` goes to each of the `n` outputs; each output
 * takes it at its own pace (a register per output remembers that it has), and
 * `src` is released once all have. Latency 0; throughput 1 item/cycle when no
 * output stalls.
 */
export function fork<B>(src: Source<B>, n: number): Source<B>[] {
  if (!Number.isInteger(n) || n < 2) throw badParameter(`fork(): the number of outputs must be an integer >= 2, got ${n}`);
  const outs: Source<B>[] = [];
  const taken: Value[] = [];
  const dones: Signal[] = [];
  for (let i = 0; i < n; i++) {
    const done = Reg(Bool, { init: 0 });
    const ready = Wire(Bool);
    outs.push({ valid: src.valid.and(done.not()), ready, bits: src.bits });
    taken.push(ready.or(done));
    dones.push(done);
  }
  const all = andAll(...taken);
  src.ready.set(all);
  dones.forEach((done, i) => {
    // Cleared when the item leaves src; set when this output took it first.
    when(src.valid.and(all), () => done.set(0)).otherwise(() => when(outs[i]!.valid.and(outs[i]!.ready), () => done.set(1)));
  });
  return outs;
}

/** Applies `fn` to every item's bits (combinational). Latency 0. */
export function map<B, R>(src: Source<B>, fn: (bits: B) => R): Source<R> {
  const ready = Wire(Bool);
  src.ready.set(ready);
  return { valid: src.valid, ready, bits: fn(src.bits) };
}

/**
 * Join: one output item per item of each source, taken from all at once when
 * every source has one; the bits are the sources' bits under the same keys
 * (a record) or indices (a list). Latency 0.
 */
export function join<S extends Record<string, Source>>(srcs: S): Source<{ [K in keyof S]: S[K]['bits'] }>;
export function join<B>(srcs: readonly Source<B>[]): Source<B[]>;
export function join(srcs: Record<string, Source> | readonly Source[]): Source<unknown> {
  const list = Object.values(srcs);
  if (list.length < 2) fail('join()', `needs at least two streams, got ${list.length}`);
  const valid = andAll(...list.map((s) => s.valid));
  const ready = Wire(Bool);
  for (const s of list) s.ready.set(ready.and(valid));
  const bits = Array.isArray(srcs)
    ? srcs.map((s) => s.bits)
    : Object.fromEntries(Object.entries(srcs).map(([k, s]) => [k, s.bits]));
  return { valid, ready, bits };
}

/**
 * Reduces each `last`-framed packet to one item: `acc` starts at `init` at a
 * packet's first item, takes `fn(acc, data)` at each item, and the value after
 * the item with `last` is offered on the returned stream (registered: latency
 * 1 after the last item; one packet item per cycle while the output drains).
 * The result has init's width and signedness; `fn` must keep it.
 */
export function foldPackets<D>(src: Source<{ data: D; last: Value }>, init: ValueLike, fn: (acc: Value, data: D) => Value): Source<Value> {
  const start = toValue(init);
  const t = start.signed ? SInt(start.width) : UInt(start.width);
  const acc = Reg(t);
  const first = Reg(Bool, { init: 1 });
  const outValid = Reg(Bool, { init: 0 });
  const outBits = Reg(t);
  const ready = Wire(Bool);

  const next = fn(mux(first, start, acc), src.bits.data);
  if (next.width !== start.width || next.signed !== start.signed) {
    fail('foldPackets()', `fn returned ${next.signed ? 'SInt' : 'UInt'}(${next.width}) but the accumulator is ${start.signed ? 'SInt' : 'UInt'}(${start.width}); keep fn's result the width of init (addWrap, trunc)`);
  }
  const free = outValid.not().or(ready);
  src.ready.set(free);
  when(outValid.and(ready), () => outValid.set(0));
  when(src.valid.and(free), () => {
    when(src.bits.last, () => {
      outBits.set(next);
      outValid.set(1);
      first.set(1);
    }).otherwise(() => {
      acc.set(next);
      first.set(0);
    });
  });
  return { valid: outValid, ready, bits: outBits };
}

/**
 * Frames a stream into packets of `n` items: `last` is set on every n-th
 * item. Latency 0.
 */
export function frame<B>(src: Source<B>, n: number): Source<{ data: B; last: Value }> {
  if (!Number.isInteger(n) || n < 1) throw badParameter(`frame(): the packet length must be a positive integer, got ${n}`);
  const ready = Wire(Bool);
  src.ready.set(ready);
  if (n === 1) return { valid: src.valid, ready, bits: { data: src.bits, last: toValue(1) } };
  const count = Reg(UInt(log2Up(n)), { init: 0 });
  const last = count.eq(n - 1);
  when(src.valid.and(ready), () => when(last, () => count.set(0)).otherwise(() => count.set(count.addWrap(1))));
  return { valid: src.valid, ready, bits: { data: src.bits, last } };
}
