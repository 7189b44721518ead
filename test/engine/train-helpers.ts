/**
 * Training runs on the engine against the golden model: random training
 * cases (workloads of test/engine/helpers.ts, an optimizer with random lr and
 * eps, a random state), the model's expected forward outputs, weight and state
 * after every batch, and the check of an engine run against them.
 */
import fc from 'fast-check';
import { Rng, gatherReduce, backwardCasted, applyOptimizer, firstBitDifference, type OptimizerSpec } from '../../model';
import type { AxiResult } from '../../sim/axi';
import { trainEndProblems, type TrainCase, type TrainScenario } from '../../sim/train';
import { makeCase, workloadArb, type WorkloadSpec } from './helpers';

export interface TrainSpec {
  batches: WorkloadSpec[];
  kind: OptimizerSpec['kind'];
  lrExp: number;
  epsExp: number;
  stateSeed: number;
}

export const trainSpecArb = (maxDim: number, maxBatches = 1): fc.Arbitrary<TrainSpec> => fc.record({
  batches: fc.array(workloadArb(maxDim).map((s) => ({ ...s, mode: s.mode === 'max' ? 'mean' as const : s.mode })), { minLength: 1, maxLength: maxBatches }),
  kind: fc.constantFrom('sgd', 'adagrad', 'rowwise_adagrad'),
  lrExp: fc.integer({ min: -12, max: 2 }),
  epsExp: fc.integer({ min: -30, max: 0 }),
  stateSeed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

/** A training case: the first batch's table; every batch's lookups re-drawn into it (rows clamp to the table). */
export function makeTrainCase(s: TrainSpec): TrainCase {
  const first = makeCase(s.batches[0]!);
  const rows = first.rows;
  const dim = first.dim;
  const rng = new Rng(s.stateSeed);
  const lr = Math.fround(rng.float() * 2 ** s.lrExp);
  const eps = Math.fround(rng.float() * 2 ** s.epsExp);
  const optimizer: OptimizerSpec = s.kind === 'sgd' ? { kind: 'sgd', lr } : { kind: s.kind, lr, eps };
  const stateLen = s.kind === 'adagrad' ? rows * dim : s.kind === 'rowwise_adagrad' ? rows : 0;
  const state = new Float32Array(stateLen).map(() => (rng.int(4) === 0 ? 0 : Math.fround(rng.float() * 2 ** (rng.int(20) - 10))));
  const batches = s.batches.map((b, i) => {
    const c = i === 0 ? first : makeCase({ ...b, rows, dim, pad: b.pad === null ? null : Math.max(-rows, Math.min(rows - 1, b.pad)) });
    const numBags = c.includeLastOffset ? Math.max(0, c.offsets.length - 1) : c.offsets.length;
    const g = new Float32Array(numBags * dim).map(() => (rng.int(30) === 0 ? [0, -0, NaN, Infinity][rng.int(4)]! : Math.fround((rng.float() * 2 - 1) * 2 ** (rng.int(30) - 15))));
    return { indices: c.indices, offsets: c.offsets, includeLastOffset: c.includeLastOffset, paddingIdx: c.paddingIdx, mode: c.mode, perSampleWeights: c.perSampleWeights, gradOutput: g };
  });
  return { weight: first.weight, rows, dim, optimizer, state: stateLen ? state : null, batches };
}

export interface TrainExpected { outputs: Float32Array[]; weight: Float32Array; state: Float32Array | null; grad: { rows: Int32Array; values: Float32Array } | null }

/** The golden model's training steps. */
export function expectedTraining(c: TrainCase): TrainExpected {
  const weight = Float32Array.from(c.weight);
  const state = c.state ? Float32Array.from(c.state) : c.optimizer.kind === 'sgd' ? null : new Float32Array(c.optimizer.kind === 'adagrad' ? c.rows * c.dim : c.rows);
  const outputs: Float32Array[] = [];
  let grad: TrainExpected['grad'] = null;
  for (const b of c.batches) {
    const mode = b.mode ?? 'sum';
    outputs.push(gatherReduce({ ...b, weight, rows: c.rows, dim: c.dim, mode }).output);
    const g = backwardCasted({ ...b, rows: c.rows, dim: c.dim, mode });
    applyOptimizer(c.optimizer, weight, state, c.rows, g);
    grad = g;
  }
  return { outputs, weight, state, grad };
}

const hex = (a: Float32Array, i: number) => `0x${new Uint32Array(a.buffer, a.byteOffset, a.length)[i]!.toString(16)}`;

/** Why an engine training run disagrees with the model, or undefined. */
export function trainProblem(c: TrainCase, s: TrainScenario, r: AxiResult, want: TrainExpected, withForward = true): string | undefined {
  if (r.status !== 'ok') return `status ${r.status}: ${r.violation?.message ?? r.failure ?? ''}`;
  const got = s.decode(r);
  const bad = trainEndProblems(s, got.counters);
  if (bad.length) return `op ${bad[0]}`;
  if (r.counters.m_axi!.outstanding !== 0 || r.inFlight.length) return `transactions left open: ${r.inFlight.join('; ')}`;
  if (withForward) {
    for (let i = 0; i < want.outputs.length; i++) {
      const d = firstBitDifference(got.outputs[i]!, want.outputs[i]!);
      if (d >= 0) return `batch ${i} forward output[${Math.floor(d / c.dim)}, ${d % c.dim}] = ${got.outputs[i]![d]} (${hex(got.outputs[i]!, d)}), model ${want.outputs[i]![d]} (${hex(want.outputs[i]!, d)})`;
    }
  }
  const dw = firstBitDifference(got.weight, want.weight);
  if (dw >= 0) return `weight[${Math.floor(dw / c.dim)}, ${dw % c.dim}] = ${got.weight[dw]} (${hex(got.weight, dw)}), model ${want.weight[dw]} (${hex(want.weight, dw)})`;
  if (want.state) {
    const ds = firstBitDifference(got.state!, want.state);
    if (ds >= 0) return `state[${ds}] = ${got.state![ds]} (${hex(got.state!, ds)}), model ${want.state[ds]} (${hex(want.state, ds)})`;
  }
  if (got.guardBroken >= 0) return `weight byte ${got.guardBroken} (row padding) was written`;
  if (got.gradValues && want.grad) {
    if (got.gradRows!.length !== want.grad.rows.length || got.gradRows!.some((x, i) => x !== BigInt(want.grad!.rows[i]!))) return `grad_rows ${got.gradRows} differ from the model's ${want.grad.rows}`;
    const dg = firstBitDifference(got.gradValues, want.grad.values);
    if (dg >= 0) return `grad_values differ at ${dg}`;
  }
  return undefined;
}
