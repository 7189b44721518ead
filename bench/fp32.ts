/** `npm run bench -- fp32`: the full sweep of the IEEE-754 binary32 units (what it measures and its options: `help` below). */
import { benchOptions, type Benchmark } from './run';
import designs, { FP32_DEFAULTS } from '../designs/fp32';
import { generate } from '../generator/back/design';
import type { Module } from '../generator/hdl/module';
import { Fp32Add, Fp32Div, Fp32FromUInt, Fp32Max, Fp32Mul, Fp32Sqrt } from '../generator/stdlib/float';
import { synthYosys } from '../sim/checks';
import { Progress, step } from '../cli/progress';
import { UnitSim, randomVectors, type Mismatch, type UnitKind } from '../sim/fp32';
import { choiceListOption, intOption } from '../cli/io';

const KINDS: UnitKind[] = ['add', 'mul', 'div', 'sqrt', 'max', 'u2f'];
const DESIGN: Record<UnitKind, string> = {
  add: `fp32-add-s${FP32_DEFAULTS.add}`,
  mul: `fp32-mul-s${FP32_DEFAULTS.mul}`,
  div: `fp32-div-s${FP32_DEFAULTS.div}`,
  sqrt: `fp32-sqrt-s${FP32_DEFAULTS.sqrt}`,
  max: `fp32-max-s${FP32_DEFAULTS.max}`,
  u2f: `fp32-u2f-w32-s${FP32_DEFAULTS.u2f}`,
};
/** Latency settings synthesised per unit. */
const SWEEP: Record<UnitKind, number[]> = {
  add: [1, 2, 3, 4, 6],
  mul: [1, 2, 3, 4, 7],
  div: [4, 8, 12, 16, 28],
  sqrt: [4, 8, 12, 16, 27],
  max: [0, 1],
  u2f: [1, 2, 3],
};
const MAKE: Record<UnitKind, (stages: number) => Module> = {
  add: (s) => new Fp32Add({ stages: s }),
  mul: (s) => new Fp32Mul({ stages: s }),
  div: (s) => new Fp32Div({ stages: s }),
  sqrt: (s) => new Fp32Sqrt({ stages: s }),
  max: (s) => new Fp32Max({ stages: s }),
  u2f: (s) => new Fp32FromUInt({ width: 32, stages: s }),
};

const MAX_VECTORS = 1_000_000_000;
/** Seeds stay exact in the per-batch seed arithmetic (seed × 1,000,003 + batch × 7919). */
const MAX_SEED = 0x7fffffff;

interface Args { vectors: number; units: UnitKind[]; seed: number; synth: boolean; sim: boolean }

const help = `npm run bench -- fp32: the full sweep of the IEEE-754 binary32 units (docs/FP32.md)

Usage: npm run bench -- fp32 [--vectors N] [--units ${KINDS.join(',')}] [--seed S] [--no-synth] [--no-sim]

1. Co-simulation: each shipped unit (designs/fp32.ts, the builds \`npm test\`
   caches) runs N class-covering random vectors through Verilator, bit-exact
   against Math.fround of the exact operation (NaN by class), with a progress
   bar on a terminal.
2. Synthesis: for each unit and a few latency settings
   (${KINDS.map((k) => `${k} ${SWEEP[k].join('/')}`).join('; ')}),
   the Yosys generic \`synth\` cell count, flip-flops and logic depth (\`ltp -noff\`
   after flattening), plus check/latch verdicts.

Options:
  --vectors N   random vectors per unit (default 10000000; 1..${MAX_VECTORS})
  --units LIST  comma-separated units to sweep: ${KINDS.join(', ')} (default all)
  --seed S      seed of the random vectors (default 1; 0..${MAX_SEED})
  --no-synth    skip the synthesis sweep (default: run it)
  --no-sim      skip the co-simulation (default: run it)

Writes bench/results/fp32.json. Needs Verilator (co-simulation) and Yosys (synthesis).
Exit codes: 0 ok; 1 a mismatch or a latch or a failed Yosys check (the figures
are written all the same); 2 bad option; 3 missing tool; 70 internal error.`;

interface SimFigures { unit: UnitKind; design: string; latency: number; vectors: number; failures: number; validErrors: number; mismatches: Mismatch[]; seconds: number; vectorsPerSecond: number; pass: boolean }
interface SynthFigures { unit: UnitKind; module: string; stages: number; cells: number; flipFlops: number; logicDepth: number; latches: number; checkOk: boolean; seconds: number }

const BATCH = 500_000;

async function simulateUnit(kind: UnitKind, n: number, seed: number): Promise<SimFigures> {
  const entry = designs.find((d) => d.name === DESIGN[kind])!;
  const latency = FP32_DEFAULTS[kind];
  const sim = await UnitSim.open(kind, entry.make(), latency);
  const t0 = performance.now();
  let vectors = 0, failures = 0, validErrors = 0;
  const mismatches: Mismatch[] = [];
  const bar = new Progress(`fp32 ${kind.padEnd(4)}`, n);
  try {
    for (let done = 0, batch = 0; done < n; done += BATCH, batch++) {
      const count = Math.min(BATCH, n - done);
      // Seeds per batch: reproducible, and different from npm test's seeds.
      const r = await sim.check(randomVectors(kind, count, seed * 1_000_003 + batch * 7919 + KINDS.indexOf(kind)), {
        onProgress: (k) => {
          const all = done + k;
          const rate = all / ((performance.now() - t0) / 1000);
          bar.update(all, `${failures} mismatches, ${Math.round(rate / 1000)}k vectors/s`);
        },
      });
      vectors += r.count;
      failures += r.failures;
      validErrors += r.validErrors;
      for (const m of r.mismatches) if (mismatches.length < 10) mismatches.push({ ...m, index: m.index + done });
    }
  } finally {
    await sim.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  bar.done();
  console.log(`fp32 ${kind.padEnd(4)} ${vectors.toLocaleString('en-US')} vectors, ${failures} mismatches, ${seconds.toFixed(1)} s`);
  return { unit: kind, design: DESIGN[kind], latency, vectors, failures, validErrors, mismatches, seconds: +seconds.toFixed(2), vectorsPerSecond: Math.round(vectors / seconds), pass: failures === 0 && validErrors === 0 };
}

async function synthUnit(kind: UnitKind, stages: number): Promise<SynthFigures> {
  const d = generate(MAKE[kind](stages));
  const end = step(`fp32 synth ${d.top}`);
  const t0 = performance.now();
  const r = await synthYosys({ top: d.top, sources: d.modules.map((m) => ({ name: `${m.name}.v`, text: m.text })) });
  const seconds = (performance.now() - t0) / 1000;
  if (r.errors.length) throw new Error(`yosys failed on ${d.top}: ${r.errors.join('; ')}`);
  const flipFlops = Object.entries(r.cellTypes).filter(([t]) => /DFF/.test(t)).reduce((a, [, c]) => a + c, 0);
  end();
  console.log(`fp32 synth ${d.top}: ${r.cells} cells, depth ${r.logicDepth}`);
  return { unit: kind, module: d.top, stages, cells: r.cells, flipFlops, logicDepth: r.logicDepth, latches: r.latches, checkOk: r.ok, seconds: +seconds.toFixed(2) };
}

const bench: Benchmark<Args> = {
  name: 'fp32',
  summary: 'fp32 units: 10M random vectors each in Verilator (bit-exact), Yosys cells and depth per latency',
  help,
  parse(argv) {
    const values = benchOptions('fp32', argv, {
      vectors: { type: 'string' }, units: { type: 'string' }, seed: { type: 'string' }, 'no-synth': { type: 'boolean' }, 'no-sim': { type: 'boolean' },
    });
    return {
      vectors: intOption('--vectors', values.vectors, 10_000_000, 1, MAX_VECTORS),
      units: choiceListOption('--units', values.units, KINDS, KINDS),
      seed: intOption('--seed', values.seed, 1, 0, MAX_SEED),
      synth: values['no-synth'] !== true,
      sim: values['no-sim'] !== true,
    };
  },
  async run(args) {
    const simFigures: SimFigures[] = [];
    const synthFigures: SynthFigures[] = [];
    if (args.sim) for (const k of args.units) simFigures.push(await simulateUnit(k, args.vectors, args.seed));
    if (args.synth) for (const k of args.units) for (const s of SWEEP[k]) synthFigures.push(await synthUnit(k, s));
    const failed = simFigures.filter((f) => !f.pass);
    const bad = synthFigures.filter((f) => !f.checkOk || f.latches > 0);
    console.log('unit  design            vectors      mismatches  vectors/s');
    for (const f of simFigures) console.log(`${f.unit.padEnd(5)} ${f.design.padEnd(17)} ${String(f.vectors).padStart(10)}  ${String(f.failures).padStart(10)}  ${f.vectorsPerSecond}`);
    console.log('module                 stages  cells  flops  depth');
    for (const f of synthFigures) console.log(`${f.module.padEnd(22)} ${String(f.stages).padStart(6)} ${String(f.cells).padStart(6)} ${String(f.flipFlops).padStart(6)} ${String(f.logicDepth).padStart(6)}`);
    if (failed.length || bad.length) process.exitCode = 1;
    return {
      reference: 'Math.fround of the exact binary64 operation (correctly rounded for + - * / sqrt); NaN by class (arithmetic units: exactly 0x7FC00000)',
      pass: failed.length === 0 && bad.length === 0,
      simulation: simFigures,
      synthesis: synthFigures,
    };
  },
};

export default bench;
