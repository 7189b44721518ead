/**
 * Seeded, reproducible generators of DLRM-like batches in the batched-table
 * (TBE) layout (./batched.ts), with presets from tiny to DLRM benchmark scale,
 * and the statistics of a workload (docs/MODEL.md, "Workloads").
 *
 * Randomness: xoshiro128** seeded through splitmix32 from a 32-bit seed; the
 * same spec and seed give the same batch on every machine.
 */
import type { TableSpec } from './batched';
import { ModelError } from './errors';

/** xoshiro128** (Blackman & Vigna), 32-bit outputs. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** A uniform integer in [0, n), n ≤ 2^32 (bias below 2^-21 for n ≤ 2^32). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Zipf(s) over ranks 1..n, P(k) ∝ k^-s, s > 0, by rejection-inversion
 * (Hörmann & Derflinger 1996): O(1) per sample and no table, so it works for
 * tables of any size.
 */
export class ZipfSampler {
  private readonly hX1: number;
  private readonly hN: number;
  private readonly sConst: number;

  constructor(private readonly n: number, private readonly s: number) {
    if (!(n >= 1) || !(s > 0)) throw new ModelError(`Zipf needs n >= 1 and exponent > 0 (got n=${n}, s=${s})`, { array: 'distribution' });
    this.hX1 = this.hIntegral(1.5) - 1;
    this.hN = this.hIntegral(n + 0.5);
    this.sConst = 2 - this.hIntegralInv(this.hIntegral(2.5) - this.h(2));
  }

  /** A rank in 1..n. */
  sample(rng: Rng): number {
    for (;;) {
      const u = this.hN + rng.float() * (this.hX1 - this.hN);
      const x = this.hIntegralInv(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.sConst || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  private h(x: number): number {
    return Math.exp(-this.s * Math.log(x));
  }

  private hIntegral(x: number): number {
    const lx = Math.log(x);
    return helper2((1 - this.s) * lx) * lx;
  }

  private hIntegralInv(x: number): number {
    let t = x * (1 - this.s);
    if (t < -1) t = -1; // numerical guard
    return Math.exp(helper1(t) * x);
  }
}

/** log1p(x)/x, continuous at 0. */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}

/** expm1(x)/x, continuous at 0. */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}

export type Pooling =
  | { kind: 'fixed'; L: number }
  /** Bag sizes uniform in min..L (min defaults to 1, as DLRM; 0 allows empty bags). */
  | { kind: 'uniform'; L: number; min?: number }
  /** Per-table fixed sizes (MLPerf DLRMv2's multi-hot sizes). */
  | { kind: 'per_table'; sizes: number[] };

export type Distribution =
  | { kind: 'uniform' }
  /** Zipf with this exponent over the rows; rank k maps to row (k-1)·a mod rows (a bijection, hot rows spread out). */
  | { kind: 'zipf'; exponent: number }
  /**
   * Lookups per row follow a reuse histogram (`reuseCounts`): the table's
   * lookups are a shuffled multiset in which each used row appears its reuse
   * count times (used row j is row (j·a) mod rows, a coprime to rows).
   */
  | { kind: 'reuse'; histogram: ReuseHistogram };

/**
 * A reuse histogram over power-of-two bins: bin 0 is (0,1], bin k is
 * (2^(k-1), 2^k]; the last bin is everything above (generated as (2^(k-1), 2^k]).
 */
export interface ReuseHistogram {
  /** Mean lookups per used row (N / U). */
  meanReuse: number;
  /** Of the used rows, the fraction in each bin. */
  uniqueRowFraction: number[];
  /** Of all lookups, the fraction landing on rows of each bin. */
  lookupFraction: number[];
}

export interface WorkloadSpec {
  name?: string;
  tables: TableSpec[];
  batchSize: number;
  pooling: Pooling;
  distribution: Distribution;
  /**
   * DLRM's per-bag de-duplication: each bag's indices become np.unique of the
   * drawn ones (sorted ascending, duplicates removed), as dlrm_data_pytorch.py's
   * generator does.
   */
  dedup?: boolean;
  /** Also draw per-sample weights, uniform in [0, 1) rounded to binary32. */
  perSampleWeights?: boolean;
  seed: number;
}

export interface Workload {
  spec: WorkloadSpec;
  tables: TableSpec[];
  batchSize: number;
  /** Table-major lookups [N], int32. */
  indices: Int32Array;
  /** [T·B+1] */
  offsets: Int32Array;
  perSampleWeights: Float32Array | null;
}

const BIG_PRIME = 2654435761; // odd; coprime to rows unless rows is a multiple of it

function coprimeMultiplier(rows: number): number {
  let a = BIG_PRIME % Math.max(1, rows);
  if (a === 0) a = 1;
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  while (rows > 1 && gcd(a, rows) !== 1) a++;
  return a;
}

function checkSpec(spec: WorkloadSpec): void {
  const bad = (m: string) => new ModelError(`workload: ${m}`, { array: 'workload' });
  if (!Number.isInteger(spec.batchSize) || spec.batchSize < 0) throw bad(`batchSize ${spec.batchSize} is not a non-negative integer`);
  if (spec.tables.length === 0) throw bad('needs at least one table');
  spec.tables.forEach((t, i) => {
    if (!Number.isInteger(t.rows) || t.rows < 1) throw bad(`tables[${i}].rows = ${t.rows} must be a positive integer`);
    if (!Number.isInteger(t.dim) || t.dim < 1) throw bad(`tables[${i}].dim = ${t.dim} must be a positive integer`);
  });
  const p = spec.pooling;
  if (p.kind === 'per_table') {
    if (p.sizes.length !== spec.tables.length) throw bad(`per_table pooling has ${p.sizes.length} sizes for ${spec.tables.length} tables`);
    if (p.sizes.some((s) => !Number.isInteger(s) || s < 0)) throw bad('per_table pooling sizes must be non-negative integers');
  } else if (!Number.isInteger(p.L) || p.L < 0) {
    throw bad(`pooling L = ${p.L} must be a non-negative integer`);
  } else if (p.kind === 'uniform' && p.min !== undefined && (!Number.isInteger(p.min) || p.min < 0 || p.min > p.L)) {
    throw bad(`pooling min = ${p.min} must be an integer in 0..L`);
  }
  if (spec.distribution.kind === 'zipf' && !(spec.distribution.exponent > 0)) throw bad('zipf exponent must be > 0');
  if (spec.distribution.kind === 'reuse') {
    const h = spec.distribution.histogram;
    if (spec.dedup === true) throw bad('a reuse histogram cannot be combined with per-bag de-duplication (dedup would change the reuse counts)');
    if (!(h.meanReuse >= 1)) throw bad(`reuse histogram: meanReuse ${h.meanReuse} must be at least 1`);
    if (h.lookupFraction.length === 0 || h.lookupFraction.some((f) => !(f >= 0))) throw bad('reuse histogram: lookupFraction must be non-negative numbers');
    if (h.uniqueRowFraction.length > h.lookupFraction.length || h.uniqueRowFraction.some((f) => !(f >= 0))) throw bad('reuse histogram: uniqueRowFraction must be non-negative numbers, no more bins than lookupFraction');
  }
}

/** Generates a batch. Same spec (and seed) → same batch. */
export function generateWorkload(spec: WorkloadSpec): Workload {
  checkSpec(spec);
  const rng = new Rng(spec.seed);
  const T = spec.tables.length;
  const B = spec.batchSize;
  const sizes = new Int32Array(T * B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const p = spec.pooling;
      let L: number;
      if (p.kind === 'fixed') L = p.L;
      else if (p.kind === 'per_table') L = p.sizes[t]!;
      else {
        const min = p.min ?? Math.min(1, p.L);
        L = min + rng.int(p.L - min + 1);
      }
      sizes[t * B + b] = L;
    }
  }
  let total = 0;
  for (let i = 0; i < sizes.length; i++) total += sizes[i]!;
  const indices = new Int32Array(total);
  const offsets = new Int32Array(T * B + 1);
  let n = 0;
  const scratch: number[] = [];
  for (let t = 0; t < T; t++) {
    const rows = spec.tables[t]!.rows;
    const dist = spec.distribution;
    const zipf = dist.kind === 'zipf' ? new ZipfSampler(rows, dist.exponent) : null;
    const mult = coprimeMultiplier(rows);
    let tableLookups = 0;
    for (let b = 0; b < B; b++) tableLookups += sizes[t * B + b]!;
    const pool = dist.kind === 'reuse' ? reusePool(reuseCounts(dist.histogram, tableLookups), rows, mult, rng, t) : null;
    let next = 0;
    const draw = pool
      ? () => pool[next++]!
      : zipf
        ? () => ((zipf.sample(rng) - 1) * mult) % rows
        : () => rng.int(rows);
    for (let b = 0; b < B; b++) {
      offsets[t * B + b] = n;
      const L = sizes[t * B + b]!;
      if (spec.dedup) {
        scratch.length = 0;
        for (let i = 0; i < L; i++) scratch.push(draw());
        scratch.sort((x, y) => x - y);
        for (let i = 0; i < scratch.length; i++) if (i === 0 || scratch[i] !== scratch[i - 1]) indices[n++] = scratch[i]!;
      } else {
        for (let i = 0; i < L; i++) indices[n++] = draw();
      }
    }
  }
  offsets[T * B] = n;
  const finalIndices = n === total ? indices : indices.slice(0, n);
  let psw: Float32Array | null = null;
  if (spec.perSampleWeights) {
    psw = new Float32Array(n);
    for (let i = 0; i < n; i++) psw[i] = rng.float();
  }
  return { spec, tables: spec.tables, batchSize: B, indices: finalIndices, offsets, perSampleWeights: psw };
}

/** Lower (exclusive) and upper (inclusive) reuse count of bin k: (0,1], (1,2], (2,4], ... */
export const reuseBin = (k: number): [number, number] => (k === 0 ? [0, 1] : [2 ** (k - 1), 2 ** k]);

/** The bin of a reuse count r ≥ 1 (counts above the last bin go to the last bin). */
export function reuseBinOf(r: number, bins: number): number {
  const k = r <= 1 ? 0 : Math.ceil(Math.log2(r));
  return Math.min(k, bins - 1);
}

/**
 * The reuse count of every used row for `n` lookups following a histogram:
 * lookups per bin L_k = round(q_k·n) (the largest bin takes the rounding
 * remainder); rows per bin u_k = p_k·n/meanReuse rounded, clamped so that the
 * mean count L_k/u_k lies inside the bin; a bin whose lookups cannot fill
 * even one row at this n (L_k ≤ its lower edge) is folded into the bin below.
 * Each bin's lookups are split evenly over its rows. Deterministic.
 */
export function reuseCounts(h: ReuseHistogram, n: number): Int32Array {
  const K = h.lookupFraction.length;
  const qs = h.lookupFraction.reduce((a, b) => a + b, 0);
  const L = h.lookupFraction.map((q) => Math.round((q / qs) * n));
  const diff = n - L.reduce((a, b) => a + b, 0);
  let big = 0;
  for (let k = 1; k < K; k++) if (L[k]! > L[big]!) big = k;
  L[big] = L[big]! + diff;
  for (let k = K - 1; k > 0; k--) if (L[k]! > 0 && L[k]! <= reuseBin(k)[0]) { L[k - 1] = L[k - 1]! + L[k]!; L[k] = 0; }
  const uStar = n / h.meanReuse;
  // From the top bin down, so that lookups a bin cannot split into counts
  // inside (lo, hi] carry to the bin below (odd L_k in (1,2], say).
  const perBin: number[][] = [];
  for (let k = K - 1; k >= 0; k--) {
    const lk = L[k]!;
    perBin[k] = [];
    if (lk === 0) continue;
    const [lo, hi] = reuseBin(k);
    const minU = Math.ceil(lk / hi);
    const maxU = Math.floor(lk / (lo + 1));
    const u = minU <= maxU ? Math.max(minU, Math.min(maxU, Math.round((h.uniqueRowFraction[k] ?? 0) * uStar))) : maxU;
    const kept = minU <= maxU ? lk : Math.min(lk, u * hi);
    if (kept < lk) L[k - 1] = L[k - 1]! + (lk - kept);
    if (u === 0) continue;
    const base = Math.floor(kept / u);
    const extra = kept - base * u;
    for (let i = 0; i < u; i++) perBin[k]!.push(base + (i < extra ? 1 : 0));
  }
  return Int32Array.from(perBin.flat());
}

/** The shuffled lookups of a table: used row j (row (j·mult + t) mod rows) repeated counts[j] times. */
function reusePool(counts: Int32Array, rows: number, mult: number, rng: Rng, t: number): Int32Array {
  if (counts.length > rows) throw new ModelError(`workload: the reuse histogram needs ${counts.length} distinct rows but the table has ${rows}`, { array: 'workload' });
  let n = 0;
  for (const c of counts) n += c;
  const pool = new Int32Array(n);
  let p = 0;
  for (let j = 0; j < counts.length; j++) {
    const row = (j * mult + t) % rows;
    for (let c = 0; c < counts[j]!; c++) pool[p++] = row;
  }
  for (let i = n - 1; i > 0; i--) {
    const k = rng.int(i + 1);
    const x = pool[i]!;
    pool[i] = pool[k]!;
    pool[k] = x;
  }
  return pool;
}

/** The measured reuse histograms of a workload (over all tables' (table, row) pairs), `bins` power-of-two bins. */
export function reuseHistograms(w: Workload, bins: number): { uniqueRows: number; lookups: number; uniqueRowFraction: number[]; lookupFraction: number[] } {
  const T = w.tables.length;
  const B = w.batchSize;
  const uCount = new Array<number>(bins).fill(0);
  const lCount = new Array<number>(bins).fill(0);
  let uniqueRows = 0;
  for (let t = 0; t < T; t++) {
    const count = new Map<number, number>();
    for (let p = w.offsets[t * B]!; p < w.offsets[(t + 1) * B]!; p++) {
      const r = w.indices[p]!;
      count.set(r, (count.get(r) ?? 0) + 1);
    }
    for (const c of count.values()) {
      const k = reuseBinOf(c, bins);
      uCount[k]!++;
      lCount[k] = lCount[k]! + c;
      uniqueRows++;
    }
  }
  const n = w.indices.length;
  return {
    uniqueRows, lookups: n,
    uniqueRowFraction: uCount.map((c) => (uniqueRows ? c / uniqueRows : 0)),
    lookupFraction: lCount.map((c) => (n ? c / n : 0)),
  };
}

/**
 * Meta's published reuse statistics of production-like embedding lookups
 * (facebookresearch/dlrm_datasets, 2022 set: 788 tables, batch 131,072,
 * 1.405 billion lookups and 110.3 million unique rows per batch): bins
 * (0,1], (1,2], (2,4], ..., (16384,32768], above.
 */
export const PRODUCTION_REUSE: ReuseHistogram = {
  meanReuse: 1405 / 110.3,
  uniqueRowFraction: [0.342, 0.144, 0.149, 0.138, 0.112, 0.068, 0.029, 0.010, 0.004, 0.002, 0.001, 0.001, 0, 0, 0, 0, 0],
  lookupFraction: [0.027, 0.023, 0.040, 0.068, 0.105, 0.120, 0.099, 0.070, 0.059, 0.054, 0.040, 0.072, 0.064, 0.047, 0.021, 0.017, 0.076],
};

/**
 * Fills a float32 array with uniform values in [-scale, scale), fast: an
 * inlined xorshift128 (Marsaglia) seeded from {@link Rng}, one 32-bit draw per
 * value (weights and gradients for benchmarks need speed, not quality).
 */
export function fillUniform(arr: Float32Array, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  let x = rng.u32() | 1;
  let y = rng.u32();
  let z = rng.u32();
  let w = rng.u32();
  const k = (2 * scale) / 4294967296;
  const n = arr.length;
  for (let i = 0; i < n; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
    arr[i] = (w >>> 0) * k - scale;
  }
  return arr;
}

/** One weight array per table, [rows, dim], uniform in [-scale, scale). */
export function makeWeights(tables: TableSpec[], seed: number, scale = 0.05): Float32Array[] {
  return tables.map((t, i) => fillUniform(new Float32Array(t.rows * t.dim), (seed + i * 7919) >>> 0, scale));
}

/** A grad_output [B, ΣD], uniform in [-scale, scale). */
export function makeGradOutput(w: Workload, seed: number, scale = 1): Float32Array {
  const D = w.tables.reduce((a, t) => a + t.dim, 0);
  return fillUniform(new Float32Array(w.batchSize * D), seed, scale);
}

/** The MLPerf DLRMv2 (Criteo 1TB multi-hot) row counts of its 26 tables. */
export const DLRMV2_ROWS = [
  40000000, 39060, 17295, 7424, 20265, 3, 7122, 1543, 63, 40000000, 3067956, 405282, 10, 2209, 11938, 155, 4, 976, 14,
  40000000, 40000000, 40000000, 590152, 12973, 108, 36,
];
/** Its multi-hot sizes (lookups per sample per table). */
export const DLRMV2_MULTI_HOT = [3, 2, 1, 2, 6, 1, 1, 1, 1, 7, 3, 8, 1, 6, 9, 5, 1, 1, 1, 12, 100, 27, 10, 3, 1, 1];

export type PresetName = 'tiny' | 'small' | 'medium' | 'dlrm-benchmark' | 'mlperf-dlrmv2' | 'production-reuse';

export const PRESET_NAMES: PresetName[] = ['tiny', 'small', 'medium', 'dlrm-benchmark', 'mlperf-dlrmv2', 'production-reuse'];

export interface PresetOptions {
  seed?: number;
  /** mlperf-dlrmv2: cap on rows per table (default 1,000,000; the 40M-row tables would need 20 GiB each). */
  rowCap?: number;
  batchSize?: number;
  /** production-reuse: the table's dim [64]. */
  dim?: number;
}

/**
 * The workload presets:
 * - tiny: 2 tables (10×4, 7×3), B 4, pooling uniform 0..5, Zipf 1.1 (tests; empty bags and repeats).
 * - small: 4 tables × 1000 rows, dim 16, B 64, pooling uniform 1..20, Zipf 1.05.
 * - medium: 8 tables × 100k rows, dim 64, B 512, pooling fixed 50, uniform.
 * - dlrm-benchmark: facebookresearch/dlrm's bench/dlrm_s_benchmark.sh: 8 tables × 1,000,000
 *   rows, dim 64, 100 lookups per bag, batch 2048, uniform indices (1,638,400 lookups;
 *   no per-bag de-duplication, so exactly 100 per bag).
 * - mlperf-dlrmv2: MLPerf DLRMv2's 26 tables (rows capped at rowCap), its multi-hot sizes, dim 128, B 2048, uniform.
 * - production-reuse: one 1,000,000-row table (dim 64 or `dim`), B 77,000, 13 lookups per bag
 *   (1,001,000 lookups), indices following Meta's published reuse histograms (PRODUCTION_REUSE):
 *   about 78,600 used rows, mean reuse 12.7. Below about 1,000,000 lookups the top bins cannot hold
 *   a single row and fold into the bins below (see reuseCounts).
 */
export function preset(name: PresetName, opts: PresetOptions = {}): WorkloadSpec {
  const seed = opts.seed ?? 1;
  switch (name) {
    case 'tiny':
      return {
        name, seed, tables: [{ rows: 10, dim: 4 }, { rows: 7, dim: 3 }], batchSize: opts.batchSize ?? 4,
        pooling: { kind: 'uniform', L: 5, min: 0 }, distribution: { kind: 'zipf', exponent: 1.1 },
      };
    case 'small':
      return {
        name, seed, tables: Array.from({ length: 4 }, () => ({ rows: 1000, dim: 16 })), batchSize: opts.batchSize ?? 64,
        pooling: { kind: 'uniform', L: 20 }, distribution: { kind: 'zipf', exponent: 1.05 },
      };
    case 'medium':
      return {
        name, seed, tables: Array.from({ length: 8 }, () => ({ rows: 100_000, dim: 64 })), batchSize: opts.batchSize ?? 512,
        pooling: { kind: 'fixed', L: 50 }, distribution: { kind: 'uniform' },
      };
    case 'dlrm-benchmark':
      return {
        name, seed, tables: Array.from({ length: 8 }, () => ({ rows: 1_000_000, dim: 64 })), batchSize: opts.batchSize ?? 2048,
        pooling: { kind: 'fixed', L: 100 }, distribution: { kind: 'uniform' },
      };
    case 'mlperf-dlrmv2': {
      const cap = opts.rowCap ?? 1_000_000;
      return {
        name, seed, tables: DLRMV2_ROWS.map((r) => ({ rows: Math.min(r, cap), dim: 128 })), batchSize: opts.batchSize ?? 2048,
        pooling: { kind: 'per_table', sizes: DLRMV2_MULTI_HOT }, distribution: { kind: 'uniform' },
      };
    }
    case 'production-reuse':
      return {
        name, seed, tables: [{ rows: 1_000_000, dim: opts.dim ?? 64 }], batchSize: opts.batchSize ?? 77_000,
        pooling: { kind: 'fixed', L: 13 }, distribution: { kind: 'reuse', histogram: PRODUCTION_REUSE },
      };
    default:
      throw new ModelError(`unknown workload preset ${JSON.stringify(name)}; known: ${PRESET_NAMES.join(', ')}`, { array: 'preset', value: name });
  }
}

export interface WorkloadStats {
  tables: number;
  batchSize: number;
  lookups: number;
  /** Distinct (table, row) pairs looked up. */
  uniqueRows: number;
  /** lookups / uniqueRows (≥ 1; 0 when there are no lookups). */
  reuse: number;
  emptyBags: number;
  /** Bytes each primitive must move at least (fp32 values, int32 indices); see docs/MODEL.md. */
  bytes: {
    /** Gather N weight rows, read indices and offsets, write B pooled rows. */
    forward: number;
    /** Read grad_output rows once per lookup via the casted index, the casted index itself, write U rows. */
    castedBackward: number;
    /**
     * Expand (read grad_output once per lookup, write the N expanded rows), sort
     * (read and write N keys and N payloads once), read the N rows back, write U
     * rows, plus the indices and offsets.
     */
    expandCoalesceBackward: number;
    /** Rowwise Adagrad: read and write U weight rows and U states, read U gradient rows. */
    rowwiseAdagrad: number;
  };
}

/**
 * The lookups and the distinct rows among `indices[lo, hi)` (rows below `rows`),
 * leaving out the lookups of `skip` (a padding_idx, or -1 for none).
 */
export function lookupsAndUniqueRows(indices: ArrayLike<number>, lo: number, hi: number, rows: number, skip = -1): { n: number; u: number } {
  const seen = new Uint8Array(rows);
  let n = 0;
  let u = 0;
  for (let p = lo; p < hi; p++) {
    const r = indices[p]!;
    if (r === skip) continue;
    n++;
    if (!seen[r]) { seen[r] = 1; u++; }
  }
  return { n, u };
}

/** The statistics of a workload. */
export function workloadStats(w: Workload): WorkloadStats {
  const T = w.tables.length;
  const B = w.batchSize;
  let uniqueRows = 0;
  let rowBytes = 0; // Σ over lookups of dim·4
  let uniqBytes = 0; // Σ over unique rows of dim·4
  let emptyBags = 0;
  for (let t = 0; t < T; t++) {
    const { rows, dim } = w.tables[t]!;
    const start = w.offsets[t * B]!;
    const end = w.offsets[(t + 1) * B]!;
    const { u } = lookupsAndUniqueRows(w.indices, start, end, rows);
    uniqueRows += u;
    rowBytes += (end - start) * dim * 4;
    uniqBytes += u * dim * 4;
    for (let b = 0; b < B; b++) if (w.offsets[t * B + b + 1] === w.offsets[t * B + b]) emptyBags++;
  }
  const n = w.indices.length;
  const D = w.tables.reduce((a, t) => a + t.dim, 0);
  const outBytes = B * D * 4;
  const idxBytes = n * 4 + (T * B + 1) * 4;
  // Casted index: uniqueRows (U), segOffsets (U+1), bagIds (N), scales (N, when any).
  const castedIdxBytes = uniqueRows * 8 + 4 + n * 4 + (w.perSampleWeights ? n * 4 : 0);
  return {
    tables: T, batchSize: B, lookups: n, uniqueRows, reuse: uniqueRows ? n / uniqueRows : 0, emptyBags,
    bytes: {
      forward: rowBytes + idxBytes + outBytes + (w.perSampleWeights ? n * 4 : 0),
      castedBackward: rowBytes + castedIdxBytes + uniqBytes,
      expandCoalesceBackward: 3 * rowBytes + idxBytes + 4 * n * 4 + uniqBytes,
      rowwiseAdagrad: 2 * uniqBytes + uniqBytes + 2 * 4 * uniqueRows,
    },
  };
}
