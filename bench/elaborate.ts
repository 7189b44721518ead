/**
 * `npm run bench -- elaborate [--reps N]`: elaboration and Verilog printing of
 * every shipped design (designs/), as `npm run generate` does it in memory.
 *
 * The first pass is cold (each source file parsed once with ts-morph for the
 * names, V8 not warmed up); then the best of N warm passes. Reports wall and
 * CPU time in total and per design, and the naming figures of the output:
 * declarations and unnamed `_T` temporaries. Target (issue 8): every shipped
 * design elaborates in under 1 s in total.
 */
import type { Benchmark } from './run';
import { generate } from '../generator';
import { loadDesigns } from '../designs/registry';

function parseArgs(argv: string[]): { reps: number } {
  const out = { reps: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === '--reps' && v !== undefined) { out.reps = Math.max(1, Number.parseInt(v, 10)); i++; }
    else throw new Error(`bench elaborate: unknown option ${a}; options: --reps N`);
  }
  return out;
}

const bench: Benchmark = {
  name: 'elaborate',
  summary: 'elaborate and print every shipped design: cold and warm time, unnamed temporaries',
  async run(argv) {
    const { reps } = parseArgs(argv);
    const designs = await loadDesigns();
    const pass = () => {
      const per: Record<string, number> = {};
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let decls = 0;
      let temps = 0;
      for (const d of designs) {
        const s = performance.now();
        const v = generate(d.make());
        per[d.name] = Math.round((performance.now() - s) * 10) / 10;
        for (const m of v.modules) {
          for (const x of m.text.matchAll(/^\s*(?:wire|reg)\s+(?:\[\d+:\d+\]\s+)?([A-Za-z_]\w*)/gm)) {
            decls++;
            if (/^_T(_\d+)?$/.test(x[1]!)) temps++;
          }
        }
      }
      const c = process.cpuUsage(c0);
      return { wallMs: Math.round(performance.now() - t0), cpuMs: Math.round((c.user + c.system) / 1000), per, decls, temps };
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
      cold: { wallMs: cold.wallMs, cpuMs: cold.cpuMs, perDesignMs: cold.per },
      warm: { reps, wallMs: best.wallMs, cpuMs: best.cpuMs, perDesignMs: best.per },
      underOneSecondCold: cold.wallMs < 1000,
      declarations: cold.decls,
      unnamedTemporaries: cold.temps,
      unnamedPercent: Math.round((1000 * cold.temps) / cold.decls) / 10,
    };
  },
};
export default bench;
