/**
 * The generic cycle harness: "run these vectors through module M".
 *
 * A C++ harness is generated from testbench/templates/vector_harness.cpp.hbs
 * for the target's port list, built (and cached) with Verilator, and driven
 * through stdin/stdout with hex text, so that many episodes cost one process
 * start and very long runs stream in bounded memory. Semantics are documented
 * in the template header and in sim/README.md.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { buildModel, lastBuild, type BuildResult } from './build';
import { trackChild } from './proc';
import { SimInputError, type VerilogSource } from './sources';
import { renderTemplate, type TemplatePort } from '../testbench/render';
import { assertionFailure } from './assertions';

export { lastBuild };
export type { BuildResult };

export interface PortSpec {
  name: string;
  dir: 'input' | 'output';
  width: number;
}

export interface SimTarget {
  top: string;
  files?: string[];
  sources?: VerilogSource[];
  ports: PortSpec[];
  /** Rising-edge clock input. */
  clock: string;
  /** Synchronous reset input. Without one, state carries over between episodes. */
  reset?: { name: string; activeLow: boolean };
  /**
   * Verilog macros to define for this build (part of the cache key). `SYNTHESIS`
   * compiles out the design's assert/assume/cover/printf (the synthesis view).
   */
  defines?: string[];
}

/** Port names of a ready/valid stream. */
export interface StreamSpec {
  valid: string;
  ready: string;
  data: string[];
}

export type Value = bigint | number;

export interface Episode {
  /** Cycles to run after reset. */
  cycles: number;
  /** Cycles with reset asserted before cycle 0 (default 2). */
  resetCycles?: number;
  /** Per-cycle values of plain input ports; a port's last value is held, ports not listed are 0. */
  drive?: Record<string, Value[]>;
  /** Source BFMs (they drive valid and data, the design drives ready). */
  sources?: Record<string, { stream: StreamSpec; payloads: Value[][]; offer: boolean[] }>;
  /** Sink BFMs (the design drives valid and data, they drive ready). */
  sinks?: Record<string, { stream: StreamSpec; accept: boolean[] }>;
  /** Ports to record every cycle. */
  watch?: string[];
}

export interface EpisodeResult {
  /** Per watched port, one value per cycle, sampled after inputs settle, before the rising edge. */
  outputs: Record<string, bigint[]>;
  /** Per sink, its transfers: the cycle and the data ports' values. */
  received: Record<string, { cycle: number; data: bigint[] }[]>;
  /** Per source, the cycle of each transfer (payload i went in sent[i]). */
  sent: Record<string, number[]>;
  cycles: number;
}

export interface SimOptions {
  /** Write an FST waveform here (builds a separate, traced binary). */
  trace?: string;
  /** Seed for the random initial state (default 1). */
  seed?: number;
  /** Kill the simulation after this long (default 60 s + 20 µs per cycle). */
  timeoutMs?: number;
  /** Receives the design's own output as it comes (printf, $display), in chunks of text. */
  onOutput?: (text: string) => void;
}

/**
 * A simulation that failed at run time: carries the harness's stderr. When a
 * DSL assertion failed, `cycle`, `assertion` (its message) and `loc` (its
 * source line) say which and when.
 */
export class SimRunError extends Error {
  readonly userFacing = true;
  readonly exitCode = 1;
  cycle?: number;
  assertion?: string;
  loc?: string;
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'SimRunError';
  }
}

/** Largest port the harness accepts (VlWide handles any width; this bounds the I/O buffers). */
export const MAX_PORT_WIDTH = 4096;
/** Cycle cap per episode (a watchdog against runaway requests). */
export const MAX_EPISODE_CYCLES = 100_000_000;

// ------------------------------------------------------------------ target

interface Resolved {
  target: SimTarget;
  index: Map<string, number>;
  port(name: string, what: string): { spec: PortSpec; index: number };
}

function resolveTarget(target: SimTarget): Resolved {
  const index = new Map<string, number>();
  target.ports.forEach((p, i) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name)) throw new SimInputError(`port name '${p.name}' of '${target.top}' is not a plain identifier`);
    if (index.has(p.name)) throw new SimInputError(`port '${p.name}' is listed twice for '${target.top}'`);
    if (!Number.isInteger(p.width) || p.width < 1 || p.width > MAX_PORT_WIDTH)
      throw new SimInputError(`port '${p.name}' of '${target.top}' has width ${p.width}; widths are 1..${MAX_PORT_WIDTH}`);
    if (p.dir !== 'input' && p.dir !== 'output') throw new SimInputError(`port '${p.name}' has direction '${String(p.dir)}'; use 'input' or 'output'`);
    index.set(p.name, i);
  });
  const r: Resolved = {
    target,
    index,
    port(name, what) {
      const i = index.get(name);
      if (i === undefined)
        throw new SimInputError(`${what} '${name}' is not a port of '${target.top}' (ports: ${target.ports.map((p) => p.name).join(', ')})`);
      return { spec: target.ports[i]!, index: i };
    },
  };
  const clk = r.port(target.clock, 'clock');
  if (clk.spec.dir !== 'input' || clk.spec.width !== 1) throw new SimInputError(`clock '${target.clock}' must be a 1-bit input`);
  if (target.reset) {
    const rst = r.port(target.reset.name, 'reset');
    if (rst.spec.dir !== 'input' || rst.spec.width !== 1) throw new SimInputError(`reset '${target.reset.name}' must be a 1-bit input`);
    if (rst.index === clk.index) throw new SimInputError('clock and reset must be different ports');
  }
  return r;
}

/** The C++ source of the vector harness for a target. */
export function renderVectorHarness(target: SimTarget): string {
  const r = resolveTarget(target);
  const ports: TemplatePort[] = target.ports.map((p) => ({ name: p.name, width: p.width, dir: p.dir, wide: p.width > 64 }));
  return renderTemplate('vector_harness.cpp.hbs', {
    top: target.top,
    ports,
    clock: target.clock,
    clockIndex: r.index.get(target.clock)!,
    reset: target.reset ? { name: target.reset.name, activeLow: target.reset.activeLow, index: r.index.get(target.reset.name)! } : false,
    resetActiveLow: target.reset?.activeLow === true,
  });
}

/** Builds (or finds in the cache) the vector-harness binary of a target. */
export async function buildTarget(target: SimTarget, trace = false): Promise<BuildResult> {
  const text = renderVectorHarness(target);
  return buildModel({
    top: target.top,
    ...(target.files ? { files: target.files } : {}),
    ...(target.sources ? { sources: target.sources } : {}),
    harness: [{ name: `tcast_${target.top}_harness.cpp`, text }],
    ...(target.defines !== undefined && target.defines.length > 0 ? { flags: target.defines.map((d) => `-D${d}`) } : {}),
    trace,
  });
}

// ------------------------------------------------------------------ values

function hexOf(v: Value, port: PortSpec): string {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new SimInputError(`value ${v} for port '${port.name}' is not a non-negative integer`);
    if (port.width < 53 && v >= 2 ** port.width)
      throw new SimInputError(`value 0x${v.toString(16)} is wider than port '${port.name}' (${port.width} bits)`);
    return v.toString(16);
  }
  if (typeof v !== 'bigint') throw new SimInputError(`value ${String(v)} for port '${port.name}' is not a bigint or number`);
  if (v < 0n) throw new SimInputError(`value ${v} for port '${port.name}' is negative`);
  if (v >> BigInt(port.width) !== 0n) throw new SimInputError(`value 0x${v.toString(16)} is wider than port '${port.name}' (${port.width} bits)`);
  return v.toString(16);
}

const big = (h: string): bigint => BigInt(`0x${h}`);

function bits(pattern: boolean[], what: string): string {
  if (!Array.isArray(pattern) || pattern.length === 0) throw new SimInputError(`${what} must be a non-empty boolean array`);
  return pattern.map((b) => (b ? '1' : '0')).join('');
}

// ------------------------------------------------------------------ process

class Harness {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private tail = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private failure: Error | undefined;
  private waiters: ((e?: Error) => void)[] = [];

  constructor(
    binary: string,
    args: string[],
    private readonly top: string,
    private readonly onLine: (line: string) => void,
    private readonly onOutput?: (text: string) => void,
  ) {
    this.child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    trackChild(this.child);
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      const text = this.tail + chunk;
      const lines = text.split('\n');
      this.tail = lines.pop()!;
      try {
        for (const l of lines) this.onLine(l);
      } catch (e) {
        this.fail(e as Error);
      }
    });
    this.child.stderr.on('data', (chunk: string) => {
      // Keep the last 64 KiB: the design's $display output and the harness's errors.
      this.stderr += chunk;
      if (this.stderr.length > 131072) this.stderr = this.stderr.slice(-65536);
      if (this.onOutput) this.onOutput(chunk);
    });
    this.child.stdin.on('error', () => {
      /* EPIPE when the harness died; reported through exit */
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.fail(new SimRunError(`cannot start the simulation of '${top}': ${e.message}`, ''));
        resolve();
      });
      this.child.on('close', (code, signal) => {
        this.exitInfo = { code, signal };
        if (this.timer) clearTimeout(this.timer);
        if (code !== 0 || signal) this.fail(this.exitError());
        resolve();
        for (const w of this.waiters.splice(0)) w(this.failure);
      });
    });
  }

  /** Kills the process if it has not finished within ms (re-armable). */
  watchdog(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.child.kill('SIGKILL');
    }, ms);
    this.timer.unref();
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private exitError(): SimRunError {
    const err = this.stderr.trim();
    const failed = this.timedOut ? undefined : assertionFailure(this.top, err);
    if (failed) return Object.assign(new SimRunError(failed.message, err), { cycle: failed.cycle, assertion: failed.assertion, loc: failed.loc });
    const lines = err.split('\n');
    const first = lines.find((l) => l.startsWith('tcast-harness: error: ')) ?? lines.find((l) => /%Error|Assertion|fatal|error/i.test(l)) ?? lines[lines.length - 1] ?? '';
    const how = this.timedOut
      ? 'timed out (watchdog)'
      : this.exitInfo?.signal
        ? `was killed by ${this.exitInfo.signal}`
        : `exited with code ${this.exitInfo?.code}`;
    return new SimRunError(`simulation of '${this.top}' ${how}${first ? `: ${first.replace(/^tcast-harness: error: /, '')}` : ''}`, err);
  }

  fail(e: Error): void {
    if (!this.failure) this.failure = e;
    for (const w of this.waiters.splice(0)) w(this.failure);
    if (!this.exitInfo) this.child.kill('SIGKILL');
  }

  get error(): Error | undefined {
    return this.failure;
  }

  /** Writes text with backpressure. */
  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.exitInfo) throw this.exitError();
    if (!this.child.stdin.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.child.stdin.off('drain', done);
          this.child.off('close', done);
          resolve();
        };
        this.child.stdin.on('drain', done);
        this.child.on('close', done);
      });
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Resolves when signal() is called by the line handler, rejects on failure. */
  wait(): Promise<void> {
    const p: Promise<void> = this.failure
      ? Promise.reject(this.failure)
      : new Promise((resolve, reject) => this.waiters.push((e) => (e ? reject(e) : resolve())));
    // The caller may fail on a write before awaiting this; never an unhandled rejection.
    p.catch(() => {});
    return p;
  }

  signal(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async finish(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
    if (this.failure !== undefined) throw this.failure;
  }

  kill(): void {
    if (!this.exitInfo) this.child.kill('SIGKILL');
  }
}

function runtimeArgs(seed: number | undefined, trace: string | undefined): string[] {
  const s = seed ?? 1;
  if (!Number.isInteger(s) || s < 1 || s > 2 ** 31 - 1) throw new SimInputError(`seed ${s} must be an integer in 1..2^31-1`);
  return [`+verilator+seed+${s}`, '+verilator+rand+reset+2', ...(trace ? ['--trace', trace] : [])];
}

// ------------------------------------------------------------------ episodes

interface Plan {
  header: string;
  rows: { count: number; row: (c: number) => string };
  watch: string[];
  sources: string[];
  sinks: string[];
  cycles: number;
  resetCycles: number;
}

function planEpisode(r: Resolved, ep: Episode, n: number): Plan {
  const where = `episode ${n}`;
  if (!Number.isInteger(ep.cycles) || ep.cycles < 0 || ep.cycles > MAX_EPISODE_CYCLES)
    throw new SimInputError(`${where}: cycles ${ep.cycles} must be an integer in 0..${MAX_EPISODE_CYCLES}`);
  const resetCycles = ep.resetCycles ?? 2;
  if (!Number.isInteger(resetCycles) || resetCycles < 0) throw new SimInputError(`${where}: resetCycles must be a non-negative integer`);
  const controlled = new Map<string, string>();
  controlled.set(r.target.clock, 'the clock');
  if (r.target.reset) controlled.set(r.target.reset.name, 'the reset');
  const claim = (name: string, by: string) => {
    const prev = controlled.get(name);
    if (prev) throw new SimInputError(`${where}: port '${name}' is driven by ${by} and by ${prev}`);
    controlled.set(name, by);
  };
  const input = (name: string, what: string) => {
    const p = r.port(name, `${where}: ${what}`);
    if (p.spec.dir !== 'input') throw new SimInputError(`${where}: ${what} '${name}' is an output of '${r.target.top}', not an input`);
    return p;
  };
  const output = (name: string, what: string) => {
    const p = r.port(name, `${where}: ${what}`);
    if (p.spec.dir !== 'output') throw new SimInputError(`${where}: ${what} '${name}' is an input of '${r.target.top}', not an output`);
    return p;
  };

  const parts: string[] = [];
  const srcNames = Object.keys(ep.sources ?? {});
  const srcParts: string[] = [];
  for (const name of srcNames) {
    const s = ep.sources![name]!;
    const v = input(s.stream.valid, `source '${name}' valid`);
    const rd = output(s.stream.ready, `source '${name}' ready`);
    claim(s.stream.valid, `source '${name}'`);
    const data = s.stream.data.map((d) => {
      claim(d, `source '${name}'`);
      return input(d, `source '${name}' data`);
    });
    const lines: string[] = [`${v.index} ${rd.index} ${data.length} ${data.map((d) => d.index).join(' ')}`.trimEnd()];
    lines.push(`${bits(s.offer, `${where}: source '${name}' offer`)} ${s.payloads.length}`);
    s.payloads.forEach((p, k) => {
      if (!Array.isArray(p) || p.length !== data.length)
        throw new SimInputError(`${where}: source '${name}' payload ${k} has ${Array.isArray(p) ? p.length : 'no'} values; the stream has ${data.length} data ports`);
      lines.push(p.map((x, j) => hexOf(x, data[j]!.spec)).join(' '));
    });
    srcParts.push(lines.join('\n'));
  }
  const sinkNames = Object.keys(ep.sinks ?? {});
  const sinkParts: string[] = [];
  for (const name of sinkNames) {
    const s = ep.sinks![name]!;
    const v = output(s.stream.valid, `sink '${name}' valid`);
    const rd = input(s.stream.ready, `sink '${name}' ready`);
    claim(s.stream.ready, `sink '${name}'`);
    const data = s.stream.data.map((d) => output(d, `sink '${name}' data`));
    sinkParts.push(`${v.index} ${rd.index} ${data.length} ${data.map((d) => d.index).join(' ')} ${bits(s.accept, `${where}: sink '${name}' accept`)}`);
  }
  const driveNames = Object.keys(ep.drive ?? {});
  const drive = driveNames.map((name) => {
    const p = input(name, 'driven port');
    claim(name, 'drive');
    const values = ep.drive![name]!;
    if (!Array.isArray(values)) throw new SimInputError(`${where}: drive '${name}' must be an array of values`);
    // Validate everything up front, so errors name the port before the process starts.
    const hex = values.slice(0, Math.max(ep.cycles, 1)).map((x) => hexOf(x, p.spec));
    return { name, hex };
  });
  const watch = ep.watch ?? [];
  const watchIdx = watch.map((w) => r.port(w, `${where}: watched port`).index);
  if (new Set(watch).size !== watch.length) throw new SimInputError(`${where}: a port is watched twice`);
  const nrows = Math.min(ep.cycles, Math.max(0, ...drive.map((d) => d.hex.length)));
  parts.push(
    `episode ${ep.cycles} ${resetCycles} ${drive.length} ${watch.length} ${srcNames.length} ${sinkNames.length} ${nrows}`,
    drive.map((d) => r.index.get(d.name)).join(' '),
    watchIdx.join(' '),
    ...srcParts,
    ...sinkParts,
  );
  return {
    header: parts.join('\n') + '\n',
    rows: {
      count: nrows,
      row: (c) => drive.map((d) => (d.hex.length === 0 ? '0' : d.hex[Math.min(c, d.hex.length - 1)])).join(' '),
    },
    watch,
    sources: srcNames,
    sinks: sinkNames,
    cycles: ep.cycles,
    resetCycles,
  };
}

/**
 * Runs episodes through the target in one harness process (reset before each).
 * The binary is built once and cached; see lastBuild() for whether this call built it.
 */
export async function simulate(target: SimTarget, episodes: Episode[], opts: SimOptions = {}): Promise<EpisodeResult[]> {
  const r = resolveTarget(target);
  const plans = episodes.map((ep, i) => planEpisode(r, ep, i));
  const build = await buildTarget(target, opts.trace !== undefined);
  const results: EpisodeResult[] = [];
  let cur: EpisodeResult | undefined;
  let planIdx = 0;
  const begin = () => {
    const p = plans[planIdx]!;
    cur = {
      outputs: Object.fromEntries(p.watch.map((w) => [w, [] as bigint[]])),
      received: Object.fromEntries(p.sinks.map((s) => [s, [] as { cycle: number; data: bigint[] }[]])),
      sent: Object.fromEntries(p.sources.map((s) => [s, [] as number[]])),
      cycles: p.cycles,
    };
  };
  if (plans.length > 0) begin();
  const proto = (line: string) => new SimRunError(`simulation of '${target.top}': unexpected harness output '${line.slice(0, 80)}'`, '');
  const harness = new Harness(build.binary, runtimeArgs(opts.seed, opts.trace), target.top, (line) => {
    if (line === '') return;
    const p = plans[planIdx];
    if (p === undefined || cur === undefined) throw proto(line);
    const f = line.split(' ');
    switch (f[0]) {
      case 'o':
        for (let k = 0; k < p.watch.length; k++) cur.outputs[p.watch[k]!]!.push(big(f[k + 1]!));
        break;
      case 's':
        cur.sent[p.sources[Number(f[1])]!]!.push(Number(f[2]));
        break;
      case 'r':
        cur.received[p.sinks[Number(f[1])]!]!.push({ cycle: Number(f[2]), data: f.slice(3).map(big) });
        break;
      case 'e':
        results.push(cur);
        planIdx++;
        cur = undefined;
        if (planIdx < plans.length) begin();
        break;
      default:
        throw proto(line);
    }
  }, opts.onOutput);
  const totalCycles = plans.reduce((a, p) => a + p.cycles + p.resetCycles, 0);
  harness.watchdog(opts.timeoutMs ?? 60_000 + totalCycles * 0.02);
  try {
    for (const p of plans) {
      await harness.write(p.header);
      const CHUNK = 4096;
      for (let c = 0; c < p.rows.count; c += CHUNK) {
        const end = Math.min(p.rows.count, c + CHUNK);
        const lines: string[] = [];
        for (let k = c; k < end; k++) lines.push(p.rows.row(k));
        await harness.write(lines.join('\n') + '\n');
      }
    }
    await harness.write('quit\n');
    await harness.finish();
  } catch (e) {
    harness.kill();
    throw harness.error ?? e;
  }
  if (results.length !== plans.length)
    throw new SimRunError(`simulation of '${target.top}' ended after ${results.length} of ${plans.length} episodes`, '');
  return results;
}

// ------------------------------------------------------------------ streaming

export interface StreamOptions {
  /** Input ports, in row order. Other inputs are held at 0 (the reset is deasserted after reset). */
  inputs: string[];
  /** Output ports, in row order. */
  outputs: string[];
  /**
   * Pipeline latency in cycles. When set, run() returns, for each input row,
   * the outputs `latency` cycles after it: each call appends `latency` cycles
   * that hold the last row, so every batch drains. Without it, run() returns
   * the outputs sampled in the same cycles as the rows.
   */
  latency?: number;
  /** Reset cycles at the start (default 2). */
  resetCycles?: number;
  seed?: number;
  trace?: string;
  /** Watchdog per run() call (default 60 s + 20 µs per row). */
  timeoutMs?: number;
}

export interface SimStream {
  /** Runs the rows (one per cycle) and returns one output row per input row. Calls are queued. */
  run(rows: Value[][]): Promise<bigint[][]>;
  /**
   * As run(), with rows already as text (each row: the inputs' hex values
   * without 0x, space-separated; checked by the harness) and the output rows
   * returned as the harness prints them (hex without 0x): no conversion, for
   * long streams.
   */
  runHex(rows: string[]): Promise<string[]>;
  /** Cycles run so far after reset. */
  readonly cycles: number;
  /** The build that runs the stream. */
  readonly build: BuildResult;
  /** Ends the process. */
  close(): Promise<void>;
}

/**
 * Opens a long-running harness process for a fixed-latency pipeline: rows go
 * through a pipe in chunks, nothing is written to disk and memory stays bounded
 * by the chunk size.
 */
export async function openStream(target: SimTarget, opts: StreamOptions): Promise<SimStream> {
  const r = resolveTarget(target);
  const ins = opts.inputs.map((n) => {
    const p = r.port(n, 'stream input');
    if (p.spec.dir !== 'input') throw new SimInputError(`stream input '${n}' is an output of '${target.top}'`);
    if (n === target.clock || n === target.reset?.name) throw new SimInputError(`stream input '${n}' is the clock or reset; the harness drives it`);
    return p;
  });
  const outs = opts.outputs.map((n) => r.port(n, 'stream output'));
  const latency = opts.latency ?? 0;
  if (!Number.isInteger(latency) || latency < 0) throw new SimInputError(`latency ${latency} must be a non-negative integer`);
  const resetCycles = opts.resetCycles ?? 2;
  const build = await buildTarget(target, opts.trace !== undefined);

  let pending: { rows: string[]; expected: number; done: boolean } | undefined;
  let ready = false;
  const harness = new Harness(build.binary, runtimeArgs(opts.seed, opts.trace), target.top, (line) => {
    if (line === '') return;
    if (line.startsWith('#c ')) {
      if (!ready) ready = true;
      else if (pending) pending.done = true;
      harness.signal();
      return;
    }
    if (!pending) throw new SimRunError(`stream of '${target.top}': unexpected output '${line.slice(0, 80)}'`, '');
    pending.rows.push(line);
  });
  harness.watchdog(opts.timeoutMs ?? 60_000 + resetCycles * 0.02);
  const started = harness.wait();
  try {
    await harness.write(`stream ${resetCycles} ${ins.length} ${ins.map((p) => p.index).join(' ')} ${outs.length} ${outs.map((p) => p.index).join(' ')}\n`);
    await started;
    harness.disarm();
  } catch (e) {
    harness.kill();
    throw harness.error ?? e;
  }

  let cycles = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  const toHex = (rows: Value[][]): string[] => rows.map((row, k) => {
    if (!Array.isArray(row) || row.length !== ins.length)
      throw new SimInputError(`stream row ${k} has ${Array.isArray(row) ? row.length : 'no'} values; expected ${ins.length} (${opts.inputs.join(', ')})`);
    return row.map((v, j) => hexOf(v, ins[j]!.spec)).join(' ');
  });
  const runOne = async (rowsHex: string[]): Promise<string[]> => {
    if (closed) throw new SimInputError('the stream is closed');
    if (rowsHex.length === 0) return [];
    const hex = rowsHex.slice();
    for (let k = 0; k < latency; k++) hex.push(rowsHex[rowsHex.length - 1]!);
    const n = hex.length;
    pending = { rows: [], expected: n, done: false };
    harness.watchdog(opts.timeoutMs ?? 60_000 + n * 0.02);
    const done = harness.wait();
    await harness.write(`chunk ${n}\n${hex.join('\n')}\n`);
    await done;
    harness.disarm();
    const got = pending.rows;
    pending = undefined;
    if (got.length !== n) throw new SimRunError(`stream of '${target.top}': expected ${n} output rows, got ${got.length}`, '');
    cycles += n;
    return latency ? got.slice(latency) : got;
  };
  const enqueue = (rowsHex: () => string[]): Promise<string[]> => {
    const p = queue.then(() => runOne(rowsHex()));
    queue = p.catch(() => {});
    return p;
  };
  return {
    run(rows) {
      return enqueue(() => toHex(rows)).then((lines) => lines.map((l) => l.split(' ').map(big)));
    },
    runHex(rows) {
      return enqueue(() => rows);
    },
    get cycles() {
      return cycles;
    },
    build,
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await harness.write('quit\n').catch(() => {});
      await harness.finish();
    },
  };
}
