/**
 * The DMA engine against the AXI memory model and protocol checker: byte-exact
 * copies over random lengths, alignments and timing profiles (reordering,
 * interleaving, READY deassertion, VALID gaps, latency jitter, in-flight caps),
 * error responses, the watchdog, and the build cache. One Verilator build (the
 * test configuration); each batch of copies runs in one harness process.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DMA_REGS, DMA_STATUS } from '../../accel/dma/regs';
import { copyScript } from '../../sim/dma';
import { buildCounters, readBuildLog } from '../../sim/cache';
import { assertAxiOk, buildAxiTarget, findAxiInterfaces, simulateAxi, AxiRunError, type AxiResult } from '../../sim/axi';
import { copyCaseArb, copyProblem, copyScenario, dmaTarget, GUARD, pattern, type CopyCase } from './helpers';

const target = dmaTarget();
const BATCH = 32;
const RUNS = 8;

describe('DMA copies through the AXI memory model', () => {
  test('the harness finds the DMA\'s AXI4 master and AXI4-Lite slave ports', () => {
    const ifs = findAxiInterfaces(target.ports);
    expect(ifs.map((i) => [i.name, i.kind, i.role, i.dataBits])).toEqual([
      ['s_axi_lite', 'lite', 'slave', 32],
      ['m_axi', 'axi4', 'master', 64],
    ]);
    expect(target.ports.map((p) => p.name)).toEqual(expect.arrayContaining(['m_axi_awaddr', 'm_axi_wstrb', 'm_axi_rready', 's_axi_lite_araddr', 'aclk', 'aresetn']));
  });

  test('hand-picked copies: 1 byte, every offset pair near a 4 KiB boundary, a full page, zero length', async () => {
    const cases: CopyCase[] = [
      { src: 0x10000, dst: 0x80000, len: 1, profile: {}, seed: 1 },
      { src: 0x10fff, dst: 0x80ff9, len: 2, profile: {}, seed: 2 },
      { src: 0x11000, dst: 0x81000, len: 4096, profile: { readLatency: 10 }, seed: 3 },
      { src: 0x12ff3, dst: 0x82ffe, len: 33, profile: { reorder: true, interleave: true, readJitter: 20 }, seed: 4 },
      { src: 0x13005, dst: 0x83003, len: 8200, profile: { reorder: true, arReady: 0.5, wReady: 0.5 }, seed: 5 },
    ];
    for (let so = 0; so < 8; so++) for (const d of [0, 3, 7]) cases.push({ src: 0x14ff0 + so, dst: 0x84ff0 + d, len: 29, profile: { seed: so + 1 }, seed: so * 8 + d });
    const built = cases.map((c, i) => copyScenario(c, `pick-${i}`));
    const zero = { name: 'zero-length', script: copyScript({ src: 0x10000, dst: 0x80000, len: 0 }) };
    const rs = await simulateAxi(target, [...built.map((b) => b.scenario), zero]);
    rs.slice(0, -1).forEach((r, i) => expect(copyProblem(r, built[i]!.data, built[i]!.guard), `case ${i}: ${JSON.stringify(cases[i])}`).toBeUndefined());
    // The comparison itself notices a wrong byte.
    const wrong = built[2]!.data.slice();
    wrong[4095] ^= 1;
    expect(copyProblem(rs[2]!, wrong, built[2]!.guard)).toMatch(/^byte 4095 of 4096/);
    const z = assertAxiOk(rs[rs.length - 1]!);
    expect(z.reads.slice(-2)).toEqual([BigInt(DMA_STATUS.DONE), 0n]);
    expect(z.counters.m_axi!.ar.beats + z.counters.m_axi!.aw.beats).toBe(0);
  });

  test(`fast-check: ${RUNS * BATCH} random copies (lengths, alignments, timing profiles, R/B throttling) are byte-exact with no protocol violation`, async () => {
    const totals = { copies: 0, reorders: 0, interleaves: 0, arStall: 0, awStall: 0, wStall: 0, rStall: 0, bStall: 0, cross4k: 0, maxInFlight: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(copyCaseArb, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const built = cases.map((c, i) => copyScenario(c, `copy-${i}`));
        const rs = await simulateAxi(target, built.map((b) => b.scenario));
        rs.forEach((r, i) => {
          const problem = copyProblem(r, built[i]!.data, built[i]!.guard);
          if (problem) throw new Error(`copy ${JSON.stringify(cases[i])}: ${problem}`);
          const m = r.counters.m_axi!;
          totals.copies++;
          totals.reorders += m.reorders ?? 0;
          totals.interleaves += m.interleaves ?? 0;
          totals.arStall += m.ar.stall;
          totals.awStall += m.aw.stall;
          totals.wStall += m.w.stall;
          totals.rStall += m.r.stall;
          totals.bStall += m.b.stall;
          totals.maxInFlight = Math.max(totals.maxInFlight, m.peakReads ?? 0);
          const c = cases[i]!;
          if (c.src >> 12 !== (c.src + c.len - 1) >> 12 || c.dst >> 12 !== (c.dst + c.len - 1) >> 12) totals.cross4k++;
        });
      }),
      { numRuns: RUNS, seed: 20261126, endOnFailure: true },
    );
    console.log('fast-check DMA copies:', JSON.stringify(totals));
    // The runs did exercise what they claim to.
    expect(totals.copies).toBeGreaterThanOrEqual(100);
    expect(totals.reorders).toBeGreaterThan(0);
    expect(totals.interleaves).toBeGreaterThan(0);
    expect(totals.arStall).toBeGreaterThan(0);
    expect(totals.awStall).toBeGreaterThan(0);
    expect(totals.wStall).toBeGreaterThan(0);
    // Back-pressure from the master on R and B (the DMA's THROTTLE register).
    expect(totals.rStall).toBeGreaterThan(0);
    expect(totals.bStall).toBeGreaterThan(0);
    expect(totals.cross4k).toBeGreaterThan(0);
    expect(totals.maxInFlight).toBe(4);
  });
});

describe('error responses', () => {
  const len = 1000;
  const data = pattern(len, 99);
  const readStatus = (r: AxiResult) => r.ops.filter((o) => o.op === 'read').map((o) => (o as { data: bigint }).data);

  test('SLVERR on a read and DECERR on a write set ERROR in STATUS, record the response, end cleanly; the next copy works', async () => {
    const src = 0x20010, dst = 0x90020;
    const rs = await simulateAxi(target, [
      {
        name: 'read-slverr',
        profile: { reorder: true, readLatency: 20, readJitter: 10 },
        errors: [{ lo: src + 300, hi: src + 301, resp: 'SLVERR', dir: 'r' }],
        memory: [{ addr: src, bytes: data }],
        script: [...copyScript({ src, dst, len, maxCycles: 50_000 }), ...copyScript({ src, dst: dst + 0x4000, len: 200, maxCycles: 50_000 })],
        dump: [{ addr: dst + 0x4000, len: 200 }],
        watchdogCycles: 3000,
      },
      {
        name: 'write-decerr',
        profile: { writeLatency: 15, bGap: 0.3 },
        errors: [{ lo: dst + 512, hi: dst + 600, resp: 'DECERR', dir: 'w' }],
        memory: [{ addr: src, bytes: data }],
        script: copyScript({ src, dst, len, maxCycles: 50_000 }),
        watchdogCycles: 3000,
      },
    ]);
    const [re, we] = rs.map(assertAxiOk);
    const rr = readStatus(re!);
    expect(rr[0]).toBe(BigInt(DMA_STATUS.DONE | DMA_STATUS.ERROR));
    expect(rr[1]).toBe(0x100n | 2n); // read side, SLVERR
    expect(rr[2]).toBe(BigInt(DMA_STATUS.DONE)); // the second copy is clean
    expect(rr[3]).toBe(0n);
    expect(Buffer.from(re!.dumps[0]!)).toEqual(Buffer.from(data.subarray(0, 200)));
    expect(re!.counters.m_axi!.outstanding).toBe(0);
    expect(re!.inFlight).toEqual([]);
    const wr = readStatus(we!);
    expect(wr[0]).toBe(BigInt(DMA_STATUS.DONE | DMA_STATUS.ERROR));
    expect(wr[1]).toBe(0x200n | 3n); // write side, DECERR
    expect(we!.counters.m_axi!.outstanding).toBe(0);
  });

  test('a memory that never answers trips the watchdog, which lists the reads in flight', async () => {
    const [r] = await simulateAxi(target, [
      {
        name: 'silent-memory',
        profile: { readLatency: 1_000_000_000 },
        memory: [{ addr: 0x30000, bytes: data }],
        script: copyScript({ src: 0x30000, dst: 0xa0000, len: 512, maxCycles: 1_000_000 }),
        watchdogCycles: 500,
      },
    ]);
    expect(r!.status).toBe('watchdog');
    expect(r!.failure).toMatch(/no handshake on any AXI channel .* for 500 cycles/);
    const reads = r!.inFlight.filter((l) => l.startsWith('m_axi read'));
    expect(reads.length).toBe(4); // every reorder-buffer slot waits
    expect(reads[0]).toMatch(/^m_axi read id=0x0 addr=0x30000 beats=16 returned=0/);
    expect(r!.inFlight.filter((l) => /m_axi write .*waiting for W/.test(l)).length).toBeGreaterThan(0);
    expect(() => assertAxiOk(r!)).toThrow(AxiRunError);
    expect(() => assertAxiOk(r!)).toThrow(/in flight:\n {2}m_axi read id=0x0/);
  });

  test('register reads: CONFIG describes the build, SRC/DST/LEN read back', async () => {
    const [r] = await simulateAxi(target, [
      {
        name: 'regs',
        script: [
          { op: 'write', addr: DMA_REGS.SRC_LO, data: 0x12345 },
          { op: 'write', addr: DMA_REGS.DST_LO, data: 0xabcdef },
          { op: 'write', addr: DMA_REGS.LEN, data: 77 },
          { op: 'read', addr: DMA_REGS.CONFIG },
          { op: 'read', addr: DMA_REGS.SRC_LO },
          { op: 'read', addr: DMA_REGS.DST_LO },
          { op: 'read', addr: DMA_REGS.LEN },
          { op: 'read', addr: DMA_REGS.STATUS },
        ],
      },
    ]);
    expect(assertAxiOk(r!).reads).toEqual([(15n << 24n) | (4n << 16n) | 8n, 0x12345n, 0xabcdefn, 77n, 0n]);
  });
});

describe('build cache', () => {
  test('a second run of the unchanged design does not invoke the Verilator build', async () => {
    const { key } = await buildAxiTarget(dmaTarget()); // built (or found) by the tests above
    // Only this design's entries: other processes may share the cache (and its builds.log).
    const ownBuilds = (): number => readBuildLog().filter((e) => e.key === key).length;
    const before = buildCounters();
    const logBefore = ownBuilds();
    const again = await buildAxiTarget(dmaTarget()); // a fresh elaboration: same Verilog, same key
    expect(again).toMatchObject({ cached: true, key });
    const [r] = await simulateAxi(dmaTarget(), [copyScenario({ src: 0x10001, dst: 0x80000 + GUARD, len: 100, profile: {}, seed: 3 }, 'cached').scenario]);
    expect(r!.status).toBe('ok');
    expect(buildCounters().builds).toBe(before.builds);
    expect(buildCounters().cacheHits).toBeGreaterThan(before.cacheHits);
    expect(ownBuilds()).toBe(logBefore);
  });
});
