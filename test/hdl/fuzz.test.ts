/**
 * Back-end fuzzing: random expression DAGs (shared subexpressions, mixed
 * signedness, widths up to 80, slices of computed values, signed shifts and
 * compares nested in unsigned arithmetic) are built with the DSL, printed to
 * Verilog, co-simulated in Verilator and compared bit for bit with a direct
 * BigInt interpreter of the IR. The interpreter knows nothing of Verilog, so
 * any context-dependent width or sign rule the printer gets wrong shows up.
 */
import { expect, test } from 'vitest';
import { In, Module, Out, Reg, SInt, UInt, Value, cat, generate, mux, type Signal } from '../../generator';
import { targetOf } from '../../sim/design';
import { simulate } from '../../sim/vectors';
import { lintVerilator } from '../../sim/checks';

const mask = (x: bigint, w: number): bigint => x & ((1n << BigInt(w)) - 1n);
const sval = (x: bigint, w: number): bigint => ((x >> BigInt(w - 1)) & 1n ? x - (1n << BigInt(w)) : x);

/** Evaluates an IR node on input bit patterns; returns its bits (unsigned, below 2^width). */
export function interpret(v: Value, env: Map<Value, bigint>, memo = new Map<Value, bigint>()): bigint {
  const hit = env.get(v) ?? memo.get(v);
  if (hit !== undefined) return hit;
  const a = v.args.map((x) => interpret(x, env, memo));
  const w = v.width;
  const S = (i: number): bigint => sval(a[i]!, v.args[i]!.width);
  let r: bigint;
  switch (v.op) {
    case 'lit': r = v.lit!; break;
    case 'add': r = a[0]! + a[1]!; break;
    case 'sub': r = a[0]! - a[1]!; break;
    case 'mul': r = a[0]! * a[1]!; break;
    case 'and': r = a[0]! & a[1]!; break;
    case 'or': r = a[0]! | a[1]!; break;
    case 'xor': r = a[0]! ^ a[1]!; break;
    case 'not': r = ~a[0]!; break;
    case 'dshl': r = a[0]! << a[1]!; break;
    case 'dshr': r = v.signed ? S(0) >> a[1]! : a[0]! >> a[1]!; break;
    case 'eq': r = BigInt(a[0] === a[1]); break;
    case 'ne': r = BigInt(a[0] !== a[1]); break;
    case 'lt': case 'le': case 'gt': case 'ge': {
      const [x, y] = v.params[0] ? [S(0), S(1)] : [a[0]!, a[1]!];
      r = BigInt(v.op === 'lt' ? x < y : v.op === 'le' ? x <= y : v.op === 'gt' ? x > y : x >= y);
      break;
    }
    case 'mux': r = a[0] ? a[1]! : a[2]!; break;
    case 'slice': r = a[0]! >> BigInt(v.params[1]!); break;
    case 'cat': r = v.args.reduce((acc, x, i) => (acc << BigInt(x.width)) | a[i]!, 0n); break;
    case 'ext': r = v.args[0]!.signed ? S(0) : a[0]!; break;
    case 'cast': r = a[0]!; break;
    case 'andr': r = BigInt(a[0] === mask(-1n, v.args[0]!.width)); break;
    case 'orr': r = BigInt(a[0] !== 0n); break;
    case 'xorr': r = BigInt([...a[0]!.toString(2)].filter((c) => c === '1').length % 2); break;
    default: throw new Error(`interpret: ${v.op}`);
  }
  r = mask(r, w);
  memo.set(v, r);
  return r;
}

/** A small deterministic PRNG (xorshift32). */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = (): number => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  return { int: (n: number) => next() % n, pick: <T>(xs: readonly T[]) => xs[next() % xs.length]!, big: (w: number) => { let x = 0n; for (let i = 0; i < w; i += 30) x = (x << 30n) | BigInt(next() & 0x3fffffff); return mask(x, w); } };
}

const INPUTS: [string, number, boolean][] = [['i0', 7, false], ['i1', 16, true], ['i2', 33, false], ['i3', 1, false], ['i4', 64, true], ['i5', 3, false]];
const OUTPUTS = 48;
const MAXW = 80;

/** Builds OUTPUTS random expressions over the inputs, sharing subexpressions through a pool. */
function randomExprs(ins: Value[], seed: number): Value[] {
  const R = rng(seed);
  const pool: Value[] = [...ins];
  const same = (x: Value, y: Value): [Value, Value] => [x, y.asKind(x.signed)];
  const fit = (x: Value): Value => (x.width > MAXW ? x.trunc(MAXW) : x);
  const step = (): Value => {
    const x = R.pick(pool);
    const y = R.pick(pool);
    const [p, q] = same(x, y);
    switch (R.int(20)) {
      case 0: return fit(p.add(q));
      case 1: return p.addWrap(q);
      case 2: return fit(p.sub(q));
      case 3: return p.subWrap(q);
      case 4: return fit(p.trunc(Math.min(p.width, 24)).mul(q.trunc(Math.min(q.width, 24))));
      case 5: return R.pick([p.and(q), p.or(q), p.xor(q)]);
      case 6: return p.not();
      case 7: return R.pick([p.eq(q), p.ne(q), p.lt(q), p.le(q), p.gt(q), p.ge(q)]);
      case 8: return mux(R.pick(pool.filter((v) => v.width === 1).concat([x.orR()])), p, q);
      case 9: { const hi = R.int(x.width); const lo = R.int(hi + 1); return x.bits(hi, lo); }
      case 10: return fit(cat(x, y));
      case 11: return fit(x.pad(Math.min(MAXW, x.width + R.int(9))));
      case 12: return x.asKind(!x.signed);
      case 13: return R.pick([x.andR(), x.orR(), x.xorR()]);
      case 14: return fit(x.shl(R.int(5)));
      case 15: return x.shr(R.int(x.width + 1));
      case 16: return fit(x.shl(y.trunc(Math.min(y.width, 3)).asUInt()));
      case 17: return x.shr(y.trunc(Math.min(y.width, 4)).asUInt());
      case 18: return x.bit(y.trunc(Math.min(y.width, 3)).asUInt());
      default: return fit(x.mulWrap(y.asKind(x.signed)));
    }
  };
  const outs: Value[] = [];
  while (outs.length < OUTPUTS) {
    const v = step();
    pool.push(v);
    if (R.int(3) === 0) outs.push(v);
  }
  return outs;
}

class Fuzz extends Module {
  readonly io: Record<string, Signal>;
  outs: Value[] = [];
  constructor(readonly seed: number, readonly widths: number[]) {
    super();
    const spec: Record<string, ReturnType<typeof In>> = {};
    for (const [n, w, s] of INPUTS) spec[n] = In(s ? SInt(w) : UInt(w));
    widths.forEach((w, k) => { spec[`o${k}`] = Out(UInt(w)); });
    spec.tick = Out(UInt(1));
    this.io = this.ports(spec) as unknown as Record<string, Signal>;
  }
  protected build(): void {
    this.outs = randomExprs(INPUTS.map(([n]) => this.io[n]!), this.seed);
    this.outs.forEach((v, k) => this.io[`o${k}`]!.set(v.asUInt()));
    const t = Reg(UInt(1), { init: 0 }); // a clock for the harness
    t.set(t.not());
    this.io.tick!.set(t);
  }
}

async function runFuzz(seed: number, mutate?: (verilog: string) => string): Promise<{ bad: string[]; design: ReturnType<typeof generate> }> {
  // Elaborate once to learn the output widths, then build the probe with them.
  const probe = new Fuzz(seed, Array(OUTPUTS).fill(1));
  try { generate(probe); } catch { /* the guessed widths are wrong; only the expressions are wanted */ }
  const widths = probe.outs.map((v) => v.width);
  const dut = new Fuzz(seed, widths);
  const design = generate(dut);
  if (mutate) design.modules = design.modules.map((m) => ({ ...m, text: mutate(m.text) }));
  const R = rng(seed * 7919);
  const N = 500;
  const vecs = Array.from({ length: N }, () => INPUTS.map(([, w]) => R.pick([R.big(w), 0n, mask(-1n, w), 1n << BigInt(w - 1), mask((1n << BigInt(w - 1)) - 1n, w)])));
  const drive = Object.fromEntries(INPUTS.map(([n], i) => [n, vecs.map((v) => v[i]!)]));
  const [r] = await simulate(targetOf(design), [{ cycles: N, drive, watch: widths.map((_, k) => `o${k}`) }]);
  const bad: string[] = [];
  for (let t = 0; t < N; t++) {
    const env = new Map<Value, bigint>(INPUTS.map(([n], i) => [dut.io[n]!, vecs[t]![i]!]));
    dut.outs.forEach((v, k) => {
      const want = interpret(v, env);
      const got = r!.outputs[`o${k}`]![t]!;
      if (got !== want && bad.length < 5) bad.push(`seed ${seed} o${k} (${v.op}, ${v.width} bits) at vector ${t}: rtl ${got}, IR ${want}`);
    });
  }
  return { bad, design };
}

const SEEDS = [1, 2, 3];

test(`random expression DAGs: Verilator matches the IR interpreter bit for bit (${SEEDS.length} designs x ${OUTPUTS} outputs x 500 vectors), lint-clean`, async () => {
  for (const seed of SEEDS) {
    const { bad, design } = await runFuzz(seed);
    expect(bad).toEqual([]);
    const lint = await lintVerilator({ top: design.top, sources: design.modules.map((m) => ({ name: `${m.name}.v`, text: m.text })) });
    expect(lint.warnings.map((w) => `${w.code ?? ''}: ${w.message}`)).toEqual([]);
  }
});

test('mutant: printing the arithmetic shift as a logical one is caught', async () => {
  const { design } = await runFuzz(3);
  expect(design.modules.some((m) => m.text.includes('>>>'))).toBe(true);
  const { bad } = await runFuzz(3, (t) => t.replaceAll('>>>', '>>'));
  expect(bad.length).toBeGreaterThan(0);
});
