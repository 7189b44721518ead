/**
 * Workload generators: reproducible, shaped as asked, statistics right.
 */
import { describe, expect, it } from 'vitest';
import {
  backwardCastedBatched, backwardExpandCoalesceBatched, bitEqual, DLRMV2_MULTI_HOT, DLRMV2_ROWS, generateWorkload,
  makeGradOutput, preset, PRESET_NAMES, Rng, workloadStats, ZipfSampler, type WorkloadSpec,
} from '../../model/index';

describe('workloads', () => {
  it('the same spec and seed give the same batch; another seed a different one', () => {
    const spec = preset('small', { seed: 5 });
    const a = generateWorkload(spec);
    const b = generateWorkload(spec);
    const c = generateWorkload({ ...spec, seed: 6 });
    expect(Buffer.from(a.indices.buffer).equals(Buffer.from(b.indices.buffer))).toBe(true);
    expect(Buffer.from(a.offsets.buffer).equals(Buffer.from(b.offsets.buffer))).toBe(true);
    expect(Buffer.from(a.indices.buffer).equals(Buffer.from(c.indices.buffer))).toBe(false);
  });

  it('fixed pooling gives exactly L per bag; uniform stays in min..L; indices in range', () => {
    const fixed = generateWorkload({ tables: [{ rows: 50, dim: 2 }, { rows: 7, dim: 1 }], batchSize: 9, pooling: { kind: 'fixed', L: 4 }, distribution: { kind: 'uniform' }, seed: 1 });
    expect(fixed.indices.length).toBe(2 * 9 * 4);
    expect(Array.from(fixed.offsets).every((o, i) => o === 4 * i)).toBe(true);
    const uni = generateWorkload({ tables: [{ rows: 5, dim: 2 }], batchSize: 200, pooling: { kind: 'uniform', L: 3, min: 0 }, distribution: { kind: 'uniform' }, seed: 2 });
    const sizes = Array.from({ length: 200 }, (_, b) => uni.offsets[b + 1]! - uni.offsets[b]!);
    expect(Math.min(...sizes)).toBe(0);
    expect(Math.max(...sizes)).toBe(3);
    expect(Array.from(uni.indices).every((r) => r >= 0 && r < 5)).toBe(true);
  });

  it('DLRM de-duplication: every bag is strictly ascending (np.unique)', () => {
    const w = generateWorkload({ tables: [{ rows: 10, dim: 1 }], batchSize: 50, pooling: { kind: 'fixed', L: 8 }, distribution: { kind: 'uniform' }, dedup: true, seed: 3 });
    for (let b = 0; b < 50; b++) {
      for (let p = w.offsets[b]! + 1; p < w.offsets[b + 1]!; p++) expect(w.indices[p]!).toBeGreaterThan(w.indices[p - 1]!);
    }
    expect(w.indices.length).toBeLessThan(400); // 8 draws from 10 rows repeat often
  });

  it('Zipf sampler: frequencies follow k^-s (s = 1.2, n = 5)', () => {
    const z = new ZipfSampler(5, 1.2);
    const rng = new Rng(9);
    const counts = new Array(6).fill(0);
    const N = 200_000;
    for (let i = 0; i < N; i++) counts[z.sample(rng)]++;
    const norm = [1, 2, 3, 4, 5].reduce((a, k) => a + k ** -1.2, 0);
    for (let k = 1; k <= 5; k++) expect(Math.abs(counts[k] / N - k ** -1.2 / norm)).toBeLessThan(0.005);
  });

  it('Zipf workloads reuse rows more than uniform ones', () => {
    const base: WorkloadSpec = { tables: [{ rows: 100_000, dim: 4 }], batchSize: 256, pooling: { kind: 'fixed', L: 20 }, distribution: { kind: 'uniform' }, seed: 4 };
    const u = workloadStats(generateWorkload(base));
    const z = workloadStats(generateWorkload({ ...base, distribution: { kind: 'zipf', exponent: 1.05 } }));
    expect(u.lookups).toBe(256 * 20);
    expect(u.reuse).toBeLessThan(1.05);
    expect(z.reuse).toBeGreaterThan(2); // measured 2.33 for this seed; uniform gives ~1.03
  });

  it('stats by hand: 1 table, dim 2, bags [0, 1, 0] and []: 3 lookups, 2 unique rows, reuse 1.5, 1 empty bag', () => {
    const w = { spec: preset('tiny'), tables: [{ rows: 4, dim: 2 }], batchSize: 2, indices: Int32Array.from([0, 1, 0]), offsets: Int32Array.from([0, 3, 3]), perSampleWeights: null };
    const s = workloadStats(w);
    expect(s).toMatchObject({ lookups: 3, uniqueRows: 2, reuse: 1.5, emptyBags: 1 });
    // forward: 3 rows · 2 · 4 B gathered + (3 + 3) · 4 B of indices/offsets + 2 bags · 2 · 4 B out = 24 + 24 + 16
    expect(s.bytes.forward).toBe(64);
    // casted: 24 gathered + index (2·8 + 4 + 3·4 = 32) + 2 unique rows · 8 B = 72
    expect(s.bytes.castedBackward).toBe(72);
  });

  it('presets have the published shapes', () => {
    expect(PRESET_NAMES).toContain('dlrm-benchmark');
    const d = preset('dlrm-benchmark');
    expect(d.tables).toHaveLength(8);
    expect(d.tables.every((t) => t.rows === 1_000_000 && t.dim === 64)).toBe(true);
    expect(d).toMatchObject({ batchSize: 2048, pooling: { kind: 'fixed', L: 100 } });
    const m = preset('mlperf-dlrmv2', { rowCap: 50_000 });
    expect(m.tables).toHaveLength(26);
    expect(m.tables.map((t) => t.rows)).toEqual(DLRMV2_ROWS.map((r) => Math.min(r, 50_000)));
    expect(m.tables.every((t) => t.dim === 128)).toBe(true);
    expect(m.pooling).toEqual({ kind: 'per_table', sizes: DLRMV2_MULTI_HOT });
    const w = generateWorkload({ ...m, batchSize: 8 });
    expect(w.indices.length).toBe(8 * DLRMV2_MULTI_HOT.reduce((a, b) => a + b, 0));
  });

  it('the tiny and small presets run through both backwards with equal bits', () => {
    for (const name of ['tiny', 'small'] as const) {
      for (const mode of ['sum', 'mean'] as const) {
        const w = generateWorkload({ ...preset(name, { seed: 11 }), perSampleWeights: mode === 'sum' });
        const input = { tables: w.tables, batchSize: w.batchSize, indices: w.indices, offsets: w.offsets, perSampleWeights: w.perSampleWeights, mode };
        const g = makeGradOutput(w, 12);
        const a = backwardCastedBatched(input, g);
        const b = backwardExpandCoalesceBatched(input, g);
        a.forEach((x, t) => {
          expect(Array.from(x.rows)).toEqual(Array.from(b[t]!.rows));
          expect(bitEqual(x.values, b[t]!.values)).toBe(true);
        });
      }
    }
  });

  it('rejects bad specs', () => {
    expect(() => generateWorkload({ tables: [], batchSize: 1, pooling: { kind: 'fixed', L: 1 }, distribution: { kind: 'uniform' }, seed: 1 })).toThrow(/at least one table/);
    expect(() => generateWorkload({ tables: [{ rows: 0, dim: 1 }], batchSize: 1, pooling: { kind: 'fixed', L: 1 }, distribution: { kind: 'uniform' }, seed: 1 })).toThrow(/rows = 0/);
    expect(() => preset('huge' as never)).toThrow(/unknown workload preset "huge"/);
  });
});
