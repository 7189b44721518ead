/**
 * `npm run bench -- simfloor`: how fast Verilator simulates N busy lanes of an
 * fp32 unit alone, with no engine and no AXI harness around them: the floor
 * under the engine's simulated cycles per second (what it measures and its
 * options: `help` below).
 *
 * The design is bench-only (not a shipped design, so not in designs/ or rtl/):
 * N lanes of one unit of generator/stdlib/float, fed every cycle from a 64-bit
 * LFSR inside the design, the lanes' results folded into one output register.
 * The C++ main is minimal (reset, then two evaluations per cycle as the AXI
 * harness does) and is built through sim/build.ts's buildModel: the same
 * recipe as every simulation of the project, cached.
 */
import { loadavg } from 'node:os';
import { execa } from 'execa';
import { BenchCheckFailed, benchOptions, type Benchmark } from './run';
import { Module, Out, Reg, UInt, Bool, cat, lit, mux, instance, named, generate, type Signal, type Value } from '../generator';
import { Fp32Add, Fp32Div, Fp32Max, Fp32Mul, Fp32Sqrt } from '../generator/stdlib/float';
import { ENGINE_BENCH_CONFIG } from '../designs/engine';
import { TcastEngine } from '../accel/engine/engine';
import { buildModel, RECIPE } from '../sim/build';
import { trackChild } from '../sim/proc';
import { requireTool } from '../sim/tools';
import { reference, isNaNBits, QNAN, hex } from '../sim/fp32';
import { step } from '../cli/progress';
import { choiceListOption, intListOption, intOption } from '../cli/io';

// ------------------------------------------------------------------ the units

type Unit = 'add' | 'mul' | 'max' | 'div' | 'sqrt';
const UNITS: Unit[] = ['add', 'mul', 'max', 'div', 'sqrt'];

/** Each unit at the latency the 512-bit bench engine instantiates it with (its lanes' Fp32Max runs at the adder's, the update unit's Fp32Sqrt at the divider's). */
const ENGINE = new TcastEngine(ENGINE_BENCH_CONFIG);
const UNIT: Record<Unit, { latency: number; make(stages: number): Module & { io: { in_valid: Signal; a: Signal; out_valid: Signal; y: Signal; b?: Signal; sub?: Signal } } }> = {
  add: { latency: ENGINE.addLatency, make: (s) => new Fp32Add({ stages: s }) },
  mul: { latency: ENGINE.mulLatency, make: (s) => new Fp32Mul({ stages: s }) },
  max: { latency: ENGINE.addLatency, make: (s) => new Fp32Max({ stages: s }) },
  div: { latency: ENGINE.divLatency, make: (s) => new Fp32Div({ stages: s }) },
  sqrt: { latency: ENGINE.divLatency, make: (s) => new Fp32Sqrt({ stages: s }) },
};

/** The unit's result bits for one lane's operands; the arithmetic units return the canonical NaN. */
function golden(unit: Unit, a: number, b: number): number {
  if (unit === 'max') return reference('max', a, b, 0);
  const y = reference(unit, a, b, 0);
  return isNaNBits(y) ? QNAN : y;
}

// ------------------------------------------------------------------ the design

/** Initial state of the LFSR (any nonzero value). */
const LFSR_INIT = 0x0123456789abcdefn;
/** Lane i's operands: the LFSR rotated left by ROT·i (mod 64; 23 is odd, so up to 64 lanes see distinct rotations)... */
const ROT = 23;
const rotOf = (i: number): number => (ROT * i) % 64;
/** ...its low word XOR KA(i) is a, its high word XOR KB(i) is b. */
const KA = (i: number): number => Math.imul(0x9e3779b9, i + 1) >>> 0;
const KB = (i: number): number => Math.imul(0x85ebca6b, i + 1) >>> 0;

/**
 * How the lanes' in_valid is driven: 'register', a register high from the
 * first cycle after reset on (as an engine's valid is a register), or
 * 'constant', a literal 1.
 */
type ValidKind = 'register' | 'constant';
const VALIDS: ValidKind[] = ['register', 'constant'];

/**
 * N lanes of one fp32 unit, all valid every cycle (see ValidKind), operands from a 64-bit maximal-length LFSR (x^64 + x^63 +
 * x^61 + x^60 + 1). Output: y <= rotl(y, 1) ^ (XOR of the lanes' valid
 * results), so no lane and no cycle can be optimised away or cancel another.
 */
class SimFloor extends Module {
  readonly io;
  constructor(readonly unit: Unit, readonly lanes: number, readonly valid: ValidKind) {
    super();
    this.io = this.ports({ y: Out(UInt(32)) });
  }
  override get moduleName(): string {
    return `SimFloor_${this.unit}_n${this.lanes}${this.valid === 'constant' ? '_c' : ''}`;
  }
  override get doc(): string {
    return `Benchmark only (bench/simfloor.ts): ${this.lanes} busy lane(s) of the fp32 ${this.unit} unit at latency ${UNIT[this.unit].latency}, valid ${this.valid === 'constant' ? 'a constant 1' : 'from a register'}, fed by a 64-bit LFSR, results XOR-folded into y.`;
  }
  protected build(): void {
    const lfsr = Reg(UInt(64), { init: LFSR_INIT });
    lfsr.set(cat(lfsr.bits(62, 0), lfsr.bit(63).xor(lfsr.bit(62)).xor(lfsr.bit(60)).xor(lfsr.bit(59))));
    let run: Value = lit(1, 1);
    if (this.valid === 'register') {
      const r = Reg(Bool, { init: 0 });
      r.set(1);
      run = r;
    }
    let fold: Value = lit(0, 32);
    for (let i = 0; i < this.lanes; i++) {
      const k = rotOf(i);
      const r = k === 0 ? lfsr : cat(lfsr.bits(63 - k, 0), lfsr.bits(63, 64 - k));
      const u = instance(UNIT[this.unit].make(UNIT[this.unit].latency), `lane_${i}`);
      u.io.in_valid.set(run);
      u.io.a.set(named(r.bits(31, 0).xor(lit(KA(i), 32)), `a_${i}`));
      u.io.b?.set(named(r.bits(63, 32).xor(lit(KB(i), 32)), `b_${i}`));
      u.io.sub?.set(0);
      fold = fold.xor(mux(u.io.out_valid, u.io.y, lit(0, 32)));
    }
    const acc = Reg(UInt(32), { init: 0 });
    acc.set(cat(acc.bits(30, 0), acc.bit(31)).xor(named(fold, 'fold')));
    this.io.y.set(acc);
  }
}

/**
 * The golden model of the design: y after `cycles` clock edges out of reset,
 * from the same LFSR sequence and the unit's golden function (model: Math.fround).
 */
function expectedFold(unit: Unit, lanes: number, valid: ValidKind, cycles: number): number {
  const L = UNIT[unit].latency;
  const first = valid === 'register' ? 1 : 0; // the first edge that takes valid inputs
  let hi = Number(LFSR_INIT >> 32n) >>> 0;
  let lo = Number(LFSR_INIT & 0xffffffffn) >>> 0;
  const pending = new Array<number>(L + 1).fill(0); // the fold that arrives at edge t, by t mod (L + 1)
  let acc = 0;
  for (let t = 0; t < cycles; t++) {
    // Inputs taken at edge t come out before edge t + L.
    if (t >= first) {
      let f = 0;
      for (let i = 0; i < lanes; i++) {
        const k = rotOf(i);
        let rh = hi, rl = lo;
        if (k >= 32) [rh, rl] = [rl, rh];
        const s = k % 32;
        if (s) [rh, rl] = [((rh << s) | (rl >>> (32 - s))) >>> 0, ((rl << s) | (rh >>> (32 - s))) >>> 0];
        f ^= golden(unit, (rl ^ KA(i)) >>> 0, (rh ^ KB(i)) >>> 0);
      }
      pending[(t + L) % (L + 1)] = f >>> 0;
    }
    const out = t >= first + L ? pending[t % (L + 1)]! : 0;
    acc = (((acc << 1) | (acc >>> 31)) ^ out) >>> 0;
    const fb = ((hi >>> 31) ^ (hi >>> 30) ^ (hi >>> 28) ^ (hi >>> 27)) & 1;
    hi = ((hi << 1) | (lo >>> 31)) >>> 0;
    lo = ((lo << 1) | fb) >>> 0;
  }
  return acc;
}

// ------------------------------------------------------------------ the C++ main

const RESET_CYCLES = 4;

/** Reset, then `--cycles N` cycles (clock low, eval; clock high, eval); y is read after the first `--check K` of them too. */
const mainCpp = (top: string): string => `// bench/simfloor.ts: the minimal main around V${top}.
#include "V${top}.h"
#include "verilated.h"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

int main(int argc, char** argv) {
    long long cycles = -1, check = 0;
    std::vector<char*> vargs{argv[0]};
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--cycles") && i + 1 < argc) cycles = std::atoll(argv[++i]);
        else if (!std::strcmp(argv[i], "--check") && i + 1 < argc) check = std::atoll(argv[++i]);
        else vargs.push_back(argv[i]);
    }
    if (cycles < 1 || check < 0 || check > cycles) {
        std::fprintf(stderr, "usage: %s --cycles N [--check K (0..N)] [+verilator+...]\\n", argv[0]);
        return 2;
    }
    VerilatedContext* ctx = new VerilatedContext;
    ctx->commandArgs(static_cast<int>(vargs.size()), vargs.data());
    V${top}* top = new V${top}{ctx};
    top->reset = 1;
    for (int c = 0; c < ${RESET_CYCLES}; c++) { top->clock = 0; top->eval(); top->clock = 1; top->eval(); }
    top->reset = 0;
    auto w0 = std::chrono::steady_clock::now();
    std::clock_t c0 = std::clock();
    for (long long c = 0; c < check; c++) { top->clock = 0; top->eval(); top->clock = 1; top->eval(); }
    unsigned yCheck = top->y;
    for (long long c = check; c < cycles; c++) { top->clock = 0; top->eval(); top->clock = 1; top->eval(); }
    double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    std::printf("cycles %lld cpu %.6f wall %.6f check %lld ycheck %08x y %08x\\n", cycles, cpu, wall, check, yCheck, static_cast<unsigned>(top->y));
    top->final();
    delete top;
    delete ctx;
    return 0;
}
`;

// ------------------------------------------------------------------ the benchmark

const MAX_LANES = 64;
const MAX_CYCLES = 1_000_000_000;
/** Cycles of each timed run whose folded output is checked against the golden model. */
const CHECK_CYCLES = 100_000;

interface Args { cycles: number; lanes: number[]; units: Unit[]; valid: ValidKind[] }

const help = `npm run bench -- simfloor: Verilator's speed on busy fp32 lanes alone (the floor under the engine's)

Usage: npm run bench -- simfloor [--cycles N] [--lanes LIST] [--units LIST] [--valid LIST]

For each unit, lane count and kind of valid, a design of that many lanes of the fp32 unit
(generator/stdlib/float) at the engine's latency
(${UNITS.map((u) => `${u} ${UNIT[u].latency}`).join(', ')}), every lane valid every cycle
(--valid), operands from a 64-bit LFSR in the design, the results
XOR-folded into one output register. Built with sim/build.ts's recipe
(${RECIPE.make.join(' ')}; cached) around a minimal C++ main: reset,
then N cycles of two evaluations each (clock low, clock high), timed with
clock() (CPU) and a steady clock (wall). No engine, no AXI harness: the
figure is the cost of the units' arithmetic in the simulator.

Check: the folded output after the first min(N, ${CHECK_CYCLES.toLocaleString('en-US')}) cycles of each
timed run equals the golden model's (the same LFSR sequence through
Math.fround of each operation, canonical NaN), so a broken design is not
measured.

Options:
  --cycles N     cycles per run (default 2000000; 1..${MAX_CYCLES})
  --lanes LIST   comma-separated lane counts (default 1,4,16; each 1..${MAX_LANES})
  --units LIST   comma-separated units: ${UNITS.join(', ')} (default add,mul)
  --valid LIST   the lanes' in_valid, comma-separated: register (a register
                 high from the first cycle after reset on, as the engine's
                 valids are registers), constant (a literal 1) (default register)

Writes bench/results/simfloor.json. Needs Verilator (builds are cached).
Exit codes: 0 ok; 1 a run's output differs from the golden model; 2 bad option;
3 missing tool; 70 internal error.`;

interface RunFigures {
  unit: Unit;
  latency: number;
  lanes: number;
  valid: ValidKind;
  cycles: number;
  cpuSeconds: number;
  wallSeconds: number;
  cyclesPerCpuSecond: number;
  cyclesPerSecond: number;
  cpuMicrosecondsPerCycle: number;
  checkedCycles: number;
  y: string;
  loadAverage: number;
  buildSeconds: number;
}

async function measure(unit: Unit, lanes: number, valid: ValidKind, cycles: number): Promise<RunFigures> {
  const d = generate(new SimFloor(unit, lanes, valid));
  let end = step(`simfloor: building ${d.top}`);
  const b = await buildModel({
    top: d.top,
    sources: d.modules.map((m) => ({ name: `${m.name}.v`, text: m.text })),
    harness: [{ name: 'simfloor_main.cpp', text: mainCpp(d.top) }],
  });
  end(b.cached ? '(cached)' : undefined);
  const check = Math.min(cycles, CHECK_CYCLES);
  end = step(`simfloor: ${d.top}, ${cycles.toLocaleString('en-US')} cycles`);
  const load = loadavg()[0]!;
  const child = execa(b.binary, ['--cycles', String(cycles), '--check', String(check), '+verilator+seed+1', '+verilator+rand+reset+2'], { reject: false, stdin: 'ignore' });
  trackChild(child);
  const r = await child;
  end();
  const m = /^cycles (\d+) cpu ([\d.]+) wall ([\d.]+) check (\d+) ycheck ([0-9a-f]{8}) y ([0-9a-f]{8})$/m.exec(r.stdout);
  if (r.exitCode !== 0 || !m) throw new Error(`simfloor: ${b.binary} exited with ${r.exitCode ?? r.signal}: ${(r.stderr || r.stdout).trim().slice(0, 400)}`);
  const got = parseInt(m[5]!, 16);
  const want = expectedFold(unit, lanes, valid, check);
  if (got !== want) throw new BenchCheckFailed(`${d.top}: the folded output after ${check} cycles is ${hex(got)}, the golden model's is ${hex(want)}: the design or its build is broken, its speed is not measured`);
  const cpu = Number(m[2]), wall = Number(m[3]);
  const f: RunFigures = {
    unit, latency: UNIT[unit].latency, lanes, valid, cycles,
    cpuSeconds: cpu, wallSeconds: wall,
    cyclesPerCpuSecond: Math.round(cycles / cpu),
    cyclesPerSecond: Math.round(cycles / wall),
    cpuMicrosecondsPerCycle: +((cpu / cycles) * 1e6).toFixed(4),
    checkedCycles: check,
    y: hex(parseInt(m[6]!, 16)),
    loadAverage: +load.toFixed(2),
    buildSeconds: b.buildSeconds,
  };
  console.log(`simfloor ${unit.padEnd(4)} ${String(lanes).padStart(2)} lanes, ${valid} valid: ${f.cyclesPerCpuSecond.toLocaleString('en-US')} cycles per CPU second (${f.cpuMicrosecondsPerCycle} µs a cycle), ${f.cyclesPerSecond.toLocaleString('en-US')} per wall second, load ${f.loadAverage}`);
  return f;
}

const bench: Benchmark<Args> = {
  name: 'simfloor',
  summary: 'Verilator on N busy fp32 lanes alone (no engine, no harness): cycles per second, checked',
  help,
  parse(argv) {
    const values = benchOptions('simfloor', argv, { cycles: { type: 'string' }, lanes: { type: 'string' }, units: { type: 'string' }, valid: { type: 'string' } });
    return {
      cycles: intOption('--cycles', values.cycles, 2_000_000, 1, MAX_CYCLES),
      lanes: intListOption('--lanes', values.lanes, [1, 4, 16], 1, MAX_LANES),
      units: choiceListOption('--units', values.units, UNITS, ['add', 'mul']),
      valid: choiceListOption('--valid', values.valid, VALIDS, ['register']),
    };
  },
  async run(args) {
    const runs: RunFigures[] = [];
    const loadBefore = loadavg().map((x) => +x.toFixed(2));
    for (const valid of args.valid) for (const unit of args.units) for (const lanes of args.lanes) runs.push(await measure(unit, lanes, valid, args.cycles));
    console.log('valid     unit  lanes      cycles  cycles/s (CPU)  µs/cycle (CPU)  cycles/s (wall)');
    for (const f of runs) {
      console.log(`${f.valid.padEnd(9)} ${f.unit.padEnd(5)} ${String(f.lanes).padStart(5)} ${String(f.cycles).padStart(11)} ${String(f.cyclesPerCpuSecond).padStart(15)} ${String(f.cpuMicrosecondsPerCycle).padStart(15)} ${String(f.cyclesPerSecond).padStart(16)}`);
    }
    return {
      verilator: requireTool('verilator').versionLine,
      recipe: RECIPE,
      loadAverage: { before: loadBefore, after: loadavg().map((x) => +x.toFixed(2)) },
      check: `the folded output after the first min(cycles, ${CHECK_CYCLES}) cycles of each run equals the golden model's (Math.fround per operation, canonical NaN)`,
      runs,
    };
  },
};

export default bench;
