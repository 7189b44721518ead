/**
 * AXI co-simulation: runs any design with AXI4 master ports and an AXI4-Lite
 * slave port against a C++ harness (testbench/axi/) with an AXI4 slave memory
 * model, a protocol checker on every channel and an AXI4-Lite master that runs
 * a register script. Many scenarios (memory image + timing profile + script)
 * run in one harness process with a reset between them; the binary is built
 * once by sim/build.ts's cache (buildModel). See docs/AXI.md.
 *
 *   const results = await simulateAxi(targetOf(generate(new AxiDma(...))), [scenario, ...]);
 *   assertAxiOk(results[0]);             // throws AxiRunError with the checker's message
 */
import { assertionFailure } from './assertions';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildModel, type BuildResult } from './build';
import { trackChild } from './proc';
import { SimInputError } from './sources';
import { renderTemplate, type TemplatePort } from '../testbench/render';
import { SimRunError, type PortSpec, type SimTarget } from './vectors';

// ------------------------------------------------------------------ interfaces

const AXI4_FIELDS = [
  'awid', 'awaddr', 'awlen', 'awsize', 'awburst', 'awlock', 'awcache', 'awprot', 'awqos', 'awvalid', 'awready',
  'wdata', 'wstrb', 'wlast', 'wvalid', 'wready',
  'bid', 'bresp', 'bvalid', 'bready',
  'arid', 'araddr', 'arlen', 'arsize', 'arburst', 'arlock', 'arcache', 'arprot', 'arqos', 'arvalid', 'arready',
  'rid', 'rdata', 'rresp', 'rlast', 'rvalid', 'rready',
] as const;
/** Signals an AXI4 master port must have (the rest default: id 0, INCR, full size, WSTRB all ones...). */
const AXI4_REQUIRED = ['awaddr', 'awlen', 'awvalid', 'awready', 'wdata', 'wlast', 'wvalid', 'wready', 'bvalid', 'bready', 'araddr', 'arlen', 'arvalid', 'arready', 'rdata', 'rlast', 'rvalid', 'rready'];
const LITE_REQUIRED = ['awaddr', 'awvalid', 'awready', 'wdata', 'wvalid', 'wready', 'bvalid', 'bready', 'araddr', 'arvalid', 'arready', 'rdata', 'rvalid', 'rready'];
/** Signals the DUT drives when it is the master. */
const MASTER_DRIVEN = new Set(['awid', 'awaddr', 'awlen', 'awsize', 'awburst', 'awlock', 'awcache', 'awprot', 'awqos', 'awvalid', 'wdata', 'wstrb', 'wlast', 'wvalid', 'bready', 'arid', 'araddr', 'arlen', 'arsize', 'arburst', 'arlock', 'arcache', 'arprot', 'arqos', 'arvalid', 'rready']);

export interface AxiInterface {
  /** Port-name prefix, e.g. `m_axi`. */
  name: string;
  kind: 'axi4' | 'lite';
  /** 'master': the design is the master (the harness is a memory); 'slave': the design is an AXI4-Lite slave. */
  role: 'master' | 'slave';
  dataBits: number;
  addrBits: number;
  idBits: number;
  /** Field (e.g. "awaddr") -> index in the target's port list. */
  ports: Record<string, number>;
}

/**
 * Finds the AXI interfaces of a port list: every prefix P with a `P_awvalid`
 * port; AXI4 when `P_awlen` exists, else AXI4-Lite. The design is the master
 * when it drives `P_awvalid`.
 */
export function findAxiInterfaces(ports: PortSpec[]): AxiInterface[] {
  const index = new Map(ports.map((p, i) => [p.name, i]));
  const out: AxiInterface[] = [];
  for (const p of ports) {
    if (!p.name.endsWith('_awvalid')) continue;
    const name = p.name.slice(0, -'_awvalid'.length);
    const kind = index.has(`${name}_awlen`) ? 'axi4' : 'lite';
    const role = p.dir === 'output' ? 'master' : 'slave';
    const map: Record<string, number> = {};
    for (const f of AXI4_FIELDS) {
      const i = index.get(`${name}_${f}`);
      if (i === undefined) continue;
      const spec = ports[i]!;
      const driven = MASTER_DRIVEN.has(f);
      const wantDir = (role === 'master') === driven ? 'output' : 'input';
      if (spec.dir !== wantDir) throw new SimInputError(`AXI port ${spec.name} is an ${spec.dir}; as part of ${role} interface '${name}' it must be an ${wantDir}`);
      map[f] = i;
    }
    for (const f of kind === 'axi4' ? AXI4_REQUIRED : LITE_REQUIRED) {
      if (map[f] === undefined) throw new SimInputError(`AXI interface '${name}' has no port ${name}_${f}`);
    }
    const width = (f: string) => (map[f] === undefined ? 0 : ports[map[f]!]!.width);
    const dataBits = width('wdata');
    if (width('rdata') !== dataBits) throw new SimInputError(`AXI interface '${name}': ${name}_rdata and ${name}_wdata differ in width`);
    if (kind === 'axi4' && ![32, 64, 128, 256, 512, 1024].includes(dataBits)) throw new SimInputError(`AXI interface '${name}': data width ${dataBits} is not 32..1024`);
    if (kind === 'lite' && dataBits !== 32 && dataBits !== 64) throw new SimInputError(`AXI4-Lite interface '${name}': data width ${dataBits} is not 32 or 64`);
    if (width('awaddr') > 64 || width('araddr') > 64) throw new SimInputError(`AXI interface '${name}': addresses wider than 64 bits`);
    if (width('awid') > 64 || width('arid') > 64) throw new SimInputError(`AXI interface '${name}': IDs wider than 64 bits`);
    if (kind === 'axi4' && role === 'slave') throw new SimInputError(`AXI4 interface '${name}' is a slave port of the design; the harness drives AXI4 slaves' masters only through AXI4-Lite for now`);
    if (kind === 'lite' && role === 'master') throw new SimInputError(`AXI4-Lite interface '${name}' is a master port of the design; the harness's memory serves AXI4 masters only`);
    out.push({ name, kind, role, dataBits, addrBits: width('awaddr'), idBits: width('awid'), ports: map });
  }
  return out;
}

// ------------------------------------------------------------------ scenarios

/** The memory model's timing, seeded; every field optional (defaults in brackets). See docs/AXI.md. */
export interface TimingProfile {
  /** Seed of the model's random choices [1]. */
  seed?: number;
  /** Cycles from the AR handshake to the first R beat at the earliest [1]; plus 0..readJitter random cycles [0]. */
  readLatency?: number;
  readJitter?: number;
  /** Cycles from the last W beat to B at the earliest [1]; plus 0..writeJitter [0]. */
  writeLatency?: number;
  writeJitter?: number;
  /** Read bursts accepted and not fully returned, at most [8]; write bursts accepted with B not yet accepted [8]. */
  maxReads?: number;
  maxWrites?: number;
  /** Respond across IDs in a random order among those ready (in order within an ID) [false: oldest first]. */
  reorder?: boolean;
  /** Interleave R beats of different bursts [false]. */
  interleave?: boolean;
  /** Probability that ARREADY / AWREADY / WREADY is high in a cycle [1]. */
  arReady?: number;
  awReady?: number;
  wReady?: number;
  /** Probability of an idle cycle where an R beat / B response could go [0]. */
  rGap?: number;
  bGap?: number;
  /**
   * DRAM-like shared bus: R and W beats share this many bytes per cycle (a beat costs the
   * whole beat's bytes, as on the bus); 0 or absent: independent channels, each a beat per cycle.
   */
  busBytes?: number;
  /** Shared bus: idle cycles at each switch from reads to writes [0]. */
  turnaround?: number;
}

export type Resp = 'SLVERR' | 'DECERR';
export interface ErrorRange {
  /** First byte address. */
  lo: number | bigint;
  /** One past the last byte. */
  hi: number | bigint;
  resp: Resp;
  /** Which accesses fail: reads, writes or both ['rw']. */
  dir?: 'r' | 'w' | 'rw';
}

/** One step of the AXI4-Lite master's script. */
export type LiteOp =
  | { op: 'write'; addr: number; data: number | bigint }
  | { op: 'read'; addr: number }
  | { op: 'poll'; addr: number; mask: number; value: number; maxCycles?: number }
  | { op: 'wait'; cycles: number }
  | { op: 'poke'; port: string; value: number | bigint }
  | { op: 'waitPort'; port: string; value: number; mask?: number; maxCycles?: number };

export interface AxiScenario {
  name?: string;
  profile?: TimingProfile;
  errors?: ErrorRange[];
  /** Bytes placed in memory before the run: any typed array (a Float32Array tensor goes in as its little-endian bytes). Never-written bytes read as an address hash. */
  memory?: { addr: number | bigint; bytes: ArrayBufferView }[];
  /** Pseudo-random bytes placed in memory (cheap for large regions; compare with `compare`). */
  fills?: { addr: number | bigint; len: number; seed: number }[];
  script: LiteOp[];
  /** Regions read back after the run. */
  dump?: { addr: number | bigint; len: number }[];
  /** Regions compared inside the harness after the run: memory[a..a+len) vs memory[b..b+len). */
  compare?: { a: number | bigint; b: number | bigint; len: number }[];
  /** Cycles to keep running after the script ends [0]. */
  drainCycles?: number;
  /** Stop when no AXI handshake and no script progress happen for this many cycles [10000]. */
  watchdogCycles?: number;
  /** Hard cap on the scenario's cycles [10 000 000]. */
  maxCycles?: number;
  resetCycles?: number;
}

export interface AxiViolation {
  cycle: number;
  iface: string;
  channel: string;
  field: string;
  /** The AXI specification section the rule comes from (IHI0022E numbering). */
  rule: string;
  message: string;
}

export interface ChannelCounters {
  /** Handshakes. */
  beats: number;
  /** Cycles with VALID high. */
  valid: number;
  /** Cycles with VALID high and READY low. */
  stall: number;
}

export interface InterfaceCounters {
  aw: ChannelCounters;
  w: ChannelCounters;
  b: ChannelCounters;
  ar: ChannelCounters;
  r: ChannelCounters;
  /** Transactions the checker still sees open at the end. */
  outstanding: number;
  /** Memory-model figures (AXI4 ports only). */
  readsBusy?: number;
  writesBusy?: number;
  reorders?: number;
  interleaves?: number;
  peakReads?: number;
  peakWrites?: number;
  firstR?: number;
  lastR?: number;
  firstW?: number;
  lastW?: number;
  /** Shared bus: read-to-write switches, and the idle cycles they cost. */
  turnarounds?: number;
  turnCycles?: number;
}

export type OpResult =
  | { op: 'write'; addr: number; resp: number; cycles: number }
  | { op: 'read'; addr: number; data: bigint; resp: number }
  | { op: 'poll'; addr: number; data: bigint; cycles: number }
  | { op: 'wait'; cycles: number }
  | { op: 'poke'; port: number }
  | { op: 'waitPort'; port: number; value: bigint; cycles: number };

export interface AxiResult {
  name: string;
  status: 'ok' | 'violation' | 'watchdog' | 'timeout' | 'script';
  /** Cycles run after reset. */
  cycles: number;
  /** Wall time of the scenario's cycle loop, in seconds. */
  wallSeconds: number;
  /** CPU time of the harness process during the cycle loop, in seconds (independent of the machine's load). */
  cpuSeconds?: number;
  violation?: AxiViolation;
  /** Why a watchdog/timeout/script stop happened. */
  failure?: string;
  /** Transactions in flight in the memory model at the end (always listed on a stop). */
  inFlight: string[];
  ops: OpResult[];
  /** Values of the read and poll ops, in order. */
  reads: bigint[];
  dumps: Uint8Array[];
  /** Per compare: the first mismatching offset, or -1. */
  compares: number[];
  counters: Record<string, InterfaceCounters>;
}

/** A scenario that did not end cleanly: the message carries the checker's report. */
export class AxiRunError extends Error {
  readonly userFacing = true;
  readonly exitCode = 1;
  constructor(message: string, readonly result: AxiResult) {
    super(message);
    this.name = 'AxiRunError';
  }
}

/** A one-paragraph description of how a scenario ended. */
export function describeResult(r: AxiResult): string {
  if (r.status === 'ok') return `scenario ${r.name}: ok after ${r.cycles} cycles`;
  const lines: string[] = [];
  if (r.violation) {
    const v = r.violation;
    lines.push(`AXI protocol violation at cycle ${v.cycle} on ${v.iface} ${v.channel.toUpperCase()} (${v.field}), rule ${v.rule}: ${v.message}`);
  } else {
    lines.push(`scenario ${r.name} stopped (${r.status}) at cycle ${r.cycles}: ${r.failure ?? ''}`);
  }
  if (r.inFlight.length) lines.push(`in flight:\n  ${r.inFlight.join('\n  ')}`);
  return lines.join('\n');
}

/** Throws AxiRunError unless the scenario ended with status ok. */
export function assertAxiOk(r: AxiResult): AxiResult {
  if (r.status !== 'ok') throw new AxiRunError(describeResult(r), r);
  return r;
}

// ------------------------------------------------------------------ harness build

const AXI_DIR = fileURLToPath(new URL('../testbench/axi/', import.meta.url));

function templateContext(target: SimTarget) {
  const ifaces = findAxiInterfaces(target.ports);
  const index = (n: string) => target.ports.findIndex((p) => p.name === n);
  const clockIndex = index(target.clock);
  if (clockIndex < 0) throw new SimInputError(`clock '${target.clock}' is not a port of '${target.top}'`);
  const resetIndex = target.reset ? index(target.reset.name) : -1;
  if (target.reset && resetIndex < 0) throw new SimInputError(`reset '${target.reset.name}' is not a port of '${target.top}'`);
  const ports: TemplatePort[] = target.ports.map((p) => ({ name: p.name, width: p.width, dir: p.dir, wide: p.width > 64 }));
  const ctx = (i: AxiInterface) => ({
    name: i.name,
    dataBits: i.dataBits,
    sigs: Object.entries(i.ports).map(([field, idx]) => ({ field, index: idx })),
  });
  return {
    ifaces,
    context: {
      top: target.top,
      ports,
      clockIndex,
      reset: target.reset ? { index: resetIndex, activeLow: target.reset.activeLow } : false,
      resetActiveLow: target.reset?.activeLow === true,
      axi: ifaces.filter((i) => i.kind === 'axi4').map(ctx),
      lite: ifaces.filter((i) => i.kind === 'lite').map(ctx),
    },
  };
}

/** The C++ sources of the AXI harness for a target (the .cpp from the template plus the model header). */
export function renderAxiHarness(target: SimTarget): { name: string; text: string }[] {
  const { context, ifaces } = templateContext(target);
  if (!ifaces.some((i) => i.kind === 'axi4')) throw new SimInputError(`'${target.top}' has no AXI4 master port (a port P_awvalid with P_awlen)`);
  const cpp = renderTemplate('../axi/axi_harness.cpp.hbs', context);
  return [
    { name: `tcast_${target.top}_axi.cpp`, text: cpp },
    { name: 'axi_model.h', text: readFileSync(`${AXI_DIR}axi_model.h`, 'utf8') },
  ];
}

/** Builds (or finds in the cache) the AXI harness binary of a target. */
export async function buildAxiTarget(target: SimTarget, trace = false): Promise<BuildResult> {
  return buildModel({
    top: target.top,
    ...(target.files ? { files: target.files } : {}),
    ...(target.sources ? { sources: target.sources } : {}),
    harness: renderAxiHarness(target),
    trace,
  });
}

// ------------------------------------------------------------------ scenario text

const hx = (v: number | bigint, what: string): string => {
  const b = BigInt(v);
  if (b < 0n || b >= 1n << 64n) throw new SimInputError(`${what} ${v} is not a 64-bit unsigned value`);
  return b.toString(16);
};
const int = (v: number, what: string, min = 0): string => {
  if (!Number.isInteger(v) || v < min) throw new SimInputError(`${what} must be an integer >= ${min}, got ${v}`);
  return String(v);
};
const prob = (v: number, what: string): string => {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new SimInputError(`${what} must be a probability in [0, 1], got ${v}`);
  return String(v);
};

function scenarioText(s: AxiScenario, n: number, target: SimTarget): string {
  const name = (s.name ?? `scenario-${n}`).replace(/\s+/g, '_');
  const lines: string[] = [`scenario ${name}`];
  const p = s.profile ?? {};
  const set = (k: string, v: string) => lines.push(`set ${k} ${v}`);
  if (p.seed !== undefined) set('seed', int(p.seed, 'profile.seed'));
  if (p.readLatency !== undefined) set('readLatency', int(p.readLatency, 'profile.readLatency'));
  if (p.readJitter !== undefined) set('readJitter', int(p.readJitter, 'profile.readJitter'));
  if (p.writeLatency !== undefined) set('writeLatency', int(p.writeLatency, 'profile.writeLatency'));
  if (p.writeJitter !== undefined) set('writeJitter', int(p.writeJitter, 'profile.writeJitter'));
  if (p.maxReads !== undefined) set('maxReads', int(p.maxReads, 'profile.maxReads', 1));
  if (p.maxWrites !== undefined) set('maxWrites', int(p.maxWrites, 'profile.maxWrites', 1));
  if (p.reorder !== undefined) set('reorder', p.reorder ? '1' : '0');
  if (p.interleave !== undefined) set('interleave', p.interleave ? '1' : '0');
  if (p.arReady !== undefined) set('arReady', prob(p.arReady, 'profile.arReady'));
  if (p.awReady !== undefined) set('awReady', prob(p.awReady, 'profile.awReady'));
  if (p.wReady !== undefined) set('wReady', prob(p.wReady, 'profile.wReady'));
  if (p.rGap !== undefined) set('rGap', prob(p.rGap, 'profile.rGap'));
  if (p.bGap !== undefined) set('bGap', prob(p.bGap, 'profile.bGap'));
  if (p.busBytes !== undefined) {
    if (!(Number.isFinite(p.busBytes) && p.busBytes >= 0)) throw new SimInputError(`profile.busBytes must be a non-negative number of bytes per cycle (0: independent channels), got ${p.busBytes}`);
    set('busBytes', String(p.busBytes));
  }
  if (p.turnaround !== undefined) {
    if (!(p.busBytes !== undefined && p.busBytes > 0)) throw new SimInputError('profile.turnaround needs the shared bus: give profile.busBytes > 0 too');
    set('turnaround', int(p.turnaround, 'profile.turnaround'));
  }
  for (const [k, v] of [['arReady', p.arReady], ['awReady', p.awReady], ['wReady', p.wReady]] as const) {
    if (v === 0) throw new SimInputError(`profile.${k} = 0 would never accept a transfer`);
  }
  if (p.rGap === 1 || p.bGap === 1) throw new SimInputError('profile.rGap / bGap = 1 would never respond');
  if (s.resetCycles !== undefined) set('resetCycles', int(s.resetCycles, 'resetCycles', 2));
  if (s.watchdogCycles !== undefined) set('watchdog', int(s.watchdogCycles, 'watchdogCycles', 1));
  if (s.maxCycles !== undefined) set('maxCycles', int(s.maxCycles, 'maxCycles', 1));
  if (s.drainCycles !== undefined) set('drain', int(s.drainCycles, 'drainCycles'));
  for (const e of s.errors ?? []) {
    const resp = e.resp === 'SLVERR' ? 2 : e.resp === 'DECERR' ? 3 : undefined;
    if (resp === undefined) throw new SimInputError(`error range resp must be 'SLVERR' or 'DECERR', got ${String(e.resp)}`);
    lines.push(`err ${hx(e.lo, 'error range lo')} ${hx(e.hi, 'error range hi')} ${resp} ${e.dir ?? 'rw'}`);
  }
  for (const m of s.memory ?? []) {
    if (m.bytes.byteLength === 0) continue;
    lines.push(`mem ${hx(m.addr, 'memory address')} ${Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength).toString('hex')}`);
  }
  for (const f of s.fills ?? []) lines.push(`fill ${hx(f.addr, 'fill address')} ${int(f.len, 'fill length')} ${int(f.seed, 'fill seed', 1)}`);
  const portIndex = (name: string, dir?: 'input') => {
    const i = target.ports.findIndex((q) => q.name === name);
    if (i < 0) throw new SimInputError(`script: '${name}' is not a port of '${target.top}'`);
    if (dir && target.ports[i]!.dir !== dir) throw new SimInputError(`script: poke of '${name}', which is not an input`);
    return i;
  };
  for (const op of s.script) {
    switch (op.op) {
      case 'write': lines.push(`op W ${hx(op.addr, 'write address')} ${hx(op.data, 'write data')}`); break;
      case 'read': lines.push(`op R ${hx(op.addr, 'read address')}`); break;
      case 'poll': lines.push(`op P ${hx(op.addr, 'poll address')} ${hx(op.mask, 'poll mask')} ${hx(op.value, 'poll value')} ${int(op.maxCycles ?? 1_000_000, 'poll maxCycles')}`); break;
      case 'wait': lines.push(`op I ${int(op.cycles, 'wait cycles', 1)}`); break;
      case 'poke': lines.push(`op S ${portIndex(op.port, 'input')} ${hx(op.value, 'poke value')}`); break;
      case 'waitPort': lines.push(`op Q ${portIndex(op.port)} ${hx(op.mask ?? 0xffffffff, 'mask')} ${hx(op.value, 'value')} ${int(op.maxCycles ?? 1_000_000, 'waitPort maxCycles')}`); break;
      default: throw new SimInputError(`unknown script op ${JSON.stringify(op)}`);
    }
  }
  for (const d of s.dump ?? []) lines.push(`dump ${hx(d.addr, 'dump address')} ${int(d.len, 'dump length')}`);
  for (const c of s.compare ?? []) lines.push(`cmp ${hx(c.a, 'compare address')} ${hx(c.b, 'compare address')} ${int(c.len, 'compare length')}`);
  lines.push('run');
  return lines.join('\n') + '\n';
}

/** The scenario file the harness reads (for reproducing a run by hand: `BINARY --in FILE`). */
export function scenarioFile(target: SimTarget, scenarios: AxiScenario[]): string {
  return scenarios.map((s, i) => scenarioText(s, i, target)).join('') + 'quit\n';
}

// ------------------------------------------------------------------ running

export interface AxiSimOptions {
  /** Write an FST waveform here (uses a separate, traced build). */
  traceFst?: string;
  /** Verilator's seed for the random initial state [1]. */
  seed?: number;
  /** Kill the harness after this long [120 s + 50 µs per cycle cap]. */
  timeoutMs?: number;
}

function parseCounters(fields: string[]): InterfaceCounters {
  const kv = new Map<string, number>();
  for (const f of fields) {
    const [k, v] = f.split('=');
    if (k && v !== undefined) kv.set(k, Number(v));
  }
  const ch = (c: string): ChannelCounters => ({ beats: kv.get(`${c}.beats`) ?? 0, valid: kv.get(`${c}.valid`) ?? 0, stall: kv.get(`${c}.stall`) ?? 0 });
  const out: InterfaceCounters = { aw: ch('aw'), w: ch('w'), b: ch('b'), ar: ch('ar'), r: ch('r'), outstanding: kv.get('outstanding') ?? 0 };
  const opt: [keyof InterfaceCounters, string][] = [
    ['readsBusy', 'reads_busy'], ['writesBusy', 'writes_busy'], ['reorders', 'reorders'], ['interleaves', 'interleaves'],
    ['peakReads', 'peak_reads'], ['peakWrites', 'peak_writes'], ['firstR', 'first_r'], ['lastR', 'last_r'], ['firstW', 'first_w'], ['lastW', 'last_w'],
    ['turnarounds', 'turnarounds'], ['turnCycles', 'turn_cycles'],
  ];
  for (const [k, n] of opt) if (kv.has(n)) (out as unknown as Record<string, number>)[k] = kv.get(n)!;
  return out;
}

function newResult(name: string): AxiResult {
  return { name, status: 'ok', cycles: 0, wallSeconds: 0, inFlight: [], ops: [], reads: [], dumps: [], compares: [], counters: {} };
}

/**
 * Runs the scenarios through the target in one harness process (reset and a
 * fresh memory before each). Returns one result per scenario; a protocol
 * violation, watchdog or script timeout ends that scenario only.
 */
export async function simulateAxi(target: SimTarget, scenarios: AxiScenario[], opts: AxiSimOptions = {}): Promise<AxiResult[]> {
  const text = scenarioFile(target, scenarios);
  const build = await buildAxiTarget(target, opts.traceFst !== undefined);
  const seed = opts.seed ?? 1;
  const args = [`+verilator+seed+${seed}`, '+verilator+rand+reset+2', ...(opts.traceFst ? ['--trace', opts.traceFst] : [])];
  const maxCycles = scenarios.reduce((a, s) => a + (s.maxCycles ?? 10_000_000), 0);
  const timeoutMs = opts.timeoutMs ?? Math.min(2 ** 31 - 1, 120_000 + maxCycles * 0.05);
  const results: AxiResult[] = [];
  let cur: AxiResult | undefined;
  const onLine = (line: string) => {
    if (line === '') return;
    const sp = line.indexOf(' ');
    const tag = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    const f = rest.split(' ');
    if (tag === 'begin') {
      cur = newResult(rest);
      return;
    }
    if (!cur) throw new Error(`AXI harness: unexpected output '${line.slice(0, 80)}'`);
    switch (tag) {
      case 'w': cur.ops.push({ op: 'write', addr: parseInt(f[0]!, 16), resp: Number(f[1]), cycles: Number(f[2]) }); break;
      case 'r': {
        const data = BigInt(`0x${f[1]}`);
        cur.ops.push({ op: 'read', addr: parseInt(f[0]!, 16), data, resp: Number(f[2]) });
        cur.reads.push(data);
        break;
      }
      case 'p': {
        const data = BigInt(`0x${f[1]}`);
        cur.ops.push({ op: 'poll', addr: parseInt(f[0]!, 16), data, cycles: Number(f[2]) });
        cur.reads.push(data);
        break;
      }
      case 'i': cur.ops.push({ op: 'wait', cycles: Number(f[0]) }); break;
      case 's': cur.ops.push({ op: 'poke', port: Number(f[0]) }); break;
      case 'q': cur.ops.push({ op: 'waitPort', port: Number(f[0]), value: BigInt(`0x${f[1]}`), cycles: Number(f[2]) }); break;
      case 'v': {
        const bar = rest.indexOf(' | ');
        const head = rest.slice(0, bar).split(' ');
        cur.violation = { cycle: Number(head[0]), iface: head[1]!, channel: head[2]!, field: head[3]!, rule: head[4]!, message: rest.slice(bar + 3) };
        break;
      }
      case 'f': cur.failure = rest; break;
      case 'x': cur.inFlight.push(rest); break;
      case 'c': cur.counters[f[0]!] = parseCounters(f.slice(1)); break;
      case 'd': cur.dumps.push(Uint8Array.from(Buffer.from(f[1] ?? '', 'hex'))); break;
      case 'k': cur.compares.push(Number(f[3])); break;
      case 'end':
        cur.status = f[0] as AxiResult['status'];
        cur.cycles = Number(f[1]);
        cur.wallSeconds = Number(f[2]) / 1e6;
        if (f[3] !== undefined) cur.cpuSeconds = Number(f[3]) / 1e6;
        results.push(cur);
        cur = undefined;
        break;
      default:
        throw new Error(`AXI harness: unexpected output '${line.slice(0, 80)}'`);
    }
  };
  await new Promise<void>((resolve, reject) => {
    const child = spawn(build.binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    trackChild(child);
    let stderr = '';
    let tail = '';
    let failed: Error | undefined;
    const timer = setTimeout(() => {
      failed = new SimRunError(`AXI simulation of '${target.top}' timed out after ${Math.round(timeoutMs / 1000)} s`, stderr);
      child.kill('SIGKILL');
    }, timeoutMs);
    timer.unref();
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (tail + chunk).split('\n');
      tail = lines.pop()!;
      try {
        for (const l of lines) onLine(l);
      } catch (e) {
        failed = e as Error;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (c: string) => {
      if (stderr.length < 65536) stderr += c;
    });
    child.stdin.on('error', () => {});
    child.on('error', (e) => reject(new SimRunError(`cannot start the AXI simulation of '${target.top}': ${e.message}`, '')));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failed) return reject(failed);
      if (code !== 0 || signal) {
        const failedAssert = assertionFailure(target.top, stderr);
        if (failedAssert) return reject(failedAssert);
        const msg = stderr.trim().split('\n').find((l) => /error/i.test(l)) ?? stderr.trim().split('\n')[0] ?? '';
        return reject(new SimRunError(`AXI simulation of '${target.top}' ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${msg ? `: ${msg.replace(/^tcast-harness: error: /, '')}` : ''}`, stderr));
      }
      resolve();
    });
    child.stdin.end(text);
  });
  if (results.length !== scenarios.length) throw new SimRunError(`AXI simulation of '${target.top}' ended after ${results.length} of ${scenarios.length} scenarios`, '');
  return results;
}
