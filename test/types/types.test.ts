/**
 * The types the engine needs, co-simulated in Verilator against TypeScript
 * references with fast-check (one build for all, test/types/bench.ts):
 * memories of bundles, Vecs and byte lanes under write masks; Vec writes and
 * reads at a hardware index; an Enum-typed FSM; fork, map, join and
 * foldPackets and frame. Each property also runs on a mutant copy and must fail there.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkProperty, streamCase, type StreamCase } from '../stdlib/bench';
import type { Episode, EpisodeResult, StreamSpec } from '../../sim/vectors';
import { AXI, MUTANTS, typesDesign, typesTarget } from './bench';
import { inferMemories } from '../../sim/checks';
import { axi4Channels, type Axi4ChannelName } from '../../generator/stdlib/axi';
import type { FieldSpec } from '../../generator/hdl/types';

const RUNS = 150;
const cyclesOf = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 10, maxLength: 60 });
const col = <T, K extends keyof T>(rows: T[], k: K): number[] => rows.map((r) => Number(r[k]));
const out = (r: EpisodeResult, p: string, name: string): number[] => r.outputs[`${p}_${name}`]!.map(Number);

// ---------------------------------------------------------------- memories
interface MemRow { kwe: boolean; kaddr: number; kdata: number; kraddr: number; we: boolean; waddr: number; wa: number; wb: number; ma: boolean; mb: boolean; raddr: number; vwe: boolean; vaddr: number; vdata: number; vmask: number; vraddr: number; bwe: boolean; baddr: number; bdata: number; bstrb: number; braddr: number }
const memRow: fc.Arbitrary<MemRow> = fc.record({
  we: fc.boolean(), waddr: fc.nat(15), wa: fc.nat(255), wb: fc.nat(15), ma: fc.boolean(), mb: fc.boolean(), raddr: fc.nat(15),
  vwe: fc.boolean(), vaddr: fc.nat(7), vdata: fc.nat(0xffff), vmask: fc.nat(15), vraddr: fc.nat(7),
  bwe: fc.boolean(), baddr: fc.nat(7), bdata: fc.nat(0xffff), bstrb: fc.nat(3), braddr: fc.nat(7),
  kwe: fc.boolean(), kaddr: fc.nat(15), kdata: fc.nat(255), kraddr: fc.nat(15),
}).map((r) => ({ ...r, kraddr: r.kraddr & 1 ? r.kaddr : r.kraddr, raddr: r.raddr & 1 ? r.waddr : r.raddr, vraddr: r.vraddr & 1 ? r.vaddr : r.vraddr, braddr: r.braddr & 1 ? r.baddr : r.braddr }));
const MEM_IN = ['we', 'waddr', 'wa', 'wb', 'ma', 'mb', 'raddr', 'vwe', 'vaddr', 'vdata', 'vmask', 'vraddr', 'bwe', 'baddr', 'bdata', 'bstrb', 'braddr', 'kwe', 'kaddr', 'kdata', 'kraddr'] as const;

function memEpisode(p: string) {
  return (rows: MemRow[]): Episode => ({
    cycles: rows.length,
    drive: Object.fromEntries(MEM_IN.map((k) => [`${p}_${k}`, col(rows, k)])),
    watch: ['ra', 'rb', 'vq', 'bq', 'kq'].map((k) => `${p}_${k}`),
  });
}
/** Reference: words unknown until written (memories are not reset); synchronous reads are read-first. */
function memCheck(p: string) {
  return (rows: MemRow[], r: EpisodeResult): string | undefined => {
    const a: (number | undefined)[] = [], b: (number | undefined)[] = [];
    const v: (number | undefined)[][] = Array.from({ length: 8 }, () => []);
    const w: (number | undefined)[][] = Array.from({ length: 8 }, () => []);
    const k: (number | undefined)[] = [];
    let ra: number | undefined, rb: number | undefined, kq: number | undefined, bq: (number | undefined)[] = [];
    for (let t = 0; t < rows.length; t++) {
      const x = rows[t]!;
      if (t > 0 && ra !== undefined && out(r, p, 'ra')[t] !== ra) return `${p}: ra at cycle ${t} is ${out(r, p, 'ra')[t]}, want ${ra}`;
      if (t > 0 && rb !== undefined && out(r, p, 'rb')[t] !== rb) return `${p}: rb at cycle ${t} is ${out(r, p, 'rb')[t]}, want ${rb}`;
      const vq = out(r, p, 'vq')[t]!;
      for (let i = 0; i < 4; i++) {
        const want = v[x.vraddr]![i];
        const got = (vq >> (12 - 4 * i)) & 15;
        if (want !== undefined && got !== want) return `${p}: vq element ${i} at cycle ${t} is ${got}, want ${want}`;
      }
      const bqv = out(r, p, 'bq')[t]!;
      for (let i = 0; i < 2; i++) {
        if (t > 0 && bq[i] !== undefined && ((bqv >> (8 * i)) & 255) !== bq[i]) return `${p}: bq byte ${i} at cycle ${t} is ${(bqv >> (8 * i)) & 255}, want ${bq[i]}`;
      }
      if (t > 0 && kq !== undefined && out(r, p, 'kq')[t] !== kq) return `${p}: banked kq at cycle ${t} is ${out(r, p, 'kq')[t]}, want ${kq}`;
      // The clock edge: reads first, then writes.
      ra = a[x.raddr]; rb = b[x.raddr]; kq = k[x.kraddr]; bq = [w[x.braddr]![0], w[x.braddr]![1]];
      if (x.kwe) k[x.kaddr] = x.kdata;
      if (x.we && x.ma) a[x.waddr] = x.wa;
      if (x.we && x.mb) b[x.waddr] = x.wb;
      if (x.vwe) for (let i = 0; i < 4; i++) if ((x.vmask >> i) & 1) v[x.vaddr]![i] = (x.vdata >> (12 - 4 * i)) & 15;
      if (x.bwe) for (let i = 0; i < 2; i++) if ((x.bstrb >> i) & 1) w[x.baddr]![i] = (x.bdata >> (8 * i)) & 255;
    }
    return undefined;
  };
}

// ---------------------------------------------------------------- Vec.at
interface VecRow { we: boolean; widx: number; wd: number; ridx: number; fwe: boolean; fidx: number; fv: number }
const vecRow: fc.Arbitrary<VecRow> = fc.record({ we: fc.boolean(), widx: fc.nat(7), wd: fc.nat(255), ridx: fc.nat(7), fwe: fc.boolean(), fidx: fc.nat(3), fv: fc.nat(15) });
const VEC_IN = ['we', 'widx', 'wd', 'ridx', 'fwe', 'fidx', 'fv'] as const;
function vecEpisode(p: string) {
  return (rows: VecRow[]): Episode => ({ cycles: rows.length, drive: Object.fromEntries(VEC_IN.map((k) => [`${p}_${k}`, col(rows, k)])), watch: ['q', 'fq', 'fflag'].map((k) => `${p}_${k}`) });
}
/** Reference: a write past the end changes nothing; a read past the end gives the last element. */
function vecCheck(p: string) {
  return (rows: VecRow[], r: EpisodeResult): string | undefined => {
    const regs = [0, 0, 0, 0, 0];
    const tab = [0, 1, 2].map(() => ({ v: 0, flag: 0 }));
    for (let t = 0; t < rows.length; t++) {
      const x = rows[t]!;
      const e = tab[Math.min(x.ridx & 3, 2)]!;
      const want = { q: regs[Math.min(x.ridx, 4)]!, fq: e.v, fflag: e.flag };
      for (const [k, val] of Object.entries(want)) if (out(r, p, k)[t] !== val) return `${p}: ${k} at cycle ${t} is ${out(r, p, k)[t]}, want ${val} (regs ${JSON.stringify(regs)})`;
      if (x.we && x.widx < 5) regs[x.widx] = x.wd;
      if (x.fwe && x.fidx < 3) tab[x.fidx] = { v: x.fv, flag: 1 - tab[x.fidx]!.flag };
    }
    return undefined;
  };
}

// ---------------------------------------------------------------- Enum and FSM
interface FsmRow { go: boolean; n: number; cancel: boolean; ack: boolean }
const fsmRow: fc.Arbitrary<FsmRow> = fc.record({ go: fc.boolean(), n: fc.nat(7), cancel: fc.nat(7).map((x) => x === 0), ack: fc.boolean() });
const FSM_IN = ['go', 'n', 'cancel', 'ack'] as const;
function fsmEpisode(p: string) {
  return (rows: FsmRow[]): Episode => ({ cycles: rows.length, drive: Object.fromEntries(FSM_IN.map((k) => [`${p}_${k}`, col(rows, k)])), watch: ['state', 'busy', 'cmd', 'left'].map((k) => `${p}_${k}`) });
}
const [IDLE, LOAD, RUN, DRAIN] = [0, 1, 2, 3];
function fsmCheck(p: string) {
  return (rows: FsmRow[], r: EpisodeResult): string | undefined => {
    let state = IDLE, left = 0;
    for (let t = 0; t < rows.length; t++) {
      const x = rows[t]!;
      const want = { state, busy: state === RUN ? 1 : 0, cmd: state === RUN ? 4 : state === DRAIN ? 1 : 0, left };
      for (const [k, val] of Object.entries(want)) if (out(r, p, k)[t] !== val) return `${p}: ${k} at cycle ${t} is ${out(r, p, k)[t]}, want ${val}`;
      if (state === IDLE) { if (x.go) { left = x.n; state = LOAD; } }
      else if (state === LOAD) state = left === 0 ? DRAIN : RUN;
      else if (state === RUN) { const l = left; left = (left + 7) & 7; if (l === 1) state = DRAIN; if (x.cancel) state = IDLE; }
      else if (x.ack) state = IDLE;
    }
    return undefined;
  };
}

// ---------------------------------------------------------------- stream combinators
interface StrCase { fork: StreamCase; o1: boolean[]; a: StreamCase; b: { payloads: number[]; offer: boolean[] }; packets: number[][]; poffer: boolean[]; paccept: boolean[]; framed: StreamCase }
const strCase: fc.Arbitrary<StrCase> = fc.record({
  fork: streamCase,
  o1: streamCase.map((s) => s.accept),
  a: streamCase,
  b: streamCase.map((s) => ({ payloads: s.payloads, offer: s.offer })),
  packets: fc.array(fc.array(fc.nat(255), { minLength: 1, maxLength: 6 }), { maxLength: 8 }),
  poffer: streamCase.map((s) => s.offer),
  paccept: streamCase.map((s) => s.accept),
  framed: streamCase,
}).map((c) => {
  const n = Math.min(c.a.payloads.length, c.b.payloads.length);
  return { ...c, a: { ...c.a, payloads: c.a.payloads.slice(0, n) }, b: { ...c.b, payloads: c.b.payloads.slice(0, n) } };
});
const stream = (p: string, data = ['bits']): StreamSpec => ({ valid: `${p}_valid`, ready: `${p}_ready`, data: data.map((d) => `${p}_${d}`) });

function strEpisode(p: string) {
  return (c: StrCase): Episode => {
    const items = c.packets.flatMap((pk) => pk.map((d, i) => [d, i === pk.length - 1 ? 1 : 0]));
    const len = Math.max(c.fork.payloads.length, c.a.payloads.length, items.length, c.framed.payloads.length) + 4;
    const slow = c.framed.offer.length + c.framed.accept.length + c.fork.offer.length + c.fork.accept.length + c.o1.length + c.a.offer.length + c.a.accept.length + c.b.offer.length + c.poffer.length + c.paccept.length;
    return {
      cycles: len * (slow + 4) + 40,
      sources: {
        in: { stream: stream(`${p}_in`), payloads: c.fork.payloads.map((x) => [x]), offer: c.fork.offer },
        a: { stream: stream(`${p}_a`), payloads: c.a.payloads.map((x) => [x]), offer: c.a.offer },
        b: { stream: stream(`${p}_b`), payloads: c.b.payloads.map((x) => [x]), offer: c.b.offer },
        p: { stream: stream(`${p}_p`, ['bits_data', 'bits_last']), payloads: items, offer: c.poffer },
        f: { stream: stream(`${p}_f`), payloads: c.framed.payloads.map((x) => [x]), offer: c.framed.offer },
      },
      sinks: {
        o0: { stream: stream(`${p}_o0`), accept: c.fork.accept },
        o1: { stream: stream(`${p}_o1`), accept: c.o1 },
        ab: { stream: stream(`${p}_ab`), accept: c.a.accept },
        sum: { stream: stream(`${p}_sum`), accept: c.paccept },
        fmax: { stream: stream(`${p}_fmax`), accept: c.framed.accept },
      },
    };
  };
}
function strCheck(p: string) {
  return (c: StrCase, r: EpisodeResult): string | undefined => {
    const got = (k: string): number[] => r.received[k]!.map((x) => Number(x.data[0]));
    const same = (what: string, g: number[], w: number[]): string | undefined => (JSON.stringify(g) === JSON.stringify(w) ? undefined : `${p}: ${what} received ${JSON.stringify(g)}, want ${JSON.stringify(w)}`);
    return same('fork+map o0', got('o0'), c.fork.payloads.map((x) => (x + 1) & 255))
      ?? same('fork o1', got('o1'), c.fork.payloads)
      ?? same('join ab', got('ab'), c.a.payloads.map((x, i) => (x << 8) | c.b.payloads[i]!))
      ?? same('foldPackets sum', got('sum'), c.packets.map((pk) => pk.reduce((s, x) => (s + x) & 0xffff, 0)))
      ?? same('frame(3) then max', got('fmax'), Array.from({ length: Math.floor(c.framed.payloads.length / 3) }, (_, k) => Math.max(...c.framed.payloads.slice(3 * k, 3 * k + 3))));
  };
}

// ---------------------------------------------------------------- the properties and their mutants
const benches = [
  { name: 'memories of bundles, Vecs and byte lanes with write masks', p: 'mem', arb: cyclesOf(memRow), ep: memEpisode, check: memCheck, mutant: MUTANTS.mem },
  { name: 'Vec.at(i) read and write at a hardware index', p: 'vec', arb: cyclesOf(vecRow), ep: vecEpisode, check: vecCheck, mutant: MUTANTS.vec },
  { name: 'Enum and FSM', p: 'fsm', arb: cyclesOf(fsmRow), ep: fsmEpisode, check: fsmCheck, mutant: MUTANTS.fsm },
  { name: 'fork, map, join, foldPackets and frame', p: 'str', arb: strCase, ep: strEpisode, check: strCheck, mutant: MUTANTS.fold },
] as const;

describe.each(benches)('$name', (b) => {
  test(`${RUNS} random cases match the TypeScript reference`, async () => {
    const r = await checkProperty(b.arb as fc.Arbitrary<never>, RUNS, 0x7e5, b.ep(b.p) as (c: never) => Episode, b.check(b.p) as (c: never, r: EpisodeResult) => string | undefined, typesTarget());
    expect(r).toEqual({ ok: true, runs: RUNS });
  });
  test(`mutant (${b.mutant.module}: ${String(b.mutant.from)} -> ${b.mutant.to}) fails the property`, async () => {
    const p = `${b.p}_m`;
    const r = await checkProperty(b.arb as fc.Arbitrary<never>, RUNS, 0x7e5, b.ep(p) as (c: never) => Episode, b.check(p) as (c: never, r: EpisodeResult) => string | undefined, typesTarget());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why).toMatch(new RegExp(`^${p}: `));
  });
});

// ---------------------------------------------------------------- AXI4 channels as streams
const CHANNELS: { ch: Axi4ChannelName; from: 's' | 'm' }[] = [{ ch: 'aw', from: 's' }, { ch: 'w', from: 's' }, { ch: 'b', from: 'm' }, { ch: 'ar', from: 's' }, { ch: 'r', from: 'm' }];
const fieldsOf = (ch: Axi4ChannelName): [string, number][] =>
  Object.entries(axi4Channels(AXI)[ch].fields as Record<string, FieldSpec>).map(([k, f]) => [k, (f.type as { width: number }).width]);
const beat = (ch: Axi4ChannelName): fc.Arbitrary<bigint[]> => fc.tuple(...fieldsOf(ch).map(([, w]) => fc.bigInt({ min: 0n, max: (1n << BigInt(w)) - 1n })));
interface AxiCase { beats: Record<string, bigint[][]>; offer: boolean[][]; accept: boolean[][] }
const axiCase: fc.Arbitrary<AxiCase> = fc.record({
  beats: fc.record(Object.fromEntries(CHANNELS.map(({ ch }) => [ch, fc.array(beat(ch), { maxLength: 12 })]))) as fc.Arbitrary<Record<string, bigint[][]>>,
  offer: fc.tuple(...CHANNELS.map(() => streamCase.map((c) => c.offer))),
  accept: fc.tuple(...CHANNELS.map(() => streamCase.map((c) => c.accept))),
});
function axiSpec(side: 's' | 'm', ch: Axi4ChannelName): StreamSpec {
  const pre = `axi_${side}_axi_${ch}`;
  return { valid: `${pre}valid`, ready: `${pre}ready`, data: fieldsOf(ch).map(([f]) => `${pre}${f}`) };
}
function axiEpisode(c: AxiCase): Episode {
  const e: Episode = { cycles: 14 * 30 + 40, sources: {}, sinks: {} };
  CHANNELS.forEach(({ ch, from }, i) => {
    e.sources![ch] = { stream: axiSpec(from, ch), payloads: c.beats[ch]!, offer: c.offer[i]! };
    e.sinks![ch] = { stream: axiSpec(from === 's' ? 'm' : 's', ch), accept: c.accept[i]! };
  });
  return e;
}
function axiCheck(c: AxiCase, r: EpisodeResult): string | undefined {
  for (const { ch } of CHANNELS) {
    const got = r.received[ch]!.map((x) => x.data.map(String).join(','));
    const want = c.beats[ch]!.map((b) => b.map(String).join(','));
    if (JSON.stringify(got) !== JSON.stringify(want)) return `axi: channel ${ch} carried ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
  }
  return undefined;
}

test(`AXI4 channels as streams: a skid buffer on each channel of Axi4Slice passes every beat, in order (${RUNS} random cases)`, async () => {
  const r = await checkProperty(axiCase, RUNS, 0xa41, axiEpisode, axiCheck, typesTarget());
  expect(r).toEqual({ ok: true, runs: RUNS });
});

test('the FSM and the Enum print as localparam names', () => {
  const fsm = typesDesign().modules.find((m) => m.name === 'EnumFsm')!.text;
  for (const s of ['IDLE', 'LOAD', 'RUN', 'DRAIN']) expect(fsm).toMatch(new RegExp(`localparam \\[1:0\\] ctl_${s} = 2'h`));
  expect(fsm).toMatch(/localparam \[2:0\] Cmd_WR = 3'h4;/);
  expect(fsm).toMatch(/ctl_state <= ctl_IDLE;/);
});

test('a masked memory is one memory with per-lane writes: Yosys infers 7 (entries, lanes, words and 4 banks)', async () => {
  const m = typesDesign().modules.find((x) => x.name === 'TypedMemories')!;
  expect(m.text).toMatch(/entries\[waddr\]\[3:0\] <= wb;/);
  const r = await inferMemories({ top: 'TypedMemories', sources: [{ name: 'TypedMemories.v', text: m.text }] });
  expect(r.errors).toEqual([]);
  expect(r.memories).toBe(7);
});
