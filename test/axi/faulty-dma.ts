/**
 * A fault-injecting wrapper around the shipped DMA engine, for the protocol
 * checker's mutant tests: the same ports as AxiDma, every signal passed
 * through, and a FAULT register of its own (snooped from the AXI4-Lite writes
 * to 0x3C, which the engine ignores) that breaks the master side on demand:
 *   1 WLAST one beat early, 2 ARVALID dropped after a cycle without ARREADY,
 *   3 every read burst lengthened to maxBurst beats (so some cross 4 KiB).
 * One build serves every mutant; fault 0 is the engine itself. The faults
 * live here, in test/, not in the library.
 */
import { Bool, In, Module, Out, Reg, UInt, assert, connect, instance, lit, mux, when } from '../../generator';
import { Queue } from '../../generator/stdlib/queue';
import { fire } from '../../generator/stdlib/stream';
import { Axi4, AxiLite } from '../../generator/stdlib/axi/bundles';
import { AxiDma, type DmaOptions } from '../../accel/dma/dma';

export const DMA_FAULT = { NONE: 0, WLAST_EARLY: 1, VALID_DROP: 2, CROSS_4K: 3 } as const;
/** The wrapper's FAULT register (a hole in the engine's map). */
export const FAULT_REG = 0x3c;
/** Writing here trips the wrapper's assertion (test/axi/mutants.test.ts). */
export const TRAP_REG = 0x38;

export class FaultyDma extends Module {
  readonly io;
  constructor(readonly opts: DmaOptions) {
    super({ clock: 'aclk', reset: { name: 'aresetn', activeLow: true } });
    this.io = this.ports({
      s_axi_lite: In(AxiLite({ addrBits: 8 })),
      m_axi: Out(Axi4({ dataBits: opts.dataBits, addrBits: opts.addrBits ?? 32, idBits: Math.log2(opts.maxReads ?? 4) })),
      irq: Out(Bool),
    });
  }
  override get moduleName(): string {
    return 'FaultyDma';
  }
  protected build(): void {
    const dma = instance(new AxiDma(this.opts));
    const lite = this.io.s_axi_lite;
    const m = this.io.m_axi;
    const d = dma.io.m_axi;
    connect(dma.io.s_axi_lite, lite);
    connect(m, d);
    this.io.irq.set(dma.io.irq);

    const fault = Reg(UInt(2), { init: 0 });
    const liteWrite = lite.awvalid.and(lite.wvalid).and(dma.io.s_axi_lite.awready);
    when(liteWrite.and(lite.awaddr.eq(FAULT_REG)).and(lite.wstrb.bit(0)), () => fault.set(lite.wdata.bits(1, 0)));
    // A trap for the AXI harness's assertion test: a write to TRAP_REG fails this assert.
    assert(liteWrite.and(lite.awaddr.eq(TRAP_REG)).not(), 'nothing writes the trap register'); // @mark:trap

    // 1: WLAST on the second-to-last beat of each burst (lengths from the AW handshakes).
    const lens = instance(new Queue(UInt(8), { depth: 8 }));
    lens.io.enq.valid.set(m.awvalid.and(m.awready));
    lens.io.enq.bits.set(m.awlen);
    const wBeat = Reg(UInt(8), { init: 0 });
    const wFire = fire({ valid: m.wvalid, ready: m.wready });
    when(wFire, () => wBeat.set(mux(d.wlast, lit(0, 8), wBeat.addWrap(1))));
    lens.io.deq.ready.set(wFire.and(d.wlast));
    when(fault.eq(DMA_FAULT.WLAST_EARLY).and(lens.io.deq.valid).and(lens.io.deq.bits.ne(0)), () => {
      m.wlast.set(wBeat.addWrap(1).eq(lens.io.deq.bits));
    });

    // 2: ARVALID falls after a cycle in which it was high and ARREADY low.
    const stalled = Reg(Bool, { init: 0 });
    stalled.set(m.arvalid.and(m.arready.not()));
    when(fault.eq(DMA_FAULT.VALID_DROP).and(stalled), () => {
      m.arvalid.set(0);
      d.arready.set(0);
    });

    // 3: every read burst is maxBurst beats long, wherever it starts.
    when(fault.eq(DMA_FAULT.CROSS_4K), () => m.arlen.set(lit(dma.maxBurst - 1, 8)));
  }
}
