/** `npm run bench -- dma`: the DMA engine's sustained AXI bandwidth (what it measures and its options: `help` below). */
import { BenchCheckFailed, benchOptions, type Benchmark } from './run';
import { generate } from '../generator';
import { AxiDma } from '../accel/dma/dma';
import { copyScript } from '../sim/dma';
import { DMA_BENCH_CONFIGS } from '../designs/dma';
import { targetOf } from '../sim/design';
import { assertAxiOk, buildAxiTarget, simulateAxi, type AxiResult, type AxiScenario } from '../sim/axi';
import { buildCounters } from '../sim/cache';
import { step } from '../cli/progress';
import { checkOutFile, intOption } from '../cli/io';

const SRC = 0x100_0000;
const DST = 0x400_0000;
/** The largest copy: the source region ends where the destination begins. */
const MAX_BYTES = 32 << 20;
/** The reads-in-flight sweep copies at most this much. */
const SWEEP_BYTES = 256 * 1024;
const SWEEP = [1, 2, 4, 8, 16];

const help = `npm run bench -- dma: the DMA engine's sustained AXI read bandwidth

Usage: npm run bench -- dma [--bytes N] [--latency N] [--trace-fst FILE]

Measures, for the ${DMA_BENCH_CONFIGS.map((c) => `${c.dataBits}-bit`).join(' and ')} bench configurations (designs/dma.ts)
against the AXI memory model: the R channel's bytes per cycle while the copy
streams, as a fraction of its peak (one beat per cycle), and end to end
(START to DONE), for an aligned and an unaligned copy and over a sweep of the
memory's cap on reads in flight (${SWEEP.join(', ')}); plus simulated cycles per
wall-clock second. Copies are checked byte-exact inside the harness. Target:
>= 95% of the R channel's peak at a 100-cycle read latency ("pass" in the figures).

Options:
  --bytes N         bytes per copy (default 1048576 = 1 MiB; 1024..${MAX_BYTES});
                    the reads-in-flight sweep copies at most ${SWEEP_BYTES / 1024} KiB
  --latency N       the memory's read and write latency in cycles (default 100; 0..1000000)
  --trace-fst FILE  also write an FST waveform of an 8 KiB copy on the
                    ${DMA_BENCH_CONFIGS[0]!.dataBits}-bit configuration to FILE (default: none)

Writes bench/results/dma.json. Needs Verilator (builds are cached).
Exit codes: 0 ok; 1 a copy differs or a simulation did not end cleanly; 2 bad option;
3 missing tool; 70 internal error.`;

interface Options { bytes: number; latency: number; traceFst?: string }

function scenario(name: string, bytes: number, latency: number, maxReads: number, srcOff = 0, dstOff = 0): AxiScenario {
  return {
    name,
    profile: { readLatency: latency, writeLatency: latency, maxReads, maxWrites: 16, seed: 1 },
    fills: [{ addr: SRC + srcOff, len: bytes, seed: 42 }],
    script: copyScript({ src: SRC + srcOff, dst: DST + dstOff, len: bytes, maxCycles: 50_000_000 }),
    compare: [{ a: SRC + srcOff, b: DST + dstOff, len: bytes }],
    watchdogCycles: 100_000,
    maxCycles: 100_000_000,
  };
}

function figures(r: AxiResult, bytes: number, beatBytes: number) {
  assertAxiOk(r);
  if (r.compares[0] !== -1) throw new BenchCheckFailed(`${r.name}: the copy differs from the source at byte ${r.compares[0]}`);
  const m = r.counters.m_axi!;
  const poll = r.ops.find((o) => o.op === 'poll') as { cycles: number } | undefined;
  const streamCycles = m.lastR! - m.firstR! + 1;
  const rBytes = m.r.beats * beatBytes;
  return {
    rChannelBytesPerCycle: +(rBytes / streamCycles).toFixed(3),
    rChannelFraction: +(m.r.beats / streamCycles).toFixed(4),
    endToEndBytesPerCycle: +(bytes / (poll?.cycles ?? r.cycles)).toFixed(3),
    endToEndFraction: +(bytes / beatBytes / (poll?.cycles ?? r.cycles)).toFixed(4),
    copyCycles: poll?.cycles ?? r.cycles,
    peakReadsInFlight: m.peakReads,
    simCyclesPerSecond: Math.round(r.cycles / r.wallSeconds),
  };
}

const bench: Benchmark<Options> = {
  name: 'dma',
  summary: 'DMA engine: sustained AXI read bandwidth at 100-cycle latency (256/512-bit), sim speed',
  help,
  parse(argv) {
    const values = benchOptions('dma', argv, { bytes: { type: 'string' }, latency: { type: 'string' }, 'trace-fst': { type: 'string' } });
    return {
      bytes: intOption('--bytes', values.bytes, 1 << 20, 1024, MAX_BYTES),
      latency: intOption('--latency', values.latency, 100, 0, 1_000_000),
      ...(values['trace-fst'] !== undefined ? { traceFst: checkOutFile(values['trace-fst'], '--trace-fst') } : {}),
    };
  },
  async run({ bytes, latency, traceFst }) {
    const widths = [];
    let pass = true;
    const before = buildCounters();
    for (const cfg of DMA_BENCH_CONFIGS) {
      const target = targetOf(generate(new AxiDma(cfg)));
      const end = step(`building ${target.top} with Verilator`);
      const b = await buildAxiTarget(target);
      end(b.cached ? 'cached' : 'built');
      const beatBytes = cfg.dataBits / 8;
      const running = step(`simulating ${cfg.dataBits}-bit copies (${2 + SWEEP.length} scenarios)`);
      const rs = await simulateAxi(target, [
        scenario('aligned', bytes, latency, 16),
        scenario('unaligned', bytes - 77, latency, 16, 5, 61),
        ...SWEEP.map((k) => scenario(`reads-in-flight-${k}`, Math.min(bytes, SWEEP_BYTES), latency, k)),
      ]);
      running();
      const main = figures(rs[0]!, bytes, beatBytes);
      const unaligned = figures(rs[1]!, bytes - 77, beatBytes);
      // The target is on the R channel while the copy streams; end to end adds the latency of the first read and the last write.
      const ok = main.rChannelFraction >= 0.95;
      pass &&= ok;
      widths.push({
        dataBits: cfg.dataBits,
        top: target.top,
        config: cfg,
        peakBytesPerCycle: beatBytes,
        ...main,
        meetsTarget: ok,
        unaligned,
        readsInFlightSweep: SWEEP.map((k, i) => ({ memoryMaxReads: k, ...figures(rs[i + 2]!, Math.min(bytes, SWEEP_BYTES), beatBytes) })),
        build: { cached: b.cached, buildSeconds: b.buildSeconds },
      });
      console.log(
        `dma ${cfg.dataBits}-bit: R channel ${main.rChannelBytesPerCycle} B/cycle = ${(main.rChannelFraction * 100).toFixed(1)}% of peak ${beatBytes} B/cycle; ` +
          `end to end ${(main.endToEndFraction * 100).toFixed(1)}%; ${main.simCyclesPerSecond.toLocaleString()} cycles/s`,
      );
    }
    let trace: string | undefined;
    if (traceFst !== undefined) {
      const target = targetOf(generate(new AxiDma(DMA_BENCH_CONFIGS[0]!)));
      const [r] = await simulateAxi(target, [scenario('traced', 8192, latency, 16, 3, 9)], { traceFst });
      assertAxiOk(r!);
      trace = traceFst;
      console.log(`dma: wrote an FST waveform of an 8 KiB copy to ${trace}`);
    }
    const after = buildCounters();
    return {
      readLatency: latency,
      writeLatency: latency,
      copyBytes: bytes,
      target: '>= 95% of the R channel peak (bytes/cycle) at a 100-cycle read latency',
      pass,
      widths,
      verilatorBuilds: after.builds - before.builds,
      cacheHits: after.cacheHits - before.cacheHits,
      ...(trace ? { traceFst: trace } : {}),
    };
  },
};
export default bench;
