/**
 * Queue: a FIFO between a producer and a consumer (Chisel's Queue), the
 * accelerator's index queue.
 *
 *   enq (consumer side) --> [ depth entries ] --> deq (producer side)
 *
 * Latency: 1 cycle from enq to deq (0 with `flow`, which lets an item pass
 * straight through an empty queue). Throughput: one item per cycle in and out
 * at once. `pipe` lets a full queue accept an item in the cycle it gives one
 * up (enq.ready then depends on deq.ready combinationally). `count` is the
 * occupancy. Storage is a register file (`reg`) or a memory Yosys infers as
 * RAM with an asynchronous read (`ram`, LUT RAM on an FPGA); depth 1 always
 * uses a register. Any depth >= 1 works, powers of two or not.
 */
import { badParameter } from '../hdl/params';
import { lit, mux, select, type Value } from '../hdl/ir';
import { In, Memory, Module, Out, Reg, Wire, connect, instance, pack, unpack, when, type Hw, type Signal } from '../hdl/module';
import { assert, cover } from '../hdl/verify';
import { UInt, bitWidth, bitsFor, log2Up, typeToString, type HwType } from '../hdl/types';
import { Decoupled, fire } from './stream';

export interface QueueOptions {
  depth: number;
  /**
   * `reg`: a register file. `ram`: a memory with an asynchronous read (LUT
   * RAM). `bram`: a memory with a synchronous read (block RAM) and a two-entry
   * output buffer; latency 2, for deep index queues (depth >= 2, no pipe/flow).
   */
  storage?: 'reg' | 'ram' | 'bram';
  pipe?: boolean;
  flow?: boolean;
}

export class Queue<T extends HwType> extends Module {
  readonly io;
  readonly depth: number;
  readonly storage: 'reg' | 'ram' | 'bram';
  readonly pipe: boolean;
  readonly flow: boolean;

  constructor(readonly payload: T, opts: QueueOptions) {
    super();
    if (!Number.isInteger(opts.depth) || opts.depth < 1) {
      throw badParameter(`Queue depth must be a positive integer, got ${opts.depth}`);
    }
    this.depth = opts.depth;
    this.storage = opts.storage ?? 'reg';
    this.pipe = opts.pipe ?? false;
    this.flow = opts.flow ?? false;
    if (this.storage === 'bram' && (opts.depth < 2 || this.pipe || this.flow)) {
      throw badParameter(`a bram Queue needs depth >= 2 and neither pipe nor flow (got depth ${opts.depth}${this.pipe ? ', pipe' : ''}${this.flow ? ', flow' : ''}); use storage 'reg' or 'ram'`);
    }
    this.io = this.ports({
      enq: In(Decoupled(payload)),
      deq: Out(Decoupled(payload)),
      count: Out(UInt(bitsFor(opts.depth))),
    });
  }

  override get moduleName(): string {
    const t = this.payload.kind === 'uint' ? `w${this.payload.width}` : `b${bitWidth(this.payload)}`;
    return `Queue_d${this.depth}_${t}_${this.storage}${this.pipe ? '_pipe' : ''}${this.flow ? '_flow' : ''}`;
  }

  override get doc(): string {
    return [
      `FIFO of ${this.depth} x ${typeToString(this.payload)} (${this.storage} storage${this.pipe ? ', pipe' : ''}${this.flow ? ', flow' : ''}).`,
      `Latency ${this.storage === 'bram' ? '2 (synchronous RAM read, then a flow-through output buffer)' : this.flow ? '0 (flow-through when empty)' : '1'} cycle(s); throughput 1 item/cycle; count = occupancy.`,
    ].join('\n');
  }

  protected build(): void {
    const { enq, deq } = this.io;
    this.checks(enq, deq);
    if (this.storage === 'bram') return this.buildBlockRam(enq, deq);
    const n = this.depth;
    const width = bitWidth(this.payload);
    const pw = log2Up(n);

    const enqPtr = Reg(UInt(pw), { init: 0 });
    const deqPtr = Reg(UInt(pw), { init: 0 });
    const maybeFull = Reg(UInt(1), { init: 0 });
    const ptrMatch = n === 1 ? lit(1, 1) : enqPtr.eq(deqPtr);
    const empty = ptrMatch.and(maybeFull.not());
    const full = ptrMatch.and(maybeFull);

    const doEnq = Wire(UInt(1), { default: fire(enq) });
    const doDeq = Wire(UInt(1), { default: fire(deq) });

    const enqBits = pack(enq.bits, this.payload);
    let head: Value;
    if (n === 1) {
      const slot = Reg(UInt(width));
      when(doEnq, () => slot.set(enqBits));
      head = slot;
    } else if (this.storage === 'reg') {
      const slots = Array.from({ length: n }, (_, i) => {
        const slot = Reg(UInt(width), { name: `slot_${i}` });
        when(doEnq.and(enqPtr.eq(i)), () => slot.set(enqBits));
        return slot;
      });
      head = select(slots, deqPtr);
    } else {
      const ram = Memory(n, UInt(width));
      when(doEnq, () => ram.write(enqPtr, enqBits));
      head = ram.readAsync(deqPtr);
    }

    const bump = (p: Signal): Value => (2 ** pw === n ? p.addWrap(1) : mux(p.eq(n - 1), lit(0, pw), p.addWrap(1)));
    if (n > 1) {
      when(doEnq, () => enqPtr.set(bump(enqPtr)));
      when(doDeq, () => deqPtr.set(bump(deqPtr)));
    }
    when(doEnq.ne(doDeq), () => maybeFull.set(doEnq));

    deq.valid.set(empty.not());
    enq.ready.set(full.not());
    connect(deq.bits, unpack(this.payload, head), this.payload);

    if (this.flow) {
      when(enq.valid, () => deq.valid.set(1));
      when(empty, () => {
        connect(deq.bits, enq.bits, this.payload);
        doDeq.set(0);
        when(deq.ready, () => doEnq.set(0));
      });
    }
    if (this.pipe) when(deq.ready, () => enq.ready.set(1));

    // Occupancy.
    const cw = bitsFor(n);
    if (n === 1) {
      this.io.count.set(maybeFull);
    } else if (2 ** pw === n) {
      this.io.count.set(maybeFull.and(ptrMatch).shl(pw).or(enqPtr.subWrap(deqPtr).zext(cw)).trunc(cw));
    } else {
      const diff = enqPtr.subWrap(deqPtr).zext(cw);
      const wrapped = diff.addWrap(n).trunc(cw);
      this.io.count.set(mux(ptrMatch, mux(maybeFull, lit(n, cw), lit(0, cw)), mux(deqPtr.gt(enqPtr), wrapped, diff)));
    }
  }

  /**
   * The queue's own checks (simulation and `tcast formal`): a shadow count of
   * the items taken in and not yet given out never exceeds the depth, equals
   * `count`, and (without flow or block RAM, whose output lags) is non-zero
   * exactly when an item is offered, so none is lost or invented.
   */
  private checks(enq: Port<T>, deq: Port<T>): void {
    const n = this.depth;
    const hw = bitsFor(n + 1);
    const held = Reg(UInt(hw), { init: 0 });
    held.set(held.add(fire(enq)).sub(fire(deq)).trunc(hw));
    assert(held.le(n), `the queue holds at most its depth (${n}) items`);
    assert(this.io.count.pad(hw).eq(held), 'count is the number of items taken in and not yet given out');
    if (this.storage !== 'bram' && !this.flow) assert(deq.valid.eq(held.ne(0)), 'an item is offered exactly when the queue holds one: none lost, none invented');
    cover(held.eq(n), 'the queue fills up');
  }

  /**
   * Block-RAM storage: writes go straight into a synchronous-read memory; a
   * read is issued whenever the memory holds an item and the two-entry output
   * buffer will have room for it when the data arrives a cycle later. `count`
   * covers the memory, the read in flight and the buffer, so the queue takes
   * exactly `depth` items.
   */
  private buildBlockRam(enq: Port<T>, deq: Port<T>): void {
    const n = this.depth;
    const width = bitWidth(this.payload);
    const pw = log2Up(n);
    const cw = bitsFor(n);
    const bump = (p: Signal): Value => (2 ** pw === n ? p.addWrap(1) : mux(p.eq(n - 1), lit(0, pw), p.addWrap(1)));

    const ram = Memory(n, UInt(width));
    const wptr = Reg(UInt(pw), { init: 0 });
    const rptr = Reg(UInt(pw), { init: 0 });
    const count = Reg(UInt(cw), { init: 0 });
    const inRam = Reg(UInt(cw), { init: 0 });
    const inFlight = Reg(UInt(1), { init: 0 });
    const outbuf = instance(new Queue(UInt(width), { depth: 2, flow: true }));

    const doEnq = fire(enq);
    const doDeq = fire(deq);
    enq.ready.set(count.lt(n));
    when(doEnq, () => {
      ram.write(wptr, pack(enq.bits, this.payload));
      wptr.set(bump(wptr));
    });

    const room = outbuf.io.count.add(inFlight).lt(2);
    const issue = inRam.ne(0).and(room);
    const rdata = ram.read(rptr, issue);
    when(issue, () => rptr.set(bump(rptr)));
    inFlight.set(issue);
    outbuf.io.enq.valid.set(inFlight);
    outbuf.io.enq.bits.set(rdata);

    deq.valid.set(outbuf.io.deq.valid);
    outbuf.io.deq.ready.set(deq.ready);
    connect(deq.bits, unpack(this.payload, outbuf.io.deq.bits), this.payload);

    inRam.set(inRam.add(doEnq).sub(issue).trunc(cw));
    count.set(count.add(doEnq).sub(doDeq).trunc(cw));
    this.io.count.set(count);
  }

  /** Its hardware depends only on the payload type and the options: equal queues share one elaboration (see Module.definitionKey). */
  protected override get definitionKey(): string {
    return `${typeToString(this.payload)} d${this.depth} ${this.storage}${this.pipe ? ' pipe' : ''}${this.flow ? ' flow' : ''}`;
  }
}

type Port<T extends HwType> = { valid: Signal; ready: Signal; bits: Hw<T> };

/** `consumer <- Queue(producer, depth)` in one line: instantiates a queue fed by `src` and returns its deq port. */
export function queue<T extends HwType>(payload: T, src: { valid: Value; ready: Signal; bits: unknown }, opts: QueueOptions): Queue<T>['io']['deq'] {
  const q = instance(new Queue(payload, opts));
  connect(q.io.enq, src as never, Decoupled(payload));
  return q.io.deq;
}
