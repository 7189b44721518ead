/**
 * `--json` on every command: standard output is one JSON document (the
 * results a script reads), errors included (`{"error": {...}}` with the same
 * exit code as without --json); and progress stays off standard error when it
 * is not a terminal, shows on one.
 *
 * Cheap cases only: the Verilator builds are the ones the rest of the suite
 * makes (the DMA of test/axi, the engine of test/engine and test/cli/run, the
 * queue of test/cli/cli.test.ts).
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../generator/hdl/source';
import { tcast } from './tcast';

const tmp = mkdtempSync(join(tmpdir(), 'tcast-json-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const examples = join(projectRoot, 'examples/cases');

/**
 * stderr without the one notice a cold cache may add: another process (a test file running beside this one) holding
 * the build lock of the same model. That notice is not progress: it says why the command waits.
 */
const stderrOf = (r: { stderr: string }): string => r.stderr.split('\n').filter((l) => !/^tcast \S+: waiting for the build lock /.test(l)).join('\n');

/** Runs `tcast ARGS` and parses its whole standard output as one JSON document. */
async function json(code: number, ...args: string[]): Promise<Record<string, unknown> & unknown[]> {
  const r = await tcast(...args);
  expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(code);
  // Not a terminal: no progress on stderr; a failure's one line only.
  const err = stderrOf(r);
  expect(err, args.join(' ')).toBe(code === 0 ? '' : err.split('\n')[0]);
  return JSON.parse(r.stdout) as Record<string, unknown> & unknown[];
}

describe.concurrent('every command prints one JSON document with --json', () => {
  test('tcast --version', async () => {
    expect(await json(0, '--version', '--json')).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  test('generate (--sv-wrapper; --check)', async () => {
    const out = join(tmp, 'gen');
    const g = await json(0, 'generate', 'dma-d64-r4-b16', 'queue-d4-w8-reg', '--out', out, '--sv-wrapper', '--json');
    expect(g.designs).toEqual([
      expect.objectContaining({ name: 'dma-d64-r4-b16', svWrapper: 'AxiDma_d64_a32_r4_b16_w4_sv.sv' }),
      expect.objectContaining({ name: 'queue-d4-w8-reg', svWrapper: null }),
    ]);
    const drift = await json(1, 'generate', 'dma-d64-r4-b16', 'queue-d4-w8-reg', '--out', out, '--check', '--json');
    expect(drift.drift).toEqual(expect.arrayContaining([expect.stringMatching(/AxiDma_d64_a32_r4_b16_w4_sv\.sv$/)]));
  });

  test('check', async () => {
    const r = await json(0, 'check', 'queue-d1-w8-reg', '--json');
    expect(r).toEqual([expect.objectContaining({ design: 'queue-d1-w8-reg', ok: true })]);
    const h = await json(0, 'check', 'queue-d1-w8-reg', '--hierarchical', '--json') as { synth: { flow: string; cells: number; logicDepth: null } }[];
    expect(h[0]!.synth).toEqual(expect.objectContaining({ flow: 'hierarchical', cells: (r as { synth: { cells: number } }[])[0]!.synth.cells, logicDepth: null }));
  });

  test('sim (the outputs to a file, the summary on stdout)', async () => {
    const v = join(tmp, 'v.txt');
    writeFileSync(v, 'enq_valid enq_bits deq_ready\n1 0x11 0\n1 0x22 1\n0 0 1\n');
    const r = await json(0, 'sim', 'queue-d4-w8-reg', '--vectors', v, '--out', join(tmp, 'sim.json'), '--json');
    expect(r).toEqual({ design: 'queue-d4-w8-reg', cycles: 3, out: join(tmp, 'sim.json'), traceFst: null });
  });

  test('model and run on an example case', async () => {
    const m = await json(0, 'model', join(examples, 'max-forward'), '--out', join(tmp, 'model'), '--json');
    expect(m.files).toEqual(['output.npy']);
    const r = await json(0, 'run', join(examples, 'max-forward'), '--out', join(tmp, 'run'), '--timing', 'fast', '--json');
    expect(r).toEqual(expect.objectContaining({ config: 'engine-d128', ops: [expect.objectContaining({ op: 'forward' })] }));
  });

  test('demo (tiny workload)', async () => {
    const r = await json(0, 'demo', '--workload', 'tiny', '--timing', 'fast', '--json');
    expect(r).toEqual(expect.objectContaining({ workload: 'tiny', match: true, problems: [] }));
  });

  test('dma', async () => {
    const r = await json(0, 'dma', '--len', '256', '--json');
    expect(r).toEqual(expect.objectContaining({ status: 'ok', exact: true }));
  });

  test('formal', async () => {
    const r = await json(0, 'formal', 'queue-d1-w8-reg', '--depth', '4', '--vcd', join(tmp, 'cex.vcd'), '--json');
    expect(r).toEqual(expect.objectContaining({ design: 'queue-d1-w8-reg', status: 'pass', depth: 4 }));
  });

  test('report', async () => {
    const res = join(tmp, 'engine.json');
    writeFileSync(res, JSON.stringify({ runs: [{ op: 'forward', dim: 64, dataBits: 512, readLatency: 100, memoryMaxReads: 256, lookups: 2048, bags: 256, cycles: 9000, rUtilisation: 0.9 }] }));
    const r = await json(0, 'report', res, '--out', join(tmp, 'report'), '--json');
    expect(r).toEqual(expect.objectContaining({ page: join(tmp, 'report', 'index.html'), files: [{ file: res, runs: 1 }] }));
  });

  test('traffic', async () => {
    const r = await json(0, 'traffic', join(examples, 'sum-sgd'), '--memory', 'shared', '--json');
    expect(r).toEqual(expect.objectContaining({ optimizer: 'sgd', memories: [{ memory: 'shared', busBytes: 64, turnaround: 0 }], speedup: { shared: expect.any(Number) } }));
  });

  test('init', async () => {
    const r = await json(0, 'init', join(tmp, 'proj'), '--json');
    expect(r.files).toEqual(expect.arrayContaining(['package.json', 'src/counter.ts']));
  });

  test('errors: the same exit code, the one line on stderr, {"error": ...} on stdout', async () => {
    mkdirSync(join(tmp, 'not-a-case'), { recursive: true });
    const cases: [string[], number, RegExp][] = [
      [['model', join(tmp, 'not-a-case'), '--json'], 2, /case\.json/],
      [['frobnicate', '--json'], 2, /unknown command 'frobnicate'/],
    ];
    await Promise.all(cases.map(async ([args, code, re]) => {
      const r = await json(code, ...args);
      expect(r, args.join(' ')).toEqual({ error: { command: args[0], message: expect.stringMatching(re), exitCode: code } });
    }));
  });
});

describe('progress', () => {
  test('off a terminal a command that builds and simulates writes nothing on stderr (without --json too); on a terminal it shows its steps', async () => {
    const piped = await tcast('dma', '--len', '256');
    expect(piped.exitCode, piped.stderr).toBe(0);
    expect(stderrOf(piped)).toBe('');
    expect(piped.stdout).toMatch(/byte-exact/);
    // script(1) runs it on a pseudo-terminal (stdout and stderr both go to it).
    const tty = await execa('script', ['-qec', `${process.execPath} ${join(projectRoot, 'bin/tcast.js')} dma --len 256`, '/dev/null'], { cwd: projectRoot, reject: false, env: { TCAST_PROGRESS: '' } });
    expect(tty.exitCode, tty.stdout).toBe(0);
    expect(tty.stdout).toMatch(/building AxiDma_d64_a32_r4_b16_w4 with Verilator\.\.\. \d+\.\d s, (cached|built)/);
    expect(tty.stdout).toMatch(/copying 256 bytes through the AXI memory model\.\.\. \d+\.\d s/);
    expect(tty.stdout).toMatch(/byte-exact/);
  });
});
