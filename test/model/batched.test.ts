/**
 * The batched-table (TBE) form equals the per-table results bit for bit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backwardCasted, backwardCastedBatched, backwardExpandCoalesceBatched, bitEqual, castIndicesBatched, gatherReduce,
  gatherReduceBatched, ModelError, type BatchedInput, type CoalescedGrad,
} from '../../model/index';
import { f32val } from './arbitraries';

interface MultiBatch {
  input: BatchedInput;
  weights: Float32Array[];
  grad: Float32Array;
}

const multiArb: fc.Arbitrary<MultiBatch> = fc
  .record({
    tables: fc.array(fc.record({ rows: fc.integer({ min: 1, max: 6 }), dim: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 }),
    B: fc.integer({ min: 0, max: 5 }),
    mode: fc.constantFrom('sum' as const, 'mean' as const),
    psw: fc.boolean(),
  })
  .chain((r) => {
    const T = r.tables.length;
    return fc.array(fc.integer({ min: 0, max: 5 }), { minLength: T * r.B, maxLength: T * r.B }).chain((sizes) => {
      const n = sizes.reduce((a, b) => a + b, 0);
      const D = r.tables.reduce((a, t) => a + t.dim, 0);
      // Index of each lookup: the table is known from its bag.
      const tableOfLookup: number[] = [];
      sizes.forEach((s, g) => { for (let i = 0; i < s; i++) tableOfLookup.push(Math.floor(g / Math.max(1, r.B))); });
      return fc.record({
        idx: fc.tuple(...tableOfLookup.map((t) => fc.integer({ min: 0, max: r.tables[t]!.rows - 1 }))),
        weights: fc.tuple(...r.tables.map((t) => fc.array(f32val, { minLength: t.rows * t.dim, maxLength: t.rows * t.dim }))),
        grad: fc.array(f32val, { minLength: r.B * D, maxLength: r.B * D }),
        psw: fc.array(f32val, { minLength: n, maxLength: n }),
      }).map((v): MultiBatch => {
        const offsets = [0];
        for (const s of sizes) offsets.push(offsets[offsets.length - 1]! + s);
        return {
          input: {
            tables: r.tables, batchSize: r.B, mode: r.mode, indices: Int32Array.from(v.idx as number[]), offsets: Int32Array.from(offsets),
            perSampleWeights: r.psw && r.mode === 'sum' ? Float32Array.from(v.psw) : null,
          },
          weights: (v.weights as number[][]).map((w) => Float32Array.from(w)),
          grad: Float32Array.from(v.grad),
        };
      });
    });
  });

/** Table t's batch as a plain single-table EmbeddingBag input. */
function tableSlice(m: MultiBatch, t: number) {
  const { input } = m;
  const B = input.batchSize;
  const offs = input.offsets as Int32Array;
  const start = offs[t * B]!;
  const end = offs[(t + 1) * B]!;
  const D = input.tables.reduce((a, x) => a + x.dim, 0);
  const c = input.tables.slice(0, t).reduce((a, x) => a + x.dim, 0);
  const dim = input.tables[t]!.dim;
  const grad = new Float32Array(B * dim);
  for (let b = 0; b < B; b++) for (let d = 0; d < dim; d++) grad[b * dim + d] = m.grad[b * D + c + d]!;
  return {
    rows: input.tables[t]!.rows, dim, mode: input.mode,
    indices: (input.indices as Int32Array).slice(start, end),
    offsets: Int32Array.from(offs.slice(t * B, (t + 1) * B + 1), (o) => o - start),
    includeLastOffset: true,
    perSampleWeights: input.perSampleWeights ? input.perSampleWeights.slice(start, end) : null,
    weight: m.weights[t]!,
    gradOutput: grad,
    c, D,
  };
}

function sameGrad(a: CoalescedGrad, b: CoalescedGrad): boolean {
  return a.rows.length === b.rows.length && a.rows.every((r, i) => r === b.rows[i]) && bitEqual(a.values, b.values);
}

describe('batched tables (TBE layout)', () => {
  it('forward equals the per-table forwards, placed at D_offsets', () => {
    fc.assert(
      fc.property(multiArb, (m) => {
        const out = gatherReduceBatched(m.input, m.weights);
        const B = m.input.batchSize;
        return m.input.tables.every((_, t) => {
          const s = tableSlice(m, t);
          const per = gatherReduce(s).output;
          for (let b = 0; b < B; b++) {
            if (!bitEqual(out.subarray(b * s.D + s.c, b * s.D + s.c + s.dim), per.subarray(b * s.dim, (b + 1) * s.dim))) return false;
          }
          return true;
        });
      }),
      { numRuns: 200 },
    );
  });

  it('casted backward from one batched casted index equals per-table casted and expand-coalesce', () => {
    fc.assert(
      fc.property(multiArb, (m) => {
        const batched = backwardCastedBatched(m.input, m.grad);
        const ec = backwardExpandCoalesceBatched(m.input, m.grad);
        return m.input.tables.every((_, t) => {
          const per = backwardCasted(tableSlice(m, t));
          return sameGrad(batched[t]!, per) && sameGrad(ec[t]!, per);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('the batched casted index splits by table and uses gather index t·B+b', () => {
    const input: BatchedInput = {
      tables: [{ rows: 3, dim: 1 }, { rows: 2, dim: 1 }], batchSize: 2, mode: 'sum',
      // table 0: bag0 = [2, 0], bag1 = [2]; table 1: bag0 = [], bag1 = [1, 1]
      indices: Int32Array.from([2, 0, 2, 1, 1]), offsets: Int32Array.from([0, 2, 3, 3, 5]),
    };
    const c = castIndicesBatched(input);
    expect(Array.from(c.uniqueRows)).toEqual([0, 2, 4]); // linear rows: table 1's row 1 is 3 + 1
    expect(Array.from(c.segOffsets)).toEqual([0, 1, 3, 5]);
    expect(Array.from(c.bagIds)).toEqual([0, 0, 1, 3, 3]); // t·B+b
    expect(Array.from(c.positions)).toEqual([1, 0, 2, 3, 4]);
    expect(Array.from(c.tableSeg)).toEqual([0, 2, 3]);
  });

  it('rejects an index out of range for its own table, naming the position', () => {
    const input: BatchedInput = {
      tables: [{ rows: 3, dim: 1 }, { rows: 2, dim: 1 }], batchSize: 1, mode: 'sum',
      indices: Int32Array.from([2, 2]), offsets: Int32Array.from([0, 1, 2]),
    };
    expect(() => castIndicesBatched(input)).toThrow(ModelError);
    expect(() => castIndicesBatched(input)).toThrow(/indices\[1\] = 2 is out of range for table 1/);
    expect(() => castIndicesBatched({ ...input, offsets: Int32Array.from([0, 2]) })).toThrow(/offsets has length 2 but T·B\+1/);
  });
});
