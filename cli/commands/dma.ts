/**
 * `tcast dma`: runs one DMA copy through the AXI co-simulation (memory model,
 * protocol checker, Lite master) and prints the outcome and channel counters;
 * `--trace-fst FILE` writes a waveform.
 */
import type { Command } from '../command';
import { EXIT, UsageError, parseOptions } from '../command';
import { generate } from '../../generator';
import { AxiDma } from '../../accel/dma/dma';
import { copyScript } from '../../sim/dma';
import { targetOf } from '../../sim/design';
import { describeResult, simulateAxi, type TimingProfile } from '../../sim/axi';

const help = `tcast dma: run one copy of the DMA engine against the AXI memory model and protocol checker

Usage: tcast dma --len BYTES [--src ADDR] [--dst ADDR] [--data-bits N] [--max-reads N] [--max-burst N]
                 [--read-latency N] [--read-jitter N] [--write-latency N] [--reorder] [--interleave]
                 [--ready P] [--gap P] [--seed N] [--trace-fst FILE] [--json]

Builds (or finds in the build cache) the DMA with the given data width,
places pseudo-random bytes at SRC, copies LEN bytes to DST through the
AXI4-Lite registers, checks the destination inside the harness, and prints
the status, cycles, bandwidth and per-channel counters. See docs/AXI.md.

Options:
  --src, --dst ADDR   byte addresses, decimal or 0x hex (default 0x10000, 0x80000)
  --data-bits N       AXI data width, 32..1024 (default 64)
  --max-reads N       read bursts in flight in the engine (default 4)
  --max-burst N       beats per burst (default 16)
  --read-latency N    memory read latency in cycles (default 20); --read-jitter N adds 0..N
  --write-latency N   cycles from the last W beat to B (default 10)
  --reorder           responses across IDs in random order; --interleave R beats interleave
  --ready P           probability of ARREADY/AWREADY/WREADY per cycle (default 1)
  --gap P             probability of an idle cycle on R and B (default 0)
  --seed N            the timing profile's seed (default 1)
  --trace-fst FILE    write an FST waveform (a separate traced build)
  --json              print the result as JSON

Exit codes: 0 the copy is byte-exact with no protocol violation, 1 it is not,
2 bad options, 3 a tool is missing.`;

const num = (s: string | undefined, d: number, what: string): number => {
  if (s === undefined) return d;
  const v = s.startsWith('0x') ? parseInt(s.slice(2), 16) : Number(s);
  if (!Number.isFinite(v) || v < 0) throw new UsageError(`${what} must be a non-negative number, got '${s}'`);
  return v;
};

const command: Command = {
  name: 'dma',
  summary: 'run one DMA copy through the AXI memory model and protocol checker',
  help,
  async run(argv) {
    const { values } = parseOptions('dma', argv, {
      len: { type: 'string' }, src: { type: 'string' }, dst: { type: 'string' }, 'data-bits': { type: 'string' },
      'max-reads': { type: 'string' }, 'max-burst': { type: 'string' }, 'read-latency': { type: 'string' }, 'read-jitter': { type: 'string' },
      'write-latency': { type: 'string' }, reorder: { type: 'boolean' }, interleave: { type: 'boolean' }, ready: { type: 'string' },
      gap: { type: 'string' }, seed: { type: 'string' }, 'trace-fst': { type: 'string' }, json: { type: 'boolean' },
    });
    if (values.len === undefined) throw new UsageError("--len is required; see 'tcast dma --help'");
    const len = num(values.len, 0, '--len');
    const src = num(values.src, 0x10000, '--src');
    const dst = num(values.dst, 0x80000, '--dst');
    if (src < dst + len && dst < src + len) throw new UsageError('source and destination overlap');
    const ready = num(values.ready, 1, '--ready');
    const gap = num(values.gap, 0, '--gap');
    if (ready <= 0 || ready > 1 || gap >= 1) throw new UsageError('--ready must be in (0, 1] and --gap in [0, 1)');
    const dataBits = num(values['data-bits'], 64, '--data-bits');
    let dma: AxiDma;
    try {
      dma = new AxiDma({ dataBits, maxReads: num(values['max-reads'], 4, '--max-reads'), maxBurst: num(values['max-burst'], 16, '--max-burst') });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const profile: TimingProfile = {
      seed: num(values.seed, 1, '--seed'),
      readLatency: num(values['read-latency'], 20, '--read-latency'),
      readJitter: num(values['read-jitter'], 0, '--read-jitter'),
      writeLatency: num(values['write-latency'], 10, '--write-latency'),
      reorder: values.reorder === true,
      interleave: values.interleave === true,
      arReady: ready, awReady: ready, wReady: ready, rGap: gap, bGap: gap,
    };
    const target = targetOf(generate(dma));
    const [r] = await simulateAxi(
      target,
      [{ name: 'copy', profile, fills: [{ addr: src, len, seed: 7 }], script: copyScript({ src, dst, len }), compare: [{ a: src, b: dst, len }], watchdogCycles: 20_000 }],
      values['trace-fst'] ? { traceFst: values['trace-fst'] } : {},
    );
    const res = r!;
    const [status, error] = res.reads.slice(-2);
    const exact = res.status === 'ok' && res.compares[0] === -1 && status === 2n && error === 0n;
    const m = res.counters.m_axi!;
    if (values.json) {
      console.log(JSON.stringify({ ...res, reads: res.reads.map(String), ops: undefined, exact }, (_k, v) => (typeof v === 'bigint' ? String(v) : v), 2));
    } else {
      console.log(describeResult(res));
      console.log(`${target.top}: ${len} bytes 0x${src.toString(16)} -> 0x${dst.toString(16)}: ${exact ? 'byte-exact' : `NOT exact (STATUS 0x${status?.toString(16)}, ERROR 0x${error?.toString(16)}, first mismatch ${res.compares[0]})`}`);
      console.log(`cycles ${res.cycles}; R ${m.r.beats} beats, first ${m.firstR} last ${m.lastR}; W ${m.w.beats} beats; peak reads in flight ${m.peakReads}; reorders ${m.reorders}, interleaves ${m.interleaves}`);
      for (const ch of ['aw', 'w', 'b', 'ar', 'r'] as const) console.log(`  ${ch.padEnd(2)} beats ${m[ch].beats}, valid ${m[ch].valid}, stall ${m[ch].stall}`);
      if (values['trace-fst']) console.log(`waveform: ${values['trace-fst']}`);
    }
    return exact ? EXIT.ok : EXIT.failed;
  },
};
export default command;
