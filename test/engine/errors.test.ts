/**
 * Directed engine tests on the test configuration's build: SLVERR/DECERR on an
 * index read, a row read and a write end the operation with ERROR and the
 * failing burst's address, nothing left open, and the next operation is
 * clean; START while busy is ignored and counted; NaN, infinities, -0 and
 * subnormals; the largest dim and a long batch.
 */
import { describe, expect, test } from 'vitest';
import { simulateAxi, type AxiResult, type AxiScenario } from '../../sim/axi';
import { countersOf, forwardScenario, runScript, type ForwardCase } from '../../sim/engine';
import { ENGINE_REGS, ENGINE_STATUS } from '../../accel/engine/regs';
import { engineTarget, makeCase, runProblem, testShape } from './helpers';

const target = engineTarget();

const baseCase = (): ForwardCase => makeCase({
  rows: 40, dim: 17, bags: 12, maxBag: 9, zipf: false, idx64: false, off64: false, includeLast: false,
  pad: null, padRate: 0, specials: false, mode: 'sum', psw: false, seed: 99,
});

/** An error scenario followed by a clean rerun of the same operation in the same run. */
function errorScenario(name: string, c: ForwardCase, errorAt: (l: ReturnType<typeof forwardScenario>['layout']) => { lo: number; hi: number; resp: 'SLVERR' | 'DECERR'; dir: 'r' | 'w' }) {
  const s = forwardScenario(c, testShape, { name, profile: { reorder: true, readLatency: 20, readJitter: 10, writeLatency: 5 } });
  const e = errorAt(s.layout);
  const scenario: AxiScenario = {
    ...s.scenario,
    errors: [e],
    // The second run: the error range is still there, so rerun only when it cannot be hit: a write-error case
    // reruns with the output moved; a read-error case reruns with the error range outside what is read.
    script: [...s.scenario.script],
    watchdogCycles: 5000,
  };
  return { s, e, scenario };
}

describe('engine error responses', () => {
  test('SLVERR on an index read, SLVERR on a row read, DECERR on a write: ERROR, the failing address, nothing open; the next operation is clean', async () => {
    const c = baseCase();
    const idxErr = errorScenario('index-slverr', c, (l) => ({ lo: l.indices + 4, hi: l.indices + 5, resp: 'SLVERR', dir: 'r' }));
    const row = (c.indices as Int32Array)[3]!;
    const rowErr = errorScenario('row-slverr', c, (l) => ({ lo: l.table + row * l.rowStride, hi: l.table + row * l.rowStride + 1, resp: 'SLVERR', dir: 'r' }));
    const wrErr = errorScenario('write-decerr', c, (l) => ({ lo: l.out + 2 * l.rowStride, hi: l.out + 2 * l.rowStride + 4, resp: 'DECERR', dir: 'w' }));
    // After each failing operation, a clean one: the same case laid out elsewhere (no error range there).
    const clean = forwardScenario(c, testShape, { base: 0x400000 });
    for (const x of [idxErr, rowErr, wrErr]) {
      x.scenario.script.push(...runScript(clean.layout.regs));
      x.scenario.memory = [...x.scenario.memory!, ...clean.scenario.memory!];
      x.scenario.dump = [...clean.scenario.dump!];
    }
    const rs = await simulateAxi(target, [idxErr.scenario, rowErr.scenario, wrErr.scenario]);
    const firstOp = (r: AxiResult) => countersOf({ ...r, reads: r.reads.slice(0, r.reads.length / 2) });
    const expectations: [typeof idxErr, number, number][] = [
      [idxErr, 0x100 | 2, idxErr.s.layout.indices],
      [rowErr, 0x100 | 2, rowErr.s.layout.table + row * rowErr.s.layout.rowStride],
      [wrErr, 0x200 | 3, wrErr.s.layout.out + 2 * wrErr.s.layout.rowStride],
    ];
    rs.forEach((r, i) => {
      const [x, error, addr] = expectations[i]!;
      expect(r.status, `${x.scenario.name}: ${r.failure ?? r.violation?.message ?? ''}`).toBe('ok');
      const k = firstOp(r);
      expect(k.status, x.scenario.name).toBe(ENGINE_STATUS.DONE | ENGINE_STATUS.ERROR);
      expect(k.error, x.scenario.name).toBe(error);
      // The failing burst starts at or before the failing byte, in the same 4 KiB page.
      expect(Number(k.errAddr), x.scenario.name).toBeLessThanOrEqual(x.e.lo);
      expect(Number(k.errAddr) >> 12, x.scenario.name).toBe(x.e.lo >> 12);
      expect(Number(k.errAddr), x.scenario.name).toBe(addr);
      expect(r.counters.m_axi!.outstanding).toBe(0);
      expect(r.inFlight).toEqual([]);
      // The second operation is clean and correct.
      expect(runProblem(c, clean, r, false), x.scenario.name).toBeUndefined();
    });
  });

  test('START while busy is ignored and counted', async () => {
    const c = baseCase();
    const s = forwardScenario(c, testShape, { name: 'start-busy', profile: { readLatency: 30 } });
    const script = s.scenario.script;
    const startAt = script.findIndex((o) => o.op === 'write' && o.addr === ENGINE_REGS.CTRL);
    script.splice(startAt + 1, 0, { op: 'write', addr: ENGINE_REGS.CTRL, data: 1 }, { op: 'write', addr: ENGINE_REGS.CTRL, data: 1 });
    const [r] = await simulateAxi(target, [s.scenario]);
    expect(runProblem(c, s, r!)).toBeUndefined();
    expect(countersOf(r!).startIgnored).toBe(2);
  });
});

describe('engine directed workloads', () => {
  test('NaN, infinities, -0 and subnormals in tables and weights; the largest dim; a long batch', async () => {
    const cases: ForwardCase[] = [];
    for (const mode of ['sum', 'mean', 'max'] as const) {
      const c = makeCase({ rows: 16, dim: testShape.maxDim, bags: 20, maxBag: 12, zipf: true, idx64: false, off64: true, includeLast: true, pad: -1, padRate: 0.2, specials: true, mode, psw: mode === 'sum', argmax: true, seed: 5 });
      // Force every special into the table.
      const sp = [NaN, Infinity, -Infinity, -0, 1e-45, -3e-39, 0];
      for (let i = 0; i < c.weight.length; i += 5) c.weight[i] = sp[(i / 5) % sp.length]!;
      cases.push(c);
    }
    cases.push(makeCase({ rows: 300, dim: 3, bags: 400, maxBag: 20, zipf: true, idx64: true, off64: false, includeLast: false, pad: null, padRate: 0, specials: false, mode: 'sum', psw: false, seed: 6 }));
    const built = cases.map((c, i) => ({ c, s: forwardScenario(c, testShape, { name: `directed-${i}`, profile: { readLatency: 40, readJitter: 20, reorder: true, interleave: true } }) }));
    const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
    rs.forEach((r, i) => expect(runProblem(built[i]!.c, built[i]!.s, r), `directed-${i}`).toBeUndefined());
  });
});
