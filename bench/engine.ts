/** `npm run bench -- engine`: the tensor-casting engine at DLRM scale (what it measures and its options: `help` below). */
import { loadavg } from 'node:os';
import { BenchCheckFailed, benchOptions, type Benchmark } from './run';
import { generate } from '../generator';
import { ENGINE_BENCH_CONFIG, ENGINE_CONFIGS, makeEngine } from '../designs/engine';
import { targetOf } from '../sim/design';
import { buildAxiTarget, describeResult, simulateAxi, type AxiResult, type AxiScenario } from '../sim/axi';
import { buildCounters } from '../sim/cache';
import { castedBackwardCase, countersOf, endProblem, endedClean, forwardScenario, opPerf, shapeOf, type EngineCounters, type ForwardCase } from '../sim/engine';
import { castBatchedPrepared, castIndices, prepareBatched, Rng } from '../model';
import { batchedBackwardScenario, batchedForwardScenario, batchedPerf } from '../sim/batched';
import { step } from '../cli/progress';
import { UsageError } from '../cli/command';
import { choiceListOption, choiceOption, intListOption, intOption } from '../cli/io';

const CONFIG_NAMES = Object.keys(ENGINE_CONFIGS);
const BENCH_CONFIG_NAME = CONFIG_NAMES.find((n) => ENGINE_CONFIGS[n] === ENGINE_BENCH_CONFIG) ?? 'bench';
/** Lookups per run at the most (batch × lookups): the index arrays stay well inside memory. */
const MAX_LOOKUPS = 2 ** 28;

const help = `npm run bench -- engine: the tensor-casting engine on the DLRM benchmark's table shape

Usage: npm run bench -- engine [--config NAME] [--batch N] [--lookups L] [--rows R]
                               [--dims 16,64,128] [--latencies 100,200] [--indices int32,int64]
                               [--sweep 8,16,32,64,128|none] [--tables 26|none]

Simulates the engine (Verilator, the AXI memory model) on one table of the
DLRM benchmark preset (1,000,000 rows, batch 2048, 100 lookups per bag,
uniform indices): the forward (with int32 and with int64 indices and
offsets: int64 is PyTorch's default) and the casted backward at each dim and
memory read latency, then a sweep of the memory's cap on reads in flight (forward,
dim 64, batch min(N, 256), the longest latency). Each run reports cycles
(START to DONE), R and W beats, bytes, R-channel utilisation (rBeats /
cycles), the stall breakdown and simulated cycles per second (wall and CPU).
The table is not placed in the memory image (its rows read as the memory
model's address hash: the figures do not depend on the values), so the
1,000,000-row table costs no memory. Correctness is the tests' job
(test/engine). Targets: R utilisation >= 0.97 at dim 64 and >= 0.90 at dim 16;
>= 1 M simulated cycles/s; peak RSS < 4 GiB. Takes minutes of both cores.

Options:
  --config NAME      a shipped engine configuration: ${CONFIG_NAMES.join(', ')}
                     (default ${BENCH_CONFIG_NAME}, the 512-bit bench configuration)
  --batch N          bags per batch (default 2048; 1..1000000)
  --lookups L        lookups per bag (default 100; 1..100000; batch × lookups <= ${MAX_LOOKUPS})
  --rows R           rows of the table (default 1000000; 1..${2 ** 31 - 1})
  --dims LIST        comma-separated dims (default those of 16,64,128 the configuration takes;
                     each 1..the configuration's maxDim)
  --latencies LIST   comma-separated memory read (and write) latencies in cycles
                     (default 100,200; each 0..1000000)
  --indices LIST     the forward's index and offset types (default int32,int64; each int32 or int64);
                     the casted backward reads the casted index (int32) either way
  --tables T|none    a batched forward and a batched casted backward (one START each, TBE
                     descriptors) of T one-hot tables of 10,000 rows at dim 16, batch
                     min(N, 2048), the longest latency, against one such table alone: what
                     a table switch costs (default 26, the sparse features of the DLRM/Criteo
                     models; 1..1000); none skips them
  --sweep LIST|none  the memory's caps on reads in flight for the sweep
                     (default 8,16,32,64,128; each 1..65536); none skips it

Writes bench/results/engine.json. Needs Verilator (builds are cached).
Exit codes: 0 ok; 1 a simulation did not end cleanly; 2 bad option; 3 missing tool;
70 internal error.`;

const INDEX_TYPES = ['int32', 'int64'] as const;
type IndexType = (typeof INDEX_TYPES)[number];

interface Options { configName?: string; batch: number; lookups: number; rows: number; dims: number[]; latencies: number[]; indexTypes: IndexType[]; sweep: number[]; tables: number }

function workload(rows: number, batch: number, lookups: number, dim: number, seed: number): ForwardCase {
  const rng = new Rng(seed);
  const n = batch * lookups;
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = rng.int(rows);
  const offsets = Int32Array.from({ length: batch }, (_, b) => b * lookups);
  // The table itself is never materialised (sparse layout): a zero-length stand-in.
  return { weight: new Float32Array(0), rows, dim, indices, offsets, mode: 'sum' };
}

/** The same workload with int64 indices and offsets. */
const wide = (c: ForwardCase): ForwardCase => ({ ...c, indices: BigInt64Array.from(c.indices as Int32Array, BigInt), offsets: BigInt64Array.from(c.offsets as Int32Array, BigInt) });

const bench: Benchmark<Options> = {
  name: 'engine',
  summary: 'tensor-casting engine: DLRM-shaped forward and casted backward on the 512-bit config (R utilisation, cycles, sim speed)',
  help,
  parse(argv) {
    const values = benchOptions('engine', argv, {
      batch: { type: 'string' }, lookups: { type: 'string' }, rows: { type: 'string' }, dims: { type: 'string' }, latencies: { type: 'string' },
      config: { type: 'string' }, sweep: { type: 'string' }, indices: { type: 'string' }, tables: { type: 'string' },
    });
    const configName = values.config === undefined ? undefined : choiceOption('--config', values.config, CONFIG_NAMES, BENCH_CONFIG_NAME);
    const maxDim = makeEngine(configName === undefined ? ENGINE_BENCH_CONFIG : ENGINE_CONFIGS[configName]!).maxDim;
    const batch = intOption('--batch', values.batch, 2048, 1, 1_000_000);
    const lookups = intOption('--lookups', values.lookups, 100, 1, 100_000);
    if (batch * lookups > MAX_LOOKUPS) throw new UsageError(`--batch ${batch} × --lookups ${lookups} = ${batch * lookups} lookups is more than ${MAX_LOOKUPS}; give a smaller batch or fewer lookups`);
    return {
      ...(configName !== undefined ? { configName } : {}),
      batch, lookups,
      rows: intOption('--rows', values.rows, 1_000_000, 1, 2 ** 31 - 1),
      // The default dims a configuration takes (engine-d128 stops at 64).
      dims: intListOption('--dims', values.dims, [16, 64, 128].filter((d) => d <= maxDim), 1, maxDim),
      latencies: intListOption('--latencies', values.latencies, [100, 200], 0, 1_000_000),
      indexTypes: choiceListOption('--indices', values.indices, INDEX_TYPES, [...INDEX_TYPES]),
      tables: values.tables === 'none' ? 0 : intOption('--tables', values.tables, 26, 1, 1000),
      sweep: values.sweep === 'none' ? [] : intListOption('--sweep', values.sweep, [8, 16, 32, 64, 128], 1, 65_536),
    };
  },
  async run({ configName, batch, lookups, rows, dims, latencies, indexTypes, sweep, tables }) {
    const config = configName === undefined ? ENGINE_BENCH_CONFIG : ENGINE_CONFIGS[configName]!;
    const channels = config.channels ?? 1;
    const before = buildCounters();
    const engine = makeEngine(config);
    const shape = shapeOf(engine);
    const target = targetOf(generate(engine));
    const t0 = Date.now();
    const end = step(`building ${target.top} with Verilator`);
    const b = await buildAxiTarget(target);
    end(b.cached ? 'cached' : 'built');
    console.log(`engine bench: ${target.top} ${b.cached ? 'found in the build cache' : `built in ${((Date.now() - t0) / 1000).toFixed(0)} s`}`);
    const runs: Record<string, unknown>[] = [];
    let peakRss = process.memoryUsage().rss;
    /** One scenario in the build (the harness's cycle cap raised for DLRM scale), checked: it ended and the operation ended clean (DONE, no error). */
    const simulateOne = async (scenario: AxiScenario): Promise<{ r: AxiResult; k: EngineCounters }> => {
      scenario.watchdogCycles = 100_000;
      scenario.maxCycles = 2_000_000_000;
      const done = step(`simulating ${scenario.name}`);
      const [r] = await simulateAxi(target, [scenario]);
      done();
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (r!.status !== 'ok') throw new BenchCheckFailed(`engine bench ${scenario.name}: ${describeResult(r!)}`);
      const k = countersOf(r!);
      if (!endedClean(k)) throw new BenchCheckFailed(`engine bench ${scenario.name}: ${endProblem(k)}`);
      return { r: r!, k };
    };
    const runOne = async (op: 'forward' | 'casted_backward', c: ForwardCase, readLatency: number, memoryMaxReads: number) => {
      const indexType = c.indices instanceof BigInt64Array ? 'int64' : 'int32';
      const s = forwardScenario(c, shape, { name: `${op}-d${c.dim}-l${readLatency}-r${memoryMaxReads}${op === 'forward' ? `-${indexType}` : ''}`, sparse: true, dump: false, maxCycles: 2_000_000_000,
        profile: { readLatency, writeLatency: readLatency, maxReads: memoryMaxReads, maxWrites: 256, seed: 1 } });
      const { r, k } = await simulateOne(s.scenario);
      const p = opPerf(op, c, s.layout, k, shape, r.wallSeconds, r.cpuSeconds);
      const run = {
        op, indexType, dim: c.dim, dataBits: shape.dataBits, channels, readLatency, memoryMaxReads, lookups: c.indices.length, bags: s.layout.numBags,
        cycles: p.cycles, rBeats: p.rBeats, wBeats: p.wBeats, bytesRead: p.bytesRead, bytesWritten: p.bytesWritten,
        rUtilisation: +p.rUtilisation.toFixed(4), streams: p.streams, stalls: p.stalls, simCyclesPerSecond: Math.round(p.simCyclesPerSecond),
        simCyclesPerCpuSecond: Math.round(p.simCyclesPerCpuSecond ?? 0), loadAverage: +loadavg()[0]!.toFixed(1),
      };
      runs.push(run);
      console.log(`engine ${op}${op === 'forward' ? ` (${indexType})` : ''} dim ${c.dim} latency ${readLatency} (memory cap ${memoryMaxReads} reads): ${p.cycles} cycles, R utilisation ${(100 * p.rUtilisation).toFixed(1)}%, ` +
        `stalls index ${p.stalls.indexStarved} / in-flight ${p.stalls.inFlightCap} / reducer ${p.stalls.reducerDependency} / write ${p.stalls.writeBackPressure}; ${(p.simCyclesPerSecond / 1e6).toFixed(2)} M cycles/s (${((p.simCyclesPerCpuSecond ?? 0) / 1e6).toFixed(2)} M per CPU second, load ${loadavg()[0]!.toFixed(1)})`);
    };
    for (const dim of dims) {
      const fwd = workload(rows, batch, lookups, dim, 7);
      const casted = castIndices({ indices: fwd.indices, offsets: fwd.offsets, rows, mode: 'sum' });
      const g = new Float32Array(batch * dim).fill(0.5);
      const bwd = castedBackwardCase(casted, g, dim);
      const fwd64 = indexTypes.includes('int64') ? wide(fwd) : null;
      for (const lat of latencies) {
        if (indexTypes.includes('int32')) await runOne('forward', fwd, lat, 256);
        if (fwd64) await runOne('forward', fwd64, lat, 256);
        await runOne('casted_backward', bwd, lat, 256);
      }
    }
    // Reads in flight: the memory model's cap on outstanding read bursts, dim 64, the longest latency.
    const sweepCase = workload(rows, Math.min(batch, 256), lookups, 64, 8);
    for (const cap of sweep) await runOne('forward', sweepCase, latencies[latencies.length - 1]!, cap);
    // Batched tables: T one-hot tables in one START against one table alone (the table switch's cost), forward and
    // casted backward (one casted index for all tables, a gradient row of 0.5s per bag).
    const batchedRuns: Record<string, unknown>[] = [];
    for (const t of tables ? [1, tables] : []) {
      const B = Math.min(batch, 2048);
      const lat = latencies[latencies.length - 1]!;
      const rng = new Rng(11);
      const specs = Array.from({ length: t }, () => ({ rows: 10_000, dim: 16 }));
      const idx = Int32Array.from({ length: t * B }, () => rng.int(10_000));
      const offs = Int32Array.from({ length: t * B + 1 }, (_, i) => i);
      const bags = prepareBatched({ tables: specs, batchSize: B, indices: idx, offsets: offs, mode: 'sum' });
      const weights = specs.map(() => new Float32Array(10_000 * 16));
      const profile = { readLatency: lat, writeLatency: lat, maxReads: 256, maxWrites: 256, seed: 1 };
      const scenarios = [
        ['forward', batchedForwardScenario({ bags, weights, indices: idx, offsets: offs }, shape, { name: `batched-forward-t${t}-b${B}-l${lat}`, profile, maxCycles: 2_000_000_000 })],
        ['casted_backward', batchedBackwardScenario({ bags, casted: castBatchedPrepared(bags), gradOutput: new Float32Array(B * 16 * t).fill(0.5) }, shape,
          { name: `batched-casted-backward-t${t}-b${B}-l${lat}`, profile, maxCycles: 2_000_000_000 })],
      ] as const;
      for (const [op, s] of scenarios) {
        const { r, k } = await simulateOne(s.scenario);
        const p = batchedPerf(op, s, k, shape, 0, r.wallSeconds);
        // Cycles beyond one a beat, per table: the pipeline's fill and drain at each table switch.
        const perTable = Math.round((p.cycles - p.rBeats) / t);
        batchedRuns.push({ op, tables: t, dim: 16, batch: B, lookupsPerBag: 1, readLatency: lat, cycles: p.cycles, rBeats: p.rBeats, wBeats: p.wBeats,
          rUtilisation: +p.rUtilisation.toFixed(4), extraCyclesPerTable: perTable, stalls: p.stalls });
        console.log(`engine batched ${op.replace('_', ' ')}, ${t} one-hot table(s) of batch ${B}, latency ${lat}: ${p.cycles} cycles, R utilisation ${(100 * p.rUtilisation).toFixed(1)}%, ${perTable} cycles per table beyond one a beat`);
      }
    }
    const after = buildCounters();
    return {
      workload: { preset: 'dlrm-benchmark (one table)', rows, batch, lookupsPerBag: lookups, indices: 'uniform', indexTypes },
      configName: configName ?? 'bench (engine-d512)',
      config,
      top: target.top,
      targets: 'R utilisation >= 0.97 at dim 64 and >= 0.90 at dim 16; >= 1 M simulated cycles/s; peak RSS < 4 GiB',
      runs,
      batchedRuns,
      peakRssBytes: peakRss,
      verilatorBuilds: after.builds - before.builds,
      build: { cached: b.cached, buildSeconds: b.buildSeconds },
    };
  },
};
export default bench;
