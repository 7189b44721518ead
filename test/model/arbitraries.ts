/**
 * fast-check generators of EmbeddingBag batches for the model's property
 * tests: empty bags, repeated rows within and across bags, padding, per-sample
 * weights, mean and max, int32 and int64 indices, awkward floats.
 */
import fc from 'fast-check';
import type { Mode } from '../../model/index';

export interface Batch {
  rows: number;
  dim: number;
  mode: Mode;
  weight: Float32Array;
  indices: Int32Array | BigInt64Array;
  offsets: Int32Array | BigInt64Array;
  includeLastOffset: boolean;
  paddingIdx: number | null;
  perSampleWeights: Float32Array | null;
  gradOutput: Float32Array;
  numBags: number;
}

/** binary32 values with wide exponents (so that summation order matters), some zeros. */
export const f32val = fc.oneof(
  { weight: 6, arbitrary: fc.float({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.float({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }).map((x) => Math.fround(x * 1e-3)) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, -1, 0.1, 3) },
);

export function batchArb(opts: { modes?: Mode[]; maxRows?: number; maxDim?: number; maxBags?: number; maxBag?: number } = {}): fc.Arbitrary<Batch> {
  const modes = opts.modes ?? ['sum', 'mean', 'max'];
  return fc
    .record({
      rows: fc.integer({ min: 1, max: opts.maxRows ?? 8 }),
      dim: fc.integer({ min: 1, max: opts.maxDim ?? 4 }),
      mode: fc.constantFrom(...modes),
      sizes: fc.array(fc.integer({ min: 0, max: opts.maxBag ?? 7 }), { minLength: 1, maxLength: opts.maxBags ?? 6 }),
      includeLastOffset: fc.boolean(),
      int64: fc.boolean(),
      pad: fc.option(fc.integer({ min: -50, max: 50 }), { freq: 2 }),
      psw: fc.boolean(),
      seed: fc.integer(),
    })
    .chain((r) => {
      const n = r.sizes.reduce((a, b) => a + b, 0);
      const B = r.sizes.length;
      return fc
        .record({
          idx: fc.array(fc.integer({ min: 0, max: r.rows - 1 }), { minLength: n, maxLength: n }),
          weight: fc.array(f32val, { minLength: r.rows * r.dim, maxLength: r.rows * r.dim }),
          grad: fc.array(f32val, { minLength: B * r.dim, maxLength: B * r.dim }),
          psw: fc.array(f32val, { minLength: n, maxLength: n }),
        })
        .map((v): Batch => {
          const starts: number[] = [];
          let acc = 0;
          for (const s of r.sizes) {
            starts.push(acc);
            acc += s;
          }
          if (r.includeLastOffset) starts.push(n);
          const paddingIdx = r.pad === null ? null : ((r.pad % r.rows) + r.rows) % r.rows - (r.pad < 0 ? r.rows : 0);
          return {
            rows: r.rows,
            dim: r.dim,
            mode: r.mode,
            weight: Float32Array.from(v.weight),
            indices: r.int64 ? BigInt64Array.from(v.idx, (x) => BigInt(x)) : Int32Array.from(v.idx),
            offsets: r.int64 ? BigInt64Array.from(starts, (x) => BigInt(x)) : Int32Array.from(starts),
            includeLastOffset: r.includeLastOffset,
            paddingIdx,
            perSampleWeights: r.psw && r.mode === 'sum' ? Float32Array.from(v.psw) : null,
            gradOutput: Float32Array.from(v.grad),
            numBags: B,
          };
        });
    });
}
