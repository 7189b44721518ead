/**
 * `tcast traffic`: its figures are the traffic model's (model/traffic.ts) for
 * the workload's shape, which each test derives on its own from the case's
 * .npy files or from the preset's generated batch (not through the command's
 * shape helpers), and each expectation is checked to move when the thing it
 * is about changes (memory mode, optimizer state, padding, index width, the
 * tables summed), so a command that mixed them up would fail. In-process
 * (cli/main.ts's main) but for one subprocess run of the binary.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { projectRoot } from '../../generator/hdl/source';
import { writeCaseDir } from '../../model/casedir';
import { decodeNpy } from '../../model/npy';
import { predictCycles, traffic, type MemoryModel, type TrafficOptimizer, type TrafficPath, type TrafficShape } from '../../model/traffic';
import { generateWorkload, preset, Rng } from '../../model/workload';
import { tcast as tcastBin, tcastHere } from './tcast';

const examples = join(projectRoot, 'examples/cases');
const PATHS: TrafficPath[] = ['forward', 'casted', 'casted-fused', 'casted-unfused', 'baseline'];
const INDEPENDENT: MemoryModel = { mode: 'independent' };
const SHARED: MemoryModel = { mode: 'shared' };

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await tcastHere(['traffic', ...argv]);
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

interface Doc {
  workload: { source: string; n: number; u: number; bags: number; dim: number | null; tables: { n: number; indices: number; u: number; bags: number; dim: number }[] };
  dataBits: number; beatBytes: number; optimizer: string;
  memories: { memory: string; busBytes?: number; turnaround?: number }[];
  paths: { path: TrafficPath; read: number; written: number; rBeats: number; wBeats: number; cycles: Record<string, number> }[];
  speedup: Record<string, number> | null;
}

async function doc(...argv: string[]): Promise<Doc> {
  const r = await run(...argv, '--json');
  expect(r.code, r.err).toBe(0);
  expect(r.err).toBe('');
  return JSON.parse(r.out) as Doc;
}

/** The model's figures of `paths`, summed over the shapes. */
function expected(shapes: TrafficShape[], mems: Record<string, MemoryModel>, paths = PATHS) {
  return paths.map((path) => {
    const e = { path, read: 0, written: 0, rBeats: 0, wBeats: 0, cycles: {} as Record<string, number> };
    for (const s of shapes) {
      const t = traffic(path, s);
      e.read += t.read; e.written += t.written; e.rBeats += t.rBeats; e.wBeats += t.wBeats;
      for (const [k, m] of Object.entries(mems)) e.cycles[k] = (e.cycles[k] ?? 0) + predictCycles(t, s, m);
    }
    return e;
  });
}

/** A case directory's shape, from its files: N non-padding lookups, U unique among them, B bags, widths. */
function caseShape(name: string, beatBytes: number, optimizer: TrafficOptimizer): TrafficShape {
  const dir = join(examples, name);
  const cfg = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { mode: 'sum' | 'mean' | 'max'; include_last_offset: boolean; padding_idx: number | null };
  const npy = (f: string) => decodeNpy(readFileSync(join(dir, f)), f);
  const weight = npy('weight.npy');
  const idx = npy('indices.npy');
  const offs = npy('offsets.npy');
  const rows = Array.from(idx.data as ArrayLike<number | bigint>, Number);
  const kept = rows.filter((r) => r !== cfg.padding_idx);
  let psw = false;
  try { npy('per_sample_weights.npy'); psw = true; } catch { /* absent */ }
  return {
    n: kept.length, indices: rows.length, u: new Set(kept).size, bags: offs.shape[0]! - (cfg.include_last_offset ? 1 : 0),
    dim: weight.shape[1]!, beatBytes, indexBytes: idx.dtype === 'int64' ? 8 : 4, offsetBytes: offs.dtype === 'int64' ? 8 : 4,
    includeLastOffset: cfg.include_last_offset, perSampleWeights: psw, mode: cfg.mode, optimizer,
  };
}

describe('tcast traffic: the traffic model for a case directory', () => {
  test('sum-sgd (the case\'s optimizer, both memory modes, 512 bits): every path\'s bytes, beats and cycles, and the speed-up', async () => {
    const d = await doc(join(examples, 'sum-sgd'));
    const s = caseShape('sum-sgd', 64, 'sgd');
    const want = expected([s], { independent: INDEPENDENT, shared: SHARED });
    expect(d.paths).toEqual(want);
    expect(d).toMatchObject({ dataBits: 512, beatBytes: 64, optimizer: 'sgd', memories: [{ memory: 'independent' }, { memory: 'shared', busBytes: 64, turnaround: 0 }] });
    expect(d.workload).toMatchObject({ source: 'case', n: s.n, u: s.u, bags: s.bags, dim: s.dim });
    const base = want.find((p) => p.path === 'baseline')!.cycles;
    const fused = want.find((p) => p.path === 'casted-fused')!.cycles;
    expect(d.speedup).toEqual({ independent: +(base.independent! / fused.independent!).toFixed(3), shared: +(base.shared! / fused.shared!).toFixed(3) });
    // The numbers can tell the modes apart (a command swapping them would fail), and the optimizer state counts.
    for (const p of want.slice(1)) expect(p.cycles.shared, p.path).not.toBe(p.cycles.independent);
    expect(d.speedup!.shared).not.toBe(d.speedup!.independent);
    const adagrad = expected([{ ...s, optimizer: 'adagrad' }], { independent: INDEPENDENT });
    expect(adagrad.slice(2).map((p) => p.read)).not.toEqual(want.slice(2).map((p) => p.read));
  });

  test('mean-padding-int64 with --optimizer rowwise_adagrad, --data-bits 128, shared with a bus budget and a turnaround', async () => {
    const d = await doc(join(examples, 'mean-padding-int64'), '--optimizer', 'rowwise_adagrad', '--data-bits', '128', '--memory', 'shared', '--bus-bytes', '8', '--turnaround', '3');
    const s = caseShape('mean-padding-int64', 16, 'rowwise_adagrad');
    const mem: MemoryModel = { mode: 'shared', budget: 8, turnaround: 3 };
    expect(d.paths).toEqual(expected([s], { shared: mem }));
    expect(d.memories).toEqual([{ memory: 'shared', busBytes: 8, turnaround: 3 }]);
    expect(d.workload.tables).toEqual([{ n: s.n, indices: s.indices, u: s.u, bags: s.bags, dim: s.dim }]);
    // What the case exercises moves the figures: padding lookups (N < I), int64 indices, the mean's scale, the state, the bus.
    expect(s.n).toBeLessThan(s.indices!);
    const fwd = (x: TrafficShape) => traffic('forward', x).read;
    expect(fwd({ ...s, indices: s.n })).not.toBe(fwd(s));
    expect(fwd({ ...s, indexBytes: 4 })).not.toBe(fwd(s));
    expect(traffic('casted', { ...s, mode: 'sum' }).read).not.toBe(traffic('casted', s).read);
    expect(traffic('casted-fused', { ...s, optimizer: 'sgd' }).read).not.toBe(traffic('casted-fused', s).read);
    const t = traffic('baseline', s);
    expect(predictCycles(t, s, { mode: 'shared', budget: 8 })).not.toBe(predictCycles(t, s, mem));
    expect(predictCycles(t, s, { mode: 'shared', turnaround: 3 })).not.toBe(predictCycles(t, s, mem));
  });

  test('sum-psw-backward: no optimizer in case.json gives the forward and the casted backward only; text output', async () => {
    const d = await doc(join(examples, 'sum-psw-backward'));
    const s = caseShape('sum-psw-backward', 64, 'none');
    expect(s.perSampleWeights).toBe(true);
    expect(d.paths).toEqual(expected([s], { independent: INDEPENDENT, shared: SHARED }, ['forward', 'casted']));
    expect(d.speedup).toBeNull();
    const r = await run(join(examples, 'sum-sgd'), '--memory', 'independent');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const fused = expected([caseShape('sum-sgd', 64, 'sgd')], { independent: INDEPENDENT });
    expect(lines[0]).toMatch(/^case .*sum-sgd \(sum, int32 indices\): N 40, U 26, B 4, dim 32; 512-bit bus \(64 B\/beat\), optimizer sgd$/);
    expect(lines[1]).toMatch(/^path +bytes read +bytes written +cycles independent$/);
    expect(lines.find((l) => l.startsWith('step: baseline'))!.trim().split(/ {2,}/)).toEqual(['step: baseline', ...[fused[4]!.read, fused[4]!.written, fused[4]!.cycles.independent!].map((x) => x.toLocaleString('en-US'))]);
    expect(r.out).toMatch(/speed-up baseline \/ casted fused \(training step\): \d\.\d{3}x independent\n/);
    expect(r.out).toMatch(/traffic model's bounds: bandwidth only/);
  });

  test('a case with include_last_offset, a negative padding_idx and 16 bags (offsets [17]: one beat more than [16])', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcast-traffic-'));
    try {
      const rows = 40;
      const dim = 16;
      const rng = new Rng(7);
      const idx = Int32Array.from({ length: 64 }, () => rng.int(rows));
      for (let i = 0; i < idx.length; i += 5) idx[i] = rows - 1;
      writeCaseDir(dir, {
        config: { mode: 'sum', includeLastOffset: true, paddingIdx: -1, optimizer: { kind: 'adagrad', lr: 0.1, eps: 1e-8 } },
        rows, dim, weight: new Float32Array(rows * dim), indices: idx, offsets: Int32Array.from({ length: 17 }, (_, b) => b * 4),
        perSampleWeights: null, gradOutput: new Float32Array(16 * dim), optimizerState: null,
      });
      const kept = Array.from(idx).filter((r) => r !== rows - 1);
      const s: TrafficShape = { n: kept.length, indices: 64, u: new Set(kept).size, bags: 16, dim, beatBytes: 64, includeLastOffset: true, mode: 'sum', optimizer: 'adagrad' };
      const d = await doc(dir);
      expect(d.optimizer).toBe('adagrad');
      expect(d.paths).toEqual(expected([s], { independent: INDEPENDENT, shared: SHARED }));
      expect(traffic('forward', { ...s, includeLastOffset: false }).read).not.toBe(traffic('forward', s).read);
      expect(traffic('forward', { ...s, n: 64 }).read).not.toBe(traffic('forward', s).read);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every lookup padding (N = 0): the step moves nothing, so no speed-up (null; not 0x)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcast-traffic-'));
    try {
      writeCaseDir(dir, {
        config: { mode: 'mean', includeLastOffset: false, paddingIdx: 1, optimizer: { kind: 'sgd', lr: 0.1 } },
        rows: 4, dim: 8, weight: new Float32Array(32), indices: Int32Array.from([1, 1, 1]), offsets: Int32Array.from([0, 2]),
        perSampleWeights: null, gradOutput: new Float32Array(16), optimizerState: null,
      });
      const d = await doc(dir);
      expect(d.workload).toMatchObject({ n: 0, u: 0, bags: 2 });
      expect(d.paths.find((p) => p.path === 'casted-fused')!.cycles).toEqual({ independent: 0, shared: 0 });
      expect(d.speedup).toEqual({ independent: null, shared: null });
      const r = await run(dir);
      expect(r.out).toMatch(/speed-up baseline \/ casted fused \(training step\): none, the step moves no bytes \(N = 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tcast traffic: the training bench\'s presets', () => {
  test('mlperf-dlrmv2 (Zipf 1.05 as the bench draws it), one table, dim 16: docs/BENCHMARKS.md\'s N, U and model speed-ups', async () => {
    const d = await doc('--preset', 'mlperf-dlrmv2', '--dim', '16', '--tables', '1');
    expect([d.workload.n, d.workload.u, d.workload.bags]).toEqual([9216, 4204, 3072]);
    expect(d.speedup).toEqual({ independent: 1.767, shared: 2.022 });
  });

  test('production-reuse dim 16 shared at the bench\'s batch: docs/BENCHMARKS.md\'s model figures (2.638x)', async () => {
    const d = await doc('--preset', 'production-reuse', '--dim', '16', '--memory', 'shared');
    const w = generateWorkload(preset('production-reuse', { seed: 1, batchSize: 768, dim: 16 }));
    const rows = Array.from(w.indices);
    const s: TrafficShape = { n: rows.length, indices: rows.length, u: new Set(rows).size, bags: 768, dim: 16, beatBytes: 64, includeLastOffset: true, optimizer: 'rowwise_adagrad' };
    expect([s.n, s.u]).toEqual([9984, 789]);
    const want = expected([s], { shared: SHARED });
    expect(d.paths).toEqual(want);
    expect(d.speedup).toEqual({ shared: 2.638 });
    // The model figures the training bench recorded for these runs (bench/results/training.json, 2026-11-27).
    expect(d.paths.slice(2).map((p) => [p.path, p.read, p.written, p.cycles.shared])).toEqual([
      ['casted-fused', 789440, 100992, 13913], ['casted-unfused', 846272, 157824, 15689], ['baseline', 1558848, 790464, 36708],
    ]);
    // Independent channels would give other cycles (1.975x).
    expect(expected([s], { independent: INDEPENDENT }).slice(2).map((p) => p.cycles.independent)).not.toEqual(want.slice(2).map((p) => p.cycles.shared));
  });

  test('dlrm-benchmark: the bench\'s default 2 tables, summed; --tables 1 and --optimizer none', async () => {
    const d = await doc('--preset', 'dlrm-benchmark', '--dim', '16');
    const spec = preset('dlrm-benchmark', { seed: 1, batchSize: 96 });
    spec.tables = spec.tables.slice(0, 2).map((t) => ({ ...t, dim: 16 }));
    const w = generateWorkload(spec);
    const shapes = [0, 1].map((t): TrafficShape => {
      const rows = Array.from(w.indices.subarray(w.offsets[t * 96]!, w.offsets[(t + 1) * 96]!));
      return { n: rows.length, indices: rows.length, u: new Set(rows).size, bags: 96, dim: 16, beatBytes: 64, includeLastOffset: true, optimizer: 'rowwise_adagrad' };
    });
    const want = expected(shapes, { independent: INDEPENDENT, shared: SHARED });
    expect(d.paths).toEqual(want);
    expect(d.workload).toMatchObject({ source: 'preset', n: 19200, u: shapes[0]!.u + shapes[1]!.u, bags: 192, dim: 16 });
    expect(want[0]!.read).not.toBe(expected(shapes.slice(0, 1), { independent: INDEPENDENT })[0]!.read);
    // One table: the docs' table (N 9,600, U 9,552; model 1.655x independent, 1.787x shared).
    const one = await doc('--preset', 'dlrm-benchmark', '--dim', '16', '--tables', '1');
    expect(one.paths).toEqual(expected(shapes.slice(0, 1), { independent: INDEPENDENT, shared: SHARED }));
    expect([one.workload.n, one.workload.u]).toEqual([9600, 9552]);
    expect(one.speedup).toEqual({ independent: 1.655, shared: 1.787 });
    const none = await doc('--preset', 'dlrm-benchmark', '--dim', '16', '--tables', '1', '--optimizer', 'none');
    expect(none.paths.map((p) => p.path)).toEqual(['forward', 'casted']);
    expect(none.speedup).toBeNull();
  });
});

describe('tcast traffic: bad input is one line, exit 2', () => {
  test.each([
    [['--preset', 'tiny', '--data-bits', '100'], /--data-bits must be one of 128, 256, 512, 1024; got '100'/],
    [['--preset', 'tiny', '--memory', 'both'], /--memory must be one of independent, shared/],
    [['--preset', 'tiny', '--optimizer', 'adam'], /--optimizer must be one of none, sgd, adagrad, rowwise_adagrad/],
    [['--preset', 'nope'], /--preset must be one of tiny, small/],
    [['--preset', 'tiny', '--dim', '0'], /--dim/],
    [['--preset', 'tiny', '--memory', 'independent', '--turnaround', '4'], /--turnaround applies to the shared memory/],
    [['--preset', 'tiny', '--frob'], /Unknown option '--frob'.*tcast traffic --help/],
    [[], /missing workload/],
    [[join(examples, 'sum-sgd'), '--preset', 'tiny'], /not both/],
    [[join(examples, 'sum-sgd'), '--batch', '8'], /--batch applies to --preset/],
    [[join(examples, 'sum-sgd'), join(examples, 'max-forward')], /one case directory at a time/],
    [[join(examples, 'no-such-case')], /no-such-case: no such case directory/],
    [[join(examples, 'tbe-sum-psw-backward')], /a batched case \("tables": 3\); the traffic model is per table/],
  ])('%j', async (args, re) => {
    const r = await run(...(args as string[]));
    expect(r.code, r.out).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^tcast traffic: error: /);
    expect(r.err).toMatch(re);
  });

  test('the binary: a bad case directory exits 2 with one line (and {"error"} with --json); --help exits 0', async () => {
    const [bad, help] = await Promise.all([tcastBin('traffic', join(examples, 'no-such-case'), '--json'), tcastBin('traffic', '--help')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tcast traffic: error: .*no such case directory/)]);
    expect(JSON.parse(bad.stdout)).toEqual({ error: { command: 'traffic', message: expect.stringMatching(/no such case directory/), exitCode: 2 } });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Exit codes: 0 ok; 2/);
  });
});
