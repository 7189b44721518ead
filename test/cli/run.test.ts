/**
 * `tcast run`: on every example case directory in the repo, the engine's
 * .npy files equal `tcast model`'s byte for byte, for a case with an optimizer by
 * each of the three --path values (same Verilator build as
 * test/engine: the default configuration is the tested one); a case the
 * configuration cannot run is refused with exit 2 before any simulation.
 */
import { mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcast } from './tcast';
import { describe, expect, test } from 'vitest';
import { projectRoot } from '../../generator/hdl/source';
import { encodeNpy } from '../../model';

const tmp = mkdtempSync(join(tmpdir(), 'tcast-run-'));
const examples = join(projectRoot, 'examples/cases');

describe('tcast run', () => {
  const cases = readdirSync(examples).sort();
  test.each(cases)('%s: tcast run and tcast model write the same bytes', async (name) => {
    const run = await tcast('run', join(examples, name), '--out', join(tmp, `run-${name}`), '--timing', 'random:7');
    expect(run.exitCode, run.stderr).toBe(0);
    const model = await tcast('model', join(examples, name), '--out', join(tmp, `model-${name}`));
    expect(model.exitCode, model.stderr).toBe(0);
    const files = readdirSync(join(tmp, `model-${name}`)).filter((f) => f.endsWith('.npy')).sort();
    expect(readdirSync(join(tmp, `run-${name}`)).filter((f) => f.endsWith('.npy')).sort()).toEqual(files);
    for (const f of files) expect(Buffer.compare(readFileSync(join(tmp, `run-${name}`, f)), readFileSync(join(tmp, `model-${name}`, f))), f).toBe(0);
    const perf = JSON.parse(readFileSync(join(tmp, `run-${name}`, 'perf.json'), 'utf8')) as { ops: { op: string; cycles: number; rUtilisation: number }[] };
    expect(perf.ops[0]!.op).toBe('forward');
    expect(perf.ops[0]!.cycles).toBeGreaterThan(0);
    if ((JSON.parse(readFileSync(join(examples, name, 'case.json'), 'utf8')) as { optimizer: unknown }).optimizer !== null) {
      // The engine updates the weights itself, by each path, with the same bytes.
      expect(files).toContain('weight_updated.npy');
      for (const path of ['casted-unfused', 'baseline']) {
        const out = join(tmp, `run-${name}-${path}`);
        const r = await tcast('run', join(examples, name), '--out', out, '--timing', 'random:8', '--path', path);
        expect(r.exitCode, r.stderr).toBe(0);
        for (const f of files) expect(Buffer.compare(readFileSync(join(out, f)), readFileSync(join(tmp, `model-${name}`, f))), `${path} ${f}`).toBe(0);
      }
    }
  });

  test('a dim larger than the configuration allows is refused with exit 2 and the limit, before simulating', async () => {
    const dir = join(tmp, 'too-wide');
    mkdirSync(dir, { recursive: true });
    for (const f of ['case.json', 'indices.npy', 'offsets.npy']) copyFileSync(join(examples, 'max-forward', f), join(dir, f));
    writeFileSync(join(dir, 'weight.npy'), encodeNpy(new Float32Array(20 * 1000), [20, 1000]));
    const r = await tcast('run', dir, '--out', join(tmp, 'too-wide-out'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/dim 1000 is larger than this configuration's largest dim 64/);
    expect(existsSync(join(tmp, 'too-wide-out'))).toBe(false);
  });

  test('bad options are one-line errors with exit 2', async () => {
    const a = await tcast('run', join(examples, 'max-forward'), '--timing', 'slow');
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/--timing must be fast, dram or random/);
    const b = await tcast('run', join(examples, 'max-forward'), '--config', 'nope');
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/unknown --config 'nope'/);
    const c = await tcast('run', join(examples, 'sum-sgd'), '--path', 'sideways');
    expect(c.exitCode).toBe(2);
    expect(c.stderr).toMatch(/unknown --path 'sideways'/);
    const d = await tcast('run', join(examples, 'max-forward'), '--path', 'baseline');
    expect(d.exitCode).toBe(2);
    expect(d.stderr).toMatch(/--path selects how the engine updates the weights/);
  });
});
