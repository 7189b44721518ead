/**
 * SkidBuffer: a two-entry register slice that cuts every combinational path
 * between its sides: out.valid/bits come from a register, and in.ready is a
 * register too (so a long ready chain can be broken for timing). Latency 1
 * cycle; throughput one item per cycle with no bubbles. When the consumer
 * stalls, the item in flight lands in the skid register.
 */
import { In, Module, Out, Reg, connect, pack, unpack, when } from '../hdl/module';
import { UInt, bitWidth, typeToString, type HwType } from '../hdl/types';
import { Decoupled, fire } from './stream';
import { assert, cover } from '../hdl/verify';

export class SkidBuffer<T extends HwType> extends Module {
  readonly io;
  constructor(readonly payload: T) {
    super();
    this.io = this.ports({ in: In(Decoupled(payload)), out: Out(Decoupled(payload)) });
  }
  override get moduleName(): string {
    return `SkidBuffer_${this.payload.kind === 'uint' ? 'w' : 'b'}${bitWidth(this.payload)}`;
  }
  override get doc(): string {
    return `Skid buffer for ${typeToString(this.payload)}: registered valid, bits and ready. Latency 1 cycle; throughput 1 item/cycle.`;
  }
  protected build(): void {
    const io = this.io;
    const w = bitWidth(this.payload);
    const outValid = Reg(UInt(1), { init: 0 });
    const outData = Reg(UInt(w));
    const skidValid = Reg(UInt(1), { init: 0 });
    const skidData = Reg(UInt(w));
    const inBits = pack(io.in.bits, this.payload);

    io.in.ready.set(skidValid.not());
    io.out.valid.set(outValid);
    connect(io.out.bits, unpack(this.payload, outData), this.payload);

    // Checks: the items taken in and not yet given out are exactly those held (at most two).
    const held = Reg(UInt(2), { init: 0 });
    held.set(held.add(fire(io.in)).sub(fire(io.out)).trunc(2));
    assert(held.eq(outValid.zext(2).add(skidValid.zext(2)).trunc(2)), 'the skid buffer holds exactly the items taken in and not yet given out (at most 2)');
    cover(skidValid, 'a stalled item lands in the skid register');

    // The output slot is free when it is empty or being taken this cycle.
    when(io.out.ready.or(outValid.not()), () => {
      when(skidValid, () => {
        outData.set(skidData);
        outValid.set(1);
        skidValid.set(0);
      }).otherwise(() => {
        outValid.set(io.in.valid);
        when(io.in.valid, () => outData.set(inBits));
      });
    }).otherwise(() => {
      when(io.in.valid.and(skidValid.not()), () => {
        skidValid.set(1);
        skidData.set(inBits);
      });
    });
  }
}
