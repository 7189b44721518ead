/**
 * `tcast traffic (CASE_DIR | --preset NAME)`: the traffic model's answer
 * (model/traffic.ts, docs/TRAFFIC.md) for a workload and an engine/memory
 * shape, without simulating: the bytes each path reads and writes and its
 * bandwidth-bound cycles, and the speed-up of the casted fused path over the
 * baseline.
 */
import type { Command } from '../command';
import { EXIT, UsageError, parseOptions } from '../command';
import { choiceListOption, choiceOption, intOption } from '../io';
import { step } from '../progress';
import { readCaseConfig, loadCase } from '../../model/casedir';
import { prepareBags } from '../../model/bags';
import { predictCycles, traffic, TRAFFIC_OPTIMIZERS, type MemoryModel, type TrafficOptimizer, type TrafficPath, type TrafficShape } from '../../model/traffic';
import { bagsTrafficShape, trainingBatch, trainingWorkloadSpec, workloadTrafficShapes, TRAINING_BATCH, TRAINING_OTHER_BATCH, TRAINING_TABLES } from '../../model/trainingworkload';
import { generateWorkload, PRESET_NAMES, type PresetName } from '../../model/workload';

const DATA_BITS = ['128', '256', '512', '1024'] as const;
const MEMORIES = ['independent', 'shared'] as const;
type Memory = (typeof MEMORIES)[number];
/** The paths shown: the forward, the casted backward alone, and the training step (backward + update) three ways. */
const PATHS: { path: TrafficPath; label: string; training: boolean }[] = [
  { path: 'forward', label: 'forward', training: false },
  { path: 'casted', label: 'casted backward', training: false },
  { path: 'casted-fused', label: 'step: casted fused', training: true },
  { path: 'casted-unfused', label: 'step: casted unfused', training: true },
  { path: 'baseline', label: 'step: baseline', training: true },
];

const help = `tcast traffic: the traffic model's bytes and bandwidth-bound cycles of each path, without simulating

Usage: tcast traffic CASE_DIR [options]
       tcast traffic --preset NAME [--batch N] [--seed S] [--dim D] [--tables T] [options]

For a workload and an engine/memory shape, the traffic model (model/traffic.ts,
docs/TRAFFIC.md) gives the bytes each path reads and writes on the AXI bus and
its bandwidth-bound cycles: the forward; the casted backward; the training
step's backward + update by the casted path fused with the update, the casted
path then UPDATE (unfused), and PyTorch's EXPAND, COALESCE, UPDATE (baseline);
and the speed-up baseline / casted fused. These are the figures 'tcast report'
and 'npm run bench -- training' put beside the measured runs.

The workload:
  CASE_DIR       a case directory as 'tcast model' reads it (docs/MODEL.md): N the
                 non-padding lookups, U the unique rows among them, B bags, dim,
                 the index and offset widths, include_last_offset,
                 per_sample_weights, mode and the optimizer of case.json. One
                 table (a batched case: run each table as its own case).
  --preset NAME  the workload the training bench simulates ('npm run bench --
                 training'), one of ${PRESET_NAMES.slice(0, 3).join(', ')},
                 ${PRESET_NAMES.slice(3).join(', ')}: each table run on its own
                 (int32 indices, offsets [B+1], sum), the figures summed over the tables
  --batch N      samples per batch (default the bench's: ${Object.entries(TRAINING_BATCH).map(([k, v]) => `${k} ${v}`).join(', ')},
                 the others ${TRAINING_OTHER_BATCH}; 1..1000000)
  --seed S       the workload's seed (default 1, the bench's)
  --dim D        every table's dim (default the preset's own; 1..65536)
  --tables T     the preset's first T tables (default ${TRAINING_TABLES}, the bench's; 1..1000; a preset
                 with fewer tables gives all of them)

The engine and the memory:
  --data-bits W  AXI data width: ${DATA_BITS.join(', ')} (default 512, the bench configuration)
  --optimizer O  ${TRAFFIC_OPTIMIZERS.join(' | ')} (default the case's; rowwise_adagrad
                 for a preset); the training step's paths need one
  --memory M     independent (R and W one beat per cycle each) | shared (one
                 byte budget per cycle for both, as DRAM) | independent,shared
                 (the default: side by side)
  --bus-bytes X  shared: bytes per cycle for R and W together (default one beat)
  --turnaround C shared: cycles lost per write burst that interrupts reads (default 0)
  --json         print {workload, dataBits, beatBytes, optimizer, memories, paths, speedup}

Example: the model's figures of docs/BENCHMARKS.md's training table:
  tcast traffic --preset production-reuse --dim 16 --memory shared
  tcast traffic --preset dlrm-benchmark --tables 1 --dim 64

Exit codes: 0 ok; 2 a bad option or case directory (one line naming it);
70 internal error (a bug in tcast).`;

/** One path's figures: bytes and beats (the same in every memory mode) and the cycles per memory mode. */
interface TrafficRow {
  path: TrafficPath;
  read: number;
  written: number;
  rBeats: number;
  wBeats: number;
  cycles: Partial<Record<Memory, number>>;
}

interface Workload {
  source: 'case' | 'preset';
  name: string;
  shapes: TrafficShape[];
  extra: Record<string, unknown>;
}

function caseWorkload(dir: string, beatBytes: number, optimizer: TrafficOptimizer | undefined): { w: Workload; optimizer: TrafficOptimizer } {
  const cfg = readCaseConfig(dir);
  if (cfg.tables !== undefined) throw new UsageError(`${dir}: a batched case ("tables": ${cfg.tables}); the traffic model is per table: run each table as its own case, or use --preset`);
  const c = loadCase(dir);
  const opt = optimizer ?? c.config.optimizer?.kind ?? 'none';
  const bags = prepareBags({
    indices: c.indices, offsets: c.offsets, includeLastOffset: c.config.includeLastOffset,
    paddingIdx: c.config.paddingIdx, perSampleWeights: c.perSampleWeights,
  }, c.rows, c.config.mode);
  const width = (a: Int32Array | BigInt64Array): 4 | 8 => (a instanceof BigInt64Array ? 8 : 4);
  const shape = bagsTrafficShape(bags, {
    dim: c.dim, beatBytes, mode: c.config.mode, includeLastOffset: c.config.includeLastOffset,
    indexBytes: width(c.indices), offsetBytes: width(c.offsets), optimizer: opt,
  });
  return {
    w: { source: 'case', name: dir, shapes: [shape], extra: { caseDir: dir, rows: c.rows, mode: c.config.mode, perSampleWeights: shape.perSampleWeights, includeLastOffset: c.config.includeLastOffset, indexBytes: shape.indexBytes, offsetBytes: shape.offsetBytes } },
    optimizer: opt,
  };
}

function presetWorkload(name: PresetName, o: { batch: number; seed: number; dim?: number; tables: number }, beatBytes: number, optimizer: TrafficOptimizer, quiet: boolean): Workload {
  const end = step(`drawing workload '${name}' (batch ${o.batch}, seed ${o.seed})`, quiet);
  const w = generateWorkload(trainingWorkloadSpec(name, o));
  end();
  return {
    source: 'preset', name, shapes: workloadTrafficShapes(w, beatBytes, optimizer),
    extra: { preset: name, batch: o.batch, seed: o.seed, tableRows: w.tables.map((t) => t.rows) },
  };
}

/** The figures of every path the optimizer allows, summed over the workload's tables. */
function trafficRows(shapes: TrafficShape[], memories: { memory: Memory; model: MemoryModel }[]): TrafficRow[] {
  const training = (shapes[0]?.optimizer ?? 'none') !== 'none';
  return PATHS.filter((p) => training || !p.training).map(({ path }) => {
    const row: TrafficRow = { path, read: 0, written: 0, rBeats: 0, wBeats: 0, cycles: {} };
    for (const s of shapes) {
      const t = traffic(path, s);
      row.read += t.read;
      row.written += t.written;
      row.rBeats += t.rBeats;
      row.wBeats += t.wBeats;
      for (const m of memories) row.cycles[m.memory] = (row.cycles[m.memory] ?? 0) + predictCycles(t, s, m.model);
    }
    return row;
  });
}

const fmt = (x: number) => x.toLocaleString('en-US');

const command: Command = {
  name: 'traffic',
  summary: "the traffic model's bytes, bandwidth-bound cycles and casted-vs-baseline speed-up for a case or a preset, without simulating",
  help,
  run(argv) {
    const { values, positionals } = parseOptions('traffic', argv, {
      preset: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' }, dim: { type: 'string' }, tables: { type: 'string' },
      'data-bits': { type: 'string' }, optimizer: { type: 'string' }, memory: { type: 'string' },
      'bus-bytes': { type: 'string' }, turnaround: { type: 'string' }, json: { type: 'boolean' },
    }, true);
    const json = values.json === true;
    if (positionals.length > 1) throw new UsageError(`one case directory at a time: got '${positionals[0]}' and '${positionals[1]}'`);
    const caseDir = positionals[0];
    if (caseDir !== undefined && values.preset !== undefined) throw new UsageError(`give a case directory or --preset, not both (got '${caseDir}' and --preset ${values.preset})`);
    if (caseDir === undefined && values.preset === undefined) throw new UsageError("missing workload: tcast traffic CASE_DIR or tcast traffic --preset NAME; see 'tcast traffic --help'");
    if (caseDir !== undefined) {
      for (const k of ['batch', 'seed', 'dim', 'tables'] as const) {
        if (values[k] !== undefined) throw new UsageError(`--${k} applies to --preset; a case directory's workload is its own (drop --${k})`);
      }
    }
    const optimizerOption = values.optimizer === undefined ? undefined : choiceOption('--optimizer', values.optimizer, TRAFFIC_OPTIMIZERS, 'none');
    const dataBits = Number(choiceOption('--data-bits', values['data-bits'], DATA_BITS, '512'));
    const beatBytes = dataBits / 8;
    const memoryNames = choiceListOption('--memory', values.memory, MEMORIES, [...MEMORIES]).filter((m, i, a) => a.indexOf(m) === i);
    const shared = memoryNames.includes('shared');
    for (const k of ['bus-bytes', 'turnaround'] as const) {
      if (values[k] !== undefined && !shared) throw new UsageError(`--${k} applies to the shared memory; add --memory shared (or drop --${k})`);
    }
    const busBytes = intOption('--bus-bytes', values['bus-bytes'], beatBytes, 1, 1 << 20);
    const turnaround = intOption('--turnaround', values.turnaround, 0, 0, 1_000_000);
    const memories = memoryNames.map((memory) => ({
      memory,
      model: (memory === 'shared' ? { mode: 'shared', budget: busBytes, turnaround } : { mode: 'independent' }) satisfies MemoryModel as MemoryModel,
    }));

    let w: Workload;
    let optimizer: TrafficOptimizer;
    if (caseDir !== undefined) {
      ({ w, optimizer } = caseWorkload(caseDir, beatBytes, optimizerOption));
    } else {
      const name = choiceOption('--preset', values.preset, PRESET_NAMES, PRESET_NAMES[0]!);
      optimizer = optimizerOption ?? 'rowwise_adagrad';
      const o = {
        batch: intOption('--batch', values.batch, trainingBatch(name), 1, 1_000_000),
        seed: intOption('--seed', values.seed, 1, 0, 0xffffffff),
        ...(values.dim !== undefined ? { dim: intOption('--dim', values.dim, 0, 1, 65536) } : {}),
        tables: intOption('--tables', values.tables, TRAINING_TABLES, 1, 1000),
      };
      w = presetWorkload(name, o, beatBytes, optimizer, json);
    }

    const rows = trafficRows(w.shapes, memories);
    const sum = (k: 'n' | 'u' | 'bags') => w.shapes.reduce((a, s) => a + s[k], 0);
    const dims = [...new Set(w.shapes.map((s) => s.dim))];
    const fused = rows.find((r) => r.path === 'casted-fused');
    const base = rows.find((r) => r.path === 'baseline');
    // null for a mode where the step moves nothing (no lookup gathers a row: N = 0).
    const speedup: Partial<Record<Memory, number | null>> = {};
    if (fused && base) for (const m of memoryNames) speedup[m] = fused.cycles[m]! > 0 ? +(base.cycles[m]! / fused.cycles[m]!).toFixed(3) : null;

    if (json) {
      console.log(JSON.stringify({
        workload: {
          source: w.source, ...w.extra, n: sum('n'), u: sum('u'), bags: sum('bags'), dim: dims.length === 1 ? dims[0] : null,
          tables: w.shapes.map((s) => ({ n: s.n, indices: s.indices ?? s.n, u: s.u, bags: s.bags, dim: s.dim })),
        },
        dataBits, beatBytes, optimizer,
        memories: memories.map((m) => ({ memory: m.memory, ...(m.memory === 'shared' ? { busBytes, turnaround } : {}) })),
        paths: rows,
        speedup: fused && base ? speedup : null,
      }, null, 2));
      return Promise.resolve(EXIT.ok);
    }

    const T = w.shapes.length;
    const what = w.source === 'case'
      ? `case ${w.name} (${w.extra.mode}${w.extra.perSampleWeights === true ? ', per_sample_weights' : ''}, int${8 * (w.shapes[0]!.indexBytes ?? 4)} indices)`
      : `preset ${w.name} (${T} table${T === 1 ? '' : 's'}, batch ${w.extra.batch}, seed ${w.extra.seed}${T > 1 ? '; figures summed over the tables' : ''})`;
    console.log(`${what}: N ${fmt(sum('n'))}, U ${fmt(sum('u'))}, B ${fmt(sum('bags'))}, dim ${dims.join('/')}; ${dataBits}-bit bus (${beatBytes} B/beat), optimizer ${optimizer}`);
    const memText = (m: Memory) => (m === 'shared' ? `shared${busBytes !== beatBytes ? ` ${busBytes} B/cycle` : ''}${turnaround > 0 ? ` t${turnaround}` : ''}` : 'independent');
    const head = ['path', 'bytes read', 'bytes written', ...memoryNames.map((m) => `cycles ${memText(m)}`)];
    const body = rows.map((r) => [PATHS.find((p) => p.path === r.path)!.label, fmt(r.read), fmt(r.written), ...memoryNames.map((m) => fmt(r.cycles[m]!))]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(line(head));
    for (const b of body) console.log(line(b));
    if (fused && base) {
      console.log(memoryNames.every((m) => speedup[m] === null)
        ? 'speed-up baseline / casted fused (training step): none, the step moves no bytes (N = 0: no lookup gathers a row)'
        : `speed-up baseline / casted fused (training step): ${memoryNames.map((m) => `${speedup[m] === null ? 'none' : `${speedup[m]!.toFixed(3)}x`} ${memText(m)}`).join(', ')}`);
    }
    else console.log('training step: no optimizer, so only the forward and the casted backward; give --optimizer sgd|adagrad|rowwise_adagrad for the step\'s three paths');
    console.log('These are the traffic model\'s bounds: bandwidth only (no latency, stalls or reducer); measured cycles follow them within a few percent except where a chain of dependent adds binds (docs/BENCHMARKS.md).');
    return Promise.resolve(EXIT.ok);
  },
};
export default command;
