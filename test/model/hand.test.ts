/**
 * Small cases computed by hand, with the arithmetic beside them.
 */
import { describe, expect, it } from 'vitest';
import {
  backwardCasted, backwardExpandCoalesce, castIndices, gatherReduce, type BackwardInput, type GatherReduceInput,
} from '../../model/index';

const f = Math.fround;
const W3x2 = Float32Array.from([1, 2, 3, 4, 5, 6]); // row0 = [1, 2], row1 = [3, 4], row2 = [5, 6]

function fwd(p: Partial<GatherReduceInput> & Pick<GatherReduceInput, 'indices' | 'offsets' | 'mode'>) {
  return gatherReduce({ weight: W3x2, rows: 3, dim: 2, ...p });
}

describe('forward by hand', () => {
  it('sum: bag0 = row0 + row2 = [1+5, 2+6] = [6, 8]; bag1 = row1 + row1 = [6, 8]; bag2 empty = [0, 0]', () => {
    const r = fwd({ mode: 'sum', indices: Int32Array.from([0, 2, 1, 1]), offsets: Int32Array.from([0, 2, 4]) });
    expect(Array.from(r.output)).toEqual([6, 8, 6, 8, 0, 0]);
  });

  it('include_last_offset: offsets [0, 2, 4] are 2 bags (the same first two as above)', () => {
    const r = fwd({ mode: 'sum', indices: Int32Array.from([0, 2, 1, 1]), offsets: Int32Array.from([0, 2, 4]), includeLastOffset: true });
    expect(Array.from(r.output)).toEqual([6, 8, 6, 8]);
  });

  it('per_sample_weights: 0.5·row0 + 2·row2 = [0.5+10, 1+12] = [10.5, 13]', () => {
    const r = fwd({ mode: 'sum', indices: Int32Array.from([0, 2]), offsets: Int32Array.from([0]), perSampleWeights: Float32Array.from([0.5, 2]) });
    expect(Array.from(r.output)).toEqual([10.5, 13]);
  });

  it('mean with padding_idx -1 (row 2): bag [0, 2, 1] → (row0 + row1) / 2 = [4, 6] / 2 = [2, 3]; all-padding bag → [0, 0]', () => {
    const r = fwd({ mode: 'mean', paddingIdx: -1, indices: Int32Array.from([0, 2, 1, 2]), offsets: Int32Array.from([0, 3]) });
    expect(Array.from(r.output)).toEqual([2, 3, 0, 0]);
    expect(Array.from(r.bagSize)).toEqual([2, 0]); // padding lookups not counted
  });

  it('mean divides (as PyTorch): 5 / 3 = 1.6666666 (binary32), not 5 · fround(1/3) = 1.6666667', () => {
    // bag [0, 0, 0] of a 1-wide table with row0 = 5/3 ... use sum 5: rows [2, 2, 1] → 5, n = 3
    const w = Float32Array.from([2, 1]);
    const r = gatherReduce({ weight: w, rows: 2, dim: 1, mode: 'mean', indices: Int32Array.from([0, 0, 1]), offsets: Int32Array.from([0]) });
    expect(r.output[0]).toBe(f(5 / 3)); // 1.6666666269302368
    expect(r.output[0]).not.toBe(f(5 * f(1 / 3))); // 1.6666667461395264
  });

  it('sum order: 1e8 + 1 + (-1e8) = 0 in binary32 (1e8 + 1 rounds back to 1e8), but 1e8 + (-1e8) + 1 = 1', () => {
    const w = Float32Array.from([1e8, 1, -1e8]);
    const r = gatherReduce({ weight: w, rows: 3, dim: 1, mode: 'sum', indices: Int32Array.from([0, 1, 2, 0, 2, 1]), offsets: Int32Array.from([0, 3]) });
    expect(f(f(1e8) + 1)).toBe(1e8);
    expect(Array.from(r.output)).toEqual([0, 1]);
  });

  it('max: ties keep the first lookup; a NaN first stays; a NaN later is ignored', () => {
    // row0 = [1, NaN], row1 = [1, 5], row2 = [2, 0]
    const w = Float32Array.from([1, NaN, 1, 5, 2, 0]);
    const r = gatherReduce({ weight: w, rows: 3, dim: 2, mode: 'max', indices: Int32Array.from([0, 1, 2, 1, 0]), offsets: Int32Array.from([0, 3]) });
    // bag0 = lookups 0,1,2 (rows 0,1,2): d0: 1 (p0), 1 > 1? no, 2 > 1 yes → 2 at p2; d1: NaN (p0), 5 > NaN? no, 0 > NaN? no → NaN at p0
    // bag1 = lookups 3,4 (rows 1,0): d0: 1 (p3), 1 > 1? no → p3; d1: 5 (p3), NaN > 5? no → 5 at p3
    expect(r.output[0]).toBe(2);
    expect(r.output[1]).toBeNaN();
    expect(Array.from(r.output.subarray(2))).toEqual([1, 5]);
    expect(Array.from(r.argmaxPos!)).toEqual([2, 0, 3, 3]);
  });

  it('max: -0 then +0 keeps -0 (+0 > -0 is false)', () => {
    const w = Float32Array.from([-0, 0]);
    const r = gatherReduce({ weight: w, rows: 2, dim: 1, mode: 'max', indices: Int32Array.from([0, 1]), offsets: Int32Array.from([0]) });
    expect(Object.is(r.output[0], -0)).toBe(true);
  });

  it('sum of a single -0 lookup is +0 (the accumulator starts at +0: +0 + -0 = +0)', () => {
    const r = gatherReduce({ weight: Float32Array.from([-0]), rows: 1, dim: 1, mode: 'sum', indices: Int32Array.from([0]), offsets: Int32Array.from([0]) });
    expect(Object.is(r.output[0], 0)).toBe(true);
  });
});

describe('casted index and backward by hand', () => {
  // bags: b0 = [2, 0], b1 = [2], b2 = [], b3 = [0, 2, 2]; positions 0..5
  const base = { rows: 3, dim: 1, indices: Int32Array.from([2, 0, 2, 0, 2, 2]), offsets: Int32Array.from([0, 2, 3, 3]) };

  it('casted index: rows [0, 2]; row 0 ← positions 1, 3 (bags 0, 3); row 2 ← positions 0, 2, 4, 5 (bags 0, 1, 3, 3)', () => {
    const c = castIndices({ ...base, mode: 'sum' });
    expect(Array.from(c.uniqueRows)).toEqual([0, 2]);
    expect(Array.from(c.segOffsets)).toEqual([0, 2, 6]);
    expect(Array.from(c.positions)).toEqual([1, 3, 0, 2, 4, 5]);
    expect(Array.from(c.bagIds)).toEqual([0, 3, 0, 1, 3, 3]);
    expect(c.scale).toBeNull();
  });

  it('mean scales: bag sizes [2, 1, 0, 3] → fround(1/2), fround(1/1), -, fround(1/3) per sorted lookup', () => {
    const c = castIndices({ ...base, mode: 'mean' });
    expect(Array.from(c.scale!)).toEqual([0.5, f(1 / 3), 0.5, 1, f(1 / 3), f(1 / 3)]);
  });

  it('sum backward: g = [10, 20, 30, 40] → row0 = g0 + g3 = 50; row2 = g0 + g1 + g3 + g3 = 10+20+40+40 = 110', () => {
    const inp: BackwardInput = { ...base, mode: 'sum', gradOutput: Float32Array.from([10, 20, 30, 40]) };
    for (const g of [backwardCasted(inp), backwardExpandCoalesce(inp)]) {
      expect(Array.from(g.rows)).toEqual([0, 2]);
      expect(Array.from(g.values)).toEqual([50, 110]);
    }
  });

  it('mean backward: g = [3, 3, 0, 3] → row0 = 3·fround(1/2) + 3·fround(1/3) = 1.5 + 1.0000000 = 2.5', () => {
    // 3 · 0.33333334 = 1.0000000298 → rounds to 1 (binary32); 1.5 + 1 = 2.5
    // row2 = 1.5 (b0) + 3·1 (b1) + 1 + 1 (b3 twice) = 6.5
    const inp: BackwardInput = { ...base, mode: 'mean', gradOutput: Float32Array.from([3, 3, 0, 3]) };
    for (const g of [backwardCasted(inp), backwardExpandCoalesce(inp)]) expect(Array.from(g.values)).toEqual([2.5, 6.5]);
  });

  it('backward order: row 0 gets 1e8, 1, -1e8 in lookup order → (1e8 + 1) - 1e8 = 0, not 1', () => {
    const inp: BackwardInput = {
      rows: 1, dim: 1, mode: 'sum', indices: Int32Array.from([0, 0, 0]), offsets: Int32Array.from([0, 1, 2]),
      gradOutput: Float32Array.from([1e8, 1, -1e8]),
    };
    expect(Array.from(backwardCasted(inp).values)).toEqual([0]);
    expect(Array.from(backwardExpandCoalesce(inp).values)).toEqual([0]);
  });

  it('max backward: each element goes to its argmax row only; padding rows excluded', () => {
    // row0 = [1, 9], row1 = [4, 2], row2 = padding; bag0 = [0, 1, 2]: d0 max 4 (row1), d1 max 9 (row0)
    // bag1 = [1, 1]: d0 4 at first lookup (p3), d1 2 at p3; g = [[10, 20], [30, 40]]
    // row0 = [0, 20]; row1 = [10 + 30, 40] = [40, 40]
    const inp: BackwardInput = {
      rows: 3, dim: 2, mode: 'max', paddingIdx: 2, indices: Int32Array.from([0, 1, 2, 1, 1]), offsets: Int32Array.from([0, 3]),
      gradOutput: Float32Array.from([10, 20, 30, 40]), weight: Float32Array.from([1, 9, 4, 2, 100, 100]),
    };
    for (const g of [backwardCasted(inp), backwardExpandCoalesce(inp)]) {
      expect(Array.from(g.rows)).toEqual([0, 1]);
      expect(Array.from(g.values)).toEqual([0, 20, 40, 40]);
    }
  });

  it('per_sample_weights backward: row0 ← g0·0.5 + g1·0.25 = 2·0.5 + 8·0.25 = 3', () => {
    const inp: BackwardInput = {
      rows: 1, dim: 1, mode: 'sum', indices: Int32Array.from([0, 0]), offsets: Int32Array.from([0, 1]),
      perSampleWeights: Float32Array.from([0.5, 0.25]), gradOutput: Float32Array.from([2, 8]),
    };
    expect(Array.from(backwardCasted(inp).values)).toEqual([3]);
  });
});
