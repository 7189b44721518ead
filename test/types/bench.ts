/**
 * One Verilator build for every type the engine needs: memories of bundles,
 * Vecs and byte-laned words with write masks (MemBench), Vec writes and reads
 * at a hardware index (VecBench), an Enum-typed FSM (FsmBench) and the stream
 * combinators (StreamsBench), side by side with a mutant copy of each. A
 * mutant is the same module printed under another name, with one line of its
 * Verilog changed here in the test (the library has no hook for it).
 */
import {
  Bool, Bundle, Enum, FSM, In, Memory, Module, Out, Reg, U, UInt, Vec, cat, connect, generate, mux, pack, unpack, when,
} from '../../generator';
import { Decoupled, Packet, SideBySide, foldPackets, fork, join, map } from '../../generator/stdlib';
import { targetOf } from '../../sim/design';

export const Entry = Bundle({ a: UInt(8), b: UInt(4) });
const Nibbles = Vec(4, UInt(4));

/** A test-side rename: the same hardware printed as a second module, so one of them can be mutated. */
function named<M extends Module>(m: M, name: string | undefined): M {
  if (name) {
    Object.defineProperty(m, 'moduleName', { get: () => name });
    // A different header, so that the back end does not merge it with the original.
    Object.defineProperty(m, 'doc', { get: () => 'Mutant copy: one line is changed by test/types/bench.ts.' });
  }
  return m;
}

export class MemBench extends Module {
  readonly io = this.ports({
    we: In(Bool), waddr: In(UInt(4)), wa: In(UInt(8)), wb: In(UInt(4)), ma: In(Bool), mb: In(Bool), raddr: In(UInt(4)),
    ra: Out(UInt(8)), rb: Out(UInt(4)),
    vwe: In(Bool), vaddr: In(UInt(3)), vdata: In(UInt(16)), vmask: In(UInt(4)), vraddr: In(UInt(3)), vq: Out(UInt(16)),
    bwe: In(Bool), baddr: In(UInt(3)), bdata: In(UInt(16)), bstrb: In(UInt(2)), braddr: In(UInt(3)), bq: Out(UInt(16)),
  });
  protected build(): void {
    const io = this.io;
    // A bundle per word, each field written under its own mask bit; synchronous read.
    const table = Memory(16, Entry);
    when(io.we, () => table.write(io.waddr, { a: io.wa, b: io.wb }, { a: io.ma, b: io.mb }));
    const e = table.read(io.raddr);
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
  }
}

export class VecBench extends Module {
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

export class FsmBench extends Module {
  readonly io = this.ports({
    go: In(Bool), n: In(UInt(3)), abort: In(Bool), ack: In(Bool),
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
      when(io.abort, () => ctl.next('IDLE'));
    });
    ctl.state('DRAIN', () => when(io.ack, () => ctl.next('IDLE')));
    io.state.set(ctl.reg);
    io.busy.set(ctl.ongoing('RUN'));
    io.cmd.set(mux(ctl.ongoing('RUN'), Cmd.WR, mux(ctl.ongoing('DRAIN'), Cmd.RD, Cmd.NOP)));
    io.left.set(left);
  }
}

export class StreamsBench extends Module {
  readonly io = this.ports({
    in: In(Decoupled(UInt(8))), o0: Out(Decoupled(UInt(8))), o1: Out(Decoupled(UInt(8))),
    a: In(Decoupled(UInt(8))), b: In(Decoupled(UInt(8))), ab: Out(Decoupled(UInt(16))),
    p: In(Decoupled(Packet(UInt(8)))), sum: Out(Decoupled(UInt(16))),
  });
  protected build(): void {
    const io = this.io;
    const [x, y] = fork(io.in, 2);
    connect(io.o0, map(x!, (v) => v.addWrap(1)));
    connect(io.o1, y!);
    connect(io.ab, map(join({ a: io.a, b: io.b }), (v) => cat(v.a, v.b)));
    connect(io.sum, foldPackets(io.p, U(0, 16), (acc, d) => acc.addWrap(d.zext(16))));
  }
}

/** Mutations of the printed Verilog, one per bench, applied to the `_m` copies. */
export const MUTANTS = {
  // The per-field mask of field b ignored: b written whenever the word is.
  mem: { module: 'MemBenchMutant', from: /if \(we & mb\) begin/, to: 'if (we) begin' },
  // A write at index 3 lands in element 2.
  vec: { module: 'VecBenchMutant', from: /widx == 3'h2\)/, to: "widx == 3'h3)" },
  // LOAD with nothing to do goes to RUN instead of DRAIN.
  fsm: { module: 'FsmBenchMutant', from: /\? ctl_DRAIN : ctl_RUN/, to: '? ctl_RUN : ctl_RUN' },
  // The fold keeps its accumulator across packets (first never set again).
  fold: { module: 'StreamsBenchMutant', from: /first <= 1'b1;/, to: "first <= 1'b0;" },
} as const;

export function typesDesign() {
  const d = generate(new SideBySide('TypesBench', {
    mem: new MemBench(), vec: new VecBench(), fsm: new FsmBench(), str: new StreamsBench(),
    mem_m: named(new MemBench(), 'MemBenchMutant'), vec_m: named(new VecBench(), 'VecBenchMutant'),
    fsm_m: named(new FsmBench(), 'FsmBenchMutant'), str_m: named(new StreamsBench(), 'StreamsBenchMutant'),
  }));
  for (const mut of Object.values(MUTANTS)) {
    const m = d.modules.find((x) => x.name === mut.module);
    if (!m || !mut.from.test(m.text)) throw new Error(`mutant ${mut.module}: pattern ${String(mut.from)} not found in its Verilog`);
    m.text = m.text.replace(mut.from, mut.to);
  }
  return d;
}

let target: ReturnType<typeof targetOf> | undefined;
export function typesTarget(): ReturnType<typeof targetOf> {
  target ??= targetOf(typesDesign());
  return target;
}
