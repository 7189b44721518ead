/**
 * `tcast run CASE_DIR --out OUT_DIR`: runs a case directory (the contract of
 * `tcast model`) on the RTL engine in the AXI co-simulation and writes the same
 * .npy files, bit-identical with the golden model's, plus perf.json.
 */
import { join } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError, parseOptions } from '../command';
import { checkOutDir, checkOutFile, stageFile, writeFileAtomic } from '../io';
import { step } from '../progress';
import { generate } from '../../generator';
import { ENGINE_CONFIGS, makeEngine } from '../../designs/engine';
import { targetOf } from '../../sim/design';
import { buildAxiTarget, describeResult, simulateAxi } from '../../sim/axi';
import { castedBackwardCase, countersOf, endedClean, forwardScenario, opPerf, shapeOf, timingPreset, unsupported, type ForwardCase, type OpPerf } from '../../sim/engine';
import { castPrepared, firstBitDifference, loadCase, runCase, writeCaseOutputs, type CaseResult } from '../../model/index';
import { prepareBags } from '../../model/bags';

const configNames = Object.keys(ENGINE_CONFIGS);

const help = `tcast run: run a case directory on the RTL tensor-casting engine (Verilator, AXI memory model)

Usage: tcast run CASE_DIR [--out OUT_DIR] [--config NAME] [--timing fast|dram|random[:SEED]]
                 [--trace-fst FILE] [--json]

CASE_DIR is a case directory as for 'tcast model' (docs/MODEL.md section 6).
The engine computes the forward (output.npy: sum, mean, max; per_sample_weights;
padding_idx; int32/int64; include_last_offset) and, with grad_output.npy, the
casted backward (grad_values.npy, from the host's casted index, whose rows are
grad_rows.npy). An optimizer runs in the golden model (said on stderr). Every
engine output is checked against the golden model bit for bit (NaN by class)
and written exactly as 'tcast model' writes it; perf.json holds cycles, bytes
per stream, R-channel utilisation, stalls and simulated cycles per second.

Options:
  --out OUT_DIR       where to write (default CASE_DIR/out)
  --config NAME       engine configuration: ${configNames.join(', ')} (default ${configNames[0]})
  --timing T          memory timing: fast (latency 1), dram (latency 100 +0..20, reordering;
                      the default), random[:SEED] (a random profile)
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
      out: { type: 'string' }, config: { type: 'string' }, timing: { type: 'string' }, 'trace-fst': { type: 'string' }, json: { type: 'boolean' },
    }, true);
    if (positionals.length !== 1) throw new UsageError("tcast run takes one CASE_DIR; see 'tcast run --help'");
    const dir = positionals[0]!;
    const configName = values.config ?? configNames[0]!;
    const cfg = Object.hasOwn(ENGINE_CONFIGS, configName) ? ENGINE_CONFIGS[configName] : undefined;
    if (cfg === undefined) throw new UsageError(`unknown --config '${configName}'; one of: ${configNames.join(', ')}`);
    const timingName = values.timing ?? 'dram';
    let profile;
    try { profile = timingPreset(timingName); } catch (e) { throw new UsageError((e as Error).message); }
    // Outputs are checked before any work, and the waveform is written whole or not at all (docs/ERRORS.md).
    const out = checkOutDir(values.out ?? join(dir, 'out'), '--out');
    const trace = values['trace-fst'] === undefined ? undefined : stageFile(checkOutFile(values['trace-fst'], '--trace-fst'), '--trace-fst');

    const c = loadCase(dir);
    const model = runCase(c, { crossCheck: false });
    const engine = makeEngine(cfg);
    const shape = shapeOf(engine);
    const fwd: ForwardCase = {
      weight: c.weight, rows: c.rows, dim: c.dim, indices: c.indices, offsets: c.offsets,
      includeLastOffset: c.config.includeLastOffset, paddingIdx: c.config.paddingIdx, mode: c.config.mode, perSampleWeights: c.perSampleWeights,
    };
    const refuse = (why: string) => { throw new UsageError(`${dir}: configuration ${configName} cannot run this case: ${why}`); };
    const why = unsupported(fwd, shape);
    if (why) refuse(why);
    let bwd: ForwardCase | null = null;
    let gradRows: Int32Array | null = null;
    if (c.gradOutput) {
      if (c.config.mode === 'max') refuse('the max-mode casted backward (argmax masking) is not implemented by the engine yet');
      const bags = prepareBags({ indices: c.indices, offsets: c.offsets, includeLastOffset: c.config.includeLastOffset, paddingIdx: c.config.paddingIdx, perSampleWeights: c.perSampleWeights }, c.rows, c.config.mode);
      const casted = castPrepared(bags, c.config.mode);
      bwd = castedBackwardCase(casted, c.gradOutput, c.dim);
      gradRows = casted.uniqueRows;
    }
    if (c.config.optimizer) process.stderr.write(`tcast run: the ${c.config.optimizer.kind} optimizer runs in the golden model (the engine computes the forward and the casted backward)\n`);

    const target = targetOf(generate(engine));
    const quiet = values.json === true;
    let end = step(`building ${configName} with Verilator${trace ? ' (traced)' : ''}`, quiet);
    const built = await buildAxiTarget(target, trace !== undefined);
    end(built.cached ? 'cached' : 'built');
    const ops = [{ op: 'forward' as const, c: fwd }, ...(bwd ? [{ op: 'casted_backward' as const, c: bwd }] : [])];
    const scen = ops.map((o, i) => forwardScenario(o.c, shape, { name: o.op, profile, base: 0x10000 + i * 0x1000, maxCycles: 1_000_000_000 }));
    for (const s of scen) s.scenario.watchdogCycles = 100_000;
    end = step(`running ${ops.map((o) => o.op.replace('_', ' ')).join(' and ')} on the engine`, quiet);
    let rs;
    try {
      rs = await simulateAxi(target, scen.map((s) => s.scenario), trace ? { traceFst: trace.tmp } : {});
      await trace?.commit(true);
    } catch (e) {
      trace?.abort();
      throw e;
    }
    end();

    const perf: OpPerf[] = [];
    const problems: string[] = [];
    const outs: Float32Array[] = [];
    rs.forEach((r, i) => {
      const o = ops[i]!;
      if (r.status !== 'ok') { problems.push(`${o.op}: ${describeResult(r)}`); return; }
      const k = countersOf(r);
      if (!endedClean(k)) problems.push(`${o.op}: STATUS 0x${k.status.toString(16)}, ERROR 0x${k.error.toString(16)} at 0x${k.errAddr.toString(16)}`);
      outs.push(scen[i]!.decode(r));
      perf.push(opPerf(o.op, o.c, scen[i]!.layout, k, shape, r.wallSeconds, r.cpuSeconds));
    });
    const failed = (what: string): number => {
      process.stderr.write(`tcast run: ${what}:\n  ${problems.join('\n  ')}\n`);
      if (values.json) console.log(JSON.stringify({ config: configName, ok: false, error: what, problems }, null, 2));
      return EXIT.failed;
    };
    if (problems.length) return failed('the engine run failed');
    const files: CaseResult['files'] = { ...model.files };
    const dOut = firstBitDifference(outs[0]!, model.output);
    if (dOut >= 0) problems.push(`output.npy differs from the model at element ${dOut}`);
    files['output.npy'] = { data: outs[0]!, shape: [model.numBags, c.dim] };
    if (bwd && gradRows && model.grad) {
      const dv = firstBitDifference(outs[1]!, model.grad.values);
      if (dv >= 0) problems.push(`grad_values.npy differs from the model at element ${dv}`);
      if (gradRows.length !== model.grad.rows.length || gradRows.some((x, j) => x !== model.grad!.rows[j])) problems.push('grad_rows differ from the model');
      files['grad_rows.npy'] = { data: BigInt64Array.from(gradRows, (x) => BigInt(x)), shape: [gradRows.length] };
      files['grad_values.npy'] = { data: outs[1]!, shape: [gradRows.length, c.dim] };
    }
    if (problems.length) return failed('the engine disagrees with the golden model');
    const written = writeCaseOutputs({ ...model, files }, out);
    const perfJson = { config: configName, dataBits: shape.dataBits, timing: timingName, profile, ops: perf };
    writeFileAtomic(join(out, 'perf.json'), JSON.stringify(perfJson, null, 2) + '\n', 'perf.json');
    if (values.json) console.log(JSON.stringify(perfJson, null, 2));
    else {
      for (const p of perf) {
        console.log(`tcast run: ${p.op}: ${p.cycles} cycles, R utilisation ${(100 * p.rUtilisation).toFixed(1)}% (${p.rBeats} beats), W ${p.wBeats} beats, stalls: index ${p.stalls.indexStarved}, in-flight cap ${p.stalls.inFlightCap}, reducer ${p.stalls.reducerDependency}, write ${p.stalls.writeBackPressure}; ${(p.simCyclesPerSecond / 1e6).toFixed(2)} M cycles/s`);
      }
      console.log(`tcast run: equal to the golden model bit for bit; wrote ${written.length + 1} files to ${out}: ${[...written.map((p) => p.slice(out.length + 1)), 'perf.json'].join(', ')}`);
    }
    return EXIT.ok;
  },
};
export default command;
