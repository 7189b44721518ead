/**
 * The traffic model (docs/TRAFFIC.md): bytes read and written on the AXI bus
 * by each path of the embedding layer's training step, in terms of N lookups,
 * U unique rows, B bags, dim, the index width, per-sample weights / mean and
 * the optimizer, laid out and streamed as the engine does it (sim/engine.ts,
 * docs/ENGINE.md): every region beat-aligned, every burst whole beats, one
 * burst per row of ceil(4·dim / beat) beats, index streams read whole.
 *
 * Layer: imports nothing of generator/, sim/ or accel/.
 */
import { ModelError } from './errors';

export type TrafficOptimizer = 'none' | 'sgd' | 'adagrad' | 'rowwise_adagrad';
export const TRAFFIC_OPTIMIZERS: TrafficOptimizer[] = ['none', 'sgd', 'adagrad', 'rowwise_adagrad'];

export interface TrafficShape {
  /** Lookups that gather a row (non-padding lookups). */
  n: number;
  /** Length of the forward's index array (N plus padding lookups) [n]. */
  indices?: number;
  /** Unique rows among the n lookups. */
  u: number;
  /** Bags B (rows of the output and of grad_output). */
  bags: number;
  dim: number;
  /** Bytes per AXI beat (data bits / 8). */
  beatBytes: number;
  /** Forward index width in bytes [4]. */
  indexBytes?: 4 | 8;
  /** Forward offset width in bytes [4]. */
  offsetBytes?: 4 | 8;
  /** Offsets have B + 1 entries [false]. */
  includeLastOffset?: boolean;
  /** per_sample_weights given (mode sum) [false]. */
  perSampleWeights?: boolean;
  /** Mode of the bags ['sum']; mean gives the backward a per-lookup scale. */
  mode?: 'sum' | 'mean' | 'max';
  optimizer?: TrafficOptimizer;
}

/** Bytes moved by one operation on the bus (whole beats) and of payload (what the arrays hold). */
export interface OpTraffic {
  op: string;
  /** Bus bytes read, whole beats (what R_BEATS × beat counts). */
  read: number;
  /** Bus bytes written, whole beats (what W_BEATS × beat counts; WSTRB masks the padding). */
  written: number;
  /** R beats and W beats. */
  rBeats: number;
  wBeats: number;
  /** Write bursts (AW): one per row written (weight, gradient, Adagrad state), one per beat of grad_rows and per rowwise state value. */
  wBursts: number;
  /** Read bytes per stream. */
  streams: Record<string, number>;
  /** Rows of dim values read and written (the unit of the row-count statements). */
  rowsRead: { n: number; u: number };
  rowsWritten: { n: number; u: number };
}

export interface PathTraffic {
  path: TrafficPath;
  ops: OpTraffic[];
  read: number;
  written: number;
  rBeats: number;
  wBeats: number;
  rowsRead: { n: number; u: number };
  rowsWritten: { n: number; u: number };
}

export type TrafficPath = 'forward' | 'casted' | 'casted-fused' | 'casted-unfused' | 'baseline';
export const TRAFFIC_PATHS: TrafficPath[] = ['forward', 'casted', 'casted-fused', 'casted-unfused', 'baseline'];

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

function check(s: TrafficShape): void {
  for (const k of ['n', 'u', 'bags', 'dim', 'beatBytes'] as const) {
    const v = s[k];
    if (!Number.isInteger(v) || v < 0) throw new ModelError(`traffic shape: ${k} must be a non-negative integer, got ${v}`, { array: k, value: v });
  }
  if (s.dim < 1) throw new ModelError(`traffic shape: dim must be at least 1, got ${s.dim}`, { array: 'dim', value: s.dim });
  if (s.beatBytes < 4 || (s.beatBytes & (s.beatBytes - 1)) !== 0) throw new ModelError(`traffic shape: beatBytes must be a power of two of at least 4, got ${s.beatBytes}`, { array: 'beatBytes', value: s.beatBytes });
  if (s.u > s.n) throw new ModelError(`traffic shape: u (${s.u}) cannot exceed n (${s.n})`, { array: 'u', value: s.u });
  if (s.n > 0 && s.u < 1) throw new ModelError(`traffic shape: u must be at least 1 when n > 0`, { array: 'u', value: s.u });
}

/** Beats of one row of dim fp32 (ROW_STRIDE / beat). */
export const rowBeats = (dim: number, beatBytes: number) => ceilDiv(dim * 4, beatBytes);

/** Beats of a sequential stream of `bytes` bytes starting on a beat boundary (0 for an empty array). */
export const streamBeats = (bytes: number, beatBytes: number) => ceilDiv(bytes, beatBytes);

/** A stream of an operation: its beats and, for a write, its bursts (AW). */
interface Part { name: string; beats: number; bursts?: number }
function op(name: string, beat: number, reads: Part[], writes: Part[], rowsRead: { n: number; u: number }, rowsWritten: { n: number; u: number }): OpTraffic {
  const rBeats = reads.reduce((a, p) => a + p.beats, 0);
  const wBeats = writes.reduce((a, p) => a + p.beats, 0);
  const wBursts = writes.reduce((a, p) => a + (p.bursts ?? 0), 0);
  const streams: Record<string, number> = {};
  for (const p of reads) streams[p.name] = (streams[p.name] ?? 0) + p.beats * beat;
  return { op: name, read: rBeats * beat, written: wBeats * beat, rBeats, wBeats, wBursts, streams, rowsRead, rowsWritten };
}

/**
 * A gather-reduce on the engine: `idx` indices of `idxBytes` each, `offs`
 * offsets of `offBytes`, optional fp32 scales (one per index), `gathered`
 * row bursts read, `out` rows written. Offsets are read only when there is
 * at least one output row (as the engine does).
 */
function gatherReduceOp(name: string, beat: number, dim: number, g: { idx: number; idxBytes: number; offs: number; offBytes: number; scales: boolean; gathered: number; out: number; rowIds?: boolean; rowsRead: { n: number; u: number }; rowsWritten: { n: number; u: number } }): OpTraffic {
  const rb = rowBeats(dim, beat);
  // UPDATE.ROWS: the row id of each output row (int64) is read as a stream, and written out as grad_rows (1-beat bursts).
  const ids = g.rowIds ? streamBeats(g.out * 8, beat) : 0;
  return op(name, beat, [
    { name: 'indices', beats: streamBeats(g.idx * g.idxBytes, beat) },
    { name: 'offsets', beats: g.out > 0 ? streamBeats(g.offs * g.offBytes, beat) : 0 },
    { name: 'scales', beats: g.scales ? streamBeats(g.idx * 4, beat) : 0 },
    { name: 'row_ids', beats: ids },
    { name: 'rows', beats: g.gathered * rb },
  ], [{ name: 'rows', beats: g.out * rb, bursts: g.out }, { name: 'grad_rows', beats: ids, bursts: ids }], g.rowsRead, g.rowsWritten);
}

/**
 * The update of U rows: read grad_rows (int64 [U], one stream), the weight
 * row and the optimizer state (Adagrad: a row of dim fp32 with the weight's
 * stride; rowwise Adagrad: one fp32 per row, one 1-beat burst read and one
 * 1-beat write with WSTRB), write the weight row and the state back. `gradFromMemory`:
 * the unfused UPDATE also reads the coalesced gradient [U, dim].
 */
function updateOp(name: string, s: TrafficShape, gradFromMemory: boolean, readRowIds = true): OpTraffic {
  const beat = s.beatBytes;
  const rb = rowBeats(s.dim, beat);
  const opt = s.optimizer ?? 'sgd';
  const stateBeats = opt === 'adagrad' ? rb : opt === 'rowwise_adagrad' ? 1 : 0;
  const stateRows = opt === 'adagrad' ? s.u : 0;
  return op(name, beat, [
    { name: 'grad_rows', beats: readRowIds ? streamBeats(s.u * 8, beat) : 0 },
    { name: 'grad', beats: gradFromMemory ? s.u * rb : 0 },
    { name: 'weight', beats: s.u * rb },
    { name: 'state', beats: s.u * stateBeats },
  ], [
    { name: 'weight', beats: s.u * rb, bursts: s.u },
    { name: 'state', beats: s.u * stateBeats, bursts: stateBeats > 0 ? s.u : 0 },
  ], { n: 0, u: s.u * (gradFromMemory ? 2 : 1) + stateRows }, { n: 0, u: s.u + stateRows });
}

/** The operations of one path, each with its bytes. */
export function trafficOps(path: TrafficPath, s: TrafficShape): OpTraffic[] {
  check(s);
  const beat = s.beatBytes;
  const nIdx = s.indices ?? s.n;
  const scaled = (s.perSampleWeights ?? false) || s.mode === 'mean';
  const castedBackward = (rowIds = true) => gatherReduceOp('casted_backward', beat, s.dim, {
    // The casted index: bagIds int32 [N], segOffsets int32 [U+1], scale fp32 [N] (psw or mean); the row ids
    // (uniqueRows, int64 [U]) read and written back as grad_rows.
    idx: s.n, idxBytes: 4, offs: s.u + 1, offBytes: 4, scales: scaled, gathered: s.n, out: s.u, rowIds,
    rowsRead: { n: 1, u: 0 }, rowsWritten: { n: 0, u: 1 },
  });
  const optimizer = s.optimizer ?? 'none';
  if (path !== 'forward' && path !== 'casted' && optimizer === 'none') throw new ModelError(`traffic: the path '${path}' updates the weights; give an optimizer (sgd, adagrad or rowwise_adagrad)`, { array: 'optimizer', value: optimizer });
  switch (path) {
    case 'forward':
      return [gatherReduceOp('forward', beat, s.dim, {
        idx: nIdx, idxBytes: s.indexBytes ?? 4, offs: s.bags + (s.includeLastOffset ? 1 : 0), offBytes: s.offsetBytes ?? 4,
        scales: s.perSampleWeights ?? false, gathered: s.n, out: s.bags, rowsRead: { n: 1, u: 0 }, rowsWritten: { n: 0, u: 0 },
      })];
    case 'casted':
      return [castedBackward()];
    case 'casted-fused': {
      // The casted backward's rows go straight into the update: nothing of [U, dim] is written.
      // Its row-id stream is the update's grad_rows read (counted in the update).
      const b = castedBackward(false);
      const wb = rowBeats(s.dim, beat) * s.u;
      const back: OpTraffic = { ...b, written: b.written - wb * beat, wBeats: b.wBeats - wb, wBursts: b.wBursts - s.u, rowsWritten: { n: 0, u: 0 } };
      const up = updateOp('update', s, false);
      return [{
        op: 'casted_backward_fused_update',
        read: back.read + up.read, written: back.written + up.written, rBeats: back.rBeats + up.rBeats, wBeats: back.wBeats + up.wBeats, wBursts: back.wBursts + up.wBursts,
        streams: mergeStreams(back.streams, up.streams),
        rowsRead: { n: 1, u: up.rowsRead.u }, rowsWritten: { n: 0, u: up.rowsWritten.u },
      }];
    }
    case 'casted-unfused':
      return [castedBackward(), updateOp('update', s, true)];
    case 'baseline':
      return [
        // EXPAND: bags of one lookup: indices = the bag of each lookup (int32 [N]), offsets 0..N (int32 [N+1]), the scale per lookup.
        gatherReduceOp('expand', beat, s.dim, { idx: s.n, idxBytes: 4, offs: s.n + 1, offBytes: 4, scales: scaled, gathered: s.n, out: s.n, rowsRead: { n: 1, u: 0 }, rowsWritten: { n: 1, u: 0 } }),
        // COALESCE: gather the expanded rows in sorted order (positions int32 [N]), segments int32 [U+1].
        gatherReduceOp('coalesce', beat, s.dim, { idx: s.n, idxBytes: 4, offs: s.u + 1, offBytes: 4, scales: false, gathered: s.n, out: s.u, rowsRead: { n: 1, u: 0 }, rowsWritten: { n: 0, u: 1 } }),
        updateOp('update', s, true),
      ];
    default:
      throw new ModelError(`unknown traffic path ${JSON.stringify(path)}; known: ${TRAFFIC_PATHS.join(', ')}`, { array: 'path', value: String(path) });
  }
}

function mergeStreams(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const r = { ...a };
  for (const [k, v] of Object.entries(b)) r[k] = (r[k] ?? 0) + v;
  return r;
}

/** The bytes of one path (its operations summed). */
export function traffic(path: TrafficPath, s: TrafficShape): PathTraffic {
  const ops = trafficOps(path, s);
  const sum = (f: (o: OpTraffic) => number) => ops.reduce((a, o) => a + f(o), 0);
  return {
    path, ops, read: sum((o) => o.read), written: sum((o) => o.written), rBeats: sum((o) => o.rBeats), wBeats: sum((o) => o.wBeats),
    rowsRead: { n: sum((o) => o.rowsRead.n), u: sum((o) => o.rowsRead.u) },
    rowsWritten: { n: sum((o) => o.rowsWritten.n), u: sum((o) => o.rowsWritten.u) },
  };
}

/** The memory's service model for the cycle estimate. */
export interface MemoryModel {
  /** 'independent': R and W each move one beat per cycle; 'shared': one byte budget per cycle for both. */
  mode: 'independent' | 'shared';
  /** Shared mode: bytes per cycle for R and W together [beatBytes]. */
  budget?: number;
  /** Shared mode: cycles lost at each switch from reads to writes [0]. */
  turnaround?: number;
}

/**
 * A bandwidth-bound cycle estimate of a path: the operations run one after
 * the other; each takes max(R beats, W beats) cycles with independent
 * channels, or (read + written bytes) / budget plus one turnaround per write
 * burst (a write burst can interrupt the reads at most once) in the shared
 * mode. Latency, stalls and the reducer are not in it: it is the bound the
 * measured cycles approach when the engine streams at the bus's rate.
 */
export function predictCycles(p: PathTraffic, s: TrafficShape, m: MemoryModel): number {
  let cycles = 0;
  for (const o of p.ops) {
    if (m.mode === 'independent') cycles += Math.max(o.rBeats, o.wBeats);
    else {
      const budget = m.budget ?? s.beatBytes;
      if (!(budget > 0)) throw new ModelError(`memory budget must be positive, got ${budget}`, { array: 'budget', value: budget });
      cycles += Math.ceil((o.read + o.written) / budget) + (m.turnaround ?? 0) * (o.rBeats > 0 ? o.wBursts : 0);
    }
  }
  return cycles;
}


/**
 * The row counts of the paths in the limit of a large dim (index streams
 * negligible): rows of dim values read and written, as multiples of N and U.
 * SGD: baseline reads 2N + 2U (expand N, coalesce N, update U grad + U weight),
 * writes N + 2U; casted fused reads N + U, writes U.
 */
export function rowCounts(path: TrafficPath, optimizer: TrafficOptimizer = 'sgd'): { read: { n: number; u: number }; written: { n: number; u: number } } {
  const p = traffic(path, { n: 2, u: 1, bags: 1, dim: 4, beatBytes: 16, optimizer });
  return { read: p.rowsRead, written: p.rowsWritten };
}

/** A row count as text, e.g. "2N+2U". */
export function rowCountText(c: { n: number; u: number }): string {
  const t = (k: number, v: string) => (k === 0 ? '' : k === 1 ? v : `${k}${v}`);
  return [t(c.n, 'N'), t(c.u, 'U')].filter((x) => x).join('+') || '0';
}
