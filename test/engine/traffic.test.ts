/**
 * The traffic model (model/traffic.ts) against the engine's counters: the
 * bytes it predicts for the forward and the casted backward equal R_BEATS ×
 * beat and W_BEATS × beat exactly, on random small workloads (sum, mean, max,
 * per_sample_weights, padding, empty bags, int32/int64, include_last_offset,
 * dims not a multiple of the lanes) under random timing. One batch in the
 * shared engine build (test/engine/helpers.ts).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { simulateAxi } from '../../sim/axi';
import { castedBackwardCase, forwardScenario, type ForwardCase } from '../../sim/engine';
import { castIndices, Rng } from '../../model';
import { traffic, type TrafficShape } from '../../model/traffic';
import { engineTarget, makeCase, runArb, testShape } from './helpers';

const target = engineTarget();
const beat = testShape.dataBits / 8;

/** The traffic model's shape of a forward case, counted from its arrays. */
function shapeOf(c: ForwardCase): TrafficShape {
  const pad = c.paddingIdx ?? null;
  const padRow = pad === null ? -1 : pad < 0 ? c.rows + pad : pad;
  const idx = Array.from(c.indices, Number);
  const live = idx.filter((r) => r !== padRow);
  return {
    n: live.length, indices: idx.length, u: new Set(live).size,
    bags: c.includeLastOffset ? Math.max(0, c.offsets.length - 1) : c.offsets.length, dim: c.dim, beatBytes: beat,
    indexBytes: c.indices instanceof BigInt64Array ? 8 : 4, offsetBytes: c.offsets instanceof BigInt64Array ? 8 : 4,
    includeLastOffset: c.includeLastOffset ?? false, perSampleWeights: c.perSampleWeights !== null && c.perSampleWeights !== undefined, mode: c.mode ?? 'sum',
  };
}

describe('traffic model against the engine counters', () => {
  test('forward and casted backward: predicted bytes read and written equal the measured ones exactly', async () => {
    const runs = fc.sample(runArb(testShape.maxDim), { numRuns: 24, seed: 4242 });
    const jobs = runs.flatMap((run, i) => {
      const c = makeCase(run.spec);
      const fwd = { kind: 'forward' as const, c, shape: shapeOf(c), s: forwardScenario(c, testShape, { name: `tf-${i}`, profile: run.profile, skew: run.skew, dump: false }) };
      const mode = c.mode === 'max' ? 'mean' : (c.mode ?? 'sum');
      const cb = { ...c, mode, perSampleWeights: mode === 'sum' ? c.perSampleWeights : null };
      const casted = castIndices(cb);
      const rng = new Rng(run.spec.seed);
      const g = new Float32Array(casted.numBags * c.dim).map(() => rng.float());
      const bc = castedBackwardCase(casted, g, c.dim);
      const shape = { ...shapeOf(cb), bags: casted.numBags };
      const bwd = { kind: 'casted' as const, c: bc, shape, s: forwardScenario(bc, testShape, { name: `tb-${i}`, profile: run.profile, skew: run.skew, dump: false }) };
      return [fwd, bwd];
    });
    const rs = await simulateAxi(target, jobs.map((j) => j.s.scenario));
    let rowsSeen = 0;
    rs.forEach((r, i) => {
      const j = jobs[i]!;
      const m = r.counters.m_axi!;
      const want = traffic(j.kind, j.shape);
      const got = { read: m.r.beats * beat, written: m.w.beats * beat };
      expect(got, `${j.kind} ${i >> 1} ${JSON.stringify(j.shape)}`).toEqual({ read: want.read, written: want.written });
      rowsSeen += j.shape.n;
    });
    expect(rowsSeen).toBeGreaterThan(100);
  });
});
