import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimInputError } from '../../sim/sources';
import { openStream, renderVectorHarness, simulate, SimRunError, type Episode } from '../../sim/vectors';
import { execa } from 'execa';
import { buildTarget } from '../../sim/vectors';
import { counter, finisher, queue2, queueIn, queueOut, wide100 } from './targets';

const M100 = (1n << 100n) - 1n;
const M64 = (1n << 64n) - 1n;

describe('simulate: plain vectors (counter)', () => {
  it('applies drive values per cycle, holds the last one, samples before the edge', async () => {
    const [r] = await simulate(counter, [{ cycles: 8, drive: { en: [1, 1, 0, 1] }, watch: ['count', 'wrap'] }]);
    // en = 1 1 0 1 1 1 1 1 (last value held); count is sampled before each edge.
    expect(r!.outputs.count).toEqual([0n, 1n, 2n, 2n, 3n, 4n, 5n, 6n]);
    expect(r!.outputs.wrap).toEqual(Array(8).fill(0n));
    expect(r!.cycles).toBe(8);
    expect(r!.received).toEqual({});
    expect(r!.sent).toEqual({});
  });

  it('holds undriven inputs at 0', async () => {
    const [r] = await simulate(counter, [{ cycles: 4, watch: ['count'] }]);
    expect(r!.outputs.count).toEqual([0n, 0n, 0n, 0n]);
  });

  it('combinational outputs are sampled in the cycle they change (wrap at count 255)', async () => {
    const [r] = await simulate(counter, [{ cycles: 258, drive: { en: [1] }, watch: ['count', 'wrap'] }]);
    expect(r!.outputs.count.slice(254, 258)).toEqual([254n, 255n, 0n, 1n]);
    expect(r!.outputs.wrap.slice(254, 258)).toEqual([0n, 1n, 0n, 0n]);
    expect(r!.outputs.wrap.filter((w) => w === 1n)).toHaveLength(1);
  });

  it('isolates episodes by reset; with resetCycles 0 the state carries over', async () => {
    const rs = await simulate(counter, [
      { cycles: 5, drive: { en: [1] }, watch: ['count'] },
      { cycles: 3, drive: { en: [1] }, watch: ['count'] },
      { cycles: 3, resetCycles: 0, drive: { en: [1] }, watch: ['count'] },
      { cycles: 2, resetCycles: 7, watch: ['count'] },
    ]);
    expect(rs.map((r) => r.outputs.count)).toEqual([
      [0n, 1n, 2n, 3n, 4n],
      [0n, 1n, 2n],
      [3n, 4n, 5n],
      [0n, 0n],
    ]);
  });

  it('runs 200 episodes in one process and matches a reference model', async () => {
    const eps = fc.sample(
      fc.record({
        cycles: fc.integer({ min: 0, max: 40 }),
        en: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 0, maxLength: 40 }),
      }),
      { numRuns: 200, seed: 42 },
    );
    const episodes: Episode[] = eps.map((e) => ({ cycles: e.cycles, drive: { en: e.en }, watch: ['count'] }));
    const rs = await simulate(counter, episodes);
    expect(rs).toHaveLength(200);
    rs.forEach((r, i) => {
      const { cycles, en } = eps[i]!;
      const want: bigint[] = [];
      let c = 0;
      for (let k = 0; k < cycles; k++) {
        want.push(BigInt(c));
        const e = en.length === 0 ? 0 : en[Math.min(k, en.length - 1)]!;
        c = (c + e) & 0xff;
      }
      expect(r.outputs.count).toEqual(want);
    });
  });

  it('handles a million cycles in one episode', async () => {
    const t0 = performance.now();
    const [r] = await simulate(counter, [{ cycles: 1_000_000, drive: { en: [1] }, watch: ['count'] }]);
    const count = r!.outputs.count;
    expect(count).toHaveLength(1_000_000);
    expect(count[999_999]).toBe(BigInt(999_999 % 256));
    expect(performance.now() - t0).toBeLessThan(60_000);
  });
});

describe('simulate: input errors are one-line and name the culprit', () => {
  it('rejects a port that does not exist', async () => {
    await expect(simulate(counter, [{ cycles: 1, drive: { enable: [1] } }])).rejects.toThrow(
      /episode 0: driven port 'enable' is not a port of 'counter' \(ports: clock, reset, en, count, wrap\)/,
    );
    await expect(simulate(counter, [{ cycles: 1, watch: ['cnt'] }])).rejects.toThrow(/watched port 'cnt' is not a port/);
  });

  it('rejects a value wider than its port, naming port and value', async () => {
    const err = await simulate(counter, [{ cycles: 2, drive: { en: [0, 2] } }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimInputError);
    expect((err as Error).message).toBe("value 0x2 is wider than port 'en' (1 bits)");
    await expect(simulate(wide100, [{ cycles: 1, drive: { a: [M100 + 1n] } }])).rejects.toThrow(
      "value 0x10000000000000000000000000 is wider than port 'a' (100 bits)",
    );
    await expect(simulate(counter, [{ cycles: 1, drive: { en: [-1] } }])).rejects.toThrow(/not a non-negative integer/);
  });

  it('rejects driving outputs, the clock or the reset', async () => {
    await expect(simulate(counter, [{ cycles: 1, drive: { count: [1] } }])).rejects.toThrow(/'count' is an output of 'counter'/);
    await expect(simulate(counter, [{ cycles: 1, drive: { clock: [1] } }])).rejects.toThrow(/'clock' is driven by drive and by the clock/);
    await expect(simulate(counter, [{ cycles: 1, drive: { reset: [1] } }])).rejects.toThrow(/'reset' is driven by drive and by the reset/);
  });

  it('rejects a bad target description', async () => {
    await expect(simulate({ ...counter, clock: 'clk' }, [])).rejects.toThrow(/clock 'clk' is not a port of 'counter'/);
    await expect(simulate({ ...counter, clock: 'count' }, [])).rejects.toThrow(/clock 'count' must be a 1-bit input/);
  });

  it('a watchdog kills a run that takes too long and surfaces it', async () => {
    const err = await simulate(counter, [{ cycles: 50_000_000, drive: { en: [1] } }], { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimRunError);
    expect((err as Error).message).toMatch(/^simulation of 'counter' timed out \(watchdog\)/);
  });
});

describe('simulate: run-time failures surface with the harness output', () => {
  it('keeps the design’s $display output out of the protocol', async () => {
    const [r] = await simulate(finisher, [{ cycles: 5, drive: { verbose: [1] }, watch: ['n'] }]);
    expect(r!.outputs.n).toEqual([0n, 1n, 2n, 3n, 4n]);
  });

  it('reports $finish as an error carrying the design’s messages', async () => {
    const err = await simulate(finisher, [
      { cycles: 2, watch: ['n'] },
      { cycles: 10, drive: { stop: [0, 0, 0, 1] }, watch: ['n'] },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimRunError);
    // stop is high in cycle 3 of the second episode: $finish at that cycle's rising edge.
    expect((err as SimRunError).message).toBe("simulation of 'finisher' exited with code 2: the design called $finish in cycle 3");
    expect((err as SimRunError).stderr).toContain('finisher: stop requested at n=3');
  });

  it('the harness binary rejects malformed input and over-wide values itself', async () => {
    const { binary } = await buildTarget(counter);
    const bad = await execa(binary, [], { input: 'episode x\n', reject: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe("tcast-harness: error: expected a number for cycles, got 'x'");
    // episode: 1 cycle, 0 reset cycles, drive en (index 2) with 0x2, one row.
    const wide = await execa(binary, [], { input: 'episode 1 0 1 0 0 0 1\n2\n\n2\n', reject: false });
    expect(wide.exitCode).toBe(2);
    expect(wide.stderr).toBe('tcast-harness: error: value 0x2 is wider than en (1 bits)');
    const ok = await execa(binary, [], { input: 'episode 2 1 1 1 0 0 1\n2\n3\n1\nquit\n' });
    expect(ok.stdout).toBe('o 0\no 1\ne 2');
  });
});

// A cycle-accurate reference of queue2 driven by the documented BFM rules.
function referenceQueue(payloads: [number, number][], offer: boolean[], accept: boolean[], cycles: number) {
  const q: [number, number][] = [];
  let next = 0;
  let holding = false;
  const sent: number[] = [];
  const received: { cycle: number; data: bigint[] }[] = [];
  const inValid: bigint[] = [];
  const inData: bigint[] = [];
  for (let c = 0; c < cycles; c++) {
    if (!holding && next < payloads.length && offer[c % offer.length]) holding = true;
    const inReady = q.length !== 2;
    const ready = accept[c % accept.length]!;
    inValid.push(holding ? 1n : 0n);
    inData.push(holding ? BigInt(payloads[next]![0]) : 0n);
    const push = holding && inReady;
    const pop = q.length > 0 && ready;
    if (pop) received.push({ cycle: c, data: q[0]!.map(BigInt) });
    if (push) sent.push(c);
    if (pop) q.shift();
    if (push) {
      q.push(payloads[next]!);
      next++;
      holding = false;
    }
  }
  return { sent, received, inValid, inData };
}

describe('simulate: ready/valid stream BFMs (queue2, active-low reset)', () => {
  it('records fires with their cycles; the source holds valid and data until the transfer', async () => {
    const payloads: bigint[][] = [
      [0x11n, 0n],
      [0x22n, 0n],
      [0x33n, 1n],
      [0x44n, 0n],
    ];
    const [r] = await simulate(queue2, [
      {
        cycles: 14,
        sources: { in: { stream: queueIn, payloads, offer: [true] } },
        sinks: { out: { stream: queueOut, accept: [false, false, false, true] } },
        watch: ['in_valid', 'in_ready', 'in_data', 'count'],
      },
    ]);
    expect(r!.sent.in).toEqual([0, 1, 4, 8]);
    expect(r!.received.out).toEqual([
      { cycle: 3, data: [0x11n, 0n] },
      { cycle: 7, data: [0x22n, 0n] },
      { cycle: 11, data: [0x33n, 1n] },
    ]);
    // Cycles 2 and 3: the queue is full, the source keeps offering payload 3 unchanged.
    expect(r!.outputs.in_valid.slice(0, 9)).toEqual([1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n]);
    expect(r!.outputs.in_ready.slice(0, 5)).toEqual([1n, 1n, 0n, 0n, 1n]);
    expect(r!.outputs.in_data.slice(0, 9)).toEqual([0x11n, 0x22n, 0x33n, 0x33n, 0x33n, 0x44n, 0x44n, 0x44n, 0x44n]);
    // All payloads sent: valid drops, data is 0 when idle.
    expect(r!.outputs.in_valid.slice(9)).toEqual([0n, 0n, 0n, 0n, 0n]);
    expect(r!.outputs.in_data.slice(9)).toEqual([0n, 0n, 0n, 0n, 0n]);
  });

  it('raises valid only on offer cycles, then holds it (offer withdrawn while waiting)', async () => {
    const [r] = await simulate(queue2, [
      {
        cycles: 14,
        sources: { in: { stream: queueIn, payloads: [[1n, 0n], [2n, 0n], [3n, 0n]], offer: [false, true, false, false] } },
        sinks: { out: { stream: queueOut, accept: [false] } },
        watch: ['in_valid', 'in_data'],
      },
    ]);
    // Offers at 1, 5, 9, 13: payload 1 at 1, payload 2 at 5; payload 3 is raised at 9 and,
    // the queue being full, held through the cycles without an offer.
    expect(r!.sent.in).toEqual([1, 5]);
    expect(r!.outputs.in_valid).toEqual([0n, 1n, 0n, 0n, 0n, 1n, 0n, 0n, 0n, 1n, 1n, 1n, 1n, 1n]);
    expect(r!.outputs.in_data.slice(9)).toEqual([3n, 3n, 3n, 3n, 3n]);
    expect(r!.received.out).toEqual([]);
  });

  it('matches the reference model on random payloads, offer and accept patterns (100 episodes, one process)', async () => {
    const gen = fc.record({
      payloads: fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 1 })), { maxLength: 30 }),
      offer: fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
      accept: fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
      cycles: fc.integer({ min: 0, max: 80 }),
    });
    const cases = fc.sample(gen, { numRuns: 100, seed: 7 });
    const rs = await simulate(
      queue2,
      cases.map((k) => ({
        cycles: k.cycles,
        sources: { in: { stream: queueIn, payloads: k.payloads.map((p) => p.map(BigInt)), offer: k.offer } },
        sinks: { out: { stream: queueOut, accept: k.accept } },
        watch: ['in_valid', 'in_data'],
      })),
    );
    rs.forEach((r, i) => {
      const k = cases[i]!;
      const want = referenceQueue(k.payloads, k.offer, k.accept, k.cycles);
      expect(r.sent.in).toEqual(want.sent);
      expect(r.received.out).toEqual(want.received);
      expect(r.outputs.in_valid).toEqual(want.inValid);
      expect(r.outputs.in_data).toEqual(want.inData);
    });
  });

  it('applies the active-low reset between episodes', async () => {
    const rs = await simulate(queue2, [
      { cycles: 3, sources: { in: { stream: queueIn, payloads: [[1n, 0n], [2n, 0n]], offer: [true] } }, watch: ['count'] },
      { cycles: 2, watch: ['count', 'out_valid'] },
      { cycles: 1, resetCycles: 0, watch: ['count'] },
    ]);
    expect(rs[0]!.outputs.count).toEqual([0n, 1n, 2n]);
    expect(rs[1]!.outputs).toEqual({ count: [0n, 0n], out_valid: [0n, 0n] });
  });

  it('rejects stream ports with the wrong direction and payloads of the wrong shape', async () => {
    await expect(
      simulate(queue2, [{ cycles: 1, sources: { s: { stream: queueOut, payloads: [], offer: [true] } } }]),
    ).rejects.toThrow(/source 's' valid 'out_valid' is an output of 'queue2', not an input/);
    await expect(
      simulate(queue2, [{ cycles: 1, sources: { s: { stream: queueIn, payloads: [[1n]], offer: [true] } } }]),
    ).rejects.toThrow(/source 's' payload 0 has 1 values; the stream has 2 data ports/);
    await expect(
      simulate(queue2, [{ cycles: 1, sources: { s: { stream: queueIn, payloads: [[256n, 0n]], offer: [true] } } }]),
    ).rejects.toThrow("value 0x100 is wider than port 'in_data' (8 bits)");
    await expect(simulate(queue2, [{ cycles: 1, sinks: { k: { stream: queueOut, accept: [] } } }])).rejects.toThrow(
      /sink 'k' accept must be a non-empty boolean array/,
    );
  });

  it('writes an FST waveform when asked (a separate traced build)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcast-fst-'));
    try {
      const fst = join(dir, 'queue2.fst');
      const [r] = await simulate(
        queue2,
        [{ cycles: 6, sources: { in: { stream: queueIn, payloads: [[5n, 1n]], offer: [true] } }, sinks: { out: { stream: queueOut, accept: [true] } } }],
        { trace: fst },
      );
      expect(r!.received.out).toEqual([{ cycle: 1, data: [5n, 1n] }]);
      expect(existsSync(fst)).toBe(true);
      expect(statSync(fst).size).toBeGreaterThan(100);
      expect(readFileSync(fst)[0]).toBe(0); // FST_BL_HDR: an FST file starts with its header block
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('simulate: wide ports (wide100)', () => {
  it('passes 100-bit and 65-bit values exactly', async () => {
    const a0 = (1n << 99n) | 0xdeadbeefcafef00d12345n;
    const [r] = await simulate(wide100, [{ cycles: 3, drive: { a: [a0, M100, 0n], b: [M64] }, watch: ['y', 'q', 'sum'] }]);
    expect(r!.outputs.y).toEqual([a0, M100, 0n]);
    expect(r!.outputs.q.slice(1)).toEqual([a0, M100]);
    expect(r!.outputs.sum).toEqual([(a0 & M64) + M64, (M100 & M64) + M64, M64]);
  });

  it('matches BigInt arithmetic on random wide values', async () => {
    const vals = fc.sample(fc.tuple(fc.bigInt({ min: 0n, max: M100 }), fc.bigInt({ min: 0n, max: M64 })), { numRuns: 500, seed: 3 });
    const [r] = await simulate(wide100, [
      { cycles: vals.length, drive: { a: vals.map((v) => v[0]), b: vals.map((v) => v[1]) }, watch: ['y', 'q', 'sum'] },
    ]);
    vals.forEach(([a, b], i) => {
      expect(r!.outputs.y[i]).toBe(a);
      expect(r!.outputs.sum[i]).toBe((a & M64) + b);
      if (i > 0) expect(r!.outputs.q[i]).toBe(vals[i - 1]![0]);
    });
  });

  it('uninitialised state is random but reproducible for a seed', async () => {
    const ep: Episode = { cycles: 1, watch: ['q'] };
    const [a] = await simulate(wide100, [ep], { seed: 5 });
    const [b] = await simulate(wide100, [ep], { seed: 5 });
    const [c] = await simulate(wide100, [ep], { seed: 6 });
    expect(a!.outputs.q).toEqual(b!.outputs.q);
    expect(a!.outputs.q).not.toEqual(c!.outputs.q);
    expect(a!.outputs.q[0]).not.toBe(0n);
  });
});

describe('openStream', () => {
  it('streams rows through a pipeline; with latency the outputs align with the inputs', async () => {
    const s = await openStream(wide100, { inputs: ['a', 'b'], outputs: ['q', 'sum'], latency: 1 });
    try {
      const rows = (base: bigint, n: number) => Array.from({ length: n }, (_, i) => [(base + BigInt(i) * 0x1234567n) & M100, BigInt(i)]);
      for (const [base, n] of [
        [M100 - 5000n, 3000],
        [1n << 80n, 1],
        [7n, 20_000],
      ] as const) {
        const inRows = rows(base, n);
        const out = await s.run(inRows);
        expect(out).toHaveLength(n);
        out.forEach((o, i) => {
          expect(o[0]).toBe(inRows[i]![0]); // q one cycle later = a of this row
        });
      }
      expect(s.cycles).toBe(3000 + 1 + 20_000 + 3);
    } finally {
      await s.close();
    }
  });

  it('without latency returns the outputs of the same cycles; concurrent run() calls are queued', async () => {
    const s = await openStream(wide100, { inputs: ['a'], outputs: ['y', 'q'] });
    try {
      const [o1, o2] = await Promise.all([s.run([[1n], [2n]]), s.run([[3n]])]);
      expect(o1!.map((o) => o[0])).toEqual([1n, 2n]);
      expect(o1![1]![1]).toBe(1n);
      expect(o2).toEqual([[3n, 2n]]);
      await expect(s.run([[M100 + 1n]])).rejects.toThrow("value 0x10000000000000000000000000 is wider than port 'a' (100 bits)");
      await expect(s.run([[1n, 2n]])).rejects.toThrow(/stream row 0 has 2 values; expected 1 \(a\)/);
      expect(await s.run([[4n]])).toEqual([[4n, 3n]]);
    } finally {
      await s.close();
    }
    await expect(s.run([[1n]])).rejects.toThrow(/closed/);
  });

  it('a harness failure mid-stream rejects run() with the harness’s message', async () => {
    const s = await openStream(finisher, { inputs: ['stop'], outputs: ['n'] });
    expect(await s.run([[0], [0]])).toEqual([[0n], [1n]]);
    await expect(s.run([[0], [1], [0]])).rejects.toThrow(/^simulation of 'finisher' exited with code 2: the design called \$finish/);
    await expect(s.run([[0]])).rejects.toThrow(/\$finish/);
    await expect(s.close()).rejects.toThrow(/\$finish/);
  });

  it('rejects unknown and misdirected ports', async () => {
    await expect(openStream(wide100, { inputs: ['x'], outputs: [] })).rejects.toThrow(/stream input 'x' is not a port of 'wide100'/);
    await expect(openStream(wide100, { inputs: ['y'], outputs: [] })).rejects.toThrow(/stream input 'y' is an output/);
    await expect(openStream(wide100, { inputs: ['clk'], outputs: [] })).rejects.toThrow(/clock or reset/);
  });
});

describe('the generated harness', () => {
  it('binds ports by width class (VlWide above 64 bits) and documents the semantics', () => {
    const cpp = renderVectorHarness(wide100);
    expect(cpp).toContain('static_cast<void*>(top->a.data())');
    expect(cpp).toContain('static_cast<void*>(&top->b)');
    expect(cpp).toContain('static_cast<void*>(top->sum.data())');
    expect(cpp).toMatch(/fire = valid && ready, sampled/);
    expect(cpp).toContain('static const int TC_RESET = -1;');
    const q = renderVectorHarness(queue2);
    expect(q).toContain('static const bool TC_RESET_ACTIVE_LOW = true;');
    expect(q).toContain('Reset (aresetn, active low)');
  });
});
