/**
 * UpdateUnit: the engine's scatter-update (docs/ENGINE.md, "Update"). For each
 * coalesced gradient row u (row id `rid`, gradient beats from the reducer when
 * fused with the casted backward, or from memory for the unfused UPDATE) it
 * takes the weight row and the optimizer state read by the engine's row fetch,
 * applies the optimizer of docs/MODEL.md 2.4 (model/optim.ts) bit for bit, and
 * hands the rows to write (the gradient row when asked, the weight row, the
 * state) to the engine's writer as bursts: a header (word address, beats) then
 * the beats with their WSTRB.
 *
 * One row at a time, in phases:
 *   LOAD   gradient beats -> gbuf; the update beats (unfused: gradient; weight; state) -> gbuf/wbuf/sbuf
 *   SUM    rowwise Adagrad: s = +0; for d in 0..dim-1: s = fl(s + fl(g[d] * g[d])), one element per cycle
 *          (a 1-stage Fp32Mul feeding a 1-stage Fp32Add whose result is the next add's operand)
 *   SCALAR rowwise Adagrad: m = fl(m + fl(s / fl(dim))); mult = fl(lr / fl(fl(sqrt(m)) + eps))
 *          (one Fp32Div, one Fp32Add, one Fp32Sqrt, one Fp32Add, one Fp32Div, in turn)
 *   ELEM   per beat, lanes wide, a fixed-latency pipeline:
 *            SGD      w = fl(w - fl(g * lr))
 *            rowwise  w = fl(w - fl(g * mult))
 *            Adagrad  m = fl(m + fl(g * g)); w = fl(w - fl(fl(lr * g) / fl(fl(sqrt(m)) + eps)))
 *   EMIT   [gradient row to OUT + u * OUT_STRIDE], weight row, [state: a row (Adagrad) or one fp32 (rowwise)]
 *
 * Multiplication is commutative in IEEE-754 (NaN compared by class), so
 * fl(g * lr) is the model's fl(lr * g).
 */
import {
  Bool, In, Module, Out, Reg, UInt, Memory, cat, lit, mux, named, when, instance, bitsFor, log2Up,
  type Value, type Signal,
} from '../../generator';
import { Fp32Add } from '../../generator/stdlib/float/add';
import { Fp32Mul } from '../../generator/stdlib/float/mul';
import { Fp32Div } from '../../generator/stdlib/float/div';
import { Fp32Sqrt } from '../../generator/stdlib/float/sqrt';
import { Fp32FromUInt } from '../../generator/stdlib/float/convert';

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
}

export class UpdateUnit extends Module {
  readonly io;
  constructor(readonly opts: UpdateUnitOptions) {
    super();
    const W = opts.dataBits;
    const A = opts.addrBits;
    const BB = W / 8;
    const WA = A - Math.log2(BB);
    const rbBits = bitsFor(opts.maxRowBeats);
    this.io = this.ports({
      /** An operation starts: the row counter goes to 0. */
      start: In(Bool),
      /** An error ended the operation: drop the row in hand and accept (drop) every input. */
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
      rid_valid: In(Bool), rid_ready: Out(Bool), rid: In(UInt(32)),
      grad_valid: In(Bool), grad_ready: Out(Bool), grad: In(UInt(W)),
      upd_valid: In(Bool), upd_ready: Out(Bool), upd: In(UInt(W)),
      hdr_valid: Out(Bool), hdr_ready: In(Bool), hdr_word: Out(UInt(WA)), hdr_beats: Out(UInt(rbBits)),
      wd_valid: Out(Bool), wd_ready: In(Bool), wd_data: Out(UInt(W)), wd_strb: Out(UInt(BB)),
      idle: Out(Bool),
    });
  }

  override get moduleName(): string {
    const o = this.opts;
    return `TcastUpdate_d${o.dataBits}_a${o.addrBits}_r${o.maxRowBeats}_l${o.mulLatency}_${o.addLatency}_${o.divLatency}_${o.sqrtLatency}`;
  }

  override get doc(): string {
    return 'Scatter-update of the tensor-casting engine: SGD, Adagrad, rowwise Adagrad (FBGEMM EXACT_ROWWISE_ADAGRAD) on one coalesced gradient row at a time (docs/MODEL.md 2.4).';
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
    const LM = o.mulLatency, LA = o.addLatency, LD = o.divLatency, LS = o.sqrtLatency;
    const lane = (v: Value, i: number): Value => v.bits(32 * i + 31, 32 * i);
    const pick32 = (v: Value, l: Value): Value => v.shr(cat(l, lit(0, 5))).trunc(32);
    const ones = lit((1n << BigInt(BB)) - 1n, BB);

    const PH_LOAD = 0, PH_SUM = 1, PH_SCALAR = 2, PH_ELEM = 3, PH_EMIT = 4;
    const ph = Reg(UInt(3), { init: PH_LOAD });
    const isSgd = named(io.opt.eq(1));
    const isAdagrad = named(io.opt.eq(2));
    const isRowwise = named(io.opt.eq(3));
    const rb = io.rowBeats;

    // ---------------------------------------------------------------- LOAD
    const row = Reg(UInt(32), { init: 0 });
    const seg = Reg(UInt(32), { init: 0 });
    const haveRid = Reg(Bool, { init: 0 });
    const gCnt = Reg(UInt(rbBits), { init: 0 });
    const kCnt = Reg(UInt(kBits), { init: 0 });
    const gbuf = Memory(Math.max(2, RB), UInt(W));
    const wbuf = Memory(Math.max(2, RB), UInt(W));
    const sbuf = Memory(Math.max(2, RB), UInt(W));
    const obuf = Memory(Math.max(2, RB), UInt(W));
    const mbuf = Memory(Math.max(2, RB), UInt(W));
    const stBeats = named(mux(isAdagrad, rb, mux(isRowwise, lit(1, rbBits), lit(0, rbBits))));
    const gFromUpd = named(mux(io.unfused, rb, lit(0, rbBits)));
    const updTotal = named(gFromUpd.zext(kBits).addWrap(rb.zext(kBits)).addWrap(stBeats.zext(kBits)));
    const loading = named(ph.eq(PH_LOAD).and(io.flush.not()));
    io.rid_ready.set(io.flush.or(loading.and(haveRid.not())));
    const gradTake = named(loading.and(io.unfused.not()).and(gCnt.lt(rb)));
    io.grad_ready.set(io.flush.or(gradTake));
    const updTake = named(loading.and(kCnt.lt(updTotal)));
    io.upd_ready.set(io.flush.or(updTake));
    when(loading.and(haveRid.not()).and(io.rid_valid), () => {
      row.set(io.rid);
      haveRid.set(1);
    });
    when(gradTake.and(io.grad_valid), () => {
      gbuf.write(gCnt.trunc(jBits), io.grad);
      gCnt.set(gCnt.addWrap(1));
    });
    const kW = named(kCnt.subWrap(gFromUpd.zext(kBits))); // index past the unfused gradient beats
    when(updTake.and(io.upd_valid), () => {
      kCnt.set(kCnt.addWrap(1));
      when(kCnt.lt(gFromUpd.zext(kBits)), () => gbuf.write(kCnt.trunc(jBits), io.upd))
        .elseWhen(kW.lt(rb.zext(kBits)), () => wbuf.write(kW.trunc(jBits), io.upd))
        .otherwise(() => sbuf.write(kW.subWrap(rb.zext(kBits)).trunc(jBits), io.upd));
    });
    const loaded = named(loading.and(haveRid).and(io.unfused.or(gCnt.eq(rb))).and(kCnt.eq(updTotal)));

    // The rowwise state: one fp32 at STATE + 4 * row, lane `stLane` of its beat.
    const stateAddr = named(io.stateBase.addWrap(row.zext(A + 2).shl(2).trunc(A)));
    const stLane = named(stateAddr.bits(lb - 1, 2));
    const mOld = named(pick32(sbuf.readAsync(lit(0, jBits)), stLane));

    // ---------------------------------------------------------------- SUM (rowwise): s = fl(s + fl(g*g)) in order
    const dCnt = Reg(UInt(17), { init: 0 });
    const sumOut = Reg(UInt(17), { init: 0 });
    const dimF = instance(new Fp32FromUInt({ width: 16, stages: 1 }), 'dim_to_fp32');
    dimF.io.in_valid.set(1);
    dimF.io.a.set(io.dim);
    const gAt = named(gbuf.readAsync(dCnt.shr(lnb).trunc(jBits)));
    const gElem = named(pick32(gAt, dCnt.trunc(lnb)));
    const sMul = instance(new Fp32Mul({ stages: 1 }), 'sq_mul');
    const sIssue = named(ph.eq(PH_SUM).and(dCnt.lt(io.dim.zext(17))));
    sMul.io.in_valid.set(sIssue);
    sMul.io.a.set(gElem);
    sMul.io.b.set(gElem);
    when(sIssue, () => dCnt.set(dCnt.addWrap(1)));
    const sFirst = Reg(Bool, { init: 0 });
    const sAdd = instance(new Fp32Add({ stages: 1 }), 'scalar_add');
    const sDiv = instance(new Fp32Div({ stages: LD }), 'scalar_div');
    const sSqrt = instance(new Fp32Sqrt({ stages: LS }), 'scalar_sqrt');
    const step = Reg(UInt(3), { init: 0 });
    const issued = Reg(Bool, { init: 0 });
    const sv = Reg(UInt(32), { init: 0 });
    const mNew = Reg(UInt(32), { init: 0 });
    const mult = Reg(UInt(32), { init: 0 });
    const inScalar = named(ph.eq(PH_SCALAR));
    const scalarIssue = named(inScalar.and(issued.not()));
    const sumAdd = named(ph.eq(PH_SUM).and(sMul.io.out_valid));
    sAdd.io.in_valid.set(sumAdd.or(scalarIssue.and(step.eq(1).or(step.eq(3)))));
    // step 1: m + q; step 3: sqrt + eps
    sAdd.io.a.set(mux(ph.eq(PH_SUM), mux(sFirst, lit(0, 32), sAdd.io.y), mux(step.eq(1), mOld, sv)));
    sAdd.io.b.set(mux(ph.eq(PH_SUM), sMul.io.y, mux(step.eq(1), sv, io.eps)));
    sAdd.io.sub.set(0);
    when(sumAdd, () => sFirst.set(0));
    const lastSum = named(sAdd.io.out_valid.and(ph.eq(PH_SUM)).and(sumOut.addWrap(1).eq(io.dim.zext(17))));
    when(sAdd.io.out_valid.and(ph.eq(PH_SUM)), () => sumOut.set(sumOut.addWrap(1)));
    // step 0: s / fl(dim); step 4: lr / den
    sDiv.io.in_valid.set(scalarIssue.and(step.eq(0).or(step.eq(4))));
    sDiv.io.a.set(mux(step.eq(0), sv, io.lr));
    sDiv.io.b.set(mux(step.eq(0), dimF.io.y, sv));
    sSqrt.io.in_valid.set(scalarIssue.and(step.eq(2)));
    sSqrt.io.a.set(sv);
    when(scalarIssue, () => issued.set(1));
    const stepDone = named(inScalar.and(issued).and(mux(step.eq(2), sSqrt.io.out_valid, mux(step.eq(1).or(step.eq(3)), sAdd.io.out_valid, sDiv.io.out_valid))));
    const stepY = named(mux(step.eq(2), sSqrt.io.y, mux(step.eq(1).or(step.eq(3)), sAdd.io.y, sDiv.io.y)));

    // ---------------------------------------------------------------- ELEM: the lane pipeline
    const P = LM + 2 * LA + LS + LD + LA; // Adagrad's whole latency
    const jIss = Reg(UInt(rbBits), { init: 0 });
    const oCnt = Reg(UInt(rbBits), { init: 0 });
    const eIssue = named(ph.eq(PH_ELEM).and(jIss.lt(rb)));
    when(eIssue, () => jIss.set(jIss.addWrap(1)));
    const dv: Signal[] = [];
    const dj: Signal[] = [];
    for (let k = 1; k <= P; k++) {
      dv.push(Reg(Bool, { init: 0, name: `elem_valid_${k}` }));
      dj.push(Reg(UInt(jBits), { init: 0, name: `elem_beat_${k}` }));
      dv[k - 1]!.set(k === 1 ? eIssue : dv[k - 2]!);
      dj[k - 1]!.set(k === 1 ? jIss.trunc(jBits) : dj[k - 2]!);
    }
    const vAt = (k: number): Value => (k === 0 ? eIssue : dv[k - 1]!);
    const jAt = (k: number): Value => (k === 0 ? jIss.trunc(jBits) : dj[k - 1]!);
    const gI = gbuf.readAsync(jAt(0));
    const tA = LM; // addA issue
    const tB = LM + LA; // addA result: SGD/rowwise weight, Adagrad state
    const tM = 2 * LA + LS; // mulB issue (lr * g), so that it meets the denominator
    const gM = gbuf.readAsync(jAt(tM));
    const wA = wbuf.readAsync(jAt(tA));
    const sA = sbuf.readAsync(jAt(tA));
    const tF = LM + 2 * LA + LS + LD; // addF issue
    const wF = wbuf.readAsync(jAt(tF));
    const lanesOut = Array.from({ length: L }, (_, i) => {
      const g = lane(gI, i);
      const mulA = instance(new Fp32Mul({ stages: LM }), `upd_mul_a_${i}`);
      mulA.io.in_valid.set(vAt(0));
      mulA.io.a.set(g);
      mulA.io.b.set(mux(isAdagrad, g, mux(isSgd, io.lr, mult)));
      const addA = instance(new Fp32Add({ stages: LA }), `upd_add_a_${i}`);
      addA.io.in_valid.set(vAt(tA));
      addA.io.a.set(mux(isAdagrad, lane(sA, i), lane(wA, i)));
      addA.io.b.set(mulA.io.y);
      addA.io.sub.set(isAdagrad.not());
      const sq = instance(new Fp32Sqrt({ stages: LS }), `upd_sqrt_${i}`);
      sq.io.in_valid.set(vAt(tB).and(isAdagrad));
      sq.io.a.set(addA.io.y);
      const addE = instance(new Fp32Add({ stages: LA }), `upd_add_eps_${i}`);
      addE.io.in_valid.set(vAt(tB + LS).and(isAdagrad));
      addE.io.a.set(sq.io.y);
      addE.io.b.set(io.eps);
      addE.io.sub.set(0);
      const mulB = instance(new Fp32Mul({ stages: LM }), `upd_mul_lr_${i}`);
      mulB.io.in_valid.set(vAt(tM).and(isAdagrad));
      mulB.io.a.set(io.lr);
      mulB.io.b.set(lane(gM, i));
      const dv_ = instance(new Fp32Div({ stages: LD }), `upd_div_${i}`);
      dv_.io.in_valid.set(vAt(tB + LS + LA).and(isAdagrad));
      dv_.io.a.set(mulB.io.y);
      dv_.io.b.set(addE.io.y);
      const addF = instance(new Fp32Add({ stages: LA }), `upd_add_w_${i}`);
      addF.io.in_valid.set(vAt(tF).and(isAdagrad));
      addF.io.a.set(lane(wF, i));
      addF.io.b.set(dv_.io.y);
      addF.io.sub.set(1);
      return { first: addA.io.y, last: addF.io.y };
    });
    const firstOut = named(cat(...lanesOut.map((x) => x.first).reverse()));
    const lastOut = named(cat(...lanesOut.map((x) => x.last).reverse()));
    const inElem = named(ph.eq(PH_ELEM));
    // SGD / rowwise: the weight at tB. Adagrad: the state at tB, the weight at P.
    when(inElem.and(vAt(tB)), () => {
      when(isAdagrad, () => mbuf.write(jAt(tB), firstOut)).otherwise(() => obuf.write(jAt(tB), firstOut));
    });
    when(inElem.and(vAt(P)).and(isAdagrad), () => obuf.write(jAt(P), lastOut));
    const outNow = named(inElem.and(mux(isAdagrad, vAt(P), vAt(tB))));
    when(outNow, () => oCnt.set(oCnt.addWrap(1)));
    const elemDone = named(inElem.and(outNow).and(oCnt.addWrap(1).eq(rb)));

    // ---------------------------------------------------------------- EMIT: [gradient], weight, [state]
    const eb = Reg(UInt(2), { init: 0 }); // 0 gradient, 1 weight, 2 state
    const hdrSent = Reg(Bool, { init: 0 });
    const eBeat = Reg(UInt(rbBits), { init: 0 });
    const wantBurst = named(mux(eb.eq(0), io.keepGrad, mux(eb.eq(1), lit(1, 1), isSgd.not())));
    const rowState = named(eb.eq(2).and(isRowwise));
    const burstBeats = named(mux(rowState, lit(1, rbBits), rb));
    const byteAddr = named(mux(eb.eq(0), io.outBase.addWrap(seg.zext(64).mulWrap(io.outStride.zext(64)).trunc(A)),
      mux(eb.eq(1), io.weightBase.addWrap(row.zext(64).mulWrap(io.rowStride.zext(64)).trunc(A)),
        mux(isRowwise, stateAddr, io.stateBase.addWrap(row.zext(64).mulWrap(io.rowStride.zext(64)).trunc(A))))));
    const emitting = named(ph.eq(PH_EMIT).and(io.flush.not()));
    io.hdr_valid.set(emitting.and(wantBurst).and(hdrSent.not()));
    io.hdr_word.set(byteAddr.bits(A - 1, lb));
    io.hdr_beats.set(burstBeats);
    when(io.hdr_valid.and(io.hdr_ready), () => hdrSent.set(1));
    const eAddr = eBeat.trunc(jBits);
    const rowData = named(mux(eb.eq(0), gbuf.readAsync(eAddr), mux(eb.eq(1), obuf.readAsync(eAddr), mbuf.readAsync(eAddr))));
    const lastBeat = named(eBeat.addWrap(1).eq(burstBeats));
    io.wd_valid.set(emitting.and(wantBurst).and(hdrSent));
    io.wd_data.set(mux(rowState, mNew.zext(W).shl(cat(stLane, lit(0, 5))).trunc(W), rowData));
    io.wd_strb.set(mux(rowState, lit(0xf, BB).shl(cat(stLane, lit(0, 2))).trunc(BB), mux(lastBeat, io.tailStrb, ones)));
    const wdFire = named(io.wd_valid.and(io.wd_ready));
    when(wdFire, () => eBeat.set(mux(lastBeat, lit(0, rbBits), eBeat.addWrap(1))));
    const burstDone = named(emitting.and(wantBurst.not().or(wdFire.and(lastBeat))));
    when(burstDone, () => {
      hdrSent.set(0);
      eb.set(eb.addWrap(1));
    });
    const rowDone = named(burstDone.and(eb.eq(2)));

    // ---------------------------------------------------------------- phase changes
    when(loaded, () => {
      ph.set(mux(isRowwise, lit(PH_SUM, 3), lit(PH_ELEM, 3)));
      dCnt.set(0);
      sumOut.set(0);
      sFirst.set(1);
      jIss.set(0);
      oCnt.set(0);
    });
    when(lastSum, () => {
      ph.set(PH_SCALAR);
      sv.set(sAdd.io.y);
      step.set(0);
      issued.set(0);
    });
    when(stepDone, () => {
      sv.set(stepY);
      issued.set(0);
      step.set(step.addWrap(1));
      when(step.eq(1), () => mNew.set(stepY));
      when(step.eq(4), () => {
        mult.set(stepY);
        ph.set(PH_ELEM);
      });
    });
    when(elemDone, () => {
      ph.set(PH_EMIT);
      eb.set(0);
      hdrSent.set(0);
      eBeat.set(0);
    });
    when(rowDone, () => {
      ph.set(PH_LOAD);
      haveRid.set(0);
      gCnt.set(0);
      kCnt.set(0);
      seg.set(seg.addWrap(1));
    });
    when(io.start.or(io.flush), () => {
      ph.set(PH_LOAD);
      haveRid.set(0);
      gCnt.set(0);
      kCnt.set(0);
    });
    when(io.start, () => seg.set(0));
    io.idle.set(ph.eq(PH_LOAD).and(haveRid.not()).and(gCnt.eq(0)).and(kCnt.eq(0)).and(dv.reduce<Value>((a, v) => a.or(v), lit(0, 1)).not()));
  }
}
