/** `npm run bench -- elaborate`: elaboration and printing time of every shipped design (what it measures and its options: `help` below). */
import { benchOptions, type Benchmark } from './run';
import { DefinitionScope, generate, type VerilogDesign } from '../generator';
import { loadDesigns, type DesignEntry } from '../designs/registry';
import { ENGINE_BENCH_CONFIG } from '../designs/engine';
import { TcastEngine } from '../accel/engine/engine';
import { intOption } from '../cli/io';

const help = `npm run bench -- elaborate: elaborate and print every shipped design

Usage: npm run bench -- elaborate [--reps N] [--extra]

Elaborates every shipped design (designs/) and prints its Verilog, as
\`npm run generate\` does it in memory (keyed definitions shared between the
designs of a pass: DefinitionScope). The first pass is cold (a fresh process,
V8 not warmed up; the names come from the on-disk name tables, or on a first
run of changed sources from one ts-morph parse per file: point TCAST_CACHE_DIR
at an empty folder to measure that); then the best of N warm passes. Reports
wall and CPU time in total and per design, and the naming figures of the
output: declarations and unnamed \`_T\` temporaries. Target (issue 8): every
shipped design elaborates in under 1 s of CPU in total.

Options:
  --reps N   warm passes; the best counts (default 5; 1..1000)
  --extra    add two more copies of the engine's 512-bit configuration
             (ENGINE_BENCH_CONFIG, shipped as engine-d512): the headroom left
             for designs still to come (default: off)

Writes bench/results/elaborate.json. Needs no simulator.
Exit codes: 0 ok; 2 bad option; 70 internal error.`;

const bench: Benchmark<{ reps: number; extra: boolean }> = {
  name: 'elaborate',
  summary: 'elaborate and print every shipped design: cold and warm time, unnamed temporaries',
  help,
  parse(argv) {
    const values = benchOptions('elaborate', argv, { reps: { type: 'string' }, extra: { type: 'boolean' } });
    return { reps: intOption('--reps', values.reps, 5, 1, 1000), extra: values.extra === true };
  },
  async run({ reps, extra }) {
    const designs: DesignEntry[] = await loadDesigns();
    if (extra) {
      for (const name of ['extra-engine-512-a', 'extra-engine-512-b']) {
        designs.push({ name, summary: 'ENGINE_BENCH_CONFIG (bench only)', make: () => new TcastEngine(ENGINE_BENCH_CONFIG) });
      }
    }
    const pass = () => {
      const per: Record<string, number> = {};
      const out: VerilogDesign[] = [];
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      // One DefinitionScope per pass, as generateAll (designs/emit.ts) shares one per run.
      const scope = new DefinitionScope();
      for (const d of designs) {
        const s = performance.now();
        const top = d.make();
        scope.share(top);
        out.push(generate(top));
        per[d.name] = Math.round((performance.now() - s) * 10) / 10;
      }
      const c = process.cpuUsage(c0);
      const wallMs = Math.round(performance.now() - t0);
      // Counted after the clock stops: the figures are elaboration and printing only.
      let decls = 0;
      let temps = 0;
      for (const v of out) {
        for (const m of v.modules) {
          for (const x of m.text.matchAll(/^\s*(?:wire|reg)\s+(?:\[\d+:\d+\]\s+)?([A-Za-z_]\w*)/gm)) {
            decls++;
            if (/^_T(_\d+)?$/.test(x[1]!)) temps++;
          }
        }
      }
      return { wallMs, cpuMs: Math.round((c.user + c.system) / 1000), per, decls, temps };
    };
    const cold = pass();
    console.log(`cold: ${cold.wallMs} ms wall, ${cold.cpuMs} ms CPU for ${designs.length} designs`);
    let best = pass();
    for (let i = 1; i < reps; i++) {
      const p = pass();
      if (p.wallMs < best.wallMs) best = p;
    }
    console.log(`warm (best of ${reps}): ${best.wallMs} ms wall, ${best.cpuMs} ms CPU`);
    console.log(`declarations ${cold.decls}, unnamed _T ${cold.temps} (${((100 * cold.temps) / cold.decls).toFixed(1)}%)`);
    return {
      designs: designs.length,
      extra,
      cold: { wallMs: cold.wallMs, cpuMs: cold.cpuMs, perDesignMs: cold.per },
      warm: { reps, wallMs: best.wallMs, cpuMs: best.cpuMs, perDesignMs: best.per },
      underOneSecondCold: cold.cpuMs < 1000,
      declarations: cold.decls,
      unnamedTemporaries: cold.temps,
      unnamedPercent: Math.round((1000 * cold.temps) / cold.decls) / 10,
    };
  },
};
export default bench;
