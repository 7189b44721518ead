/**
 * Optimizers: only the rows of the batch change, and the changed rows follow
 * the written fp32 formulas (checked against a naive re-statement).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOptimizer, backwardCasted, bitEqual, type OptimizerSpec } from '../../model/index';
import { batchArb } from './arbitraries';
import { sameBits } from './oracle';

const f = Math.fround;

const optArb: fc.Arbitrary<OptimizerSpec> = fc.oneof(
  fc.record({ kind: fc.constant('sgd' as const), lr: fc.double({ min: 1e-4, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('adagrad' as const), lr: fc.double({ min: 1e-4, max: 1, noNaN: true }), eps: fc.constantFrom(1e-8, 1e-6, 0.1) }),
  fc.record({ kind: fc.constant('rowwise_adagrad' as const), lr: fc.double({ min: 1e-4, max: 1, noNaN: true }), eps: fc.constantFrom(1e-8, 1e-6, 0.1) }),
);

/** The optimizer formulas of docs/MODEL.md, one row at a time, naively. */
function naiveRow(spec: OptimizerSpec, w: number[], st: number[], g: number[]): void {
  const lr = f(spec.lr);
  if (spec.kind === 'sgd') {
    for (let d = 0; d < w.length; d++) w[d] = f(w[d]! - f(lr * g[d]!));
  } else if (spec.kind === 'adagrad') {
    const eps = f(spec.eps);
    for (let d = 0; d < w.length; d++) {
      st[d] = f(st[d]! + f(g[d]! * g[d]!));
      w[d] = f(w[d]! - f(f(lr * g[d]!) / f(f(Math.sqrt(st[d]!)) + eps)));
    }
  } else {
    const eps = f(spec.eps);
    let s = 0;
    for (const x of g) s = f(s + f(x * x));
    st[0] = f(st[0]! + f(s / w.length));
    const mult = f(lr / f(f(Math.sqrt(st[0]!)) + eps));
    for (let d = 0; d < w.length; d++) w[d] = f(w[d]! - f(g[d]! * mult));
  }
}

describe('optimizers', () => {
  it('change only the rows in the batch; those rows follow the fp32 formulas', () => {
    fc.assert(
      fc.property(batchArb(), optArb, fc.array(fc.float({ min: 0, max: 10, noNaN: true }), { minLength: 64, maxLength: 64 }), (b, spec, stSeed) => {
        const grad = backwardCasted({ ...b, gradOutput: b.gradOutput, weight: b.weight });
        const w = Float32Array.from(b.weight);
        const stateLen = spec.kind === 'adagrad' ? b.rows * b.dim : spec.kind === 'rowwise_adagrad' ? b.rows : 0;
        const state = spec.kind === 'sgd' ? null : Float32Array.from({ length: stateLen }, (_, i) => stSeed[i % 64]!);
        const state0 = state ? Float32Array.from(state) : null;
        applyOptimizer(spec, w, state, b.rows, grad);
        const inBatch = new Set(grad.rows);
        for (let r = 0; r < b.rows; r++) {
          const wr = w.subarray(r * b.dim, (r + 1) * b.dim);
          const w0 = b.weight.subarray(r * b.dim, (r + 1) * b.dim);
          const sr = spec.kind === 'adagrad' ? state!.subarray(r * b.dim, (r + 1) * b.dim) : spec.kind === 'rowwise_adagrad' ? state!.subarray(r, r + 1) : null;
          const s0 = spec.kind === 'adagrad' ? state0!.subarray(r * b.dim, (r + 1) * b.dim) : spec.kind === 'rowwise_adagrad' ? state0!.subarray(r, r + 1) : null;
          if (!inBatch.has(r)) {
            if (!bitEqual(wr, w0)) return false;
            if (sr && !bitEqual(sr, s0!)) return false;
          } else {
            const u = grad.rows.indexOf(r);
            const wantW = Array.from(w0);
            const wantS = s0 ? Array.from(s0) : [];
            naiveRow(spec, wantW, wantS, Array.from(grad.values.subarray(u * b.dim, (u + 1) * b.dim)));
            if (!sameBits(wr, wantW)) return false;
            if (sr && !sameBits(sr, wantS)) return false;
          }
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('rowwise Adagrad by hand: g = [3, 4], state 0, lr 0.5, eps 0', () => {
    // s = 3·3 + 4·4 = 25; mean = 25 / 2 = 12.5; state = 0 + 12.5 = 12.5
    // mult = 0.5 / (sqrt(12.5) + 0) = 0.5 / 3.5355339 = fround(0.14142136) ; w -= g·mult
    const w = Float32Array.from([1, 1]);
    const st = Float32Array.from([0]);
    applyOptimizer({ kind: 'rowwise_adagrad', lr: 0.5, eps: 0 }, w, st, 1, { rows: Int32Array.from([0]), values: Float32Array.from([3, 4]), dim: 2 });
    expect(st[0]).toBe(12.5);
    const mult = f(0.5 / f(Math.sqrt(12.5)));
    expect(w[0]).toBe(f(1 - f(3 * mult))); // 1 - 0.42426407 = 0.5757359
    expect(w[1]).toBe(f(1 - f(4 * mult))); // 1 - 0.56568542 = 0.4343146
    expect(w[0]).toBeCloseTo(0.5757359, 6);
  });

  it('adagrad by hand: g = 2, state 5, lr 0.1, eps 1: state 9, w -= 0.2 / (3 + 1) = 0.05', () => {
    const w = Float32Array.from([1]);
    const st = Float32Array.from([5]);
    applyOptimizer({ kind: 'adagrad', lr: 0.1, eps: 1 }, w, st, 1, { rows: Int32Array.from([0]), values: Float32Array.from([2]), dim: 1 });
    expect(st[0]).toBe(9); // 5 + 2·2
    // lr·g = fround(0.1)·2 = 0.2 (as binary32); / (sqrt(9) + 1) = / 4 → 0.05 (binary32); 1 - 0.05
    expect(w[0]).toBe(f(1 - f(f(f(0.1) * 2) / 4)));
    expect(w[0]).toBeCloseTo(0.95, 7);
  });

  it('sgd by hand: w = 1, g = 0.5, lr 0.25 → 1 - 0.125 = 0.875', () => {
    const w = Float32Array.from([1, 7]);
    applyOptimizer({ kind: 'sgd', lr: 0.25 }, w, null, 2, { rows: Int32Array.from([0]), values: Float32Array.from([0.5]), dim: 1 });
    expect(Array.from(w)).toEqual([0.875, 7]); // row 1 is not in the batch: untouched
  });

  it('rejects a state of the wrong shape and unsorted gradient rows', () => {
    const g = { rows: Int32Array.from([1, 0]), values: Float32Array.from([1, 1]), dim: 1 };
    expect(() => applyOptimizer({ kind: 'sgd', lr: 1 }, new Float32Array(2), null, 2, g)).toThrow(/grad_rows\[1\] = 0 is not greater than grad_rows\[0\] = 1/);
    const g2 = { rows: Int32Array.from([0]), values: Float32Array.from([1]), dim: 1 };
    expect(() => applyOptimizer({ kind: 'rowwise_adagrad', lr: 1, eps: 0 }, new Float32Array(2), new Float32Array(3), 2, g2)).toThrow(/optimizer_state holds 3 floats/);
    expect(() => applyOptimizer({ kind: 'sgd', lr: Number.NaN }, new Float32Array(2), null, 2, g2)).toThrow(/optimizer lr = NaN/);
  });
});
