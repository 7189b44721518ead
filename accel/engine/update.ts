/**
 * UpdateUnit: the engine's scatter-update (docs/ENGINE.md, "Row ids, grad_rows
 * and the scatter-update"). For each coalesced gradient row u (row id `rid`;
 * gradient beats from the reducer when fused with the casted backward, or from
 * memory for the unfused UPDATE) it takes the weight row and the optimizer
 * state read by the engine's row fetch, applies the optimizer of
 * docs/MODEL.md 2.4 (model/optim.ts) bit for bit, and hands the writer its
 * bursts: a header (word address, beats, stream) then the beats with their
 * WSTRB, on two streams (weight/gradient rows; state).
 *
 * Rows flow in the order they come (fused: the order the interleaved segments
 * leave the reducer, each row id with its segment u) through a ring of `rowSlots` row buffers (gradient,
 * weight, state), several rows in flight:
 *   LOAD    the gradient beats and the update beats ([unfused: gradient], weight, state) of one row at a time
 *   SUM     rowwise Adagrad: s = +0; for d in 0..dim-1: s = fl(s + fl(g[d] * g[d])), in element order,
 *           one element per cycle per chain (a 1-stage Fp32Mul into a 1-stage Fp32Add whose result is the
 *           next add's operand); `chains` rows sum at once, row q on chain q mod chains
 *   SCALAR  rowwise Adagrad, a fixed-latency pipeline, one row per cycle:
 *           m = fl(m + fl(s / fl(dim))); mult = fl(lr / fl(fl(sqrt(m)) + eps))
 *   ISSUE   per row: the headers (weight row, state), then its beats, lanes wide, into a fixed-latency pipeline:
 *            SGD      w = fl(w - fl(g * lr))
 *            rowwise  w = fl(w - fl(g * mult))
 *            Adagrad  m = fl(m + fl(g * g)); w = fl(w - fl(fl(lr * g) / fl(fl(sqrt(m)) + eps)))
 *           whose results go to the output queues (room reserved at issue). With keepGrad the gradient
 *           row is written first (to OUT + u * OUT_STRIDE), once the pipeline has drained.
 *
 * Multiplication is commutative in IEEE-754 (NaN compared by class), so
 * fl(g * lr) is the model's fl(lr * g).
 */
import {
  Bool, In, Module, Out, Reg, UInt, Memory, cat, lit, mux, named, when, instance, bitsFor, log2Up, orAny,
  type Value, type Signal,
} from '../../generator';
import { Queue } from '../../generator/stdlib/queue';
import { Fp32Add } from '../../generator/stdlib/float/add';
import { Fp32Mul } from '../../generator/stdlib/float/mul';
import { Fp32Div } from '../../generator/stdlib/float/div';
import { Fp32Sqrt } from '../../generator/stdlib/float/sqrt';
import { Fp32FromUInt } from '../../generator/stdlib/float/convert';
import { Packed } from './packed';
import { rowAddress, rowwiseStateAddress } from './address';

/** The UPDATE.OPT encodings. */
export const UPDATE_OPT = { NONE: 0, SGD: 1, ADAGRAD: 2, ROWWISE_ADAGRAD: 3 } as const;

export interface UpdateUnitOptions {
  dataBits: number;
  addrBits: number;
  /** Beats of the longest row. */
  maxRowBeats: number;
  mulLatency: number;
  addLatency: number;
  divLatency: number;
  sqrtLatency: number;
  /** Rowwise sum chains (rows summing at once), a power of two [dataBits / 32]. */
  chains?: number;
  /** Row buffers in the ring, a power of two >= chains + 4 [the next power of two >= chains + 16]. */
  rowSlots?: number;
}

const pow2AtLeast = (n: number) => 2 ** Math.ceil(Math.log2(n));

export class UpdateUnit extends Module {
  readonly io;
  readonly chains: number;
  readonly rowSlots: number;
  constructor(readonly opts: UpdateUnitOptions) {
    super();
    const W = opts.dataBits;
    const A = opts.addrBits;
    const BB = W / 8;
    const WA = A - Math.log2(BB);
    const rbBits = bitsFor(opts.maxRowBeats);
    this.chains = opts.chains ?? W / 32;
    this.rowSlots = opts.rowSlots ?? pow2AtLeast(this.chains + 16);
    this.io = this.ports({
      /** An operation starts: the row counter goes to 0. */
      start: In(Bool),
      /** An error ended the operation: drop the rows in hand and accept (drop) every input. */
      flush: In(Bool),
      opt: In(UInt(2)),
      keepGrad: In(Bool),
      unfused: In(Bool),
      dim: In(UInt(16)),
      rowBeats: In(UInt(rbBits)),
      tailStrb: In(UInt(BB)),
      lr: In(UInt(32)),
      eps: In(UInt(32)),
      weightBase: In(UInt(A)),
      stateBase: In(UInt(A)),
      rowStride: In(UInt(32)),
      outBase: In(UInt(A)),
      outStride: In(UInt(32)),
      /** A row's id and its segment u (where KEEP_GRAD writes its gradient row), in the order its gradient comes. */
      rid_valid: In(Bool), rid_ready: Out(Bool), rid: In(UInt(32)), rid_seg: In(UInt(32)),
      grad_valid: In(Bool), grad_ready: Out(Bool), grad: In(UInt(W)),
      upd_valid: In(Bool), upd_ready: Out(Bool), upd: In(UInt(W)),
      /** A burst to write: its word address, beats, and stream (0: wd, the weight and gradient rows; 1: sd, the state). */
      hdr_valid: Out(Bool), hdr_ready: In(Bool), hdr_word: Out(UInt(WA)), hdr_beats: Out(UInt(rbBits)), hdr_state: Out(Bool),
      wd_valid: Out(Bool), wd_ready: In(Bool), wd_data: Out(UInt(W)), wd_strb: Out(UInt(BB)),
      sd_valid: Out(Bool), sd_ready: In(Bool), sd_data: Out(UInt(W)), sd_strb: Out(UInt(BB)),
      idle: Out(Bool),
    });
  }

  override get moduleName(): string {
    const o = this.opts;
    return `TcastUpdate_d${o.dataBits}_a${o.addrBits}_r${o.maxRowBeats}_l${o.mulLatency}_${o.addLatency}_${o.divLatency}_${o.sqrtLatency}_c${this.chains}_s${this.rowSlots}`;
  }

  override get doc(): string {
    return 'Scatter-update of the tensor-casting engine: SGD, Adagrad, rowwise Adagrad (FBGEMM EXACT_ROWWISE_ADAGRAD) on the coalesced gradient rows, several rows in flight (docs/MODEL.md 2.4).';
  }

  protected build(): void {
    const io = this.io;
    const o = this.opts;
    const W = o.dataBits;
    const BB = W / 8;
    const lb = Math.log2(BB);
    const L = W / 32;
    const lnb = Math.max(1, log2Up(L));
    const A = o.addrBits;
    const RB = o.maxRowBeats;
    const jBits = Math.max(1, log2Up(RB));
    const rbBits = bitsFor(RB);
    const kBits = bitsFor(3 * RB);
    const NR = this.rowSlots;
    const nb = Math.log2(NR);
    const K = this.chains;
    const LM = o.mulLatency, LA = o.addLatency, LD = o.divLatency, LS = o.sqrtLatency;
    const lane = (v: Value, i: number): Value => v.bits(32 * i + 31, 32 * i);
    const pick32 = (v: Value, l: Value): Value => v.shr(cat(l, lit(0, 5))).trunc(32);
    const ones = lit((1n << BigInt(BB)) - 1n, BB);
    const at = (slot: Value, j: Value): Value => cat(slot, j);
    /** v delayed by n cycles (a register chain; n = 0: v itself). */
    const delay = (v: Value, n: number, name: string): Value => tap(v, n, name)(n);
    /** A register chain of n stages on v: k -> v delayed by k cycles. */
    function tap(v: Value, n: number, name: string): (k: number) => Value {
      const xs: Value[] = [v];
      for (let k = 0; k < n; k++) {
        const r = Reg(UInt(v.width), { init: 0, name: `${name}_d${k + 1}` });
        r.set(xs[k]!);
        xs.push(r);
      }
      return (k) => {
        if (k < 0 || k > n) throw new Error(`tap ${name}: stage ${k} is outside 0..${n}`);
        return xs[k]!;
      };
    }
    const isSgd = named(io.opt.eq(UPDATE_OPT.SGD));
    const isAdagrad = named(io.opt.eq(UPDATE_OPT.ADAGRAD));
    const isRowwise = named(io.opt.eq(UPDATE_OPT.ROWWISE_ADAGRAD));
    const rb = io.rowBeats;
    const run = named(io.flush.not());

    // ---------------------------------------------------------------- the ring of rows (in order)
    // Pointers with one extra bit: ldPtr (rows loaded), sumPtr (rowwise sums started), scPtr (rowwise scalars
    // done), dPtr (rows issued), freePtr (rows whose buffers are no longer read).
    const P1 = nb + 1;
    const ldPtr = Reg(UInt(P1), { init: 0 });
    const sumPtr = Reg(UInt(P1), { init: 0 });
    const scPtr = Reg(UInt(P1), { init: 0 });
    const dPtr = Reg(UInt(P1), { init: 0 });
    const freePtr = Reg(UInt(P1), { init: 0 });
    const slotOf = (p: Value): Value => p.trunc(nb);
    const depth = NR * 2 ** jBits;
    const gbuf = Memory(depth, UInt(W));
    const wbuf = Memory(depth, UInt(W));
    const sbuf = Memory(depth, UInt(W));
    const rowMem = Memory(NR, UInt(32));
    const segMem = Memory(NR, UInt(32));
    const mOldMem = Memory(NR, UInt(32));
    const mNewMem = Memory(NR, UInt(32));
    const multMem = Memory(NR, UInt(32));

    // ---------------------------------------------------------------- LOAD
    const seg = Reg(UInt(32), { init: 0 });
    const row = Reg(UInt(32), { init: 0 });
    const haveRid = Reg(Bool, { init: 0 });
    const gCnt = Reg(UInt(rbBits), { init: 0 });
    const kCnt = Reg(UInt(kBits), { init: 0 });
    const lSlot = named(slotOf(ldPtr));
    const ringFull = named(ldPtr.subWrap(freePtr).eq(NR));
    const stBeats = named(mux(isAdagrad, rb, mux(isRowwise, lit(1, rbBits), lit(0, rbBits))));
    const gFromUpd = named(mux(io.unfused, rb, lit(0, rbBits)));
    const updTotal = named(gFromUpd.zext(kBits).addWrap(rb.zext(kBits)).addWrap(stBeats.zext(kBits)));
    // A row is complete (its id and every beat in its slot); in that cycle the next row's id and first
    // beats are taken already, into the next slot (no bubble between rows).
    const loaded = named(run.and(haveRid).and(io.unfused.or(gCnt.eq(rb))).and(kCnt.eq(updTotal)));
    const nextFree = named(ldPtr.addWrap(1).subWrap(freePtr).lt(NR));
    const canLoad = named(run.and(mux(loaded, nextFree, ringFull.not())));
    const eSlot = named(mux(loaded, slotOf(ldPtr.addWrap(1)), lSlot));
    const gEff = named(mux(loaded, lit(0, rbBits), gCnt));
    const kEff = named(mux(loaded, lit(0, kBits), kCnt));
    io.rid_ready.set(io.flush.or(run.and(haveRid.not().or(loaded))));
    const gradTake = named(canLoad.and(io.unfused.not()).and(gEff.lt(rb)));
    io.grad_ready.set(io.flush.or(gradTake));
    const kW = named(kEff.subWrap(gFromUpd.zext(kBits))); // index past the unfused gradient beats
    const stateBeat = named(kEff.ge(gFromUpd.zext(kBits)).and(kW.ge(rb.zext(kBits))));
    // A state beat needs the row's id (its lane); it never comes first in a row.
    const updTake = named(canLoad.and(kEff.lt(updTotal)).and(stateBeat.not().or(haveRid.and(loaded.not()))));
    io.upd_ready.set(io.flush.or(updTake));
    const gradFire = named(gradTake.and(io.grad_valid));
    const updFire = named(updTake.and(io.upd_valid));
    when(gradFire, () => gbuf.write(at(eSlot, gEff.trunc(jBits)), io.grad));
    // The rowwise state: one fp32 at STATE + 4 * row, lane `stLane` of its beat.
    const stateAddrOf = (r: Value): Value => rowwiseStateAddress(io.stateBase, r);
    when(updFire, () => {
      when(kEff.lt(gFromUpd.zext(kBits)), () => gbuf.write(at(eSlot, kEff.trunc(jBits)), io.upd))
        .elseWhen(stateBeat.not(), () => wbuf.write(at(eSlot, kW.trunc(jBits)), io.upd))
        .otherwise(() => {
          sbuf.write(at(eSlot, kW.subWrap(rb.zext(kBits)).trunc(jBits)), io.upd);
          mOldMem.write(eSlot, pick32(io.upd, stateAddrOf(row).bits(lb - 1, 2)));
        });
    });
    gCnt.set(gEff.addWrap(gradFire.zext(rbBits)));
    kCnt.set(kEff.addWrap(updFire.zext(kBits)));
    when(loaded, () => {
      rowMem.write(lSlot, row);
      segMem.write(lSlot, seg);
      ldPtr.set(ldPtr.addWrap(1));
      haveRid.set(0);
    });
    when(io.rid_ready.and(io.rid_valid).and(run), () => {
      row.set(io.rid);
      seg.set(io.rid_seg);
      haveRid.set(1);
    });

    // ---------------------------------------------------------------- SUM (rowwise): `chains` rows at once
    const dimF = instance(new Fp32FromUInt({ width: 16, stages: 1 }), 'dim_to_fp32');
    dimF.io.in_valid.set(1);
    dimF.io.a.set(io.dim);
    const cSel = named(sumPtr.trunc(Math.max(1, log2Up(K))));
    const chainBusy: Signal[] = [];
    const chainStart = named(run.and(isRowwise).and(sumPtr.ne(ldPtr)));
    const dones: { v: Value; s: Value; slot: Value }[] = [];
    const startOk: Value[] = [];
    for (let c = 0; c < K; c++) {
      const busy = Reg(Bool, { init: 0, name: `chain_busy_${c}` });
      chainBusy.push(busy);
      const cSlot = Reg(UInt(nb), { init: 0, name: `chain_slot_${c}` });
      const d = Reg(UInt(17), { init: 0, name: `chain_d_${c}` });
      const outN = Reg(UInt(17), { init: 0, name: `chain_out_${c}` });
      const first = Reg(Bool, { init: 0, name: `chain_first_${c}` });
      const mine = K === 1 ? lit(1, 1) : cSel.eq(c);
      const go = named(chainStart.and(mine).and(busy.not()), `chain_go_${c}`);
      startOk.push(go);
      when(go, () => {
        busy.set(1);
        cSlot.set(slotOf(sumPtr));
        d.set(0);
        outN.set(0);
        first.set(1);
      });
      const issue = named(busy.and(d.lt(io.dim.zext(17))), `chain_issue_${c}`);
      const gAt = gbuf.readAsync(at(cSlot, d.shr(lnb).trunc(jBits)));
      const g = named(pick32(gAt, d.trunc(lnb)), `chain_g_${c}`);
      const mul = instance(new Fp32Mul({ stages: 1 }), `sq_mul_${c}`);
      mul.io.in_valid.set(issue);
      mul.io.a.set(g);
      mul.io.b.set(g);
      when(issue, () => d.set(d.addWrap(1)));
      const add = instance(new Fp32Add({ stages: 1 }), `sq_add_${c}`);
      add.io.in_valid.set(mul.io.out_valid.and(busy));
      add.io.a.set(mux(first, lit(0, 32), add.io.y));
      add.io.b.set(mul.io.y);
      add.io.sub.set(0);
      when(mul.io.out_valid.and(busy), () => first.set(0));
      const fin = named(add.io.out_valid.and(busy).and(outN.addWrap(1).eq(io.dim.zext(17))), `chain_done_${c}`);
      when(add.io.out_valid.and(busy), () => outN.set(outN.addWrap(1)));
      when(fin, () => busy.set(0));
      when(io.flush, () => busy.set(0));
      dones.push({ v: fin, s: add.io.y, slot: cSlot });
    }
    when(orAny(...startOk), () => sumPtr.set(sumPtr.addWrap(1)));
    // Chains start one per cycle at most and all take dim + 2 cycles: at most one finishes per cycle, in order.
    const scIn = named(orAny(...dones.map((x) => x.v)).and(run));
    const scS = named(dones.reduce<Value>((a, x) => mux(x.v, x.s, a), lit(0, 32)));
    const scSlot = named(dones.reduce<Value>((a, x) => mux(x.v, x.slot, a), lit(0, nb)));

    // ---------------------------------------------------------------- SCALAR (rowwise), fixed latency
    const div1 = instance(new Fp32Div({ stages: LD }), 'scalar_div_dim');
    div1.io.in_valid.set(scIn);
    div1.io.a.set(scS);
    div1.io.b.set(dimF.io.y);
    const slot1 = delay(scSlot, LD, 'sc_slot_a');
    const add1 = instance(new Fp32Add({ stages: LA }), 'scalar_add_m');
    add1.io.in_valid.set(div1.io.out_valid);
    add1.io.a.set(mOldMem.readAsync(slot1));
    add1.io.b.set(div1.io.y);
    add1.io.sub.set(0);
    const slot2 = delay(slot1, LA, 'sc_slot_b');
    when(add1.io.out_valid.and(run), () => mNewMem.write(slot2, add1.io.y));
    const sq = instance(new Fp32Sqrt({ stages: LS }), 'scalar_sqrt');
    sq.io.in_valid.set(add1.io.out_valid);
    sq.io.a.set(add1.io.y);
    const add2 = instance(new Fp32Add({ stages: LA }), 'scalar_add_eps');
    add2.io.in_valid.set(sq.io.out_valid);
    add2.io.a.set(sq.io.y);
    add2.io.b.set(io.eps);
    add2.io.sub.set(0);
    const div2 = instance(new Fp32Div({ stages: LD }), 'scalar_div_lr');
    div2.io.in_valid.set(add2.io.out_valid);
    div2.io.a.set(io.lr);
    div2.io.b.set(add2.io.y);
    const slot3 = delay(slot2, LS + LA + LD, 'sc_slot_c');
    when(div2.io.out_valid.and(run), () => {
      multMem.write(slot3, div2.io.y);
      scPtr.set(scPtr.addWrap(1));
    });
    const scBusy = named(orAny(scIn, div1.io.out_valid, add1.io.out_valid, sq.io.out_valid, add2.io.out_valid, div2.io.out_valid));

    // ---------------------------------------------------------------- output queues (room reserved at issue)
    const P = LM + 2 * LA + LS + LD + LA; // Adagrad's whole latency
    const tB = LM + LA; // SGD / rowwise weight, Adagrad state
    const OQ = P + RB + 4;
    const outw = new Packed({ strb: BB, data: W });
    const wQ = instance(new Queue(UInt(outw.width), { depth: OQ, storage: 'ram' }), 'wd_queue');
    const sQ = instance(new Queue(UInt(outw.width), { depth: OQ, storage: 'ram' }), 'sd_queue');
    const wRes = Reg(UInt(bitsFor(OQ)), { init: 0 });
    const sRes = Reg(UInt(bitsFor(OQ)), { init: 0 });
    const wPop = named(wQ.io.deq.valid.and(wQ.io.deq.ready));
    const sPop = named(sQ.io.deq.valid.and(sQ.io.deq.ready));
    io.wd_valid.set(wQ.io.deq.valid.and(run));
    io.wd_data.set(outw.get(wQ.io.deq.bits, 'data'));
    io.wd_strb.set(outw.get(wQ.io.deq.bits, 'strb'));
    wQ.io.deq.ready.set(io.flush.or(io.wd_ready));
    io.sd_valid.set(sQ.io.deq.valid.and(run));
    io.sd_data.set(outw.get(sQ.io.deq.bits, 'data'));
    io.sd_strb.set(outw.get(sQ.io.deq.bits, 'strb'));
    sQ.io.deq.ready.set(io.flush.or(io.sd_ready));

    // ---------------------------------------------------------------- ISSUE: rows in order
    // Headers run up to one row ahead of the beats: hPtr (rows whose headers are pushed), dPtr (rows issued).
    // hph: 0 next row, 1 keepGrad (header, then the gradient beats), 2 weight header, 3 state header.
    const hPtr = Reg(UInt(P1), { init: 0 });
    const hph = Reg(UInt(2), { init: 0 });
    const hSlot = named(slotOf(hPtr));
    const hRow = named(rowMem.readAsync(hSlot));
    const hSeg = named(segMem.readAsync(hSlot));
    const readyAt = (p: Value): Value => mux(isRowwise, p.ne(scPtr), p.ne(ldPtr));
    // Pipeline beats in flight (issued, not yet in an output queue).
    const inPipe = Reg(UInt(bitsFor(P + RB + 1)), { init: 0 });
    const rowAddr = (base: Value, r: Value): Value => rowAddress(base, r, io.rowStride);
    const hStateAddr = named(mux(isRowwise, stateAddrOf(hRow), rowAddr(io.stateBase, hRow)));
    const stLane = named(hStateAddr.bits(lb - 1, 2));
    const hdrSent = Reg(Bool, { init: 0 });
    const rIdx = Reg(UInt(rbBits), { init: 0 });
    // A row may start its headers when ready, at most one row ahead; with keepGrad only once everything
    // before it is out of the pipeline (its gradient beats go into the weight-stream queue first).
    const hStartOk = (p: Value): Value => run.and(readyAt(p)).and(p.subWrap(dPtr).lt(2))
      .and(io.keepGrad.not().or(p.eq(dPtr).and(inPipe.eq(0))));
    io.hdr_word.set(named(mux(hph.eq(1), rowAddress(io.outBase, hSeg, io.outStride),
      mux(hph.eq(2), rowAddr(io.weightBase, hRow), hStateAddr)).bits(A - 1, lb)));
    io.hdr_beats.set(mux(hph.eq(3).and(isRowwise), lit(1, rbBits), rb));
    io.hdr_state.set(hph.eq(3));
    io.hdr_valid.set(run.and(hph.ne(0)).and(hdrSent.not()).and(hph.ne(3).or(isRowwise.not()).or(sRes.lt(OQ))));
    const hdrFire = named(io.hdr_valid.and(io.hdr_ready));
    const replay = named(run.and(hph.eq(1)).and(hdrSent).and(wRes.lt(OQ)));
    const replayLast = named(rIdx.addWrap(1).eq(rb));
    const replayData = gbuf.readAsync(at(hSlot, rIdx.trunc(jBits)));
    const rowState = named(hph.eq(3).and(isRowwise).and(hdrFire));
    const hDone = named(hdrFire.and(hph.eq(3).or(hph.eq(2).and(isSgd))));
    const hNext = named(hPtr.addWrap(1));
    const firstPh = named(mux(io.keepGrad, lit(1, 2), lit(2, 2)));
    when(hph.eq(0).and(hStartOk(hPtr)), () => {
      hph.set(firstPh);
      hdrSent.set(0);
      rIdx.set(0);
    });
    when(hph.eq(1).and(hdrFire), () => hdrSent.set(1));
    when(replay, () => {
      rIdx.set(mux(replayLast, lit(0, rbBits), rIdx.addWrap(1)));
      when(replayLast, () => {
        hph.set(2);
        hdrSent.set(0);
      });
    });
    when(hph.eq(2).and(hdrFire).and(isSgd.not()), () => hph.set(3));
    when(hDone, () => {
      hPtr.set(hNext);
      // Straight on to the next row when it may start (its readiness and the one-row lead).
      hph.set(mux(run.and(readyAt(hNext)).and(hNext.subWrap(dPtr).lt(2)).and(io.keepGrad.not()), firstPh, lit(0, 2)));
    });
    // The beats: room in the weight queue (and the state queue for Adagrad) reserved at issue.
    const jIss = Reg(UInt(rbBits), { init: 0 });
    const dSlot = named(slotOf(dPtr));
    const issue = named(run.and(dPtr.ne(hPtr)).and(wRes.lt(OQ)).and(isAdagrad.not().or(sRes.lt(OQ))));
    const lastJ = named(jIss.addWrap(1).eq(rb));
    when(issue, () => {
      jIss.set(mux(lastJ, lit(0, rbBits), jIss.addWrap(1)));
      when(lastJ, () => dPtr.set(dPtr.addWrap(1)));
    });

    // ---------------------------------------------------------------- the lane pipeline
    const iSlot = dSlot;
    const iJ = jIss.trunc(jBits);
    const sl = tap(iSlot, P, 'pipe_slot');
    const jj = tap(iJ, P, 'pipe_beat');
    const vv = tap(issue, P, 'pipe_valid');
    const ll = tap(lastJ.and(issue), P, 'pipe_last');
    const tM = 2 * LA + LS; // mulB issue (lr * g), so that it meets the denominator
    const tF = LM + 2 * LA + LS + LD; // addF issue
    const gI = gbuf.readAsync(at(iSlot, iJ));
    const mult = named(multMem.readAsync(iSlot));
    const gM = gbuf.readAsync(at(sl(tM), jj(tM)));
    const wA = wbuf.readAsync(at(sl(LM), jj(LM)));
    const sA = sbuf.readAsync(at(sl(LM), jj(LM)));
    const wF = wbuf.readAsync(at(sl(tF), jj(tF)));
    const lanesOut = Array.from({ length: L }, (_, i) => {
      const g = lane(gI, i);
      const mulA = instance(new Fp32Mul({ stages: LM }), `upd_mul_a_${i}`);
      mulA.io.in_valid.set(vv(0));
      mulA.io.a.set(g);
      mulA.io.b.set(mux(isAdagrad, g, mux(isSgd, io.lr, mult)));
      const addA = instance(new Fp32Add({ stages: LA }), `upd_add_a_${i}`);
      addA.io.in_valid.set(vv(LM));
      addA.io.a.set(mux(isAdagrad, lane(sA, i), lane(wA, i)));
      addA.io.b.set(mulA.io.y);
      addA.io.sub.set(isAdagrad.not());
      const sqr = instance(new Fp32Sqrt({ stages: LS }), `upd_sqrt_${i}`);
      sqr.io.in_valid.set(vv(tB).and(isAdagrad));
      sqr.io.a.set(addA.io.y);
      const addE = instance(new Fp32Add({ stages: LA }), `upd_add_eps_${i}`);
      addE.io.in_valid.set(vv(tB + LS).and(isAdagrad));
      addE.io.a.set(sqr.io.y);
      addE.io.b.set(io.eps);
      addE.io.sub.set(0);
      const mulB = instance(new Fp32Mul({ stages: LM }), `upd_mul_lr_${i}`);
      mulB.io.in_valid.set(vv(tM).and(isAdagrad));
      mulB.io.a.set(io.lr);
      mulB.io.b.set(lane(gM, i));
      const dv = instance(new Fp32Div({ stages: LD }), `upd_div_${i}`);
      dv.io.in_valid.set(vv(tB + LS + LA).and(isAdagrad));
      dv.io.a.set(mulB.io.y);
      dv.io.b.set(addE.io.y);
      const addF = instance(new Fp32Add({ stages: LA }), `upd_add_w_${i}`);
      addF.io.in_valid.set(vv(tF).and(isAdagrad));
      addF.io.a.set(lane(wF, i));
      addF.io.b.set(dv.io.y);
      addF.io.sub.set(1);
      return { first: addA.io.y, last: addF.io.y };
    });
    const firstOut = named(cat(...lanesOut.map((x) => x.first).reverse()));
    const lastOut = named(cat(...lanesOut.map((x) => x.last).reverse()));
    const strbAt = (k: number) => mux(ll(k), io.tailStrb, ones);
    // SGD / rowwise: the weight at tB. Adagrad: the state at tB, the weight at P.
    const wOutV = named(run.and(mux(isAdagrad, vv(P), vv(tB))));
    const wOutData = named(mux(replay, replayData, mux(isAdagrad, lastOut, firstOut)));
    const wOutStrb = named(mux(replay, mux(replayLast, io.tailStrb, ones), mux(isAdagrad, strbAt(P), strbAt(tB))));
    wQ.io.enq.valid.set(wOutV.or(replay));
    wQ.io.enq.bits.set(outw.pack({ strb: wOutStrb, data: wOutData }));
    const sOutV = named(run.and(isAdagrad).and(vv(tB)));
    sQ.io.enq.valid.set(sOutV.or(rowState.and(run)));
    sQ.io.enq.bits.set(mux(rowState,
      outw.pack({ strb: lit(0xf, BB).shl(cat(stLane, lit(0, 2))).trunc(BB), data: mNewMem.readAsync(hSlot).zext(W).shl(cat(stLane, lit(0, 5))).trunc(W) }),
      outw.pack({ strb: strbAt(tB), data: firstOut })));
    // Reservations: +1 at issue (and replay, and the rowwise state beat), -1 when the writer takes a beat.
    const wUp = named(issue.or(replay));
    const sUp = named(issue.and(isAdagrad).or(rowState));
    when(wUp.and(wPop.not()), () => wRes.set(wRes.addWrap(1)));
    when(wPop.and(wUp.not()), () => wRes.set(wRes.subWrap(1)));
    when(sUp.and(sPop.not()), () => sRes.set(sRes.addWrap(1)));
    when(sPop.and(sUp.not()), () => sRes.set(sRes.subWrap(1)));
    const pipeOut = named(wOutV);
    when(issue.and(pipeOut.not()), () => inPipe.set(inPipe.addWrap(1)));
    when(pipeOut.and(issue.not()), () => inPipe.set(inPipe.subWrap(1)));
    // A row's buffers are free once its last beat has read them (Adagrad: at tF; others: at LM).
    const freeV = named(mux(isAdagrad, ll(tF), ll(LM)));
    when(freeV.and(run), () => freePtr.set(freePtr.addWrap(1)));
    // keepGrad without the pipeline: the replay's row is freed when the weight beats pass (same rule).

    // ---------------------------------------------------------------- start, flush, idle
    when(io.start.or(io.flush), () => {
      for (const p of [ldPtr, sumPtr, scPtr, hPtr, dPtr, freePtr]) p.set(0);
      haveRid.set(0);
      gCnt.set(0);
      kCnt.set(0);
      hph.set(0);
      jIss.set(0);
      inPipe.set(0);
      wRes.set(0);
      sRes.set(0);
    });
    io.idle.set(ldPtr.eq(freePtr).and(dPtr.eq(ldPtr)).and(haveRid.not()).and(gCnt.eq(0)).and(kCnt.eq(0)).and(hph.eq(0))
      .and(orAny(...chainBusy).not()).and(scBusy.not()).and(inPipe.eq(0)).and(vv(P).not()).and(wQ.io.deq.valid.not()).and(sQ.io.deq.valid.not()));
  }
}

