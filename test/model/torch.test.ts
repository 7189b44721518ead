/**
 * Cross-check against real PyTorch (F.embedding_bag forward and autograd
 * backward, torch.optim) on random case directories written by
 * torch_crosscheck.py. Skipped when /usr/bin/python3 cannot import torch
 * (install with `apt-get install -y python3-torch`). Takes ~2 s.
 *
 * What must agree bit for bit (PyTorch 1.13 CPU):
 * - forward sum and mean without per_sample_weights, and max (values; ties and
 *   NaN as PyTorch);
 * - forward sum with per_sample_weights when padding_idx is set (PyTorch's slow
 *   path multiplies, then adds);
 * - backward sum without per_sample_weights, and max, for rows with at most
 *   two contributions (PyTorch's CPU backward sorts the indices with an
 *   unstable sort, so its order within a row is unspecified; the model's spec
 *   fixes ascending lookup position, which a stable sort would give).
 * Where PyTorch fuses a multiply into the add (FBGEMM's fast forward with
 * per_sample_weights; the backward's BLAS axpy when the scale is not 1: mean
 * and per_sample_weights) and in torch.optim's own orders of operations, the
 * model's written spec rounds the product separately, so those are compared
 * within a relative tolerance. The rowwise Adagrad is compared bit for bit with
 * an independent NumPy float32 rendering of FBGEMM's CPU formula whenever the
gradient itself agrees bit for bit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy, firstBitDifference, loadCase, runCase } from '../../model/index';

const here = dirname(fileURLToPath(import.meta.url));
const PY = '/usr/bin/python3';
const hasTorch = spawnSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
const COUNT = 48;

function close(a: Float32Array, b: Float32Array, rel = 1e-5): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) !== Number.isNaN(y)) return false;
    if (Math.abs(x - y) > rel * Math.max(1, Math.abs(x), Math.abs(y))) return false;
  }
  return true;
}

describe.skipIf(!hasTorch)('cross-check with PyTorch (skipped without torch)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tcast-torch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`agrees with F.embedding_bag and torch.optim on ${COUNT} random cases`, () => {
    execFileSync(PY, [join(here, 'torch_crosscheck.py'), dir, String(COUNT), '1'], { stdio: 'pipe' });
    let exactForward = 0;
    let exactBackward = 0;
    let exactRowwise = 0;
    for (let k = 0; k < COUNT; k++) {
      const d = join(dir, `case${k}`);
      const c = loadCase(d);
      const r = runCase(c);
      const exp = (n: string) => decodeNpy(readFileSync(join(d, 'expected', n)), n).data as Float32Array;
      const what = `case${k} (${c.config.mode}, psw ${!!c.perSampleWeights}, padding ${c.config.paddingIdx})`;
      const fusedForward = c.perSampleWeights !== null && c.config.paddingIdx === null;
      if (fusedForward) expect(close(r.output, exp('output.npy')), what).toBe(true);
      else {
        expect(firstBitDifference(r.output, exp('output.npy')), `${what}: forward bits`).toBe(-1);
        exactForward++;
      }
      // Dense gradient from the coalesced one (rows not listed are zero).
      const dense = new Float32Array(c.rows * c.dim);
      r.grad!.rows.forEach((row, u) => dense.set(r.grad!.values.subarray(u * c.dim, (u + 1) * c.dim), row * c.dim));
      const scaled = c.config.mode === 'mean' || c.perSampleWeights !== null;
      const gw = exp('grad_weight.npy');
      expect(close(dense, gw), `${what}: backward`).toBe(true);
      if (!scaled) {
        // PyTorch sorts the indices with an unstable sort, so its order within a
        // row is unspecified; with at most two contributions the order cannot
        // matter ((+0 + a) + b = (+0 + b) + a), so those rows must agree exactly.
        const uses = new Map<number, number>();
        for (const x of c.indices) uses.set(Number(x), (uses.get(Number(x)) ?? 0) + 1);
        for (const [row, n] of uses) {
          if (n > 2) continue;
          const a = dense.subarray(row * c.dim, (row + 1) * c.dim);
          const b = gw.subarray(row * c.dim, (row + 1) * c.dim);
          expect(firstBitDifference(a, b), `${what}: backward bits of row ${row}`).toBe(-1);
          exactBackward++;
        }
      }
      const opt = c.config.optimizer;
      if (opt) {
        if (opt.kind === 'rowwise_adagrad' && firstBitDifference(dense, gw) === -1) {
          // Same gradient bits → the NumPy rendering of FBGEMM's formula must agree exactly.
          expect(firstBitDifference(r.weightUpdated!, exp('weight_updated.npy')), `${what}: rowwise weight`).toBe(-1);
          expect(firstBitDifference(r.stateUpdated!, exp('optimizer_state_updated.npy')), `${what}: rowwise state`).toBe(-1);
          exactRowwise++;
        } else {
          expect(close(r.weightUpdated!, exp('weight_updated.npy'), 1e-5), `${what}: ${opt.kind} weight`).toBe(true);
          if (opt.kind !== 'sgd') expect(close(r.stateUpdated!, exp('optimizer_state_updated.npy'), 1e-5), `${what}: adagrad state`).toBe(true);
        }
      }
    }
    // The exact comparisons above must not be vacuous.
    expect(exactForward).toBeGreaterThan(COUNT / 2);
    expect(exactBackward).toBeGreaterThan(COUNT / 2);
    expect(exactRowwise).toBeGreaterThan(2);
  });
});
