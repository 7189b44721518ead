/**
 * `npm run bench -- NAME [options]`: runs bench/NAME.ts, which writes its figures
 * to bench/results/NAME.json. With no NAME, lists the benchmarks;
 * `npm run bench -- NAME --help` prints one benchmark's options.
 *
 * Exit codes as the tcast commands' (cli/command.ts): 0 ok; 1 a check the
 * benchmark makes failed; 2 a bad option (one line naming it); 3 a missing
 * tool; 70 an internal error (with its stack).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ParseArgsConfig } from 'node:util';
import { exitOnSignals } from '../sim/proc';
import { EXIT, environmentMessage, isEntryModule, isUserFacing, parseOptions } from '../cli/command';
import { writeFileAtomic } from '../cli/io';
import { clearProgress } from '../cli/progress';

/**
 * A benchmark: bench/NAME.ts default-exports one; the runner finds it by file
 * name. Options are parsed and checked first (parse does no work), so that a
 * bad option fails in a moment, before any build or simulation.
 */
export interface Benchmark<O = unknown> {
  name: string;
  /** One line for the list (`npm run bench`). */
  summary: string;
  /**
   * The full text for `npm run bench -- NAME --help`: what it measures, every
   * option with its default, and where it writes (bench/results/NAME.json).
   */
  help: string;
  /** Parses and checks the options; throws a UsageError naming the option. */
  parse(argv: string[]): O;
  /** Runs the benchmark and returns the figures to write as JSON. */
  run(opts: O): Promise<Record<string, unknown>>;
}

/** The command line that runs benchmark `name` (for messages and the JSON's `command`). */
export const benchCommand = (name: string): string => `npm run bench -- ${name}`;

/**
 * A check the benchmark makes failed (a simulation that did not end cleanly, a
 * result that differs from its reference): printed without a stack, exit 1.
 */
export class BenchCheckFailed extends Error {
  readonly userFacing = true;
  readonly exitCode: number = EXIT.failed;
  constructor(message: string) {
    super(message);
    this.name = 'BenchCheckFailed';
  }
}

/** A benchmark's options, parsed strictly (parseOptions; an error points at `npm run bench -- NAME --help`). */
export function benchOptions<O extends ParseArgsConfig['options']>(name: string, argv: string[], options: O) {
  return parseOptions(name, argv, options, false, benchCommand(name)).values;
}

const here = dirname(fileURLToPath(import.meta.url));

export function benchmarkNames(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function loadBenchmark(name: string): Promise<Benchmark> {
  return ((await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { default: Benchmark }).default;
}

/**
 * Parses the options, runs the benchmark and writes bench/results/NAME.json;
 * resolves to the exit code. A user-facing error (a bad option or workload, a
 * missing tool, a failed check) is printed without a stack, with its exit code
 * (a bad option: one line pointing at --help); anything else is an internal
 * error, printed with its stack (exit 70).
 */
export async function runBenchmark(b: Benchmark, argv: string[]): Promise<number> {
  const fail = (e: unknown, parsing: boolean): number => {
    clearProgress();
    if (isUserFacing(e)) {
      const hint = parsing && !/ --help'/.test(e.message) ? `; see '${benchCommand(b.name)} --help'` : '';
      console.error(`bench ${b.name}: error: ${e.message}${hint}`);
      return e.exitCode ?? EXIT.usage;
    }
    // A path or the machine (a results folder not writable, no space left), as the tcast commands judge it.
    const env = environmentMessage(e);
    if (env !== undefined) {
      console.error(`bench ${b.name}: error: ${env}`);
      return EXIT.usage;
    }
    console.error(`bench ${b.name}: internal error (please report):`);
    console.error(e instanceof Error ? e.stack : String(e));
    return EXIT.internal;
  };
  let opts: unknown;
  try {
    opts = b.parse(argv);
  } catch (e) {
    return fail(e, true);
  }
  try {
    const figures = await b.run(opts);
    const out = join(here, 'results', `${b.name}.json`);
    mkdirSync(dirname(out), { recursive: true });
    const command = [benchCommand(b.name), ...argv].join(' ');
    writeFileAtomic(out, JSON.stringify({ benchmark: b.name, date: new Date().toISOString(), node: process.version, command, ...figures }, null, 2) + '\n', out);
    console.log(`bench ${b.name}: wrote ${out}`);
    // A benchmark that checks something sets process.exitCode = 1 when the check fails (and still writes its figures).
    return process.exitCode === EXIT.failed ? EXIT.failed : EXIT.ok;
  } catch (e) {
    return fail(e, false);
  }
}

export async function main(argv: string[]): Promise<number> {
  const names = benchmarkNames();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(`Usage: npm run bench -- NAME [options]     (npm run bench -- NAME --help for its options)\n\nBenchmarks:`);
    for (const n of names) console.log(`  ${n.padEnd(10)} ${(await loadBenchmark(n)).summary}`);
    console.log('\nEach writes its figures to bench/results/NAME.json.');
    return name ? EXIT.ok : EXIT.usage;
  }
  if (!names.includes(name)) {
    console.error(`bench: unknown benchmark '${name}'; known: ${names.join(', ')} (npm run bench lists them)`);
    return EXIT.usage;
  }
  const b = await loadBenchmark(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(b.help);
    return EXIT.ok;
  }
  return runBenchmark(b, rest);
}

// `tsx bench/run.ts` (npm run bench); the tests import main without running it.
if (isEntryModule(import.meta.url)) {
  exitOnSignals();
  main(process.argv.slice(2)).then((c) => { process.exitCode = c; }, (e) => { clearProgress(); console.error(e); process.exitCode = EXIT.internal; });
}
