/**
 * The fp32 generators without a Verilator build: pipeline cut placement,
 * every latency setting elaborates with latency = stages and lints clean, and
 * the random vectors cover every operand and result class (docs/FP32.md).
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { generate } from '../../generator/back/design';
import { ElaborationError } from '../../generator/hdl/errors';
import type { Module } from '../../generator/hdl/module';
import { Fp32Add, Fp32Div, Fp32FromUInt, Fp32Max, Fp32Mul, Fp32Sqrt, cutPoints } from '../../generator/stdlib/float';
import { lintVerilator } from '../../sim/checks';
import { directedVectors, fromBits, isNaNBits, randomVectors, reference, type UnitKind } from '../../sim/fp32';

describe('cutPoints', () => {
  test('stages ranks, non-decreasing, the last on the outputs, and the heaviest segment minimal', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 16 }), (w, stages) => {
        const cuts = cutPoints(w, stages);
        expect(cuts.length).toBe(stages);
        expect(cuts[cuts.length - 1]).toBe(w.length);
        for (let i = 1; i < cuts.length; i++) expect(cuts[i]!).toBeGreaterThanOrEqual(cuts[i - 1]!);
        const heaviest = (cs: number[]) => {
          let worst = 0;
          let prev = 0;
          for (const c of cs) {
            worst = Math.max(worst, w.slice(prev, c).reduce((a, b) => a + b, 0));
            prev = c;
          }
          return worst;
        };
        // Brute force over all placements for small cases.
        if (w.length <= 7 && stages <= 4) {
          let best = Infinity;
          const rec = (k: number, from: number, acc: number[]) => {
            if (k === stages - 1) return void (best = Math.min(best, heaviest([...acc, w.length])));
            for (let c = from; c <= w.length; c++) rec(k + 1, c, [...acc, c]);
          };
          rec(0, 0, []);
          expect(heaviest(cuts)).toBe(best);
        }
      }),
    );
  });
  test('stages = 0 is combinational', () => {
    expect(cutPoints([1, 2, 3], 0)).toEqual([]);
  });
});

const SETTINGS: [string, (s: number) => Module, number[]][] = [
  ['add', (s) => new Fp32Add({ stages: s }), [1, 2, 4, 6, 9]],
  ['mul', (s) => new Fp32Mul({ stages: s }), [1, 2, 3, 7]],
  ['div', (s) => new Fp32Div({ stages: s }), [1, 5, 30]],
  ['sqrt', (s) => new Fp32Sqrt({ stages: s }), [1, 5, 27]],
  ['max', (s) => new Fp32Max({ stages: s }), [0, 2]],
  ['u2f', (s) => new Fp32FromUInt({ stages: s }), [1, 3]],
];

describe('every latency setting', () => {
  for (const [name, make, stages] of SETTINGS) {
    test(`${name}: stages ${stages.join(', ')} elaborate with latency = stages and lint clean (verilator -Wall)`, async () => {
      for (const s of stages) {
        const d = generate(make(s));
        const text = d.modules.map((m) => m.text).join('\n');
        // The valid pipeline: exactly `stages` valid registers, and the header states the latency.
        expect((text.match(/reg s\d+_valid;/g) ?? []).length).toBe(s);
        expect(text).toContain(`Latency: ${s} cycle`);
        const lint = await lintVerilator({ top: d.top, sources: d.modules.map((m) => ({ name: `${m.name}.v`, text: m.text })) });
        expect(lint.warnings.map((w) => w.text)).toEqual([]);
        expect(lint.clean).toBe(true);
      }
    });
  }
});

describe('vector classes', () => {
  const cls = (u: number): string => {
    const e = (u >>> 23) & 0xff;
    const f = u & 0x7fffff;
    if (e === 0) return f === 0 ? 'zero' : 'subnormal';
    if (e === 255) return f === 0 ? 'inf' : 'nan';
    if (e >= 117 && e <= 137) return 'near1';
    if (e >= 230) return 'huge';
    if (e <= 20) return 'tiny';
    return 'normal';
  };
  const count = (xs: string[]) => xs.reduce<Record<string, number>>((m, x) => ((m[x] = (m[x] ?? 0) + 1), m), {});
  const N = 200_000;
  for (const kind of ['add', 'mul', 'div', 'sqrt', 'max'] as UnitKind[]) {
    test(`${kind}: every operand class and every result class appears in ${N} random vectors`, () => {
      const vs = randomVectors(kind, N, 1);
      const a = count(vs.map((v) => cls(v.a)));
      const y = count(vs.map((v) => cls(reference(kind, v.a, v.b, v.sub))));
      for (const c of ['zero', 'subnormal', 'near1', 'normal', 'huge', 'inf', 'nan']) expect(a[c] ?? 0, `operand a class ${c}`).toBeGreaterThan(N / 200);
      if (kind !== 'sqrt') {
        const b = count(vs.map((v) => cls(v.b)));
        for (const c of ['zero', 'subnormal', 'near1', 'huge', 'inf', 'nan']) expect(b[c] ?? 0, `operand b class ${c}`).toBeGreaterThan(N / 200);
      }
      const results = kind === 'sqrt' ? ['zero', 'near1', 'nan', 'inf'] : ['zero', 'subnormal', 'near1', 'huge', 'inf', 'nan'];
      for (const c of results) expect(y[c] ?? 0, `result class ${c}`).toBeGreaterThan(N / 1000);
      // Rounded results that underflow or overflow from finite, non-zero operands.
      const fin = (u: number) => !isNaNBits(u) && ((u >>> 23) & 0xff) !== 255 && (u & 0x7fffffff) !== 0;
      if (kind === 'mul' || kind === 'div') {
        const over = vs.filter((v) => fin(v.a) && fin(v.b) && cls(reference(kind, v.a, v.b, 0)) === 'inf').length;
        const under = vs.filter((v) => fin(v.a) && fin(v.b) && cls(reference(kind, v.a, v.b, 0)) === 'zero').length;
        const sub = vs.filter((v) => fin(v.a) && fin(v.b) && cls(reference(kind, v.a, v.b, 0)) === 'subnormal').length;
        expect(over).toBeGreaterThan(100);
        expect(under).toBeGreaterThan(100);
        expect(sub).toBeGreaterThan(100);
      }
      if (kind === 'add') {
        const cancel = vs.filter((v) => fin(v.a) && fin(v.b) && reference('add', v.a, v.b, v.sub) === 0).length;
        expect(cancel).toBeGreaterThan(100);
      }
      console.log(`[fp32] ${kind} random-vector classes: a ${JSON.stringify(a)}; y ${JSON.stringify(y)}`);
    });
  }
  test('the directed sets hold the named corners', () => {
    const add = directedVectors('add');
    const has = (a: number, b: number, sub = 0) => add.some((v) => v.a === a && v.b === b && v.sub === sub);
    expect(has(0x7f800000, 0x7f800000, 1)).toBe(true); // inf - inf
    expect(has(0x3f800000, 0x33800000)).toBe(true); // 1 + 2^-24: tie to even
    expect(directedVectors('mul').some((v) => v.a === 0 && v.b === 0x7f800000)).toBe(true); // 0 * inf
    expect(directedVectors('div').some((v) => v.a === 0 && v.b === 0)).toBe(true); // 0 / 0
    const sq = directedVectors('sqrt');
    expect(sq.some((v) => v.a === 0x80000000)).toBe(true); // sqrt(-0)
    expect(sq.some((v) => fromBits(v.a) < 0)).toBe(true); // sqrt of negatives
  });
});

test('a bad stage count or input width is a named configuration error at the caller\'s line, not a crash', () => {
  for (const make of [() => new Fp32Add({ stages: 0 }), () => new Fp32Max({ stages: -1 }), () => new Fp32Add({ stages: 1.5 }), () => new Fp32FromUInt({ width: 65 })]) {
    expect(make).toThrow(ElaborationError);
    expect(make).toThrow(/BAD PARAMETER: Fp32(Add|Max|FromUInt): (stages must be an integer >= [01], got|width must be 1\.\.64)/);
    expect(make).toThrow(/@\[test\/float\/generator\.test\.ts:\d+\]$/); // the caller's line, not the library's
  }
});
