/**
 * Names from the syntax tree (generator/hdl/source.ts): a value is named after
 * the binding that receives it, through helpers' returns, destructuring,
 * object properties and loops; library helpers report their caller's line.
 * Over the shipped designs in rtl/: few unnamed `_T` temporaries, and every
 * hardware `const` of the fp32 units and the DMA shows up in their Verilog.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Node, Project, SyntaxKind } from 'ts-morph';
import { describe, expect, test } from 'vitest';
import { Bool, ElaborationError, In, Module, Out, Reg, UInt, Wire, generate, type Value } from '../../generator';
import { projectRoot } from '../../generator/hdl/source';
import { Queue } from '../../generator/stdlib';

const rtl = join(projectRoot, 'rtl');
const designs = readdirSync(rtl, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const verilog = (d: string): string => readdirSync(join(rtl, d)).filter((f) => f.endsWith('.v')).map((f) => readFileSync(join(rtl, d, f), 'utf8')).join('\n');
const declRe = /^\s*(?:wire|reg)\s+(?:\[\d+:\d+\]\s+)?([A-Za-z_]\w*)/gm;
const unnamed = /^_T(_\d+)?$/;

describe('rtl/ names', () => {
  test('unnamed _T temporaries are at most 10% of the declarations', () => {
    let decls = 0;
    let temps = 0;
    for (const d of designs) {
      for (const m of verilog(d).matchAll(declRe)) {
        decls++;
        if (unnamed.test(m[1]!)) temps++;
      }
    }
    expect(decls).toBeGreaterThan(1000);
    expect(temps / decls, `${temps} of ${decls} declarations are _T temporaries`).toBeLessThanOrEqual(0.1);
  });

  // Value methods and DSL functions that build a new hardware node (identity-prone casts left out).
  const builders = new Set([
    'add', 'addWrap', 'sub', 'subWrap', 'mul', 'mulWrap', 'neg', 'and', 'or', 'xor', 'not', 'andR', 'orR', 'xorR', 'shl', 'shr',
    'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'bits', 'bit', 'head', 'msb', 'mux', 'cat', 'fill', 'priorityMux', 'select', 'Reg', 'Wire', 'RegNext',
  ]);
  const sources: [string, RegExp][] = [
    ['generator/stdlib/float/', /^fp32-/],
    ['accel/dma/', /^dma-/],
  ];
  test.each(sources)('every hardware const under %s appears in its Verilog', (dir, designRe) => {
    const ids = new Set<string>();
    for (const d of designs.filter((x) => designRe.test(x))) for (const m of verilog(d).matchAll(/[A-Za-z_]\w*/g)) ids.add(m[0]);
    const project = new Project({ skipAddingFilesFromTsConfig: true });
    const missing: string[] = [];
    let checked = 0;
    for (const f of readdirSync(join(projectRoot, dir)).filter((x) => x.endsWith('.ts'))) {
      const sf = project.addSourceFileAtPath(join(projectRoot, dir, f));
      for (const v of sf.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
        const init = v.getInitializer();
        if (!init || !Node.isCallExpression(init) || !Node.isIdentifier(v.getNameNode())) continue;
        const callee = init.getExpression();
        const fn = Node.isPropertyAccessExpression(callee) ? callee.getName() : callee.getText();
        if (!builders.has(fn)) continue;
        checked++;
        const name = v.getName();
        const re = new RegExp(`^${name}(_\\d+)*$`);
        if (![...ids].some((i) => re.test(i))) missing.push(`${dir}${f}:${v.getStartLineNumber()} ${name}`);
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });
});

class Helpers extends Module {
  readonly io;
  constructor() {
    super();
    this.io = this.ports({ a: In(UInt(8)), b: In(UInt(8)), y: Out(UInt(8)), z: Out(UInt(8)), v: Out(Bool) });
  }
  protected build(): void {
    const { a, b } = this.io;
    const both = fire(a, b);
    const { sum, diff } = sumDiff(a, b);
    const lanes: Value[] = [];
    for (let i = 0; i < 4; i++) {
      const lane = a.bits(2 * i + 1, 2 * i).xor(b.bits(2 * i + 1, 2 * i));
      lanes.push(lane);
    }
    const acc = Reg(UInt(8), { init: 0 });
    acc.set(
      sum
        .xor(diff)
        .xor(lanes[0]!.pad(8)),
    );
    const parts = { hi: a.bits(7, 4).and(b.bits(7, 4)), lo: a.bits(3, 0).or(b.bits(3, 0)) };
    this.io.y.set(acc.xor(parts.hi.pad(8)).xor(parts.lo.pad(8)).xor(lanes[1]!.pad(8)).xor(lanes[2]!.pad(8)).xor(lanes[3]!.pad(8)));
    this.io.z.set(sum.and(diff));
    this.io.v.set(both.and(both.not().not()));
  }
}
function fire(a: Value, b: Value): Value {
  return a.orR().and(b.orR());
}
function sumDiff(a: Value, b: Value): { sum: Value; diff: Value } {
  return { sum: a.addWrap(b), diff: a.subWrap(b) };
}

describe('naming from the syntax tree', () => {
  const text = generate(new Helpers()).modules[0]!.text;
  test('a helper\'s returned value takes the caller\'s binding; destructuring names each part', () => {
    expect(text).toMatch(/wire both = /);
    expect(text).toMatch(/wire \[7:0\] sum = a \+ b;/);
    expect(text).toMatch(/wire \[7:0\] diff = a - b;/);
  });
  test('a binding inside a loop carries the iteration index', () => {
    for (let i = 0; i < 4; i++) expect(text).toMatch(new RegExp(`wire \\[1:0\\] lane_${i} = `));
  });
  test('object properties name their values; a multi-line call is named', () => {
    expect(text).toMatch(/wire \[3:0\] parts_hi = /);
    expect(text).toMatch(/wire \[3:0\] parts_lo = /);
    expect(text).toMatch(/acc <= /);
  });
});

class BadQueueUser extends Module {
  readonly io;
  constructor() {
    super();
    this.io = this.ports({ y: Out(Bool) });
  }
  protected build(): void {
    const w = Wire(Bool, { default: 0 });
    this.io.y.set(w);
    new Queue(UInt(8), { depth: 0 }); // the line an error must point at
  }
}

test('a library block\'s configuration error points at the caller\'s line', () => {
  const line = readFileSync(new URL(import.meta.url), 'utf8').split('\n').findIndex((l) => l.includes('the line an error must point at')) + 1;
  let err: unknown;
  try {
    generate(new BadQueueUser());
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ElaborationError);
  expect((err as ElaborationError).loc).toBe(`test/hdl/naming.test.ts:${line}`);
});
