/**
 * The traffic model's formulas (model/traffic.ts, docs/TRAFFIC.md): hand
 * counts, the row-count statements of issue 10, the bounds, and bad input.
 */
import { describe, expect, test } from 'vitest';
import { predictCycles, rowCounts, rowCountText, traffic, trafficOps, type TrafficShape } from '../../model/traffic';
import { ModelError } from '../../model/errors';

const base: TrafficShape = { n: 100, u: 40, bags: 10, dim: 17, beatBytes: 16, optimizer: 'sgd' };

describe('traffic model', () => {
  test('forward by hand: 17 fp32 = 68 bytes = 5 beats of 16 per row', () => {
    const f = traffic('forward', { ...base, indices: 103, includeLastOffset: true, perSampleWeights: true });
    // indices 103×4 = 412 B → 26 beats; offsets 11×4 = 44 → 3; scales 103×4 → 26; rows 100×5 = 500; out 10×5 = 50.
    expect(f.rBeats).toBe(26 + 3 + 26 + 500);
    expect(f.wBeats).toBe(50);
    expect(f.read).toBe(555 * 16);
    // The forward reads no row ids (only the casted backward does).
    expect(f.ops[0]!.streams).toEqual({ indices: 26 * 16, offsets: 3 * 16, scales: 26 * 16, row_ids: 0, rows: 500 * 16 });
  });

  test('casted backward by hand: bagIds int32 [N], segOffsets [U+1], scales only with psw or mean', () => {
    const sum = traffic('casted', base);
    // bagIds 25 beats, segOffsets 41×4 B, the row ids (uniqueRows int64 [U]: 40×8 = 320 B = 20 beats), rows 100×5;
    // written: the U gradient rows and grad_rows (int64, the same 20 beats).
    expect(sum.rBeats).toBe(25 + Math.ceil(41 * 4 / 16) + 20 + 500);
    expect(sum.wBeats).toBe(40 * 5 + 20);
    expect(sum.ops[0]!.streams.row_ids).toBe(20 * 16);
    const mean = traffic('casted', { ...base, mode: 'mean' });
    expect(mean.rBeats - sum.rBeats).toBe(25);
  });

  test('the row counts of issue 10 (SGD): baseline reads 2N+2U and writes N+2U; casted fused reads N+U and writes U', () => {
    const b = rowCounts('baseline');
    const f = rowCounts('casted-fused');
    expect(rowCountText(b.read)).toBe('2N+2U');
    expect(rowCountText(f.read)).toBe('N+U');
    expect(rowCountText({ n: b.read.n + b.written.n, u: b.read.u + b.written.u })).toBe('3N+4U');
    expect(rowCountText({ n: f.read.n + f.written.n, u: f.read.u + f.written.u })).toBe('N+2U');
    expect(rowCountText(rowCounts('casted-unfused').read)).toBe('N+2U');
    // Adagrad's state is a row more each way per unique row.
    expect(rowCountText(rowCounts('casted-fused', 'adagrad').read)).toBe('N+2U');
  });

  test('DLRM-like bound: reads of the baseline over the casted fused path tend to 2.0 at large dim', () => {
    const s: TrafficShape = { n: 204_800, u: 184_000, bags: 2048, dim: 128, beatBytes: 64, optimizer: 'sgd' };
    const r = traffic('baseline', s).read / traffic('casted-fused', s).read;
    expect(r).toBeGreaterThan(1.95);
    expect(r).toBeLessThan(2.05);
    const ind = predictCycles(traffic('baseline', s), s, { mode: 'independent' }) / predictCycles(traffic('casted-fused', s), s, { mode: 'independent' });
    expect(ind).toBeGreaterThan(1.9);
    // Shared mode: (3N+4U)/(N+2U) at U/N = 0.9 is 2.36.
    const sh = predictCycles(traffic('baseline', s), s, { mode: 'shared' }) / predictCycles(traffic('casted-fused', s), s, { mode: 'shared' });
    expect(sh).toBeGreaterThan(2.2);
    expect(sh).toBeLessThan(2.45);
  });

  test('production reuse (U/N = 0.078): shared-mode bound (3N+4U)/(N+2U) ≈ 2.87', () => {
    const s: TrafficShape = { n: 100_000, u: 7_800, bags: 7_700, dim: 128, beatBytes: 64, optimizer: 'rowwise_adagrad' };
    const sh = predictCycles(traffic('baseline', s), s, { mode: 'shared' }) / predictCycles(traffic('casted-fused', s), s, { mode: 'shared' });
    expect(sh).toBeGreaterThan(2.6);
    expect(sh).toBeLessThan(3.0);
  });

  test('fused = unfused minus the coalesced gradient written and read back', () => {
    for (const optimizer of ['sgd', 'adagrad', 'rowwise_adagrad'] as const) {
      const s = { ...base, optimizer };
      const f = traffic('casted-fused', s);
      const u = traffic('casted-unfused', s);
      // Plus grad_rows (40 × int64 = 320 B): the unfused backward writes them and reads the row ids as a stream;
      // the fused path hands its row ids straight to the update.
      expect(u.written - f.written).toBe(40 * 5 * 16 + 320);
      expect(u.read - f.read).toBe(40 * 5 * 16 + 320);
    }
  });

  test('optimizer state: Adagrad a row each way, rowwise Adagrad one beat each way', () => {
    const sgd = traffic('casted-fused', base);
    const ada = traffic('casted-fused', { ...base, optimizer: 'adagrad' });
    const rw = traffic('casted-fused', { ...base, optimizer: 'rowwise_adagrad' });
    expect(ada.rBeats - sgd.rBeats).toBe(40 * 5);
    expect(ada.wBeats - sgd.wBeats).toBe(40 * 5);
    expect(rw.rBeats - sgd.rBeats).toBe(40);
    expect(rw.wBeats - sgd.wBeats).toBe(40);
  });

  test('shared-mode cycles: bytes / budget plus the turnaround per write burst', () => {
    const p = traffic('casted', base);
    const ind = predictCycles(p, base, { mode: 'independent' });
    expect(ind).toBe(Math.max(p.rBeats, p.wBeats));
    expect(predictCycles(p, base, { mode: 'shared' })).toBe(p.rBeats + p.wBeats);
    expect(predictCycles(p, base, { mode: 'shared', budget: 32 })).toBe(Math.ceil((p.rBeats + p.wBeats) / 2));
    // A turnaround per write burst: 40 gradient rows, and grad_rows in 1-beat bursts (40 int64 = 20 beats).
    expect(p.ops[0]!.wBursts).toBe(40 + 20);
    expect(predictCycles(p, base, { mode: 'shared', turnaround: 3 })).toBe(p.rBeats + p.wBeats + 3 * (40 + 20));
  });

  test('baseline operations: expand writes N rows, coalesce reads them back', () => {
    const ops = trafficOps('baseline', base);
    expect(ops.map((o) => o.op)).toEqual(['expand', 'coalesce', 'update']);
    expect(ops[0]!.wBeats).toBe(100 * 5);
    expect(ops[1]!.streams.rows).toBe(100 * 5 * 16);
  });

  test('bad input is refused with a named error', () => {
    expect(() => traffic('forward', { ...base, u: 101 })).toThrow(ModelError);
    expect(() => traffic('forward', { ...base, dim: 0 })).toThrow(/dim/);
    expect(() => traffic('forward', { ...base, beatBytes: 12 })).toThrow(/beatBytes/);
    expect(() => traffic('baseline', { ...base, optimizer: 'none' })).toThrow(/optimizer/);
    expect(() => traffic('bogus' as never, base)).toThrow(/unknown traffic path/);
  });
});
