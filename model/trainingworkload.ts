/**
 * The training bench's workloads (`npm run bench -- training`,
 * docs/BENCHMARKS.md), shared by the bench, which simulates them, and
 * `tcast traffic`, which predicts them without simulating; and the traffic
 * model's shape of a batch (docs/TRAFFIC.md) that `tcast traffic` uses (the
 * bench counts its shape from the cases it simulates: a cross-check, equal
 * on every run of bench/results/training.json).
 *
 * Layer: imports nothing of generator/, sim/, accel/ or cli/.
 */
import type { Bags, Mode } from './bags';
import type { TrafficOptimizer, TrafficShape } from './traffic';
import { lookupsAndUniqueRows, preset, type PresetName, type Workload, type WorkloadSpec } from './workload';

/** The training bench's batch per preset when --batch is not given: one that simulates in minutes. */
export const TRAINING_BATCH: Partial<Record<PresetName, number>> = { 'dlrm-benchmark': 96, 'production-reuse': 768 };
/** The batch of the other presets. */
export const TRAINING_OTHER_BATCH = 3072;
/** The training bench's number of tables per preset when --tables is not given (the first T of the preset). */
export const TRAINING_TABLES = 2;

/** The training bench's batch of a preset. */
export const trainingBatch = (name: PresetName): number => TRAINING_BATCH[name] ?? TRAINING_OTHER_BATCH;

export interface TrainingWorkloadOptions {
  /** Samples per batch [trainingBatch(name)]. */
  batch?: number;
  /** Every table's dim [the preset's own dims]. */
  dim?: number;
  /** The first `tables` tables of the preset [TRAINING_TABLES]. */
  tables?: number;
  seed?: number;
}

/**
 * The workload the training bench runs for a preset: its first `tables`
 * tables (rows capped at 1,000,000), every table at `dim`, the bench's batch;
 * mlperf-dlrmv2 with Zipf 1.05 indices (the preset's uniform draw over its
 * large tables has almost no reuse).
 */
export function trainingWorkloadSpec(name: PresetName, o: TrainingWorkloadOptions = {}): WorkloadSpec {
  const tables = o.tables ?? TRAINING_TABLES;
  const spec = preset(name, { seed: o.seed ?? 1, batchSize: o.batch ?? trainingBatch(name), ...(o.dim !== undefined ? { dim: o.dim } : {}), rowCap: 1_000_000 });
  spec.tables = spec.tables.slice(0, tables).map((t) => ({ ...t, dim: o.dim ?? t.dim }));
  if (name === 'mlperf-dlrmv2') spec.distribution = { kind: 'zipf', exponent: 1.05 };
  if (spec.pooling.kind === 'per_table') spec.pooling = { ...spec.pooling, sizes: spec.pooling.sizes.slice(0, tables) };
  return spec;
}

/**
 * The traffic model's shape of each table of a generated workload, as the
 * engine runs it: one table at a time, int32 indices and offsets [B+1]
 * (include_last_offset), mode sum (no padding: N = the table's lookups).
 */
export function workloadTrafficShapes(w: Workload, beatBytes: number, optimizer: TrafficOptimizer): TrafficShape[] {
  const B = w.batchSize;
  return w.tables.map((t, i) => {
    const lo = w.offsets[i * B]!;
    const hi = w.offsets[(i + 1) * B]!;
    const { u } = lookupsAndUniqueRows(w.indices, lo, hi, t.rows);
    return {
      n: hi - lo, indices: hi - lo, u, bags: B, dim: t.dim, beatBytes, optimizer, includeLastOffset: true,
      perSampleWeights: w.perSampleWeights !== null, mode: 'sum',
    };
  });
}

/**
 * The traffic model's shape of one validated batch (a case directory's, say):
 * N = the non-padding lookups, U = the unique rows among them, the index
 * and offset widths of the arrays as given.
 */
export function bagsTrafficShape(bags: Bags, o: {
  dim: number; beatBytes: number; mode: Mode; includeLastOffset: boolean; indexBytes: 4 | 8; offsetBytes: 4 | 8; optimizer: TrafficOptimizer;
}): TrafficShape {
  const { n, u } = lookupsAndUniqueRows(bags.indices, 0, bags.indices.length, bags.rows, bags.paddingIdx);
  return {
    n, indices: bags.indices.length, u, bags: bags.numBags, dim: o.dim, beatBytes: o.beatBytes,
    indexBytes: o.indexBytes, offsetBytes: o.offsetBytes, includeLastOffset: o.includeLastOffset,
    perSampleWeights: bags.perSampleWeights !== null, mode: o.mode, optimizer: o.optimizer,
  };
}
