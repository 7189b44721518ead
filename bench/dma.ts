/**
 * `npm run bench -- dma [--bytes N] [--latency N] [--trace-fst FILE]`
 *
 * The DMA engine's sustained bandwidth against the AXI memory model at a
 * 100-cycle read latency, for 256- and 512-bit data: the R channel's bytes per
 * cycle while the copy streams, as a fraction of its peak (one beat per
 * cycle), end to end (START to DONE), over a sweep of the memory's cap on
 * reads in flight, plus simulated cycles per wall-clock second. Copies are
 * checked byte-exact inside the harness. Writes bench/results/dma.json.
 */
import { parseArgs } from 'node:util';
import type { Benchmark } from './run';
import { generate } from '../generator';
import { AxiDma } from '../accel/dma/dma';
import { copyScript } from '../sim/dma';
import { DMA_BENCH_CONFIGS } from '../designs/dma';
import { targetOf } from '../sim/design';
import { assertAxiOk, buildAxiTarget, simulateAxi, type AxiResult, type AxiScenario } from '../sim/axi';
import { buildCounters } from '../sim/cache';
import { step } from '../cli/progress';

const SRC = 0x100_0000;
const DST = 0x400_0000;

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
  if (r.compares[0] !== -1) throw new Error(`${r.name}: the copy differs from the source at byte ${r.compares[0]}`);
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

const bench: Benchmark = {
  name: 'dma',
  summary: 'DMA engine: sustained AXI read bandwidth at 100-cycle latency (256/512-bit), sim speed',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { bytes: { type: 'string' }, latency: { type: 'string' }, 'trace-fst': { type: 'string' } } });
    const bytes = Number(values.bytes ?? 1 << 20);
    const latency = Number(values.latency ?? 100);
    const widths = [];
    let pass = true;
    const before = buildCounters();
    for (const cfg of DMA_BENCH_CONFIGS) {
      const target = targetOf(generate(new AxiDma(cfg)));
      const end = step(`building ${target.top} with Verilator`);
      const b = await buildAxiTarget(target);
      end(b.cached ? 'cached' : 'built');
      const beatBytes = cfg.dataBits / 8;
      const sweep = [1, 2, 4, 8, 16];
      const running = step(`simulating ${cfg.dataBits}-bit copies (${2 + sweep.length} scenarios)`);
      const rs = await simulateAxi(target, [
        scenario('aligned', bytes, latency, 16),
        scenario('unaligned', bytes - 77, latency, 16, 5, 61),
        ...sweep.map((k) => scenario(`reads-in-flight-${k}`, Math.min(bytes, 256 * 1024), latency, k)),
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
        readsInFlightSweep: sweep.map((k, i) => ({ memoryMaxReads: k, ...figures(rs[i + 2]!, Math.min(bytes, 256 * 1024), beatBytes) })),
        build: { cached: b.cached, buildSeconds: b.buildSeconds },
      });
      console.log(
        `dma ${cfg.dataBits}-bit: R channel ${main.rChannelBytesPerCycle} B/cycle = ${(main.rChannelFraction * 100).toFixed(1)}% of peak ${beatBytes} B/cycle; ` +
          `end to end ${(main.endToEndFraction * 100).toFixed(1)}%; ${main.simCyclesPerSecond.toLocaleString()} cycles/s`,
      );
    }
    let trace: string | undefined;
    if (values['trace-fst']) {
      const target = targetOf(generate(new AxiDma(DMA_BENCH_CONFIGS[0]!)));
      const [r] = await simulateAxi(target, [scenario('traced', 8192, latency, 16, 3, 9)], { traceFst: values['trace-fst'] });
      assertAxiOk(r!);
      trace = values['trace-fst'];
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
