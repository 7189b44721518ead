/**
 * TcastEngine: the tensor-casting gather-reduce engine (docs/ENGINE.md).
 *
 * One operation per START: the forward gather-reduce of docs/MODEL.md 2.2
 * (modes sum, mean, max with its argmax positions; the casted backward is the
 * same operation over the casted index, in max mode masked by the argmax),
 * reading its operands from memory through an AXI4 master and writing the
 * pooled output [B, dim] back:
 *
 *   offsets ─┐                                   ┌─────────── table rows ◄─┐
 *   indices ─┤ AR (one master, IDs = reorder-buffer slots) ──► memory      │
 *            │                                                             │
 *   R ──► reorder buffer (slot per burst) ──► in-order beat queue ──┬─► offset beats ─► unpack ─┐
 *                                                                   ├─► index beats ──► unpack ─┤
 *                                                                   └─► row beats ─┐          sequencer
 *                                                                                  │           (bags, lookups,
 *   W ◄── writer (AW per output row, 4 KiB split, WSTRB) ◄── out queue ◄── reducer ◄┘           padding)
 *                                                                   ▲                            │
 *                                                          metadata queue ◄── row fetch ◄── token queue
 *
 * - Index and offset streams are prefetched ahead of the row fetch: their
 *   reads are issued whenever their beat buffers have room reserved for the
 *   whole burst (credits), so they never block the shared in-order drain.
 * - The row fetch issues one burst per row (split only where the row crosses
 *   a 4 KiB page), each burst in its own reorder-buffer slot (AXI ID); up to
 *   `maxReads` bursts in flight, answered in any order, drained in issue order.
 * - The reducer adds each bag's terms in written order, `lanes` Fp32Adds
 *   wide: acc = +0; acc = fl(acc + W[idx[p], d]). A term waits while the
 *   previous term of the same (bag slot, beat) is still in the adder, short of
 *   its last stage, whose sum is forwarded to it (the dependency stall: one
 *   term per addLatency cycles per slot); `bags` slots of accumulators let consecutive
 *   bags overlap. Sums are never reassociated.
 * - The writer issues one AW burst per output row (split at 4 KiB) and
 *   streams the reducer's last-term results out with WSTRB masking the
 *   bytes past dim on the row's last beat.
 */
import {
  Bool, In, Module, Out, Reg, RegNext, UInt, Wire, Memory, cat, lit, mux, named, when, instance, bitsFor, log2Up, orAny, priorityMux, select,
  type Value, type Signal,
} from '../../generator';
import { Queue } from '../../generator/stdlib/queue';
import { Fp32Add } from '../../generator/stdlib/float/add';
import { Fp32Mul } from '../../generator/stdlib/float/mul';
import { Fp32Max } from '../../generator/stdlib/float/max';
import { Fp32Div } from '../../generator/stdlib/float/div';
import { Fp32FromUInt } from '../../generator/stdlib/float/convert';
import { QNAN } from '../../generator/stdlib/float/common';
import { Axi4, AxiLite, BURST, resolveAxi4 } from '../../generator/stdlib/axi/bundles';
import { ElaborationError } from '../../generator/hdl/errors';
import { slotQueues } from './interleave';
import { columnSlice, sliceIsEmpty } from './slice';
import { UPDATE_OPT, UpdateUnit } from './update';
import { Packed, fit } from './packed';
import { rowAddress, rowwiseStateAddress } from './address';
import { ENGINE_LITE_ADDR_BITS, ENGINE_OP, ENGINE_REGISTERS, PROGRAM_CHECKS, addressOf, type EngineRegName } from './regs';
import { argmaxWord, maskedLane } from './argmax';
import { DESC_BYTES, descriptorLoader, type DescriptorWord } from './descriptor';

export interface EngineOptions {
  /** AXI4 data width in bits (128..1024); fp32 lanes = dataBits / 32. */
  dataBits: number;
  /** Byte address width, 32 or 64 (default 32). */
  addrBits?: number;
  /** Read bursts in flight: reorder-buffer slots, one AXI ID each; a power of two 2..256 (default 8). */
  maxReads?: number;
  /** Beats per read burst at most (index/offset bursts; rows longer than this are split); a power of two 1..256 (default 4). */
  maxBurst?: number;
  /** The largest dim (elements per row) supported (default 256). */
  maxDim?: number;
  /** Depth, in beats, of each of the index and offset beat buffers (>= maxBurst; default 2 x maxBurst). */
  queueDepth?: number;
  /** Fp32Add latency in cycles (default 3); the max units use the same latency. */
  addLatency?: number;
  /** Fp32Mul latency (the per-lookup scale) in cycles (default 3). */
  mulLatency?: number;
  /** Fp32Div latency (mean) in cycles (default 12). */
  divLatency?: number;
  /**
   * Bags interleaved in the reducer, a power of two (default 1): bag slots in the
   * accumulator memory, each with its own token queue; the row fetch takes the
   * slots' lookups round robin (accel/engine/interleave.ts).
   */
  bags?: number;
  /** Lookups each bag slot's token queue holds (default 2; without a spill a bag longer than this is interleaved only partly). */
  tokenDepth?: number;
  /**
   * Depth of the token spill (default 0: none): one memory of tokens shared by the bag slots (a linked list each)
   * that extends every slot's token queue, so the sequencer runs past a bag longer than `tokenDepth` and the longest
   * chain has priority in the fetch (accel/engine/interleave.ts). Needs bags > 1.
   */
  spillDepth?: number;
  /** Write bursts outstanding (AW issued, B not received) at most (default 8). */
  maxWrites?: number;
  /**
   * Column-slice core of a multi-channel engine (accel/engine/channels.ts) of `channels` channels (a power of two,
   * default 1): with more than one, an input `channel_id` (c) selects beats [c·k, c·k + k) of every row,
   * k = ceil(row beats / channels), and an input `peer_error` (another channel's bus error) ends the operation as an
   * error of its own would; every channel is the same module.
   */
  channels?: number;
}

/** fp32 1.0, the scale of a term without per_sample_weights (the reducer's multipliers pass it by). */
const FP32_ONE = 0x3f800000;

const isPow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
const bad = (msg: string): never => { throw new ElaborationError('BAD WIDTH', msg); };
/** v zero-extended or cut to w bits. */


export class TcastEngine extends Module {
  readonly io;
  readonly dataBits: number;
  readonly addrBits: number;
  readonly lanes: number;
  readonly maxReads: number;
  readonly maxBurst: number;
  readonly maxDim: number;
  readonly queueDepth: number;
  readonly addLatency: number;
  readonly mulLatency: number;
  readonly divLatency: number;
  readonly bags: number;
  readonly tokenDepth: number;
  readonly spillDepth: number;
  readonly maxWrites: number;
  readonly channels: number;

  constructor(opts: EngineOptions) {
    super({ clock: 'aclk', reset: { name: 'aresetn', activeLow: true } });
    this.maxReads = opts.maxReads ?? 8;
    this.maxBurst = opts.maxBurst ?? 4;
    this.maxDim = opts.maxDim ?? 256;
    this.queueDepth = opts.queueDepth ?? 2 * this.maxBurst;
    this.addLatency = opts.addLatency ?? 3;
    this.mulLatency = opts.mulLatency ?? 3;
    this.divLatency = opts.divLatency ?? 12;
    this.bags = opts.bags ?? 1;
    this.tokenDepth = opts.tokenDepth ?? 2;
    this.spillDepth = opts.spillDepth ?? 0;
    this.channels = opts.channels ?? 1;
    if (!isPow2(this.channels) || this.channels > 16) bad(`channels must be a power of two in 1..16, got ${this.channels}`);
    this.maxWrites = opts.maxWrites ?? 8;
    if (!isPow2(this.maxReads) || this.maxReads < 2 || this.maxReads > 256) bad(`maxReads must be a power of two in 2..256, got ${this.maxReads}`);
    if (!isPow2(this.maxBurst) || this.maxBurst > 256) bad(`maxBurst must be a power of two in 1..256, got ${this.maxBurst}`);
    if (!Number.isInteger(this.queueDepth) || this.queueDepth < Math.max(2, this.maxBurst)) bad(`queueDepth must be at least max(2, maxBurst) = ${Math.max(2, this.maxBurst)}, got ${this.queueDepth}`);
    if (!Number.isInteger(this.addLatency) || this.addLatency < 1 || this.addLatency > 16) bad(`addLatency must be 1..16, got ${this.addLatency}`);
    if (!Number.isInteger(this.mulLatency) || this.mulLatency < 1 || this.mulLatency > 16) bad(`mulLatency must be 1..16, got ${this.mulLatency}`);
    if (!Number.isInteger(this.divLatency) || this.divLatency < 1 || this.divLatency > 32) bad(`divLatency must be 1..32, got ${this.divLatency}`);
    if (!isPow2(this.bags) || this.bags > 64) bad(`bags must be a power of two in 1..64, got ${this.bags}`);
    if (!Number.isInteger(this.tokenDepth) || this.tokenDepth < 2 || this.tokenDepth > 4096) bad(`tokenDepth must be 2..4096, got ${this.tokenDepth}`);
    if (!Number.isInteger(this.spillDepth) || this.spillDepth < 0 || this.spillDepth > 65536) bad(`spillDepth must be 0..65536, got ${this.spillDepth}`);
    if (this.spillDepth > 0 && (this.bags < 2 || this.spillDepth < 2)) bad(`spillDepth needs bags >= 2 and a depth >= 2 (got bags ${this.bags}, spillDepth ${this.spillDepth}); use spillDepth 0`);
    if (!Number.isInteger(this.maxWrites) || this.maxWrites < 1 || this.maxWrites > 256) bad(`maxWrites must be 1..256, got ${this.maxWrites}`);
    if (opts.dataBits < 128 || opts.dataBits > 1024) bad(`dataBits must be 128..1024, got ${opts.dataBits}`);
    const addrBits = opts.addrBits ?? 32;
    if (addrBits !== 32 && addrBits !== 64) bad(`addrBits must be 32 or 64, got ${addrBits}`);
    const a = resolveAxi4({ dataBits: opts.dataBits, addrBits, idBits: Math.log2(this.maxReads) });
    this.dataBits = a.dataBits;
    this.addrBits = a.addrBits;
    this.lanes = a.dataBits / 32;
    if (!Number.isInteger(this.maxDim) || this.maxDim < 1 || this.maxDim * 4 > 256 * (a.dataBits / 8)) bad(`maxDim must be 1..${64 * (a.dataBits / 8)} (a row is one AXI burst of at most 256 beats), got ${this.maxDim}`);
    this.io = this.ports({
      s_axi_lite: In(AxiLite({ addrBits: ENGINE_LITE_ADDR_BITS })),
      m_axi: Out(Axi4({ dataBits: a.dataBits, addrBits: a.addrBits, idBits: a.idBits })),
      irq: Out(Bool),
      // A multi-channel engine's core: its channel, and another channel's bus error (end this operation as after an error).
      ...(this.channels > 1 ? { channel_id: In(UInt(4)), peer_error: In(Bool) } : {}),
    });
  }

  /** Its hardware depends only on its options: equal instances (a multi-channel engine's channels) share one elaboration. */
  protected override get definitionKey(): string {
    return this.moduleName;
  }

  /** Beats of the longest row. */
  get maxRowBeats(): number { return Math.ceil((this.maxDim * 4) / (this.dataBits / 8)); }

  override get moduleName(): string {
    return `TcastEngine_d${this.dataBits}_a${this.addrBits}_r${this.maxReads}_b${this.maxBurst}_q${this.queueDepth}_l${this.addLatency}_${this.mulLatency}_${this.divLatency}_g${this.bags}${this.tokenDepth === 2 ? '' : `t${this.tokenDepth}`}${this.spillDepth ? `s${this.spillDepth}` : ''}_w${this.maxWrites}_m${this.maxDim}${this.channels > 1 ? `_x${this.channels}` : ''}`;
  }

  override get doc(): string {
    return [
      `Tensor-casting gather-reduce engine: ${this.dataBits}-bit AXI4 master (${this.lanes} fp32 lanes), ${this.addrBits}-bit addresses,`,
      `${this.maxReads} read bursts in flight (reorder buffer ${this.maxReads} x ${this.maxBurst} beats), index, offset and row-id beat buffers of ${2 * this.queueDepth} (int32 streams use ${this.queueDepth}),`,
      `Fp32Add latency ${this.addLatency}, ${this.bags} bag slot(s) interleaved in the reducer (token queues of ${this.tokenDepth}${this.spillDepth ? `, a spill of ${this.spillDepth}` : ''}), up to ${this.maxWrites} write bursts outstanding, dim up to ${this.maxDim}.`,
      'Forward gather-reduce (sum, mean, max with argmax) as docs/MODEL.md 2.2, masked by an argmax for the max-mode casted backward (2.3);',
      'batched tables from a descriptor list; AXI4-Lite registers (docs/ENGINE.md); irq = STATUS.DONE.',
    ].join('\n');
  }

  protected build(): void {
    const io = this.io;
    const m = io.m_axi;
    const W = this.dataBits;
    const A = this.addrBits;
    const BB = W / 8;
    const lb = Math.log2(BB);
    const L = this.lanes;
    const K = this.maxReads;
    const kb = Math.log2(K);
    const MB = this.maxBurst;
    const mbBits = Math.max(1, Math.log2(MB));
    const robDepthBits = kb + Math.log2(MB);
    const RBmax = this.maxRowBeats;
    const jBits = Math.max(1, log2Up(RBmax));
    const rbBits = bitsFor(RBmax); // a row's beat count 1..RBmax
    const BL = bitsFor(256); // a burst's beat count 1..256
    const G = this.bags;
    const gBits = Math.max(1, log2Up(G));
    const QD = this.queueDepth;
    // An int64 stream's beats (row ids; int64 indices and offsets) hold L/2 elements, half an int32 one's: twice the
    // buffer (and credits) covers the same time at one element per cycle (a memory latency of elements in flight).
    const RQD = 2 * QD;
    const LAT = this.addLatency;
    const pw = 12 - lb; // word-address bits inside a 4 KiB page
    const WA = A - lb; // word-address width

    // ---------------------------------------------------------------- state and registers
    const busy = Reg(Bool, { init: 0 });
    const done = Reg(Bool, { init: 0 });
    const err = Reg(Bool, { init: 0 });
    const errResp = Reg(UInt(2), { init: 0 });
    const errRead = Reg(Bool, { init: 0 });
    const errWrite = Reg(Bool, { init: 0 });
    const errProgram = Reg(Bool, { init: 0 });
    const errCause = Reg(UInt(5), { init: 0 });
    const errAddr = Reg(UInt(64), { init: 0 });
    const cycles = Reg(UInt(32), { init: 0 });
    const rBeats = Reg(UInt(32), { init: 0 });
    const wBeats = Reg(UInt(32), { init: 0 });
    const stallIndex = Reg(UInt(32), { init: 0 });
    const stallInflight = Reg(UInt(32), { init: 0 });
    const stallDep = Reg(UInt(32), { init: 0 });
    const stallWrite = Reg(UInt(32), { init: 0 });
    const startIgnored = Reg(UInt(32), { init: 0 });
    // Batched tables: NUM_TABLES > 0 at START runs the descriptors one by one (accel/engine/descriptor.ts).
    const batched = Reg(Bool, { init: 0 });
    const tableAt = Reg(UInt(32), { init: 0 });
    // One operation runs: from its start (START's registers, or a table's loaded descriptor) to its end.
    const opRun = Reg(Bool, { init: 0 });

    const regs = ENGINE_REGISTERS.build(io.s_axi_lite, {
      STATUS: { BUSY: busy, DONE: done, ERROR: err },
      ERROR: { RESP: errResp, READ: errRead, WRITE: errWrite, PROGRAM: errProgram, CAUSE: errCause },
      ERR_ADDR_LO: errAddr.bits(31, 0),
      ERR_ADDR_HI: errAddr.bits(63, 32),
      CONFIG: { BEAT_BYTES: lit(BB, 16), MAX_READS: lit(K % 256, 8), BAGS: lit(G, 8) },
      MAX_DIM: lit(this.maxDim, 32),
      CYCLES: cycles,
      R_BEATS: rBeats,
      W_BEATS: wBeats,
      STALL_INDEX: stallIndex,
      STALL_INFLIGHT: stallInflight,
      STALL_DEPENDENCY: stallDep,
      STALL_WRITE: stallWrite,
      START_IGNORED: startIgnored,
      TABLE_AT: tableAt,
    });
    const rv = (name: EngineRegName): Value => regs.value(name);
    const startReq = named(regs.wrote('CTRL', 'START').and(regs.field('CTRL', 'START')));
    const start = named(startReq.and(busy.not()));
    when(startReq.and(busy), () => startIgnored.set(startIgnored.addWrap(1)));
    io.irq.set(done);
    // The descriptor's beats (from the R path below) fill the next descriptor, nx(); the shadow registers take it
    // when its table starts (descSwap); p(): the operation's registers.
    const DESC_BEATS = DESC_BYTES / BB;
    const dbBits = bitsFor(DESC_BEATS);
    const descFire = Wire(Bool);
    const descBeat = Wire(UInt(W));
    const descIdx = Reg(UInt(dbBits), { init: 0 });
    const descSwap = Wire(Bool);
    // The descriptors' view only while a batched START runs: in its START cycle (busy low) a batched START uses no
    // operation register (its checks read the registers, its operations start from their descriptors), so the view
    // depends on registers only, not on this cycle's AXI4-Lite write (the whole datapath would otherwise be
    // combinational in the simulator's inputs and evaluated twice a cycle).
    const { param: p, next: nx } = descriptorLoader({ lanes: L, batched: batched.and(busy), rv, fire: descFire, index: descIdx, beat: descBeat, swap: descSwap });

    const idx64 = named(p('OP').bit(Math.log2(ENGINE_OP.IDX64)));
    const isMean = named(p('OP').bit(Math.log2(ENGINE_OP.MEAN)));
    const isMax = named(p('OP').bit(Math.log2(ENGINE_OP.MAX)));
    const pswEn = named(p('OP').bit(Math.log2(ENGINE_OP.SCALES)));
    // Max mode: write the argmax positions (forward), or mask the terms by them (casted backward; the SCALES stream holds positions).
    const argEn = named(isMax.and(p('OP').bit(Math.log2(ENGINE_OP.ARGMAX))));
    const maskEn = named(p('OP').bit(Math.log2(ENGINE_OP.MASK)));
    const sideEn = named(pswEn.or(maskEn));
    const off64 = named(p('OP').bit(Math.log2(ENGINE_OP.OFF64)));
    const inclLast = named(p('OP').bit(Math.log2(ENGINE_OP.INCLUDE_LAST)));
    const padEn = named(p('OP').bit(Math.log2(ENGINE_OP.PADDING)));
    const numBags = p('NUM_BAGS');
    const numIdx = p('NUM_INDICES');
    const wordOf = (addr: Value): Value => addr.bits(A - 1, lb);
    // The row ids and the scatter-update (accel/engine/update.ts). With several channels (column slices) only
    // channel 0 reads the row ids and writes grad_rows; the update runs on single-channel engines (the host
    // refuses it otherwise: rowwise Adagrad needs a whole row). Batched tables leave UPDATE at 0.
    const updateField = (f: 'ROWS' | 'OPT' | 'KEEP_GRAD' | 'UNFUSED'): Value => regs.field('UPDATE', f);
    const opt = named(this.channels > 1 ? lit(0, 2) : updateField('OPT'));
    const optOn = named(opt.ne(UPDATE_OPT.NONE));
    const channel0 = this.channels > 1 ? (this.io as unknown as { channel_id: Value }).channel_id.eq(0) : lit(1, 1);
    const rowsOn = named(updateField('ROWS').and(channel0.or(optOn)));
    const keepGrad = named(updateField('KEEP_GRAD'));
    const unfused = named(updateField('UNFUSED').and(optOn));
    const gradRowsOut = named(rowsOn.and(unfused.not()).and(optOn.not().or(keepGrad)));
    const ridA = addressOf(rv('ROW_IDS_LO'), rv('ROW_IDS_HI'), A);
    const gradRowsA = addressOf(rv('GRAD_ROWS_LO'), rv('GRAD_ROWS_HI'), A);
    const weightA = addressOf(rv('WEIGHT_LO'), rv('WEIGHT_HI'), A);
    const stateA = addressOf(rv('STATE_LO'), rv('STATE_HI'), A);

    // Register checks at START (docs/ENGINE.md; the codes: PROGRAM_CHECKS in regs.ts): one condition per code, from
    // the registers as written; the lowest failing code ends the START at once with ERROR.PROGRAM, before any transaction.
    // Codes 1..13 concern an operation's own words, so they are made on each batched table's descriptor too, as it loads.
    const misaligned = (lo: Value, bytes: number): Value => lo.bits(Math.log2(bytes) - 1, 0).ne(0);
    const elemMisaligned = (lo: Value, wide: Value): Value => misaligned(lo, 4).or(wide.and(lo.bit(2)));
    /** DIM × 4, the bytes of a row (DIM's low 16 bits; MAX_DIM is below 2^16). */
    const dimBytesOf = (dim: Value): Value => dim.trunc(16).zext(18).shl(2).trunc(18);
    type OpCode = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13;
    /** The operation's checks on its words as `word` gives them (the registers, or a descriptor's shadow). */
    const opChecks = (word: (name: DescriptorWord) => Value, outUsed: Value): { codes: Record<OpCode, Value>; badStride: (stride: Value) => Value } => {
      const opBit = (f: keyof typeof ENGINE_OP): Value => word('OP').bit(Math.log2(ENGINE_OP[f]));
      const dimBytes = dimBytesOf(word('DIM')).zext(32);
      const badStride = (stride: Value): Value => misaligned(stride, BB).or(stride.lt(dimBytes));
      const modeMean = opBit('MEAN'), modeMax = opBit('MAX');
      const argOrMask = modeMax.and(opBit('ARGMAX')).or(opBit('MASK'));
      return {
        badStride,
        codes: {
          1: word('DIM').eq(0).or(word('DIM').gt(this.maxDim)),
          2: modeMean.and(modeMax),
          3: opBit('ARGMAX').and(modeMax.not()),
          4: opBit('MASK').and(modeMean.or(modeMax).or(opBit('SCALES'))),
          5: misaligned(word('TABLE_LO'), BB),
          6: badStride(word('ROW_STRIDE')),
          7: elemMisaligned(word('INDICES_LO'), opBit('IDX64')),
          8: elemMisaligned(word('OFFSETS_LO'), opBit('OFF64')),
          9: opBit('SCALES').or(opBit('MASK')).and(misaligned(word('SCALES_LO'), 4)),
          10: outUsed.and(misaligned(word('OUT_LO'), BB)),
          11: outUsed.and(badStride(word('OUT_STRIDE'))),
          12: argOrMask.and(misaligned(word('ARGMAX_LO'), BB)),
          13: argOrMask.and(badStride(word('ARGMAX_STRIDE'))),
        },
      };
    };
    /** The lowest failing code of `checks` (0: none), each condition named `<prefix>_<code>_<register>`. */
    const lowestFailing = (checks: Partial<Record<number, Value>>, prefix: string): Value => {
      let cause: Value = lit(0, CAUSE_BITS);
      for (const c of [...PROGRAM_CHECKS].reverse()) {
        const v = checks[c.code];
        if (v) cause = mux(named(v, `${prefix}_${c.code}_${c.reg.toLowerCase()}`), lit(c.code, CAUSE_BITS), cause);
      }
      return cause;
    };
    const CAUSE_BITS = 5;
    const optReg = updateField('OPT');
    const optSet = optReg.ne(UPDATE_OPT.NONE);
    const single = rv('NUM_TABLES').eq(0);
    const regOp = opChecks(rv, optSet.not().or(updateField('KEEP_GRAD')));
    const regChecks: Record<(typeof PROGRAM_CHECKS)[number]['code'], Value> = {
      ...regOp.codes,
      14: optSet.and(updateField('ROWS').not()),
      15: optSet.not().and(updateField('KEEP_GRAD').or(updateField('UNFUSED'))),
      16: optSet.and(lit(this.channels > 1 ? 1 : 0, 1)),
      17: updateField('ROWS').and(misaligned(rv('ROW_IDS_LO'), BB)),
      18: gradRowsOut.and(misaligned(rv('GRAD_ROWS_LO'), BB)),
      19: optSet.and(misaligned(rv('WEIGHT_LO'), BB)),
      20: optSet.and(regOp.badStride(rv('WEIGHT_STRIDE'))),
      21: optReg.eq(UPDATE_OPT.ADAGRAD).or(optReg.eq(UPDATE_OPT.ROWWISE_ADAGRAD)).and(misaligned(rv('STATE_LO'), BB)),
      22: single.not().and(misaligned(rv('TABLES_LO'), BB)),
      23: single.not().and(rv('UPDATE').ne(0)),
    };
    // Codes 1..21 are a single operation's (NUM_TABLES = 0); 22, 23 a batched START's.
    const progCause = named(lowestFailing(Object.fromEntries(Object.entries(regChecks).map(([k, v]) => [k, Number(k) >= 22 ? v : single.and(v)])), 'check'), 'program_cause');
    // A batched table's descriptor (UPDATE is 0 there, so its output is always written).
    const descCause = named(lowestFailing(opChecks(p, lit(1, 1)).codes, 'desc_check'), 'descriptor_cause');
    // The next table's descriptor, read while the current table runs: its streams are read ahead only if it passes.
    const nextCause = named(lowestFailing(opChecks(nx, lit(1, 1)).codes, 'next_check'), 'next_descriptor_cause');
    const progBad = named(start.and(progCause.ne(0)), 'program_bad');

    // Per-operation constants, latched at START.
    const rowBeats = Reg(UInt(rbBits), { init: 1 });
    const tailStrb = Reg(UInt(BB), { init: 0 });
    const dimBytes = named(dimBytesOf(p('DIM')));
    const tail = named(dimBytes.bits(lb - 1, 0));
    const ones = lit((1n << BigInt(BB)) - 1n, BB);
    const tailMask = named(mux(tail.eq(0), ones, ones.shr(lit(BB, lb + 1).subWrap(tail.zext(lb + 1)))));
    // This channel's column slice: beats [sliceFirst, sliceFirst + beatsOfDim) of every row (all of them with one channel).
    const channelId = this.channels > 1 ? (this.io as unknown as { channel_id: Value }).channel_id : lit(0, 1);
    const slice = columnSlice(named(dimBytes.zext(19).addWrap(BB - 1).shr(lb), 'row_beats_all'), channelId, this.channels);
    const beatsOfDim = slice.beats;
    const sliceBytes = fit(slice.first.shl(lb), A);
    const tableA = this.channels > 1 ? named(addressOf(p('TABLE_LO'), p('TABLE_HI'), A).addWrap(sliceBytes), 'table_base') : addressOf(p('TABLE_LO'), p('TABLE_HI'), A);
    const outA = this.channels > 1 ? named(addressOf(p('OUT_LO'), p('OUT_HI'), A).addWrap(sliceBytes), 'out_base') : addressOf(p('OUT_LO'), p('OUT_HI'), A);
    // The argmax rows have the output rows' geometry (int32 per element): the same column slice.
    const argA = this.channels > 1 ? named(addressOf(p('ARGMAX_LO'), p('ARGMAX_HI'), A).addWrap(sliceBytes), 'argmax_base') : addressOf(p('ARGMAX_LO'), p('ARGMAX_HI'), A);
    // A channel without columns in this operation (dim smaller than the channels' beats) skips it.
    const sliceNone = this.channels > 1 ? slice.none : lit(0, 1);

    // Stream lengths (in elements and in beats) latched at START. A stream may start at any element of a
    // beat (4-byte aligned; 8 for int64): its first beat is read whole and unpacked from that lane.
    const beatsOfElems = (n: Value, wide: Value, base: Value, name: string): Value =>
      named(mux(n.eq(0), lit(0, 36 - lb), mux(wide, n.zext(36).shl(3).trunc(36), n.zext(36).shl(2).trunc(36))
        .addWrap(base.bits(lb - 1, 0).zext(36)).addWrap(BB - 1).shr(lb).trunc(36 - lb)), name);
    const firstLane = (base: Value): Value => base.bits(lb - 1, 2);
    const ridBeatsTotal = beatsOfElems(mux(rowsOn, numBags.zext(33), lit(0, 33)), lit(1, 1), ridA, 'rid_beats_total');
    const CW = 36 - lb;
    // The streams the sequencer reads (offsets, indices, scales): where each starts, its elements and its beats, and
    // the index and offset widths (their buffers' credit).
    interface Streams {
      offsetsA: Value; offCount: Value; offBeats: Value; off64: Value;
      indicesA: Value; idxLane: Value; idxCount: Value; idxBeats: Value; idx64: Value;
      scalesA: Value; pswCount: Value; pswBeats: Value;
    }
    /**
     * The streams of the operation whose words `word` gives: p, the running one's, or nx, the next table's (read ahead
     * while the current table runs). Its signals are named `<pre>...`; the index stream's first lane is named
     * (`<pre>idx_first_lane`: where a table's first index lies in its first beat).
     */
    const streamsOf = (word: (name: DescriptorWord) => Value, pre: string): Streams => {
      const opBit = (f: keyof typeof ENGINE_OP): Value => word('OP').bit(Math.log2(ENGINE_OP[f]));
      const bags = word('NUM_BAGS');
      const lookups = word('NUM_INDICES').zext(33);
      const wideOff = opBit('OFF64'), wideIdx = opBit('IDX64');
      const offsetsA = addressOf(word('OFFSETS_LO'), word('OFFSETS_HI'), A);
      const indicesA = addressOf(word('INDICES_LO'), word('INDICES_HI'), A);
      const scalesA = addressOf(word('SCALES_LO'), word('SCALES_HI'), A);
      const offCount = named(mux(bags.eq(0).or(unfused), lit(0, 33), bags.zext(33).addWrap(opBit('INCLUDE_LAST').zext(33))), `${pre}off_count`);
      const pswCount = named(mux(opBit('SCALES').or(opBit('MASK')), lookups, lit(0, 33)), `${pre}psw_count`);
      return {
        offsetsA, offCount, offBeats: beatsOfElems(offCount, wideOff, offsetsA, `${pre}off_beats_total`), off64: wideOff,
        indicesA, idxLane: named(firstLane(indicesA), `${pre}idx_first_lane`), idxCount: lookups, idxBeats: beatsOfElems(lookups, wideIdx, indicesA, `${pre}idx_beats_total`), idx64: wideIdx,
        scalesA, pswCount, pswBeats: beatsOfElems(pswCount, lit(0, 1), scalesA, `${pre}psw_beats_total`),
      };
    };
    const curStreams = streamsOf(p, '');
    const nextStreams = streamsOf(nx, 'next_');
    // A channel without columns in the next table skips it: nothing is read ahead for it.
    const nxNoColumns = this.channels > 1 ? named(sliceIsEmpty(dimBytesOf(nx('DIM')).zext(19).addWrap(BB - 1).shr(lb), channelId, this.channels)) : lit(0, 1);
    // The sequencer's streams are armed for the next table (read ahead): from then until that table's operation starts
    // (which leaves them be), their widths are the next descriptor's.
    const preArmed = Reg(Bool, { init: 0 });

    // ---------------------------------------------------------------- 4 KiB-aware burst size
    const burstBeats = (word: Value, left: Value, cap: number, name: string): Value => {
      const toBound = lit(2 ** pw, pw + 1).subWrap(word.bits(pw - 1, 0).zext(pw + 1));
      const w = Math.max(BL, pw + 1, left.width);
      const byLen = mux(left.lt(cap), left.pad(w), lit(cap, w));
      return named(mux(toBound.pad(w).lt(byLen), toBound.pad(w), byLen), name).trunc(BL);
    };
    const lenField = (beats: Value): Value => beats.subWrap(1).trunc(8);

    // ---------------------------------------------------------------- reorder buffer bookkeeping
    const KIND_OFF = 0, KIND_IDX = 1, KIND_ROW = 2, KIND_PSW = 3, KIND_ARG = 4, KIND_DESC = 5, KIND_RID = 6, KIND_UPD = 7;
    const KB = 3; // kind bits
    const slotsUsed = Reg(UInt(bitsFor(K)), { init: 0 });
    const tailSlot = Reg(UInt(kb), { init: 0 });
    // Per slot (memories, one write port each, so K = 256 costs no K-way logic): the burst's AXI length and
    // stream kind, written when the slot is given out; the beats received so far = rob_rcv - rob_base (mod 2^BL):
    // rob_rcv counts the slot's R beats, rob_base takes rob_rcv's value when the slot is given out.
    const slotLen = Memory(K, UInt(8));
    const slotKind = Memory(K, UInt(KB));
    const robRcv = Memory(K, UInt(BL));
    const robBase = Memory(K, UInt(BL));

    // ---------------------------------------------------------------- AR: offsets, indices, rows
    const arValid = Reg(Bool, { init: 0 });
    const arAddr = Reg(UInt(A), { init: 0 });
    const arLen = Reg(UInt(8), { init: 0 });
    const arId = Reg(UInt(kb), { init: 0 });
    const arFree = named(arValid.not().or(m.arready));
    const slotFree = named(slotsUsed.lt(K));
    // `run`: busy and no error seen. After an error response the engine stops
    // issuing, flushes every queue and waits for the bus to go quiet (below).
    const run = named(busy.and(err.not()));
    const canRead = named(run.and(arFree).and(slotFree));

    // Offsets and indices: sequential streams, credit-limited by their beat buffers.
    const offWord = Reg(UInt(WA), { init: 0 });
    const offLeft = Reg(UInt(CW), { init: 0 });
    const offRes = Reg(UInt(bitsFor(RQD)), { init: 0 });
    const idxWord = Reg(UInt(WA), { init: 0 });
    const idxLeft = Reg(UInt(CW), { init: 0 });
    const idxRes = Reg(UInt(bitsFor(RQD)), { init: 0 });
    const offBurst = burstBeats(offWord, offLeft, MB, 'off_burst');
    const idxBurst = burstBeats(idxWord, idxLeft, MB, 'idx_burst');
    const credit = (res: Value, beats: Value, depth: number | Value = QD) => { const w = Math.max(res.width, BL) + 1; return fit(res, w).addWrap(fit(beats, w)).le(depth); };
    // An int64 beat holds L/2 elements, half an int32 one's: the buffers are RQD deep, and an int64 stream takes all of
    // it, so as many elements are ahead of the sequencer either way (an int32 stream keeps QD; docs/BENCHMARKS.md, engine).
    const wideCredit = (wide: Value, name: string) => named(mux(wide, lit(RQD, bitsFor(RQD)), lit(QD, bitsFor(RQD))), name);
    // Read ahead, the streams are the next table's: its element widths.
    const offGo = named(canRead.and(offLeft.ne(0)).and(credit(offRes, offBurst, wideCredit(mux(preArmed, nextStreams.off64, off64), 'off_credit'))));
    const idxGo = named(canRead.and(offGo.not()).and(idxLeft.ne(0)).and(credit(idxRes, idxBurst, wideCredit(mux(preArmed, nextStreams.idx64, idx64), 'idx_credit'))));
    const pswWord = Reg(UInt(WA), { init: 0 });
    const pswLeft = Reg(UInt(CW), { init: 0 });
    const pswRes = Reg(UInt(bitsFor(QD)), { init: 0 });
    const pswBurst = burstBeats(pswWord, pswLeft, MB, 'psw_burst');
    const pswGo = named(canRead.and(offGo.not()).and(idxGo.not()).and(pswLeft.ne(0)).and(credit(pswRes, pswBurst)));
    // Batched tables: a descriptor (DESC_BEATS beats) is read between the tables' operations.
    const descWord = Reg(UInt(WA), { init: 0 });
    const descLeft = Reg(UInt(dbBits), { init: 0 });
    const descBurst = burstBeats(descWord, descLeft, MB, 'desc_burst');
    const descGo = named(canRead.and(offGo.not()).and(idxGo.not()).and(pswGo.not()).and(descLeft.ne(0)));
    when(descGo, () => {
      descWord.set(descWord.addWrap(descBurst.zext(WA)));
      descLeft.set(descLeft.subWrap(descBurst.trunc(dbBits)));
    });
    const ridWord = Reg(UInt(WA), { init: 0 });
    const ridLeft = Reg(UInt(CW), { init: 0 });
    const ridRes = Reg(UInt(bitsFor(RQD)), { init: 0 });
    const ridBurst = burstBeats(ridWord, ridLeft, MB, 'rid_burst');
    // The whole buffer where an id leaves per one-lookup segment (grad_rows); with an optimizer an id leaves per
    // segment and its two or three update fetches, so QD beats cover the latency and row reads go first (a deeper
    // id prefetch delayed the long chains of the skewed presets: docs/BENCHMARKS.md, engine).
    const ridCredit = wideCredit(optOn.not(), 'rid_credit');
    const ridGo = named(canRead.and(offGo.not()).and(idxGo.not()).and(pswGo.not()).and(descGo.not()).and(ridLeft.ne(0)).and(credit(ridRes, ridBurst, ridCredit)));
    when(ridGo, () => {
      ridWord.set(ridWord.addWrap(ridBurst.zext(WA)));
      ridLeft.set(ridLeft.subWrap(ridBurst.zext(CW)));
    });
    const sideGo = named(offGo.or(idxGo).or(pswGo).or(descGo).or(ridGo));

    // Rows: tokens from the sequencer (through the token queue).
    // fk: what the token fetches: 0 a gathered row (to the reducer); for the update unit: 1 gradient row u (unfused),
    // 2 the weight row, 3 the optimizer state of the row. rid: the unique row a segment's last token updates (fused).
    const tok = new Packed({ fk: 2, empty: 1, first: 1, last: 1, slot: gBits, bag: 32, n: 32, scale: 32, pos: 32, row: 32, rid: 32 });
    const meta = new Packed({ empty: 1, first: 1, last: 1, slot: gBits, bag: 32, n: 32, scale: 32, pos: 32 });
    // The spill is on for an operation with a bag longer than a slot's queue (seen at its entry, below) and rows of
    // fewer beats than the adder's latency: then a long bag's chain of adds binds (accel/engine/interleave.ts).
    const longBag = this.spillDepth ? Reg(Bool, { init: 0 }) : null;
    const spill = longBag ? { depth: this.spillDepth, chainGap: LAT, on: named(longBag.and(rowBeats.lt(LAT)), 'spill_on') } : undefined;
    const tokQ = slotQueues(tok.width, G, this.tokenDepth, err, spill);
    const metaQ = instance(new Queue(UInt(meta.width), { depth: K + 2, storage: 'ram' }));
    // The update unit's row ids, each with its segment (where KEEP_GRAD writes its gradient row), in the order the
    // update unit receives the gradient rows: a memory latency ahead of them, room for as many as reads in flight.
    const rid = new Packed({ seg: 32, row: 32 });
    const ridUQ = instance(new Queue(UInt(rid.width), { depth: Math.max(4, K), storage: K > 4 ? 'ram' : 'reg' }));
    const th = tokQ.deq.bits;
    const rowWord = Reg(UInt(WA), { init: 0 });
    const rowLeft = Reg(UInt(rbBits), { init: 0 });
    const fromTok = named(rowLeft.eq(0));
    const tokEmpty = named(tok.get(th, 'empty').bit(0));
    // Fused update (UPDATE.OPT, not UNFUSED): segments are interleaved over the bag slots and leave the reducer in
    // the order their last tokens are taken here, so each segment's update fetches (the weight row, then the state)
    // follow its last token (a gather, or an empty segment's token), and its row id goes to the update unit then:
    // row ids, update beats and gradient rows all reach the update unit in that one order.
    // fPh: the fetch the row fetch owes (0 none, 2 the weight row of fRid, 3 its state), ahead of any token.
    const fusedOpt = named(optOn.and(unfused.not()));
    const fPh = Reg(UInt(2), { init: 0 });
    const fRid = Reg(UInt(32), { init: 0 });
    const owed = named(fPh.ne(0));
    const tokLastFused = named(fusedOpt.and(tok.get(th, 'last').bit(0)));
    // OP.MASK: each lookup's argmax row (KIND_ARG) is read before its row; argDone: the head token's argmax row is issued.
    const argDone = Reg(Bool, { init: 0 });
    const rowIsArg = Reg(Bool, { init: 0 });
    const tokFk = named(mux(owed, fPh, tok.get(th, 'fk')));
    const tokRow = named(mux(owed, fRid, tok.get(th, 'row')));
    const argNext = named(maskEn.and(owed.not()).and(tokEmpty.not()).and(argDone.not()).and(tokFk.eq(0)));
    const tokRowwiseState = named(tokFk.eq(3).and(opt.eq(UPDATE_OPT.ROWWISE_ADAGRAD)));
    const tokBase = named(mux(tokFk.eq(2), weightA, mux(tokFk.eq(3), stateA, mux(argNext, argA, tableA))));
    const tokStride = named(mux(tokFk.bit(1), rv('WEIGHT_STRIDE'), mux(argNext, p('ARGMAX_STRIDE'), p('ROW_STRIDE'))));
    const tokRowAddr = named(mux(tokRowwiseState, rowwiseStateAddress(stateA, tokRow), rowAddress(tokBase, tokRow, tokStride)));
    const rowFk = Reg(UInt(2), { init: 0 });
    const curFk = named(mux(fromTok, tokFk, rowFk));
    const curRowWord = named(mux(fromTok, wordOf(tokRowAddr), rowWord));
    const curRowLeft = named(mux(fromTok, mux(tokRowwiseState, lit(1, rbBits), rowBeats), rowLeft));
    const rowBurst = burstBeats(curRowWord, curRowLeft, Math.min(MB, 256), 'row_burst');
    const rowPending = named(rowLeft.ne(0).or(owed).or(tokQ.deq.valid.and(tokEmpty.not())));
    const rowMetaOk = named(rowLeft.ne(0).or(curFk.ne(0)).or(metaQ.io.enq.ready));
    // A segment's last token is taken only with room for its row id.
    const ridOk = named(owed.or(tokLastFused.not()).or(ridUQ.io.enq.ready));
    // Update-unit fetches land in the update beat buffer: room for the whole burst is reserved (credits), as for the
    // index streams. Deep enough for as many beats in flight as the reorder buffer has slots (the memory's latency).
    const UQD = Math.max(4 * RBmax, 2 * K);
    const updRes = Reg(UInt(bitsFor(UQD)), { init: 0 });
    const updCredit = named(curFk.eq(0).or(fit(updRes, bitsFor(UQD) + BL).addWrap(fit(rowBurst, bitsFor(UQD) + BL)).le(UQD)));
    const rowGo = named(canRead.and(sideGo.not()).and(rowPending).and(rowMetaOk).and(updCredit).and(fromTok.not().or(ridOk)));
    // An empty bag's token goes straight to the metadata queue (no row to read).
    const emptyGo = named(run.and(rowLeft.eq(0)).and(owed.not()).and(tokQ.deq.valid).and(tokEmpty).and(metaQ.io.enq.ready).and(ridOk));
    const rowTake = named(rowGo.and(fromTok).and(owed.not()).and(argNext.not()));
    tokQ.deq.ready.set(emptyGo.or(rowTake));
    metaQ.io.enq.valid.set(emptyGo.or(rowTake.and(curFk.eq(0))));
    // A fused segment's last token: its row id to the update unit, its fetches owed.
    const segOut = named(emptyGo.or(rowTake).and(tokLastFused));
    when(segOut, () => {
      fPh.set(2);
      fRid.set(tok.get(th, 'rid'));
    });
    // The weight row's first burst issued: then the state (SGD has none).
    when(rowGo.and(fromTok).and(owed), () => fPh.set(mux(fPh.eq(2).and(opt.ne(UPDATE_OPT.SGD)), lit(3, 2), lit(0, 2))));
    const curIsArg = named(mux(fromTok, argNext, rowIsArg));
    when(rowGo.and(fromTok), () => {
      rowIsArg.set(argNext);
      argDone.set(argNext);
    });
    metaQ.io.enq.bits.set(meta.pack({ empty: tok.get(th, 'empty'), first: tok.get(th, 'first'), last: tok.get(th, 'last'), slot: tok.get(th, 'slot'), bag: tok.get(th, 'bag'), n: tok.get(th, 'n'), scale: tok.get(th, 'scale'), pos: tok.get(th, 'pos') }));
    when(busy.and(err.not()).and(arFree).and(slotFree.not()).and(rowPending), () => stallInflight.set(stallInflight.addWrap(1)));
    when(busy.and(err.not()).and(arFree).and(slotFree).and(sideGo.not()).and(rowPending.not()).and(tokQ.deq.valid.not()), () => stallIndex.set(stallIndex.addWrap(1)));

    const arGo = named(sideGo.or(rowGo));
    // The side streams in priority order (each go excludes the ones before it), then the row fetch.
    const sides = [[offGo, offBurst, offWord, KIND_OFF], [idxGo, idxBurst, idxWord, KIND_IDX], [pswGo, pswBurst, pswWord, KIND_PSW],
      [descGo, descBurst, descWord, KIND_DESC], [ridGo, ridBurst, ridWord, KIND_RID]] as const;
    const arBeats = named(priorityMux(sides.map(([go, beats]) => [go, beats] as const), rowBurst));
    const arWordSel = named(priorityMux(sides.map(([go, , word]) => [go, word] as const), curRowWord));
    const rowKind = named(mux(curIsArg, lit(KIND_ARG, KB), mux(curFk.eq(0), lit(KIND_ROW, KB), lit(KIND_UPD, KB))));
    const arKind = named(priorityMux(sides.map(([go, , , kind]) => [go, lit(kind, KB)] as const), rowKind));
    when(arValid.and(m.arready), () => arValid.set(0));
    when(arGo, () => {
      arValid.set(1);
      arAddr.set(cat(arWordSel, lit(0, lb)));
      arLen.set(lenField(arBeats));
      arId.set(tailSlot);
      tailSlot.set(tailSlot.addWrap(1));
      slotLen.write(tailSlot, lenField(arBeats));
      slotKind.write(tailSlot, arKind);
      robBase.write(tailSlot, robRcv.readAsync(tailSlot));
    });
    when(offGo, () => {
      offWord.set(offWord.addWrap(offBurst.zext(WA)));
      offLeft.set(offLeft.subWrap(offBurst.zext(CW)));
    });
    when(idxGo, () => {
      idxWord.set(idxWord.addWrap(idxBurst.zext(WA)));
      idxLeft.set(idxLeft.subWrap(idxBurst.zext(CW)));
    });
    when(pswGo, () => {
      pswWord.set(pswWord.addWrap(pswBurst.zext(WA)));
      pswLeft.set(pswLeft.subWrap(pswBurst.zext(CW)));
    });
    when(rowGo, () => {
      rowFk.set(curFk);
      rowWord.set(curRowWord.addWrap(rowBurst.zext(WA)));
      rowLeft.set(curRowLeft.subWrap(rowBurst.trunc(rbBits)));
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

    // ---------------------------------------------------------------- R -> reorder buffer -> in-order beat queue
    const rob = Memory(K * MB, UInt(W));
    // The byte address of each slot's burst (ERR_ADDR on a read error).
    const slotAddr = Memory(K, UInt(A));
    when(arGo, () => slotAddr.write(tailSlot, cat(arWordSel, lit(0, lb))));
    // A 16-bit maximal-length LFSR (x^16 + x^14 + x^13 + x^11 + 1) paces the THROTTLE register's R/B back-pressure.
    const lfsr = Reg(UInt(16), { init: 0xace1 });
    lfsr.set(cat(lfsr.bits(14, 0), lfsr.bit(15).xor(lfsr.bit(13)).xor(lfsr.bit(12)).xor(lfsr.bit(10))));
    const rReady = named(lfsr.bits(7, 0).ge(rv('THROTTLE').bits(7, 0)));
    const bReady = named(lfsr.bits(15, 8).ge(rv('THROTTLE').bits(15, 8)));
    m.rready.set(rReady);
    const rFire = named(m.rvalid.and(rReady));
    const rSlot = named(m.rid.trunc(kb));
    const rRcv = named(robRcv.readAsync(rSlot));
    const rCount = named(rRcv.subWrap(robBase.readAsync(rSlot)));
    const robAddr = (slot: Value, beat: Value): Value => (MB === 1 ? slot : cat(slot, beat.trunc(mbBits)));
    when(rFire, () => rob.write(robAddr(rSlot, rCount), m.rdata));
    when(rFire, () => robRcv.write(rSlot, rRcv.addWrap(1)));
    when(rFire, () => rBeats.set(rBeats.addWrap(1)));
    void robDepthBits;

    const beat = new Packed({ kind: KB, data: W });
    const dataQ = instance(new Queue(UInt(beat.width), { depth: 4 }));
    const headSlot = Reg(UInt(kb), { init: 0 });
    const dBeat = Reg(UInt(mbBits), { init: 0 });
    const rdPending = Reg(Bool, { init: 0 });
    const rdKind = Reg(UInt(KB), { init: 0 });
    const headCount = named(robRcv.readAsync(headSlot).subWrap(robBase.readAsync(headSlot)));
    const headLen = named(slotLen.readAsync(headSlot));
    const headKind = named(slotKind.readAsync(headSlot));
    const avail = named(slotsUsed.ne(0).and(dBeat.zext(BL).lt(headCount)));
    const space = named(dataQ.io.count.zext(4).addWrap(rdPending.zext(4)).lt(4));
    const drain = named(avail.and(space));
    const robData = rob.read(robAddr(headSlot, dBeat), drain);
    rdPending.set(drain);
    when(drain, () => rdKind.set(headKind));
    const slotDone = named(dBeat.zext(8).eq(headLen));
    const freeSlot = named(drain.and(slotDone));
    when(drain, () => {
      when(slotDone, () => {
        dBeat.set(0);
        headSlot.set(headSlot.addWrap(1));
      }).otherwise(() => dBeat.set(dBeat.addWrap(1)));
    });
    when(arGo.and(freeSlot.not()), () => slotsUsed.set(slotsUsed.addWrap(1)));
    when(freeSlot.and(arGo.not()), () => slotsUsed.set(slotsUsed.subWrap(1)));
    dataQ.io.enq.valid.set(rdPending);
    dataQ.io.enq.bits.set(beat.pack({ kind: rdKind, data: robData }));

    const dh = dataQ.io.deq.bits;
    const dKind = named(beat.get(dh, 'kind'));
    const dData = named(beat.get(dh, 'data'));
    const offBeatQ = instance(new Queue(UInt(W), { depth: RQD, storage: 'ram' }));
    const idxBeatQ = instance(new Queue(UInt(W), { depth: RQD, storage: 'ram' }));
    offBeatQ.io.enq.valid.set(dataQ.io.deq.valid.and(dKind.eq(KIND_OFF)));
    offBeatQ.io.enq.bits.set(dData);
    idxBeatQ.io.enq.valid.set(dataQ.io.deq.valid.and(dKind.eq(KIND_IDX)));
    idxBeatQ.io.enq.bits.set(dData);
    const pswBeatQ = instance(new Queue(UInt(W), { depth: QD, storage: 'ram' }));
    pswBeatQ.io.enq.valid.set(dataQ.io.deq.valid.and(dKind.eq(KIND_PSW)));
    pswBeatQ.io.enq.bits.set(dData);
    // OP.MASK: a lookup's argmax row beats arrive just before its row beats; the buffer holds a whole row.
    const argBeatQ = instance(new Queue(UInt(W), { depth: Math.max(2, RBmax), storage: 'ram' }));
    argBeatQ.io.enq.valid.set(dataQ.io.deq.valid.and(dKind.eq(KIND_ARG)));
    argBeatQ.io.enq.bits.set(dData);
    const ridBeatQ = instance(new Queue(UInt(W), { depth: RQD, storage: 'ram' }));
    ridBeatQ.io.enq.valid.set(dataQ.io.deq.valid.and(dKind.eq(KIND_RID)));
    ridBeatQ.io.enq.bits.set(dData);
    const updBeatQ = instance(new Queue(UInt(W), { depth: UQD, storage: 'ram' }));
    updBeatQ.io.enq.valid.set(dataQ.io.deq.valid.and(dKind.eq(KIND_UPD)));
    updBeatQ.io.enq.bits.set(dData);
    const rowBeatReady = Wire(Bool);
    // Each beat goes to its kind's buffer (a descriptor's beats to the shadow registers, always ready; after an error, nowhere).
    const kindReady: [number, Value][] = [[KIND_OFF, offBeatQ.io.enq.ready], [KIND_IDX, idxBeatQ.io.enq.ready], [KIND_PSW, pswBeatQ.io.enq.ready],
      [KIND_ARG, argBeatQ.io.enq.ready], [KIND_DESC, lit(1, 1)], [KIND_RID, ridBeatQ.io.enq.ready], [KIND_UPD, updBeatQ.io.enq.ready]];
    dataQ.io.deq.ready.set(mux(err, lit(1, 1), priorityMux(kindReady.map(([k, r]) => [dKind.eq(k), r] as const), rowBeatReady)));
    descFire.set(run.and(dataQ.io.deq.valid).and(dKind.eq(KIND_DESC)));
    descBeat.set(dData);
    when(descFire, () => descIdx.set(descIdx.addWrap(1)));
    // The next descriptor is whole; the shadow registers take it when its table is due (descSwap, below).
    const nxFull = Reg(Bool, { init: 0 });
    when(descFire.and(descIdx.eq(DESC_BEATS - 1)), () => nxFull.set(1));
    // The descriptor is in the shadow registers: its operation starts in the next cycle.
    const descLoaded = RegNext(descSwap, { init: 0 });
    // The beats of the row side's reads (rows, argmax rows, row ids, update fetches) not yet out of the beat queue:
    // a table's own reads, where the streams' and the descriptors' may be the next table's (read ahead, below).
    const aheadKind = (k: Value): Value => k.eq(KIND_OFF).or(k.eq(KIND_IDX)).or(k.eq(KIND_PSW)).or(k.eq(KIND_DESC));
    const bbBits = bitsFor(K * MB) + 1;
    const backBeats = Reg(UInt(bbBits), { init: 0 });
    const backIn = named(mux(arGo.and(aheadKind(arKind).not()), fit(arBeats, bbBits), lit(0, bbBits)));
    const backOut = named(dataQ.io.deq.valid.and(dataQ.io.deq.ready).and(aheadKind(dKind).not()));
    backBeats.set(backBeats.addWrap(backIn).subWrap(backOut.zext(bbBits)));

    // ---------------------------------------------------------------- unpackers: beats -> 32-bit elements
    const unpacker = (q: { io: { deq: { valid: Value; ready: Signal; bits: Value } } }, wide: Value, name: string) => {
      const left = Reg(UInt(33), { init: 0, name: `${name}_left` });
      const lane = Reg(UInt(log2Up(L)), { init: 0, name: `${name}_lane` });
      const valid = named(q.io.deq.valid.and(left.ne(0)), `${name}_valid`);
      const value = named(q.io.deq.bits.shr(cat(lane, lit(0, 5))).trunc(32), `${name}_value`);
      const pop = Wire(Bool, { name: `${name}_pop` });
      const step = mux(wide, lit(2, log2Up(L) + 1), lit(1, log2Up(L) + 1));
      const nextLane = named(lane.zext(log2Up(L) + 1).addWrap(step), `${name}_next_lane`);
      const beatDone = named(nextLane.eq(L).or(left.eq(1)), `${name}_beat_done`);
      when(pop, () => {
        left.set(left.subWrap(1));
        lane.set(mux(beatDone, lit(0, log2Up(L)), nextLane.trunc(log2Up(L))));
      });
      q.io.deq.ready.set(err.or(pop.and(beatDone)));
      return { left, lane, valid, value, pop };
    };
    const offU = unpacker(offBeatQ, off64, 'off_unpack');
    const idxU = unpacker(idxBeatQ, idx64, 'idx_unpack');
    const pswU = unpacker(pswBeatQ, lit(0, 1), 'psw_unpack');
    const ridU = unpacker(ridBeatQ, lit(1, 1), 'rid_unpack');
    when(ridBeatQ.io.deq.ready.and(ridBeatQ.io.deq.valid), () => ridRes.set(ridRes.subWrap(1)));
    when(ridGo, () => ridRes.set(ridRes.addWrap(fit(ridBurst, ridRes.width)).subWrap(ridBeatQ.io.deq.ready.and(ridBeatQ.io.deq.valid).zext(ridRes.width))));
    when(offBeatQ.io.deq.ready.and(offBeatQ.io.deq.valid), () => offRes.set(offRes.subWrap(1)));
    when(idxBeatQ.io.deq.ready.and(idxBeatQ.io.deq.valid), () => idxRes.set(idxRes.subWrap(1)));
    when(offGo, () => offRes.set(offRes.addWrap(fit(offBurst, offRes.width)).subWrap(offBeatQ.io.deq.ready.and(offBeatQ.io.deq.valid).zext(offRes.width))));
    when(pswBeatQ.io.deq.ready.and(pswBeatQ.io.deq.valid), () => pswRes.set(pswRes.subWrap(1)));
    when(pswGo, () => pswRes.set(pswRes.addWrap(fit(pswBurst, pswRes.width)).subWrap(pswBeatQ.io.deq.ready.and(pswBeatQ.io.deq.valid).zext(pswRes.width))));
    when(idxGo, () => idxRes.set(idxRes.addWrap(fit(idxBurst, idxRes.width)).subWrap(idxBeatQ.io.deq.ready.and(idxBeatQ.io.deq.valid).zext(idxRes.width))));

    // ---------------------------------------------------------------- sequencer: bags and lookups -> tokens
    // One step per cycle: a bag's end offset is read in the same cycle as its
    // first lookup, so a one-lookup bag (the casted backward's usual segment)
    // takes one cycle. A non-padding lookup is held one step, until it is
    // known whether it is its bag's last: the next non-padding lookup of the
    // bag emits it (not last); the bag's end marks it last (`heldLast`) and it
    // is emitted in the next step. An empty or all-padding bag holds an
    // `empty` token. The held token goes to its bag slot's token queue.
    const bagIdx = Reg(UInt(32), { init: 0 });
    const haveStart = Reg(Bool, { init: 0 });
    const inBag = Reg(Bool, { init: 0 });
    const cur = Reg(UInt(32), { init: 0 });
    const lookLeft = Reg(UInt(32), { init: 0 });
    const heldValid = Reg(Bool, { init: 0 });
    const heldRow = Reg(UInt(32), { init: 0 });
    const heldFirst = Reg(Bool, { init: 0 });
    const heldLast = Reg(Bool, { init: 0 });
    const heldEmpty = Reg(Bool, { init: 0 });
    const heldScale = Reg(UInt(32), { init: 0 });
    const heldSlot = Reg(UInt(gBits), { init: 0 });
    const heldBag = Reg(UInt(32), { init: 0 });
    const heldN = Reg(UInt(32), { init: 0 });
    // The lookup's position in indices (the forward's argmax), or with OP.MASK the position read from the SCALES stream.
    const heldPos = Reg(UInt(32), { init: 0 });
    const nCount = Reg(UInt(32), { init: 0 });
    // A non-padding lookup of the current bag has been held.
    const seenInBag = Reg(Bool, { init: 0 });
    const seqSlot = Reg(UInt(gBits), { init: 0 });
    // Only while an operation runs: read ahead, the next table's streams are there before its operation starts.
    const bagsLeft = named(opRun.and(bagIdx.ne(numBags)).and(unfused.not()));
    // With UPDATE.ROWS a bag (segment u) begins when its row id ROW_IDS[u] is there: taken at its entry, to the
    // grad_rows packer (ridPQ) and, fused with an optimizer, on the segment's last token to the update unit.
    // Deep enough that the sequencer does not wait while the writer serves the reducer's rows before the packer's beats.
    const ridPQ = instance(new Queue(UInt(32), { depth: Math.max(4, Math.min(K, 64)), storage: K > 4 ? 'ram' : 'reg' }));
    const segRid = Reg(UInt(32), { init: 0 });
    const heldRid = Reg(UInt(32), { init: 0 });
    const needStart = named(run.and(bagsLeft).and(haveStart.not()));
    const lastBagNoEnd = named(bagIdx.addWrap(1).eq(numBags).and(inclLast.not()));
    const endVal = named(mux(lastBagNoEnd, numIdx, offU.value));
    const endOk = named(lastBagNoEnd.or(offU.valid));
    // entry: this cycle learns the bag's end (and may take its first lookup too).
    const atBoundary = named(run.and(bagsLeft).and(haveStart).and(inBag.not()));
    const segRidOk = named(rowsOn.not().or(ridU.valid.and(gradRowsOut.not().or(ridPQ.io.enq.ready))));
    const entry = named(atBoundary.and(endOk).and(segRidOk));
    const eInBag = named(inBag.or(entry));
    const eLeft = named(mux(inBag, lookLeft, endVal.subWrap(cur)));
    const eSeen = named(inBag.and(seenInBag));
    const eN = named(mux(inBag, nCount, lit(0, 32)));
    const finalIdx = named(eLeft.eq(1));
    const isPad = named(padEn.and(idxU.value.eq(p('PADDING_IDX'))));
    const lookReady = named(run.and(eInBag).and(eLeft.ne(0)).and(idxU.valid).and(sideEn.not().or(pswU.valid)));
    const wantNonPad = named(lookReady.and(isPad.not()));
    // The held token leaves when it is known to be its bag's last, or when the next non-padding lookup of its bag comes.
    const emitHeld = named(run.and(heldValid).and(heldLast.or(wantNonPad)).and(tokQ.enq.ready));
    const heldFree = named(heldValid.not().or(emitHeld));
    // A padding lookup needs the hold only when it ends a bag with nothing held (the bag's empty token).
    const padKeeps = named(isPad.and(finalIdx.and(eSeen.not()).not()));
    const lookGo = named(lookReady.and(padKeeps.or(heldFree)));
    const emptyEnd = named(run.and(eInBag).and(eLeft.eq(0)).and(heldFree));
    const bagEnd = named(lookGo.and(finalIdx).or(emptyEnd));
    const holdEmpty = named(emptyEnd.or(lookGo.and(isPad).and(finalIdx).and(eSeen.not())));
    const holdLook = named(lookGo.and(isPad.not()));
    offU.pop.set(needStart.and(offU.valid).or(entry.and(lastBagNoEnd.not())));
    idxU.pop.set(lookGo);
    pswU.pop.set(lookGo.and(sideEn));
    when(needStart.and(offU.valid), () => {
      cur.set(offU.value);
      haveStart.set(1);
    });
    if (longBag) {
      // Each operation (each table of a batch) decides again: opStart clears it (below, after this set).
      when(entry.and(eLeft.gt(this.tokenDepth)), () => longBag.set(1));
    }
    when(entry, () => {
      cur.set(endVal);
      inBag.set(1);
      lookLeft.set(eLeft);
      seenInBag.set(0);
      nCount.set(0);
    });
    when(lookGo, () => lookLeft.set(eLeft.subWrap(1)));
    when(holdLook, () => {
      seenInBag.set(1);
      nCount.set(eN.addWrap(1));
    });
    when(emitHeld, () => heldValid.set(0));
    when(holdLook.or(holdEmpty), () => {
      heldValid.set(1);
      heldRow.set(mux(holdLook, idxU.value, lit(0, 32)));
      heldFirst.set(eSeen.not());
      heldLast.set(finalIdx.or(holdEmpty));
      heldEmpty.set(holdEmpty);
      heldScale.set(mux(holdLook.and(pswEn), pswU.value, lit(FP32_ONE, 32)));
      heldPos.set(mux(maskEn, pswU.value, mux(inBag, cur, endVal).subWrap(eLeft)));
      heldSlot.set(seqSlot);
      heldBag.set(bagIdx);
      heldN.set(mux(holdLook, eN.addWrap(1), lit(0, 32)));
      heldRid.set(mux(entry, ridU.value, segRid));
    });
    // A bag ending on padding after a held lookup: that lookup is its last.
    when(lookGo.and(isPad).and(finalIdx).and(eSeen), () => heldLast.set(1));
    when(bagEnd, () => {
      inBag.set(0);
      bagIdx.set(bagIdx.addWrap(1));
      seqSlot.set(tokQ.next(seqSlot));
    });
    when(err, () => heldValid.set(0));
    // ---------------------------------------------------------------- row-id emitter (UPDATE.ROWS)
    // The fused path takes each segment's row id at its entry (above). The unfused UPDATE has no bags: per row u
    // the emitter takes ROW_IDS[u] (to the update unit) as it queues the fetch of gradient row u, then the weight
    // row, [the state], in slot queue 0: one token per cycle, one cycle per burst.
    when(entry.and(rowsOn), () => segRid.set(ridU.value));
    const emPh = Reg(UInt(2), { init: 0 });
    const emRow = Reg(UInt(32), { init: 0 });
    const updU = Reg(UInt(32), { init: 0 });
    const emActive = named(rowsOn.and(run).and(unfused).and(updU.ne(numBags)));
    const emTok = named(emActive.and(emPh.ne(0).or(ridU.valid.and(ridUQ.io.enq.ready))));
    const emTokGo = named(emTok.and(tokQ.enq.ready));
    const emTake = named(emTokGo.and(emPh.eq(0)));
    ridU.pop.set(mux(unfused, emTake, entry.and(rowsOn)));
    ridUQ.io.enq.valid.set(mux(unfused, emTake, segOut));
    ridUQ.io.enq.bits.set(mux(unfused, rid.pack({ seg: updU, row: ridU.value }), rid.pack({ seg: tok.get(th, 'bag'), row: tok.get(th, 'rid') })));
    ridPQ.io.enq.valid.set(entry.and(gradRowsOut));
    ridPQ.io.enq.bits.set(ridU.value);
    const emLast = named(mux(emPh.eq(2), opt.eq(UPDATE_OPT.SGD), emPh.eq(3)));
    when(emTake, () => emRow.set(ridU.value));
    when(emTokGo, () => emPh.set(mux(emLast, lit(0, 2), mux(emPh.eq(0), lit(2, 2), emPh.addWrap(1)))));
    when(emTokGo.and(emLast), () => updU.set(updU.addWrap(1)));

    tokQ.enq.valid.set(emitHeld.or(emTok));
    tokQ.enq.slot.set(mux(emTok, lit(0, gBits), heldSlot));
    tokQ.enq.bits.set(tok.pack({
      fk: mux(emTok, mux(emPh.eq(0), lit(1, 2), emPh), lit(0, 2)),
      empty: heldEmpty.and(emTok.not()),
      first: heldFirst,
      last: heldLast,
      slot: heldSlot,
      bag: heldBag,
      n: heldN,
      scale: heldScale,
      pos: heldPos,
      row: mux(emTok, mux(emPh.eq(0), updU, emRow), heldRow),
      rid: heldRid,
    }));

    // ---------------------------------------------------------------- reducer
    // issue (term beat + its lookup's metadata) -> Fp32Mul by the scale (LM cycles)
    // -> Fp32Add / Fp32Max with the accumulator (LAT cycles) -> accumulator, or
    // for a bag's last term -> [mean: Fp32FromUInt(n), Fp32Div] -> out queue.
    const mh = metaQ.io.deq.bits;
    const mEmpty = named(meta.get(mh, 'empty').bit(0));
    const mFirst = named(meta.get(mh, 'first').bit(0));
    const mLast = named(meta.get(mh, 'last').bit(0));
    const mSlot = named(meta.get(mh, 'slot'));
    const mBag = named(meta.get(mh, 'bag'));
    const mN = named(meta.get(mh, 'n'));
    const mScale = named(meta.get(mh, 'scale'));
    const mPos = named(meta.get(mh, 'pos'));
    const LM = this.mulLatency;
    const D = LM + LAT;
    const rj = Reg(UInt(jBits), { init: 0 });
    const accAddr = (slot: Value, j: Value): Value => (G > 1 ? cat(slot.trunc(log2Up(G)), j) : j);
    const acc = Memory(G * 2 ** jBits, UInt(W));
    const stage = (make: (i: number) => Signal): Signal[] => Array.from({ length: D }, (_, i) => make(i));
    const pv = stage((i) => Reg(Bool, { init: 0, name: `red_valid_${i}` }));
    const pSlot = stage((i) => Reg(UInt(gBits), { init: 0, name: `red_slot_${i}` }));
    const pBeat = stage((i) => Reg(UInt(jBits), { init: 0, name: `red_beat_${i}` }));
    const pLast = stage((i) => Reg(Bool, { init: 0, name: `red_last_${i}` }));
    const pEnd = stage((i) => Reg(Bool, { init: 0, name: `red_row_end_${i}` }));
    const pZero = stage((i) => Reg(Bool, { init: 0, name: `red_first_${i}` }));
    const pN = stage((i) => Reg(UInt(32), { init: 0, name: `red_n_${i}` }));
    const pPos = stage((i) => Reg(UInt(32), { init: 0, name: `red_pos_${i}` }));
    const pEmpty = stage((i) => Reg(Bool, { init: 0, name: `red_empty_${i}` }));
    // A first term (or an empty bag's zero) reads no accumulator. Otherwise the
    // previous term of the same (slot, beat) must leave the adder no later than
    // this one reaches it: issued at least LAT cycles ago (exactly LAT: its sum
    // is forwarded from the adder's output; more: read from the accumulator).
    const zeroA = named(mFirst.or(mEmpty));
    const inAdder = pv.slice(0, LAT - 1).map((v, i) => v.and(pSlot[i]!.eq(mSlot)).and(pBeat[i]!.eq(rj)));
    const hazard = named(inAdder.length > 0 ? zeroA.not().and(orAny(...inAdder)) : lit(0, 1), 'hazard');
    const FL = 2 + this.divLatency; // mean's finishing pipeline
    const OQ = D + FL + 4;
    const outRes = Reg(UInt(bitsFor(OQ)), { init: 0 });
    const outQ = instance(new Queue(UInt(W + 1), { depth: OQ, storage: 'ram' }));
    const awBagQ = instance(new Queue(UInt(32), { depth: 4 }));
    // Where a write burst's W beats come from: the out queue (the reducer's rows), the argmax queue, the grad_rows
    // packer, the update unit's rows (weight, gradient), its state.
    const SRC_OUT = 0, SRC_ARG = 1, SRC_PACK = 2, SRC_UPD_ROW = 3, SRC_UPD_STATE = 4;
    const srcLit = (s: number): Value => lit(s, 3);
    // The update unit's and the grad_rows packer's write bursts: {source, beats, word}.
    const hdr = new Packed({ src: 3, beats: rbBits, word: WA });
    const hq = instance(new Queue(UInt(hdr.width), { depth: 4 }));
    const rowBeatAvail = named(dataQ.io.deq.valid.and(dKind.eq(KIND_ROW)).and(maskEn.not().or(argBeatQ.io.deq.valid)));
    const isRowEnd = named(rj.zext(rbBits + 1).addWrap(1).eq(rowBeats.zext(rbBits + 1)));
    const needAw = named(mLast.and(rj.eq(0)));
    // The argmax rows' queue (OP.ARGMAX): the writer sends a bag's output row, then its argmax row.
    const AQ = RBmax + OQ;
    const argRes = Reg(UInt(bitsFor(AQ)), { init: 0 });
    const argQ = instance(new Queue(UInt(W + 1), { depth: AQ, storage: 'ram' }));
    const redGo = named(run.and(metaQ.io.deq.valid).and(mEmpty.or(rowBeatAvail)).and(hazard.not())
      .and(mLast.not().or(outRes.lt(OQ))).and(mLast.not().or(argEn.not()).or(argRes.lt(AQ))).and(needAw.not().or(optOn).or(awBagQ.io.enq.ready)));
    when(run.and(metaQ.io.deq.valid).and(mEmpty.or(rowBeatAvail)).and(hazard), () => stallDep.set(stallDep.addWrap(1)));
    rowBeatReady.set(redGo.and(mEmpty.not()));
    argBeatQ.io.deq.ready.set(err.or(redGo.and(mEmpty.not()).and(maskEn)));
    metaQ.io.deq.ready.set(err.or(redGo.and(isRowEnd)));
    when(redGo, () => rj.set(mux(isRowEnd, lit(0, jBits), rj.addWrap(1))));
    // With an optimizer the reducer's rows go to the update unit, not to the writer.
    awBagQ.io.enq.valid.set(redGo.and(needAw).and(optOn.not()));
    awBagQ.io.enq.bits.set(mBag);
    for (let i = 0; i < D; i++) {
      pv[i]!.set(i === 0 ? redGo : pv[i - 1]!);
      pSlot[i]!.set(i === 0 ? mSlot : pSlot[i - 1]!);
      pBeat[i]!.set(i === 0 ? rj : pBeat[i - 1]!);
      pLast[i]!.set(i === 0 ? mLast : pLast[i - 1]!);
      pEnd[i]!.set(i === 0 ? isRowEnd : pEnd[i - 1]!);
      pZero[i]!.set(i === 0 ? zeroA : pZero[i - 1]!);
      pN[i]!.set(i === 0 ? mN : pN[i - 1]!);
      pPos[i]!.set(i === 0 ? mPos : pPos[i - 1]!);
      pEmpty[i]!.set(i === 0 ? mEmpty : pEmpty[i - 1]!);
    }
    const lane = (v: Value, i: number): Value => v.bits(32 * i + 31, 32 * i);
    // Stage 1: term = fl(x * scale). A scale of exactly 1.0 (every term without per-lookup scales) is exact:
    // fl(x * 1.0) = x, a NaN coming out as the canonical quiet NaN. Such a term skips the multipliers (they idle)
    // through LM gated registers (loaded only with such a term), the same latency and the same bits.
    const scaleOne = named(mScale.eq(FP32_ONE), 'scale_one');
    const termsIn = Array.from({ length: L }, (_, i) =>
      mux(mEmpty, lit(0, 32), maskedLane({ data: dData, argBeat: argBeatQ.io.deq.bits, pos: mPos, on: maskEn, i })));
    const canonical = (x: Value): Value => mux(x.bits(30, 23).eq(0xff).and(x.bits(22, 0).ne(0)), lit(QNAN, 32), x);
    let bypV: Value = named(redGo.and(scaleOne), 'mul_bypass');
    let byp: Value = cat(...termsIn.map(canonical).reverse());
    for (let k = 0; k < LM; k++) {
      byp = RegNext(byp, { en: bypV, gated: true, name: `mul_bypass_${k}` });
      bypV = RegNext(bypV, { init: 0, name: `mul_bypass_valid_${k}` });
    }
    const terms = termsIn.map((a, i) => {
      const u = instance(new Fp32Mul({ stages: LM }), `lane_mul_${i}`);
      u.io.in_valid.set(redGo.and(scaleOne.not()));
      u.io.a.set(a);
      u.io.b.set(mScale);
      return named(mux(bypV, lane(byp, i), u.io.y), `term_${i}`);
    });
    // Stage 2: acc = fl(acc + term), or max: acc = term > acc ? term : acc (the first term as is).
    const addV = pv[LM - 1]!;
    const addZero = pZero[LM - 1]!;
    // The previous term of the same (slot, beat) leaving the adder in this cycle (not its bag's last): its sum is
    // not in the accumulator yet, so it is forwarded.
    const sumW = Wire(UInt(W));
    const accFwd = named(pv[D - 1]!.and(pLast[D - 1]!.not()).and(pSlot[D - 1]!.eq(pSlot[LM - 1]!)).and(pBeat[D - 1]!.eq(pBeat[LM - 1]!)));
    const accRd = named(mux(accFwd, sumW, acc.readAsync(accAddr(pSlot[LM - 1]!, pBeat[LM - 1]!))));
    const wins: Value[] = [];
    const results = terms.map((term, i) => {
      const ad = instance(new Fp32Add({ stages: LAT }), `lane_add_${i}`);
      ad.io.in_valid.set(addV.and(isMax.not())); // the unit of the other mode idles (its registers hold)
      ad.io.a.set(mux(addZero, lit(0, 32), lane(accRd, i)));
      ad.io.b.set(term);
      ad.io.sub.set(0);
      const mx = instance(new Fp32Max({ stages: LAT }), `lane_max_${i}`);
      mx.io.in_valid.set(addV.and(isMax));
      mx.io.a.set(mux(addZero, term, lane(accRd, i)));
      mx.io.b.set(term);
      wins.push(mx.io.b_wins);
      return mux(isMax, mx.io.y, ad.io.y);
    });
    const sum = named(cat(...results.reverse()));
    sumW.set(sum);
    const outV = pv[D - 1]!;
    const outLast = pLast[D - 1]!;
    when(outV.and(outLast.not()), () => acc.write(accAddr(pSlot[D - 1]!, pBeat[D - 1]!), sum));
    // Max mode: the argmax positions beside the accumulator (read where the max's result leaves the pipeline).
    const argMem = Memory(G * 2 ** jBits, UInt(W));
    const argNow = argmaxWord({ lanes: L, old: argMem.readAsync(accAddr(pSlot[D - 1]!, pBeat[D - 1]!)), pos: pPos[D - 1]!, first: pZero[D - 1]!, empty: pEmpty[D - 1]!, wins });
    when(outV.and(outLast.not()).and(argEn), () => argMem.write(accAddr(pSlot[D - 1]!, pBeat[D - 1]!), argNow));
    argQ.io.enq.valid.set(outV.and(outLast).and(argEn));
    argQ.io.enq.bits.set(cat(pEnd[D - 1]!, argNow));
    const argPop = named(argQ.io.deq.valid.and(argQ.io.deq.ready));
    const argUp = named(redGo.and(mLast).and(argEn));
    when(argUp.and(argPop.not()), () => argRes.set(argRes.addWrap(1)));
    when(argPop.and(argUp.not()), () => argRes.set(argRes.subWrap(1)));
    // Mean: out = n > 0 ? fl(acc / fl(n)) : +0, one division per output element.
    const finIn = named(outV.and(outLast).and(isMean));
    const nConv = instance(new Fp32FromUInt({ width: 32, stages: 2 }));
    nConv.io.in_valid.set(finIn);
    nConv.io.a.set(pN[D - 1]!);
    const d1Valid = RegNext(finIn, { init: 0 });
    const d2Valid = RegNext(d1Valid, { init: 0 });
    const d1 = RegNext(sum, { init: 0 });
    const d2 = RegNext(d1, { init: 0 });
    const zN = [RegNext(pN[D - 1]!.eq(0), { init: 0 })];
    zN.push(RegNext(zN[0]!, { init: 0 }));
    const endD = [RegNext(pEnd[D - 1]!, { init: 0 })];
    endD.push(RegNext(endD[0]!, { init: 0 }));
    const finV: Signal[] = [];
    const finZ: Signal[] = [];
    const finE: Signal[] = [];
    for (let i = 0; i < this.divLatency; i++) {
      finV.push(Reg(Bool, { init: 0, name: `fin_valid_${i}` }));
      finZ.push(Reg(Bool, { init: 0, name: `fin_zero_${i}` }));
      finE.push(Reg(Bool, { init: 0, name: `fin_end_${i}` }));
      finV[i]!.set(i === 0 ? nConv.io.out_valid : finV[i - 1]!);
      finZ[i]!.set(i === 0 ? zN[1]! : finZ[i - 1]!);
      finE[i]!.set(i === 0 ? endD[1]! : finE[i - 1]!);
    }
    const quots = Array.from({ length: L }, (_, i) => {
      const dv = instance(new Fp32Div({ stages: this.divLatency }), `lane_div_${i}`);
      dv.io.in_valid.set(nConv.io.out_valid);
      dv.io.a.set(lane(d2, i));
      dv.io.b.set(nConv.io.y);
      return dv.io.y;
    });
    const finLast = this.divLatency - 1;
    const meanOut = named(mux(finZ[finLast]!, lit(0, W), cat(...quots.reverse())));
    outQ.io.enq.valid.set(mux(isMean, finV[finLast]!, outV.and(outLast)));
    outQ.io.enq.bits.set(mux(isMean, cat(finE[finLast]!, meanOut), cat(pEnd[D - 1]!, sum)));
    const outPop = named(outQ.io.deq.valid.and(outQ.io.deq.ready));
    const resUp = named(redGo.and(mLast));
    when(resUp.and(outPop.not()), () => outRes.set(outRes.addWrap(1)));
    when(outPop.and(resUp.not()), () => outRes.set(outRes.subWrap(1)));

    // ---------------------------------------------------------------- update unit (accel/engine/update.ts)
    const upd = instance(new UpdateUnit({
      dataBits: W, addrBits: A, maxRowBeats: RBmax, mulLatency: LM, addLatency: LAT, divLatency: this.divLatency, sqrtLatency: this.divLatency,
    }), 'update');
    upd.io.flush.set(err);
    upd.io.opt.set(opt);
    upd.io.keepGrad.set(keepGrad);
    upd.io.unfused.set(unfused);
    upd.io.dim.set(rv('DIM').trunc(16));
    upd.io.rowBeats.set(rowBeats);
    upd.io.tailStrb.set(tailStrb);
    upd.io.lr.set(rv('LR'));
    upd.io.eps.set(rv('EPS'));
    upd.io.weightBase.set(weightA);
    upd.io.stateBase.set(stateA);
    upd.io.rowStride.set(rv('WEIGHT_STRIDE'));
    upd.io.outBase.set(outA);
    upd.io.outStride.set(rv('OUT_STRIDE'));
    upd.io.rid_valid.set(ridUQ.io.deq.valid);
    upd.io.rid.set(rid.get(ridUQ.io.deq.bits, 'row'));
    upd.io.rid_seg.set(rid.get(ridUQ.io.deq.bits, 'seg'));
    ridUQ.io.deq.ready.set(err.or(upd.io.rid_ready));
    upd.io.upd_valid.set(updBeatQ.io.deq.valid);
    upd.io.upd.set(updBeatQ.io.deq.bits);
    updBeatQ.io.deq.ready.set(err.or(upd.io.upd_ready));
    const updPop = named(updBeatQ.io.deq.valid.and(updBeatQ.io.deq.ready));
    when(rowGo.and(curFk.ne(0)).and(updPop.not()), () => updRes.set(updRes.addWrap(fit(rowBurst, updRes.width))));
    when(rowGo.and(curFk.ne(0)).and(updPop), () => updRes.set(updRes.addWrap(fit(rowBurst, updRes.width)).subWrap(1)));
    when(rowGo.and(curFk.ne(0)).not().and(updPop), () => updRes.set(updRes.subWrap(1)));

    // ---------------------------------------------------------------- grad_rows packer: row ids -> int64 beats
    // L/2 ids per beat, each beat its own 1-beat burst at GRAD_ROWS + beat x BB (WSTRB covers the ids in it).
    const PK = L / 2;
    const pkb = Math.max(1, log2Up(PK));
    const pk = new Packed({ strb: BB, data: W });
    const pkQ = instance(new Queue(UInt(pk.width), { depth: 2 }));
    const pkData = Reg(UInt(W), { init: 0 });
    const pkStrb = Reg(UInt(BB), { init: 0 });
    const pkN = Reg(UInt(pkb + 1), { init: 0 });
    const pkSeen = Reg(UInt(32), { init: 0 });
    const pkWord = Reg(UInt(WA), { init: 0 });
    const pkSh = named(cat(pkN.trunc(pkb), lit(0, 6)));
    const pkNextData = named(pkData.or(ridPQ.io.deq.bits.zext(W).shl(pkSh).trunc(W)));
    const pkNextStrb = named(pkStrb.or(lit(0xff, BB).shl(cat(pkN.trunc(pkb), lit(0, 3))).trunc(BB)));
    const pkFlush = named(pkN.addWrap(1).eq(PK).or(pkSeen.addWrap(1).eq(numBags)));
    // The update unit's header goes first, then the packer's.
    const updHdrOk = named(hq.io.enq.ready);
    const pkHdrOk = named(updHdrOk.and(upd.io.hdr_valid.not()).and(pkQ.io.enq.ready));
    const pkTake = named(run.and(ridPQ.io.deq.valid).and(pkFlush.not().or(pkHdrOk)));
    ridPQ.io.deq.ready.set(err.or(pkTake));
    upd.io.hdr_ready.set(updHdrOk);
    const pkPush = named(pkTake.and(pkFlush));
    pkQ.io.enq.valid.set(pkPush);
    pkQ.io.enq.bits.set(pk.pack({ strb: pkNextStrb, data: pkNextData }));
    when(pkTake, () => {
      pkSeen.set(pkSeen.addWrap(1));
      when(pkFlush, () => {
        pkData.set(0);
        pkStrb.set(0);
        pkN.set(0);
        pkWord.set(pkWord.addWrap(1));
      }).otherwise(() => {
        pkData.set(pkNextData);
        pkStrb.set(pkNextStrb);
        pkN.set(pkN.addWrap(1));
      });
    });
    hq.io.enq.valid.set(upd.io.hdr_valid.or(pkPush));
    hq.io.enq.bits.set(mux(upd.io.hdr_valid, hdr.pack({ src: mux(upd.io.hdr_state, srcLit(SRC_UPD_STATE), srcLit(SRC_UPD_ROW)), beats: upd.io.hdr_beats, word: upd.io.hdr_word }),
      hdr.pack({ src: srcLit(SRC_PACK), beats: lit(1, rbBits), word: pkWord })));

    // ---------------------------------------------------------------- writer: AW per output row, W with WSTRB
    const awValid = Reg(Bool, { init: 0 });
    const awAddr = Reg(UInt(A), { init: 0 });
    const awLen = Reg(UInt(8), { init: 0 });
    const bOut = Reg(UInt(bitsFor(this.maxWrites)), { init: 0 });
    // Batched tables: a table starts without waiting for the answers (B) to the tables' before it; bPrev counts them,
    // and its own writes wait until they are in, so the outstanding writes are always one table's (writerTable's) and
    // a write error is that table's alone, the tables after it having written nothing.
    const bPrev = Reg(UInt(bitsFor(this.maxWrites)), { init: 0 });
    const writerTable = Reg(UInt(32), { init: 0 });
    // Per burst: its source (SRC_*) and its AXI length.
    const burst = new Packed({ src: 3, len: 8 });
    const lenQ = instance(new Queue(UInt(burst.width), { depth: this.maxWrites, storage: this.maxWrites > 8 ? 'ram' : 'reg' }));
    const owWord = Reg(UInt(WA), { init: 0 });
    const owLeft = Reg(UInt(rbBits), { init: 0 });
    const owFromQ = named(owLeft.eq(0));
    // OP.ARGMAX: each bag's argmax row follows its output row (owArg: the head bag's output row is issued).
    const owArg = Reg(Bool, { init: 0 });
    const owSrc = Reg(UInt(3), { init: 0 });
    // A new burst comes from the update/packer header queue first (its data is ready: a grad_rows beat, one per L/2
    // segments), else from the bag queue (the reducer's rows), but not between a bag's output row and its argmax row.
    // The other way round, at one-beat rows the bag queue is nearly always valid: the packer waited until the
    // reducer ran dry, its id queue filled and stopped the sequencer at a segment's entry (docs/BENCHMARKS.md, engine).
    const hdrFirst = named(hq.io.deq.valid.and(owArg.not()));
    const fromBag = named(awBagQ.io.deq.valid.and(hdrFirst.not()));
    const hh = hq.io.deq.bits;
    const curOwSrc = named(mux(owFromQ, mux(fromBag, mux(owArg, srcLit(SRC_ARG), srcLit(SRC_OUT)), hdr.get(hh, 'src')), owSrc));
    const bagOutAddr = named(rowAddress(mux(owArg, argA, outA), awBagQ.io.deq.bits, mux(owArg, p('ARGMAX_STRIDE'), p('OUT_STRIDE'))));
    const curOwWord = named(mux(owFromQ, mux(fromBag, wordOf(bagOutAddr), hdr.get(hh, 'word')), owWord));
    const curOwLeft = named(mux(owFromQ, mux(fromBag, rowBeats, hdr.get(hh, 'beats')), owLeft));
    const awBurst = burstBeats(curOwWord, curOwLeft, 256, 'aw_burst');
    const awGo = named(busy.and(err.not()).and(owLeft.ne(0).or(awBagQ.io.deq.valid).or(hq.io.deq.valid)).and(awValid.not().or(m.awready))
      .and(bOut.lt(this.maxWrites)).and(lenQ.io.enq.ready).and(bPrev.eq(0)));
    awBagQ.io.deq.ready.set(err.or(awGo.and(owFromQ).and(fromBag).and(argEn.not().or(owArg))));
    hq.io.deq.ready.set(err.or(awGo.and(owFromQ).and(fromBag.not())));
    when(awGo.and(owFromQ).and(fromBag).and(argEn), () => owArg.set(owArg.not()));
    when(awGo, () => owSrc.set(curOwSrc));
    when(awValid.and(m.awready), () => awValid.set(0));
    when(awGo, () => {
      awValid.set(1);
      awAddr.set(cat(curOwWord, lit(0, lb)));
      awLen.set(lenField(awBurst));
      owWord.set(curOwWord.addWrap(awBurst.zext(WA)));
      owLeft.set(curOwLeft.subWrap(awBurst.trunc(rbBits)));
    });
    lenQ.io.enq.valid.set(awGo);
    // The byte address of each write burst awaiting B (ERR_ADDR on a write error; B comes in AW order, one ID).
    const awAddrQ = instance(new Queue(UInt(A), { depth: this.maxWrites, storage: 'ram' }));
    awAddrQ.io.enq.valid.set(awGo);
    awAddrQ.io.enq.bits.set(cat(curOwWord, lit(0, lb)));
    lenQ.io.enq.bits.set(burst.pack({ src: curOwSrc, len: lenField(awBurst) }));
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

    const wValid = Reg(Bool, { init: 0 });
    const wData = Reg(UInt(W), { init: 0 });
    const wStrb = Reg(UInt(BB), { init: 0 });
    const wLast = Reg(Bool, { init: 0 });
    const wBeat = Reg(UInt(8), { init: 0 });
    // After an error, announced bursts still get their W beats, with WSTRB = 0.
    // The W beats of each burst come from its source: the out or argmax queue (end of row: the tail WSTRB),
    // the grad_rows packer or the update unit (their own WSTRB).
    const wSrc = named(burst.get(lenQ.io.deq.bits, 'src'));
    const wHead = named(mux(wSrc.eq(SRC_ARG), argQ.io.deq.bits, outQ.io.deq.bits));
    // By source, SRC_OUT .. SRC_UPD_STATE.
    const srcValid = named(select([outQ.io.deq.valid, argQ.io.deq.valid, pkQ.io.deq.valid, upd.io.wd_valid, upd.io.sd_valid], wSrc));
    const wGo = named(lenQ.io.deq.valid.and(srcValid.or(err)).and(wValid.not().or(m.wready)));
    const burstEnd = named(wBeat.eq(burst.get(lenQ.io.deq.bits, 'len')));
    lenQ.io.deq.ready.set(wGo.and(burstEnd));
    outQ.io.deq.ready.set(err.or(mux(optOn, upd.io.grad_ready, wGo.and(wSrc.eq(SRC_OUT)))));
    upd.io.grad_valid.set(optOn.and(outQ.io.deq.valid));
    upd.io.grad.set(outQ.io.deq.bits.trunc(W));
    argQ.io.deq.ready.set(err.or(wGo.and(wSrc.eq(SRC_ARG))));
    pkQ.io.deq.ready.set(err.or(wGo.and(wSrc.eq(SRC_PACK))));
    upd.io.wd_ready.set(wGo.and(wSrc.eq(SRC_UPD_ROW)).and(err.not()));
    upd.io.sd_ready.set(wGo.and(wSrc.eq(SRC_UPD_STATE)).and(err.not()));
    const ohEnd = named(wHead.bit(W));
    const ownData = named(mux(wSrc.eq(SRC_PACK), pk.get(pkQ.io.deq.bits, 'data'), mux(wSrc.eq(SRC_UPD_ROW), upd.io.wd_data, upd.io.sd_data)));
    const ownStrb = named(mux(wSrc.eq(SRC_PACK), pk.get(pkQ.io.deq.bits, 'strb'), mux(wSrc.eq(SRC_UPD_ROW), upd.io.wd_strb, upd.io.sd_strb)));
    when(wValid.and(m.wready), () => wValid.set(0));
    when(wGo, () => {
      wValid.set(1);
      // The out and argmax queues' rows (SRC_OUT, SRC_ARG) carry no WSTRB: all lanes, the tail's at a row's end.
      wData.set(mux(wSrc.lt(SRC_PACK), wHead.trunc(W), ownData));
      wStrb.set(mux(err, lit(0, BB), mux(wSrc.lt(SRC_PACK), mux(ohEnd, tailStrb, ones), ownStrb)));
      wLast.set(burstEnd);
      wBeat.set(mux(burstEnd, lit(0, 8), wBeat.addWrap(1)));
    });
    when(wValid.and(m.wready), () => wBeats.set(wBeats.addWrap(1)));
    when(wValid.and(m.wready.not()), () => stallWrite.set(stallWrite.addWrap(1)));
    m.wvalid.set(wValid);
    m.wdata.set(wData);
    m.wstrb.set(wStrb);
    m.wlast.set(wLast);

    // ---------------------------------------------------------------- B, errors, start, completion
    m.bready.set(bReady);
    const bFire = named(m.bvalid.and(bReady));
    when(awGo, () => writerTable.set(tableAt));
    when(bFire.and(bPrev.ne(0)), () => bPrev.set(bPrev.subWrap(1)));
    when(awGo.and(bFire.not()), () => bOut.set(bOut.addWrap(1)));
    when(bFire.and(awGo.not()), () => bOut.set(bOut.subWrap(1)));
    awAddrQ.io.deq.ready.set(bFire);
    const rErrAddr = slotAddr.readAsync(rSlot);
    const rErr = named(rFire.and(m.rresp.ne(0)));
    const bErr = named(bFire.and(m.bresp.ne(0)));
    // Another channel's bus error ends this channel's operation too (ERROR keeps no response: the top reports the
    // failing channel's).
    if (this.channels > 1) when(run.and((this.io as unknown as { peer_error: Value }).peer_error), () => err.set(1));
    // A read for the next table (its descriptor, or its streams read ahead) fails while the current table runs: the
    // error waits until the current table is done, so ERROR and TABLE_AT name the next table, as when it ran alone.
    const rKind = named(slotKind.readAsync(rSlot));
    const rErrAhead = named(rErr.and(opRun).and(rKind.eq(KIND_DESC).or(preArmed.and(aheadKind(rKind)))));
    const rErrNow = named(rErr.and(rErrAhead.not()));
    const aheadErr = Reg(Bool, { init: 0 });
    const aheadResp = Reg(UInt(2), { init: 0 });
    const aheadAddr = Reg(UInt(A), { init: 0 });
    when(run.and(rErrAhead).and(aheadErr.not()), () => {
      aheadErr.set(1);
      aheadResp.set(m.rresp);
      aheadAddr.set(rErrAddr);
    });
    when(run.and(rErrNow.or(bErr)), () => {
      err.set(1);
      errResp.set(mux(rErrNow, m.rresp, m.bresp));
      errRead.set(rErrNow);
      errWrite.set(bErr);
      errAddr.set(fit(mux(rErrNow, rErrAddr, awAddrQ.io.deq.bits), 64));
    }).elseWhen(run.and(aheadErr).and(opRun.not()), () => {
      err.set(1);
      errResp.set(aheadResp);
      errRead.set(1);
      errWrite.set(0);
      errAddr.set(fit(aheadAddr, 64));
    });
    when(err, () => {
      fPh.set(0);
      descLeft.set(0);
      rowLeft.set(0);
      owLeft.set(0);
      owArg.set(0);
      argDone.set(0);
    });

    when(busy, () => cycles.set(cycles.addWrap(1)));
    // A descriptor that fails the operation checks (codes 1..13) ends the START with ERROR.PROGRAM, TABLE_AT its table.
    const descBad = named(descLoaded.and(err.not()).and(descCause.ne(0)), 'descriptor_bad');
    const descGood = named(descLoaded.and(err.not()).and(descCause.eq(0)));
    const opStart = named(start.and(progBad.not()).and(rv('NUM_TABLES').eq(0)).or(descGood).and(sliceNone.not()));
    upd.io.start.set(opStart);
    const skipTable = named(descGood.and(sliceNone));
    // No table follows the one at TABLE_AT (or a single operation runs).
    const lastTable = named(batched.not().or(tableAt.zext(33).addWrap(1).ge(rv('NUM_TABLES').zext(33))));
    // Batched tables, read ahead (docs/ENGINE.md, "Descriptors (batched tables)"): table t + 1's descriptor is read as
    // table t starts, and once t's sequencer has taken its last offset, index and scale (its streams are done), t + 1's
    // streams are armed and read into the buffers while t's rows are still fetched, reduced and written. When t is
    // done (its own reads answered, its writes issued: tableQuiet), t + 1's descriptor goes to the shadow registers and
    // its operation starts with its first offsets and indices already there (its writes wait for t's answers: bPrev).
    // tableDue: the table at TABLE_AT waits for its descriptor (from START, or from the previous table's end).
    const tableDue = Reg(Bool, { init: 0 });
    descSwap.set(run.and(tableDue).and(nxFull).and(aheadErr.not()));
    when(descSwap, () => {
      tableDue.set(0);
      nxFull.set(0);
    });
    // As a table starts (or is skipped), the next table's descriptor is read.
    when(descGood.and(lastTable.not()), () => {
      descLeft.set(DESC_BEATS);
      descIdx.set(0);
    });
    // The running table has taken all of its streams' elements (so the buffers hold none of its beats).
    const streamsFree = named(opRun.and(bagsLeft.not()).and(offLeft.eq(0)).and(idxLeft.eq(0)).and(pswLeft.eq(0))
      .and(offU.left.eq(0)).and(idxU.left.eq(0)).and(pswU.left.eq(0))
      .and(offBeatQ.io.deq.valid.not()).and(idxBeatQ.io.deq.valid.not()).and(pswBeatQ.io.deq.valid.not()));
    // The next descriptor passes the operation checks and gives this channel columns: its streams are armed now.
    const armAhead = named(run.and(batched).and(nxFull).and(preArmed.not()).and(aheadErr.not()).and(nextCause.eq(0)).and(nxNoColumns.not()).and(streamsFree));
    /** Arms the sequencer's streams: the beats to read and the elements to unpack. */
    const armStreams = (st: Streams) => {
      offRes.set(0);
      idxRes.set(0);
      pswRes.set(0);
      offWord.set(wordOf(st.offsetsA));
      offLeft.set(st.offBeats);
      idxWord.set(wordOf(st.indicesA));
      idxLeft.set(st.idxBeats);
      pswWord.set(wordOf(st.scalesA));
      pswLeft.set(st.pswBeats);
      pswU.left.set(st.pswCount);
      pswU.lane.set(firstLane(st.scalesA));
      offU.left.set(st.offCount);
      offU.lane.set(firstLane(st.offsetsA));
      idxU.left.set(st.idxCount);
      idxU.lane.set(st.idxLane);
    };
    when(armAhead, () => {
      preArmed.set(1);
      armStreams(nextStreams);
    });
    when(start, () => {
      busy.set(1);
      done.set(0);
      err.set(0);
      errResp.set(0);
      errRead.set(0);
      errWrite.set(0);
      errAddr.set(0);
      cycles.set(0);
      rBeats.set(0);
      wBeats.set(0);
      stallIndex.set(0);
      stallInflight.set(0);
      stallDep.set(0);
      stallWrite.set(0);
      batched.set(rv('NUM_TABLES').ne(0));
      opRun.set(0);
      // A channel without columns (dim smaller than the channels' beats) is done at once.
      if (this.channels > 1) {
        busy.set(rv('NUM_TABLES').ne(0).or(slice.none.not()));
        done.set(rv('NUM_TABLES').eq(0).and(slice.none));
      }
      tableAt.set(0);
      descWord.set(wordOf(addressOf(rv('TABLES_LO'), rv('TABLES_HI'), A)));
      descLeft.set(mux(rv('NUM_TABLES').ne(0), lit(DESC_BEATS, dbBits), lit(0, dbBits)));
      descIdx.set(0);
      nxFull.set(0);
      tableDue.set(rv('NUM_TABLES').ne(0));
      preArmed.set(0);
      aheadErr.set(0);
      bPrev.set(0);
      errProgram.set(0);
      errCause.set(0);
    });
    // A failed register check: the START ends at once (DONE | ERROR, irq), nothing issued.
    when(progBad, () => {
      busy.set(0);
      done.set(1);
      err.set(1);
      errProgram.set(1);
      errCause.set(progCause);
      descLeft.set(0);
    });
    // The descriptor's read is still leaving the R path: the error path drains it and finishes.
    when(descBad, () => {
      err.set(1);
      errProgram.set(1);
      errCause.set(descCause);
    });
    when(opStart, () => {
      opRun.set(1);
      if (longBag) longBag.set(0);
      rowBeats.set(fit(beatsOfDim, rbBits));
      outRes.set(0);
      argRes.set(0);
      owArg.set(0);
      argDone.set(0);
      rj.set(0);
      tailStrb.set(this.channels > 1 ? mux(slice.hasTail, tailMask, ones) : tailMask);
      // Streams armed ahead are this operation's (the shadow took their descriptor): left be. A START's single
      // operation always arms (preArmed may be left over from a batch that ended in an error).
      preArmed.set(0);
      when(start.or(preArmed.not()), () => armStreams(curStreams));
      ridWord.set(wordOf(ridA));
      ridLeft.set(ridBeatsTotal);
      ridRes.set(0);
      ridU.left.set(mux(rowsOn, numBags.zext(33), lit(0, 33)));
      ridU.lane.set(firstLane(ridA));
      updRes.set(0);
      emPh.set(0);
      updU.set(0);
      fPh.set(0);
      pkData.set(0);
      pkStrb.set(0);
      pkN.set(0);
      pkSeen.set(0);
      pkWord.set(wordOf(gradRowsA));
      bagIdx.set(0);
      haveStart.set(0);
      inBag.set(0);
      heldValid.set(0);
      seqSlot.set(0);
    });
    // The sequencer has emitted every token.
    const seqQuiet = named(err.or(bagsLeft.not().and(inBag.not()).and(heldValid.not())));
    // The sequencer's streams are read and taken (read ahead, they are the next table's).
    const streamsQuiet = named(err.or(offLeft.eq(0).and(idxLeft.eq(0)).and(pswLeft.eq(0))).and(offBeatQ.io.deq.valid.not()).and(idxBeatQ.io.deq.valid.not()).and(pswBeatQ.io.deq.valid.not()));
    // Every row fetched, reduced and written (the writes not necessarily answered); the update unit idle.
    const rowsQuiet = named(
      tokQ.empty.and(rowLeft.eq(0)).and(metaQ.io.deq.valid.not())
        .and(orAny(...pv).not()).and(outQ.io.deq.valid.not()).and(awBagQ.io.deq.valid.not()).and(owLeft.eq(0))
        .and(awValid.not()).and(lenQ.io.deq.valid.not()).and(wValid.not())
        .and(orAny(...finV).not()).and(d1Valid.not()).and(d2Valid.not()).and(argQ.io.deq.valid.not()).and(argBeatQ.io.deq.valid.not()).and(owArg.not())
        .and(hq.io.deq.valid.not()).and(err.or(ridLeft.eq(0))).and(ridBeatQ.io.deq.valid.not()).and(updBeatQ.io.deq.valid.not()).and(ridUQ.io.deq.valid.not()).and(ridPQ.io.deq.valid.not())
        .and(pkQ.io.deq.valid.not()).and(err.or(emActive.not())).and(err.or(owed.not())).and(upd.io.idle),
    );
    // Nothing in flight at all: the START may end.
    const quiet = named(seqQuiet.and(streamsQuiet).and(rowsQuiet).and(bOut.eq(0)).and(err.or(descLeft.eq(0)))
      .and(arValid.not()).and(slotsUsed.eq(0)).and(rdPending.not()).and(dataQ.io.deq.valid.not()));
    // The running table is done: its own reads answered (the next table's descriptor and streams may be on their way),
    // its writes issued (their answers may be on their way: bPrev).
    const tableQuiet = named(seqQuiet.and(preArmed.or(streamsQuiet)).and(rowsQuiet).and(backBeats.eq(0)));
    // The last table (or the only operation) ends the START; an error ends it wherever it came.
    const finish = named(busy.and(start.not()).and(quiet.and(err.or(opRun.and(lastTable))).or(skipTable.and(lastTable))));
    const nextTable = named(busy.and(err.not()).and(tableQuiet.and(opRun).or(skipTable)).and(lastTable.not()));
    when(nextTable, () => {
      opRun.set(0);
      haveStart.set(0);
      tableAt.set(tableAt.addWrap(1));
      tableDue.set(1);
      bPrev.set(bOut.subWrap(bFire.zext(bOut.width)));
    });
    // A write error is the table's that wrote (a later table may have started meanwhile, but has written nothing).
    when(run.and(bErr).and(rErrNow.not()).and(batched), () => tableAt.set(writerTable));
    when(finish, () => {
      busy.set(0);
      done.set(1);
      opRun.set(0);
    });
  }
}
