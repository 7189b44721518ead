/** `npm run bench -- training`: the training step by the three paths against the traffic model (what it measures and its options: `help` below). */
import { BenchCheckFailed, benchOptions, type Benchmark } from './run';
import { choiceListOption, intListOption, intOption } from '../cli/io';
import { generate } from '../generator';
import { TcastEngine } from '../accel/engine/engine';
import { ENGINE_BENCH_CONFIG } from '../designs/engine';
import { targetOf } from '../sim/design';
import { buildAxiTarget, describeResult, simulateAxi, type TimingProfile } from '../sim/axi';
import { shapeOf } from '../sim/engine';
import { trainEndProblems, trainingScenario, type TrainPath } from '../sim/train';
import { generateWorkload, predictCycles, PRESET_NAMES, traffic, type PresetName, type TrafficPath, type TrafficShape } from '../model';
import { TRAINING_BATCH, TRAINING_OTHER_BATCH, TRAINING_TABLES, trainingBatch, trainingWorkloadSpec } from '../model/trainingworkload';

const PATHS: { path: TrainPath; name: TrafficPath }[] = [
  { path: 'casted', name: 'casted-fused' }, { path: 'casted-unfused', name: 'casted-unfused' }, { path: 'baseline', name: 'baseline' },
];

const DEFAULT_PRESETS: PresetName[] = ['dlrm-benchmark', 'mlperf-dlrmv2', 'production-reuse'];

const help = `npm run bench -- training: the training step by the casted and baseline paths, against the traffic model

Usage: npm run bench -- training [--batch N] [--dims 16,64,128] [--presets ${DEFAULT_PRESETS.join(',')}] [--tables T]

Simulates the training step's backward and rowwise-Adagrad update on the
512-bit bench configuration (engine-d512) at read/write latency 100, by the
three paths (${PATHS.map((p) => p.name).join(', ')}: the casted backward fused
with the update; the casted backward then UPDATE; PyTorch's EXPAND, COALESCE,
UPDATE), under both memory modes (independent R/W channels; one shared
${ENGINE_BENCH_CONFIG.dataBits / 8}-byte-per-cycle bus), for each preset and dim. Each run has its traffic-model prediction
(model/traffic.ts) beside it: bytes and the bandwidth-bound cycles; the
figures end with the baseline / casted-fused speed-ups. The tables are not in
the memory image (rows read as the memory model's address hash; the figures
do not depend on the values; correctness is test/engine/train.test.ts's job).
mlperf-dlrmv2 runs with Zipf 1.05 indices. Takes minutes of both cores.

Options:
  --batch N       samples per batch (default per preset, one that simulates in minutes:
                  ${Object.entries(TRAINING_BATCH).map(([k, v]) => `${k} ${v}`).join(', ')}, the others ${TRAINING_OTHER_BATCH}; 1..1000000)
  --dims LIST     comma-separated dims (default 16,64,128; each 1..${ENGINE_BENCH_CONFIG.maxDim})
  --presets LIST  comma-separated workload presets (default ${DEFAULT_PRESETS.join(',')});
                  each one of ${PRESET_NAMES.join(', ')}
  --tables T      the first T tables of each preset (default ${TRAINING_TABLES}; 1..1000; a preset
                  with fewer tables gives all of them)

Writes bench/results/training.json. Needs Verilator (builds are cached).
Exit codes: 0 ok; 1 a simulation did not end cleanly; 2 bad option; 3 missing tool;
70 internal error.`;

interface Options { batch?: number; dims: number[]; presets: PresetName[]; tables: number }

const bench: Benchmark<Options> = {
  name: 'training',
  summary: 'training step (backward + rowwise-Adagrad update) by the casted fused, casted unfused and baseline paths, both memory modes, vs the traffic model',
  help,
  parse(argv) {
    const values = benchOptions('training', argv, { batch: { type: 'string' }, dims: { type: 'string' }, presets: { type: 'string' }, tables: { type: 'string' } });
    return {
      ...(values.batch !== undefined ? { batch: intOption('--batch', values.batch, 0, 1, 1_000_000) } : {}),
      dims: intListOption('--dims', values.dims, [16, 64, 128], 1, ENGINE_BENCH_CONFIG.maxDim),
      presets: choiceListOption('--presets', values.presets, PRESET_NAMES, DEFAULT_PRESETS),
      tables: intOption('--tables', values.tables, TRAINING_TABLES, 1, 1000),
    };
  },
  async run({ batch: batchOption, dims, presets, tables: maxTables }) {
    const engine = new TcastEngine(ENGINE_BENCH_CONFIG);
    const shape = shapeOf(engine);
    const beat = shape.dataBits / 8;
    const target = targetOf(generate(engine));
    const t0 = Date.now();
    const b = await buildAxiTarget(target);
    console.log(`training bench: ${target.top} ${b.cached ? 'found in the build cache' : `built in ${((Date.now() - t0) / 1000).toFixed(0)} s`}`);
    const memories: { memory: 'independent' | 'shared'; profile: TimingProfile }[] = [
      { memory: 'independent', profile: { readLatency: 100, writeLatency: 100, maxReads: 256, maxWrites: 256, seed: 1 } },
      { memory: 'shared', profile: { readLatency: 100, writeLatency: 100, maxReads: 256, maxWrites: 256, seed: 1, busBytes: beat } },
    ];
    const runs: Record<string, unknown>[] = [];
    for (const name of presets) {
      for (const dim of dims) {
        const batch = batchOption ?? trainingBatch(name);
        const w = generateWorkload(trainingWorkloadSpec(name, { seed: 1, batch, dim, tables: maxTables }));
        for (const m of memories) {
          for (const p of PATHS) {
            const agg = { cycles: 0, rBeats: 0, wBeats: 0, modelRead: 0, modelWritten: 0, predicted: 0, lookups: 0, uniqueRows: 0, wall: 0, simCycles: 0 };
            for (let t = 0; t < w.tables.length; t++) {
              const tb = w.tables[t]!;
              const lo = w.offsets[t * batch]!;
              const hi = w.offsets[(t + 1) * batch]!;
              const indices = w.indices.slice(lo, hi);
              const offsets = Int32Array.from(w.offsets.subarray(t * batch, (t + 1) * batch + 1), (x) => x - lo);
              const s = trainingScenario({
                weight: new Float32Array(0), rows: tb.rows, dim, optimizer: { kind: 'rowwise_adagrad', lr: 0.01, eps: 1e-8 }, state: null,
                batches: [{ indices, offsets, includeLastOffset: true, mode: 'sum', gradOutput: new Float32Array(batch * dim).fill(0.25) }],
              }, shape, { path: p.path, noForward: true, sparse: true, profile: m.profile, maxCycles: 2_000_000_000, name: `${name}-d${dim}-${m.memory}-${p.path}-t${t}` });
              s.scenario.maxCycles = 2_000_000_000;
              const [r] = await simulateAxi(target, [s.scenario]);
              if (r!.status !== 'ok') throw new BenchCheckFailed(`training bench ${s.scenario.name}: ${describeResult(r!)}`);
              const ks = s.counters(r!);
              const bad = trainEndProblems(s, ks);
              if (bad.length) throw new BenchCheckFailed(`training bench ${s.scenario.name} op ${bad[0]}`);
              const c = s.casted[0]!;
              const ts: TrafficShape = { n: c.numLookups, indices: indices.length, u: c.uniqueRows.length, bags: c.numBags, dim, beatBytes: beat, optimizer: 'rowwise_adagrad', includeLastOffset: true };
              const tr = traffic(p.name, ts);
              agg.cycles += ks.reduce((a, k) => a + k.cycles, 0);
              agg.rBeats += ks.reduce((a, k) => a + k.rBeats, 0);
              agg.wBeats += ks.reduce((a, k) => a + k.wBeats, 0);
              agg.modelRead += tr.read;
              agg.modelWritten += tr.written;
              agg.predicted += predictCycles(tr, ts, m.memory === 'independent' ? { mode: 'independent' } : { mode: 'shared', budget: beat });
              agg.lookups += c.numLookups;
              agg.uniqueRows += c.uniqueRows.length;
              agg.wall += r!.wallSeconds;
              agg.simCycles += r!.cycles;
            }
            const run = {
              preset: name, dim, path: p.name, memory: m.memory, tables: w.tables.length, batch, lookups: agg.lookups, uniqueRows: agg.uniqueRows,
              cycles: agg.cycles, bytesRead: agg.rBeats * beat, bytesWritten: agg.wBeats * beat,
              modelBytesRead: agg.modelRead, modelBytesWritten: agg.modelWritten, modelCycles: agg.predicted,
              cyclesOverModel: +(agg.cycles / Math.max(1, agg.predicted)).toFixed(3),
              simCyclesPerSecond: Math.round(agg.simCycles / Math.max(1e-9, agg.wall)),
            };
            runs.push(run);
            console.log(`training ${name} dim ${dim} ${m.memory} ${p.name}: ${run.cycles} cycles (model ${run.modelCycles}, x${run.cyclesOverModel}), ` +
              `bytes read ${run.bytesRead} (model ${run.modelBytesRead}), written ${run.bytesWritten} (model ${run.modelBytesWritten}); N ${run.lookups}, U ${run.uniqueRows}`);
          }
        }
      }
    }
    // Speed-ups: baseline cycles over casted-fused cycles, per preset, dim and memory mode.
    const speedups = runs.filter((r) => r.path === 'baseline').map((base) => {
      const fused = runs.find((r) => r.path === 'casted-fused' && r.preset === base.preset && r.dim === base.dim && r.memory === base.memory)!;
      return {
        preset: base.preset, dim: base.dim, memory: base.memory,
        speedup: +((base.cycles as number) / (fused.cycles as number)).toFixed(3),
        modelSpeedup: +((base.modelCycles as number) / (fused.modelCycles as number)).toFixed(3),
      };
    });
    for (const s of speedups) console.log(`speed-up ${s.preset} dim ${s.dim} ${s.memory}: baseline / casted fused = ${s.speedup}x (traffic model ${s.modelSpeedup}x)`);
    return {
      config: ENGINE_BENCH_CONFIG, top: target.top, optimizer: 'rowwise_adagrad', readLatency: 100, writeLatency: 100,
      memories: memories.map((m) => ({ memory: m.memory, profile: m.profile })),
      targets: 'baseline / casted-fused cycles >= 1.9x (DLRM, independent), >= 2.2x (DLRM, shared), >= 2.6x (production-reuse, shared); measured bytes = the traffic model; cycles within 10% of it',
      runs, speedups,
      build: { cached: b.cached, buildSeconds: b.buildSeconds },
    };
  },
};
export default bench;
