/**
 * Memory channels (docs/ENGINE.md, "Channels"): an engine of C channels is C
 * column-slice cores, each a whole TcastEngine with its own AXI4 master, that
 * split every row's beats: channel c handles beats [c·k, c·k + k) of every
 * table row and output row, k = ceil(row beats / C). Each element is summed
 * by exactly one core, in its bag's written order, so the sums are the
 * single-channel ones bit for bit. (TensorDIMM splits embedding vectors
 * across ranks the same way.)
 */
import { Bool, In, Module, Out, Reg, UInt, andAll, cat, connect, instance, lit, mux, named, orAny, when, type Signal, type Value } from '../../generator';
import { Axi4, AxiLite } from '../../generator/stdlib/axi/bundles';
import { ElaborationError } from '../../generator/hdl/errors';
import { TcastEngine, type EngineOptions } from './engine';
import { ENGINE_LITE_ADDR_BITS, ENGINE_REGISTERS, type EngineRegName } from './regs';

/** How the top combines a register read from the channels' values (by register; core 0's value otherwise). */
type Combine = 'status' | 'max' | 'sum' | 'failing' | 'tableAt' | 'first';
const COMBINE: Partial<Record<EngineRegName, Combine>> = {
  STATUS: 'status', CYCLES: 'max',
  R_BEATS: 'sum', W_BEATS: 'sum', STALL_INDEX: 'sum', STALL_INFLIGHT: 'sum', STALL_DEPENDENCY: 'sum', STALL_WRITE: 'sum',
  // The channel whose bus answered with the operation's first error (the others were stopped by it).
  ERROR: 'failing', ERR_ADDR_LO: 'failing', ERR_ADDR_HI: 'failing',
  // Batched tables: each channel reads the descriptors itself; the furthest table any channel reached,
  // or after an error the failing channel's table.
  TABLE_AT: 'tableAt',
};

/**
 * TcastEngineChannels: C memory channels, each its own AXI4 master
 * (`m_axi_0` .. `m_axi_<C-1>`), one register map (the single-channel one)
 * behind one AXI4-Lite slave. Each channel is a column-slice TcastEngine;
 * the top forwards every register access to all of them (a write completes
 * when every channel answered it, with the worst BRESP) and combines a read:
 * STATUS's BUSY and ERROR are the OR and DONE the AND of the channels';
 * CYCLES the largest; R_BEATS, W_BEATS and the stall counters the sums;
 * ERROR and ERR_ADDR those of the channel whose bus gave the operation's
 * first error response (an error in one channel ends the operation in all:
 * the others see it on their `peer_error` input, drain and stop),
 * else the first channel's non-zero value (a START the checks refused);
 * TABLE_AT the largest, or the failing channel's after an error; any other
 * register channel 0's (all hold the same value). `irq` is every channel's DONE.
 */
export class TcastEngineChannels extends Module {
  readonly io;
  readonly channels: number;
  readonly cores: TcastEngine[];
  readonly dataBits: number;
  readonly addrBits: number;
  readonly maxDim: number;

  constructor(opts: EngineOptions & { channels: number }) {
    super({ clock: 'aclk', reset: { name: 'aresetn', activeLow: true } });
    const C = opts.channels;
    if (!Number.isInteger(C) || C < 2 || C > 16 || (C & (C - 1)) !== 0) throw new ElaborationError('BAD WIDTH', `channels must be a power of two in 2..16 for a multi-channel engine, got ${C}`);
    this.channels = C;
    this.cores = Array.from({ length: C }, () => new TcastEngine({ ...opts, channels: C }));
    const core = this.cores[0]!;
    this.dataBits = core.dataBits;
    this.addrBits = core.addrBits;
    this.maxDim = core.maxDim;
    const axi = () => Out(Axi4({ dataBits: core.dataBits, addrBits: core.addrBits, idBits: Math.log2(core.maxReads) }));
    const masters = Object.fromEntries(Array.from({ length: C }, (_, c) => [`m_axi_${c}`, axi()])) as Record<string, ReturnType<typeof axi>>;
    this.io = this.ports({
      s_axi_lite: In(AxiLite({ addrBits: ENGINE_LITE_ADDR_BITS })),
      ...masters,
      irq: Out(Bool),
    });
  }

  override get moduleName(): string {
    return this.cores[0]!.moduleName.replace(/^TcastEngine_/, `TcastEngine_x${this.channels}_`).replace(/_x\d+$/, '');
  }

  override get doc(): string {
    const core = this.cores[0]!;
    return [
      `Tensor-casting gather-reduce engine of ${this.channels} memory channels (m_axi_0..m_axi_${this.channels - 1}), each a ${core.dataBits}-bit`,
      `column-slice core (${core.moduleName}, channel_id = 0..${this.channels - 1}); one AXI4-Lite register map; irq = every channel DONE.`,
    ].join('\n');
  }

  protected build(): void {
    const C = this.channels;
    const s = this.io.s_axi_lite;
    const io = this.io as unknown as Record<string, TcastEngine['io']['m_axi']>;
    const cores = this.cores.map((core, c) => instance(core, `channel_${c}`));
    cores.forEach((core, c) => {
      connect(io[`m_axi_${c}`]!, core.io.m_axi);
      (core.io as unknown as { channel_id: Signal }).channel_id.set(lit(c, 4));
    });
    const irq = named(andAll(...cores.map((core) => core.io.irq)), 'all_done');
    this.io.irq.set(irq);

    // An error ends the operation in every channel. The first error response (R or B, RESP != OKAY) on any
    // channel's bus is latched (its channel: the one whose ERROR and ERR_ADDR the top reports); every other
    // channel still running sees it on its `peer_error` input and takes its error path at once (stops issuing,
    // drains what is in flight, DONE with ERROR). Each channel's bus carries only its slave's own responses.
    const masters = cores.map((_, c) => io[`m_axi_${c}`]!);
    const errResp = masters.map((m, c) =>
      named(m.rvalid.and(m.rready).and(m.rresp.ne(0)).or(m.bvalid.and(m.bready).and(m.bresp.ne(0))), `error_resp_${c}`));
    const errSeen = Reg(Bool, { init: 0 });
    const errChan = Reg(UInt(Math.log2(C)), { init: 0 });
    // A new operation: the AND of the channels' DONE falls (START clears DONE; only START does).
    const allDoneWas = Reg(Bool, { init: 0 });
    allDoneWas.set(irq);
    when(allDoneWas.and(irq.not()), () => errSeen.set(0));
    when(orAny(...errResp).and(errSeen.not()), () => {
      errSeen.set(1);
      errChan.set(errResp.slice(0, -1).reduceRight<Value>((a, e, c) => mux(e, lit(c, errChan.width), a), lit(C - 1, errChan.width)));
    });
    cores.forEach((core, c) => {
      (core.io as unknown as { peer_error: Signal }).peer_error.set(named(orAny(...errResp.filter((_, k) => k !== c)), `peer_error_${c}`));
    });
    const lites = cores.map((core) => core.io.s_axi_lite);
    const worst = (a: Value, b: Value): Value => mux(a.ge(b), a, b);

    // Writes: take AW and W from the host (in any order), hand both to every channel, answer B once all did.
    const awHave = Reg(Bool, { init: 0 });
    const wHave = Reg(Bool, { init: 0 });
    const wAddr = Reg(UInt(ENGINE_LITE_ADDR_BITS), { init: 0 });
    const wData = Reg(UInt(32), { init: 0 });
    const wStrb = Reg(UInt(4), { init: 0 });
    const awSent = lites.map((_, c) => Reg(Bool, { init: 0, name: `aw_sent_${c}` }));
    const wSent = lites.map((_, c) => Reg(Bool, { init: 0, name: `w_sent_${c}` }));
    const bGot = lites.map((_, c) => Reg(Bool, { init: 0, name: `b_got_${c}` }));
    const bResp = Reg(UInt(2), { init: 0 });
    s.awready.set(awHave.not());
    s.wready.set(wHave.not());
    when(s.awvalid.and(awHave.not()), () => {
      awHave.set(1);
      wAddr.set(s.awaddr);
    });
    when(s.wvalid.and(wHave.not()), () => {
      wHave.set(1);
      wData.set(s.wdata);
      wStrb.set(s.wstrb);
    });
    const both = named(awHave.and(wHave), 'write_held');
    lites.forEach((l, c) => {
      l.awvalid.set(both.and(awSent[c]!.not()));
      l.awaddr.set(wAddr);
      l.awprot.set(lit(0, 3));
      l.wvalid.set(both.and(wSent[c]!.not()));
      l.wdata.set(wData);
      l.wstrb.set(wStrb);
      l.bready.set(bGot[c]!.not());
      when(l.awvalid.and(l.awready), () => awSent[c]!.set(1));
      when(l.wvalid.and(l.wready), () => wSent[c]!.set(1));
    });
    const bAll = named(andAll(...bGot), 'b_all');
    s.bvalid.set(bAll);
    s.bresp.set(bResp);
    lites.forEach((l, c) => when(l.bvalid.and(bGot[c]!.not()), () => {
      bGot[c]!.set(1);
      bResp.set(worst(bResp, l.bresp));
    }));
    when(bAll.and(s.bready), () => {
      awHave.set(0);
      wHave.set(0);
      bResp.set(0);
      for (let c = 0; c < C; c++) {
        awSent[c]!.set(0);
        wSent[c]!.set(0);
        bGot[c]!.set(0);
      }
    });

    // Reads: one AR to every channel, R once all answered, the data combined by register.
    const arHave = Reg(Bool, { init: 0 });
    const rAddr = Reg(UInt(ENGINE_LITE_ADDR_BITS), { init: 0 });
    const arSent = lites.map((_, c) => Reg(Bool, { init: 0, name: `ar_sent_${c}` }));
    const rGot = lites.map((_, c) => Reg(Bool, { init: 0, name: `r_got_${c}` }));
    const rData = lites.map((_, c) => Reg(UInt(32), { init: 0, name: `r_data_${c}` }));
    const rResp = Reg(UInt(2), { init: 0 });
    s.arready.set(arHave.not());
    when(s.arvalid.and(arHave.not()), () => {
      arHave.set(1);
      rAddr.set(s.araddr);
    });
    lites.forEach((l, c) => {
      l.arvalid.set(arHave.and(arSent[c]!.not()));
      l.araddr.set(rAddr);
      l.arprot.set(lit(0, 3));
      l.rready.set(rGot[c]!.not());
      when(l.arvalid.and(l.arready), () => arSent[c]!.set(1));
      when(l.rvalid.and(rGot[c]!.not()), () => {
        rGot[c]!.set(1);
        rData[c]!.set(l.rdata);
        rResp.set(worst(rResp, l.rresp));
      });
    });
    const rAll = named(andAll(...rGot), 'r_all');
    const bit = (v: Value, mask: bigint): Value => v.and(lit(mask, 32)).ne(0);
    const st = (f: 'BUSY' | 'DONE' | 'ERROR'): bigint => ENGINE_REGISTERS.fieldOf('STATUS', f).mask;
    const largest = rData.slice(1).reduce<Value>((a, d) => mux(d.gt(a), d, a), rData[0]!);
    // After a bus error the failing channel's; otherwise (a START refused by the register checks: no bus error)
    // the first channel's non-zero value.
    const failing = mux(errSeen, rData.slice(0, -1).reduceRight<Value>((a, d, c) => mux(errChan.eq(c), d, a), rData[C - 1]!),
      rData.slice(0, -1).reduceRight<Value>((a, d) => mux(d.ne(0), d, a), rData[C - 1]!));
    const combined: Record<Combine, Value> = {
      status: cat(
        lit(0, 29),
        orAny(...rData.map((d) => bit(d, st('ERROR')))),
        andAll(...rData.map((d) => bit(d, st('DONE')))),
        orAny(...rData.map((d) => bit(d, st('BUSY')))),
      ),
      max: largest,
      sum: rData.slice(1).reduce<Value>((a, d) => a.addWrap(d), rData[0]!),
      failing,
      tableAt: mux(errSeen, failing, largest),
      first: rData[0]!,
    };
    let out: Value = combined.first;
    for (const [name, how] of Object.entries(COMBINE) as [EngineRegName, Combine][]) {
      out = mux(rAddr.eq(ENGINE_REGISTERS.offset(name)), combined[how], out);
    }
    s.rvalid.set(rAll);
    s.rdata.set(named(out, 'read_combined'));
    s.rresp.set(rResp);
    when(rAll.and(s.rready), () => {
      arHave.set(0);
      rResp.set(0);
      for (let c = 0; c < C; c++) {
        arSent[c]!.set(0);
        rGot[c]!.set(0);
      }
    });
  }
}
