/**
 * `npm run bench -- NAME --help` and the benchmarks' one-line option errors,
 * without running a benchmark (no Verilator build, no simulation). The matrix
 * (every benchmark, every option) runs in this process through bench/run.ts's
 * main with the console captured; a few subprocesses check what a user sees
 * (exit codes, standard error).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi, type MockInstance } from 'vitest';
import { loadBenchmark, main, runBenchmark, type Benchmark } from '../../bench/run';
import { bench } from './tcast';

const tmp = mkdtempSync(join(tmpdir(), 'tcast-bench-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Spec {
  /** Every option with a valid value other than its default (null: a flag). */
  options: Record<string, string | null>;
  /** Options whose only valid value is the default. */
  onlyDefault?: string[];
  /** An integer option (for the non-numeric and missing-value cases). */
  number: string;
}

/** Every benchmark (the list must match bench/*.ts: a new benchmark gets a row here). */
const BENCHES: Record<string, Spec> = {
  dma: { options: { '--bytes': '65536', '--latency': '50', '--trace-fst': join(tmp, 'w.fst') }, number: '--bytes' },
  elaborate: { options: { '--reps': '2', '--extra': null }, number: '--reps' },
  engine: {
    options: { '--config': 'engine-d128', '--batch': '64', '--lookups': '10', '--rows': '1000', '--dims': '16,32', '--latencies': '10,20', '--indices': 'int64', '--sweep': 'none', '--tables': '4' },
    number: '--batch',
  },
  fp32: { options: { '--vectors': '1000', '--units': 'add,u2f', '--seed': '7', '--no-synth': null, '--no-sim': null }, number: '--vectors' },
  model: { options: { '--preset': 'tiny', '--reps': '1', '--seed': '3', '--batch': '8' }, number: '--reps' },
  sim: { options: { '--cycles': '100', '--design': 'queue-d4-w8-reg' }, onlyDefault: ['--design'], number: '--cycles' },
  simfloor: { options: { '--cycles': '1000', '--lanes': '2,8', '--units': 'add,div', '--valid': 'register,constant' }, number: '--cycles' },
  training: { options: { '--batch': '32', '--dims': '16', '--presets': 'tiny,small', '--tables': '1' }, number: '--tables' },
};
const NAMES = Object.keys(BENCHES);

/** Bad options beyond the unknown, non-numeric and missing ones: [argv, what the message says]. */
const BAD: [string[], RegExp][] = [
  [['engine', '--dims', '16,x'], /each value of --dims must be an integer in 1\.\.128 .*got 'x'/],
  [['engine', '--dims', '256'], /each value of --dims = 256 is out of range; it must be in 1\.\.128/],
  [['engine', '--config', 'engine-d128', '--dims', '128'], /--dims = 128 is out of range; it must be in 1\.\.64/],
  [['engine', '--config', 'nope'], /--config must be one of engine-d128, .*got 'nope'/],
  [['engine', '--batch', '1000000', '--lookups', '1000'], /--batch 1000000 × --lookups 1000 = 1000000000 lookups is more than/],
  [['engine', '--batch', '-5'], /argument is ambiguous/],
  [['engine', '--batch', '2.5'], /--batch must be an integer/],
  [['engine', '--latencies', ''], /each value of --latencies must be an integer .*got ''/],
  [['model', '--preset', 'nope'], /--preset must be one of tiny, .*got 'nope'/],
  [['model', '--batch', '0'], /--batch = 0 is out of range/],
  [['fp32', '--units', 'add,nope'], /each value of --units must be one of add, mul, .*got 'nope'/],
  [['training', '--presets', 'dlrm-benchmark,x'], /each value of --presets must be one of .*got 'x'/],
  [['elaborate', '--reps', '0'], /--reps = 0 is out of range; it must be in 1\.\.1000/],
  [['elaborate', 'extra'], /Unexpected argument 'extra'/],
  [['simfloor', '--lanes', '4,65'], /each value of --lanes = 65 is out of range; it must be in 1\.\.64/],
  [['simfloor', '--valid', 'constant,wire'], /each value of --valid must be one of register, constant; got 'wire'/],
  [['simfloor', '--units', 'add,exp'], /each value of --units must be one of add, mul, max, div, sqrt; got 'exp'/],
  [['sim', '--design', 'queue-d2'], /--design must be one of queue-d4-w8-reg; got 'queue-d2'/],
  [['dma', '--trace-fst', join(tmp, 'no-such-folder', 'w.fst')], /--trace-fst .*no-such-folder.* does not exist; create it first/],
];

let log: MockInstance<typeof console.log>;
let err: MockInstance<typeof console.error>;
beforeEach(() => {
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
  err = vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());
const text = (m: MockInstance<(...a: unknown[]) => void>) => m.mock.calls.map((c) => c.join(' ')).join('\n');

/** Runs `npm run bench -- ARGV` in this process: the exit code and what it printed. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  log.mockClear();
  err.mockClear();
  const code = await main(argv);
  return { code, stdout: text(log), stderr: text(err) };
}

/** The exit code is 2 and stderr is one line naming the benchmark, the problem and the fix, without a stack. */
function expectUsageError(r: { code: number; stderr: string }, name: string, what: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(new RegExp(`^bench ${name}: error: .+; see 'npm run bench -- ${name} --help'$`));
  expect(r.stderr).toMatch(what);
  expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
}

describe('npm run bench', () => {
  test('with no name lists every benchmark (exit 2; --help: exit 0)', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect([...r.stdout.matchAll(/^ {2}([a-z0-9-]+) +\S/gm)].map((m) => m[1])).toEqual(NAMES);
    expect(r.stdout).toContain('npm run bench -- NAME --help');
    expect((await run(['--help'])).code).toBe(0);
    const u = await run(['nope']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^bench: unknown benchmark 'nope'; known: dma, /);
  });

  test.each(NAMES)('%s --help documents every option, its default and the output; each option is accepted and used', async (name) => {
    const b: Benchmark = await loadBenchmark(name);
    const spec = BENCHES[name]!;
    for (const flag of ['--help', '-h']) {
      const r = await run([name, flag]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(b.help);
    }
    expect(b.help).toMatch(new RegExp(`^Usage: npm run bench -- ${name} `, 'm'));
    expect(b.help).toContain(`Writes bench/results/${name}.json`);
    expect(b.help).toMatch(/^Exit codes: /m);
    // The Options section lists exactly the options the benchmark accepts, each with its default.
    const section = b.help.slice(b.help.indexOf('\nOptions:\n'), b.help.indexOf('\nWrites '));
    const documented = [...section.matchAll(/^ {2}(--[a-z0-9-]+)/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(spec.options).sort());
    const entries = section.split(/\n(?= {2}--)/).slice(1);
    for (const e of entries) expect(e, e).toMatch(/\(default/);
    // Each option parses, and changes what the benchmark would run.
    const defaults = b.parse([]);
    for (const [opt, value] of Object.entries(spec.options)) {
      const got = b.parse(value === null ? [opt] : [opt, value]);
      if (spec.onlyDefault?.includes(opt)) expect(got, opt).toEqual(defaults);
      else expect(got, opt).not.toEqual(defaults);
    }
    b.parse(Object.entries(spec.options).flatMap(([o, v]) => (v === null ? [o] : [o, v])));
  });

  test('engine: the default dims are those the configuration takes (engine-d128 stops at 64), so its default run does not fail at the last dim', async () => {
    const b = (await loadBenchmark('engine')) as Benchmark<{ dims: number[] }>;
    expect(b.parse([]).dims).toEqual([16, 64, 128]);
    expect(b.parse(['--config', 'engine-d128']).dims).toEqual([16, 64]);
  });

  test.each(NAMES)('%s: an unknown option, a non-numeric number and a missing value are one line, exit 2', async (name) => {
    const n = BENCHES[name]!.number;
    expectUsageError(await run([name, '--bogus']), name, /Unknown option '--bogus'/);
    expectUsageError(await run([name, n, 'abc']), name, new RegExp(`${n} must be an integer in \\d+\\.\\.\\d+ .*got 'abc'`));
    expectUsageError(await run([name, n]), name, new RegExp(`Option '${n} <value>' argument missing`));
  });

  test.each(BAD)('%j is refused in one line', async (argv, what) => {
    expectUsageError(await run(argv), argv[0]!, what);
  });

  test('an error during a run: user-facing ones are one line with their exit code; others keep the stack (exit 70)', async () => {
    const fake = (fail: () => never): Benchmark => ({ name: 'fake', summary: '', help: '', parse: () => ({}), run: async () => fail() });
    err.mockClear();
    const missing = await runBenchmark(fake(() => { throw Object.assign(new Error('verilator not found: install it'), { userFacing: true, exitCode: 3 }); }), []);
    expect(missing).toBe(3);
    expect(text(err)).toBe('bench fake: error: verilator not found: install it');
    err.mockClear();
    // The machine's or a path's error (as the tcast commands judge it): one line, exit 2, no stack.
    const env = await runBenchmark(fake(() => { throw Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES', syscall: 'open', path: '/r/x.json' }); }), []);
    expect(env).toBe(2);
    expect(text(err)).toBe('bench fake: error: cannot open /r/x.json: permission denied');
    err.mockClear();
    const bug = await runBenchmark(fake(() => { throw new TypeError('x is undefined'); }), []);
    expect(bug).toBe(70);
    expect(text(err)).toMatch(/^bench fake: internal error \(please report\):\nTypeError: x is undefined\n\s+at /);
    // A user-facing error from parse that does not point at --help gets the pointer.
    err.mockClear();
    const parse = await runBenchmark({ ...fake(() => { throw new Error('unreachable'); }), parse: () => { throw Object.assign(new Error('--x is bad'), { userFacing: true }); } }, []);
    expect(parse).toBe(2);
    expect(text(err)).toBe("bench fake: error: --x is bad; see 'npm run bench -- fake --help'");
  });

  test('as a process: --help exits 0, a bad option is one line on stderr with exit 2', async () => {
    // Two processes only (each costs a node start): the matrix above runs in this one.
    const [help, bad] = await Promise.all([bench('engine', '--help'), bench('model', '--reps', 'abc')]);
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^ {2}--batch N +bags per batch \(default 2048/m);
    expect(bad.exitCode, bad.stderr).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe("bench model: error: --reps must be an integer in 1..1000 (decimal, or hex with 0x), got 'abc'; see 'npm run bench -- model --help'");
  });
});
