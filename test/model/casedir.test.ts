/**
 * The case-directory interface and `tcast model`: outputs, one-line errors,
 * non-zero exits, and no partial outputs.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main';
import { decodeNpy, encodeNpy, writeBatchedCaseDir, writeCaseDir, type Case } from '../../model/index';

const root = mkdtempSync(join(tmpdir(), 'tcast-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let k = 0;
function caseDir(c: Partial<Omit<Case, 'config'>> & { config?: Partial<Case['config']> } = {}): string {
  const dir = join(root, `c${k++}`);
  const full: Case = {
    rows: 3, dim: 2,
    weight: Float32Array.from([1, 2, 3, 4, 5, 6]),
    indices: BigInt64Array.from([0n, 2n, 1n, 1n]),
    offsets: BigInt64Array.from([0n, 2n]),
    perSampleWeights: null, gradOutput: Float32Array.from([1, 10, 100, 1000]), optimizerState: null,
    ...c,
    config: { mode: 'sum', includeLastOffset: false, paddingIdx: null, optimizer: { kind: 'sgd', lr: 0.5 }, ...c.config },
  };
  writeCaseDir(dir, full);
  return dir;
}

async function tcast(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const lo = vi.spyOn(console, 'log').mockImplementation((...a) => { out.push(a.join(' ')); });
  const le = vi.spyOn(console, 'error').mockImplementation((...a) => { err.push(a.join(' ')); });
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    lo.mockRestore();
    le.mockRestore();
  }
}

const read = (p: string) => decodeNpy(readFileSync(p), p);

describe('tcast model CASE_DIR', () => {
  it('writes output, gradient and the updated weight (sgd) by hand', async () => {
    const dir = caseDir();
    const r = await tcast('model', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote 4 files/);
    const out = join(dir, 'out');
    // bags: [0, 2] → [1+5, 2+6] = [6, 8]; [1, 1] → [6, 8]
    expect(read(join(out, 'output.npy'))).toMatchObject({ dtype: 'float32', shape: [2, 2] });
    expect(Array.from(read(join(out, 'output.npy')).data as Float32Array)).toEqual([6, 8, 6, 8]);
    // rows 0 ← g0, 1 ← g1 + g1, 2 ← g0 : g = [[1, 10], [100, 1000]]
    const rows = read(join(out, 'grad_rows.npy'));
    expect(rows.dtype).toBe('int64');
    expect(Array.from(rows.data as BigInt64Array)).toEqual([0n, 1n, 2n]);
    expect(Array.from(read(join(out, 'grad_values.npy')).data as Float32Array)).toEqual([1, 10, 200, 2000, 1, 10]);
    // sgd lr 0.5: w - 0.5·g
    expect(Array.from(read(join(out, 'weight_updated.npy')).data as Float32Array)).toEqual([0.5, -3, -97, -996, 4.5, 1]);
    expect(existsSync(join(out, 'optimizer_state_updated.npy'))).toBe(false);
  });

  it('rowwise_adagrad writes the state with the input shape; --out chooses the directory', async () => {
    const dir = caseDir({ config: { optimizer: { kind: 'rowwise_adagrad', lr: 0.1, eps: 1e-8 } }, optimizerState: Float32Array.from([1, 2, 3]) });
    const out = join(root, 'elsewhere');
    const r = await tcast('model', dir, '--out', out);
    expect(r.code).toBe(0);
    const st = read(join(out, 'optimizer_state_updated.npy'));
    expect(st.shape).toEqual([3]);
    // row 0: g = [1, 10] → mean g² = (1 + 100) / 2 = 50.5; state 1 + 50.5
    expect((st.data as Float32Array)[0]).toBe(51.5);
    expect(read(join(out, 'weight_updated.npy')).shape).toEqual([3, 2]);
  });

  it('int32 inputs, mean, padding, include_last_offset, no grad_output: only output.npy', async () => {
    const dir = caseDir({
      indices: Int32Array.from([0, 2, 1, 2]), offsets: Int32Array.from([0, 3, 4]), gradOutput: null,
      config: { mode: 'mean', includeLastOffset: true, paddingIdx: -1, optimizer: null },
    });
    const r = await tcast('model', dir);
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['output.npy']);
    // bag0 = rows 0, 1 (2 is padding): [4, 6] / 2 = [2, 3]; bag1 = padding only → [0, 0]
    expect(Array.from(read(join(dir, 'out', 'output.npy')).data as Float32Array)).toEqual([2, 3, 0, 0]);
  });

  it('max mode with "argmax": true writes argmax.npy (int32 [B, dim], the first maximal lookup, -1 for an all-padding bag)', async () => {
    const dir = caseDir({
      weight: Float32Array.from([1, 7, 3, 7, 3, 0]),
      indices: BigInt64Array.from([0n, 2n, 1n, 1n, 2n]), offsets: BigInt64Array.from([0n, 3n, 4n]),
      gradOutput: null, config: { mode: 'max', paddingIdx: 1, optimizer: null, argmax: true },
    });
    const r = await tcast('model', dir);
    expect(r.code, r.err).toBe(0);
    const am = read(join(dir, 'out', 'argmax.npy'));
    expect(am).toMatchObject({ dtype: 'int32', shape: [3, 2] });
    // bag0 = rows 0, 2 (1 is padding): [max(1, 3), max(7, 0)] from positions [1, 0]; bag1 = padding only; bag2 = row 2
    expect(Array.from(am.data as Int32Array)).toEqual([1, 0, -1, -1, 4, 4]);
    expect(Array.from(read(join(dir, 'out', 'output.npy')).data as Float32Array)).toEqual([3, 7, 0, 0, 3, 0]);
  });

  it('a batched case ("tables": T, TBE layout) writes output [B, ΣD] and per-table gradients; stale ones go', async () => {
    const dir = join(root, `c${k++}`);
    const base = {
      mode: 'sum' as const, tables: [{ rows: 3, dim: 2 }, { rows: 2, dim: 1 }],
      weights: [Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([10, 20])],
      // B = 2: table 0 bags [0, 2], [1]; table 1 bags [], [1, 1]
      indices: Int32Array.from([0, 2, 1, 1, 1]), offsets: BigInt64Array.from([0n, 2n, 3n, 3n, 5n]),
      perSampleWeights: null, gradOutput: Float32Array.from([1, 2, 3, 4, 5, 6]),
    };
    writeBatchedCaseDir(dir, base);
    const r = await tcast('model', dir);
    expect(r.code, r.err).toBe(0);
    expect(Array.from(read(join(dir, 'out', 'output.npy')).data as Float32Array)).toEqual([6, 8, 0, 3, 4, 40]);
    expect(Array.from(read(join(dir, 'out', 'grad_rows_0.npy')).data as BigInt64Array)).toEqual([0n, 1n, 2n]);
    expect(Array.from(read(join(dir, 'out', 'grad_values_0.npy')).data as Float32Array)).toEqual([1, 2, 4, 5, 1, 2]);
    expect(Array.from(read(join(dir, 'out', 'grad_rows_1.npy')).data as BigInt64Array)).toEqual([1n]);
    expect(Array.from(read(join(dir, 'out', 'grad_values_1.npy')).data as Float32Array)).toEqual([12]);
    writeBatchedCaseDir(dir, { ...base, tables: [{ rows: 3, dim: 2 }], weights: [base.weights[0]!], offsets: BigInt64Array.from([0n, 2n, 5n]), indices: Int32Array.from([0, 2, 1, 1, 1]), gradOutput: null });
    rmSync(join(dir, 'weight_1.npy'));
    rmSync(join(dir, 'grad_output.npy'));
    expect((await tcast('model', dir)).code).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['output.npy']);
  });

  it('batched cases: max mode, padding, an optimizer, a missing weight file, offsets not T·B+1 are one-line errors', async () => {
    const cases: [Record<string, unknown>, string | null, RegExp][] = [
      [{ mode: 'max', tables: 1 }, null, /pools with "sum" or "mean"/],
      [{ mode: 'sum', tables: 1, padding_idx: 0 }, null, /no padding_idx/],
      [{ mode: 'sum', tables: 1, optimizer: { kind: 'sgd', lr: 1 } }, null, /takes no optimizer/],
      [{ mode: 'sum', tables: 0 }, null, /"tables" is 0/],
      [{ mode: 'sum', tables: 2 }, null, /weight_1\.npy: missing/],
      [{ mode: 'sum', tables: 1 }, 'offsets', /length 2 is not T·B\+1|offsets/],
    ];
    for (const [json, breakIt, re] of cases) {
      const dir = join(root, `c${k++}`);
      writeBatchedCaseDir(dir, { mode: 'sum', tables: [{ rows: 2, dim: 1 }], weights: [Float32Array.from([1, 2])], indices: Int32Array.from([0, 1]), offsets: Int32Array.from([0, 1, 2]), perSampleWeights: null, gradOutput: null });
      writeFileSync(join(dir, 'case.json'), JSON.stringify(json));
      if (breakIt === 'offsets') writeFileSync(join(dir, 'offsets.npy'), encodeNpy(Int32Array.from([0, 3]), [2]));
      const r = await tcast('model', dir);
      expect(r.code, JSON.stringify(json)).toBe(2);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(re);
    }
  });

  const badCases: [string, (dir: string) => void, RegExp][] = [
    ['missing weight.npy', (d) => rmSync(join(d, 'weight.npy')), /weight\.npy: missing/],
    ['bad JSON', (d) => writeFileSync(join(d, 'case.json'), '{"mode": "sum",'), /case\.json: not valid JSON/],
    ['unknown optimizer', (d) => writeFileSync(join(d, 'case.json'), JSON.stringify({ mode: 'sum', include_last_offset: false, padding_idx: null, optimizer: { kind: 'adam', lr: 1 } })), /unknown optimizer kind "adam"/],
    ['unknown mode', (d) => writeFileSync(join(d, 'case.json'), JSON.stringify({ mode: 'prod', include_last_offset: false, padding_idx: null, optimizer: null })), /"mode" is "prod"/],
    ['unknown key', (d) => writeFileSync(join(d, 'case.json'), JSON.stringify({ mode: 'sum', padding: 1 })), /unknown key "padding"/],
    ['wrong dtype', (d) => writeFileSync(join(d, 'indices.npy'), encodeNpy(Float32Array.from([0, 1, 1, 1]), [4])), /indices\.npy: dtype float32, expected int64 or int32/],
    ['wrong grad shape', (d) => writeFileSync(join(d, 'grad_output.npy'), encodeNpy(new Float32Array(6), [3, 2])), /grad_output\.npy: shape \[3, 2\], expected \[2, 2\]/],
    ['weight not 2-D', (d) => writeFileSync(join(d, 'weight.npy'), encodeNpy(new Float32Array(6), [6])), /weight\.npy: shape \[6\] has rank 1, expected rank 2/],
    ['index out of range', (d) => writeFileSync(join(d, 'indices.npy'), encodeNpy(BigInt64Array.from([0n, 2n, 3n, 1n]), [4])), /indices\[2\] = 3 is out of range/],
    ['decreasing offsets', (d) => writeFileSync(join(d, 'offsets.npy'), encodeNpy(BigInt64Array.from([0n, -1n]), [2])), /offsets\[1\] = -1 is less than offsets\[0\] = 0/],
    ['offsets past the end', (d) => writeFileSync(join(d, 'offsets.npy'), encodeNpy(Int32Array.from([0, 5]), [2])), /offsets\[1\] = 5 runs past the end of indices \(length 4\)/],
    ['bags disagree with grad_output', (d) => writeFileSync(join(d, 'offsets.npy'), encodeNpy(Int32Array.from([0, 1, 2]), [3])), /grad_output\.npy: shape \[2, 2\], expected \[3, 2\]/],
    ['not an npy file', (d) => writeFileSync(join(d, 'offsets.npy'), 'hello'), /offsets\.npy: not a NumPy \.npy file/],
    ['optimizer without grad', (d) => rmSync(join(d, 'grad_output.npy')), /grad_output\.npy: missing; case\.json has an optimizer \(sgd\)/],
    ['argmax outside max mode', (d) => writeFileSync(join(d, 'case.json'), JSON.stringify({ mode: 'sum', argmax: true })), /"argmax": true needs "mode": "max"/],
    ['argmax not a boolean', (d) => writeFileSync(join(d, 'case.json'), JSON.stringify({ mode: 'max', argmax: 1 })), /"argmax" is 1; use true or false/],
    ['state for sgd', (d) => writeFileSync(join(d, 'optimizer_state.npy'), encodeNpy(new Float32Array(3), [3])), /sgd has no state/],
  ];

  for (const [name, breakIt, re] of badCases) {
    it(`${name}: one-line error, exit 2, no outputs`, async () => {
      const dir = caseDir();
      breakIt(dir);
      const r = await tcast('model', dir);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^tcast model: error: /);
      expect(r.err).toMatch(re);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    });
  }

  it('a failing rerun leaves an earlier run\'s outputs alone; a successful one drops stale outputs', async () => {
    const dir = caseDir();
    expect((await tcast('model', dir)).code).toBe(0);
    const before = readFileSync(join(dir, 'out', 'output.npy'));
    writeFileSync(join(dir, 'indices.npy'), encodeNpy(BigInt64Array.from([0n, 9n, 1n, 1n]), [4]));
    expect((await tcast('model', dir)).code).toBe(2);
    expect(readFileSync(join(dir, 'out', 'output.npy')).equals(before)).toBe(true);
    writeFileSync(join(dir, 'indices.npy'), encodeNpy(BigInt64Array.from([0n, 1n, 1n, 1n]), [4]));
    writeFileSync(join(dir, 'case.json'), JSON.stringify({ mode: 'sum', include_last_offset: false, padding_idx: null, optimizer: null }));
    rmSync(join(dir, 'grad_output.npy'));
    expect((await tcast('model', dir)).code).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['output.npy']);
  });

  it('usage errors: no case dir, unknown option, missing directory; --help prints exit codes', async () => {
    expect(await tcast('model')).toMatchObject({ code: 2 });
    expect((await tcast('model', 'x', '--frobnicate')).err).toMatch(/unknown option '--frobnicate'/);
    const r = await tcast('model', join(root, 'nope'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no such case directory/);
    const h = await tcast('model', '--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/Usage: tcast model CASE_DIR \[--out OUT_DIR\]/);
    expect(h.out).toMatch(/Exit codes: 0 ok; 2 bad case directory/);
  });
});
