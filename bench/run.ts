/**
 * `npm run bench -- NAME [options]`: runs bench/NAME.ts, which writes its figures
 * to bench/results/NAME.json. With no NAME, lists the benchmarks.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exitOnSignals } from '../sim/proc';

export interface Benchmark {
  name: string;
  summary: string;
  /** Runs the benchmark and returns the figures to write as JSON. */
  run(argv: string[]): Promise<Record<string, unknown>>;
}

const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  exitOnSignals();
  const names = readdirSync(here)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
    .map((f) => f.slice(0, -3))
    .sort();
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help') {
    console.log('Usage: npm run bench -- NAME [options]\n\nBenchmarks:');
    for (const n of names) {
      const b = ((await import(pathToFileURL(join(here, `${n}.ts`)).href)) as { default: Benchmark }).default;
      console.log(`  ${n.padEnd(10)} ${b.summary}`);
    }
    return name ? 0 : 2;
  }
  if (!names.includes(name)) {
    console.error(`bench: unknown benchmark '${name}'; known: ${names.join(', ')}`);
    return 2;
  }
  const b = ((await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { default: Benchmark }).default;
  const figures = await b.run(rest);
  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${name}.json`);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(out, JSON.stringify({ benchmark: name, date: new Date().toISOString(), node: process.version, ...figures }, null, 2) + '\n');
  console.log(`bench ${name}: wrote ${out}`);
  return 0;
}

main().then((c) => { process.exitCode = c; }, (e) => { console.error(e); process.exitCode = 70; });
