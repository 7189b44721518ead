/**
 * Every named elaboration check refuses a faulty design with its name, the
 * signal's hierarchical name and the TypeScript file:line that built the
 * fault. Lines are found through `// @mark:` comments so the test does not
 * break when lines move.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  Bool, Bundle, ElaborationError, In, Module, Out, Reg, SInt, UInt, Wire, generate, instance, lit, named, when,
  type CheckName,
} from '../../generator';

const src = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
const FILE = 'test/hdl/checks.test.ts';
function lineOf(mark: string): number {
  const i = src.findIndex((l) => l.includes(`// @mark:${mark}`) && !l.includes('lineOf('));
  if (i < 0) throw new Error(`no mark ${mark}`);
  return i + 1;
}

function expectCheck(make: () => Module, check: CheckName, signal: string | undefined, mark: string): ElaborationError {
  let err: unknown;
  try {
    generate(make());
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${check}`).toBeInstanceOf(ElaborationError);
  const e = err as ElaborationError;
  expect(e.check).toBe(check);
  if (signal !== undefined) expect(e.signal).toBe(signal);
  expect(e.loc).toBe(`${FILE}:${lineOf(mark)}`);
  expect(e.message).toContain(check);
  expect(e.message).toContain(`${FILE}:${lineOf(mark)}`);
  return e;
}

class Leaf extends Module {
  readonly io;
  constructor() {
    super();
    this.io = this.ports({ a: In(UInt(4)), y: Out(UInt(4)) });
  }
  protected build(): void {
    this.io.y.set(this.io.a);
  }
}

describe('elaboration checks', () => {
  test('WIDTH MISMATCH: no silent truncation on assignment', () => {
    class M extends Module {
      readonly io = this.ports({ a: In(UInt(8)), y: Out(UInt(4)) });
      protected build(): void {
        this.io.y.set(this.io.a); // @mark:width
      }
    }
    const e = expectCheck(() => new M(), 'WIDTH MISMATCH', 'M.y', 'width');
    expect(e.message).toMatch(/trunc\(4\)/);
  });

  test('WIDTH MISMATCH: no silent widening either', () => {
    class M extends Module {
      readonly io = this.ports({ a: In(UInt(4)), y: Out(UInt(8)) });
      protected build(): void {
        this.io.y.set(this.io.a); // @mark:widen
      }
    }
    const e = expectCheck(() => new M(), 'WIDTH MISMATCH', 'M.y', 'widen');
    expect(e.message).toMatch(/pad\(8\)/);
  });

  test('NOT FULLY INITIALIZED: an output assigned on one path only (no latch can be written)', () => {
    class M extends Module {
      readonly io = this.ports({ c: In(Bool), a: In(UInt(4)), y: Out(UInt(4)) });
      protected build(): void {
        when(this.io.c, () => { // @mark:partial
          this.io.y.set(this.io.a);
        });
      }
    }
    const e = expectCheck(() => new M(), 'NOT FULLY INITIALIZED', 'M.y', 'partial');
    expect(e.message).toMatch(/not assigned on every path/);
  });

  test('NOT FULLY INITIALIZED: a wire never assigned', () => {
    class M extends Module {
      readonly io = this.ports({ y: Out(UInt(4)) });
      protected build(): void {
        const floating = Wire(UInt(4)); // @mark:never
        this.io.y.set(floating);
      }
    }
    expectCheck(() => new M(), 'NOT FULLY INITIALIZED', 'M.floating', 'never');
  });

  test('NOT FULLY INITIALIZED: an instance input left unconnected', () => {
    class M extends Module {
      readonly io = this.ports({ y: Out(UInt(4)) });
      protected build(): void {
        const leaf = instance(new Leaf()); // @mark:unconnected
        this.io.y.set(leaf.io.y);
      }
    }
    expectCheck(() => new M(), 'NOT FULLY INITIALIZED', 'M.leaf.a', 'unconnected');
  });

  test('MULTIPLE DRIVERS: driving an output of an instance', () => {
    class M extends Module {
      readonly io = this.ports({ a: In(UInt(4)), y: Out(UInt(4)) });
      protected build(): void {
        const leaf = instance(new Leaf());
        leaf.io.a.set(this.io.a);
        leaf.io.y.set(this.io.a); // @mark:multi
        this.io.y.set(leaf.io.y);
      }
    }
    expectCheck(() => new M(), 'MULTIPLE DRIVERS', 'M.leaf.y', 'multi');
  });

  test('COMBINATIONAL LOOP: the loop is printed with its lines', () => {
    class M extends Module {
      readonly io = this.ports({ a: In(UInt(4)), y: Out(UInt(4)) });
      protected build(): void {
        const p = Wire(UInt(4));
        const q = Wire(UInt(4));
        p.set(q.addWrap(this.io.a)); // @mark:loop1
        q.set(p); // @mark:loop2
        this.io.y.set(q);
      }
    }
    let err: ElaborationError | undefined;
    try { generate(new M()); } catch (e) { err = e as ElaborationError; }
    expect(err?.check).toBe('COMBINATIONAL LOOP');
    expect(err?.message).toContain(`M.p (${FILE}:${lineOf('loop1')})`);
    expect(err?.message).toContain(`M.q (${FILE}:${lineOf('loop2')})`);
  });

  test('COMBINATIONAL LOOP: through an instance', () => {
    class M extends Module {
      readonly io = this.ports({ y: Out(UInt(4)) });
      protected build(): void {
        const leaf = instance(new Leaf());
        leaf.io.a.set(leaf.io.y); // @mark:hloop
        this.io.y.set(leaf.io.y);
      }
    }
    let err: ElaborationError | undefined;
    try { generate(new M()); } catch (e) { err = e as ElaborationError; }
    expect(err?.check).toBe('COMBINATIONAL LOOP');
    expect(err?.message).toContain('M.leaf.a');
    expect(err?.message).toContain('M.leaf.y');
    expect(err?.message).toContain(`${FILE}:${lineOf('hloop')}`);
  });

  test('INPUT DRIVEN FROM INSIDE', () => {
    class M extends Module {
      readonly io = this.ports({ a: In(UInt(4)), y: Out(UInt(4)) });
      protected build(): void {
        this.io.a.set(0); // @mark:input
        this.io.y.set(this.io.a);
      }
    }
    expectCheck(() => new M(), 'INPUT DRIVEN FROM INSIDE', 'M.a', 'input');
  });

  test('REGISTER WITHOUT CLOCK: a register in a module declared without a clock', () => {
    class M extends Module {
      readonly io;
      constructor() {
        super({ clock: null });
        this.io = this.ports({ a: In(UInt(4)), y: Out(UInt(4)) });
      }
      protected build(): void {
        const held = Reg(UInt(4)); // @mark:noclock
        held.set(this.io.a);
        this.io.y.set(held);
      }
    }
    expectCheck(() => new M(), 'REGISTER WITHOUT CLOCK', 'M.held', 'noclock');
  });

  test('REGISTER WITHOUT CLOCK: a reset value in a module declared without a reset', () => {
    class M extends Module {
      readonly io;
      constructor() {
        super({ reset: null });
        this.io = this.ports({ a: In(UInt(4)), y: Out(UInt(4)) });
      }
      protected build(): void {
        const held = Reg(UInt(4), { init: 0 }); // @mark:noreset
        held.set(this.io.a);
        this.io.y.set(held);
      }
    }
    const e = expectCheck(() => new M(), 'REGISTER WITHOUT CLOCK', 'M.held', 'noreset');
    expect(e.message).toMatch(/has a reset value but M has no reset/);
  });

  test('NAME COLLISION: two signals that flatten to one Verilog name', () => {
    class M extends Module {
      readonly io = this.ports({ a: In(Bundle({ b: UInt(1) })), a_b: Out(UInt(1)) }); // @mark:collide
      protected build(): void {
        this.io.a_b.set(this.io.a.b);
      }
    }
    expectCheck(() => new M(), 'NAME COLLISION', 'M.a_b', 'collide');
  });

  test('NAME COLLISION: two explicit names', () => {
    class M extends Module {
      readonly io = this.ports({ y: Out(UInt(1)) });
      protected build(): void {
        const w1 = Wire(UInt(1), { name: 'tap' });
        const w2 = Wire(UInt(1), { name: 'tap' }); // @mark:explicit
        w1.set(0); w2.set(1);
        this.io.y.set(w1.xor(w2));
      }
    }
    expectCheck(() => new M(), 'NAME COLLISION', 'M.tap', 'explicit');
  });

  test('KEYWORD NAME: a port named after a Verilog keyword', () => {
    class M extends Module {
      readonly io = this.ports({ input: In(UInt(1)), y: Out(UInt(1)) }); // @mark:keyword
      protected build(): void {
        this.io.y.set(this.io.input);
      }
    }
    expectCheck(() => new M(), 'KEYWORD NAME', 'M.input', 'keyword');
  });

  test('KEYWORD NAME: a port named after a C++ word Verilator reserves (SYMRSVDWORD)', () => {
    class M extends Module {
      readonly io = this.ports({ abort: In(UInt(1)), y: Out(UInt(1)) }); // @mark:cxx
      protected build(): void {
        this.io.y.set(this.io.abort);
      }
    }
    expectCheck(() => new M(), 'KEYWORD NAME', 'M.abort', 'cxx');
  });

  test('a generated name steers clear of the words Verilator reserves', () => {
    class M extends Module {
      readonly io = this.ports({ a: In(UInt(1)), y: Out(UInt(1)) });
      protected build(): void {
        const queue = named(this.io.a.not());
        this.io.y.set(queue);
      }
    }
    const v = generate(new M()).modules.map((x) => x.text).join('\n');
    expect(v).toMatch(/\bqueue_1\b/);
    expect(v).not.toMatch(/\bqueue\b/);
  });

  test('CROSS MODULE REFERENCE: reading a signal of another module', () => {
    let leaked: Module | undefined;
    class Inner extends Module {
      readonly io = this.ports({ y: Out(UInt(4)) });
      protected build(): void {
        const secret = Reg(UInt(4), { init: 3 });
        (this as unknown as { secret: unknown }).secret = secret;
        this.io.y.set(secret);
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- the test leaks the module on purpose
        leaked = this;
      }
    }
    class M extends Module {
      readonly io = this.ports({ y: Out(UInt(4)) });
      protected build(): void {
        instance(new Inner());
        const s = (leaked as unknown as { secret: import('../../generator').Signal }).secret;
        this.io.y.set(s); // @mark:cross
      }
    }
    expectCheck(() => new M(), 'CROSS MODULE REFERENCE', undefined, 'cross');
  });

  test('CROSS MODULE REFERENCE: a child created without instance() gets a hint', () => {
    class M extends Module {
      readonly io = this.ports({ y: Out(UInt(4)), a: In(UInt(4)) });
      protected build(): void {
        const leaf = new Leaf();
        leaf.io.a.set(this.io.a); // @mark:noinst
        this.io.y.set(leaf.io.y);
      }
    }
    const e = expectCheck(() => new M(), 'CROSS MODULE REFERENCE', 'Leaf.a', 'noinst');
    expect(e.message).toMatch(/never instantiated: wrap it in instance\(new Leaf\(\.\.\.\)\)/);
  });

  test('LITERAL OVERFLOW and TYPE MISMATCH', () => {
    expect(() => lit(300, 8)).toThrow(/LITERAL OVERFLOW/);
    class M extends Module {
      readonly io = this.ports({ a: In(UInt(4)), b: In(SInt(4)), y: Out(UInt(5)) });
      protected build(): void {
        this.io.y.set(this.io.a.add(this.io.b as never)); // @mark:mix
      }
    }
    expectCheck(() => new M(), 'TYPE MISMATCH', undefined, 'mix');
  });

  test('TYPE MISMATCH for an operand that is not a value of this tcast (another copy of the DSL, a string): never printed as `undefined`', () => {
    // A value built by a second copy of tcast (a design loaded as CommonJS and as an ES module) is not an instance of
    // this copy's Value: it looked like a literal and printed as `undefined ^ undefined`.
    const foreign = { width: 8, signed: false, args: [], op: 'input' };
    class Foreign extends Module {
      readonly io = this.ports({ a: In(UInt(8)), y: Out(UInt(8)) });
      protected build(): void {
        this.io.y.set(this.io.a.xor(foreign as never)); // @mark:foreign
      }
    }
    const e = expectCheck(() => new Foreign(), 'TYPE MISMATCH', undefined, 'foreign');
    expect(e.message).toMatch(/another copy of tcast.*import tcast once/);
    class Str extends Module {
      readonly io = this.ports({ a: In(UInt(8)), y: Out(UInt(8)) });
      protected build(): void {
        this.io.y.set('a' as never); // @mark:str
      }
    }
    expect(expectCheck(() => new Str(), 'TYPE MISMATCH', undefined, 'str').message).toMatch(/expected a hardware value or an integer literal, got string/);
  });
});
