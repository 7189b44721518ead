/**
 * Assertions and formal checks. Every shipped stream block (the queues, the
 * skid buffer, the arbiter) carries its own assertions, which `tcast formal`
 * proves to depth 20; a queue whose full flag never rises (a mutant of its
 * printed Verilog) fails with the assertion, its line and a counterexample
 * VCD. In Verilator a failing assert stops the run with the cycle, the
 * message and the line, and printf output reaches the caller.
 */
import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, Module, Out, Reg, UInt, assert, printf, when } from '../../generator';
import { generateAll } from '../../generator/designs/emit';
import { formalCheck, formalTargetOf } from '../../sim/formal';
import { targetOf } from '../../sim/design';
import { simulate, SimRunError } from '../../sim/vectors';
import formal from '../../cli/commands/formal';

const SHIPPED = /^(queue-|skid-|rrarbiter-)/;
const tmp = mkdtempSync(join(tmpdir(), 'tcast-formal-test-'));

describe('tcast formal', () => {
  test('every shipped queue, the skid buffer and the arbiter: their assertions hold for 20 cycles', async () => {
    const ds = (await generateAll()).filter((d) => SHIPPED.test(d.entry.name));
    expect(ds.length).toBeGreaterThanOrEqual(9);
    for (const d of ds) {
      const r = await formalCheck(formalTargetOf(d.verilog), { depth: 20 });
      expect({ design: d.entry.name, status: r.status }).toEqual({ design: d.entry.name, status: 'pass' });
      expect(r.asserts).toBeGreaterThan(0);
    }
  }, 120_000);

  test('--prove: the 4-deep queue is proved for every depth (PDR)', async () => {
    const [d] = await generateAll(['queue-d4-w8-reg']);
    const r = await formalCheck(formalTargetOf(d!.verilog), { depth: 20, prove: true });
    expect(r.proof?.status).toBe('proved');
  }, 60_000);

  test('mutant: a queue whose full flag never rises fails, with the assertion, its line and a counterexample', async () => {
    const [d] = await generateAll(['queue-d4-w8-reg']);
    const t = formalTargetOf(d!.verilog);
    const src = t.sources[0]!;
    const good = 'assign enq_ready = ~(ptrMatch & maybeFull);';
    expect(src.text).toContain(good);
    const mutant = { ...t, sources: [{ name: src.name, text: src.text.replace(good, "assign enq_ready = 1'b1;") }] };
    const vcd = join(tmp, 'late-full.vcd');
    const r = await formalCheck(mutant, { depth: 20, vcd });
    expect(r.status).toBe('fail');
    expect(r.failure!.message).toMatch(/at most its depth \(4\) items|count is the number of items/);
    expect(r.failure!.loc).toMatch(/^generator\/stdlib\/queue\.ts:\d+$/);
    expect(r.failure!.step).toBeGreaterThanOrEqual(5); // reset, then four items, then one too many
    expect(existsSync(vcd)).toBe(true);
    expect(readFileSync(vcd, 'utf8')).toMatch(/\$var .* enq_ready /);
  }, 60_000);

  test('the command prints PASS with the depth', async () => {
    const out: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
    try {
      expect(await formal.run(['queue-d4-w8-reg', '--depth', '20'])).toBe(0);
    } finally {
      console.log = log;
    }
    expect(out.join('\n')).toMatch(/^PASS queue-d4-w8-reg: 3 assertions hold for 20 cycles/);
  }, 60_000);
});

class Overflow extends Module {
  readonly io;
  constructor() {
    super();
    this.io = this.ports({ count: Out(UInt(4)) });
  }
  protected build(): void {
    const count = Reg(UInt(4), { init: 0 });
    count.set(count.addWrap(1));
    this.io.count.set(count);
    printf('count=%d\n', count);
    when(count.ne(0), () => assert(count.lt(5), 'count stays below 5')); // @mark:assert
  }
}

test('Verilator: a failing assert stops the run with the cycle, the message and the source line; printf output reaches the caller', async () => {
  const text = generate(new Overflow()).modules[0]!.text;
  expect(text).toContain('`ifndef SYNTHESIS');
  const line = readFileSync(new URL(import.meta.url), 'utf8').split('\n').findIndex((l) => l.includes('// @mark:assert')) + 1;
  let printed = '';
  const err = await simulate(targetOf(generate(new Overflow())), [{ cycles: 10 }], { onOutput: (t) => { printed += t; } }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SimRunError);
  const e = err as SimRunError;
  expect(e.message).toBe(`simulation of 'Overflow': assertion failed in cycle 5: count stays below 5 @[test/formal/formal.test.ts:${line}]`);
  expect({ cycle: e.cycle, assertion: e.assertion, loc: e.loc }).toEqual({ cycle: 5, assertion: 'count stays below 5', loc: `test/formal/formal.test.ts:${line}` });
  expect(printed).toContain('count=4\n');
}, 120_000);
