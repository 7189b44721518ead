/**
 * Validation and normalisation of an EmbeddingBag batch: the indices, the
 * offsets, `include_last_offset`, `padding_idx` and `per_sample_weights`, as
 * PyTorch's `nn.functional.embedding_bag` accepts them (1-D indices with
 * offsets). Every primitive of the model first turns its raw input into a
 * {@link Bags} value here, so the checks live in one place.
 *
 * Errors are {@link ModelError}s naming the array, the position and the value.
 */
import { ModelError } from './errors';

/** Index arrays may be int32 or int64 (as torch.int32 / torch.int64). */
export type IndexArray = Int32Array | BigInt64Array;

export type Mode = 'sum' | 'mean' | 'max';

export const MODES: readonly Mode[] = ['sum', 'mean', 'max'];

/** The raw description of one batch of bags over one table. */
export interface BagsInput {
  /** Row ids, one per lookup, [N]. */
  indices: IndexArray;
  /**
   * Start position of each bag in `indices`: [B] (the last bag runs to the end
   * of `indices`), or [B+1] with `includeLastOffset` (offsets[B] must be N).
   */
  offsets: IndexArray;
  includeLastOffset?: boolean;
  /**
   * PyTorch's padding_idx: lookups of this row are skipped (they add nothing
   * and are not counted for mean; the row gets no gradient). Negative values
   * count from the end (-1 is the last row), as in PyTorch. null: none.
   */
  paddingIdx?: number | null;
  /** Per-lookup scales [N], sum mode only (as PyTorch). */
  perSampleWeights?: Float32Array | null;
}

/** A validated batch: indices and bag boundaries as int32. */
export interface Bags {
  /** Number of rows of the table the indices address. */
  readonly rows: number;
  /** Row ids [N], all in 0..rows-1. */
  readonly indices: Int32Array;
  /** Bag boundaries [B+1]: bag b is positions bagStart[b] .. bagStart[b+1]-1. */
  readonly bagStart: Int32Array;
  /** Number of bags B. */
  readonly numBags: number;
  /** The normalised padding row (0..rows-1), or -1 for none. */
  readonly paddingIdx: number;
  /** Per-sample weights [N], or null. */
  readonly perSampleWeights: Float32Array | null;
  /** Number of non-padding lookups in each bag [B]. */
  readonly bagSize: Int32Array;
}

const I32_MAX = 2147483647;

/**
 * Normalises padding_idx as PyTorch's Python front end does: a negative value
 * counts from the end (rows + padding_idx); anything outside -rows..rows-1 is
 * an error. null/undefined means no padding (-1 internally).
 */
export function normalizePaddingIdx(paddingIdx: number | null | undefined, rows: number): number {
  if (paddingIdx === null || paddingIdx === undefined) return -1;
  if (!Number.isInteger(paddingIdx)) {
    throw new ModelError(`padding_idx = ${paddingIdx} is not an integer; give a row number or null`, {
      array: 'padding_idx', value: paddingIdx,
    });
  }
  if (paddingIdx >= rows || paddingIdx < -rows) {
    throw new ModelError(
      `padding_idx = ${paddingIdx} is out of range for a weight with ${rows} rows ` +
        `(valid: ${rows > 0 ? `${-rows}..${rows - 1}, or null for none` : 'only null, as the table has no rows'})`,
      { array: 'padding_idx', value: paddingIdx },
    );
  }
  return paddingIdx < 0 ? rows + paddingIdx : paddingIdx;
}

/**
 * Checks every index against 0..rows-1 and returns them as an Int32Array (the
 * input itself when it already is one).
 */
export function checkIndices(indices: IndexArray, rows: number, name = 'indices'): Int32Array {
  const n = indices.length;
  if (indices instanceof Int32Array) {
    for (let i = 0; i < n; i++) {
      const v = indices[i]!;
      if (v < 0 || v >= rows) throw indexError(name, i, String(v), rows);
    }
    return indices;
  }
  const out = new Int32Array(n);
  const r = BigInt(rows);
  for (let i = 0; i < n; i++) {
    const v = indices[i]!;
    if (v < 0n || v >= r) throw indexError(name, i, String(v), rows);
    out[i] = Number(v);
  }
  return out;
}

function indexError(name: string, i: number, v: string, rows: number): ModelError {
  return new ModelError(
    rows > 0
      ? `${name}[${i}] = ${v} is out of range: the table has ${rows} rows, so an index must be in 0..${rows - 1}`
      : `${name}[${i}] = ${v} is out of range: the table has no rows, so no index is valid`,
    { array: name, position: i, value: v },
  );
}

/** Reads one offset as a number, refusing int64 values beyond the int32 range. */
function offsetAt(offsets: IndexArray, i: number, name: string, n: number): number {
  const v = offsets[i]!;
  if (typeof v === 'bigint') {
    if (v > BigInt(I32_MAX)) {
      throw new ModelError(`${name}[${i}] = ${v} runs past the end of indices (length ${n})`, {
        array: name, position: i, value: v,
      });
    }
    if (v < -BigInt(I32_MAX)) {
      // The same messages as a small negative value gets, with the exact int64 value.
      throw new ModelError(i === 0
        ? `${name}[0] = ${v} must be 0: the first bag starts at position 0 of indices`
        : `${name}[${i}] = ${v} is less than ${name}[${i - 1}] = ${offsets[i - 1]}: offsets must not decrease`, {
        array: name, position: i, value: v,
      });
    }
    return Number(v);
  }
  return v;
}

/**
 * Checks offsets (first is 0, never decreasing, never past N; with
 * include_last_offset the last one equals N) and returns the bag boundaries
 * [B+1] as an Int32Array.
 */
export function checkOffsets(
  offsets: IndexArray, n: number, includeLastOffset: boolean, name = 'offsets',
): Int32Array {
  const len = offsets.length;
  if (includeLastOffset && len < 1) {
    throw new ModelError(
      `${name} is empty, but include_last_offset needs at least one entry (offsets[B] = ${n}, the length of indices)`,
      { array: name },
    );
  }
  const numBags = includeLastOffset ? len - 1 : len;
  if (numBags === 0 && n > 0 && !includeLastOffset) {
    throw new ModelError(`${name} is empty (no bags) but indices has ${n} entries; give at least offsets = [0]`, {
      array: name,
    });
  }
  const bagStart = new Int32Array(numBags + 1);
  let prev = 0;
  for (let i = 0; i < len; i++) {
    const v = offsetAt(offsets, i, name, n);
    if (i === 0 && v !== 0) {
      throw new ModelError(`${name}[0] = ${v} must be 0: the first bag starts at position 0 of indices`, {
        array: name, position: 0, value: v,
      });
    }
    if (v < prev) {
      throw new ModelError(`${name}[${i}] = ${v} is less than ${name}[${i - 1}] = ${prev}: offsets must not decrease`, {
        array: name, position: i, value: v,
      });
    }
    if (v > n) {
      throw new ModelError(`${name}[${i}] = ${v} runs past the end of indices (length ${n})`, {
        array: name, position: i, value: v,
      });
    }
    if (i < numBags) bagStart[i] = v;
    prev = v;
  }
  if (includeLastOffset) {
    const last = offsetAt(offsets, len - 1, name, n);
    if (last !== n) {
      throw new ModelError(
        `${name}[${len - 1}] = ${last} must equal the length of indices (${n}) with include_last_offset`,
        { array: name, position: len - 1, value: last },
      );
    }
  }
  bagStart[numBags] = n;
  return bagStart;
}

/**
 * Validates a batch against a table of `rows` rows for `mode` and returns the
 * normalised {@link Bags}.
 */
export function prepareBags(input: BagsInput, rows: number, mode: Mode): Bags {
  if (!MODES.includes(mode)) {
    throw new ModelError(`mode = ${JSON.stringify(mode)} is not one of sum, mean, max`, { array: 'mode', value: mode });
  }
  if (!Number.isInteger(rows) || rows < 0) {
    throw new ModelError(`the row count ${rows} is not a non-negative integer`, { array: 'weight', value: rows });
  }
  const paddingIdx = normalizePaddingIdx(input.paddingIdx, rows);
  const indices = checkIndices(input.indices, rows);
  const n = indices.length;
  const bagStart = checkOffsets(input.offsets, n, input.includeLastOffset ?? false);
  const numBags = bagStart.length - 1;
  const psw = input.perSampleWeights ?? null;
  if (psw !== null) {
    if (mode !== 'sum') {
      throw new ModelError(`per_sample_weights are only supported with mode 'sum' (as in PyTorch), not '${mode}'`, {
        array: 'per_sample_weights',
      });
    }
    if (psw.length !== n) {
      throw new ModelError(`per_sample_weights has length ${psw.length} but indices has length ${n}; they must match`, {
        array: 'per_sample_weights', value: psw.length,
      });
    }
  }
  const bagSize = new Int32Array(numBags);
  for (let b = 0; b < numBags; b++) {
    let c = 0;
    const end = bagStart[b + 1]!;
    for (let p = bagStart[b]!; p < end; p++) if (indices[p] !== paddingIdx) c++;
    bagSize[b] = c;
  }
  return { rows, indices, bagStart, numBags, paddingIdx, perSampleWeights: psw, bagSize };
}

/** offset2bag: the bag id of every lookup position [N]. */
export function offsetToBag(bags: Bags): Int32Array {
  const out = new Int32Array(bags.indices.length);
  const bs = bags.bagStart;
  for (let b = 0; b < bags.numBags; b++) out.fill(b, bs[b]!, bs[b + 1]!);
  return out;
}

/** Checks that a weight matrix holds rows × dim floats. */
export function checkWeight(weight: Float32Array, rows: number, dim: number, name = 'weight'): void {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new ModelError(`${name} has dim ${dim}; the embedding dimension must be a positive integer`, {
      array: name, value: dim,
    });
  }
  if (weight.length !== rows * dim) {
    throw new ModelError(
      `${name} holds ${weight.length} floats but [rows, dim] = [${rows}, ${dim}] needs ${rows * dim}`,
      { array: name, value: weight.length },
    );
  }
}
