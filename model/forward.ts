/**
 * Gather-reduce: the forward of PyTorch's nn.EmbeddingBag (1-D indices with
 * offsets), in binary32 (see ./fp32.ts and docs/MODEL.md).
 *
 * For bag b (positions bagStart[b]..bagStart[b+1]-1 of indices), element d:
 *
 * - sum:  acc = +0; for each lookup p of the bag in ascending position, skipping
 *         padding lookups: acc = fround(acc + x) where x = W[idx[p], d], or with
 *         per_sample_weights x = fround(W[idx[p], d] * psw[p]).
 *         out[b, d] = acc.
 * - mean: acc as for sum (no per_sample_weights); n = number of non-padding
 *         lookups of the bag; out[b, d] = n > 0 ? fround(acc / n) : +0.
 *         (n is converted to binary32 first; it is exact up to 2^24.) This is
 *         PyTorch's `output /= max(bag_size, 1)`.
 * - max:  the first non-padding lookup's value is taken as is; each later
 *         non-padding lookup replaces it only when `W[idx[p], d] > current`
 *         (IEEE comparison, false with a NaN on either side). So ties keep the
 *         earliest lookup, a NaN in the first lookup stays, a NaN later never
 *         replaces a number, and -0 vs +0 keeps the first. This is PyTorch's
 *         embedding_bag_cpu_max_out. The argmax (position of the lookup that
 *         supplied out[b, d]) is recorded for the backward.
 *
 * Empty bags (no lookups, or only padding lookups) give +0 in every mode.
 */
import { checkWeight, prepareBags, type Bags, type BagsInput, type Mode } from './bags';

export interface ForwardResult {
  /** Pooled output [B, dim], row-major. */
  output: Float32Array;
  numBags: number;
  dim: number;
  /** Non-padding lookups per bag [B] (the mean divisor before max(·,1)). */
  bagSize: Int32Array;
  /**
   * max mode only: for each (b, d), the lookup position whose row supplied
   * out[b, d], or -1 for an empty bag. [B, dim]. null in sum and mean modes.
   * (PyTorch's max_indices holds the row, which is indices[argmaxPos].)
   */
  argmaxPos: Int32Array | null;
}

export interface GatherReduceInput extends BagsInput {
  /** The embedding table, [rows, dim] row-major. */
  weight: Float32Array;
  rows: number;
  dim: number;
  mode: Mode;
}

/** The EmbeddingBag forward over one table. Validates its input. */
export function gatherReduce(input: GatherReduceInput): ForwardResult {
  checkWeight(input.weight, input.rows, input.dim);
  const bags = prepareBags(input, input.rows, input.mode);
  return gatherReducePrepared(input.weight, input.dim, bags, input.mode);
}

/** The forward on an already validated batch. */
export function gatherReducePrepared(weight: Float32Array, dim: number, bags: Bags, mode: Mode): ForwardResult {
  const B = bags.numBags;
  const out = new Float32Array(B * dim);
  if (mode === 'max') {
    const argmaxPos = maxForward(weight, dim, bags, out);
    return { output: out, numBags: B, dim, bagSize: bags.bagSize, argmaxPos };
  }
  sumForward(weight, dim, bags, out);
  if (mode === 'mean') {
    for (let b = 0; b < B; b++) {
      const n = bags.bagSize[b]!;
      if (n === 0) continue; // stays +0 (PyTorch divides +0 by max(0, 1) = 1)
      const nf = Math.fround(n);
      const o = b * dim;
      for (let d = 0; d < dim; d++) out[o + d] = out[o + d]! / nf; // Float32Array store rounds
    }
  }
  return { output: out, numBags: B, dim, bagSize: bags.bagSize, argmaxPos: null };
}

function sumForward(weight: Float32Array, dim: number, bags: Bags, out: Float32Array): void {
  const { indices, bagStart, paddingIdx, numBags } = bags;
  const psw = bags.perSampleWeights;
  for (let b = 0; b < numBags; b++) {
    const o = b * dim;
    const end = bagStart[b + 1]!;
    for (let p = bagStart[b]!; p < end; p++) {
      const row = indices[p]!;
      if (row === paddingIdx) continue;
      const w = row * dim;
      if (psw === null) {
        for (let d = 0; d < dim; d++) out[o + d] += weight[w + d]!;
      } else {
        const s = psw[p]!;
        for (let d = 0; d < dim; d++) out[o + d] += Math.fround(weight[w + d]! * s);
      }
    }
  }
}

function maxForward(weight: Float32Array, dim: number, bags: Bags, out: Float32Array): Int32Array {
  const { indices, bagStart, paddingIdx, numBags } = bags;
  const argmax = new Int32Array(numBags * dim).fill(-1);
  for (let b = 0; b < numBags; b++) {
    const o = b * dim;
    let first = true;
    const end = bagStart[b + 1]!;
    for (let p = bagStart[b]!; p < end; p++) {
      const row = indices[p]!;
      if (row === paddingIdx) continue;
      const w = row * dim;
      if (first) {
        for (let d = 0; d < dim; d++) {
          out[o + d] = weight[w + d]!;
          argmax[o + d] = p;
        }
        first = false;
      } else {
        for (let d = 0; d < dim; d++) {
          const v = weight[w + d]!;
          if (v > out[o + d]!) {
            out[o + d] = v;
            argmax[o + d] = p;
          }
        }
      }
    }
  }
  return argmax;
}
