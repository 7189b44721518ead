/**
 * LinkedQueues: n FIFOs sharing one memory of `depth` entries (a shared
 * buffer: each FIFO is a linked list through the entries, so any one of them
 * can hold up to all `depth` items while the others hold none).
 *
 *   enq (item + which FIFO) --> [ depth entries, n linked lists ] --> deq (of the FIFO `deqSel` names)
 *
 * One item in and one out per cycle (of any FIFOs, the same one too). An item
 * can leave from the cycle after it entered (latency 1); `deq` offers the head
 * of FIFO `deqSel` combinationally (an asynchronous memory read, as `Queue`'s
 * `ram` storage). `counts` holds each FIFO's occupancy; `clear` empties them all
 * in one cycle. Storage: the items (depth x payload), the links (depth x
 * log2(depth)) and a stack of free entries (depth x log2(depth)); entries never
 * used yet are taken in order first, so nothing is initialised at reset.
 */
import { badParameter } from '../hdl/params';
import { lit, mux, select, type Value } from '../hdl/ir';
import { In, Memory, Module, Out, Reg, connect, pack, unpack, when } from '../hdl/module';
import { Bool, UInt, Vec, bitWidth, bitsFor, log2Up, typeToString, type HwType } from '../hdl/types';
import { assert } from '../hdl/verify';
import { Decoupled, fire } from './stream';

export class LinkedQueues<T extends HwType> extends Module {
  readonly io;
  constructor(readonly payload: T, readonly n: number, readonly depth: number) {
    super();
    if (!Number.isInteger(n) || n < 2 || n > 256) throw badParameter(`LinkedQueues needs 2..256 FIFOs, got ${n}`);
    if (!Number.isInteger(depth) || depth < 2 || depth > 65536) throw badParameter(`LinkedQueues depth must be 2..65536, got ${depth}`);
    this.io = this.ports({
      enq: In(Decoupled(payload)),
      enqSel: In(UInt(log2Up(n))),
      deq: Out(Decoupled(payload)),
      deqSel: In(UInt(log2Up(n))),
      counts: Out(Vec(n, UInt(bitsFor(depth)))),
      clear: In(Bool),
    });
  }

  override get moduleName(): string {
    return `LinkedQueues_n${this.n}_d${this.depth}_${this.payload.kind === 'uint' ? 'w' : 'b'}${bitWidth(this.payload)}`;
  }

  override get doc(): string {
    return `${this.n} FIFOs of ${typeToString(this.payload)} sharing ${this.depth} entries (linked lists). Latency 1; one item in and one out per cycle; clear empties all.`;
  }

  protected build(): void {
    const { enq, deq } = this.io;
    const n = this.n;
    const D = this.depth;
    const pw = log2Up(D);
    const cw = bitsFor(D);
    const data = Memory(D, UInt(bitWidth(this.payload)));
    const link = Memory(D, UInt(pw));
    const free = Memory(D, UInt(pw));
    // Entries [fresh, D) were never used; free[0, sp) are the freed ones.
    const fresh = Reg(UInt(cw), { init: 0 });
    const sp = Reg(UInt(cw), { init: 0 });
    const heads = Array.from({ length: n }, (_, i) => Reg(UInt(pw), { init: 0, name: `head_${i}` }));
    const tails = Array.from({ length: n }, (_, i) => Reg(UInt(pw), { init: 0, name: `tail_${i}` }));
    const counts = Array.from({ length: n }, (_, i) => Reg(UInt(cw), { init: 0, name: `count_${i}` }));
    counts.forEach((c, i) => this.io.counts[i]!.set(c));

    const headSel = select(heads, this.io.deqSel);
    const countDeq = select(counts, this.io.deqSel);
    const tailEnq = select(tails, this.io.enqSel);
    const countEnq = select(counts, this.io.enqSel);
    // A selector past the last FIFO (n not a power of two) names none: nothing enters or leaves.
    const inRange = (v: Value, sel: Value): Value => ((n & (n - 1)) === 0 ? v : v.and(sel.lt(n)));
    deq.valid.set(inRange(countDeq.ne(0), this.io.deqSel));
    connect(deq.bits, unpack(this.payload, data.readAsync(headSel)), this.payload);
    const doDeq = fire(deq);

    const freshLeft = fresh.lt(D);
    enq.ready.set(inRange(freshLeft.or(sp.ne(0)), this.io.enqSel));
    const doEnq = fire(enq);
    const popFree = doEnq.and(freshLeft.not());
    const top = sp.subWrap(1).trunc(pw);
    const entry = mux(freshLeft, fresh.trunc(pw), free.readAsync(top));
    when(doEnq, () => {
      data.write(entry, pack(enq.bits, this.payload));
      // Linked behind the FIFO's tail (harmless when that tail leaves in this cycle: a freed entry's link is rewritten before it is read again).
      when(countEnq.ne(0), () => link.write(tailEnq, entry));
    });
    when(doEnq.and(freshLeft), () => fresh.set(fresh.addWrap(1)));
    // The left entry goes on the free stack (over the popped top when both happen).
    when(doDeq, () => free.write(mux(popFree, top, sp.trunc(pw)), headSel));
    when(popFree.and(doDeq.not()), () => sp.set(sp.subWrap(1)));
    when(doDeq.and(popFree.not()), () => sp.set(sp.addWrap(1)));

    const next = link.readAsync(headSel);
    for (let i = 0; i < n; i++) {
      const inI = doEnq.and(this.io.enqSel.eq(i));
      const outI = doDeq.and(this.io.deqSel.eq(i));
      const c = counts[i]!;
      // The new entry becomes the head when the FIFO is empty, or holds one item that leaves now.
      const newHead = inI.and(c.eq(0).or(outI.and(c.eq(1))));
      when(newHead, () => heads[i]!.set(entry)).elseWhen(outI, () => heads[i]!.set(next));
      when(inI, () => tails[i]!.set(entry));
      when(inI.ne(outI), () => c.set(mux(inI, c.addWrap(1), c.subWrap(1))));
    }
    when(this.io.clear, () => {
      fresh.set(0);
      sp.set(0);
      counts.forEach((c) => c.set(0));
    });
    assert(counts.reduce<Value>((a, c) => a.addWrap(c.zext(cw + 8)), lit(0, cw + 8)).add(sp.zext(cw + 8)).eq(fresh.zext(cw + 9)), 'the FIFOs and the free stack hold every entry taken so far, once');
  }
}
