/**
 * The expression semantics of the DSL, end to end: a module computing every
 * operator (widths 1..71, signed and unsigned, shared subexpressions that
 * become temporaries) is co-simulated in Verilator on random and corner
 * inputs and compared bit for bit with a BigInt model of the width rules in
 * generator/hdl/ir.ts. A wrong width, a missing sign extension or a
 * context-dependent Verilog widening in the back end shows up here.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { Bool, In, Module, Out, Reg, SInt, UInt, cat, generate, mux, type Value } from '../../generator';
import { targetOf } from '../../sim/design';
import { simulate } from '../../sim/vectors';
import { lintVerilator, synthYosys } from '../../sim/checks';

type In = { a: bigint; b: bigint; c: bigint; sa: bigint; sb: bigint; sh: bigint; sel: bigint; w1: bigint; w2: bigint };
const INPUTS: [keyof In, number, boolean][] = [
  ['a', 8, false], ['b', 8, false], ['c', 13, false], ['sa', 8, true], ['sb', 8, true], ['sh', 3, false], ['sel', 1, false], ['w1', 70, false], ['w2', 70, false],
];

const mask = (x: bigint, w: number): bigint => x & ((1n << BigInt(w)) - 1n);
const sval = (x: bigint, w: number): bigint => (x >> BigInt(w - 1)) & 1n ? x - (1n << BigInt(w)) : x;

/** name, width, DSL expression, reference (on unsigned bit patterns; signed inputs via sval). */
type Case = [string, number, (v: Record<keyof In, Value>) => Value, (x: In) => bigint];
const CASES: Case[] = [
  ['add', 9, (v) => v.a.add(v.b), (x) => x.a + x.b],
  ['addw', 8, (v) => v.a.addWrap(v.b), (x) => x.a + x.b],
  ['sub', 9, (v) => v.a.sub(v.b), (x) => x.a - x.b],
  ['subw', 8, (v) => v.a.subWrap(v.b), (x) => x.a - x.b],
  ['mixadd', 14, (v) => v.a.add(v.c), (x) => x.a + x.c],
  ['mul', 21, (v) => v.a.mul(v.c), (x) => x.a * x.c],
  ['mulw', 8, (v) => v.a.mulWrap(v.b), (x) => x.a * x.b],
  ['sadd', 9, (v) => v.sa.add(v.sb).asUInt(), (x) => sval(x.sa, 8) + sval(x.sb, 8)],
  ['ssubw', 8, (v) => v.sa.subWrap(v.sb).asUInt(), (x) => sval(x.sa, 8) - sval(x.sb, 8)],
  ['smul', 16, (v) => v.sa.mul(v.sb).asUInt(), (x) => sval(x.sa, 8) * sval(x.sb, 8)],
  ['sneg', 9, (v) => v.sa.neg().asUInt(), (x) => -sval(x.sa, 8)],
  ['and', 13, (v) => v.a.and(v.c), (x) => x.a & x.c],
  ['or', 13, (v) => v.a.or(v.c), (x) => x.a | x.c],
  ['xor', 13, (v) => v.a.xor(v.c), (x) => x.a ^ x.c],
  ['not', 8, (v) => v.a.not(), (x) => ~x.a],
  ['shl3', 11, (v) => v.a.shl(3), (x) => x.a << 3n],
  ['dshl', 15, (v) => v.a.shl(v.sh), (x) => x.a << x.sh],
  ['shr2', 6, (v) => v.a.shr(2), (x) => x.a >> 2n],
  ['dshr', 8, (v) => v.a.shr(v.sh), (x) => x.a >> x.sh],
  ['sshr2', 6, (v) => v.sa.shr(2).asUInt(), (x) => sval(x.sa, 8) >> 2n],
  ['sdshr', 8, (v) => v.sa.shr(v.sh).asUInt(), (x) => sval(x.sa, 8) >> x.sh],
  ['eq', 1, (v) => v.a.eq(v.b), (x) => BigInt(x.a === x.b)],
  ['ne', 1, (v) => v.a.ne(v.c), (x) => BigInt(x.a !== x.c)],
  ['lt', 1, (v) => v.a.lt(v.b), (x) => BigInt(x.a < x.b)],
  ['ge', 1, (v) => v.c.ge(v.a), (x) => BigInt(x.c >= x.a)],
  ['slt', 1, (v) => v.sa.lt(v.sb), (x) => BigInt(sval(x.sa, 8) < sval(x.sb, 8))],
  ['sle', 1, (v) => v.sa.le(v.sb), (x) => BigInt(sval(x.sa, 8) <= sval(x.sb, 8))],
  ['sgt', 1, (v) => v.sa.gt(v.sb), (x) => BigInt(sval(x.sa, 8) > sval(x.sb, 8))],
  ['cat', 12, (v) => cat(v.a, v.sh, v.sel), (x) => (x.a << 4n) | (x.sh << 1n) | x.sel],
  ['slice', 9, (v) => v.c.bits(11, 3), (x) => x.c >> 3n],
  ['dbit', 1, (v) => v.c.bit(v.sh), (x) => (x.c >> x.sh) & 1n],
  ['sext', 12, (v) => v.sa.pad(12).asUInt(), (x) => sval(x.sa, 8)],
  ['zext', 12, (v) => v.a.zext(12), (x) => x.a],
  ['trunc', 5, (v) => v.c.trunc(5), (x) => x.c],
  ['andr', 1, (v) => v.c.andR(), (x) => BigInt(x.c === (1n << 13n) - 1n)],
  ['orr', 1, (v) => v.c.orR(), (x) => BigInt(x.c !== 0n)],
  ['xorr', 1, (v) => v.c.xorR(), (x) => BigInt(x.c.toString(2).split('').filter((d) => d === '1').length % 2)],
  ['mux', 13, (v) => mux(v.sel, v.a, v.c), (x) => (x.sel ? x.a : x.c)],
  ['shared', 18, (v) => { const t = v.a.add(v.b); return t.mul(t); }, (x) => (x.a + x.b) * (x.a + x.b)],
  ['sharedsum', 11, (v) => { const t = v.sa.mul(v.sb); return t.shr(v.sh).trunc(11).asUInt(); }, (x) => (sval(x.sa, 8) * sval(x.sb, 8)) >> x.sh],
  ['wadd', 71, (v) => v.w1.add(v.w2), (x) => x.w1 + x.w2],
  ['wxor', 70, (v) => v.w1.xor(v.w2), (x) => x.w1 ^ x.w2],
  ['wslice', 10, (v) => v.w1.bits(69, 60), (x) => x.w1 >> 60n],
  ['wlt', 1, (v) => v.w1.lt(v.w2), (x) => BigInt(x.w1 < x.w2)],
  ['wmulw', 70, (v) => v.w1.mulWrap(v.w2), (x) => x.w1 * x.w2],
];

class ExprProbe extends Module {
  readonly io;
  constructor() {
    super();
    const ports: Record<string, ReturnType<typeof In>> = {};
    for (const [n, w, s] of INPUTS) ports[n] = In(s ? SInt(w) : w === 1 ? Bool : UInt(w));
    for (const [n, w] of CASES) ports[`y_${n}`] = Out(UInt(w));
    ports.tick = Out(UInt(8));
    this.io = this.ports(ports) as unknown as Record<string, import('../../generator').Signal>;
  }
  protected build(): void {
    const v = Object.fromEntries(INPUTS.map(([n]) => [n, this.io[n]!])) as unknown as Record<keyof In, Value>;
    for (const [n, , f] of CASES) this.io[`y_${n}`]!.set(f(v));
    const tick = Reg(UInt(8), { init: 0 }); // gives the probe a clock for the cycle harness
    tick.set(tick.addWrap(1));
    this.io.tick!.set(tick);
  }
}

const edge = (w: number): fc.Arbitrary<bigint> => fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << BigInt(w)) - 1n }),
  fc.constantFrom(0n, 1n, (1n << BigInt(w)) - 1n, 1n << BigInt(w - 1), (1n << BigInt(w - 1)) - 1n).map((x) => mask(x, w)),
);
const inputArb = fc.record(Object.fromEntries(INPUTS.map(([n, w]) => [n, edge(w)])) as unknown as { [K in keyof In]: fc.Arbitrary<bigint> });

test('every operator matches the BigInt model bit for bit in Verilator (3000 vectors)', async () => {
  const vectors = fc.sample(inputArb, { numRuns: 3000, seed: 42 });
  const target = targetOf(generate(new ExprProbe()));
  const drive = Object.fromEntries(INPUTS.map(([n]) => [n, vectors.map((x) => x[n])]));
  const [r] = await simulate(target, [{ cycles: vectors.length, drive, watch: CASES.map(([n]) => `y_${n}`) }]);
  const mismatches: string[] = [];
  for (const [n, w, , ref] of CASES) {
    const got = r!.outputs[`y_${n}`]!;
    for (let i = 0; i < vectors.length && mismatches.length < 10; i++) {
      const want = mask(ref(vectors[i]!), w);
      if (got[i] !== want) mismatches.push(`${n}: inputs ${JSON.stringify(vectors[i], (_, x) => (typeof x === 'bigint' ? x.toString() : x))} gave ${got[i]}, model ${want}`);
    }
  }
  expect(mismatches).toEqual([]);
  // The vectors discriminate: a logical shift in place of the arithmetic one would be caught.
  expect(vectors.some((x) => mask(sval(x.sa, 8) >> x.sh, 8) !== mask(x.sa >> x.sh, 8))).toBe(true);
});

test('the operator probe is clean under verilator --lint-only -Wall and Yosys check', async () => {
  const d = generate(new ExprProbe());
  const sources = d.modules.map((m) => ({ name: `${m.name}.v`, text: m.text }));
  const lint = await lintVerilator({ top: d.top, sources });
  expect(lint.warnings.map((w) => `${w.code ?? ''}: ${w.message}`)).toEqual([]);
  const syn = await synthYosys({ top: d.top, sources });
  expect(syn.problems).toEqual([]);
  expect(syn.latches).toBe(0);
});
