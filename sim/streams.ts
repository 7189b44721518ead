/**
 * Stream testbenches without port-by-port wiring or guessed cycle counts.
 *
 *   const v = generate(new Queue(UInt(8), { depth: 4 }));
 *   const t = targetOf(v);
 *   const r = await runStreams(t, {
 *     drivers: [driver(t, 'enq', [{ value: 1 }, { value: 2 }], { offer: 0.5 })],
 *     monitors: [monitor(t, 'deq', { accept: 0.7 })],
 *   });
 *   r.received.deq  // [{ value: 1n }, { value: 2n }]
 *
 * A stream is found from its port bundle's prefix: `enq` is `enq_valid`,
 * `enq_ready` and its data ports; an item is an object with one key per data
 * port: `enq_bits` is `value`, `p_bits_data` / `p_bits_last` are `value` /
 * `last`. runStreams() runs until every driver's items went in and the
 * monitors saw nothing new for `quiet` cycles (or until they received
 * `until.items`), doubling the simulated length as needed: the run restarts
 * from reset each time, so the result is the same as one run of that length.
 */
import type { Episode, PortSpec, SimOptions, SimTarget, StreamSpec, Value } from './vectors';
import { simulate } from './vectors';
import { SimInputError } from './sources';

/** One transfer: its data ports by field name (`value`, `last`, ...). */
export type Item = Record<string, Value>;
/** A received transfer: fields as bigints. */
export type ReceivedItem = Record<string, bigint>;

/** A stream of a target, found from its port bundle's prefix. */
export interface StreamPorts {
  prefix: string;
  /** 'source' when the design consumes it (its valid is an input), 'sink' when it produces it. */
  role: 'source' | 'sink';
  spec: StreamSpec;
  /** Field name of each data port, in spec.data order. */
  fields: string[];
}

/** The stream of `target` whose ports start with `prefix_` (valid, ready and the data ports). */
export function streamPorts(target: SimTarget, prefix: string): StreamPorts {
  const find = (n: string): PortSpec | undefined => target.ports.find((p) => p.name === n);
  const valid = find(`${prefix}_valid`);
  const ready = find(`${prefix}_ready`);
  if (!valid || !ready) {
    const streams = target.ports.filter((p) => p.name.endsWith('_valid') && find(p.name.replace(/_valid$/, '_ready')) !== undefined).map((p) => p.name.replace(/_valid$/, ''));
    throw new SimInputError(`'${target.top}' has no stream '${prefix}' (${prefix}_valid and ${prefix}_ready); its streams: ${streams.join(', ') || 'none'}`);
  }
  const data = target.ports.filter((p) => p.name.startsWith(`${prefix}_`) && p !== valid && p !== ready && p.dir === valid.dir);
  const fields = data.map((p) => {
    const rest = p.name.slice(prefix.length + 1).replace(/^bits_?/, '');
    return rest === '' || rest === 'data' ? 'value' : rest;
  });
  return { prefix, role: valid.dir === 'input' ? 'source' : 'sink', spec: { valid: valid.name, ready: ready.name, data: data.map((p) => p.name) }, fields };
}

/** How often a driver offers (a monitor accepts): always, a probability per cycle, or a repeating pattern. */
export type Pattern = 'always' | number | boolean[];

/** A deterministic pattern of `n` cycles (xorshift32 seeded by `seed`). */
function patternOf(p: Pattern, seed: number, what: string): boolean[] {
  if (p === 'always') return [true];
  if (Array.isArray(p)) {
    if (!p.length || !p.some(Boolean)) throw new SimInputError(`${what}: the pattern never asserts; give at least one true`);
    return p;
  }
  if (!(p > 0 && p <= 1)) throw new SimInputError(`${what}: probability ${p} must be in (0, 1]`);
  let s = (seed >>> 0) || 1;
  const out: boolean[] = [];
  for (let i = 0; i < 256; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out.push(s / 2 ** 32 < p);
  }
  if (!out.some(Boolean)) out[0] = true;
  return out;
}

export interface Driver { ports: StreamPorts; items: Item[]; offer: boolean[] }
export interface Monitor { ports: StreamPorts; accept: boolean[] }

/** A source of `items` into the design's stream `prefix`; `offer` throttles valid (seeded by `seed`). */
export function driver(target: SimTarget, prefix: string, items: Item[], opts: { offer?: Pattern; seed?: number } = {}): Driver {
  const ports = streamPorts(target, prefix);
  if (ports.role !== 'source') throw new SimInputError(`stream '${prefix}' of '${target.top}' is an output: read it with monitor()`);
  items.forEach((it, i) => {
    for (const k of Object.keys(it)) if (!ports.fields.includes(k)) throw new SimInputError(`item ${i} for stream '${prefix}' has a field '${k}'; its fields: ${ports.fields.join(', ')}`);
  });
  return { ports, items, offer: patternOf(opts.offer ?? 'always', opts.seed ?? 1, `driver '${prefix}'`) };
}

/** A sink of the design's stream `prefix`; `accept` throttles ready (seeded by `seed`). */
export function monitor(target: SimTarget, prefix: string, opts: { accept?: Pattern; seed?: number } = {}): Monitor {
  const ports = streamPorts(target, prefix);
  if (ports.role !== 'sink') throw new SimInputError(`stream '${prefix}' of '${target.top}' is an input: feed it with driver()`);
  return { ports, accept: patternOf(opts.accept ?? 'always', (opts.seed ?? 1) + 0x9e37, `monitor '${prefix}'`) };
}

export interface RunStreamsOptions extends SimOptions {
  drivers?: Driver[];
  monitors?: Monitor[];
  /** Stop once the monitors received this many items in all (default: when drained). */
  until?: { items: number };
  /** Drained = every driver item sent and no monitor received anything for this many cycles (default 32). */
  quiet?: number;
  /** Give up (an error naming what is missing) beyond this many cycles (default 1 000 000). */
  maxCycles?: number;
  /** Plain input ports, per cycle (the last value held), as in simulate(). */
  drive?: Record<string, Value[]>;
}

export interface StreamsResult {
  /** Items received per monitor (by prefix), in order. */
  received: Record<string, ReceivedItem[]>;
  /** The cycle of each received item, per monitor. */
  receivedAt: Record<string, number[]>;
  /** The cycle each driver's items went in. */
  sentAt: Record<string, number[]>;
  /** Cycles simulated. */
  cycles: number;
}

/** Runs the drivers and monitors until drained (or until `until.items`); see the file comment. */
export async function runStreams(target: SimTarget, opts: RunStreamsOptions): Promise<StreamsResult> {
  const drivers = opts.drivers ?? [];
  const monitors = opts.monitors ?? [];
  if (!monitors.length && opts.until) throw new SimInputError('runStreams: until.items counts received items; give a monitor');
  const quiet = opts.quiet ?? 32;
  const maxCycles = opts.maxCycles ?? 1_000_000;
  const total = drivers.reduce((a, d) => a + d.items.length, 0);
  const ep = (cycles: number): Episode => ({
    cycles,
    ...(opts.drive ? { drive: opts.drive } : {}),
    sources: Object.fromEntries(drivers.map((d) => [d.ports.prefix, {
      stream: d.ports.spec,
      payloads: d.items.map((it) => d.ports.fields.map((f) => it[f] ?? 0)),
      offer: d.offer,
    }])),
    sinks: Object.fromEntries(monitors.map((m) => [m.ports.prefix, { stream: m.ports.spec, accept: m.accept }])),
  });
  for (let cycles = Math.min(maxCycles, Math.max(64, 4 * total + 2 * quiet)); ; cycles = Math.min(maxCycles, cycles * 2)) {
    const [r] = await simulate(target, [ep(cycles)], opts);
    const sentAt = Object.fromEntries(drivers.map((d) => [d.ports.prefix, r!.sent[d.ports.prefix] ?? []]));
    const got = monitors.map((m) => ({ m, t: r!.received[m.ports.prefix] ?? [] }));
    const receivedCount = got.reduce((a, g) => a + g.t.length, 0);
    const lastOut = Math.max(-1, ...got.flatMap((g) => g.t.map((x) => x.cycle)));
    const lastIn = Math.max(-1, ...Object.values(sentAt).flat());
    const allSent = drivers.every((d) => sentAt[d.ports.prefix]!.length === d.items.length);
    const enough = opts.until ? receivedCount >= opts.until.items : allSent && cycles - 1 - Math.max(lastOut, lastIn) >= quiet;
    if (enough) {
      return {
        received: Object.fromEntries(got.map(({ m, t }) => [m.ports.prefix, t.map((x) => Object.fromEntries(m.ports.fields.map((f, i) => [f, x.data[i]!])))])),
        receivedAt: Object.fromEntries(got.map(({ m, t }) => [m.ports.prefix, t.map((x) => x.cycle)])),
        sentAt,
        cycles,
      };
    }
    if (cycles >= maxCycles) {
      const sent = drivers.map((d) => `${d.ports.prefix} sent ${sentAt[d.ports.prefix]!.length}/${d.items.length}`);
      const recv = got.map((g) => `${g.m.ports.prefix} received ${g.t.length}`);
      throw new SimInputError(`'${target.top}' did not ${opts.until ? `deliver ${opts.until.items} items` : 'drain'} within ${maxCycles} cycles (${[...sent, ...recv].join(', ')}): the design stalls, or raise maxCycles`);
    }
  }
}

/**
 * Compares what came out with what was expected, in order: `check()` throws
 * one line naming the first difference (its index, both items) or the
 * missing / extra items.
 */
export class Scoreboard<T = ReceivedItem> {
  private readonly want: T[] = [];
  private readonly got: T[] = [];
  constructor(private readonly name = 'scoreboard', private readonly same: (a: T, b: T) => boolean = (a, b) => show(a) === show(b)) {}
  expect(...items: T[]): this { this.want.push(...items); return this; }
  observe(...items: T[]): this { this.got.push(...items); return this; }
  /** The first mismatch as a line, or undefined when everything matched. */
  mismatch(): string | undefined {
    const n = Math.min(this.want.length, this.got.length);
    for (let i = 0; i < n; i++) if (!this.same(this.want[i]!, this.got[i]!)) return `${this.name}: item ${i} is ${show(this.got[i])}, expected ${show(this.want[i])}`;
    if (this.got.length < this.want.length) return `${this.name}: ${this.want.length - this.got.length} item(s) missing, the first ${show(this.want[n])} (received ${this.got.length} of ${this.want.length})`;
    if (this.got.length > this.want.length) return `${this.name}: ${this.got.length - this.want.length} extra item(s), the first ${show(this.got[n])}`;
    return undefined;
  }
  check(): void {
    const m = this.mismatch();
    if (m !== undefined) throw Object.assign(new Error(m), { userFacing: true, exitCode: 1 });
  }
}

function show(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Items with every field as a bigint (to compare driver items with received ones). */
export function asReceived(items: Item[]): ReceivedItem[] {
  return items.map((it) => Object.fromEntries(Object.entries(it).map(([k, v]) => [k, BigInt(v)])));
}
