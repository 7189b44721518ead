/**
 * `tcast report`'s page (docs/REPORT.md): bench results (a `runs` array per
 * file: bench/results/engine.json, training.json) turned into one standalone
 * HTML page with plain SVG plots and the tables behind them. Every mark
 * carries its numbers as data attributes (data-series, data-x, data-y), so a
 * test (and a reader's script) can check the page against its input. The
 * traffic model's prediction (model/traffic.ts) stands beside each
 * measurement; the paper's reported speed-ups are drawn as a band labelled as
 * a different system.
 */
import { predictCycles, traffic, type MemoryModel, type TrafficOptimizer, type TrafficPath, type TrafficShape } from '../model/traffic';

/** One run of a result file, as the report reads it (other fields are ignored). */
export interface ReportRun {
  /** Engine bench: 'forward' | 'casted_backward'. */
  op?: string;
  /** Engine bench: the forward's index and offset type, 'int32' (when absent) or 'int64'. */
  indexType?: string;
  /** Training bench: 'casted-fused' | 'casted-unfused' | 'baseline'. */
  path?: string;
  preset?: string;
  dim: number;
  cycles: number;
  lookups?: number;
  uniqueRows?: number;
  bags?: number;
  dataBits?: number;
  optimizer?: string;
  memory?: string;
  busBytes?: number;
  turnaround?: number;
  bytesRead?: number;
  bytesWritten?: number;
  modelBytesRead?: number;
  modelBytesWritten?: number;
  rUtilisation?: number;
  memoryMaxReads?: number;
  readLatency?: number;
}

export interface ResultFile {
  file: string;
  runs: ReportRun[];
}

/** Why a parsed JSON value is not a result file (one line), or undefined. */
export function checkResultFile(file: string, v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || !Array.isArray((v as { runs?: unknown }).runs)) return `${file}: not a bench result (no "runs" array); give bench/results/NAME.json as written by 'npm run bench -- NAME'`;
  const runs = (v as { runs: unknown[] }).runs;
  for (let i = 0; i < runs.length; i++) {
    const r = runs[i] as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null) return `${file}: runs[${i}] is not an object`;
    for (const k of ['dim', 'cycles'] as const) if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) return `${file}: runs[${i}].${k} must be a number, got ${JSON.stringify(r[k])}`;
    if (!Number.isInteger(r.dim) || (r.dim as number) < 1) return `${file}: runs[${i}].dim must be an integer >= 1, got ${JSON.stringify(r.dim)}`;
    if (typeof r.op !== 'string' && typeof r.path !== 'string') return `${file}: runs[${i}] has neither "op" (engine bench) nor "path" (training bench)`;
    // Counts, sizes and times, when given: numbers, none negative (it would be plotted as if measured).
    for (const k of ['cycles', 'lookups', 'uniqueRows', 'bags', 'bytesRead', 'bytesWritten', 'modelBytesRead', 'modelBytesWritten', 'rUtilisation', 'memoryMaxReads', 'readLatency', 'busBytes', 'turnaround']) {
      if (r[k] !== undefined && (typeof r[k] !== 'number' || !Number.isFinite(r[k]))) return `${file}: runs[${i}].${k} must be a number when given, got ${JSON.stringify(r[k])}`;
      if (r[k] !== undefined && (r[k] as number) < 0) return `${file}: runs[${i}].${k} must be >= 0, got ${JSON.stringify(r[k])}`;
    }
    if (r.dataBits !== undefined && (!Number.isInteger(r.dataBits) || (r.dataBits as number) < 8 || (r.dataBits as number) % 8 !== 0)) {
      return `${file}: runs[${i}].dataBits must be a whole number of bytes in bits (8, 16, ..., e.g. 512), got ${JSON.stringify(r.dataBits)}`;
    }
    // R beats / cycles, per channel with more than one: one beat a cycle at the most.
    if (r.rUtilisation !== undefined && (r.rUtilisation as number) > 1) return `${file}: runs[${i}].rUtilisation is a fraction of the R channel's beats (0..1), got ${JSON.stringify(r.rUtilisation)}`;
    if (r.indexType !== undefined && r.indexType !== 'int32' && r.indexType !== 'int64') return `${file}: runs[${i}].indexType must be "int32" or "int64" when given, got ${JSON.stringify(r.indexType)}`;
    if (r.memory !== undefined && r.memory !== 'independent' && r.memory !== 'shared') return `${file}: runs[${i}].memory must be "independent" or "shared", got ${JSON.stringify(r.memory)}`;
  }
  return undefined;
}

// ------------------------------------------------------------------ the traffic model's predictions

const OPT = new Set(['sgd', 'adagrad', 'rowwise_adagrad']);
const wide = (r: ReportRun) => r.op === 'forward' && r.indexType === 'int64';
const label = (r: ReportRun) => r.path ?? (r.op ? `${r.op}${wide(r) ? ' (int64)' : ''}` : '?');
const memOf = (r: ReportRun): MemoryModel => (r.memory === 'shared' ? { mode: 'shared', budget: r.busBytes, turnaround: r.turnaround } : { mode: 'independent' });

/** The traffic model's shape and path of a run, or undefined when its fields do not give them. */
function modelOf(r: ReportRun): { path: TrafficPath; shape: TrafficShape } | undefined {
  const beatBytes = (r.dataBits ?? 512) / 8;
  if (r.lookups === undefined) return undefined;
  const optimizer = (OPT.has(r.optimizer ?? '') ? r.optimizer : 'rowwise_adagrad') as TrafficOptimizer;
  if (r.op === 'forward') {
    const bytes = wide(r) ? 8 : 4;
    return { path: 'forward', shape: { n: r.lookups, u: Math.min(1, r.lookups), bags: r.bags ?? 0, dim: r.dim, beatBytes, indexBytes: bytes, offsetBytes: bytes } };
  }
  // The engine bench's casted backward is a gather-reduce whose bags are the U segments.
  if (r.op === 'casted_backward') {
    const u = r.uniqueRows ?? r.bags;
    return u === undefined ? undefined : { path: 'casted', shape: { n: r.lookups, u, bags: 0, dim: r.dim, beatBytes } };
  }
  if (r.path === 'casted-fused' || r.path === 'casted-unfused' || r.path === 'baseline') {
    if (r.uniqueRows === undefined) return undefined;
    return { path: r.path, shape: { n: r.lookups, u: r.uniqueRows, bags: r.bags ?? 0, dim: r.dim, beatBytes, optimizer } };
  }
  return undefined;
}

/** The traffic model's cycle bound of a run (undefined when the run lacks the fields). */
export function modelCycles(r: ReportRun): number | undefined {
  const m = modelOf(r);
  if (!m) return undefined;
  try { return predictCycles(traffic(m.path, m.shape), m.shape, memOf(r)); } catch { return undefined; }
}

/** The traffic model's bytes of a run (undefined when the run lacks the fields). */
export function modelBytes(r: ReportRun): { read: number; written: number } | undefined {
  const m = modelOf(r);
  if (!m) return undefined;
  try { const t = traffic(m.path, m.shape); return { read: t.read, written: t.written }; } catch { return undefined; }
}

// ------------------------------------------------------------------ the plots' data

export interface Point { series: string; x: number; y: number; label?: string }
export interface Band { label: string; lo: number; hi: number; avg?: number }
export interface Plot {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  points: Point[];
  bands: Band[];
  /** Why the plot has no measured points, when it has none. */
  empty?: string;
  note: string;
}

/** The paper's reported speed-ups (Kwon, Lee, Rhu, HPCA 2021): a different system, not this measurement. */
export const PAPER_BANDS: Band[] = [
  { label: 'paper, end to end on real CPU-GPU systems (a different system)', lo: 1.9, hi: 21 },
  { label: 'paper, its evaluation section (a different system)', lo: 2.0, hi: 15, avg: 6.9 },
];

const round = (v: number, d = 4) => Number(v.toFixed(d));

/** Casted-fused over baseline pairs: same preset, dim, memory and shape. */
function speedups(runs: ReportRun[]): { key: string; preset: string; dim: number; memory: string; skew: number | undefined; measured: number; model: number | undefined }[] {
  const groups = new Map<string, { fused?: ReportRun; base?: ReportRun }>();
  for (const r of runs) {
    if (r.path !== 'casted-fused' && r.path !== 'baseline') continue;
    const key = `${r.preset ?? '-'}|${r.dim}|${r.memory ?? 'independent'}|${r.lookups ?? ''}|${r.uniqueRows ?? ''}`;
    const g = groups.get(key) ?? {};
    if (r.path === 'casted-fused') g.fused = r; else g.base = r;
    groups.set(key, g);
  }
  const out = [];
  for (const [key, g] of groups) {
    if (!g.fused || !g.base || g.fused.cycles <= 0) continue;
    const mf = modelCycles(g.fused);
    const mb = modelCycles(g.base);
    out.push({
      key, preset: g.fused.preset ?? '-', dim: g.fused.dim, memory: g.fused.memory ?? 'independent',
      skew: g.fused.lookups !== undefined && g.fused.lookups > 0 && g.fused.uniqueRows !== undefined ? round(g.fused.uniqueRows / g.fused.lookups) : undefined,
      measured: round(g.base.cycles / g.fused.cycles), model: mf !== undefined && mb !== undefined && mf > 0 ? round(mb / mf) : undefined,
    });
  }
  return out;
}

export function buildPlots(runs: ReportRun[]): Plot[] {
  const sp = speedups(runs);
  const spPoints = (x: (s: (typeof sp)[number]) => number | undefined): Point[] => sp.flatMap((s) => {
    const xv = x(s);
    if (xv === undefined) return [];
    const name = `${s.preset}, ${s.memory}`;
    return [{ series: `measured: ${name}`, x: xv, y: s.measured, label: `dim ${s.dim}` },
      ...(s.model !== undefined ? [{ series: `traffic model: ${name}`, x: xv, y: s.model, label: `dim ${s.dim}` }] : [])];
  });
  const noPairs = 'no data: needs training runs with both "casted-fused" and "baseline" paths (npm run bench -- training)';
  const util = runs.filter((r) => r.rUtilisation !== undefined && r.memoryMaxReads !== undefined);
  const utilPoints: Point[] = util.map((r) => ({ series: `measured: ${label(r)} dim ${r.dim}${r.readLatency !== undefined ? ` latency ${r.readLatency}` : ''}`, x: r.memoryMaxReads!, y: round(r.rUtilisation!) }));
  // Little's law: with k bursts of b beats in flight and latency L, at most k·b beats per L + b cycles.
  for (const r of util) {
    if (r.readLatency === undefined) continue;
    const b = Math.ceil((r.dim * 4) / ((r.dataBits ?? 512) / 8));
    utilPoints.push({ series: `model bound (Little's law): dim ${r.dim} latency ${r.readLatency}`, x: r.memoryMaxReads!, y: round(Math.min(1, (r.memoryMaxReads! * b) / (r.readLatency + b))) });
  }
  const cpl = runs.filter((r) => r.lookups !== undefined && r.lookups > 0);
  const cplPoints: Point[] = cpl.flatMap((r) => {
    const name = `${label(r)}${r.memory === 'shared' ? ' (shared)' : ''}${r.preset ? ` ${r.preset}` : ''}`;
    const m = modelCycles(r);
    return [{ series: `measured: ${name}`, x: r.dim, y: round(r.cycles / r.lookups!) },
      ...(m !== undefined ? [{ series: `traffic model: ${name}`, x: r.dim, y: round(m / r.lookups!) }] : [])];
  });
  const plots: Plot[] = [
    { id: 'speedup-dim', title: 'Speed-up of the casted fused path over the baseline, against dim', xLabel: 'dim', yLabel: 'baseline cycles / casted-fused cycles',
      points: spPoints((s) => s.dim), bands: PAPER_BANDS, note: 'Bands: the paper\'s reported speed-ups on its own systems, shown for scale; they are not the same measurement.' },
    { id: 'speedup-skew', title: 'Speed-up against skew (U/N)', xLabel: 'U/N (unique rows per lookup)', yLabel: 'baseline cycles / casted-fused cycles',
      points: spPoints((s) => s.skew), bands: PAPER_BANDS, note: 'Lower U/N: more reuse; the baseline\'s expanded buffer grows with N while the casted path\'s writes grow with U.' },
    { id: 'r-util', title: 'R-channel utilisation against reads in flight', xLabel: 'memory cap on read bursts in flight', yLabel: 'R beats / cycles',
      points: utilPoints, bands: [], note: 'Model: min(1, k·b / (L + b)) for k bursts of b beats in flight at read latency L.' },
    { id: 'cycles-per-lookup', title: 'Cycles per lookup, per operation', xLabel: 'dim', yLabel: 'cycles / lookup',
      points: cplPoints, bands: [], note: 'Traffic model: the bandwidth bound of the run\'s memory mode (docs/TRAFFIC.md).' },
  ];
  for (const p of plots) if (!p.points.some((q) => q.series.startsWith('measured'))) p.empty = p.id.startsWith('speedup') ? noPairs : p.id === 'r-util' ? 'no data: needs runs with rUtilisation and memoryMaxReads (npm run bench -- engine)' : 'no data: needs runs with lookups';
  return plots;
}

// ------------------------------------------------------------------ SVG and HTML

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

function ticks(lo: number, hi: number): number[] {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / 4));
  const k = [1, 2, 5, 10].find((m) => span / (m * step) <= 6) ?? 10;
  const s = k * step;
  const out = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-9; v += s) out.push(Number(v.toPrecision(6)));
  return out;
}

/** One plot as SVG: measured points as circles, model points as diamonds, bands as labelled rectangles. */
export function plotSvg(p: Plot): string {
  const W = 640, H = 360, L = 60, R = 20, T = 20, B = 50;
  if (p.empty !== undefined) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="80" data-plot="${p.id}" data-empty="true"><text x="10" y="40" font-size="14">${esc(p.empty)}</text></svg>`;
  }
  const xs = p.points.map((q) => q.x);
  const ys = [...p.points.map((q) => q.y), ...p.bands.flatMap((b) => [b.lo, b.hi])];
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  const pad = (x1 - x0) * 0.05; x0 -= pad; x1 += pad;
  const y0 = Math.min(0, ...ys), y1 = Math.max(...ys) * 1.05 || 1;
  const sx = (v: number) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const sy = (v: number) => H - B - ((v - y0) / (y1 - y0)) * (H - T - B);
  const series = [...new Set(p.points.map((q) => q.series))];
  const color = (s: string) => PALETTE[series.indexOf(s) % PALETTE.length]!;
  const parts: string[] = [];
  p.bands.forEach((b, i) => {
    parts.push(`<rect class="band" x="${L}" y="${sy(b.hi).toFixed(1)}" width="${W - L - R}" height="${(sy(b.lo) - sy(b.hi)).toFixed(1)}" fill="${i ? '#f4e4c1' : '#e8e8e8'}" fill-opacity="0.5" data-series="${esc(b.label)}" data-lo="${b.lo}" data-hi="${b.hi}"${b.avg !== undefined ? ` data-avg="${b.avg}"` : ''}><title>${esc(b.label)}: ${b.lo}x to ${b.hi}x${b.avg !== undefined ? `, ${b.avg}x average` : ''}</title></rect>`);
    if (b.avg !== undefined) parts.push(`<line x1="${L}" x2="${W - R}" y1="${sy(b.avg).toFixed(1)}" y2="${sy(b.avg).toFixed(1)}" stroke="#b08030" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${W - R - 4}" y="${(sy(b.hi) + 12 + 12 * i).toFixed(1)}" font-size="10" text-anchor="end" fill="#555">${esc(b.label)}</text>`);
  });
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#000"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#000"/>`);
  for (const t of ticks(x0, x1)) parts.push(`<text x="${sx(t).toFixed(1)}" y="${H - B + 15}" font-size="10" text-anchor="middle">${t}</text>`);
  for (const t of ticks(y0, y1)) parts.push(`<text x="${L - 5}" y="${(sy(t) + 3).toFixed(1)}" font-size="10" text-anchor="end">${t}</text><line x1="${L}" x2="${W - R}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" font-size="12" text-anchor="middle">${esc(p.xLabel)}</text>`);
  parts.push(`<text x="14" y="${(T + H - B) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${esc(p.yLabel)}</text>`);
  for (const q of p.points) {
    const cx = sx(q.x), cy = sy(q.y);
    const attrs = `class="mark" data-series="${esc(q.series)}" data-x="${q.x}" data-y="${q.y}" fill="${color(q.series)}"`;
    const title = `<title>${esc(q.series)}${q.label ? ` (${esc(q.label)})` : ''}: x ${q.x}, y ${q.y}</title>`;
    if (q.series.startsWith('measured')) parts.push(`<circle ${attrs} cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4">${title}</circle>`);
    else parts.push(`<path ${attrs} fill-opacity="0.6" d="M${cx.toFixed(1)},${(cy - 5).toFixed(1)} l5,5 l-5,5 l-5,-5 z">${title}</path>`);
  }
  const legend = series.map((s, i) => `<g transform="translate(${L + 10},${T + 10 + 13 * i})"><rect width="9" height="9" fill="${color(s)}"/><text x="13" y="8" font-size="10">${esc(s)}</text></g>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" data-plot="${p.id}">${parts.join('')}${legend.join('')}</svg>`;
}

function table(head: string[], rows: (string | number | undefined)[][]): string {
  const cell = (v: string | number | undefined) => `<td>${v === undefined ? '–' : esc(String(v))}</td>`;
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The whole page. */
export function renderReport(files: ResultFile[], plots = buildPlots(files.flatMap((f) => f.runs))): string {
  const runs = files.flatMap((f) => f.runs.map((r) => ({ f: f.file, r })));
  const sections = plots.map((p) => `<section id="${p.id}"><h2>${esc(p.title)}</h2>${plotSvg(p)}<p class="note">${esc(p.note)}</p>${
    p.points.length ? table(['series', p.xLabel, p.yLabel, 'label'], p.points.map((q) => [q.series, q.x, q.y, q.label])) : ''}</section>`);
  const all = table(['file', 'op / path', 'preset', 'dim', 'memory', 'lookups', 'unique rows', 'cycles', 'model cycles', 'bytes read', 'model bytes read', 'bytes written', 'model bytes written'],
    runs.map(({ f, r }) => {
      const mb = modelBytes(r);
      return [f, label(r), r.preset, r.dim, r.memory ?? 'independent', r.lookups, r.uniqueRows, r.cycles, modelCycles(r), r.bytesRead, r.modelBytesRead ?? mb?.read, r.bytesWritten, r.modelBytesWritten ?? mb?.written];
    }));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tcast report</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse;font-size:12px;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f3f3f3}.note{font-size:13px;color:#555}</style></head>
<body><h1>tcast report</h1>
<p>From ${files.map((f) => `<code>${esc(f.file)}</code> (${f.runs.length} runs)`).join(', ')}. Circles: measured on the RTL engine in co-simulation; diamonds: the traffic model's prediction (docs/TRAFFIC.md). Shaded bands: the speed-ups the Tensor Casting paper (Kwon, Lee, Rhu, HPCA 2021) reports on its own systems, 1.9x to 21x end to end on real CPU-GPU systems and 2.0x to 15x (6.9x on average) in its evaluation: a different system, not the same measurement.</p>
${sections.join('\n')}
<section id="runs"><h2>All runs</h2>${all}</section>
</body></html>
`;
}
