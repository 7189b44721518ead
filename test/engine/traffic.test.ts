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
import { predictCycles, traffic, type TrafficShape } from '../../model/traffic';
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
      // The traffic model counts the pooled output, not max mode's optional argmax rows.
      const c = { ...makeCase(run.spec), argmax: false };
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

  test('cycles follow the bandwidth bound with independent channels and with the shared (DRAM-like) bus', async () => {
    const rng = new Rng(99);
    const rows = 600, dim = 16, bags = 250, per = 12;
    const indices = Int32Array.from({ length: bags * per }, () => rng.int(rows));
    const c: ForwardCase = { weight: new Float32Array(rows * dim).map(() => rng.float()), rows, dim, indices, offsets: Int32Array.from({ length: bags }, (_, b) => b * per), mode: 'sum' };
    const casted = castIndices({ ...c, mode: 'sum' });
    const bc = castedBackwardCase(casted, new Float32Array(bags * dim).map(() => rng.float()), dim);
    const base = { readLatency: 8, writeLatency: 8, maxReads: 64, maxWrites: 32 };
    const modes = [
      { name: 'independent', profile: base, mem: { mode: 'independent' as const } },
      { name: 'shared', profile: { ...base, busBytes: beat }, mem: { mode: 'shared' as const } },
      { name: 'shared-turn', profile: { ...base, busBytes: beat, turnaround: 4 }, mem: { mode: 'shared' as const, turnaround: 4 } },
    ];
    const jobs = modes.flatMap((m) => [
      { m, kind: 'forward' as const, shape: shapeOf(c), s: forwardScenario(c, testShape, { name: `cf-${m.name}`, profile: m.profile, dump: false }) },
      { m, kind: 'casted' as const, shape: { ...shapeOf(bc), u: casted.uniqueRows.length, n: c.indices.length }, s: forwardScenario(bc, testShape, { name: `cb-${m.name}`, profile: m.profile, dump: false }) },
    ]);
    const rs = await simulateAxi(target, jobs.map((j) => j.s.scenario));
    const lines: string[] = [];
    rs.forEach((r, i) => {
      const j = jobs[i]!;
      const k = r.counters.m_axi!;
      const measured = k.lastW! - k.firstR! + 1;
      const p = traffic(j.kind, j.shape);
      expect({ read: k.r.beats * beat, written: k.w.beats * beat }).toEqual({ read: p.read, written: p.written });
      // The model's bound with its estimate of one turnaround per write burst, and with the measured turnarounds.
      const predicted = predictCycles(p, j.shape, j.m.mem);
      const withMeasured = predictCycles(p, j.shape, { ...j.m.mem, turnaround: 0 }) + (j.m.mem.turnaround ?? 0) * (k.turnarounds ?? 0);
      const line = `${j.kind} ${j.m.name}: ${measured} cycles (first R to last W), model ${predicted}, with the measured ${k.turnarounds ?? 0} turnarounds ${withMeasured}`;
      lines.push(line);
      expect(measured / withMeasured, line).toBeGreaterThan(0.97);
      expect(measured / withMeasured, line).toBeLessThan(1.1);
      // At least one read-to-write switch per written row when reads and writes interleave.
      if (j.m.mem.turnaround !== undefined) expect(k.turnarounds!, line).toBeGreaterThanOrEqual(k.aw.beats);
    });
    console.log(lines.join('\n'));
  });
});

