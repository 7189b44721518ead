/**
 * Batched case directories (docs/MODEL.md 6): T tables in FBGEMM's TBE /
 * TorchRec KJT layout (./batched.ts), one batch of B samples.
 *
 *   case.json               {"mode": "sum"|"mean", "tables": T, "padding_idx": null,
 *                            "optimizer": null} (include_last_offset is always true)
 *   weight_<t>.npy          float32 [rows_t, dim_t], t = 0 .. T-1
 *   indices.npy             int32|int64 [N], table-major, each a row of its own table
 *   offsets.npy             int32|int64 [T·B+1]
 *   per_sample_weights.npy  optional float32 [N] (sum)
 *   grad_output.npy         optional float32 [B, ΣD]
 *
 * Running one writes output.npy (float32 [B, ΣD], table t at columns
 * Doff[t] .. Doff[t]+dim_t-1) and, with a grad_output, grad_rows_<t>.npy
 * (int64 [U_t], the table's own rows, strictly ascending) and
 * grad_values_<t>.npy (float32 [U_t, dim_t]) per table, from the one casted
 * index of all tables (cross-checked against the per-table expand-coalesce).
 */
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IndexArray } from './bags';
import type { CoalescedGrad } from './backward';
import {
  backwardExpandCoalesceBatched, castBatchedPrepared, castedGatherReduceBatched, gatherReduceBatchedPrepared, prepareBatched,
  type BatchedBags, type BatchedMode, type TableSpec,
} from './batched';
import { checkCaseFiles, expectNpy, readCaseConfig, readNpyFile, type CaseConfig, type CaseResult, type RunOptions } from './casedir';
import { ModelError } from './errors';
import { firstBitDifference } from './fp32';
import { encodeNpy } from './npy';

export interface BatchedCase {
  config: CaseConfig & { tables: number };
  tables: TableSpec[];
  batchSize: number;
  weights: Float32Array[];
  indices: IndexArray;
  offsets: IndexArray;
  perSampleWeights: Float32Array | null;
  gradOutput: Float32Array | null;
}

export interface BatchedCaseResult {
  bags: BatchedBags;
  /** [B, ΣD] */
  output: Float32Array;
  /** Per table, local rows. */
  grads: CoalescedGrad[] | null;
  files: CaseResult['files'];
}

/** Whether the case directory's case.json describes a batched case (has "tables"). */
export function isBatchedCaseDir(dir: string): boolean {
  return readCaseConfig(dir).tables !== undefined;
}

/** Loads and checks a batched case directory (shapes and dtypes; values are checked when run). */
export function loadBatchedCase(dir: string): BatchedCase {
  const config = readCaseConfig(dir);
  const T = config.tables;
  if (T === undefined) throw new ModelError(`${join(dir, 'case.json')}: not a batched case (no "tables"); load it with loadCase`, { array: 'case.json' });
  const others = ['indices.npy', 'offsets.npy', 'per_sample_weights.npy', 'grad_output.npy'];
  checkCaseFiles(dir, (f) => others.includes(f) || (/^weight_(0|[1-9]\d*)\.npy$/.test(f) && Number(f.slice(7, -4)) < T),
    `weight_0.npy .. weight_${T - 1}.npy ("tables": ${T}), ${others.join(', ')}`);
  const p = (n: string) => join(dir, n);
  const weights: Float32Array[] = [];
  const tables: TableSpec[] = [];
  for (let t = 0; t < T; t++) {
    const name = `weight_${t}.npy`;
    if (!existsSync(p(name))) throw new ModelError(`${p(name)}: missing; a batched case with "tables": ${T} needs weight_0.npy .. weight_${T - 1}.npy`, { array: name });
    const w = readNpyFile(dir, name, true)!;
    expectNpy(w, p(name), ['float32'], 2);
    const [rows, dim] = w.shape as [number, number];
    if (dim < 1) throw new ModelError(`${p(name)}: shape [${rows}, ${dim}] has embedding dimension 0`, { array: name });
    weights.push(w.data as Float32Array);
    tables.push({ rows, dim });
  }
  const indices = readNpyFile(dir, 'indices.npy', true)!;
  expectNpy(indices, p('indices.npy'), ['int64', 'int32'], 1);
  const offsets = readNpyFile(dir, 'offsets.npy', true)!;
  expectNpy(offsets, p('offsets.npy'), ['int64', 'int32'], 1);
  const len = offsets.shape[0]!;
  if (len < 1 || (len - 1) % T !== 0) {
    throw new ModelError(`${p('offsets.npy')}: length ${len} is not T·B+1 for T = ${T} tables (table-major offsets, the last one = N)`, { array: 'offsets.npy', value: len });
  }
  const B = (len - 1) / T;
  const n = indices.shape[0]!;
  const psw = readNpyFile(dir, 'per_sample_weights.npy', false);
  if (psw) expectNpy(psw, p('per_sample_weights.npy'), ['float32'], 1, [n]);
  const totalDim = tables.reduce((a, t) => a + t.dim, 0);
  const grad = readNpyFile(dir, 'grad_output.npy', false);
  if (grad) expectNpy(grad, p('grad_output.npy'), ['float32'], 2, [B, totalDim]);
  return {
    config: { ...config, tables: T }, tables, batchSize: B, weights,
    indices: indices.data as IndexArray, offsets: offsets.data as IndexArray,
    perSampleWeights: psw ? (psw.data as Float32Array) : null,
    gradOutput: grad ? (grad.data as Float32Array) : null,
  };
}

/** Runs the golden model on a loaded batched case. */
export function runBatchedCase(c: BatchedCase, opts: RunOptions = {}): BatchedCaseResult {
  const bb = prepareBatched({
    tables: c.tables, batchSize: c.batchSize, indices: c.indices, offsets: c.offsets,
    perSampleWeights: c.perSampleWeights, mode: c.config.mode as BatchedMode,
  });
  c.weights.forEach((w, t) => {
    const need = c.tables[t]!.rows * c.tables[t]!.dim;
    if (w.length !== need) throw new ModelError(`weight_${t}.npy holds ${w.length} floats, [rows, dim] needs ${need}`, { array: `weight_${t}.npy` });
  });
  const output = gatherReduceBatchedPrepared(bb, c.weights);
  const files: CaseResult['files'] = { 'output.npy': { data: output, shape: [c.batchSize, bb.totalDim] } };
  let grads: CoalescedGrad[] | null = null;
  if (c.gradOutput) {
    grads = castedGatherReduceBatched(bb, castBatchedPrepared(bb), c.gradOutput);
    if (opts.crossCheck ?? true) {
      const ec = backwardExpandCoalesceBatched({
        tables: c.tables, batchSize: c.batchSize, indices: c.indices, offsets: c.offsets, perSampleWeights: c.perSampleWeights, mode: bb.mode,
      }, c.gradOutput);
      ec.forEach((e, t) => {
        const g = grads![t]!;
        if (e.rows.length !== g.rows.length || e.rows.some((r, i) => r !== g.rows[i]) || firstBitDifference(e.values, g.values) !== -1) {
          throw new Error(`internal: batched casted and expand-coalesce backward differ in table ${t}; please report`);
        }
      });
    }
    grads.forEach((g, t) => {
      files[`grad_rows_${t}.npy`] = { data: BigInt64Array.from(g.rows, (r) => BigInt(r)), shape: [g.rows.length] };
      files[`grad_values_${t}.npy`] = { data: g.values, shape: [g.rows.length, g.dim] };
    });
  }
  return { bags: bb, output, grads, files };
}

/** Writes a batched case directory (case.json and the .npy inputs); for tests and tools. */
export function writeBatchedCaseDir(dir: string, c: Omit<BatchedCase, 'config' | 'batchSize'> & { mode: BatchedMode }): void {
  mkdirSync(dir, { recursive: true });
  const T = c.tables.length;
  writeFileSync(join(dir, 'case.json'), JSON.stringify({ mode: c.mode, tables: T, include_last_offset: true, padding_idx: null, optimizer: null }, null, 2) + '\n');
  c.weights.forEach((w, t) => writeFileSync(join(dir, `weight_${t}.npy`), encodeNpy(w, [c.tables[t]!.rows, c.tables[t]!.dim])));
  writeFileSync(join(dir, 'indices.npy'), encodeNpy(c.indices, [c.indices.length]));
  writeFileSync(join(dir, 'offsets.npy'), encodeNpy(c.offsets, [c.offsets.length]));
  if (c.perSampleWeights) writeFileSync(join(dir, 'per_sample_weights.npy'), encodeNpy(c.perSampleWeights, [c.perSampleWeights.length]));
  const B = (c.offsets.length - 1) / T;
  if (c.gradOutput) writeFileSync(join(dir, 'grad_output.npy'), encodeNpy(c.gradOutput, [B, c.tables.reduce((a, t) => a + t.dim, 0)]));
}
