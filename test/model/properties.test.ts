/**
 * Property tests of the golden model over random batches (empty bags, repeated
 * rows within and across bags, padding, per-sample weights, mean, max, int32
 * and int64 indices), with mutants that the key properties must catch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backwardCasted, backwardExpandCoalesce, bitEqual, castIndices, castedGatherReduce, gatherReduce,
  type BackwardInput, type CastedIndex, type CoalescedGrad,
} from '../../model/index';
import { batchArb, type Batch } from './arbitraries';
import { naiveBackward, naiveForward, sameBits, toNumbers } from './oracle';

const RUNS = 300;

function bwInput(b: Batch): BackwardInput {
  return {
    rows: b.rows, dim: b.dim, mode: b.mode, indices: b.indices, offsets: b.offsets,
    includeLastOffset: b.includeLastOffset, paddingIdx: b.paddingIdx, perSampleWeights: b.perSampleWeights,
    gradOutput: b.gradOutput, weight: b.weight,
  };
}

function sameGrad(a: CoalescedGrad, b: CoalescedGrad): boolean {
  return a.rows.length === b.rows.length && a.rows.every((r, i) => r === b.rows[i]) && bitEqual(a.values, b.values);
}

/** The casted backward with a caller-supplied casting (to inject mutants). */
function castedWith(b: Batch, mutate: (c: CastedIndex) => CastedIndex): CoalescedGrad {
  const ci = mutate(castIndices({ ...bwInput(b) }));
  const fwd = gatherReduce({ ...bwInput(b), weight: b.weight });
  return castedGatherReduce(ci, b.gradOutput, b.dim, fwd.argmaxPos);
}

/** The key property: casted backward == expand-coalesce backward, bit for bit. */
function castedEqualsExpandCoalesce(mutate: (c: CastedIndex) => CastedIndex = (c) => c) {
  return fc.property(batchArb(), (b) => {
    const ec = backwardExpandCoalesce(bwInput(b));
    const ca = castedWith(b, mutate);
    return sameGrad(ec, ca);
  });
}

/** Mutant 1: an unstable sort: within each row's segment the lookups come in reverse order. */
function reverseSegments(c: CastedIndex): CastedIndex {
  const bagIds = Int32Array.from(c.bagIds);
  const positions = Int32Array.from(c.positions);
  const scale = c.scale ? Float32Array.from(c.scale) : null;
  for (let u = 0; u < c.uniqueRows.length; u++) {
    const s = c.segOffsets[u]!;
    const e = c.segOffsets[u + 1]!;
    bagIds.subarray(s, e).reverse();
    positions.subarray(s, e).reverse();
    scale?.subarray(s, e).reverse();
  }
  return { ...c, bagIds, positions, scale };
}

/** Mutant 2: the mean scale computed in binary64 (1/n not rounded to binary32). */
function unroundedMeanScale(c: CastedIndex): CastedIndex {
  if (c.mode !== 'mean' || !c.scale) return c;
  // A scale that is 1/n in binary64 cannot be stored in the Float32Array, so the
  // mutant instead rounds 1/n toward zero (what a truncating divider gives).
  const scale = Float32Array.from(c.scale, (s) => {
    const exact = 1 / Math.round(1 / s);
    return Math.fround(exact) > exact ? nextDown(Math.fround(exact)) : Math.fround(exact);
  });
  return { ...c, scale };
}

function nextDown(x: number): number {
  const a = new Float32Array([x]);
  const u = new Uint32Array(a.buffer);
  u[0] = u[0]! - 1; // x > 0
  return a[0]!;
}

describe('casted backward vs expand-coalesce backward', () => {
  it('are equal bit for bit over random batches (all modes, padding, psw, empty bags, int32/int64)', () => {
    fc.assert(castedEqualsExpandCoalesce(), { numRuns: RUNS });
  });

  it('both equal the naive fp32 oracle', () => {
    fc.assert(
      fc.property(batchArb(), (b) => {
        const want = naiveBackward(b);
        const got = backwardCasted(bwInput(b));
        return want.rows.length === got.rows.length && want.rows.every((r, i) => r === got.rows[i]) && sameBits(got.values, want.values);
      }),
      { numRuns: RUNS },
    );
  });

  it('MUTANT (unstable sort: reversed segments) is detected by the property', () => {
    const r = fc.check(castedEqualsExpandCoalesce(reverseSegments), { numRuns: 2000, seed: 42 });
    expect(r.failed).toBe(true);
  });

  it('MUTANT (mean scale not rounded to nearest) is detected by the property', () => {
    const r = fc.check(castedEqualsExpandCoalesce(unroundedMeanScale), { numRuns: 2000, seed: 7 });
    expect(r.failed).toBe(true);
  });

  it('MUTANT (fused multiply-add: product not rounded before the add) is detected', () => {
    // A casted gather-reduce that accumulates acc = fround(acc + g*s) with g*s kept exact.
    const fused = (b: Batch): CoalescedGrad => {
      const c = castIndices({ ...bwInput(b) });
      const values = new Float32Array(c.uniqueRows.length * b.dim);
      const fwd = gatherReduce({ ...bwInput(b), weight: b.weight });
      for (let u = 0; u < c.uniqueRows.length; u++) {
        for (let k = c.segOffsets[u]!; k < c.segOffsets[u + 1]!; k++) {
          const bag = c.bagIds[k]!;
          for (let d = 0; d < b.dim; d++) {
            if (b.mode === 'max' && fwd.argmaxPos![bag * b.dim + d] !== c.positions[k]) continue;
            const s = c.scale ? c.scale[k]! : 1;
            values[u * b.dim + d] = values[u * b.dim + d]! + b.gradOutput[bag * b.dim + d]! * s;
          }
        }
      }
      return { rows: c.uniqueRows, values, dim: b.dim };
    };
    const r = fc.check(fc.property(batchArb({ modes: ['sum', 'mean'] }), (b) => sameGrad(backwardExpandCoalesce(bwInput(b)), fused(b))), {
      numRuns: 2000, seed: 3,
    });
    expect(r.failed).toBe(true);
  });

  it('the casted index is a stable sort of the non-padding (row, position) pairs', () => {
    fc.assert(
      fc.property(batchArb(), (b) => {
        const c = castIndices({ ...bwInput(b) });
        const pad = b.paddingIdx === null ? -1 : b.paddingIdx < 0 ? b.rows + b.paddingIdx : b.paddingIdx;
        const pairs = toNumbers(b.indices).map((r, p) => [r, p] as const).filter(([r]) => r !== pad);
        pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        const rowsOfSorted: number[] = [];
        c.uniqueRows.forEach((r, u) => {
          for (let k = c.segOffsets[u]!; k < c.segOffsets[u + 1]!; k++) rowsOfSorted.push(r);
        });
        return (
          c.numLookups === pairs.length &&
          pairs.every(([r, p], k) => rowsOfSorted[k] === r && c.positions[k] === p) &&
          c.uniqueRows.every((r, u) => u === 0 || r > c.uniqueRows[u - 1]!)
        );
      }),
      { numRuns: RUNS },
    );
  });
});

describe('forward', () => {
  it('equals the naive fp32 oracle in every mode', () => {
    fc.assert(
      fc.property(batchArb(), (b) => {
        const got = gatherReduce({ ...bwInput(b), weight: b.weight });
        const want = naiveForward(b);
        return sameBits(got.output, want.out) && (b.mode !== 'max' || got.argmaxPos!.every((p, i) => p === want.argmax[i]));
      }),
      { numRuns: RUNS },
    );
  });

  it('MUTANT (max ties: last maximal lookup wins, >=) is detected', () => {
    // A max forward that replaces on >= : disagrees with PyTorch's first-wins rule on ties.
    const mutantMax = (b: Batch) => {
      const fwd = gatherReduce({ ...bwInput(b), weight: b.weight, mode: 'max', perSampleWeights: null });
      const idx = toNumbers(b.indices);
      const offs = toNumbers(b.offsets);
      const B = b.includeLastOffset ? offs.length - 1 : offs.length;
      offs.length = B;
      offs.push(idx.length);
      const pad = b.paddingIdx === null ? -1 : b.paddingIdx < 0 ? b.rows + b.paddingIdx : b.paddingIdx;
      const am = new Int32Array(B * b.dim).fill(-1);
      for (let k = 0; k < B; k++) {
        for (let d = 0; d < b.dim; d++) {
          let cur = 0;
          for (let p = offs[k]!; p < offs[k + 1]!; p++) {
            if (idx[p] === pad) continue;
            const v = b.weight[idx[p]! * b.dim + d]!;
            if (am[k * b.dim + d] === -1 || v >= cur) { cur = v; am[k * b.dim + d] = p; }
          }
        }
      }
      return { real: fwd.argmaxPos!, mutant: am };
    };
    const r = fc.check(
      fc.property(batchArb({ modes: ['max'], maxRows: 3 }), (b) => {
        const { real, mutant } = mutantMax(b);
        return real.every((p, i) => p === mutant[i]);
      }),
      { numRuns: 2000, seed: 11 },
    );
    expect(r.failed).toBe(true);
  });
});
