/**
 * Formal checks. Every shipped stream block (the queues, the skid buffer, the
 * arbiter) carries its own assertions, which `tcast formal` proves to depth
 * 20; a queue whose full flag never rises (a mutant of its printed Verilog)
 * fails with the assertion, its line and a counterexample VCD. (Assertions
 * and printf in Verilator, both harnesses: test/axi/regmap.test.ts.)
 */
import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAll } from '../../designs/emit';
import { formalCheck, formalTargetOf } from '../../sim/formal';
import formal from '../../cli/commands/formal';

const SHIPPED = /^(queue-|skid-|rrarbiter-)/;
const tmp = mkdtempSync(join(tmpdir(), 'tcast-formal-test-'));

describe('tcast formal', () => {
  test('every shipped queue, the skid buffer and the arbiter: their assertions hold for 20 cycles', async () => {
    const ds = (await generateAll()).filter((d) => SHIPPED.test(d.entry.name));
    expect(ds.length).toBeGreaterThanOrEqual(9);
    for (const d of ds) {
      const r = await formalCheck(formalTargetOf(d.verilog), { depth: 20, covers: false });
      expect({ design: d.entry.name, status: r.status }).toEqual({ design: d.entry.name, status: 'pass' });
      expect(r.asserts).toBeGreaterThan(0);
    }
  }, 120_000);

  test('--prove: the 4-deep queue is proved for every depth (PDR); its cover (full) is reached, in cycle 5 at the earliest', async () => {
    const [d] = await generateAll(['queue-d4-w8-reg']);
    const r = await formalCheck(formalTargetOf(d!.verilog), { depth: 20, prove: true });
    expect(r.proof?.status).toBe('proved');
    expect(r.covers).toEqual([{ message: 'the queue fills up', loc: expect.stringMatching(/^generator\/stdlib\/queue\.ts:\d+$/), module: 'Queue_d4_w8_reg', reached: expect.any(Number) }]);
    expect(r.covers![0]!.reached).toBeGreaterThanOrEqual(5);
    // Too shallow a bound to fill it: not reached.
    const short = await formalCheck(formalTargetOf(d!.verilog), { depth: 4 });
    expect(short.covers![0]!.reached).toBeNull();
  }, 60_000);

  test('mutant: a queue whose full flag never rises fails, with the assertion, its line and a counterexample', async () => {
    const [d] = await generateAll(['queue-d4-w8-reg']);
    const t = formalTargetOf(d!.verilog);
    const src = t.sources[0]!;
    const good = 'assign enq_ready = ~full;';
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
    expect(out.join('\n')).toMatch(/^PASS queue-d4-w8-reg: 3 assertions hold for 20 cycles.*\n  cover reached in cycle \d+: the queue fills up \(Queue_d4_w8_reg\) @\[generator\/stdlib\/queue\.ts:\d+\]$/);
  }, 60_000);

  test('bad input: an unknown design, a design without assertions (exit 2)', async () => {
    await expect(formal.run(['no-such-design'])).rejects.toThrow(/unknown design\(s\): no-such-design/);
    await expect(formal.run(['fp32-add-s3'])).rejects.toThrow(/Fp32Add_s3 has no assertions to check/);
    await expect(formal.run(['queue-d4-w8-reg', '--depth', '0'])).rejects.toThrow(/--depth = 0 is out of range; it must be in 1\.\.100000/);
  });
});
