/**
 * The AXI memory model's DRAM-like shared mode (profile.busBytes, profile.turnaround;
 * docs/AXI.md): R and W share one byte budget per cycle, and a switch from reads to
 * writes idles the bus. Measured with the DMA (the shared test build): a copy moves
 * len bytes each way, so its cycles go from ≈ len / beat (independent channels) to
 * ≈ 2·len / budget (shared), plus the counted turnarounds × penalty; the copies stay
 * byte-exact with no protocol violation under random timing in shared mode.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { simulateAxi, type AxiResult, type TimingProfile } from '../../sim/axi';
import { copyProblem, copyScenario, dmaTarget, profileArb } from './helpers';
import { DMA_TEST_CONFIG } from '../../designs/dma';
import { predictCycles, type OpTraffic } from '../../model/traffic';

const target = dmaTarget();
const beat = DMA_TEST_CONFIG.dataBits / 8;
const LEN = 8192;
/** Cycles the copy ran: from the first R beat to the last W beat. */
const span = (r: AxiResult) => r.counters.m_axi!.lastW! - r.counters.m_axi!.firstR! + 1;

describe('shared (DRAM-like) memory mode', () => {
  test('copy cycles: independent ≈ len/beat, shared ≈ 2·len/budget, turnarounds counted', async () => {
    const profiles: Record<string, TimingProfile> = {
      independent: { readLatency: 4, maxReads: 16, maxWrites: 16 },
      shared: { readLatency: 4, maxReads: 16, maxWrites: 16, busBytes: beat },
      sharedWide: { readLatency: 4, maxReads: 16, maxWrites: 16, busBytes: 2 * beat },
      sharedTurn: { readLatency: 4, maxReads: 16, maxWrites: 16, busBytes: beat, turnaround: 6 },
    };
    const names = Object.keys(profiles);
    const built = names.map((n, i) => copyScenario({ src: 0x10000, dst: 0x40000, len: LEN, profile: profiles[n]!, seed: 5 + i }, n));
    const rs = await simulateAxi(target, built.map((b) => b.scenario));
    const cyc: Record<string, number> = {};
    rs.forEach((r, i) => {
      expect(copyProblem(r, built[i]!.data, built[i]!.guard), names[i]).toBeUndefined();
      cyc[names[i]!] = span(r);
    });
    const turn = rs[3]!.counters.m_axi!;
    console.log('DMA copy of', LEN, 'bytes, cycles:', JSON.stringify(cyc), 'turnarounds', turn.turnarounds, 'turn cycles', turn.turnCycles);
    // The traffic model's bound for the same bytes.
    const copy: OpTraffic = { op: 'copy', read: LEN, written: LEN, rBeats: LEN / beat, wBeats: LEN / beat, wBursts: LEN / beat, streams: {}, rowsRead: { n: 0, u: 0 }, rowsWritten: { n: 0, u: 0 } };
    const p = { path: 'forward' as const, ops: [copy], read: LEN, written: LEN, rBeats: LEN / beat, wBeats: LEN / beat, rowsRead: copy.rowsRead, rowsWritten: copy.rowsWritten };
    const shape = { n: 0, u: 0, bags: 0, dim: 1, beatBytes: beat };
    const within = (got: number, want: number, tol: number) => {
      expect(got / want, `${got} vs ${want}`).toBeGreaterThan(1 - tol);
      expect(got / want, `${got} vs ${want}`).toBeLessThan(1 + tol);
    };
    within(cyc.independent!, predictCycles(p, shape, { mode: 'independent' }), 0.1);
    within(cyc.shared!, predictCycles(p, shape, { mode: 'shared' }), 0.1);
    within(cyc.sharedWide!, predictCycles(p, shape, { mode: 'shared', budget: 2 * beat }), 0.1);
    expect(cyc.shared! / cyc.independent!).toBeGreaterThan(1.8);
    // Turnarounds: each costs exactly the penalty, and the copy is longer by them.
    expect(turn.turnarounds!).toBeGreaterThan(5);
    expect(turn.turnCycles).toBe(6 * turn.turnarounds!);
    within(cyc.sharedTurn! - cyc.shared!, turn.turnCycles!, 0.25);
    // The model's estimate with one turnaround per write burst bounds the measurement from above.
    expect(cyc.sharedTurn!).toBeLessThanOrEqual(predictCycles(p, shape, { mode: 'shared', turnaround: 6 }) * 1.05 + 6 * (LEN / beat));
  });

  test('fast-check: copies stay byte-exact under random timing in shared mode', async () => {
    const arb = fc.array(fc.record({
      profile: profileArb,
      busBytes: fc.constantFrom(beat / 2, beat, 1.5 * beat, 2 * beat),
      turnaround: fc.integer({ min: 0, max: 12 }),
      len: fc.integer({ min: 1, max: 2000 }),
      src: fc.integer({ min: 0x10000, max: 0x12000 }),
      dst: fc.integer({ min: 0x20000, max: 0x22000 }),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    }), { minLength: 30, maxLength: 30 });
    await fc.assert(fc.asyncProperty(arb, async (cs) => {
      const built = cs.map((c, i) => copyScenario({ ...c, profile: { ...c.profile, busBytes: c.busBytes, turnaround: c.turnaround } }, `s${i}`));
      const rs = await simulateAxi(target, built.map((b) => b.scenario));
      rs.forEach((r, i) => expect(copyProblem(r, built[i]!.data, built[i]!.guard), JSON.stringify(cs[i])).toBeUndefined());
    }), { numRuns: 2, seed: 77 });
  });

  test('bad settings are refused with a one-line error', async () => {
    const s = copyScenario({ src: 0x10000, dst: 0x20000, len: 64, profile: { busBytes: -1 }, seed: 1 }, 'bad');
    await expect(simulateAxi(target, [s.scenario])).rejects.toThrow(/busBytes/);
    const t = copyScenario({ src: 0x10000, dst: 0x20000, len: 64, profile: { turnaround: 3 }, seed: 1 }, 'bad2');
    await expect(simulateAxi(target, [t.scenario])).rejects.toThrow(/turnaround needs the shared bus/);
  });
});
