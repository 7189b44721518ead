import { join } from 'node:path';
import { EXIT, UsageError, parseOptions, type Command } from '../command';
import { intOption } from '../io';
import { step } from '../progress';
import { generateAll, writeAll } from '../../designs/emit';
import { projectRoot } from '../../generator/hdl/source';
import { ENGINE_CONFIGS, makeEngine } from '../../designs/engine';
import { targetOf } from '../../sim/design';
import { buildAxiTarget, describeResult, simulateAxi } from '../../sim/axi';
import { castedBackwardCase, countersOf, endProblem, endedClean, forwardScenario, opPerf, shapeOf, timingPreset, type ForwardCase, type OpPerf } from '../../sim/engine';
import {
  applyOptimizer, backwardCasted, castIndices, firstBitDifference, gatherReduce, generateWorkload, makeGradOutput, makeWeights, preset, predictCycles, traffic, workloadStats, PRESET_NAMES, type PresetName,
  type OptimizerSpec, type TrafficShape,
} from '../../model';
import { trainEndProblems, trainingScenario, type TrainCase, type TrainPath } from '../../sim/train';

const CONFIG = Object.keys(ENGINE_CONFIGS)[0]!;

const help = `Usage: tcast demo [--workload PRESET] [--seed N] [--timing fast|dram|random[:SEED]] [--json]

The main job on the default engine (${CONFIG}) and a DLRM-like batch:
  1. generates every shipped design into rtl/ (as 'tcast generate');
  2. draws a DLRM-like batch (several tables, Zipf indices) with the golden
     model, and per table its forward and its casted backward (the casted
     index computed on the host, model/casting.ts);
  3. builds the tensor-casting engine with Verilator (once, then cached) and
     runs every table's forward and casted backward on it through the AXI
     memory model and protocol checker;
  4. runs a whole training step per table (forward, casted backward fused
     with a rowwise-Adagrad update) and the same step by PyTorch's baseline
     path (EXPAND, COALESCE, UPDATE), on the same engine;
  5. checks every output (forward, gradients, updated weights and optimizer
     state) against the golden model bit for bit and prints cycles, R-channel
     utilisation, where the stalls went, and the casted-vs-baseline cycles
     beside the traffic model's bandwidth-bound prediction (docs/TRAFFIC.md).

Options:
  --workload PRESET  tiny | small (default small: 4 tables of 1000 x 16, batch 64)
  --seed N           workload seed (default 1)
  --timing T         memory timing (default dram: latency 100 + 0..20, reordering)
  --json             print the figures as JSON

Exit codes: 0 ok, 1 an output differs from the golden model or the bus run
failed, 2 bad option, 3 a tool is missing (the message says how to install it).`;

const command: Command = {
  name: 'demo',
  summary: 'main job: a DLRM-like batch (forward and casted backward) on the RTL engine, checked against the golden model',
  help,
  async run(argv) {
    const { values } = parseOptions('demo', argv, {
      workload: { type: 'string', default: 'small' }, seed: { type: 'string' },
      timing: { type: 'string', default: 'dram' }, json: { type: 'boolean' },
    });
    const quiet = values.json === true;
    const name = values.workload as PresetName;
    if (!['tiny', 'small'].includes(name)) throw new UsageError(`--workload must be tiny or small (the demo runs in seconds); known presets: ${PRESET_NAMES.join(', ')}`);
    const seed = intOption('--seed', values.seed, 1, 0, 0xffffffff);
    let profile;
    try { profile = timingPreset(values.timing!); } catch (e) { throw new UsageError((e as Error).message); }

    // 1. Generate rtl/.
    let end = step('generating the shipped designs into rtl/', quiet);
    const designs = await generateAll();
    writeAll(designs, join(projectRoot, 'rtl'), true);
    end();

    // 2. A DLRM-like batch; per table the forward and the casted backward, with the golden model's answers.
    end = step(`drawing workload '${name}' (seed ${seed}) and casting its indices`, quiet);
    const w = generateWorkload(preset(name, { seed }));
    const stats = workloadStats(w);
    const weights = makeWeights(w.tables, seed);
    const gAll = makeGradOutput(w, seed + 1);
    const B = w.batchSize;
    const D = w.tables.reduce((a, t) => a + t.dim, 0);
    const engine = makeEngine(ENGINE_CONFIGS[CONFIG]!);
    const shape = shapeOf(engine);
    type Op = { table: number; op: OpPerf['op']; c: ForwardCase; want: Float32Array };
    const ops: Op[] = [];
    const perTable: { fwd: ForwardCase; g: Float32Array; grad: ReturnType<typeof backwardCasted> }[] = [];
    let dOff = 0;
    w.tables.forEach((t, i) => {
      const lo = w.offsets[i * B]!;
      const hi = w.offsets[(i + 1) * B]!;
      const indices = w.indices.slice(lo, hi);
      const offsets = Int32Array.from(w.offsets.subarray(i * B, (i + 1) * B + 1), (x) => x - lo);
      const fwd: ForwardCase = { weight: weights[i]!, rows: t.rows, dim: t.dim, indices, offsets, includeLastOffset: true, paddingIdx: null, mode: 'sum' };
      const g = new Float32Array(B * t.dim);
      for (let b = 0; b < B; b++) g.set(gAll.subarray(b * D + dOff, b * D + dOff + t.dim), b * t.dim);
      dOff += t.dim;
      ops.push({ table: i, op: 'forward', c: fwd, want: gatherReduce(fwd as Parameters<typeof gatherReduce>[0]).output });
      const casted = castIndices({ ...fwd, mode: 'sum' });
      const grad = backwardCasted({ ...fwd, mode: 'sum', gradOutput: g });
      perTable.push({ fwd, g, grad });
      ops.push({ table: i, op: 'casted_backward', c: castedBackwardCase(casted, g, t.dim), want: grad.values });
    });
    end();

    // 3. The engine in Verilator.
    end = step(`building the engine (${CONFIG}) with Verilator (once, then cached)`, quiet);
    const target = targetOf(designs.find((d) => d.entry.name === CONFIG)!.verilog); // elaborated in step 1
    const built = await buildAxiTarget(target);
    end();
    // The training step of each table, by the casted path (fused rowwise Adagrad) and by the baseline.
    const opt: OptimizerSpec = { kind: 'rowwise_adagrad', lr: 0.01, eps: 1e-8 };
    const trains = w.tables.flatMap((t, i) => {
      const { fwd, g, grad } = perTable[i]!;
      const tc: TrainCase = { weight: fwd.weight, rows: t.rows, dim: t.dim, optimizer: opt, state: null, batches: [{ ...fwd, gradOutput: g }] };
      const weight = Float32Array.from(fwd.weight);
      const state = new Float32Array(t.rows);
      applyOptimizer(opt, weight, state, t.rows, grad);
      return (['casted', 'baseline'] as TrainPath[]).map((path) => ({ table: i, path, tc, weight, state, s: trainingScenario(tc, shape, { path, name: `table${i}-train-${path}`, profile }) }));
    });
    end = step(`running ${ops.length} operations and ${trains.length} training steps on the engine (AXI memory model '${values.timing}', protocol checker)`, quiet);
    const scen = ops.map((o, i) => forwardScenario(o.c, shape, { name: `table${o.table}-${o.op}`, profile, base: 0x10000 + i * 0x100000 }));
    const all = await simulateAxi(target, [...scen.map((s) => s.scenario), ...trains.map((t) => t.s.scenario)]);
    const rs = all.slice(0, scen.length);
    end();

    // 4. Check and report.
    const problems: string[] = [];
    const perf: (OpPerf & { table: number })[] = [];
    rs.forEach((r, i) => {
      const o = ops[i]!;
      if (r.status !== 'ok') { problems.push(`table ${o.table} ${o.op}: ${describeResult(r)}`); return; }
      const k = countersOf(r);
      if (!endedClean(k)) problems.push(`table ${o.table} ${o.op}: ${endProblem(k)}`);
      const d = firstBitDifference(scen[i]!.decode(r), o.want);
      if (d >= 0) problems.push(`table ${o.table} ${o.op}: element ${d} differs from the golden model`);
      perf.push({ table: o.table, ...opPerf(o.op, o.c, scen[i]!.layout, k, shape, r.wallSeconds, r.cpuSeconds) });
    });
    // Training: per path, the cycles of the backward + update (the forward is the same on both), and the traffic model's bound.
    const train = { casted: { cycles: 0, predicted: 0 }, baseline: { cycles: 0, predicted: 0 } };
    trains.forEach((t, j) => {
      const r = all[scen.length + j]!;
      if (r.status !== 'ok') { problems.push(`table ${t.table} training (${t.path}): ${describeResult(r)}`); return; }
      const got = t.s.decode(r);
      problems.push(...trainEndProblems(t.s, got.counters).map((p) => `table ${t.table} training (${t.path}) ${p}`));
      if (firstBitDifference(got.weight, t.weight) >= 0) problems.push(`table ${t.table} training (${t.path}): weight_updated differs from the golden model`);
      if (firstBitDifference(got.state!, t.state) >= 0) problems.push(`table ${t.table} training (${t.path}): optimizer state differs from the golden model`);
      const c = t.s.casted[0]!;
      const tb = t.tc.batches[0]!;
      const shapeT: TrafficShape = { n: c.numLookups, indices: tb.indices.length, u: c.uniqueRows.length, bags: c.numBags, dim: t.tc.dim, beatBytes: shape.dataBits / 8, optimizer: 'rowwise_adagrad' };
      const x = train[t.path as 'casted' | 'baseline'];
      x.cycles += got.counters.slice(1).reduce((a, k) => a + k.cycles, 0);
      x.predicted += predictCycles(traffic(t.path === 'casted' ? 'casted-fused' : 'baseline', shapeT), shapeT, { mode: 'independent' });
    });
    const sum = (f: (p: OpPerf) => number, op: OpPerf['op']) => perf.filter((p) => p.op === op).reduce((a, p) => a + f(p), 0);
    const totals = (['forward', 'casted_backward'] as const).map((op) => ({
      op, cycles: sum((p) => p.cycles, op), rBeats: sum((p) => p.rBeats, op), wBeats: sum((p) => p.wBeats, op),
      stalls: {
        indexStarved: sum((p) => p.stalls.indexStarved, op), inFlightCap: sum((p) => p.stalls.inFlightCap, op),
        reducerDependency: sum((p) => p.stalls.reducerDependency, op), writeBackPressure: sum((p) => p.stalls.writeBackPressure, op),
      },
    }));
    const figures = {
      workload: name, seed, tables: w.tables.length, batchSize: B, lookups: stats.lookups, engine: target.top, config: CONFIG,
      build: built.cached ? 'cached' : `${built.buildSeconds.toFixed(0)} s`, timing: values.timing, totals, perOp: perf, training: { optimizer: opt, ...train }, match: problems.length === 0, problems,
    };
    if (values.json) console.log(JSON.stringify(figures, null, 2));
    else {
      console.log(`workload ${name}: ${w.tables.length} tables (${w.tables.map((t) => `${t.rows}x${t.dim}`).join(', ')}), batch ${B}, ${stats.lookups} lookups`);
      console.log(`engine ${CONFIG}: ${shape.dataBits}-bit AXI4 (${shape.dataBits / 32} fp32 lanes), memory timing '${values.timing}'`);
      for (const t of totals) {
        const s = t.stalls;
        console.log(`  ${t.op.padEnd(15)} ${String(t.cycles).padStart(7)} cycles, R utilisation ${(100 * t.rBeats / Math.max(1, t.cycles)).toFixed(1)}% (${t.rBeats} R beats, ${t.wBeats} W beats); ` +
          `stall cycles: index starved ${s.indexStarved}, in-flight cap ${s.inFlightCap}, reducer dependency ${s.reducerDependency}, write back-pressure ${s.writeBackPressure}`);
      }
      const ratio = (a: number, b: number) => (b > 0 ? a / b : 0).toFixed(2);
      console.log(`  training step (rowwise Adagrad), backward + update: casted fused ${train.casted.cycles} cycles, baseline (expand, coalesce, update) ${train.baseline.cycles} cycles: ` +
        `${ratio(train.baseline.cycles, train.casted.cycles)}x; traffic model (bandwidth bound, independent channels): ${train.casted.predicted} vs ${train.baseline.predicted} cycles, ${ratio(train.baseline.predicted, train.casted.predicted)}x`);
      console.log(problems.length === 0
        ? `PASS: ${ops.length} operations (forward and casted backward of every table) and ${trains.length} training steps (forward, backward, rowwise-Adagrad update; casted and baseline) equal the golden model bit for bit, with no AXI protocol violation`
        : `FAIL:\n  ${problems.join('\n  ')}`);
    }
    return problems.length === 0 ? EXIT.ok : EXIT.failed;
  },
};
export default command;
