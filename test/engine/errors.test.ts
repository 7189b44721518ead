/**
 * Directed engine tests on the test configuration's build: SLVERR/DECERR on an
 * index read, a row read and a write end the operation with ERROR and the
 * failing burst's address, nothing left open, and the next operation is
 * clean (also on engine-d256c2: an error in one channel stops both); START
 * while busy is ignored and counted; NaN, infinities, -0 and subnormals; the
 * largest dim and a long batch; every register check of START broken in turn
 * (ERROR.PROGRAM and its CAUSE, nothing issued, no hang, the next good START
 * runs); a batched table's descriptor that breaks a check (ERROR.PROGRAM,
 * TABLE_AT).
 */
import { describe, expect, test } from 'vitest';
import { simulateAxi, type AxiResult, type AxiScenario } from '../../sim/axi';
import { castedBackwardCase, countersOf, countersOfEach, endProblem, forwardScenario, runScript, type EngineCounters, type ForwardCase, type ForwardScenario } from '../../sim/engine';
import { ENGINE_REGS, ENGINE_STATUS, PROGRAM_CHECKS } from '../../accel/engine/regs';
import { DESC_BYTES, ENGINE_DESCRIPTOR } from '../../accel/engine/descriptor';
import { backwardCasted, castIndices, gatherReduce, gatherReduceBatchedPrepared, firstBitDifference, Rng } from '../../model';
import { aheadErrorScenario, writeBehindErrorScenario, badProgramProblems, badProgramScenario, busOf, configUnderTest, engineTarget, makeCase, runProblem, smallBatch, testShape } from './helpers';

const target = engineTarget();
// The 2-channel configuration: the build forward.test.ts also uses (one Verilator build, shared through the cache).
const twoChannels = configUnderTest('engine-d256c2');

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
    const firstOp = (r: AxiResult) => countersOfEach(r, 2)[0]!;
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

  test('engine-d256c2: an error in one channel ends the operation in both (the other stops early), reports the failing channel\'s address; nothing open; the next operation is clean', async () => {
    const shape = twoChannels.shape;
    // dim 17 on 256-bit beats: 3 beats a row; channel 0 takes beats 0-1, channel 1 beat 2.
    const c = makeCase({ rows: 300, dim: 17, bags: 120, maxBag: 12, zipf: false, idx64: false, off64: false, includeLast: false,
      pad: null, padRate: 0, specials: false, mode: 'sum', psw: false, seed: 21 });
    const row = (c.indices as Int32Array)[3]!;
    const clean = forwardScenario(c, shape, { base: 0x400000 });
    const make = (name: string, at: (l: ForwardScenario['layout']) => { lo: number; resp: 'SLVERR' | 'DECERR'; dir: 'r' | 'w' }) => {
      const s = forwardScenario(c, shape, { name, profile: { reorder: true, readLatency: 20, readJitter: 10, writeLatency: 5 } });
      const e = at(s.layout);
      const scenario: AxiScenario = {
        ...s.scenario, errors: [{ ...e, hi: e.lo + 1 }], watchdogCycles: 5000,
        script: [...s.scenario.script, ...runScript(clean.layout.regs)],
        memory: [...s.scenario.memory!, ...clean.scenario.memory!], dump: [...clean.scenario.dump!],
      };
      return { scenario, addr: e.lo, error: (e.dir === 'r' ? 0x100 : 0x200) | (e.resp === 'SLVERR' ? 2 : 3) };
    };
    const cases = [
      // A row read of channel 1 (its beat 2 of the row): channel 0 must stop too.
      make('c2-row-slverr-channel1', (l) => ({ lo: l.table + row * l.rowStride + 64, resp: 'SLVERR', dir: 'r' })),
      // A write of channel 0 (output row 2's beats 0-1): channel 1 must stop too.
      make('c2-write-decerr-channel0', (l) => ({ lo: l.out + 2 * l.rowStride, resp: 'DECERR', dir: 'w' })),
    ];
    const rs = await simulateAxi(twoChannels.target(), cases.map((x) => x.scenario));
    rs.forEach((r, i) => {
      const x = cases[i]!;
      const name = x.scenario.name;
      expect(r.status, `${name}: ${r.failure ?? r.violation?.message ?? ''}`).toBe('ok');
      const [failed, second] = countersOfEach(r, 2) as [EngineCounters, EngineCounters];
      expect(failed.status, name).toBe(ENGINE_STATUS.DONE | ENGINE_STATUS.ERROR);
      expect(failed.error, name).toBe(x.error);
      expect(Number(failed.errAddr), name).toBe(x.addr);
      // Both channels stopped: the failing operation read far less than the clean one (a channel running on reads
      // two thirds of every row by itself).
      expect(failed.rBeats, name).toBeLessThan(second.rBeats / 3);
      expect(r.counters.m_axi_0!.outstanding + r.counters.m_axi_1!.outstanding, name).toBe(0);
      expect(r.inFlight, name).toEqual([]);
      expect(runProblem(c, clean, r, false), name).toBeUndefined();
    });
  });

  test('every register check of START, broken in turn: DONE | ERROR at once with ERROR.PROGRAM and the CAUSE, no AXI transaction, no hang; a good START afterwards runs', async () => {
    const x = badProgramScenario(testShape, 'bad-programs');
    // Every check the engine makes is exercised (16 only exists with several channels).
    const codes = new Set(x.bad.map((b) => b.cause));
    for (const c of PROGRAM_CHECKS) if (c.code !== 16 || (testShape.channels ?? 1) > 1) expect(codes.has(c.code), `check ${c.code} (${c.what}) is exercised`).toBe(true);
    const [r, alone] = await simulateAxi(target, [x.scenario, x.s.scenario]);
    expect(badProgramProblems(x, r!)).toEqual([]);
    // No transaction from any bad START: the whole run's handshakes are the good operation's alone.
    const bus = (q: AxiResult) => { const m = q.counters.m_axi!; return { ar: m.ar.beats, aw: m.aw.beats, r: m.r.beats, w: m.w.beats }; };
    expect(bus(r!)).toEqual(bus(alone!));
    expect(busOf(r!).outstanding).toBe(0);
    expect(runProblem(x.c, x.s, alone!)).toBeUndefined();
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

describe('engine directed: gradients with specials, the largest batch, a failing descriptor', () => {
  test('NaN, infinities, -0 and subnormals in grad_output: casted backward sum, sum + per_sample_weights, mean and max (masked) equal the model', async () => {
    const sp = [NaN, Infinity, -Infinity, -0, 0, 1e-45, -3e-39, 1.5e-40];
    const built = (['sum', 'sum', 'mean', 'max'] as const).map((mode, i) => {
      const c = makeCase({ rows: 12, dim: 17, bags: 16, maxBag: 10, zipf: true, idx64: i % 2 === 1, off64: false, includeLast: true, pad: i === 3 ? 2 : null, padRate: 0.2, specials: true, mode, psw: i === 1, seed: 40 + i });
      const rng = new Rng(77 + i);
      const B = c.offsets.length - 1;
      const g = Float32Array.from({ length: B * c.dim }, (_, k) => (k % 3 === 0 ? sp[rng.int(sp.length)]! : Math.fround((rng.float() * 2 - 1) * 2 ** (rng.int(60) - 30))));
      const want = backwardCasted({ ...c, mode, gradOutput: g });
      const bc = castedBackwardCase(castIndices({ ...c, mode }), g, c.dim, { argmaxPos: mode === 'max' ? gatherReduce({ ...c, mode }).argmaxPos : null });
      return { bc, want, s: forwardScenario(bc, testShape, { name: `grad-specials-${mode}-${i}`, profile: { readLatency: 30, readJitter: 20, reorder: true, interleave: true } }) };
    });
    const rs = await simulateAxi(target, built.map((b) => b.s.scenario));
    rs.forEach((r, i) => expect(runProblem(built[i]!.bc, built[i]!.s, r, true, built[i]!.want.values), built[i]!.s.scenario.name).toBeUndefined());
    // The specials did reach the results.
    const all = built.flatMap((b) => Array.from(b.want.values));
    expect(all.some((x) => Number.isNaN(x))).toBe(true);
    expect(all.some((x) => x === Infinity || x === -Infinity)).toBe(true);
  });

  test('the largest batch that simulates quickly: 4096 bags at the largest dim, max mode with its argmax', async () => {
    const c = { ...makeCase({ rows: 500, dim: testShape.maxDim, bags: 4096, maxBag: 3, zipf: true, idx64: false, off64: false, includeLast: false, pad: 7, padRate: 0.1, specials: false, mode: 'max', psw: false, seed: 8 }), argmax: true };
    const s = forwardScenario(c, testShape, { name: 'largest-batch', profile: { readLatency: 20, readJitter: 10, reorder: true, maxReads: 32 }, maxCycles: 5_000_000 });
    s.scenario.watchdogCycles = 50_000;
    const [r] = await simulateAxi(target, [s.scenario]);
    expect(s.layout.numBags).toBe(4096);
    expect(runProblem(c, s, r!)).toBeUndefined();
  });

  test('a batch whose second descriptor breaks a check (ROW_STRIDE not a beat multiple): ERROR.PROGRAM, CAUSE 6, TABLE_AT = 1, nothing open; the fixed batch is clean', async () => {
    const { bags, weights, s } = smallBatch('desc-check', 5, 4, 11);
    const mem = s.scenario.memory!;
    const list = mem[mem.length - 1]!;
    // The broken list: table 1's ROW_STRIDE 4 bytes past a beat multiple; the good list stays where the batch put it.
    const broken = new Uint8Array(list.bytes.buffer.slice(list.bytes.byteOffset, list.bytes.byteOffset + list.bytes.byteLength));
    const view = new DataView(broken.buffer);
    const at = DESC_BYTES + ENGINE_DESCRIPTOR.offsets.ROW_STRIDE;
    view.setUint32(at, view.getUint32(at, true) + 4, true);
    const brokenAt = Number(list.addr) + 8 * DESC_BYTES;
    const scenario = { ...s.scenario, memory: [...mem, { addr: brokenAt, bytes: broken }], watchdogCycles: 5000 };
    // The batch's own script twice: first with TABLES_LO at the broken list, then as laid out.
    const first = s.scenario.script.map((o) => (o.op === 'write' && o.addr === ENGINE_REGS.TABLES_LO ? { ...o, data: brokenAt } : o));
    expect(first).not.toEqual(s.scenario.script);
    scenario.script = [...first, ...s.scenario.script];
    const [r] = await simulateAxi(target, [scenario]);
    expect(r!.status, r!.failure ?? r!.violation?.message).toBe('ok');
    const [bad, good] = countersOfEach(r!, 2) as [EngineCounters, EngineCounters];
    expect(bad.status).toBe(ENGINE_STATUS.DONE | ENGINE_STATUS.ERROR);
    expect(bad.error).toBe(0x400 | (6 << 16));
    expect(bad.tableAt).toBe(1);
    expect(endProblem(bad, true)).toMatch(/^table 1's descriptor was refused \(ERROR.CAUSE 6, ROW_STRIDE\)/);
    expect(good.status).toBe(ENGINE_STATUS.DONE);
    expect(good.tableAt).toBe(2);
    expect(r!.counters.m_axi!.outstanding).toBe(0);
    expect(r!.inFlight).toEqual([]);
    expect(firstBitDifference(s.decode(r!)[0]!, gatherReduceBatchedPrepared(bags, weights))).toBe(-1);
  });

  // The next table's descriptor and streams are read while the table before it runs (docs/ENGINE.md, "Descriptors (batched
  // tables)"): a failing read of them waits for that table to end, so the error is the next table's, as if it ran alone.
  test('a batch whose second table\'s index read fails while the first table\'s writes are answered: ERROR, ERR_ADDR, TABLE_AT = 1, the first table\'s output whole, nothing open', async () => {
    const x = aheadErrorScenario('ahead-slverr');
    const [r] = await simulateAxi(target, [x.scenario]);
    expect(x.problem(r!)).toBeUndefined();
    expect(endProblem(countersOf(r!), true)).toMatch(/^in table 1: STATUS 0x[0-9a-f]+, ERROR 0x102 at 0x/);
  });

  // A table starts without waiting for the answers to the writes of the one before it; its own writes wait for them,
  // so a write error is still the table's that wrote, and the tables after it have written nothing.
  test('a batch whose first table\'s last write fails, answered after the second table started: ERROR, ERR_ADDR, TABLE_AT = 0, the later tables\' output untouched, nothing open', async () => {
    const x = writeBehindErrorScenario('write-behind-decerr');
    const [r] = await simulateAxi(target, [x.scenario]);
    expect(x.problem(r!)).toBeUndefined();
  });

  test('a batch whose second descriptor read fails: ERROR, ERR_ADDR, TABLE_AT = 1, nothing open; the next START is clean', async () => {
    const { bags, weights, s } = smallBatch('desc-slverr', 6, 5, 3);
    const mem = s.scenario.memory!;
    const list = Number(mem[mem.length - 1]!.addr);
    const scenario = { ...s.scenario, errors: [{ lo: list + DESC_BYTES, hi: list + DESC_BYTES + 4, resp: 'SLVERR' as const, dir: 'r' as const }], watchdogCycles: 5000 };
    // The rerun: the same batch with the descriptor list moved past the error range.
    const moved = list + 4 * DESC_BYTES;
    scenario.memory = [...mem, { addr: moved, bytes: mem[mem.length - 1]!.bytes }];
    scenario.script = [...s.scenario.script, ...runScript([['TABLES_LO', moved]])];
    const [r] = await simulateAxi(target, [scenario]);
    expect(r!.status, r!.failure ?? r!.violation?.message).toBe('ok');
    // TABLE_AT is among the counters each operation reads back.
    const [first, second] = countersOfEach(r!, 2) as [EngineCounters, EngineCounters];
    expect(first.status).toBe(ENGINE_STATUS.DONE | ENGINE_STATUS.ERROR);
    expect(first.error).toBe(0x100 | 2);
    expect(Number(first.errAddr)).toBe(list + DESC_BYTES);
    expect(first.tableAt).toBe(1);
    expect(second.status).toBe(ENGINE_STATUS.DONE);
    expect(second.tableAt).toBe(2);
    expect(r!.counters.m_axi!.outstanding).toBe(0);
    expect(r!.inFlight).toEqual([]);
    const got = s.decode(r!)[0]!;
    expect(firstBitDifference(got, gatherReduceBatchedPrepared(bags, weights))).toBe(-1);
  });
});
