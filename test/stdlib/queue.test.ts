/**
 * Queue properties, co-simulated in Verilator against a TypeScript model:
 * under random valid/ready patterns nothing is lost, nothing duplicated, order
 * is kept and `count` is the occupancy; the capacity is exactly the depth; a
 * producer and consumer that never stall move one item per cycle. A queue
 * with a full flag one entry late is kept to show the property catches it.
 */
import { describe, expect, test } from 'vitest';
import { BROKEN, QUEUES, checkProperty, checkQueue, queueEpisode, stream, streamCase, type QueueDut } from './bench';
import { simulate } from '../../sim/vectors';
import { benchTarget } from './bench';

const RUNS = 200;

describe.each(QUEUES)('Queue $prefix (depth $depth, flow $flow, pipe $pipe, latency $latency)', (dut: QueueDut) => {
  test(`${RUNS} random valid/ready sequences: nothing lost or duplicated, order kept, count exact`, async () => {
    const r = await checkProperty(streamCase, RUNS, 0x5eed + dut.depth, (c) => queueEpisode(dut.prefix, c), (c, res) => checkQueue(dut, c, res));
    expect(r).toEqual({ ok: true, runs: RUNS });
  });

  test('holds exactly depth items when the consumer never takes one', async () => {
    const [r] = await simulate(benchTarget(), [{
      cycles: 3 * dut.depth + 10,
      sources: { enq: { stream: stream(`${dut.prefix}_enq`), payloads: Array.from({ length: dut.depth + 3 }, (_, i) => [i]), offer: [true] } },
      sinks: { deq: { stream: stream(`${dut.prefix}_deq`), accept: [false] } },
    }]);
    expect(r!.sent.enq!.length).toBe(dut.depth);
  });

  // A one-entry queue without pipe or flow cannot take an item in the cycle it
  // gives one up, so it moves one item every other cycle (as Chisel's does).
  const period = dut.depth === 1 && !dut.pipe && !dut.flow ? 2 : 1;
  test(`throughput when never stalled: one item every ${period} cycle(s)`, async () => {
    const n = 30;
    const [r] = await simulate(benchTarget(), [{
      cycles: 2 * n + 5,
      sources: { enq: { stream: stream(`${dut.prefix}_enq`), payloads: Array.from({ length: n }, (_, i) => [i]), offer: [true] } },
      sinks: { deq: { stream: stream(`${dut.prefix}_deq`), accept: [true] } },
    }]);
    const latency = dut.latency;
    expect(r!.sent.enq).toEqual(Array.from({ length: n }, (_, i) => i * period));
    expect(r!.received.deq!.map((x) => x.cycle)).toEqual(Array.from({ length: n }, (_, i) => i * period + latency));
  });
});

test('mutant: a queue whose full flag is one entry late fails the property', async () => {
  const r = await checkProperty(streamCase, RUNS, 7, (c) => queueEpisode(BROKEN.prefix, c), (c, res) => checkQueue(BROKEN, c, res));
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.why).toMatch(/late: (sent|holds|count)/);
    // Shrunk: a handful of items and a consumer that stalls.
    expect(r.counterexample.payloads.length).toBeLessThanOrEqual(8);
  }
});
