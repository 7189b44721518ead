/**
 * LinkedQueues (3 FIFOs sharing 5 entries) co-simulated in the stream bench
 * against a TypeScript model: under random producers (each item for a random
 * FIFO), consumers and per-cycle choices of the FIFO to read, every FIFO gives
 * out exactly its items, in order; `counts` is each FIFO's occupancy; all of
 * them together never hold more than the 5 entries and take a 6th only when
 * one has left; a selector past the last FIFO reads nothing; `clear` empties
 * them. A kept mutant (a FIFO holding one item
 * that takes a new one in the cycle the old one leaves loses the new one) is
 * caught.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { benchTarget, checkProperty, cyclesFor, stream, streamCase, type StreamCase } from './bench';
import { simulate, type Episode, type EpisodeResult } from '../../sim/vectors';

const N = 3;
const DEPTH = 5;
interface LqCase extends StreamCase { fifo: number[]; pick: number[] }
const lqCase: fc.Arbitrary<LqCase> = streamCase.chain((c) => fc.record({
  fifo: fc.array(fc.integer({ min: 0, max: N - 1 }), { minLength: c.payloads.length, maxLength: c.payloads.length }),
  // N: a selector past the last FIFO (3 is not a power of two): no FIFO, nothing leaves.
  pick: fc.array(fc.integer({ min: 0, max: N }), { minLength: 1, maxLength: 9 }),
}).map((x) => ({ ...c, ...x })));

/** The FIFO read in cycle k: the pattern, shifted by one every pattern x accept period, so every FIFO meets every accepting cycle. */
const pickAt = (c: LqCase, k: number) => (c.pick[k % c.pick.length]! + Math.floor(k / (c.pick.length * c.accept.length))) % (N + 1);

const episode = (prefix: string) => (c: LqCase): Episode => {
  const cycles = cyclesFor(c, 4) * (N + 1);
  return {
    cycles,
    sources: { enq: { stream: { ...stream(`${prefix}_enq`), data: [`${prefix}_enq_bits`, `${prefix}_enqSel`] }, payloads: c.payloads.map((p, i) => [p, c.fifo[i]!]), offer: c.offer } },
    sinks: { deq: { stream: stream(`${prefix}_deq`), accept: c.accept } },
    drive: { [`${prefix}_deqSel`]: Array.from({ length: cycles }, (_, k) => pickAt(c, k)) },
    watch: Array.from({ length: N }, (_, i) => `${prefix}_counts_${i}`),
  };
};

function check(prefix: string) {
  return (c: LqCase, r: EpisodeResult): string | undefined => {
    const none = r.received.deq!.find((x) => pickAt(c, x.cycle) === N);
    if (none) return `${prefix}: an item left at cycle ${none.cycle} with the selector past the last FIFO`;
    for (let f = 0; f < N; f++) {
      const want = c.payloads.filter((_, i) => c.fifo[i] === f);
      const got = r.received.deq!.filter((x) => pickAt(c, x.cycle) === f).map((x) => Number(x.data[0]));
      if (JSON.stringify(got) !== JSON.stringify(want)) return `${prefix} FIFO ${f}: sent ${JSON.stringify(want)}, received ${JSON.stringify(got)}`;
    }
    const sent = r.sent.enq!;
    for (let cyc = 0; cyc < r.cycles; cyc++) {
      let total = 0;
      for (let f = 0; f < N; f++) {
        const inside = sent.filter((t, i) => t < cyc && c.fifo[i] === f).length - r.received.deq!.filter((x) => x.cycle < cyc && pickAt(c, x.cycle) === f).length;
        total += inside;
        const count = Number(r.outputs[`${prefix}_counts_${f}`]![cyc]);
        if (count !== inside) return `${prefix}: counts[${f}] is ${count} at cycle ${cyc}, but ${inside} items are inside`;
      }
      if (total > DEPTH) return `${prefix}: holds ${total} items, more than its ${DEPTH} entries`;
    }
    return undefined;
  };
}

describe('LinkedQueues (3 FIFOs, 5 shared entries)', () => {
  test('200 random producers, consumers and FIFO choices: each FIFO gives out its items in order, counts exact, never more than 5 inside', async () => {
    const r = await checkProperty(lqCase, 200, 0x11ed, episode('lq'), check('lq'));
    expect(r).toEqual({ ok: true, runs: 200 });
  });

  test('takes exactly 5 items over all FIFOs while none leaves, one more per item out; clear empties every FIFO', async () => {
    const payloads = Array.from({ length: 8 }, (_, i) => [i + 1, i % N]);
    const [r] = await simulate(benchTarget(), [{
      cycles: 40,
      sources: { enq: { stream: { ...stream('lq_enq'), data: ['lq_enq_bits', 'lq_enqSel'] }, payloads, offer: [true] } },
      sinks: { deq: { stream: stream('lq_deq'), accept: [...Array(12).fill(false), true, ...Array(27).fill(false)] } },
      drive: { lq_deqSel: [0], lq_clear: [...Array(20).fill(0), 1, 0] },
      watch: ['lq_counts_0', 'lq_counts_1', 'lq_counts_2', 'lq_enq_ready'],
    }]);
    // 5 in at cycles 0..4; item 1 (FIFO 0) out at cycle 12, so a 6th goes in at 13; nothing more until clear (cycle 20).
    expect(r!.sent.enq!.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 13]);
    expect(r!.received.deq!.map((x) => Number(x.data[0]))).toEqual([1]);
    expect([0, 1, 2].map((f) => Number(r!.outputs[`lq_counts_${f}`]![21]))).toEqual([0, 0, 0]);
    // After clear the entries are free again: the remaining two items go in.
    expect(r!.sent.enq!.length).toBe(8);
  });

  test("mutant 'lostHead' (a FIFO of one item taking a new one as the old leaves loses it) fails the property", async () => {
    const r = await checkProperty(lqCase, 200, 0x11ed, episode('lqlost'), check('lqlost'));
    expect(r.ok).toBe(false);
  });
});
