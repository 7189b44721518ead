/**
 * Batched tables in FBGEMM's table-batched-embedding (TBE) / TorchRec
 * KeyedJaggedTensor layout: T tables (rows_t, dim_t), one batch of B samples.
 *
 *   indices [N]      all lookups, table-major: table 0's bags, then table 1's, ...
 *                    each index is a row of its own table (0..rows_t-1)
 *   offsets [T·B+1]  bag (t, b) is positions offsets[t·B+b] .. offsets[t·B+b+1]-1;
 *                    offsets[0] = 0, never decreasing, offsets[T·B] = N
 *   output  [B, ΣD]  bag (t, b)'s pooled row at columns Doff[t] .. Doff[t]+dim_t-1,
 *                    Doff = exclusive prefix sum of the dims (FBGEMM's D_offsets)
 *
 * Pooling modes sum and mean (FBGEMM's TBE pools SUM or MEAN; it has no max and
 * no padding_idx), per-sample weights with sum. The arithmetic per table is the
 * single-table spec (./forward.ts, ./backward.ts) exactly, so the batched form
 * equals the per-table results bit for bit.
 *
 * The batched casted index sorts all lookups of all tables at once by their
 * linearised row rowOff[t] + row (rowOff = exclusive prefix sum of rows_t), with
 * gather index t·B + b: one index stream for all tables, as the hardware reads it.
 */
import { checkIndices, checkOffsets, type Bags, type IndexArray } from './bags';
import { castedGatherReduce, expandCoalescePrepared, type CoalescedGrad } from './backward';
import { lookupScales, radixSortPairs, segmentsOf, type CastedIndex } from './casting';
import { ModelError, rowRange } from './errors';
import { gatherReducePrepared } from './forward';

export interface TableSpec {
  rows: number;
  dim: number;
}

export type BatchedMode = 'sum' | 'mean';

export interface BatchedInput {
  tables: TableSpec[];
  batchSize: number;
  indices: IndexArray;
  offsets: IndexArray;
  perSampleWeights?: Float32Array | null;
  mode: BatchedMode;
}

/** A validated batched batch. */
export interface BatchedBags {
  tables: TableSpec[];
  batchSize: number;
  mode: BatchedMode;
  /** Linearised rows: rowOff[t] + index, [N]. */
  indices: Int32Array;
  /** [T·B+1] */
  offsets: Int32Array;
  perSampleWeights: Float32Array | null;
  /** Per table: its own Bags view (local indices, local bag boundaries). */
  perTable: Bags[];
  /** Exclusive prefix sums: rowOff [T+1], dimOff [T+1]. */
  rowOff: number[];
  dimOff: number[];
  totalDim: number;
}

export function prepareBatched(input: BatchedInput): BatchedBags {
  const { tables, batchSize: B, mode } = input;
  if (mode !== 'sum' && mode !== 'mean') {
    throw new ModelError(`batched tables support mode sum or mean (as FBGEMM's TBE), not ${JSON.stringify(mode)}`, {
      array: 'mode', value: mode,
    });
  }
  if (!Number.isInteger(B) || B < 0) throw new ModelError(`batch size ${B} is not a non-negative integer`, { array: 'batchSize', value: B });
  const T = tables.length;
  const rowOff = [0];
  const dimOff = [0];
  tables.forEach((t, i) => {
    if (!Number.isInteger(t.rows) || t.rows < 0) throw new ModelError(`tables[${i}].rows = ${t.rows} is not a non-negative integer`, { array: 'tables', position: i, value: t.rows });
    if (!Number.isInteger(t.dim) || t.dim < 1) throw new ModelError(`tables[${i}].dim = ${t.dim} must be a positive integer`, { array: 'tables', position: i, value: t.dim });
    rowOff.push(rowOff[i]! + t.rows);
    dimOff.push(dimOff[i]! + t.dim);
  });
  if (rowOff[T]! > 2 ** 31 - 1) throw new ModelError(`the tables hold ${rowOff[T]} rows in all; at most 2^31-1 are supported`, { array: 'tables' });
  if (input.offsets.length !== T * B + 1) {
    throw new ModelError(`offsets has length ${input.offsets.length} but T·B+1 = ${T}·${B}+1 = ${T * B + 1} is needed (table-major)`, {
      array: 'offsets', value: input.offsets.length,
    });
  }
  const n = input.indices.length;
  const offsets = checkOffsets(input.offsets, n, true);
  const psw = input.perSampleWeights ?? null;
  if (psw !== null) {
    if (mode !== 'sum') throw new ModelError(`per_sample_weights are only supported with mode 'sum', not '${mode}'`, { array: 'per_sample_weights' });
    if (psw.length !== n) throw new ModelError(`per_sample_weights has length ${psw.length} but indices has length ${n}`, { array: 'per_sample_weights', value: psw.length });
  }
  const linear = new Int32Array(n);
  const perTable: Bags[] = [];
  for (let t = 0; t < T; t++) {
    const start = offsets[t * B]!;
    const end = offsets[(t + 1) * B]!;
    let local: Int32Array;
    try {
      local = checkIndices(input.indices.subarray(start, end) as IndexArray, tables[t]!.rows);
    } catch (e) {
      if (e instanceof ModelError && e.position !== undefined) {
        const p = start + e.position;
        throw new ModelError(
          `indices[${p}] = ${e.value} is out of range for table ${t}, which has ${tables[t]!.rows} rows (valid ${rowRange(tables[t]!.rows)})`,
          { array: 'indices', position: p, value: e.value },
        );
      }
      throw e;
    }
    for (let i = 0; i < local.length; i++) linear[start + i] = local[i]! + rowOff[t]!;
    const bagStart = new Int32Array(B + 1);
    for (let b = 0; b <= B; b++) bagStart[b] = offsets[t * B + b]! - start;
    const bagSize = new Int32Array(B);
    for (let b = 0; b < B; b++) bagSize[b] = bagStart[b + 1]! - bagStart[b]!;
    perTable.push({
      rows: tables[t]!.rows,
      indices: local,
      bagStart,
      numBags: B,
      paddingIdx: -1,
      perSampleWeights: psw ? psw.subarray(start, end) : null,
      bagSize,
    });
  }
  return { tables, batchSize: B, mode, indices: linear, offsets, perSampleWeights: psw, perTable, rowOff, dimOff, totalDim: dimOff[T]! };
}

function checkWeights(bb: BatchedBags, weights: Float32Array[]): void {
  if (weights.length !== bb.tables.length) {
    throw new ModelError(`${weights.length} weight arrays given for ${bb.tables.length} tables`, { array: 'weights', value: weights.length });
  }
  weights.forEach((w, t) => {
    const need = bb.tables[t]!.rows * bb.tables[t]!.dim;
    if (w.length !== need) {
      throw new ModelError(`weights[${t}] holds ${w.length} floats but [rows, dim] = [${bb.tables[t]!.rows}, ${bb.tables[t]!.dim}] needs ${need}`, {
        array: 'weights', position: t, value: w.length,
      });
    }
  });
}

/** The batched forward: output [B, ΣD]. */
export function gatherReduceBatched(input: BatchedInput, weights: Float32Array[]): Float32Array {
  const bb = prepareBatched(input);
  checkWeights(bb, weights);
  return gatherReduceBatchedPrepared(bb, weights);
}

export function gatherReduceBatchedPrepared(bb: BatchedBags, weights: Float32Array[]): Float32Array {
  const B = bb.batchSize;
  const out = new Float32Array(B * bb.totalDim);
  bb.perTable.forEach((bags, t) => {
    const D = bb.tables[t]!.dim;
    const r = gatherReducePrepared(weights[t]!, D, bags, bb.mode).output;
    const c = bb.dimOff[t]!;
    for (let b = 0; b < B; b++) out.set(r.subarray(b * D, (b + 1) * D), b * bb.totalDim + c);
  });
  return out;
}

/** The batched casted index: CastedIndex over linearised rows, gather index t·B+b. */
export interface BatchedCastedIndex extends CastedIndex {
  /** rowOff [T+1]: table t owns linear rows rowOff[t]..rowOff[t+1]-1. */
  rowOff: number[];
  /** [T+1]: table t's unique rows are uniqueRows[tableSeg[t]..tableSeg[t+1]-1]. */
  tableSeg: Int32Array;
}

export function castIndicesBatched(input: BatchedInput): BatchedCastedIndex {
  return castBatchedPrepared(prepareBatched(input));
}

export function castBatchedPrepared(bb: BatchedBags): BatchedCastedIndex {
  const n = bb.indices.length;
  const T = bb.tables.length;
  const pos = new Int32Array(n);
  for (let p = 0; p < n; p++) pos[p] = p;
  const sorted = radixSortPairs(bb.indices, pos, Math.max(0, bb.rowOff[T]! - 1));
  const { unique, segOffsets } = segmentsOf(sorted.keys);
  const positions = sorted.payload;
  // Global bag id t·B+b of every position.
  const o2b = new Int32Array(n);
  const TB = T * bb.batchSize;
  for (let g = 0; g < TB; g++) o2b.fill(g, bb.offsets[g]!, bb.offsets[g + 1]!);
  const bagIds = new Int32Array(n);
  for (let i = 0; i < n; i++) bagIds[i] = o2b[positions[i]!]!;
  const globalBagSize = new Int32Array(TB);
  for (let g = 0; g < TB; g++) globalBagSize[g] = bb.offsets[g + 1]! - bb.offsets[g]!;
  const pseudo: Bags = {
    rows: bb.rowOff[T]!, indices: bb.indices, bagStart: bb.offsets, numBags: TB, paddingIdx: -1,
    perSampleWeights: bb.perSampleWeights, bagSize: globalBagSize,
  };
  const tableSeg = new Int32Array(T + 1);
  let u = 0;
  for (let t = 0; t < T; t++) {
    tableSeg[t] = u;
    while (u < unique.length && unique[u]! < bb.rowOff[t + 1]!) u++;
  }
  tableSeg[T] = unique.length;
  return {
    numLookups: n, uniqueRows: unique, segOffsets, bagIds, positions,
    scale: lookupScales(pseudo, bb.mode, positions, bagIds),
    numBags: TB, mode: bb.mode, rowOff: bb.rowOff, tableSeg,
  };
}

function checkGradBatched(bb: BatchedBags, g: Float32Array): void {
  if (g.length !== bb.batchSize * bb.totalDim) {
    throw new ModelError(`grad_output holds ${g.length} floats but [B, ΣD] = [${bb.batchSize}, ${bb.totalDim}] needs ${bb.batchSize * bb.totalDim}`, {
      array: 'grad_output', value: g.length,
    });
  }
}

/**
 * The casted backward over all tables from one casted index: one coalesced
 * gradient per table (local row ids). Same order of operations as
 * castedGatherReduce, table by table.
 */
export function castedGatherReduceBatched(
  bb: BatchedBags, casted: BatchedCastedIndex, gradOutput: Float32Array,
): CoalescedGrad[] {
  checkGradBatched(bb, gradOutput);
  const B = bb.batchSize;
  const TD = bb.totalDim;
  const { uniqueRows, segOffsets, bagIds, scale, tableSeg } = casted;
  const g = gradOutput;
  return bb.tables.map((tab, t) => {
    const D = tab.dim;
    const c = bb.dimOff[t]!;
    const u0 = tableSeg[t]!;
    const U = tableSeg[t + 1]! - u0;
    const rows = new Int32Array(U);
    const values = new Float32Array(U * D);
    const base = bb.rowOff[t]!;
    for (let i = 0; i < U; i++) {
      const u = u0 + i;
      rows[i] = uniqueRows[u]! - base;
      const o = i * D;
      const end = segOffsets[u + 1]!;
      for (let k = segOffsets[u]!; k < end; k++) {
        const gb = (bagIds[k]! - t * B) * TD + c;
        if (scale === null) {
          for (let d = 0; d < D; d++) values[o + d] += g[gb + d]!;
        } else {
          const s = scale[k]!;
          for (let d = 0; d < D; d++) values[o + d] += Math.fround(g[gb + d]! * s);
        }
      }
    }
    return { rows, values, dim: D };
  });
}

/** The batched casted backward (validates; builds the casted index). */
export function backwardCastedBatched(input: BatchedInput, gradOutput: Float32Array): CoalescedGrad[] {
  const bb = prepareBatched(input);
  checkGradBatched(bb, gradOutput);
  return castedGatherReduceBatched(bb, castBatchedPrepared(bb), gradOutput);
}

/** Table t's slice of a [B, ΣD] gradient as a contiguous [B, dim_t] array. */
export function tableGradSlice(bb: BatchedBags, gradOutput: Float32Array, t: number): Float32Array {
  const D = bb.tables[t]!.dim;
  const c = bb.dimOff[t]!;
  const out = new Float32Array(bb.batchSize * D);
  for (let b = 0; b < bb.batchSize; b++) out.set(gradOutput.subarray(b * bb.totalDim + c, b * bb.totalDim + c + D), b * D);
  return out;
}

/** The batched expand-coalesce backward: table by table, as separate EmbeddingBags. */
export function backwardExpandCoalesceBatched(input: BatchedInput, gradOutput: Float32Array): CoalescedGrad[] {
  const bb = prepareBatched(input);
  checkGradBatched(bb, gradOutput);
  return bb.perTable.map((bags, t) =>
    expandCoalescePrepared(bags, bb.mode, tableGradSlice(bb, gradOutput, t), bb.tables[t]!.dim));
}

/** Per-table casted backward from a single-table casted index (for comparison). */
export function castedPerTable(bb: BatchedBags, casted: CastedIndex[], gradOutput: Float32Array): CoalescedGrad[] {
  return casted.map((ci, t) => castedGatherReduce(ci, tableGradSlice(bb, gradOutput, t), bb.tables[t]!.dim));
}
