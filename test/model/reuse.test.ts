/**
 * The production-reuse preset (model/workload.ts): its measured reuse
 * histograms (counted from the generated indices) against Meta's published
 * ones (issue 10, docs/MODEL.md section 7), per bin within 3 % of the
 * published fraction or the published rounding (±0.0005, plus 0.0001).
 */
import { describe, expect, test } from 'vitest';
import { generateWorkload, preset, PRODUCTION_REUSE, reuseCounts, reuseHistograms, reuseBin, reuseBinOf, ModelError } from '../../model';

const BINS = PRODUCTION_REUSE.lookupFraction.length;
const close = (got: number, want: number) => Math.abs(got - want) <= Math.max(0.03 * want, 0.0006);

describe('production-reuse preset', () => {
  const w = generateWorkload(preset('production-reuse'));
  const h = reuseHistograms(w, BINS);

  test('both measured histograms match the published ones per bin', () => {
    const rows = PRODUCTION_REUSE.lookupFraction.map((q, k) => {
      const [lo, hi] = reuseBin(k);
      return `| ${k === BINS - 1 ? `> ${lo}` : `(${lo}, ${hi}]`} | ${PRODUCTION_REUSE.uniqueRowFraction[k]!.toFixed(3)} | ${h.uniqueRowFraction[k]!.toFixed(4)} | ${q.toFixed(3)} | ${h.lookupFraction[k]!.toFixed(4)} |`;
    });
    console.log(`production-reuse: ${h.lookups} lookups, ${h.uniqueRows} unique rows, U/N ${(h.uniqueRows / h.lookups).toFixed(4)}\n${rows.join('\n')}`);
    for (let k = 0; k < BINS; k++) {
      expect(close(h.uniqueRowFraction[k]!, PRODUCTION_REUSE.uniqueRowFraction[k]!), `unique rows, bin ${k}: ${h.uniqueRowFraction[k]} vs ${PRODUCTION_REUSE.uniqueRowFraction[k]}`).toBe(true);
      expect(close(h.lookupFraction[k]!, PRODUCTION_REUSE.lookupFraction[k]!), `lookups, bin ${k}: ${h.lookupFraction[k]} vs ${PRODUCTION_REUSE.lookupFraction[k]}`).toBe(true);
    }
    expect(h.uniqueRows / h.lookups).toBeGreaterThan(0.075);
    expect(h.uniqueRows / h.lookups).toBeLessThan(0.081);
  });

  test('13 lookups per bag, seeded: same seed same batch, another seed another order', () => {
    expect(w.batchSize).toBe(77_000);
    expect(w.indices.length).toBe(13 * 77_000);
    for (let b = 0; b < 100; b++) expect(w.offsets[b + 1]! - w.offsets[b]!).toBe(13);
    const small = preset('production-reuse', { batchSize: 500 });
    expect(Array.from(generateWorkload(small).indices)).toEqual(Array.from(generateWorkload(small).indices));
    expect(Array.from(generateWorkload({ ...small, seed: 2 }).indices)).not.toEqual(Array.from(generateWorkload(small).indices));
  });

  test('the histogram is what drives it: a flat histogram gives no such reuse (the check can fail)', () => {
    const flat = { ...preset('production-reuse', { batchSize: 20_000 }), distribution: { kind: 'uniform' as const } };
    const hf = reuseHistograms(generateWorkload(flat), BINS);
    const bad = PRODUCTION_REUSE.lookupFraction.filter((q, k) => !close(hf.lookupFraction[k]!, q)).length;
    expect(bad).toBeGreaterThan(5);
  });

  test('reuseCounts: every count inside its bin, the lookups add up, small sizes fold the top bins down', () => {
    for (const n of [1_001_000, 50_000, 1_000]) {
      const c = reuseCounts(PRODUCTION_REUSE, n);
      expect(c.reduce((a, b) => a + b, 0)).toBe(n);
      // Counts come bin by bin, each inside (lo, hi] of its bin: every count is
      // at least 1 and the bins of consecutive counts never go down.
      const bins = Array.from(c, (r) => reuseBinOf(r, PRODUCTION_REUSE.lookupFraction.length));
      expect(Math.min(...c)).toBeGreaterThanOrEqual(1);
      expect(bins.every((k, i) => i === 0 || k >= bins[i - 1]!), `bins of n=${n} out of order`).toBe(true);
    }
    expect(() => generateWorkload({ ...preset('production-reuse', { batchSize: 100 }), tables: [{ rows: 10, dim: 4 }] })).toThrow(ModelError);
    expect(() => generateWorkload({ ...preset('production-reuse', { batchSize: 100 }), dedup: true })).toThrow(/de-duplication/);
  });
});
