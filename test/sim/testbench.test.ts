import fc from 'fast-check';
import { expect, test } from 'vitest';
import { generate, UInt } from 'tcast';
import { Queue } from 'tcast/stdlib';
import { Scoreboard, asReceived, driver, monitor, runStreams, targetOf } from 'tcast/sim';

// 1. The design: a 4-deep FIFO of bytes (ports enq_valid/enq_ready/enq_bits, deq_...).
const target = targetOf(generate(new Queue(UInt(8), { depth: 4 })));

test('a FIFO delivers every byte, in order, whatever the back-pressure', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }), // what goes in
      fc.double({ min: 0.2, max: 1, noNaN: true }), // how often the source offers
      fc.double({ min: 0.2, max: 1, noNaN: true }), // how often the sink accepts
      fc.integer({ min: 1, max: 1000 }), // seed of the two patterns
      async (bytes, offer, accept, seed) => {
        const items = bytes.map((value) => ({ value }));
        // 2. Run until drained: every item sent and nothing new came out for 32 cycles.
        const r = await runStreams(target, {
          drivers: [driver(target, 'enq', items, { offer, seed })],
          monitors: [monitor(target, 'deq', { accept, seed })],
        });
        // 3. Compare, in order.
        const board = new Scoreboard('deq').expect(...asReceived(items)).observe(...r.received.deq!);
        expect(board.mismatch()).toBeUndefined();
      },
    ),
    { numRuns: 12 },
  );
});
