/**
 * Batched tables on the engine (docs/ENGINE.md, "Batched tables"): the host
 * side of FBGEMM's TBE / TorchRec KJT layout (model/batched.ts). One START
 * runs every table: the host lays out the tables, the shared index, offset
 * and scale arrays, and one descriptor per table (accel/engine/descriptor.ts)
 * pointing into them; the engine reads descriptor t at TABLES + t × 128.
 *
 * - Forward: table t's descriptor reads the indices and offsets where its
 *   bags start (offsets[t·B] .. offsets[(t+1)·B], global positions), and
 *   writes its pooled rows at columns colOff[t] of one output region
 *   [B, Σ colBytes]; each table's columns start on a beat (colBytes[t] =
 *   dim_t·4 rounded up to a beat), so the result is FBGEMM's [B, ΣD] with
 *   each table's block padded to whole beats (read back without the padding).
 * - Casted backward: one casted index for all tables (linearised rows, gather
 *   index t·B + b). grad_output is laid out [B, Σ colBytes] as well; table
 *   t's descriptor gathers its segments (tableSeg[t] .. tableSeg[t+1]) with
 *   TABLE = g + colOff[t] − t·B·GS (mod 2^addrBits), so that the global bag id
 *   t·B + b lands on g's row b; its grad_values go to a region of their own.
 */
import { encode, type RegisterName as EngineRegName } from '../rtl/engine-d128/TcastEngine_d128_a32_r32_b4_q16_l3_3_12_g1_w8_m64.regs';
import { DESC_BYTES, ENGINE_DESCRIPTOR, type DescriptorWord } from '../accel/engine/descriptor';
import type { IndexArray } from '../model/bags';
import type { BatchedBags, BatchedCastedIndex } from '../model/batched';
import { ModelError } from '../model/errors';
import type { AxiResult, AxiScenario, TimingProfile } from './axi';
import { bytesOf, guardBytes, roundUp, runScript, type EngineShape, type OpPerf, type EngineCounters } from './engine';

/** A batch of tables as the model prepared it, with the tables' weights. */
export interface BatchedEngineCase {
  bags: BatchedBags;
  weights: Float32Array[];
  /** The raw arrays (int32 or int64, as in the case). */
  indices: IndexArray;
  offsets: IndexArray;
}

export interface BatchedScenario {
  scenario: AxiScenario;
  /** The first byte after its regions (where another operation's may start). */
  end: number;
  /** Bytes read per stream kind, for perf.json. */
  streamBytes: { indices: number; offsets: number; scales: number; descriptors: number };
  /** Forward: [B, ΣD]. Backward: grad_values per table [U_t, dim_t]. */
  decode(r: AxiResult): Float32Array[];
  /** The first output byte (row padding) that the run changed, or -1. */
  guardBroken(r: AxiResult): number;
}

interface Placer {
  /** The address of a new region of `len` bytes (beat-aligned, after a skew). */
  place(len: number): number;
  /** A new region holding `a` (0 and nothing placed for null). */
  put(a: ArrayBufferView | null): number;
  /** The memory image so far. */
  regions: { addr: number; bytes: Uint8Array }[];
  end(): number;
}

function placer(base: number, beat: number, skew: number[] = []): Placer {
  let at = base;
  let i = 0;
  const regions: { addr: number; bytes: Uint8Array }[] = [];
  const place = (len: number) => {
    at = roundUp(at + (skew[i++ % Math.max(skew.length, 1)] ?? 0), beat);
    const a = at;
    at = roundUp(at + Math.max(len, 1), beat) + beat;
    return a;
  };
  return {
    place, regions, end: () => at,
    put: (a) => {
      if (!a) return 0;
      const addr = place(a.byteLength);
      regions.push({ addr, bytes: bytesOf(a) });
      return addr;
    },
  };
}

/** Each table's columns in a [B, Σ colBytes] region: colBytes[t] = dim_t·4 rounded up to a beat, colOff[t] its start, stride the row. */
function columns(bb: BatchedBags, beat: number): { colOff: number[]; stride: number } {
  const colBytes = bb.tables.map((t) => roundUp(t.dim * 4, beat));
  return { colOff: colBytes.map((_, i) => colBytes.slice(0, i).reduce((a, b) => a + b, 0)), stride: colBytes.reduce((a, b) => a + b, 0) };
}

type Words = Partial<Record<DescriptorWord, number | bigint>>;

/** One descriptor's bytes. */
function descriptor(w: Words): Uint8Array {
  const d = new Uint8Array(DESC_BYTES);
  const v = new DataView(d.buffer);
  for (const [name, x] of Object.entries(w) as [DescriptorWord, number | bigint][]) v.setUint32(ENGINE_DESCRIPTOR.offsets[name], Number(BigInt(x) & 0xffffffffn), true);
  return d;
}

/** LO/HI words of an address, modulo 2^64 (a negative one wraps). */
const addr = (name: 'TABLE' | 'INDICES' | 'OFFSETS' | 'OUT' | 'SCALES', a: number | bigint): Words => {
  const v = BigInt.asUintN(64, BigInt(a));
  return { [`${name}_LO`]: v & 0xffffffffn, [`${name}_HI`]: v >> 32n } as Words;
};

function checkShape(bb: BatchedBags, shape: EngineShape): void {
  bb.tables.forEach((t, i) => {
    if (t.dim > shape.maxDim) throw new ModelError(`table ${i}: dim ${t.dim} is larger than this configuration's largest dim ${shape.maxDim}; use a configuration with a larger maxDim`, { array: 'tables', position: i, value: t.dim });
  });
}

function finish(descs: Uint8Array[], p: Placer, shape: EngineShape, name: string | undefined, profile: TimingProfile | undefined, dumps: { addr: number; len: number }[], maxCycles?: number): AxiScenario {
  const list = new Uint8Array(descs.length * DESC_BYTES);
  descs.forEach((d, t) => list.set(d, t * DESC_BYTES));
  const tables = p.put(list);
  if (p.end() >= 2 ** Math.min(shape.addrBits, 52)) throw new ModelError(`the batch needs ${p.end()} bytes of memory, more than ${shape.addrBits}-bit addresses reach`, { array: 'case' });
  // UPDATE = 0: a batched START refuses any other (ERROR.CAUSE 23), whatever an earlier operation left there.
  const regs: [EngineRegName, number][] = [['NUM_TABLES', descs.length], ['TABLES_LO', tables % 2 ** 32], ['TABLES_HI', Math.floor(tables / 2 ** 32)], ['UPDATE', 0]];
  return { name, profile, memory: p.regions, script: runScript(regs, maxCycles), dump: dumps, watchdogCycles: 20_000 };
}

const elemBytes = (a: IndexArray) => (a instanceof BigInt64Array ? 8 : 4);

export interface BatchedOptions { base?: number; skew?: number[]; name?: string; profile?: TimingProfile; maxCycles?: number }

/** The batched forward: output [B, ΣD] (mode sum or mean, per-sample weights with sum). */
export function batchedForwardScenario(c: BatchedEngineCase, shape: EngineShape, opts: BatchedOptions = {}): BatchedScenario {
  const bb = c.bags;
  checkShape(bb, shape);
  const beat = shape.dataBits / 8;
  const B = bb.batchSize;
  const T = bb.tables.length;
  const p = placer(opts.base ?? 0x10000, beat, opts.skew);
  const tableAt = bb.tables.map((t, i) => {
    const stride = roundUp(t.dim * 4, beat);
    const img = new Uint8Array(t.rows * stride);
    const wb = bytesOf(c.weights[i]!);
    for (let r = 0; r < t.rows; r++) img.set(wb.subarray(r * t.dim * 4, (r + 1) * t.dim * 4), r * stride);
    return { a: p.put(img), stride };
  });
  const ie = elemBytes(c.indices);
  const oe = elemBytes(c.offsets);
  const indices = p.put(c.indices);
  const offsets = p.put(c.offsets);
  const psw = bb.perSampleWeights;
  const scales = p.put(psw);
  const { colOff, stride: outStride } = columns(bb, beat);
  const outBytes = B * outStride;
  const out = p.put(guardBytes(outBytes));
  const descs = bb.tables.map((t, i) => {
    const start = bb.offsets[i * B]!;
    const n = bb.offsets[(i + 1) * B]! - start;
    return descriptor({
      OP: encode('OP', { IDX64: ie === 8 ? 1 : 0, OFF64: oe === 8 ? 1 : 0, INCLUDE_LAST: 1, MEAN: bb.mode === 'mean' ? 1 : 0, SCALES: psw ? 1 : 0 }),
      DIM: t.dim, NUM_BAGS: B, NUM_INDICES: n, ROW_STRIDE: tableAt[i]!.stride, OUT_STRIDE: outStride,
      ...addr('TABLE', tableAt[i]!.a), ...addr('INDICES', indices + start * ie), ...addr('OFFSETS', offsets + i * B * oe),
      ...addr('OUT', out + colOff[i]!), ...addr('SCALES', scales + start * 4),
    });
  });
  const scenario = finish(descs, p, shape, opts.name, opts.profile, [{ addr: out, len: Math.max(outBytes, 1) }], opts.maxCycles);
  const span = (n: number) => roundUp(n, beat);
  return {
    scenario,
    end: p.end(),
    // Each table's slice of a shared array is read from its first beat (a beat shared by two tables is read twice).
    streamBytes: {
      indices: bb.tables.reduce((a, _, i) => a + (bb.offsets[(i + 1) * B]! > bb.offsets[i * B]! ? span((indices + bb.offsets[(i + 1) * B]! * ie) - Math.floor((indices + bb.offsets[i * B]! * ie) / beat) * beat) : 0), 0),
      offsets: B ? bb.tables.reduce((a, _, i) => a + span((offsets + ((i + 1) * B + 1) * oe) - Math.floor((offsets + i * B * oe) / beat) * beat), 0) : 0,
      scales: psw ? bb.tables.reduce((a, _, i) => a + (bb.offsets[(i + 1) * B]! > bb.offsets[i * B]! ? span((scales + bb.offsets[(i + 1) * B]! * 4) - Math.floor((scales + bb.offsets[i * B]! * 4) / beat) * beat) : 0), 0) : 0,
      descriptors: T * DESC_BYTES,
    },
    decode: (r) => {
      const d = r.dumps[0]!;
      const res = new Float32Array(B * bb.totalDim);
      const bytes = new Uint8Array(res.buffer);
      for (let b = 0; b < B; b++) {
        bb.tables.forEach((t, i) => bytes.set(d.subarray(b * outStride + colOff[i]!, b * outStride + colOff[i]! + t.dim * 4), (b * bb.totalDim + bb.dimOff[i]!) * 4));
      }
      return [res];
    },
    guardBroken: (r) => {
      const d = r.dumps[0]!;
      const g = guardBytes(outBytes);
      for (let i = 0; i < outBytes; i++) {
        const col = i % outStride;
        const t = colOff.findLastIndex((o) => o <= col);
        if (col - colOff[t]! >= bb.tables[t]!.dim * 4 && d[i] !== g[i]) return i;
      }
      return -1;
    },
  };
}

/** The batched casted backward from one casted index: grad_values per table. */
export function batchedBackwardScenario(c: { bags: BatchedBags; casted: BatchedCastedIndex; gradOutput: Float32Array }, shape: EngineShape, opts: BatchedOptions = {}): BatchedScenario {
  const { bags: bb, casted } = c;
  checkShape(bb, shape);
  const beat = shape.dataBits / 8;
  const B = bb.batchSize;
  const T = bb.tables.length;
  const p = placer(opts.base ?? 0x10000, beat, opts.skew);
  const { colOff, stride: gs } = columns(bb, beat);
  const gImg = new Uint8Array(B * gs);
  const gb = bytesOf(c.gradOutput);
  for (let b = 0; b < B; b++) bb.tables.forEach((t, i) => gImg.set(gb.subarray((b * bb.totalDim + bb.dimOff[i]!) * 4, (b * bb.totalDim + bb.dimOff[i]! + t.dim) * 4), b * gs + colOff[i]!));
  const g = p.put(gImg);
  const bagIds = p.put(casted.bagIds);
  const segs = p.put(casted.segOffsets);
  const scale = casted.scale;
  const scales = p.put(scale);
  const seg = casted.tableSeg;
  const outs = bb.tables.map((t, i) => {
    const u = seg[i + 1]! - seg[i]!;
    const stride = roundUp(t.dim * 4, beat);
    return { a: p.put(guardBytes(u * stride)), stride, u };
  });
  const descs = bb.tables.map((t, i) => {
    const k0 = casted.segOffsets[seg[i]!]!;
    const k1 = casted.segOffsets[seg[i + 1]!]!;
    return descriptor({
      OP: encode('OP', { INCLUDE_LAST: 1, SCALES: scale ? 1 : 0 }),
      DIM: t.dim, NUM_BAGS: outs[i]!.u, NUM_INDICES: k1 - k0, ROW_STRIDE: gs, OUT_STRIDE: outs[i]!.stride,
      ...addr('TABLE', BigInt(g + colOff[i]!) - BigInt(i * B) * BigInt(gs)), ...addr('INDICES', bagIds + k0 * 4),
      ...addr('OFFSETS', segs + seg[i]! * 4), ...addr('OUT', outs[i]!.a), ...addr('SCALES', scales + k0 * 4),
    });
  });
  const scenario = finish(descs, p, shape, opts.name, opts.profile, outs.map((o) => ({ addr: o.a, len: Math.max(o.u * o.stride, 1) })), opts.maxCycles);
  const span = (a0: number, a1: number) => (a1 > a0 ? roundUp(a1 - Math.floor(a0 / beat) * beat, beat) : 0);
  return {
    scenario,
    end: p.end(),
    streamBytes: {
      indices: bb.tables.reduce((a, _, i) => a + span(bagIds + casted.segOffsets[seg[i]!]! * 4, bagIds + casted.segOffsets[seg[i + 1]!]! * 4), 0),
      offsets: bb.tables.reduce((a, _, i) => a + (seg[i + 1]! > seg[i]! ? span(segs + seg[i]! * 4, segs + (seg[i + 1]! + 1) * 4) : 0), 0),
      scales: scale ? bb.tables.reduce((a, _, i) => a + span(scales + casted.segOffsets[seg[i]!]! * 4, scales + casted.segOffsets[seg[i + 1]!]! * 4), 0) : 0,
      descriptors: T * DESC_BYTES,
    },
    decode: (r) => outs.map((o, i) => {
      const dim = bb.tables[i]!.dim;
      const res = new Float32Array(o.u * dim);
      const bytes = new Uint8Array(res.buffer);
      for (let u = 0; u < o.u; u++) bytes.set(r.dumps[i]!.subarray(u * o.stride, u * o.stride + dim * 4), u * dim * 4);
      return res;
    }),
    guardBroken: (r) => {
      for (const [i, o] of outs.entries()) {
        const gd = guardBytes(o.u * o.stride);
        for (let k = 0; k < o.u * o.stride; k++) if (k % o.stride >= bb.tables[i]!.dim * 4 && r.dumps[i]![k] !== gd[k]) return k;
      }
      return -1;
    },
  };
}

/** perf.json's figures of a batched operation. */
export function batchedPerf(op: OpPerf['op'], s: BatchedScenario, k: EngineCounters, shape: EngineShape, resultBytes: number, wallSeconds: number): OpPerf {
  const beat = shape.dataBits / 8;
  const bytesRead = k.rBeats * beat;
  const { indices, offsets, scales, descriptors } = s.streamBytes;
  return {
    op, cycles: k.cycles, rBeats: k.rBeats, wBeats: k.wBeats, bytesRead, bytesWritten: k.wBeats * beat,
    streams: { rows: bytesRead - indices - offsets - scales - descriptors, indices, offsets, scales, descriptors },
    resultBytes,
    rUtilisation: k.cycles ? k.rBeats / (k.cycles * (shape.channels ?? 1)) : 0,
    stalls: { indexStarved: k.stallIndex, inFlightCap: k.stallInflight, reducerDependency: k.stallDependency, writeBackPressure: k.stallWrite },
    simCyclesPerSecond: wallSeconds > 0 ? k.cycles / wallSeconds : 0,
  };
}
