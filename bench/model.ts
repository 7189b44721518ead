/** `npm run bench -- model`: the golden model at DLRM benchmark scale (what it measures and its options: `help` below). */
import { BenchCheckFailed, benchOptions, type Benchmark } from './run';
import { choiceOption, intOption } from '../cli/io';
import {
  bitEqual, castBatchedPrepared, castedGatherReduceBatched, expandCoalescePrepared, fillUniform, gatherReduceBatchedPrepared,
  generateWorkload, makeGradOutput, prepareBatched, preset, PRESET_NAMES, rowwiseAdagradUpdate, tableGradSlice, workloadStats,
  type BatchedInput, type CoalescedGrad, type PresetName,
} from '../model/index';

const help = `npm run bench -- model: the golden model at DLRM benchmark scale

Usage: npm run bench -- model [--preset NAME] [--reps N] [--seed S] [--batch B]

Runs the golden model (model/) on a workload preset; the default,
dlrm-benchmark, is facebookresearch/dlrm's dlrm_s_benchmark.sh: 8 tables ×
1M rows × dim 64, 100 lookups per bag, batch 2048 → 1,638,400 lookups, 2 GiB
of fp32 weights. Measures, best of N repetitions: the forward
(gather-reduce), the casted backward (casted index build + gather-reduce over
grad_output), the expand-coalesce backward (PyTorch's way: materialise the
N×dim expanded gradient, sort, segment-sum), rowwise Adagrad, and one full
training step (validate + forward + casted backward + rowwise Adagrad).
Reports lookups per second, the peak resident memory, and checks that both
backwards agree bit for bit. Needs no simulator; peaks at about 3.2 GiB of
memory at the default preset.

Options:
  --preset NAME  the workload (default dlrm-benchmark); one of
                 ${PRESET_NAMES.join(', ')}
  --reps N       repetitions; the best counts (default 3; 1..1000)
  --seed S       seed of the workload, the weights and the gradient (default 1; 0..4294967295)
  --batch B      samples per batch (default: the preset's, 2048 for dlrm-benchmark; 1..1000000)

Writes bench/results/model.json.
Exit codes: 0 ok; 1 the two backwards differ (a bug in the model); 2 bad option; 70 internal error.`;

interface Options { preset: PresetName; reps: number; seed: number; batch?: number }

const now = () => performance.now();

function time<T>(fn: () => T): [T, number] {
  const t0 = now();
  const r = fn();
  return [r, (now() - t0) / 1000];
}

const bench: Benchmark<Options> = {
  name: 'model',
  summary: 'golden model at DLRM benchmark scale: forward, casted vs expand-coalesce backward, rowwise Adagrad, one training step',
  help,
  parse(argv) {
    const values = benchOptions('model', argv, { preset: { type: 'string' }, reps: { type: 'string' }, seed: { type: 'string' }, batch: { type: 'string' } });
    return {
      preset: choiceOption('--preset', values.preset, PRESET_NAMES, 'dlrm-benchmark'),
      reps: intOption('--reps', values.reps, 3, 1, 1000),
      seed: intOption('--seed', values.seed, 1, 0, 0xffffffff),
      ...(values.batch !== undefined ? { batch: intOption('--batch', values.batch, 0, 1, 1_000_000) } : {}),
    };
  },
  async run(opts) {
    const spec = preset(opts.preset, { seed: opts.seed, ...(opts.batch !== undefined ? { batchSize: opts.batch } : {}) });
    const log = (s: string) => console.log(`bench model: ${s}`);
    const [w, genSec] = time(() => generateWorkload(spec));
    const stats = workloadStats(w);
    log(`${opts.preset}: ${w.tables.length} tables, batch ${w.batchSize}, ${stats.lookups} lookups, ${stats.uniqueRows} unique rows (generated in ${genSec.toFixed(2)} s)`);
    const [weights, allocSec] = time(() => w.tables.map((t, i) => fillUniform(new Float32Array(t.rows * t.dim), opts.seed * 1000 + i, 0.05)));
    const weightBytes = weights.reduce((a, x) => a + x.byteLength, 0);
    log(`weights: ${(weightBytes / 2 ** 30).toFixed(2)} GiB allocated and filled in ${allocSec.toFixed(2)} s`);
    const states = w.tables.map((t) => new Float32Array(t.rows));
    const grad = makeGradOutput(w, opts.seed + 17);
    const input: BatchedInput = { tables: w.tables, batchSize: w.batchSize, indices: w.indices, offsets: w.offsets, mode: 'sum' };

    const best = { validate: Infinity, forward: Infinity, castIndex: Infinity, casted: Infinity, expandCoalesce: Infinity, rowwiseAdagrad: Infinity, step: Infinity };
    let agree = true;
    for (let rep = 0; rep < opts.reps; rep++) {
      // One training step, phase by phase (the weights really train across reps).
      const t0 = now();
      const [bb, tv] = time(() => prepareBatched(input));
      const [, tf] = time(() => gatherReduceBatchedPrepared(bb, weights));
      const [ci, tc] = time(() => castBatchedPrepared(bb));
      const [gradsCasted, tg] = time(() => castedGatherReduceBatched(bb, ci, grad));
      const [, to] = time(() => gradsCasted.forEach((g, t) => rowwiseAdagradUpdate(weights[t]!, states[t]!, w.tables[t]!.rows, g, 0.01, 1e-8)));
      const step = (now() - t0) / 1000;
      // The baseline backward, outside the step.
      const [gradsEC, te] = time((): CoalescedGrad[] =>
        bb.perTable.map((bags, t) => expandCoalescePrepared(bags, 'sum', tableGradSlice(bb, grad, t), w.tables[t]!.dim)));
      agree &&= gradsEC.every((g, t) => g.rows.length === gradsCasted[t]!.rows.length && g.rows.every((r, i) => r === gradsCasted[t]!.rows[i]) && bitEqual(g.values, gradsCasted[t]!.values));
      best.validate = Math.min(best.validate, tv);
      best.forward = Math.min(best.forward, tf);
      best.castIndex = Math.min(best.castIndex, tc);
      best.casted = Math.min(best.casted, tc + tg);
      best.expandCoalesce = Math.min(best.expandCoalesce, te);
      best.rowwiseAdagrad = Math.min(best.rowwiseAdagrad, to);
      best.step = Math.min(best.step, step);
      log(`rep ${rep + 1}: validate ${tv.toFixed(3)} s, forward ${tf.toFixed(3)} s, cast ${tc.toFixed(3)} s, casted backward ${(tc + tg).toFixed(3)} s, ` +
        `expand-coalesce ${te.toFixed(3)} s, rowwise Adagrad ${to.toFixed(3)} s, step ${step.toFixed(3)} s`);
    }
    if (!agree) throw new BenchCheckFailed('casted and expand-coalesce backward differ — a bug in the model');
    const n = stats.lookups;
    const ru = process.resourceUsage();
    const figures = {
      preset: opts.preset,
      workload: { tables: w.tables.length, rows: w.tables[0]!.rows, dim: w.tables[0]!.dim, batchSize: w.batchSize, lookups: n, uniqueRows: stats.uniqueRows, reuse: Number(stats.reuse.toFixed(4)) },
      weightBytes,
      repetitions: opts.reps,
      seconds: Object.fromEntries(Object.entries(best).map(([k, v]) => [k, Number(v.toFixed(4))])),
      lookupsPerSecond: {
        forward: Math.round(n / best.forward),
        castedBackward: Math.round(n / best.casted),
        expandCoalesceBackward: Math.round(n / best.expandCoalesce),
      },
      castedSpeedupOverExpandCoalesce: Number((best.expandCoalesce / best.casted).toFixed(2)),
      trainingStepSeconds: Number(best.step.toFixed(3)),
      trainingStepUnder10s: best.step < 10,
      backwardsAgreeBitForBit: agree,
      peakRssBytes: ru.maxRSS * 1024,
      bytesMoved: stats.bytes,
    };
    log(`forward ${(figures.lookupsPerSecond.forward / 1e6).toFixed(1)} M lookups/s, casted backward ${(figures.lookupsPerSecond.castedBackward / 1e6).toFixed(1)} M/s, ` +
      `expand-coalesce ${(figures.lookupsPerSecond.expandCoalesceBackward / 1e6).toFixed(1)} M/s (casted ${figures.castedSpeedupOverExpandCoalesce}× faster); ` +
      `training step ${figures.trainingStepSeconds} s; peak RSS ${(figures.peakRssBytes / 2 ** 30).toFixed(2)} GiB`);
    return figures;
  },
};

export default bench;
