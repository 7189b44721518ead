/**
 * Tensor casting (Kwon, Lee, Rhu, HPCA 2021): the EmbeddingBag backward recast
 * as the forward's gather-reduce over grad_output, with a *casted index*.
 *
 * The forward reads (row, bag) pairs in lookup order. Sorting those pairs by
 * row, stably (ties keep ascending lookup position), gives the casted index:
 *
 *   uniqueRows  [U]   the distinct non-padding rows, strictly ascending
 *   segOffsets  [U+1] casted offsets: lookups segOffsets[u]..segOffsets[u+1]-1
 *                     of the sorted order belong to uniqueRows[u]
 *   bagIds      [M]   the gather index: the bag of each sorted lookup
 *   positions   [M]   the original lookup position of each sorted lookup
 *                     (ascending within a segment)
 *   scale       [M]   the per-lookup scale, or null when every scale is 1:
 *                       sum with per_sample_weights: psw[position]
 *                       mean: fround(1 / fround(n_bag)), n_bag = non-padding
 *                             lookups of the bag (>= 1 for any bag in here)
 *
 * M is the number of non-padding lookups. The backward is then a gather-reduce
 * of grad_output rows `bagIds` with segments `segOffsets`, producing one
 * gradient row per unique row. These arrays are what the hardware's index
 * queues read (docs/MODEL.md, "The casted index").
 *
 * The sort is an LSD radix sort (stable counting-sort passes of at most 11
 * bits), O(N) for a bounded row count.
 */
import { checkWeight, prepareBags, offsetToBag, type Bags, type BagsInput, type Mode } from './bags';

export interface CastedIndex {
  /** Number of non-padding lookups (M). */
  numLookups: number;
  /** Distinct rows, strictly ascending [U]. */
  uniqueRows: Int32Array;
  /** Segment boundaries [U+1] into bagIds/positions/scale. */
  segOffsets: Int32Array;
  /** Gather index: bag id per sorted lookup [M]. */
  bagIds: Int32Array;
  /** Lookup position per sorted lookup [M], ascending within a segment. */
  positions: Int32Array;
  /** Per-lookup scale [M], or null for all ones. */
  scale: Float32Array | null;
  /** Number of bags B of the batch (the grad_output has B rows). */
  numBags: number;
  /** The mode the scale was built for. */
  mode: Mode;
}

/**
 * Stable LSD radix sort of non-negative integer keys < 2^bits, carrying a
 * payload. Returns the permuted keys and payloads (new arrays). `keys` and
 * `payload` are not modified.
 */
export function radixSortPairs(
  keys: Int32Array | Uint32Array, payload: Int32Array, maxKey: number,
): { keys: Uint32Array<ArrayBufferLike>; payload: Int32Array<ArrayBufferLike> } {
  const n = keys.length;
  let k: Uint32Array<ArrayBufferLike> = Uint32Array.from(keys);
  let v: Int32Array<ArrayBufferLike> = Int32Array.from(payload);
  if (n <= 1) return { keys: k, payload: v };
  let bits = 1;
  while (bits < 32 && maxKey >= 2 ** bits) bits++;
  const passes = Math.ceil(bits / 11);
  const digit = Math.ceil(bits / passes);
  const radix = 1 << digit;
  const mask = radix - 1;
  let k2: Uint32Array<ArrayBufferLike> = new Uint32Array(n);
  let v2: Int32Array<ArrayBufferLike> = new Int32Array(n);
  const count = new Int32Array(radix);
  for (let pass = 0, shift = 0; pass < passes; pass++, shift += digit) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(k[i]! >>> shift) & mask]!++;
    let sum = 0;
    for (let r = 0; r < radix; r++) {
      const c = count[r]!;
      count[r] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const key = k[i]!;
      const dst = count[(key >>> shift) & mask]!++;
      k2[dst] = key;
      v2[dst] = v[i]!;
    }
    const tk = k; k = k2; k2 = tk;
    const tv = v; v = v2; v2 = tv;
  }
  return { keys: k, payload: v };
}

/**
 * Groups a stably sorted key array into unique keys and segment offsets.
 */
export function segmentsOf(sortedKeys: Uint32Array): { unique: Int32Array; segOffsets: Int32Array } {
  const m = sortedKeys.length;
  let u = 0;
  for (let i = 0; i < m; i++) if (i === 0 || sortedKeys[i] !== sortedKeys[i - 1]) u++;
  const unique = new Int32Array(u);
  const segOffsets = new Int32Array(u + 1);
  let j = 0;
  for (let i = 0; i < m; i++) {
    if (i === 0 || sortedKeys[i] !== sortedKeys[i - 1]) {
      unique[j] = sortedKeys[i]!;
      segOffsets[j] = i;
      j++;
    }
  }
  segOffsets[u] = m;
  return { unique, segOffsets };
}

/** Builds the casted index of a validated batch. */
export function castPrepared(bags: Bags, mode: Mode): CastedIndex {
  const { indices, paddingIdx } = bags;
  const n = indices.length;
  // Non-padding lookups in position order.
  let m = 0;
  for (let p = 0; p < n; p++) if (indices[p] !== paddingIdx) m++;
  const keys = new Uint32Array(m);
  const pos = new Int32Array(m);
  for (let p = 0, j = 0; p < n; p++) {
    const r = indices[p]!;
    if (r === paddingIdx) continue;
    keys[j] = r;
    pos[j] = p;
    j++;
  }
  const sorted = radixSortPairs(keys, pos, Math.max(0, bags.rows - 1));
  const { unique, segOffsets } = segmentsOf(sorted.keys);
  const positions = sorted.payload;
  const o2b = offsetToBag(bags);
  const bagIds = new Int32Array(m);
  for (let i = 0; i < m; i++) bagIds[i] = o2b[positions[i]!]!;
  return {
    numLookups: m,
    uniqueRows: unique,
    segOffsets,
    bagIds,
    positions,
    scale: lookupScales(bags, mode, positions, bagIds),
    numBags: bags.numBags,
    mode,
  };
}

/**
 * The per-lookup scale of each sorted lookup (null when all are 1):
 * psw[p] for sum with per_sample_weights; fround(1 / fround(n_bag)) for mean.
 */
export function lookupScales(bags: Bags, mode: Mode, positions: Int32Array, bagIds: Int32Array): Float32Array | null {
  const m = positions.length;
  if (mode === 'sum' && bags.perSampleWeights !== null) {
    const psw = bags.perSampleWeights;
    const s = new Float32Array(m);
    for (let i = 0; i < m; i++) s[i] = psw[positions[i]!]!;
    return s;
  }
  if (mode === 'mean') {
    const inv = meanScales(bags.bagSize);
    const s = new Float32Array(m);
    for (let i = 0; i < m; i++) s[i] = inv[bagIds[i]!]!;
    return s;
  }
  return null;
}

/**
 * The mean-mode backward scale of each bag: fround(1 / fround(n)), as
 * PyTorch's `1 / bag_size` in binary32. A bag with n = 0 has no lookups in the
 * casted index; its entry is +Infinity (never read).
 */
export function meanScales(bagSize: Int32Array): Float32Array {
  const inv = new Float32Array(bagSize.length);
  for (let b = 0; b < bagSize.length; b++) inv[b] = 1 / Math.fround(bagSize[b]!);
  return inv;
}

export interface CastInput extends BagsInput {
  rows: number;
  mode: Mode;
  /** Optional: checked against rows × dim when given. */
  weight?: Float32Array;
  dim?: number;
}

/** Builds the casted index of a batch. Validates its input. */
export function castIndices(input: CastInput): CastedIndex {
  if (input.weight !== undefined && input.dim !== undefined) checkWeight(input.weight, input.rows, input.dim);
  return castPrepared(prepareBags(input, input.rows, input.mode), input.mode);
}
