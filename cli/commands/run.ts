/**
 * `tcast run CASE_DIR --out OUT_DIR`: runs a case directory (the contract of
 * `tcast model`) on the RTL engine in the AXI co-simulation and writes the same
 * .npy files, bit-identical with the golden model's, plus perf.json.
 */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError, parseOptions } from '../command';
import { canonicalOut, checkOutDir, checkOutFile, replacesFile, stageFile, writeFileAtomic } from '../io';
import { step } from '../progress';
import { generate } from '../../generator';
import { ENGINE_CONFIGS, makeEngine } from '../../designs/engine';
import { targetOf } from '../../sim/design';
import { buildAxiTarget, describeResult, simulateAxi, type AxiResult, type AxiScenario, type TimingProfile } from '../../sim/axi';
import { castedBackwardCase, chainScenarios, countersOf, endProblem, endedClean, forwardScenario, opPerf, shapeOf, timingPreset, unsupported, type EngineShape, type ForwardCase, type OpPerf } from '../../sim/engine';
import { batchedBackwardScenario, batchedForwardScenario, batchedPerf } from '../../sim/batched';
import {
  castBatchedPrepared, castPrepared, firstBitDifference, isBatchedCaseDir, loadBatchedCase, loadCase, readCaseConfig, runBatchedCase, runCase, writeCaseOutputs, type CaseResult,
} from '../../model/index';
import { prepareBags } from '../../model/bags';
import { TRAIN_PATHS, trainEndProblems, trainOpPerf, trainUnsupported, trainingScenario, type TrainCase, type TrainOpPerf, type TrainPath } from '../../sim/train';

const configNames = Object.keys(ENGINE_CONFIGS);

const help = `tcast run: run a case directory on the RTL tensor-casting engine (Verilator, AXI memory model)

Usage: tcast run CASE_DIR [--out OUT_DIR] [--config NAME] [--timing fast|dram|random[:SEED]]
                 [--path casted|casted-unfused|baseline] [--trace-fst FILE] [--json]

CASE_DIR is a case directory as for 'tcast model' (docs/MODEL.md section 6).
The engine computes the forward (output.npy: sum, mean, max; per_sample_weights;
padding_idx; int32/int64; include_last_offset; argmax.npy when case.json asks)
and, with grad_output.npy, the casted backward (grad_values.npy, from the host's
casted index, whose rows are grad_rows.npy; in max mode masked by the argmax
that the engine's forward wrote), both in one simulation with one memory; with
an optimizer (SGD, Adagrad, rowwise Adagrad; mode sum or mean) the whole
training step, the update included (weight_updated.npy,
optimizer_state_updated.npy), by the path --path selects. Every
engine output is checked against the golden model bit for bit (NaN by class)
and written exactly as 'tcast model' writes it; perf.json holds cycles, bytes
per stream, R-channel utilisation, stalls and simulated cycles per second.

Options:
  --out OUT_DIR       where to write (default CASE_DIR/out)
  --config NAME       engine configuration: ${configNames.join(', ')} (default ${configNames[0]})
  --timing T          memory timing: fast (latency 1), dram (latency 100 +0..20, reordering;
                      the default), random[:SEED] (a random profile; SEED 1..4294967295, default 1)
  --path P            the backward and update with an optimizer: casted (the casted backward fused
                      with the update; the default), casted-unfused (casted backward, then UPDATE),
                      baseline (EXPAND, COALESCE, UPDATE as PyTorch); all give the same bits
  --trace-fst FILE    write an FST waveform of the run (a separate traced build)
  --json              print perf.json on stdout

Exit codes: 0 ok; 1 the engine disagrees with the model or the bus run failed;
2 bad case, option, or a case this configuration cannot run (the limit is
named, nothing is simulated); 3 Verilator missing; 70 internal error.`;

const command: Command = {
  name: 'run',
  summary: 'run a case directory on the RTL engine (forward and casted backward), bit-exact with tcast model',
  help,
  async run(argv) {
    const { values, positionals } = parseOptions('run', argv, {
      out: { type: 'string' }, config: { type: 'string' }, timing: { type: 'string' }, path: { type: 'string' }, 'trace-fst': { type: 'string' }, json: { type: 'boolean' },
    }, true);
    if (positionals.length !== 1) throw new UsageError("tcast run takes one CASE_DIR; see 'tcast run --help'");
    const dir = positionals[0]!;
    const configName = values.config ?? configNames[0]!;
    const cfg = Object.hasOwn(ENGINE_CONFIGS, configName) ? ENGINE_CONFIGS[configName] : undefined;
    if (cfg === undefined) throw new UsageError(`unknown --config '${configName}'; one of: ${configNames.join(', ')}`);
    const path = (values.path ?? 'casted') as TrainPath;
    if (!TRAIN_PATHS.includes(path)) throw new UsageError(`unknown --path '${values.path}'; one of: ${TRAIN_PATHS.join(', ')}`);
    const timingName = values.timing ?? 'dram';
    let profile;
    try { profile = timingPreset(timingName); } catch (e) { throw new UsageError((e as Error).message); }
    // The case first (its --out defaults to a folder inside it); outputs are checked before any work,
    // and the waveform is written whole or not at all (docs/ERRORS.md).
    readCaseConfig(dir);
    const out = checkOutDir(values.out ?? join(dir, 'out'), '--out');
    const traceArg = values['trace-fst'];
    if (traceArg !== undefined) {
      const input = readdirSync(dir).find((f) => (f === 'case.json' || f.endsWith('.npy')) && replacesFile(traceArg, join(dir, f)));
      if (input !== undefined) throw new UsageError(`--trace-fst ${traceArg} is the case's ${input}; writing it would destroy the input: give another file name`);
      // The outputs (.npy files and perf.json) are written after the waveform and would replace it.
      const t = canonicalOut(traceArg);
      const outDir = existsSync(out) ? realpathSync(out) : canonicalOut(out);
      if (dirname(t) === outDir && (basename(t) === 'perf.json' || t.endsWith('.npy'))) {
        throw new UsageError(`--trace-fst ${traceArg} is in --out ${values.out ?? join(dir, 'out')} under a name tcast run writes its results to; they would replace the waveform: give another file name`);
      }
    }
    const trace = traceArg === undefined ? undefined : stageFile(checkOutFile(traceArg, '--trace-fst'), '--trace-fst');

    const engine = makeEngine(cfg);
    const shape = shapeOf(engine);
    const ctx: RunContext = { dir, configName, engine, shape, profile, timingName, out, trace, json: !!values.json };
    if (isBatchedCaseDir(dir)) return runBatched(ctx);
    const c = loadCase(dir);
    const model = runCase(c, { crossCheck: false });
    const isMax = c.config.mode === 'max';
    const fwd: ForwardCase = {
      weight: c.weight, rows: c.rows, dim: c.dim, indices: c.indices, offsets: c.offsets,
      includeLastOffset: c.config.includeLastOffset, paddingIdx: c.config.paddingIdx, mode: c.config.mode, perSampleWeights: c.perSampleWeights,
      // The max-mode backward reads the argmax that the forward writes.
      argmax: isMax && (!!c.config.argmax || !!c.gradOutput),
    };
    const refuse = (why: string) => { throw new UsageError(`${dir}: configuration ${configName} cannot run this case: ${why}`); };
    if (c.dim > shape.maxDim) refuse(tooWide(`dim ${c.dim}`, c.dim, shape.maxDim));
    if (values.path !== undefined && !(c.config.optimizer && c.gradOutput)) throw new UsageError(`${dir}: --path selects how the engine updates the weights; the case has no optimizer (or no grad_output.npy)`);
    if (c.config.optimizer && c.gradOutput) {
      const tc: TrainCase = {
        weight: c.weight, rows: c.rows, dim: c.dim, optimizer: c.config.optimizer, state: c.optimizerState,
        batches: [{ indices: c.indices, offsets: c.offsets, includeLastOffset: c.config.includeLastOffset, paddingIdx: c.config.paddingIdx, mode: c.config.mode, perSampleWeights: c.perSampleWeights, gradOutput: c.gradOutput }],
      };
      const whyNot = trainUnsupported(tc, shape);
      if (whyNot) refuse(whyNot);
      return runTraining(ctx, tc, model, path);
    }
    const why = unsupported(fwd, shape);
    if (why) refuse(why);
    const fwdS = forwardScenario(fwd, shape, { name: 'forward', profile, base: 0x10000, maxCycles: 1_000_000_000 });
    let bwd: ForwardCase | null = null;
    let gradRows: Int32Array | null = null;
    if (c.gradOutput) {
      const bags = prepareBags({ indices: c.indices, offsets: c.offsets, includeLastOffset: c.config.includeLastOffset, paddingIdx: c.config.paddingIdx, perSampleWeights: c.perSampleWeights }, c.rows, c.config.mode);
      const casted = castPrepared(bags, c.config.mode);
      bwd = castedBackwardCase(casted, c.gradOutput, c.dim, { argmaxAt: fwdS.layout.argmax });
      gradRows = casted.uniqueRows;
      const whyB = unsupported(bwd, shape);
      if (whyB) refuse(`its casted backward: ${whyB}`);
    }

    const ops = [{ op: 'forward' as const, c: fwd }, ...(bwd ? [{ op: 'casted_backward' as const, c: bwd }] : [])];
    const scen = [fwdS, ...(bwd ? [forwardScenario(bwd, shape, { name: 'casted_backward', profile, base: fwdS.layout.end + 0x1000, maxCycles: 1_000_000_000 })] : [])];
    // One scenario, one memory: the backward may read what the forward wrote (the argmax).
    const chain = chainScenarios(scen, { name: ops.map((o) => o.op).join('+'), profile, watchdogCycles: 100_000 });
    const rs = await simulateChain(ctx, chain, ops.map((o) => o.op));

    const failed = runFailures(rs, ops.map((o) => o.op));
    if (failed.length) return reportFailure(ctx, 'the engine run failed', failed);
    const problems: string[] = [];
    const outs = rs.map((r, i) => scen[i]!.decode(r));
    const engineRows = bwd ? scen[1]!.decodeGradRows(rs[1]!) : null;
    const perf = rs.map((r, i) => opPerf(ops[i]!.op, ops[i]!.c, scen[i]!.layout, countersOf(r), shape, r.wallSeconds, r.cpuSeconds));
    const files: CaseResult['files'] = { ...model.files };
    const dOut = firstBitDifference(outs[0]!, model.output);
    if (dOut >= 0) problems.push(`output.npy differs from the model at element ${dOut}`);
    files['output.npy'] = { data: outs[0]!, shape: [model.numBags, c.dim] };
    const argmaxOut = scen[0]!.decodeArgmax(rs[0]!);
    const argWant = Object.hasOwn(model.files, 'argmax.npy') ? model.files['argmax.npy']! : null;
    if (argWant !== null && argmaxOut !== null) {
      const j = argmaxOut.findIndex((x, k) => x !== (argWant.data as Int32Array)[k]);
      if (j >= 0) problems.push(`argmax.npy differs from the model at element ${j}`);
      files['argmax.npy'] = { data: argmaxOut, shape: argWant.shape };
    }
    if (bwd && gradRows && model.grad) {
      const dv = firstBitDifference(outs[1]!, model.grad.values);
      if (dv >= 0) problems.push(`grad_values.npy differs from the model at element ${dv}`);
      // grad_rows as the engine wrote them (it reads the casted index's row ids and writes them as int64).
      if (gradRowsDiffer(engineRows, model.grad.rows)) problems.push('grad_rows.npy differs from the model');
      files['grad_rows.npy'] = { data: engineRows ?? new BigInt64Array(0), shape: [gradRows.length] };
      files['grad_values.npy'] = { data: outs[1]!, shape: [gradRows.length, c.dim] };
    }
    if (problems.length) return reportFailure(ctx, 'the engine disagrees with the golden model', problems);
    return writeResults(ctx, files, perf);
  },
};
export default command;

/** Why a dim is too wide for a configuration, and the configurations that take it (or that none does). */
function tooWide(what: string, dim: number, maxDim: number): string {
  const dims = new Map(configNames.map((n) => [n, makeEngine(ENGINE_CONFIGS[n]!).maxDim]));
  const wider = configNames.filter((n) => dims.get(n)! >= dim);
  const widest = Math.max(...dims.values());
  return `${what} is larger than this configuration's largest dim ${maxDim}; ${wider.length ? `use --config ${wider.join(' or ')}` : `no configuration takes it (the largest dim is ${widest})`}`;
}

interface RunContext {
  dir: string;
  configName: string;
  engine: ReturnType<typeof makeEngine>;
  shape: EngineShape;
  profile: TimingProfile;
  timingName: string;
  out: string;
  trace: ReturnType<typeof stageFile> | undefined;
  json: boolean;
}

/** Builds the configuration (progress on a TTY) and runs one scenario on it, writing the waveform when asked (whole or not at all). */
async function simulateOne(ctx: RunContext, scenario: AxiScenario, what: string): Promise<AxiResult> {
  const target = targetOf(generate(ctx.engine));
  let end = step(`building ${ctx.configName} with Verilator${ctx.trace ? ' (traced)' : ''}`, ctx.json);
  const built = await buildAxiTarget(target, ctx.trace !== undefined);
  end(built.cached ? 'cached' : 'built');
  end = step(`running ${what} on the engine`, ctx.json);
  let r: AxiResult;
  try {
    [r] = (await simulateAxi(target, [scenario], ctx.trace ? { traceFst: ctx.trace.tmp } : {})) as [AxiResult];
    await ctx.trace?.commit(true);
  } catch (e) {
    ctx.trace?.abort();
    throw e;
  }
  end();
  return r;
}

/** Runs the chained operations in one scenario; one result per operation, or the whole run's failure. */
async function simulateChain(ctx: RunContext, chain: ReturnType<typeof chainScenarios>, names: string[]): Promise<AxiResult[]> {
  const whole = await simulateOne(ctx, chain.scenario, names.map((o) => o.replace('_', ' ')).join(' and '));
  return whole.status === 'ok' ? chain.split(whole) : [whole];
}

/** The engine's grad_rows (int64; none read as empty) differ from the model's (none: nothing to compare with). */
function gradRowsDiffer(got: BigInt64Array | null, want: ArrayLike<number> | undefined): boolean {
  const g = got ?? new BigInt64Array(0);
  if (want === undefined || g.length !== want.length) return true;
  for (let j = 0; j < g.length; j++) if (Number(g[j]) !== want[j]) return true;
  return false;
}

/** A failed run: the problems on stderr (and as JSON with --json); exit 1. */
function reportFailure(ctx: RunContext, what: string, problems: string[]): number {
  process.stderr.write(`tcast run: ${what}:\n  ${problems.join('\n  ')}\n`);
  if (ctx.json) console.log(JSON.stringify({ config: ctx.configName, ok: false, error: what, problems }, null, 2));
  return EXIT.failed;
}

/** Writes the .npy files and perf.json, and says what ran. */
function writeResults(ctx: RunContext, files: CaseResult['files'], perf: OpPerf[]): number {
  const { out } = ctx;
  const written = writeCaseOutputs({ files }, out);
  const perfJson = { config: ctx.configName, dataBits: ctx.shape.dataBits, timing: ctx.timingName, profile: ctx.profile, ops: perf };
  writeFileAtomic(join(out, 'perf.json'), JSON.stringify(perfJson, null, 2) + '\n', 'perf.json');
  if (ctx.json) console.log(JSON.stringify(perfJson, null, 2));
  else {
    for (const p of perf) {
      console.log(`tcast run: ${p.op}: ${p.cycles} cycles, R utilisation ${(100 * p.rUtilisation).toFixed(1)}% (${p.rBeats} beats), W ${p.wBeats} beats, stalls: index ${p.stalls.indexStarved}, in-flight cap ${p.stalls.inFlightCap}, reducer ${p.stalls.reducerDependency}, write ${p.stalls.writeBackPressure}; ${(p.simCyclesPerSecond / 1e6).toFixed(2)} M cycles/s`);
    }
    console.log(`tcast run: equal to the golden model bit for bit; wrote ${written.length + 1} files to ${out}: ${[...written.map((p) => p.slice(out.length + 1)), 'perf.json'].join(', ')}`);
  }
  return EXIT.ok;
}

/** A case with an optimizer: the whole training step (forward, backward, update) in one scenario on the engine (sim/train.ts). */
async function runTraining(ctx: RunContext, tc: TrainCase, model: ReturnType<typeof runCase>, path: TrainPath): Promise<number> {
  const ts = trainingScenario(tc, ctx.shape, { path, keepGrad: true, name: `train-${path}`, profile: ctx.profile, maxCycles: 1_000_000_000 });
  const r = await simulateOne(ctx, ts.scenario, `the training step (path ${path}: ${ts.ops.map((o) => o.op.replaceAll('_', ' ')).join(', ')})`);
  if (r.status !== 'ok') return reportFailure(ctx, 'the engine run failed', [describeResult(r)]);
  const got = ts.decode(r);
  const problems: string[] = [];
  problems.push(...trainEndProblems(ts, got.counters));
  if (problems.length) return reportFailure(ctx, 'the engine run failed', problems);
  const diff = (name: string, a: Float32Array | null, b: Float32Array | null) => {
    if (!a || !b) return;
    const d = firstBitDifference(a, b);
    if (d >= 0) problems.push(`${name} differs from the model at element ${d}`);
  };
  diff('output.npy', got.outputs[0]!, model.output);
  diff('grad_values.npy', got.gradValues, model.grad?.values ?? null);
  diff('weight_updated.npy', got.weight, model.weightUpdated);
  diff('optimizer_state_updated.npy', got.state, model.stateUpdated);
  if (gradRowsDiffer(got.gradRows, model.grad?.rows)) problems.push('grad_rows.npy differs from the model');
  if (problems.length) return reportFailure(ctx, 'the engine disagrees with the golden model', problems);
  const files: CaseResult['files'] = { ...model.files };
  files['output.npy'] = { data: got.outputs[0]!, shape: [model.numBags, tc.dim] };
  files['grad_rows.npy'] = { data: got.gradRows!, shape: [got.gradRows!.length] };
  files['grad_values.npy'] = { data: got.gradValues!, shape: [got.gradRows!.length, tc.dim] };
  files['weight_updated.npy'] = { data: got.weight, shape: [tc.rows, tc.dim] };
  if (got.state) files['optimizer_state_updated.npy'] = { data: got.state, shape: model.files['optimizer_state_updated.npy']!.shape };
  const { out } = ctx;
  const written = writeCaseOutputs({ files }, out);
  const ops: TrainOpPerf[] = ts.ops.map((o, i) => trainOpPerf(o, got.counters[i]!, ctx.shape));
  const perfJson = { config: ctx.configName, dataBits: ctx.shape.dataBits, timing: ctx.timingName, profile: ctx.profile, path, optimizer: tc.optimizer.kind, ops, cycles: ops.reduce((a, p) => a + p.cycles, 0), simCyclesPerSecond: r.wallSeconds > 0 ? r.cycles / r.wallSeconds : 0 };
  writeFileAtomic(join(out, 'perf.json'), JSON.stringify(perfJson, null, 2) + '\n', 'perf.json');
  if (ctx.json) console.log(JSON.stringify(perfJson, null, 2));
  else {
    for (const p of ops) console.log(`tcast run: ${p.op}: ${p.cycles} cycles, R utilisation ${(100 * p.rUtilisation).toFixed(1)}% (${p.rBeats} beats), W ${p.wBeats} beats, stalls: index ${p.stalls.indexStarved}, in-flight cap ${p.stalls.inFlightCap}, reducer ${p.stalls.reducerDependency}, write ${p.stalls.writeBackPressure}`);
    console.log(`tcast run: ${tc.optimizer.kind} training step on the engine (path ${path}): equal to the golden model bit for bit; wrote ${written.length + 1} files to ${out}: ${[...written.map((p) => p.slice(out.length + 1)), 'perf.json'].join(', ')}`);
  }
  return EXIT.ok;
}

/** The failures of a run's operations (the bus, or STATUS), or none; `batched`: each is a batched START (TABLE_AT names the table). */
function runFailures(rs: AxiResult[], names: string[], batched = false): string[] {
  const problems: string[] = [];
  rs.forEach((r, i) => {
    if (r.status !== 'ok') { problems.push(`${names[i]}: ${describeResult(r)}`); return; }
    const k = countersOf(r);
    if (!endedClean(k)) problems.push(`${names[i]}: ${endProblem(k, batched)}`);
  });
  return problems;
}

/** A batched case (TBE layout): one START runs every table's descriptor, forward then casted backward, in one scenario. */
async function runBatched(ctx: RunContext): Promise<number> {
  const c = loadBatchedCase(ctx.dir);
  const model = runBatchedCase(c, { crossCheck: false });
  const bb = model.bags;
  const wide = bb.tables.findIndex((t) => t.dim > ctx.shape.maxDim);
  if (wide >= 0) throw new UsageError(`${ctx.dir}: configuration ${ctx.configName} cannot run this case: ${tooWide(`table ${wide}'s dim ${bb.tables[wide]!.dim}`, bb.tables[wide]!.dim, ctx.shape.maxDim)}`);
  const fwd = batchedForwardScenario({ bags: bb, weights: c.weights, indices: c.indices, offsets: c.offsets }, ctx.shape, { name: 'forward', profile: ctx.profile, maxCycles: 1_000_000_000 });
  const casted = c.gradOutput ? castBatchedPrepared(bb) : null;
  const bwd = casted ? batchedBackwardScenario({ bags: bb, casted, gradOutput: c.gradOutput! }, ctx.shape, { name: 'casted_backward', profile: ctx.profile, base: fwd.end + 0x1000, maxCycles: 1_000_000_000 }) : null;
  const parts = [fwd, ...(bwd ? [bwd] : [])];
  const names = ['forward', ...(bwd ? ['casted_backward'] : [])];
  const rs = await simulateChain(ctx, chainScenarios(parts, { name: names.join('+'), profile: ctx.profile, watchdogCycles: 100_000 }), names);
  const failed = runFailures(rs, names, true);
  if (failed.length) return reportFailure(ctx, 'the engine run failed', failed);
  const problems: string[] = [];
  const files: CaseResult['files'] = { ...model.files };
  const [output] = fwd.decode(rs[0]!);
  const d = firstBitDifference(output!, model.output);
  if (d >= 0) problems.push(`output.npy differs from the model at element ${d}`);
  files['output.npy'] = { data: output!, shape: [bb.batchSize, bb.totalDim] };
  const perf = [batchedPerf('forward', fwd, countersOf(rs[0]!), ctx.shape, bb.batchSize * bb.totalDim * 4, rs[0]!.wallSeconds)];
  if (bwd && casted && model.grads) {
    const values = bwd.decode(rs[1]!);
    values.forEach((v, t) => {
      const want = model.grads![t]!;
      const rows = casted.uniqueRows.subarray(casted.tableSeg[t]!, casted.tableSeg[t + 1]!).map((r) => r - bb.rowOff[t]!);
      if (rows.length !== want.rows.length || rows.some((x, j) => x !== want.rows[j])) problems.push(`grad_rows_${t}.npy differs from the model`);
      const dv = firstBitDifference(v, want.values);
      if (dv >= 0) problems.push(`grad_values_${t}.npy differs from the model at element ${dv}`);
      files[`grad_rows_${t}.npy`] = { data: BigInt64Array.from(rows, (x) => BigInt(x)), shape: [rows.length] };
      files[`grad_values_${t}.npy`] = { data: v, shape: [rows.length, bb.tables[t]!.dim] };
    });
    perf.push(batchedPerf('casted_backward', bwd, countersOf(rs[1]!), ctx.shape, values.reduce((a, v) => a + v.byteLength, 0), rs[1]!.wallSeconds));
  }
  if (problems.length) return reportFailure(ctx, 'the engine disagrees with the golden model', problems);
  return writeResults(ctx, files, perf);
}
