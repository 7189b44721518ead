/**
 * Shipped configurations of the language's richer types (rtl/<name>/), small
 * enough to read: memories of bundles and Vecs with write masks, Vec.at,
 * an Enum-typed FSM, the stream combinators and an AXI4 register slice.
 * test/types co-simulates the same modules against TypeScript references.
 */
import {
  Banked, Bool, Bundle, Enum, FSM, In, Memory, Module, Out, Reg, U, UInt, Vec, cat, connect, mux, pack, unpack, when,
} from '../generator';
import { Decoupled, Packet, foldPackets, fork, frame, join, map } from '../generator/stdlib';
import { Axi4Slice } from '../generator/stdlib/axi/channels';
import type { DesignEntry } from './registry';

export const Entry = Bundle({ a: UInt(8), b: UInt(4) });
const Nibbles = Vec(4, UInt(4));

export class TypedMemories extends Module {
  override get doc(): string { return 'Memories of a bundle (per-field write mask), a Vec (per-element mask) and byte lanes of a UInt (strobe). and a banked memory. Reads: synchronous, combinational, synchronous, synchronous.'; }
  readonly io = this.ports({
    we: In(Bool), waddr: In(UInt(4)), wa: In(UInt(8)), wb: In(UInt(4)), ma: In(Bool), mb: In(Bool), raddr: In(UInt(4)),
    ra: Out(UInt(8)), rb: Out(UInt(4)),
    vwe: In(Bool), vaddr: In(UInt(3)), vdata: In(UInt(16)), vmask: In(UInt(4)), vraddr: In(UInt(3)), vq: Out(UInt(16)),
    bwe: In(Bool), baddr: In(UInt(3)), bdata: In(UInt(16)), bstrb: In(UInt(2)), braddr: In(UInt(3)), bq: Out(UInt(16)),
    kwe: In(Bool), kaddr: In(UInt(4)), kdata: In(UInt(8)), kraddr: In(UInt(4)), kq: Out(UInt(8)),
  });
  protected build(): void {
    const io = this.io;
    // A bundle per word, each field written under its own mask bit; synchronous read.
    const entries = Memory(16, Entry);
    when(io.we, () => entries.write(io.waddr, { a: io.wa, b: io.wb }, { a: io.ma, b: io.mb }));
    const e = entries.read(io.raddr);
    io.ra.set(e.a);
    io.rb.set(e.b);
    // A Vec per word, one mask bit per element; combinational read.
    const lanes = Memory(8, Nibbles);
    when(io.vwe, () => lanes.write(io.vaddr, unpack(Nibbles, io.vdata), io.vmask));
    io.vq.set(pack(lanes.readAsync(io.vraddr)));
    // A UInt in byte lanes under a strobe (lane 0 = low byte); synchronous read.
    const words = Memory(8, UInt(16), { laneBits: 8 });
    when(io.bwe, () => words.write(io.baddr, io.bdata, io.bstrb));
    io.bq.set(words.read(io.braddr));
    // Four banks of four words, interleaved on the address's low bits; synchronous read.
    const banks = Banked(4, 4, UInt(8));
    when(io.kwe, () => banks.write(io.kaddr, io.kdata));
    io.kq.set(banks.read(io.kraddr));
  }
}

export class DynamicVec extends Module {
  override get doc(): string { return 'Registers in a Vec written and read at a hardware index (Vec.at); a Vec of bundles likewise. Past the end: writes ignored, reads give the last element.'; }
  readonly io = this.ports({
    we: In(Bool), widx: In(UInt(3)), wd: In(UInt(8)), ridx: In(UInt(3)), q: Out(UInt(8)),
    fwe: In(Bool), fidx: In(UInt(2)), fv: In(UInt(4)), fq: Out(UInt(4)), fflag: Out(Bool),
  });
  protected build(): void {
    const io = this.io;
    const regs = Reg(Vec(5, UInt(8)), { init: 0 });
    when(io.we, () => regs.at(io.widx).set(io.wd));
    io.q.set(regs.at(io.ridx));
    const tab = Reg(Vec(3, Bundle({ v: UInt(4), flag: Bool })), { init: 0 });
    when(io.fwe, () => {
      const slot = tab.at(io.fidx);
      slot.v.set(io.fv);
      slot.flag.set(slot.flag.not());
    });
    const rd = tab.at(io.ridx.bits(1, 0));
    io.fq.set(rd.v);
    io.fflag.set(rd.flag);
  }
}

export const Cmd = Enum('Cmd', { NOP: 0, RD: 1, WR: 4 });

export class EnumFsm extends Module {
  override get doc(): string { return 'An FSM (IDLE, LOAD, RUN, DRAIN) counting n beats, with an Enum output; states print as localparams.'; }
  readonly io = this.ports({
    go: In(Bool), n: In(UInt(3)), cancel: In(Bool), ack: In(Bool),
    state: Out(UInt(2)), busy: Out(Bool), cmd: Out(Cmd), left: Out(UInt(3)),
  });
  protected build(): void {
    const io = this.io;
    const ctl = FSM(['IDLE', 'LOAD', 'RUN', 'DRAIN']);
    const left = Reg(UInt(3), { init: 0 });
    ctl.state('IDLE', () => when(io.go, () => { left.set(io.n); ctl.next('LOAD'); }));
    ctl.state('LOAD', () => when(left.eq(0), () => ctl.next('DRAIN')).otherwise(() => ctl.next('RUN')));
    ctl.state('RUN', () => {
      left.set(left.subWrap(1));
      when(left.eq(1), () => ctl.next('DRAIN'));
      when(io.cancel, () => ctl.next('IDLE'));
    });
    ctl.state('DRAIN', () => when(io.ack, () => ctl.next('IDLE')));
    io.state.set(ctl.reg);
    io.busy.set(ctl.ongoing('RUN'));
    io.cmd.set(mux(ctl.ongoing('RUN'), Cmd.WR, mux(ctl.ongoing('DRAIN'), Cmd.RD, Cmd.NOP)));
    io.left.set(left);
  }
}

export class StreamCombinators extends Module {
  override get doc(): string { return 'Stream combinators: fork into map (+1) and a direct copy; join of two streams; foldPackets summing each last-framed packet; frame into threes, then the largest of each.'; }
  readonly io = this.ports({
    in: In(Decoupled(UInt(8))), o0: Out(Decoupled(UInt(8))), o1: Out(Decoupled(UInt(8))),
    a: In(Decoupled(UInt(8))), b: In(Decoupled(UInt(8))), ab: Out(Decoupled(UInt(16))),
    p: In(Decoupled(Packet(UInt(8)))), sum: Out(Decoupled(UInt(16))),
    f: In(Decoupled(UInt(8))), fmax: Out(Decoupled(UInt(8))),
  });
  protected build(): void {
    const io = this.io;
    const [x, y] = fork(io.in, 2);
    connect(io.o0, map(x!, (v) => v.addWrap(1)));
    connect(io.o1, y!);
    connect(io.ab, map(join({ a: io.a, b: io.b }), (v) => cat(v.a, v.b)));
    connect(io.sum, foldPackets(io.p, U(0, 16), (acc, d) => acc.addWrap(d.zext(16))));
    connect(io.fmax, foldPackets(frame(io.f, 3), U(0, 8), (acc, d) => mux(d.gt(acc), d, acc)));
  }
}

const designs: DesignEntry[] = [
  { name: 'types-memories', summary: 'Memories of a bundle, a Vec and byte lanes, with write masks', make: () => new TypedMemories() },
  { name: 'types-dynamic-vec', summary: 'Vec of registers written and read at a hardware index', make: () => new DynamicVec() },
  { name: 'types-enum-fsm', summary: 'FSM with states and an Enum printed as localparams', make: () => new EnumFsm() },
  { name: 'types-stream-combinators', summary: 'fork, map, join and foldPackets on ready/valid streams', make: () => new StreamCombinators() },
  { name: 'axi4-slice-d32', summary: 'AXI4 register slice (a skid buffer per channel), 32-bit data', make: () => new Axi4Slice({ dataBits: 32, addrBits: 16, idBits: 2 }) },
];
export default designs;
