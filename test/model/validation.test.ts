/**
 * Validation: every corrupted input is rejected with a ModelError naming the
 * array, the position and the value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backwardCasted, backwardExpandCoalesce, castIndices, gatherReduce, ModelError } from '../../model/index';
import { batchArb, type Batch } from './arbitraries';
import { toNumbers } from './oracle';

type Corruption = { kind: string; apply: (b: Batch) => Batch; expect: (b: Batch) => RegExp; array: string };

function withIndex(b: Batch, i: number, v: number): Batch {
  const idx = b.indices instanceof BigInt64Array ? BigInt64Array.from(b.indices) : Int32Array.from(b.indices);
  if (idx instanceof BigInt64Array) idx[i] = BigInt(v);
  else idx[i] = v;
  return { ...b, indices: idx };
}

function withOffsets(b: Batch, offs: number[]): Batch {
  return { ...b, offsets: b.offsets instanceof BigInt64Array ? BigInt64Array.from(offs, (x) => BigInt(x)) : Int32Array.from(offs) };
}

const corruptionArb = (b: Batch): fc.Arbitrary<Corruption> => {
  const n = b.indices.length;
  const offs = toNumbers(b.offsets);
  const options: fc.Arbitrary<Corruption>[] = [
    fc.integer({ min: 0, max: 1000 }).map((extra) => ({
      kind: 'index too large', array: 'indices',
      apply: (x) => withIndex(x, 0, x.rows + extra),
      expect: (x) => new RegExp(`indices\\[0\\] = ${x.rows + extra} is out of range`),
    })),
    fc.integer({ min: 1, max: 1000 }).map((neg) => ({
      kind: 'negative index', array: 'indices',
      apply: (x) => withIndex(x, n - 1, -neg),
      expect: () => new RegExp(`indices\\[${n - 1}\\] = ${-neg} is out of range`),
    })),
    fc.integer({ min: 1, max: 100 }).map((extra) => ({
      kind: 'offset past the end', array: 'offsets',
      apply: (x) => withOffsets(x, offs.map((o, i) => (i === offs.length - 1 ? n + extra : o))),
      expect: () => offs.length === 1
        ? new RegExp(`offsets\\[0\\] = ${n + extra} must be 0`)
        : new RegExp(`offsets\\[${offs.length - 1}\\] = ${n + extra} (runs past the end|must equal)`),
    })),
    fc.constant({
      kind: 'grad_output shape', array: 'grad_output',
      apply: (x: Batch) => ({ ...x, gradOutput: x.gradOutput.subarray(0, x.gradOutput.length - 1) }),
      expect: () => /grad_output holds/,
    }),
    fc.constant({
      kind: 'weight shape', array: 'weight',
      apply: (x: Batch) => ({ ...x, weight: new Float32Array(x.weight.length + 1) }),
      expect: () => /weight holds/,
    }),
    fc.integer({ min: 1, max: 5 }).map((k) => ({
      kind: 'first offset not 0', array: 'offsets',
      apply: (x) => withOffsets(x, offs.map((o, i) => (i === 0 ? o + k : o))),
      expect: () => new RegExp(`offsets\\[0\\] = ${offs[0]! + k} (must be 0|runs past)`),
    })),
    fc.integer({ min: 1, max: 50 }).map((k) => ({
      kind: 'padding_idx out of range', array: 'padding_idx',
      apply: (x) => ({ ...x, paddingIdx: x.rows - 1 + k }),
      expect: (x) => new RegExp(`padding_idx = ${x.rows - 1 + k} is out of range`),
    })),
  ];
  if (n > 0) {
    options.push(fc.constant({
      kind: 'per_sample_weights length', array: 'per_sample_weights',
      apply: (x: Batch) => ({ ...x, mode: 'sum' as const, perSampleWeights: new Float32Array(n + 1) }),
      expect: () => new RegExp(`per_sample_weights has length ${n + 1} but indices has length ${n}`),
    }));
  }
  // Decreasing offsets need two bags whose boundary can be lowered below the previous one.
  const dec = offs.findIndex((o, i) => i >= 1 && o > 0);
  if (dec >= 1) {
    options.push(fc.constant({
      kind: 'decreasing offsets', array: 'offsets',
      apply: (x: Batch) => withOffsets(x, offs.map((o, i) => (i === dec ? offs[dec - 1]! - 1 : o))),
      expect: () => new RegExp(`offsets\\[${dec}\\] = ${offs[dec - 1]! - 1} is less than|offsets\\[0\\]`),
    }));
  }
  return fc.oneof(...options);
};

describe('validation', () => {
  it('rejects every corrupted input, in every primitive, naming array, position and value', () => {
    fc.assert(
      fc.property(
        batchArb({ maxBags: 5 }).filter((b) => b.indices.length > 0).chain((b) => fc.tuple(fc.constant(b), corruptionArb(b))),
        ([b, c]) => {
          const bad = c.apply(b);
          const calls = [
            () => gatherReduce({ ...bad }),
            () => castIndices({ ...bad, dim: bad.dim }),
            () => backwardCasted({ ...bad }),
            () => backwardExpandCoalesce({ ...bad }),
          ];
          // castIndices does not read grad_output
          const relevant = c.kind === 'grad_output shape' ? [calls[2]!, calls[3]!] : calls;
          for (const call of relevant) {
            let err: unknown;
            try {
              call();
            } catch (e) {
              err = e;
            }
            if (!(err instanceof ModelError)) throw new Error(`${c.kind}: no ModelError (got ${String(err)})`);
            if (err.userFacing !== true) return false;
            if (!c.expect(b).test(err.message)) throw new Error(`${c.kind}: message ${JSON.stringify(err.message)} does not match ${c.expect(b)}`);
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names position and value on the error object', () => {
    let err: ModelError | undefined;
    try {
      gatherReduce({ weight: new Float32Array(6), rows: 3, dim: 2, mode: 'sum', indices: Int32Array.from([0, 7]), offsets: Int32Array.from([0]) });
    } catch (e) {
      err = e as ModelError;
    }
    expect(err).toBeInstanceOf(ModelError);
    expect(err!.array).toBe('indices');
    expect(err!.position).toBe(1);
    expect(err!.value).toBe('7');
    expect(err!.message).toBe('indices[1] = 7 is out of range: the table has 3 rows, so an index must be in 0..2');
  });

  it('checks int64 indices and offsets without losing the value', () => {
    const big = 2n ** 40n;
    expect(() => gatherReduce({ weight: new Float32Array(2), rows: 2, dim: 1, mode: 'sum', indices: BigInt64Array.from([0n, big]), offsets: BigInt64Array.from([0n]) }))
      .toThrow(`indices[1] = ${big} is out of range`);
    expect(() => gatherReduce({ weight: new Float32Array(2), rows: 2, dim: 1, mode: 'sum', indices: BigInt64Array.from([0n]), offsets: BigInt64Array.from([0n, big]) }))
      .toThrow(`offsets[1] = ${big} runs past the end of indices (length 1)`);
  });

  it('refuses per_sample_weights outside sum mode, and include_last_offset with a short last offset', () => {
    const base = { weight: new Float32Array(2), rows: 2, dim: 1, indices: Int32Array.from([0, 1]), offsets: Int32Array.from([0]) };
    expect(() => gatherReduce({ ...base, mode: 'mean', perSampleWeights: new Float32Array(2) })).toThrow(/only supported with mode 'sum'/);
    expect(() => gatherReduce({ ...base, mode: 'sum', offsets: Int32Array.from([0, 1]), includeLastOffset: true }))
      .toThrow('offsets[1] = 1 must equal the length of indices (2) with include_last_offset');
    expect(() => gatherReduce({ ...base, mode: 'sum', offsets: new Int32Array(0) })).toThrow(/offsets is empty/);
    expect(() => gatherReduce({ ...base, mode: 'median' as never })).toThrow(/mode = "median" is not one of/);
  });
});
