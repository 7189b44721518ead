/**
 * Mutants the protocol checker must catch. One build of the shipped DMA inside
 * a fault-injecting wrapper (test/axi/faulty-dma.ts: a FAULT register of its
 * own selects the fault at run time) serves every mutant; each scenario
 * expects the checker's report, with the cycle, channel, field and AXI rule.
 */
import { describe, expect, test } from 'vitest';
import { assertAxiOk, simulateAxi, AxiRunError, type AxiResult } from '../../sim/axi';
import { readFileSync } from 'node:fs';
import { SimAssertionError } from '../../sim/assertions';
import { DMA_FAULT, TRAP_REG } from './faulty-dma';
import { copyProblem, copyScenario, faultyDmaTarget, GUARD, selectFault } from './helpers';

const target = faultyDmaTarget();

describe('the protocol checker catches mutant masters', () => {
  let results: AxiResult[] = [];
  const base = { src: 0x10008, dst: 0x80000 + GUARD, len: 600, seed: 11 };
  const clean = copyScenario({ ...base, profile: { arReady: 0.5 } }, 'fault-none', selectFault(DMA_FAULT.NONE));
  const scenarios = [
    clean.scenario,
    copyScenario({ ...base, profile: {} }, 'wlast-early', selectFault(DMA_FAULT.WLAST_EARLY)).scenario,
    // ARREADY low half the time, so that ARVALID meets a cycle without READY.
    copyScenario({ ...base, profile: { arReady: 0.5, seed: 3 } }, 'valid-drop', selectFault(DMA_FAULT.VALID_DROP)).scenario,
    // From 0x10fc0 a 16-beat burst of 8-byte beats ends at 0x1103f: the correct engine splits it at 0x11000.
    copyScenario({ src: 0x10fc0, dst: 0x80000 + GUARD, len: 600, seed: 12, profile: {} }, 'cross-4k', selectFault(DMA_FAULT.CROSS_4K)).scenario,
  ];

  test('one process runs the four scenarios', async () => {
    results = await simulateAxi(target, scenarios);
    expect(results.map((r) => r.status)).toEqual(['ok', 'violation', 'violation', 'violation']);
  });

  test('fault 0 (the mutant build with no fault selected) copies cleanly', () => {
    expect(copyProblem(results[0]!, clean.data, clean.guard)).toBeUndefined();
  });

  test('WLAST one beat early', () => {
    const v = results[1]!.violation!;
    expect(v).toMatchObject({ iface: 'm_axi', channel: 'w', field: 'wlast', rule: 'A3.2.2' });
    expect(v.message).toMatch(/^WLAST asserted on beat 15 of a 16-beat burst \(awaddr 0x80018\)/);
    expect(() => assertAxiOk(results[1]!)).toThrow(AxiRunError);
    expect(() => assertAxiOk(results[1]!)).toThrow(/AXI protocol violation at cycle \d+ on m_axi W \(wlast\), rule A3\.2\.2: WLAST asserted on beat 15/);
  });

  test('VALID dropped before READY', () => {
    const v = results[2]!.violation!;
    expect(v).toMatchObject({ iface: 'm_axi', channel: 'ar', field: 'arvalid', rule: 'A3.2.1' });
    expect(v.message).toMatch(/^VALID deasserted before the handshake: arvalid was high with arready low/);
    expect(() => assertAxiOk(results[2]!)).toThrow(/on m_axi AR \(arvalid\), rule A3\.2\.1/);
  });

  test('a burst crossing 4 KiB', () => {
    const v = results[3]!.violation!;
    expect(v).toMatchObject({ iface: 'm_axi', channel: 'ar', field: 'araddr', rule: 'A3.4.1' });
    expect(v.message).toBe('burst crosses a 4 KiB boundary: araddr 0x10fc0, 16 beats of 8 bytes end at 0x1103f');
    expect(() => assertAxiOk(results[3]!)).toThrow(/on m_axi AR \(araddr\), rule A3\.4\.1: burst crosses a 4 KiB boundary/);
  });
});

test('a failing DSL assert stops the AXI harness with the cycle, the message and the source line', async () => {
  const src = readFileSync(new URL('./faulty-dma.ts', import.meta.url), 'utf8');
  const line = src.split('\n').findIndex((l) => l.includes('// @mark:trap')) + 1;
  const err = await simulateAxi(target, [{ script: [{ op: 'read', addr: 0 }, { op: 'write', addr: TRAP_REG, data: 1 }, { op: 'wait', cycles: 4 }] }]).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SimAssertionError);
  const e = err as SimAssertionError;
  expect(e.message).toMatch(new RegExp(`^simulation of 'FaultyDma': assertion failed in cycle \\d+: nothing writes the trap register @\\[test/axi/faulty-dma\\.ts:${line}\\]$`));
  expect(e.cycle).toBeGreaterThan(2);
  expect({ assertion: e.assertion, loc: e.loc }).toEqual({ assertion: 'nothing writes the trap register', loc: `test/axi/faulty-dma.ts:${line}` });
});
