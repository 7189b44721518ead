/** Shared pieces of the AXI tests: the DMA targets (one cached build each) and copy scenarios. */
import fc from 'fast-check';
import { generate } from '../../generator';
import { AxiDma } from '../../accel/dma/dma';
import { copyScript, type CopyCommand } from '../../sim/dma';
import { DMA_TEST_CONFIG } from '../../designs/dma';
import { FAULT_REG, FaultyDma } from './faulty-dma';
import { targetOf } from '../../sim/design';
import type { AxiResult, AxiScenario, TimingProfile } from '../../sim/axi';

export const dmaTarget = () => targetOf(generate(new AxiDma(DMA_TEST_CONFIG)));
/** The engine inside a fault-injecting wrapper (test/axi/faulty-dma.ts): one build serves every mutant. */
export const faultyDmaTarget = () => targetOf(generate(new FaultyDma(DMA_TEST_CONFIG)));
/** Script ops that select a fault of the wrapper before the copy. */
export const selectFault = (fault: number) => ({ prelude: [{ op: 'write' as const, addr: FAULT_REG, data: fault }] });

/** Bytes that are a function of (seed, i), so that a misplaced byte shows. */
export function pattern(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export interface CopyCase {
  src: number;
  dst: number;
  len: number;
  profile: TimingProfile;
  seed: number;
  /** The DMA's THROTTLE levels: back-pressure on R and B from the master side. */
  throttle?: { r: number; b: number };
}

/** Guard bytes written around the destination: they must survive the copy. */
export const GUARD = 24;

/** A copy scenario: source data and destination guards in memory, the DMA script, the destination read back with its guards. */
export function copyScenario(c: CopyCase, name: string, extra: Partial<CopyCommand> = {}): { scenario: AxiScenario; data: Uint8Array; guard: Uint8Array } {
  const data = pattern(c.len, c.seed);
  const guard = pattern(c.len + 2 * GUARD, c.seed + 7777);
  return {
    data,
    guard,
    scenario: {
      name,
      profile: c.profile,
      memory: [
        { addr: c.dst - GUARD, bytes: guard },
        { addr: c.src, bytes: data },
      ],
      script: copyScript({ src: c.src, dst: c.dst, len: c.len, maxCycles: 200_000, ...(c.throttle ? { throttle: c.throttle } : {}), ...extra }),
      dump: [{ addr: c.dst - GUARD, len: c.len + 2 * GUARD }],
      watchdogCycles: 5000,
      maxCycles: 2_000_000,
    },
  };
}

/** Why a copy result is wrong, or undefined when it is byte-exact and clean. */
export function copyProblem(r: AxiResult, data: Uint8Array, guard: Uint8Array): string | undefined {
  if (r.status !== 'ok') return `status ${r.status}: ${r.violation?.message ?? r.failure ?? ''}`;
  const [status, error] = r.reads.slice(-2);
  if (status !== 2n) return `STATUS = 0x${status?.toString(16)} (want DONE only)`;
  if (error !== 0n) return `ERROR = 0x${error?.toString(16)}`;
  const d = r.dumps[0]!;
  for (let i = 0; i < GUARD; i++) {
    if (d[i] !== guard[i]) return `guard byte dst-${GUARD - i} overwritten`;
    if (d[GUARD + data.length + i] !== guard[GUARD + data.length + i]) return `guard byte dst+len+${i} overwritten`;
  }
  for (let i = 0; i < data.length; i++) if (d[GUARD + i] !== data[i]) return `byte ${i} of ${data.length}: got 0x${d[GUARD + i]!.toString(16)}, want 0x${data[i]!.toString(16)}`;
  const m = r.counters.m_axi!;
  if (m.outstanding !== 0 || r.inFlight.length) return `transactions left open: ${r.inFlight.join('; ')}`;
  return undefined;
}

const prob = fc.oneof(fc.constant(1), fc.double({ min: 0.15, max: 1, noNaN: true }));
const gap = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.7, noNaN: true }));

export const profileArb: fc.Arbitrary<TimingProfile> = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  readLatency: fc.integer({ min: 0, max: 60 }),
  readJitter: fc.integer({ min: 0, max: 40 }),
  writeLatency: fc.integer({ min: 0, max: 40 }),
  writeJitter: fc.integer({ min: 0, max: 20 }),
  maxReads: fc.integer({ min: 1, max: 8 }),
  maxWrites: fc.integer({ min: 1, max: 8 }),
  reorder: fc.boolean(),
  interleave: fc.boolean(),
  arReady: prob,
  awReady: prob,
  wReady: prob,
  rGap: gap,
  bGap: gap,
});

/** Source in [0x10000, 0x50000), destination in [0x80000, 0xC0000): any alignment, near page ends often. */
const addrArb = (base: number) =>
  fc.tuple(fc.integer({ min: 0, max: 60 }), fc.oneof(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 4000, max: 4095 }), fc.integer({ min: 0, max: 15 })))
    .map(([page, off]) => base + page * 4096 + off);
const lenArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 48 }) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 700 }) },
  { weight: 2, arbitrary: fc.integer({ min: 700, max: 6000 }) },
);

export const copyCaseArb: fc.Arbitrary<CopyCase> = fc.record({
  src: addrArb(0x10000),
  dst: addrArb(0x80000 + GUARD),
  len: lenArb,
  profile: profileArb,
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  throttle: fc.option(fc.record({ r: fc.integer({ min: 0, max: 200 }), b: fc.integer({ min: 0, max: 200 }) }), { nil: undefined, freq: 2 }),
});
