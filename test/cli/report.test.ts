/**
 * `tcast report`: the page from a small result set (engine and training runs),
 * every plot's marks carrying the input's numbers (data attributes), plots
 * with no data saying so, --json, and one-line errors for missing or
 * malformed result files.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcast } from './tcast';
import { describe, expect, test } from 'vitest';
import { buildPlots, checkResultFile, modelCycles, renderReport, type ReportRun } from '../../cli/report';


const engineRuns: ReportRun[] = [
  { op: 'forward', dim: 64, dataBits: 512, readLatency: 100, memoryMaxReads: 256, lookups: 20480, bags: 2048, cycles: 84000, rUtilisation: 0.981, bytesRead: 5300000, bytesWritten: 524288 },
  { op: 'forward', indexType: 'int64', dim: 64, dataBits: 512, readLatency: 100, memoryMaxReads: 256, lookups: 20480, bags: 2048, cycles: 84500, rUtilisation: 0.982, bytesRead: 5380000, bytesWritten: 524288 },
  { op: 'casted_backward', dim: 64, dataBits: 512, readLatency: 100, memoryMaxReads: 256, lookups: 20480, bags: 18000, cycles: 90000, rUtilisation: 0.95 },
  { op: 'forward', dim: 64, dataBits: 512, readLatency: 200, memoryMaxReads: 8, lookups: 2560, bags: 256, cycles: 80000, rUtilisation: 0.152 },
  { op: 'forward', dim: 64, dataBits: 512, readLatency: 200, memoryMaxReads: 32, lookups: 2560, bags: 256, cycles: 21000, rUtilisation: 0.577 },
];
const training = (path: string, dim: number, cycles: number, memory: string, preset: string, u: number): ReportRun =>
  ({ preset, path, dim, cycles, memory, lookups: 100000, uniqueRows: u, bags: 7700, dataBits: 512, optimizer: 'rowwise_adagrad', bytesRead: 1, bytesWritten: 2, modelBytesRead: 1, modelBytesWritten: 2 });
const trainingRuns: ReportRun[] = [
  training('casted-fused', 16, 1000, 'independent', 'dlrm', 90000), training('baseline', 16, 2100, 'independent', 'dlrm', 90000),
  training('casted-fused', 64, 4000, 'shared', 'production-reuse', 7800), training('baseline', 64, 11600, 'shared', 'production-reuse', 7800),
];

/** Every mark of plot `id` in the page: [series, x, y]. */
function marks(html: string, id: string): [string, number, number][] {
  const svg = new RegExp(`<svg[^>]*data-plot="${id}"[^>]*>([\\s\\S]*?)</svg>`).exec(html);
  if (!svg) throw new Error(`no plot ${id}`);
  return [...svg[1]!.matchAll(/class="mark" data-series="([^"]*)" data-x="([^"]*)" data-y="([^"]*)"/g)].map((m) => [m[1]!, Number(m[2]), Number(m[3])]);
}

describe('tcast report', () => {
  test('every plot\'s marks carry the numbers of the input', () => {
    const html = renderReport([{ file: 'engine.json', runs: engineRuns }, { file: 'training.json', runs: trainingRuns }]);
    const close = (a: number, b: number) => Math.abs(a - b) < 1e-3;
    // Speed-up against dim: baseline / casted-fused cycles, measured, and the traffic model's ratio.
    const sd = marks(html, 'speedup-dim');
    expect(sd.filter(([s]) => s.startsWith('measured')).map(([, x, y]) => [x, y])).toEqual([[16, 2.1], [64, 2.9]]);
    const model = sd.filter(([s]) => s.startsWith('traffic model'));
    expect(model).toHaveLength(2);
    expect(close(model[1]![2], modelCycles(trainingRuns[3]!)! / modelCycles(trainingRuns[2]!)!)).toBe(true);
    expect(model[1]![2]).toBeGreaterThan(2.6);
    // Against skew: x is U/N.
    expect(marks(html, 'speedup-skew').filter(([s]) => s.startsWith('measured')).map(([, x, y]) => [x, y])).toEqual([[0.9, 2.1], [0.078, 2.9]]);
    // The paper's bands, labelled as a different system.
    expect(html).toMatch(/data-series="paper, its evaluation section \(a different system\)" data-lo="2" data-hi="15" data-avg="6.9"/);
    expect(html).toMatch(/data-lo="1.9" data-hi="21"/);
    // R utilisation against reads in flight: every engine run, at its cap.
    const ru = marks(html, 'r-util').filter(([s]) => s.startsWith('measured'));
    expect(ru.map(([, x, y]) => [x, y])).toEqual(engineRuns.map((r) => [r.memoryMaxReads, r.rUtilisation]));
    // Cycles per lookup: every run, measured cycles / lookups.
    const cpl = marks(html, 'cycles-per-lookup').filter(([s]) => s.startsWith('measured'));
    const all = [...engineRuns, ...trainingRuns];
    expect(cpl).toHaveLength(all.length);
    cpl.forEach(([, x, y], i) => { expect(x).toBe(all[i]!.dim); expect(close(y, all[i]!.cycles / all[i]!.lookups!)).toBe(true); });
    // An int64 forward is its own series, and the model counts its 8-byte indices and offsets.
    expect(cpl[1]![0]).toMatch(/forward \(int64\)/);
    expect(cpl[0]![0]).not.toMatch(/int64/);
    expect(modelCycles(engineRuns[1]!)! - modelCycles(engineRuns[0]!)!).toBe((20480 + 2048) * 4 / 64);
    // The tables behind them hold the same numbers.
    expect(html).toContain('<td>84000</td>');
  });

  test('plots with no data say so', () => {
    const plots = buildPlots(engineRuns);
    expect(plots.find((p) => p.id === 'speedup-dim')!.empty).toMatch(/no data/);
    const html = renderReport([{ file: 'engine.json', runs: engineRuns }], plots);
    expect(html).toMatch(/data-plot="speedup-skew" data-empty="true"><text[^>]*>no data/);
    expect(marks(html, 'r-util').length).toBeGreaterThan(0);
  });

  test('the command: writes index.html, --json, --help, clear errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcast-report-'));
    const eng = join(dir, 'engine.json');
    writeFileSync(eng, JSON.stringify({ benchmark: 'engine', runs: engineRuns }));
    const trn = join(dir, 'training.json');
    writeFileSync(trn, JSON.stringify({ benchmark: 'training', runs: trainingRuns }));
    const r = await tcast('report', eng, trn, '--out', join(dir, 'out'), '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { plots: { id: string; points: unknown[] }[] };
    expect(j.plots.map((p) => p.id)).toEqual(['speedup-dim', 'speedup-skew', 'r-util', 'cycles-per-lookup']);
    const html = readFileSync(join(dir, 'out', 'index.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|src="http/);
    const missing = await tcast('report', join(dir, 'nope.json'), '--out', join(dir, 'o2'));
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/cannot read result file .*nope\.json/);
    writeFileSync(join(dir, 'bad.json'), '{"runs": [{"op": "forward", "dim": "x", "cycles": 1}]}');
    const bad = await tcast('report', join(dir, 'bad.json'), '--out', join(dir, 'o3'));
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/runs\[0\]\.dim must be a number/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const twice = await tcast('report', eng, join(dir, '.', 'engine.json'), '--out', join(dir, 'o4'));
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toMatch(/engine\.json is given twice .*its runs would count twice/);
    expect(checkResultFile('x.json', {})).toMatch(/no "runs" array/);
    expect(checkResultFile('x.json', { runs: [{ dim: 1, cycles: 2 }] })).toMatch(/neither "op".*nor "path"/);
    expect(checkResultFile('x.json', { runs: [{ op: 'forward', dim: 1, cycles: 2, memory: 'dram' }] })).toMatch(/memory must be/);
    // Values no bench writes are refused, not plotted: a dim below 1, a negative count, a bus of no whole bytes.
    expect(checkResultFile('x.json', { runs: [{ op: 'forward', dim: 0, cycles: 2 }] })).toBe('x.json: runs[0].dim must be an integer >= 1, got 0');
    expect(checkResultFile('x.json', { runs: [{ op: 'forward', dim: 2.5, cycles: 2 }] })).toMatch(/runs\[0\]\.dim must be an integer >= 1, got 2\.5/);
    expect(checkResultFile('x.json', { runs: [{ op: 'forward', dim: 1, cycles: -5 }] })).toBe('x.json: runs[0].cycles must be >= 0, got -5');
    expect(checkResultFile('x.json', { runs: [{ op: 'forward', dim: 1, cycles: 2, lookups: -1 }] })).toMatch(/runs\[0\]\.lookups must be >= 0, got -1/);
    expect(checkResultFile('x.json', { runs: [{ op: 'forward', dim: 1, cycles: 2, dataBits: 0 }] })).toMatch(/runs\[0\]\.dataBits must be a whole number of bytes in bits/);
    expect(checkResultFile('x.json', { runs: [{ op: 'forward', dim: 1, cycles: 2, indexType: 'int16' }] })).toMatch(/indexType must be "int32" or "int64"/);
    expect(checkResultFile('x.json', { runs: [{ op: 'forward', dim: 1, cycles: 2, rUtilisation: 1.2 }] })).toMatch(/rUtilisation is a fraction .*got 1\.2/);
    expect(checkResultFile('x.json', { runs: [{ op: 'forward', dim: 1, cycles: 2, rUtilisation: 1 }] })).toBeUndefined();
    expect(checkResultFile('x.json', { runs: trainingRuns })).toBeUndefined();
  });
});
