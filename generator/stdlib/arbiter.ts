/**
 * RRArbiter: n ready/valid inputs onto one output, round-robin. The input
 * after the one granted last has priority, so with every input valid each is
 * served once in every n transfers. Once the output is offered it stays
 * offered with the same input and bits until taken (the choice is locked
 * while the consumer stalls), so the output obeys the AXI stability rule.
 * Latency 0 (combinational path from in to out); throughput 1 item/cycle.
 */
import { lit, mux, orAny, select, type Value } from '../hdl/ir';
import { In, Module, Out, Reg, connect, pack, unpack, when } from '../hdl/module';
import { UInt, Vec, bitWidth, bitsFor, log2Up, typeToString, type HwType } from '../hdl/types';
import { assert, cover } from '../hdl/verify';
import { Decoupled, fire } from './stream';

export class RRArbiter<T extends HwType> extends Module {
  readonly io;
  constructor(readonly payload: T, readonly n: number) {
    super();
    this.io = this.ports({
      in: In(Vec(n, Decoupled(payload))),
      out: Out(Decoupled(payload)),
      chosen: Out(UInt(log2Up(n))),
    });
  }
  override get moduleName(): string {
    return `RRArbiter_n${this.n}_${this.payload.kind === 'uint' ? 'w' : 'b'}${bitWidth(this.payload)}`;
  }
  override get doc(): string {
    return `Round-robin arbiter of ${this.n} x ${typeToString(this.payload)} streams. Latency 0; throughput 1 item/cycle; locked while the output stalls.`;
  }
  /**
   * The input to grant: the lowest-numbered valid input above the last one
   * granted, else the lowest valid one.
   */
  private choose(valids: Value[], lastGrant: Value): Value {
    const iw = log2Up(this.n);
    let above: Value = lit(0, 1);
    let aboveIdx: Value = lit(0, iw);
    for (let i = this.n - 1; i >= 1; i--) {
      const cand = valids[i]!.and(lastGrant.lt(i));
      aboveIdx = mux(cand, lit(i, iw), aboveIdx);
      above = above.or(cand);
    }
    let lowest: Value = lit(0, iw);
    for (let i = this.n - 1; i >= 0; i--) lowest = mux(valids[i]!, lit(i, iw), lowest);
    return mux(above, aboveIdx, lowest);
  }

  protected build(): void {
    const ins = this.io.in;
    const out = this.io.out;
    const iw = log2Up(this.n);
    const lastGrant = Reg(UInt(iw), { init: this.n - 1 });
    const locked = Reg(UInt(1), { init: 0 });
    const lockedIdx = Reg(UInt(iw), { init: 0 });

    const choice = this.choose(ins.map((p) => p.valid), lastGrant);
    const idx = mux(locked, lockedIdx, choice);

    out.valid.set(orAny(...ins.map((p) => p.valid)));
    connect(out.bits, unpack(this.payload, select(ins.map((p) => pack(p.bits, this.payload)), idx)), this.payload);
    ins.forEach((p, i) => p.ready.set(out.ready.and(idx.eq(i))));
    this.io.chosen.set(idx);

    // Fairness check: an input that stays valid sees at most n - 1 transfers of the others before its own.
    const ww = bitsFor(this.n);
    ins.forEach((p, i) => {
      const waited = Reg(UInt(ww), { init: 0, name: `waited_${i}` });
      when(p.valid.not().or(fire(p)), () => waited.set(0)).elseWhen(fire(out).and(waited.ne(this.n)), () => waited.set(waited.addWrap(1)));
      assert(waited.le(this.n - 1), `input ${i}, while valid, waits for at most ${this.n - 1} transfers of the others`);
      if (i === 0) cover(waited.eq(this.n - 1), `input 0 waits for ${this.n - 1} transfers of the others (the bound is tight)`);
    });

    when(fire(out), () => {
      lastGrant.set(idx);
      locked.set(0);
    }).elseWhen(out.valid, () => {
      locked.set(1);
      lockedIdx.set(idx);
    });
  }
}
