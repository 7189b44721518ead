/**
 * The EmbeddingBag backward (gradient of the weight), two ways, with the same
 * result bit for bit:
 *
 * (a) expand-coalesce, as PyTorch does it: expand grad_output to one gradient
 *     row per non-padding lookup (the N×dim "expanded" tensor), then coalesce:
 *     sort the lookups by row (stable) and sum each row's segment.
 * (b) tensor casting: the casted index (./casting.ts) turns the backward into
 *     the forward's gather-reduce over grad_output; nothing N×dim is built.
 *
 * Both return the coalesced gradient: the unique non-padding rows ascending,
 * one value row each.
 *
 * fp32 order (docs/MODEL.md): for each unique row r and element d,
 *   acc = +0; for each lookup p of row r in ascending lookup position:
 *     acc = fround(acc + c(p, d))
 * with the contribution c(p, d), b = bag of p, g = grad_output:
 *   sum:                     g[b, d]
 *   sum, per_sample_weights: fround(g[b, d] * psw[p])
 *   mean:                    fround(g[b, d] * fround(1 / fround(n_b)))
 *   max:                     g[b, d] if p is the argmax of (b, d) in the forward,
 *                            else no contribution (PyTorch's max backward sends
 *                            each element's gradient to its argmax row only).
 * Rows whose lookups are all non-argmax (max mode) still appear, with +0.
 */
import { checkWeight, prepareBags, type Bags, type BagsInput, type Mode } from './bags';
import { castPrepared, meanScales, radixSortPairs, segmentsOf, type CastedIndex } from './casting';
import { ModelError } from './errors';
import { gatherReducePrepared } from './forward';

/** A coalesced (row-sparse) gradient: rows strictly ascending, values [U, dim]. */
export interface CoalescedGrad {
  rows: Int32Array;
  values: Float32Array;
  dim: number;
}

export interface BackwardInput extends BagsInput {
  rows: number;
  dim: number;
  mode: Mode;
  /** The gradient of the pooled output, [B, dim]. */
  gradOutput: Float32Array;
  /** max mode: the forward's argmaxPos [B, dim]; computed from `weight` when absent. */
  argmaxPos?: Int32Array | null;
  /** max mode without argmaxPos: the weight, to run the forward. */
  weight?: Float32Array;
}

function checkGradOutput(g: Float32Array, numBags: number, dim: number): void {
  if (g.length !== numBags * dim) {
    throw new ModelError(
      `grad_output holds ${g.length} floats but [B, dim] = [${numBags}, ${dim}] needs ${numBags * dim}`,
      { array: 'grad_output', value: g.length },
    );
  }
}

function checkArgmax(a: Int32Array | null | undefined, numBags: number, dim: number): Int32Array {
  if (!a) throw new ModelError('max-mode backward needs the forward argmax (argmaxPos) or the weight', { array: 'argmaxPos' });
  if (a.length !== numBags * dim) {
    throw new ModelError(`argmaxPos has length ${a.length} but [B, dim] = [${numBags}, ${dim}] needs ${numBags * dim}`, {
      array: 'argmaxPos', value: a.length,
    });
  }
  return a;
}

function prepareBackward(input: BackwardInput): { bags: Bags; argmax: Int32Array | null } {
  if (!Number.isInteger(input.dim) || input.dim < 1) {
    throw new ModelError(`dim = ${input.dim} must be a positive integer`, { array: 'dim', value: input.dim });
  }
  if (input.weight) checkWeight(input.weight, input.rows, input.dim);
  const bags = prepareBags(input, input.rows, input.mode);
  checkGradOutput(input.gradOutput, bags.numBags, input.dim);
  let argmax: Int32Array | null = null;
  if (input.mode === 'max') {
    if (input.argmaxPos) {
      argmax = checkArgmax(input.argmaxPos, bags.numBags, input.dim);
    } else if (input.weight) {
      argmax = gatherReducePrepared(input.weight, input.dim, bags, 'max').argmaxPos;
    } else {
      checkArgmax(null, bags.numBags, input.dim);
    }
  }
  return { bags, argmax };
}

/**
 * The casted gather-reduce: for each unique row, gather the grad_output rows of
 * its segment's bags and reduce them (see the module comment for the order).
 * This is the operation the hardware performs, reading the casted index.
 */
export function castedGatherReduce(
  casted: CastedIndex, gradOutput: Float32Array, dim: number, argmaxPos: Int32Array | null = null,
): CoalescedGrad {
  checkGradOutput(gradOutput, casted.numBags, dim);
  const { uniqueRows, segOffsets, bagIds, scale, positions } = casted;
  const U = uniqueRows.length;
  const values = new Float32Array(U * dim);
  const g = gradOutput;
  if (casted.mode === 'max') {
    const am = checkArgmax(argmaxPos, casted.numBags, dim);
    for (let u = 0; u < U; u++) {
      const o = u * dim;
      const end = segOffsets[u + 1]!;
      for (let k = segOffsets[u]!; k < end; k++) {
        const gb = bagIds[k]! * dim;
        const p = positions[k]!;
        for (let d = 0; d < dim; d++) if (am[gb + d] === p) values[o + d] += g[gb + d]!;
      }
    }
  } else if (scale === null) {
    for (let u = 0; u < U; u++) {
      const o = u * dim;
      const end = segOffsets[u + 1]!;
      for (let k = segOffsets[u]!; k < end; k++) {
        const gb = bagIds[k]! * dim;
        for (let d = 0; d < dim; d++) values[o + d] += g[gb + d]!;
      }
    }
  } else {
    for (let u = 0; u < U; u++) {
      const o = u * dim;
      const end = segOffsets[u + 1]!;
      for (let k = segOffsets[u]!; k < end; k++) {
        const gb = bagIds[k]! * dim;
        const s = scale[k]!;
        for (let d = 0; d < dim; d++) values[o + d] += Math.fround(g[gb + d]! * s);
      }
    }
  }
  return { rows: Int32Array.from(uniqueRows), values, dim };
}

/** The casted backward of a batch: builds the casted index, then gather-reduces. Validates. */
export function backwardCasted(input: BackwardInput): CoalescedGrad {
  const { bags, argmax } = prepareBackward(input);
  return castedGatherReduce(castPrepared(bags, input.mode), input.gradOutput, input.dim, argmax);
}

/** The expand-coalesce backward on a validated batch. */
export function expandCoalescePrepared(
  bags: Bags, mode: Mode, gradOutput: Float32Array, dim: number, argmaxPos: Int32Array | null = null,
): CoalescedGrad {
  checkGradOutput(gradOutput, bags.numBags, dim);
  const { indices, bagStart, paddingIdx, numBags } = bags;
  const n = indices.length;
  let m = 0;
  for (let p = 0; p < n; p++) if (indices[p] !== paddingIdx) m++;
  // Expand: one gradient row per non-padding lookup, in lookup order.
  const expanded = new Float32Array(m * dim);
  const keys = new Uint32Array(m);
  const rowOf = new Int32Array(m);
  const g = gradOutput;
  const psw = mode === 'sum' ? bags.perSampleWeights : null;
  const inv = mode === 'mean' ? meanScales(bags.bagSize) : null;
  const am = mode === 'max' ? checkArgmax(argmaxPos, numBags, dim) : null;
  let j = 0;
  for (let b = 0; b < numBags; b++) {
    const gb = b * dim;
    const end = bagStart[b + 1]!;
    for (let p = bagStart[b]!; p < end; p++) {
      const r = indices[p]!;
      if (r === paddingIdx) continue;
      const e = j * dim;
      if (am !== null) {
        for (let d = 0; d < dim; d++) expanded[e + d] = am[gb + d] === p ? g[gb + d]! : 0;
      } else if (psw !== null) {
        const s = psw[p]!;
        for (let d = 0; d < dim; d++) expanded[e + d] = g[gb + d]! * s;
      } else if (inv !== null) {
        const s = inv[b]!;
        for (let d = 0; d < dim; d++) expanded[e + d] = g[gb + d]! * s;
      } else {
        expanded.set(g.subarray(gb, gb + dim), e);
      }
      keys[j] = r;
      rowOf[j] = j;
      j++;
    }
  }
  // Coalesce: stable sort by row, then segment sums in the sorted order.
  const sorted = radixSortPairs(keys, rowOf, Math.max(0, bags.rows - 1));
  const { unique, segOffsets } = segmentsOf(sorted.keys);
  const perm = sorted.payload;
  const U = unique.length;
  const values = new Float32Array(U * dim);
  for (let u = 0; u < U; u++) {
    const o = u * dim;
    const end = segOffsets[u + 1]!;
    for (let k = segOffsets[u]!; k < end; k++) {
      const e = perm[k]! * dim;
      for (let d = 0; d < dim; d++) values[o + d] += expanded[e + d]!;
    }
  }
  return { rows: unique, values, dim };
}

/** The expand-coalesce backward of a batch (PyTorch's way). Validates. */
export function backwardExpandCoalesce(input: BackwardInput): CoalescedGrad {
  const { bags, argmax } = prepareBackward(input);
  return expandCoalescePrepared(bags, input.mode, input.gradOutput, input.dim, argmax);
}
