/**
 * AxiDma: the accelerator's first AXI4 bus master, a memory-to-memory copy
 * engine commanded through AXI4-Lite registers. It is the template the
 * memory controller grows from: burst splitting at 4 KiB boundaries, several
 * reads in flight under distinct IDs with a reorder buffer, byte realignment
 * between any source and destination alignment, writes at full rate with
 * WSTRB at the edges, and clean termination on an error response.
 *
 * Registers (AXI4-Lite, 32-bit): declared once in accel/dma/regs.ts
 * (DMA_REGISTERS), which generates their logic here, the host's offsets and
 * the table in docs/AXI.md. CTRL.START begins a copy; STATUS reads BUSY,
 * DONE, ERROR; SRC/DST/LEN describe the copy; THROTTLE paces RREADY/BREADY
 * from a free-running LFSR.
 *
 * Data path: AR bursts (up to maxBurst beats, never crossing 4 KiB, up to
 * maxReads in flight, ID = reorder-buffer slot) -> R beats written into the
 * slot's part of a reorder RAM (any order across IDs, in order within one)
 * -> drained in slot order into a Queue -> realigner (a 2-word window shifted
 * by (src - dst) mod beat bytes) -> W register stage. AW bursts are split the
 * same way from the destination, their lengths queued for the W side; up to
 * maxWrites write bursts are outstanding (B not yet received). RREADY and
 * BREADY are high unless THROTTLE lowers them: a read is issued only when its
 * slot is free, so the engine never needs to stall R for space.
 *
 * Errors: a SLVERR/DECERR on R or B sets ERROR and records it; no further AR
 * or AW is issued, every burst already issued completes (W beats of announced
 * bursts go out with WSTRB = 0, R data is discarded), then BUSY falls with
 * DONE and ERROR set. The engine never leaves a transaction open.
 */
import {
  Bool, In, Module, Out, Reg, UInt, Memory, cat, lit, mux, named, select, when, instance, bitsFor,
  type Value,
} from '../../generator';
import { Queue } from '../../generator/stdlib/queue';
import { Axi4, AxiLite, BURST, resolveAxi4 } from '../../generator/stdlib/axi/bundles';
import { ElaborationError } from '../../generator/hdl/errors';
import { DMA_REGISTERS } from './regs';

export interface DmaOptions {
  /** AXI4 data width in bits (32..1024). */
  dataBits: number;
  /** Byte address width (default 32; 12..64). */
  addrBits?: number;
  /** Read bursts in flight (reorder-buffer slots, one AXI ID each); a power of two >= 2 (default 4). */
  maxReads?: number;
  /** Beats per burst at most; a power of two 2..256 (default 16). */
  maxBurst?: number;
  /** Write bursts outstanding (AW issued, B not received) at most (default 8). */
  maxWrites?: number;
  /** Depth of the Queue between the reorder buffer and the realigner (default 4, at least 2). */
  bufferDepth?: number;
}

export { DMA_REGISTERS, DMA_REGS, DMA_STATUS } from './regs';

const isPow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

export class AxiDma extends Module {
  readonly io;
  readonly dataBits: number;
  readonly addrBits: number;
  readonly maxReads: number;
  readonly maxBurst: number;
  readonly maxWrites: number;
  readonly bufferDepth: number;

  constructor(opts: DmaOptions) {
    super({ clock: 'aclk', reset: { name: 'aresetn', activeLow: true } });
    this.maxReads = opts.maxReads ?? 4;
    this.maxBurst = opts.maxBurst ?? 16;
    this.maxWrites = opts.maxWrites ?? 8;
    this.bufferDepth = opts.bufferDepth ?? 4;
    if (!isPow2(this.maxReads) || this.maxReads < 2 || this.maxReads > 128) throw new ElaborationError('BAD WIDTH', `maxReads must be a power of two in 2..128, got ${this.maxReads}`);
    if (!isPow2(this.maxBurst) || this.maxBurst < 2 || this.maxBurst > 256) throw new ElaborationError('BAD WIDTH', `maxBurst must be a power of two in 2..256, got ${this.maxBurst}`);
    if (!Number.isInteger(this.maxWrites) || this.maxWrites < 1 || this.maxWrites > 255) throw new ElaborationError('BAD WIDTH', `maxWrites must be 1..255, got ${this.maxWrites}`);
    if (!Number.isInteger(this.bufferDepth) || this.bufferDepth < 2) throw new ElaborationError('BAD WIDTH', `bufferDepth must be at least 2, got ${this.bufferDepth}`);
    const a = resolveAxi4({ dataBits: opts.dataBits, addrBits: opts.addrBits ?? 32, idBits: Math.log2(this.maxReads) });
    this.dataBits = a.dataBits;
    this.addrBits = a.addrBits;
    if (4096 / a.beatBytes < 2) throw new ElaborationError('BAD WIDTH', 'a 4 KiB page must hold at least two beats');
    this.io = this.ports({
      s_axi_lite: In(AxiLite({ addrBits: 8 })),
      m_axi: Out(Axi4({ dataBits: a.dataBits, addrBits: a.addrBits, idBits: a.idBits })),
      irq: Out(Bool),
    });
  }

  override get moduleName(): string {
    return `AxiDma_d${this.dataBits}_a${this.addrBits}_r${this.maxReads}_b${this.maxBurst}_w${this.maxWrites}`;
  }

  override get doc(): string {
    return [
      `AXI4 DMA copy engine: ${this.dataBits}-bit data, ${this.addrBits}-bit addresses, up to ${this.maxReads} read bursts in flight`,
      `(IDs 0..${this.maxReads - 1}, reorder buffer of ${this.maxReads * this.maxBurst} beats), bursts of up to ${this.maxBurst} beats`,
      `never crossing 4 KiB, up to ${this.maxWrites} write bursts outstanding; any byte alignment; AXI4-Lite registers`,
      `(${DMA_REGISTERS.registers.map((r) => `${r.name} 0x${r.offset.toString(16).toUpperCase().padStart(2, '0')}`).join(', ')}).`,
      'Throughput: one beat per cycle on R and W once the pipeline is full. irq = STATUS.DONE.',
    ].join('\n');
  }

  protected build(): void {
    const io = this.io;
    const m = io.m_axi;
    const W = this.dataBits;
    const A = this.addrBits;
    const B = W / 8;
    const lb = Math.log2(B);
    const K = this.maxReads;
    const kb = Math.log2(K);
    const MB = this.maxBurst;
    const mbBits = Math.log2(MB);
    const BW = bitsFor(MB); // a beat count 0..MB
    const CW = 33 - lb; // a transfer's beat count
    const RW = A > 32 ? 64 : 32; // address register width
    const pw = 12 - lb; // word-address bits inside a 4 KiB page

    // ---------------------------------------------------------------- registers
    const busy = Reg(Bool, { init: 0 });
    const done = Reg(Bool, { init: 0 });
    const err = Reg(Bool, { init: 0 });
    const errResp = Reg(UInt(2), { init: 0 });
    const errRead = Reg(Bool, { init: 0 });
    const errWrite = Reg(Bool, { init: 0 });
    const map = RW === 64 ? DMA_REGISTERS : DMA_REGISTERS.without('SRC_HI', 'DST_HI');
    const regs = map.build(io.s_axi_lite, {
      STATUS: { BUSY: busy, DONE: done, ERROR: err },
      ERROR: { RESP: errResp, READ: errRead, WRITE: errWrite },
      CONFIG: { BEAT_BYTES: lit(B, 16), MAX_READS: lit(K, 8), MAX_BURST_M1: lit(MB - 1, 8) },
    });
    const src = RW === 64 ? cat(regs.value('SRC_HI'), regs.value('SRC_LO')) : regs.value('SRC_LO');
    const dst = RW === 64 ? cat(regs.value('DST_HI'), regs.value('DST_LO')) : regs.value('DST_LO');
    const len = regs.value('LEN');
    // A 16-bit maximal-length LFSR (x^16 + x^14 + x^13 + x^11 + 1) paces the throttle.
    const lfsr = Reg(UInt(16), { init: 0xace1 });
    lfsr.set(cat(lfsr.bits(14, 0), lfsr.bit(15).xor(lfsr.bit(13)).xor(lfsr.bit(12)).xor(lfsr.bit(10))));
    const rReady = named(lfsr.bits(7, 0).ge(regs.field('THROTTLE', 'R')));
    const bReady = named(lfsr.bits(15, 8).ge(regs.field('THROTTLE', 'B')));
    const start = named(regs.wrote('CTRL', 'START').and(regs.field('CTRL', 'START')).and(busy.not()));
    io.irq.set(done);

    // ---------------------------------------------------------------- command state
    const srcA = src.trunc(A);
    const dstA = dst.trunc(A);
    const so = named(srcA.bits(lb - 1, 0));
    const dOff = named(dstA.bits(lb - 1, 0));
    // (named before slicing: the back end gives partly-read temporaries no UNUSEDSIGNAL waiver)
    const beatsOf = (off: Value, name: string) => named(len.pad(34).addWrap(off.zext(34)).addWrap(B - 1), name).shr(lb).trunc(CW);
    const nRead = named(beatsOf(so, 'read_span'));
    const nWrite = named(beatsOf(dOff, 'write_span'));

    const arWord = Reg(UInt(A - lb), { init: 0 });
    const arLeft = Reg(UInt(CW), { init: 0 });
    const awWord = Reg(UInt(A - lb), { init: 0 });
    const awLeft = Reg(UInt(CW), { init: 0 });
    const wLeft = Reg(UInt(CW), { init: 0 });
    const rdLeft = Reg(UInt(CW), { init: 0 });
    const rot = Reg(UInt(lb), { init: 0 });
    const skipFirst = Reg(Bool, { init: 0 });
    const primed = Reg(Bool, { init: 0 });
    const firstBeat = Reg(Bool, { init: 0 });
    const firstOff = Reg(UInt(lb), { init: 0 });
    const endOff = Reg(UInt(lb), { init: 0 });

    when(start, () => {
      err.set(0);
      errResp.set(0);
      errRead.set(0);
      errWrite.set(0);
      when(len.eq(0), () => done.set(1)).otherwise(() => {
        busy.set(1);
        done.set(0);
        arWord.set(srcA.bits(A - 1, lb));
        arLeft.set(nRead);
        awWord.set(dstA.bits(A - 1, lb));
        awLeft.set(nWrite);
        wLeft.set(nWrite);
        rdLeft.set(nRead);
        rot.set(so.subWrap(dOff));
        skipFirst.set(so.ge(dOff));
        primed.set(0);
        firstBeat.set(1);
        firstOff.set(dOff);
        endOff.set(dstA.bits(lb - 1, 0).addWrap(len.bits(lb - 1, 0)));
      });
    });

    /** Beats of the next burst from word address `word` with `left` beats to go: min(MB, left, words to the 4 KiB boundary). */
    const burstBeats = (word: Value, left: Value, name: string): Value => {
      const toBound = lit(2 ** pw, pw + 1).subWrap(word.bits(pw - 1, 0).zext(pw + 1));
      const w = Math.max(BW, pw + 1, CW);
      const byLen = mux(left.lt(MB), left.pad(w), lit(MB, w));
      const capped = named(mux(toBound.pad(w).lt(byLen), toBound.pad(w), byLen), name);
      return capped.trunc(BW);
    };
    const lenField = (beats: Value): Value => {
      const l = beats.subWrap(1);
      return l.width >= 8 ? l.trunc(8) : l.pad(8);
    };

    // ---------------------------------------------------------------- AR
    const arValid = Reg(Bool, { init: 0 });
    const arAddr = Reg(UInt(A), { init: 0 });
    const arLen = Reg(UInt(8), { init: 0 });
    const arId = Reg(UInt(kb), { init: 0 });
    const slotsUsed = Reg(UInt(bitsFor(K)), { init: 0 });
    const tail = Reg(UInt(kb), { init: 0 });
    const wrCnt = Array.from({ length: K }, (_, i) => Reg(UInt(BW), { init: 0, name: `rob_count_${i}` }));
    const slotLen = Array.from({ length: K }, (_, i) => Reg(UInt(8), { init: 0, name: `rob_len_${i}` }));
    const arBeats = named(burstBeats(arWord, arLeft, 'ar_capped'));
    const arGo = named(busy.and(err.not()).and(arLeft.ne(0)).and(arValid.not().or(m.arready)).and(slotsUsed.lt(K)));
    when(arValid.and(m.arready), () => arValid.set(0));
    when(arGo, () => {
      arValid.set(1);
      arAddr.set(cat(arWord, lit(0, lb)));
      arLen.set(lenField(arBeats));
      arId.set(tail);
      tail.set(tail.addWrap(1));
      arWord.set(arWord.addWrap(arBeats.zext(A - lb)));
      arLeft.set(arLeft.subWrap(arBeats.zext(CW)));
      for (let i = 0; i < K; i++) {
        when(tail.eq(i), () => {
          slotLen[i]!.set(lenField(arBeats));
        });
      }
    });
    m.arvalid.set(arValid);
    m.araddr.set(arAddr);
    m.arlen.set(arLen);
    m.arid.set(arId);
    m.arsize.set(lit(lb, 3));
    m.arburst.set(lit(BURST.INCR, 2));
    m.arlock.set(0);
    m.arcache.set(lit(0b0011, 4));
    m.arprot.set(lit(0, 3));
    m.arqos.set(lit(0, 4));

    // ---------------------------------------------------------------- R -> reorder buffer
    const rob = Memory(K * MB, UInt(W));
    m.rready.set(rReady);
    const rFire = named(m.rvalid.and(rReady));
    const rSlot = named(m.rid.trunc(kb));
    const rCount = named(select(wrCnt, rSlot));
    when(rFire, () => rob.write(cat(rSlot, rCount.trunc(mbBits)), m.rdata));
    for (let i = 0; i < K; i++) {
      when(rFire.and(rSlot.eq(i)), () => wrCnt[i]!.set(wrCnt[i]!.addWrap(1)));
      when(arGo.and(tail.eq(i)), () => wrCnt[i]!.set(0));
    }

    // ---------------------------------------------------------------- reorder buffer -> Queue
    const dataQ = instance(new Queue(UInt(W), { depth: this.bufferDepth }));
    const headSlot = Reg(UInt(kb), { init: 0 });
    const dBeat = Reg(UInt(mbBits), { init: 0 });
    const rdPending = Reg(Bool, { init: 0 });
    const headCount = named(select(wrCnt, headSlot));
    const headLen = named(select(slotLen, headSlot));
    const avail = named(slotsUsed.ne(0).and(dBeat.zext(BW).lt(headCount)));
    const space = named(dataQ.io.count.zext(bitsFor(this.bufferDepth) + 1).addWrap(rdPending.zext(bitsFor(this.bufferDepth) + 1)).lt(this.bufferDepth));
    const issue = named(avail.and(space));
    const robData = rob.read(cat(headSlot, dBeat), issue);
    rdPending.set(issue);
    const slotDone = named(dBeat.zext(8).eq(headLen));
    const free = named(issue.and(slotDone));
    when(issue, () => {
      when(slotDone, () => {
        dBeat.set(0);
        headSlot.set(headSlot.addWrap(1));
      }).otherwise(() => dBeat.set(dBeat.addWrap(1)));
    });
    when(arGo.and(free.not()), () => slotsUsed.set(slotsUsed.addWrap(1)));
    when(free.and(arGo.not()), () => slotsUsed.set(slotsUsed.subWrap(1)));
    dataQ.io.enq.valid.set(rdPending);
    dataQ.io.enq.bits.set(robData);

    // ---------------------------------------------------------------- AW
    const awValid = Reg(Bool, { init: 0 });
    const awAddr = Reg(UInt(A), { init: 0 });
    const awLen = Reg(UInt(8), { init: 0 });
    const bOut = Reg(UInt(bitsFor(this.maxWrites)), { init: 0 });
    const lenQ = instance(new Queue(UInt(8), { depth: this.maxWrites }));
    const awBeats = named(burstBeats(awWord, awLeft, 'aw_capped'));
    const awGo = named(busy.and(err.not()).and(awLeft.ne(0)).and(awValid.not().or(m.awready)).and(bOut.lt(this.maxWrites)).and(lenQ.io.enq.ready));
    when(awValid.and(m.awready), () => awValid.set(0));
    when(awGo, () => {
      awValid.set(1);
      awAddr.set(cat(awWord, lit(0, lb)));
      awLen.set(lenField(awBeats));
      awWord.set(awWord.addWrap(awBeats.zext(A - lb)));
      awLeft.set(awLeft.subWrap(awBeats.zext(CW)));
    });
    lenQ.io.enq.valid.set(awGo);
    lenQ.io.enq.bits.set(lenField(awBeats));
    m.awvalid.set(awValid);
    m.awaddr.set(awAddr);
    m.awlen.set(awLen);
    m.awid.set(lit(0, kb));
    m.awsize.set(lit(lb, 3));
    m.awburst.set(lit(BURST.INCR, 2));
    m.awlock.set(0);
    m.awcache.set(lit(0b0011, 4));
    m.awprot.set(lit(0, 3));
    m.awqos.set(lit(0, 4));

    // ---------------------------------------------------------------- realigner -> W
    const wValid = Reg(Bool, { init: 0 });
    const wData = Reg(UInt(W), { init: 0 });
    const wStrb = Reg(UInt(B), { init: 0 });
    const wLast = Reg(Bool, { init: 0 });
    const wBeat = Reg(UInt(8), { init: 0 });
    const prev = Reg(UInt(W), { init: 0 });
    const head = dataQ.io.deq.bits;
    const hv = dataQ.io.deq.valid;
    const needPrime = named(skipFirst.and(primed.not()));
    const needCur = named(rdLeft.ne(0));
    const dataOk = named(err.or(needPrime.not().and(needCur.not().or(hv))));
    const wGo = named(busy.and(lenQ.io.deq.valid).and(wValid.not().or(m.wready)).and(dataOk));
    const burstEnd = named(wBeat.eq(lenQ.io.deq.bits));
    lenQ.io.deq.ready.set(wGo.and(burstEnd));
    const window = named(cat(head, prev).shr(cat(rot, lit(0, 3))));
    const shifted = named(window.trunc(W));
    const ones = lit((1n << BigInt(B)) - 1n, B);
    const lowShift = named(ones.shl(firstOff));
    const lowCut = lowShift.trunc(B);
    const highKeep = ones.shr(lit(B, lb + 1).subWrap(endOff.zext(lb + 1)));
    const isLastBeat = named(wLeft.eq(1));
    const strb = named(mux(firstBeat, lowCut, ones).and(mux(isLastBeat.and(endOff.ne(0)), highKeep, ones)));
    when(wValid.and(m.wready), () => wValid.set(0));
    when(wGo, () => {
      wValid.set(1);
      wData.set(shifted);
      wStrb.set(mux(err, lit(0, B), strb));
      wLast.set(burstEnd);
      wBeat.set(mux(burstEnd, lit(0, 8), wBeat.addWrap(1)));
      firstBeat.set(0);
      wLeft.set(wLeft.subWrap(1));
    });
    const primePop = named(err.not().and(needPrime).and(hv));
    const curPop = named(err.not().and(wGo).and(needCur));
    dataQ.io.deq.ready.set(primePop.or(curPop).or(err.and(hv)));
    when(primePop.or(curPop), () => {
      prev.set(head);
      rdLeft.set(rdLeft.subWrap(1));
    });
    when(primePop, () => primed.set(1));
    m.wvalid.set(wValid);
    m.wdata.set(wData);
    m.wstrb.set(wStrb);
    m.wlast.set(wLast);

    // ---------------------------------------------------------------- B, errors, completion
    m.bready.set(bReady);
    const bFire = named(m.bvalid.and(bReady));
    when(awGo.and(bFire.not()), () => bOut.set(bOut.addWrap(1)));
    when(bFire.and(awGo.not()), () => bOut.set(bOut.subWrap(1)));
    const rErr = named(rFire.and(m.rresp.ne(0)));
    const bErr = named(bFire.and(m.bresp.ne(0)));
    when(busy.and(err.not()).and(rErr.or(bErr)), () => {
      err.set(1);
      errResp.set(mux(rErr, m.rresp, m.bresp));
      errRead.set(rErr);
      errWrite.set(bErr);
    });
    const quiet = named(
      arValid.not().and(awValid.not()).and(wValid.not()).and(slotsUsed.eq(0)).and(rdPending.not())
        .and(dataQ.io.count.eq(0)).and(lenQ.io.deq.valid.not()).and(bOut.eq(0))
        .and(err.or(arLeft.eq(0).and(awLeft.eq(0)))),
    );
    when(busy.and(quiet), () => {
      busy.set(0);
      done.set(1);
    });
  }
}
