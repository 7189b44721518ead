/**
 * `tcast dma`: runs one DMA copy through the AXI co-simulation (memory model,
 * protocol checker, Lite master) and prints the outcome and channel counters;
 * `--trace-fst FILE` writes a waveform.
 */
import type { Command } from '../command';
import { totalmem } from 'node:os';
import { EXIT, UsageError, parseOptions } from '../command';
import { bigIntOption, checkOutFile, intOption, realOption, stageFile } from '../io';
import { generate } from '../../generator';
import { ElaborationError } from '../../generator/hdl/errors';
import { AxiDma } from '../../accel/dma/dma';
import { copyScript } from '../../sim/dma';
import { targetOf } from '../../sim/design';
import { buildAxiTarget, describeResult, simulateAxi, type TimingProfile } from '../../sim/axi';
import { step } from '../progress';

const help = `tcast dma: run one copy of the DMA engine against the AXI memory model and protocol checker

Usage: tcast dma --len BYTES [--src ADDR] [--dst ADDR] [--data-bits N] [--addr-bits N] [--max-reads N] [--max-writes N] [--max-burst N]
                 [--read-latency N] [--read-jitter N] [--write-latency N] [--reorder] [--interleave]
                 [--ready P] [--gap P] [--seed N] [--trace-fst FILE] [--json]

Builds (or finds in the build cache) the DMA with the given data width,
places pseudo-random bytes at SRC, copies LEN bytes to DST through the
AXI4-Lite registers, checks the destination inside the harness, and prints
the status, cycles, bandwidth and per-channel counters. See docs/AXI.md.

Options:
  --len BYTES         bytes to copy, 0..0xffffffff (the LEN register); the
                      memory model holds source and destination, so at most
                      a quarter of the machine's memory each
  --src, --dst ADDR   byte addresses, decimal or 0x hex (default 0x10000, 0x80000);
                      ADDR + LEN must fit the address width
  --data-bits N       AXI data width, 32..1024 (default 64)
  --addr-bits N       AXI address width, 12..64 (default 32)
  --max-reads N       read bursts in flight in the engine (default 4)
  --max-writes N      write bursts awaiting B in the engine (default 4; the defaults are rtl/dma-d64-r4-b16)
  --max-burst N       beats per burst (default 16)
  --read-latency N    memory read latency in cycles (default 20); --read-jitter N adds 0..N
  --write-latency N   cycles from the last W beat to B (default 10)
  --reorder           responses across IDs in random order; --interleave R beats interleave
  --ready P           probability of ARREADY/AWREADY/WREADY per cycle (default 1)
  --gap P             probability of an idle cycle on R and B (default 0)
  --seed N            the timing profile's seed (default 1)
  --trace-fst FILE    write an FST waveform (a separate traced build)
  --json              print the result as JSON

The STATUS poll and the watchdog are derived from the length and the timing
options (any length the LEN register holds can complete).

Exit codes: 0 the copy is byte-exact with no protocol violation, 1 it is not,
2 bad options, 3 a tool is missing.`;

/** The LEN register is 32 bits wide. */
const MAX_LEN = 0xffffffff;

/**
 * Cycle budgets derived from the copy and the memory's timing, generous by a
 * factor of 4: the STATUS poll (every beat needs an R and a W handshake, every
 * burst may wait a full read and write latency), and the watchdog (longer than
 * the longest silence the memory model can cause).
 */
export function cycleBudget(o: { len: number; dataBits: number; maxBurst: number; readLatency: number; readJitter: number; writeLatency: number; ready: number; gap: number }): { poll: number; watchdog: number } {
  const beats = Math.ceil(o.len / (o.dataBits / 8)) + 2;
  const bursts = Math.ceil(beats / o.maxBurst) + 2;
  const perBeat = 1 / (1 - o.gap) + 1 / o.ready;
  const perBurst = o.readLatency + o.readJitter + o.writeLatency + 1 / (1 - o.gap) + 3 / o.ready + 16;
  const poll = Math.ceil(4 * (beats * perBeat + bursts * perBurst)) + 10_000;
  const watchdog = Math.max(20_000, Math.ceil(4 * (o.readLatency + o.readJitter + o.writeLatency + 64 / o.ready + 64 / (1 - o.gap))) + 1_000);
  return { poll, watchdog };
}

/** The DMA's parameters and the options that set them. */
const OPTION_OF: [RegExp, string][] = [
  [/^maxReads\b/, '--max-reads'], [/^maxWrites\b/, '--max-writes'], [/^maxBurst\b/, '--max-burst'], [/^AXI4 data width\b/, '--data-bits (the AXI4 data width)'],
];

/**
 * An elaboration error of the DMA's parameters in the words of the command
 * line: its detail (without the check's name and the generator's source line)
 * with the option for the parameter ("maxReads must be ..." becomes
 * "--max-reads must be ...").
 */
function optionMessage(e: unknown): string {
  if (!(e instanceof ElaborationError)) return (e as Error).message;
  const hit = OPTION_OF.find(([re]) => re.test(e.detail));
  return hit ? e.detail.replace(hit[0], hit[1]) : e.message;
}

const command: Command = {
  name: 'dma',
  summary: 'run one DMA copy through the AXI memory model and protocol checker',
  help,
  async run(argv) {
    const { values } = parseOptions('dma', argv, {
      len: { type: 'string' }, src: { type: 'string' }, dst: { type: 'string' }, 'data-bits': { type: 'string' }, 'addr-bits': { type: 'string' },
      'max-reads': { type: 'string' }, 'max-writes': { type: 'string' }, 'max-burst': { type: 'string' }, 'read-latency': { type: 'string' }, 'read-jitter': { type: 'string' },
      'write-latency': { type: 'string' }, reorder: { type: 'boolean' }, interleave: { type: 'boolean' }, ready: { type: 'string' },
      gap: { type: 'string' }, seed: { type: 'string' }, 'trace-fst': { type: 'string' }, json: { type: 'boolean' },
    });
    if (values.len === undefined) throw new UsageError("--len is required; see 'tcast dma --help'");
    const trace = values['trace-fst'] === undefined ? undefined : checkOutFile(values['trace-fst'], '--trace-fst');
    const len = intOption('--len', values.len, 0, 0, MAX_LEN);
    const addrBits = intOption('--addr-bits', values['addr-bits'], 32, 12, 64);
    const top = 1n << BigInt(addrBits);
    const src = bigIntOption('--src', values.src, 0x10000n);
    const dst = bigIntOption('--dst', values.dst, 0x80000n);
    for (const [name, a] of [['--src', src], ['--dst', dst]] as const) {
      if (a >= top) throw new UsageError(`${name} 0x${a.toString(16)} is beyond the design's ${addrBits}-bit address space (0..0x${(top - 1n).toString(16)}); use --addr-bits 64 for a wider one`);
      if (a + BigInt(len) > top) {
        throw new UsageError(`${name} 0x${a.toString(16)} + --len ${len} runs past the ${addrBits}-bit address space (0x${(top - 1n).toString(16)})${addrBits < 64 ? '; lower the address or use a wider --addr-bits' : ''}`);
      }
    }
    if (src < dst + BigInt(len) && dst < src + BigInt(len)) throw new UsageError('source and destination overlap');
    const ready = realOption('--ready', values.ready, 1, (v) => v > 0 && v <= 1, 'in (0, 1]');
    const gap = realOption('--gap', values.gap, 0, (v) => v >= 0 && v < 1, 'in [0, 1)');
    const dataBits = intOption('--data-bits', values['data-bits'], 64, 0, 1 << 20);
    const maxBurst = intOption('--max-burst', values['max-burst'], 16, 0, 1 << 20);
    let dma: AxiDma;
    try {
      dma = new AxiDma({
        dataBits, addrBits, maxBurst,
        maxReads: intOption('--max-reads', values['max-reads'], 4, 0, 1 << 20),
        maxWrites: intOption('--max-writes', values['max-writes'], 4, 0, 1 << 20),
      });
    } catch (e) {
      throw new UsageError(optionMessage(e));
    }
    // The memory model keeps the source and the destination in 4 KiB pages.
    const need = 2 * len * (1 + 96 / 4096);
    if (need > totalmem() / 2) {
      throw new UsageError(`--len ${len} needs about ${(need / 2 ** 30).toFixed(1)} GiB in the memory model (source and destination), more than half of this machine's ${(totalmem() / 2 ** 30).toFixed(1)} GiB; copy less`);
    }
    const lat = (name: string, d: number) => intOption(name, values[name.slice(2) as 'read-latency'], d, 0, 10_000_000);
    const profile = {
      seed: intOption('--seed', values.seed, 1, 0, 0x7fffffff),
      readLatency: lat('--read-latency', 20),
      readJitter: lat('--read-jitter', 0),
      writeLatency: lat('--write-latency', 10),
      reorder: values.reorder === true,
      interleave: values.interleave === true,
      arReady: ready, awReady: ready, wReady: ready, rGap: gap, bGap: gap,
    } satisfies TimingProfile;
    const budget = cycleBudget({ len, dataBits, maxBurst, ...profile, ready, gap });
    const target = targetOf(generate(dma));
    const staged = trace ? stageFile(trace, '--trace-fst') : undefined;
    const quiet = values.json === true;
    let end = step(`building ${target.top} with Verilator${trace ? ' (traced)' : ''}`, quiet);
    const built = await buildAxiTarget(target, trace !== undefined);
    end(built.cached ? 'cached' : 'built');
    end = step(`copying ${len} bytes through the AXI memory model`, quiet);
    let r;
    try {
      [r] = await simulateAxi(
        target,
        [{
          name: 'copy', profile, fills: [{ addr: src, len, seed: 7 }],
          script: copyScript({ src, dst, len, addr64: addrBits > 32, maxCycles: budget.poll }),
          compare: [{ a: src, b: dst, len }], watchdogCycles: budget.watchdog, maxCycles: budget.poll + 20_000,
        }],
        staged ? { traceFst: staged.tmp } : {},
      );
      await staged?.commit(true);
    } catch (e) {
      staged?.abort();
      throw e;
    }
    end();
    const res = r!;
    const [status, error] = res.reads.slice(-2);
    const exact = res.status === 'ok' && res.compares[0] === -1 && status === 2n && error === 0n;
    const m = res.counters.m_axi!;
    if (values.json) {
      console.log(JSON.stringify({ ...res, reads: res.reads.map(String), ops: undefined, exact }, (_k, v) => (typeof v === 'bigint' ? String(v) : v), 2));
    } else {
      console.log(describeResult(res));
      console.log(`${target.top}: ${len} bytes 0x${src.toString(16)} -> 0x${dst.toString(16)}: ${exact ? 'byte-exact' : `NOT exact (${status === undefined ? 'the script did not finish' : `STATUS 0x${status.toString(16)}, ERROR 0x${error?.toString(16)}`}, first mismatch ${res.compares[0]})`}`);
      console.log(`cycles ${res.cycles}; R ${m.r.beats} beats, first ${m.firstR} last ${m.lastR}; W ${m.w.beats} beats; peak reads in flight ${m.peakReads}; reorders ${m.reorders}, interleaves ${m.interleaves}`);
      for (const ch of ['aw', 'w', 'b', 'ar', 'r'] as const) console.log(`  ${ch.padEnd(2)} beats ${m[ch].beats}, valid ${m[ch].valid}, stall ${m[ch].stall}`);
      if (values['trace-fst']) console.log(`waveform: ${values['trace-fst']}`);
    }
    return exact ? EXIT.ok : EXIT.failed;
  },
};
export default command;
