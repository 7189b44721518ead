/**
 * The check must be able to fail: the shipped adder's printed Verilog with
 * one line changed (round-half-up instead of ties-to-even: the round-up bit
 * is the guard bit alone) is co-simulated with the same vectors, and the
 * bit-exact check must reject it with a counterexample that is an exact tie.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generate } from '../../generator';
import { Fp32Add } from '../../generator/stdlib/float/add';
import { mutateVerilog } from '../mutate';
import { FP32_DEFAULTS } from '../../designs/fp32';
import { UnitSim, directedVectors, fromBits, randomVectors } from '../../sim/fp32';

describe('mutant adder (round-half-up)', () => {
  let sim: UnitSim;
  beforeAll(async () => {
    const shipped = generate(new Fp32Add({ stages: FP32_DEFAULTS.add }));
    const halfUp = mutateVerilog(shipped, shipped.top, /r_round_up = guard & \(.*\);/, 'r_round_up = guard;');
    sim = await UnitSim.open('add', halfUp, FP32_DEFAULTS.add);
  });
  afterAll(async () => {
    await sim?.close();
  });

  test('the bit-exact check FAILS on the directed corners, with a tie as counterexample', async () => {
    const r = await sim.check(directedVectors('add'), { bubbles: false });
    expect(r.failures).toBeGreaterThan(0);
    const c = r.mismatches[0]!;
    console.log(`[fp32] mutant: ${r.failures} of ${r.count} directed vectors rejected; first: a=${c.a} b=${c.b} sub=${c.sub} got ${c.got} want ${c.want} (${c.note})`);
    // The counterexample is a tie: the exact sum lies half-way between got and want.
    const exact = c.sub ? fromBits(Number(c.a)) - fromBits(Number(c.b)) : fromBits(Number(c.a)) + fromBits(Number(c.b));
    const got = fromBits(Number(c.got));
    const want = fromBits(Number(c.want));
    expect(Math.abs(exact - got)).toBe(Math.abs(exact - want));
  });

  test('the bit-exact check FAILS on 50000 random vectors', async () => {
    const r = await sim.check(randomVectors('add', 50_000, 101));
    expect(r.failures).toBeGreaterThan(0);
    expect(r.mismatches.length).toBeGreaterThan(0);
    console.log(`[fp32] mutant: ${r.failures} of ${r.count} random vectors rejected; e.g. ${r.mismatches[0]!.note}`);
  });
});
