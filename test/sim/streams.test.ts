/**
 * tcast/sim's stream drivers, monitors, run-until-drained and scoreboard
 * (sim/streams.ts): the property of docs/TESTBENCH.md catches a FIFO that
 * overwrites when full (the mutant is kept here), the page holds its example
 * verbatim, and bad input gets one-line errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { generate, UInt } from 'tcast';
import { Scoreboard, asReceived, driver, monitor, runStreams, streamPorts, targetOf } from 'tcast/sim';
import { projectRoot } from '../../generator/hdl/source';
import { LateFullQueue, lateFullMutant } from '../stdlib/bench';

test("docs/TESTBENCH.md's example is test/sim/testbench.test.ts, verbatim", () => {
  const doc = readFileSync(join(projectRoot, 'docs', 'TESTBENCH.md'), 'utf8');
  expect(doc).toContain('```ts\n' + readFileSync(join(projectRoot, 'test', 'sim', 'testbench.test.ts'), 'utf8') + '```');
});

test('the property catches a FIFO that overwrites when full; runStreams stops at until.items', async () => {
  // The synthesis view (assertions compiled out), as the stdlib's benches run their mutants: the property alone must catch it.
  const bad = { ...targetOf(lateFullMutant(generate(new LateFullQueue(UInt(8), { depth: 4 })))), defines: ['SYNTHESIS'] };
  const items = Array.from({ length: 24 }, (_, i) => ({ value: i }));
  const r = await runStreams(bad, { drivers: [driver(bad, 'enq', items)], monitors: [monitor(bad, 'deq', { accept: 0.3, seed: 7 })] });
  const board = new Scoreboard('deq').expect(...asReceived(items)).observe(...r.received.deq!);
  expect(board.mismatch()).toMatch(/^deq: (item \d+ is|\d+ item\(s\) missing)/);
  expect(() => board.check()).toThrow(/^deq: /);
  // until.items: the run stops once 5 items came out (the length doubles from 64 cycles).
  const some = await runStreams(bad, { drivers: [driver(bad, 'enq', items)], monitors: [monitor(bad, 'deq')], until: { items: 5 } });
  expect(some.received.deq!.length).toBeGreaterThanOrEqual(5);
  expect(some.cycles).toBe(Math.max(64, 4 * items.length + 64));
});

test('streams are found by prefix; bad input gets one line', () => {
  const t = targetOf(generate(new LateFullQueue(UInt(8), { depth: 4 })));
  expect(streamPorts(t, 'enq')).toEqual({ prefix: 'enq', role: 'source', spec: { valid: 'enq_valid', ready: 'enq_ready', data: ['enq_bits'] }, fields: ['value'] });
  expect(() => streamPorts(t, 'in')).toThrow("has no stream 'in' (in_valid and in_ready); its streams: enq, deq");
  expect(() => driver(t, 'deq', [])).toThrow(/is an output: read it with monitor\(\)/);
  expect(() => driver(t, 'enq', [{ valu: 1 }])).toThrow("item 0 for stream 'enq' has a field 'valu'; its fields: value");
  expect(() => monitor(t, 'deq', { accept: 0 })).toThrow(/probability 0 must be in \(0, 1\]/);
});
