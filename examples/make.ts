/**
 * Writes the example case directories in examples/cases/ (deterministic; run
 * `npx tsx examples/make.ts` to regenerate). `tcast model` and `tcast run`
 * agree on every one of them byte for byte (test/cli/run.test.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBatchedCaseDir, writeCaseDir, Rng, type Case } from '../model/index';

const here = dirname(fileURLToPath(import.meta.url));

function floats(n: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => Math.fround((rng.float() * 2 - 1) * scale));
}

function makeCase(name: string, opts: { rows: number; dim: number; bags: number[]; mode: Case['config']['mode']; pad?: number | null; psw?: boolean; grad?: boolean; includeLast?: boolean; int64?: boolean; optimizer?: Case['config']['optimizer']; argmax?: boolean; seed: number }): [string, Case] {
  const rng = new Rng(opts.seed);
  const idx: number[] = [];
  const starts: number[] = [];
  for (const n of opts.bags) {
    starts.push(idx.length);
    for (let k = 0; k < n; k++) idx.push(rng.int(opts.rows));
  }
  if (opts.includeLast) starts.push(idx.length);
  if (opts.pad !== undefined && opts.pad !== null) for (let i = 0; i < idx.length; i += 4) idx[i] = opts.pad < 0 ? opts.rows + opts.pad : opts.pad;
  const B = opts.bags.length;
  return [name, {
    config: { mode: opts.mode, includeLastOffset: opts.includeLast ?? false, paddingIdx: opts.pad ?? null, optimizer: opts.optimizer ?? null, ...(opts.argmax ? { argmax: true } : {}) },
    rows: opts.rows, dim: opts.dim,
    weight: floats(opts.rows * opts.dim, rng),
    indices: opts.int64 ? BigInt64Array.from(idx, BigInt) : Int32Array.from(idx),
    offsets: opts.int64 ? BigInt64Array.from(starts, BigInt) : Int32Array.from(starts),
    perSampleWeights: opts.psw ? floats(idx.length, rng, 2) : null,
    gradOutput: opts.grad ? floats(B * opts.dim, rng) : null,
    optimizerState: null,
  }];
}

const cases = [
  makeCase('sum-psw-backward', { rows: 50, dim: 17, bags: [3, 0, 7, 1, 12, 5], mode: 'sum', psw: true, grad: true, seed: 1 }),
  makeCase('mean-padding-int64', { rows: 30, dim: 8, bags: [4, 4, 0, 9, 2, 6, 1], mode: 'mean', pad: 2, grad: true, includeLast: true, int64: true, seed: 2 }),
  makeCase('max-forward', { rows: 20, dim: 3, bags: [5, 1, 0, 8, 3], mode: 'max', seed: 3 }),
  // Max mode with the argmax output and the masked casted backward; few rows, so bags repeat rows (ties: the first wins); padding makes an all-padding bag (-1).
  makeCase('max-argmax-backward', { rows: 8, dim: 6, bags: [1, 5, 0, 9, 3, 6, 2], mode: 'max', pad: 5, argmax: true, grad: true, seed: 5 }),
  makeCase('sum-sgd', { rows: 40, dim: 32, bags: [10, 10, 10, 10], mode: 'sum', grad: true, optimizer: { kind: 'sgd', lr: 0.1 }, seed: 4 }),
];
for (const [name, c] of cases) writeCaseDir(join(here, 'cases', name), c);

/** A batched case (TBE layout): tables of different dims, B bags per table (some empty), per-sample weights, a gradient. */
function makeBatched(dir: string, opts: { tables: { rows: number; dim: number }[]; batch: number; maxBag: number; seed: number }): void {
  const rng = new Rng(opts.seed);
  const idx: number[] = [];
  const offs: number[] = [];
  for (const t of opts.tables) {
    for (let b = 0; b < opts.batch; b++) {
      offs.push(idx.length);
      const n = rng.int(opts.maxBag + 1);
      for (let k = 0; k < n; k++) idx.push(rng.int(t.rows));
    }
  }
  offs.push(idx.length);
  writeBatchedCaseDir(join(here, 'cases', dir), {
    mode: 'sum', tables: opts.tables,
    weights: opts.tables.map((t) => floats(t.rows * t.dim, rng)),
    indices: Int32Array.from(idx), offsets: BigInt64Array.from(offs, BigInt),
    perSampleWeights: floats(idx.length, rng, 2),
    gradOutput: floats(opts.batch * opts.tables.reduce((a, t) => a + t.dim, 0), rng),
  });
}
makeBatched('tbe-sum-psw-backward', { tables: [{ rows: 30, dim: 8 }, { rows: 12, dim: 3 }, { rows: 50, dim: 17 }], batch: 5, maxBag: 6, seed: 6 });
console.log(`wrote ${cases.length + 1} example cases to examples/cases/`);
