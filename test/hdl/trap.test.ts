/**
 * The JS-`if` trap: a hardware value that JavaScript consumes (an `if` on it,
 * `&&`, `!`, a statement that drops it) is refused as DISCARDED HARDWARE VALUE
 * with the expression, the line and the fix; converting one to a number or a
 * string throws the same error. (`npm run lint`'s strict-boolean-expressions
 * catches the `if` before it runs: test/lint.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ElaborationError, In, Module, Out, UInt, Bool, generate, mux, when, type Value } from '../../generator';

const src = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
const lineOf = (marker: string): number => src.findIndex((l) => l.includes(marker) && !l.includes('lineOf(')) + 1;

class Probe extends Module {
  readonly io;
  constructor(readonly body: (io: Probe['io']) => void) {
    super();
    this.io = this.ports({ a: In(UInt(8)), b: In(UInt(8)), y: Out(UInt(8)), c: Out(Bool) });
  }
  protected build(): void {
    this.body(this.io);
  }
}

const fire = (a: Value, b: Value): Value => a.orR().and(b.orR());

function elaborationError(body: (io: Probe['io']) => void): ElaborationError {
  try {
    generate(new Probe(body));
  } catch (e) {
    if (e instanceof ElaborationError) return e;
    throw e;
  }
  throw new Error('elaborated without an error');
}

describe('DISCARDED HARDWARE VALUE', () => {
  test('a JavaScript if on a hardware comparison is refused with the expression, its line and the fix', () => {
    const e = elaborationError((io) => {
      // eslint-disable-next-line @typescript-eslint/strict-boolean-expressions -- the trap under test (lint refuses it too)
      if (io.a.eq(3)) io.y.set(1); // trap: if
      else io.y.set(2);
      io.c.set(0);
    });
    expect(e.check).toBe('DISCARDED HARDWARE VALUE');
    expect(e.message).toContain('`io.a.eq(3)` is used as an if condition');
    expect(e.message).toMatch(/use when\(cond, \(\) => \.\.\.\) for a condition, mux\(cond, a, b\) for a value/);
    expect(e.signal).toBe('Probe');
    expect(e.loc).toBe(`test/hdl/trap.test.ts:${lineOf('// trap: if')}`);
  });

  test('through a helper, with && and !, in a ?: condition, and as a dropped statement', () => {
    /* eslint-disable @typescript-eslint/strict-boolean-expressions -- the traps under test (lint refuses them too) */
    const cases: [(io: Probe['io']) => void, string, string][] = [
      [(io) => { io.y.set(fire(io.a, io.b) ? 1 : 2); io.c.set(0); }, 'the condition of a ?: expression', 'fire(io.a, io.b)'], // trap: ?:
      [(io) => { io.c.set(io.a.eq(1) && io.b.eq(2) ? 1 : 0); io.y.set(0); }, 'the left operand of &&', 'io.a.eq(1)'], // trap: &&
      [(io) => { io.c.set(!io.a.orR() ? 1 : 0); io.y.set(0); }, 'the operand of !', 'io.a.orR()'], // trap: !
      [(io) => { io.a.addWrap(1); io.y.set(io.a); io.c.set(0); }, 'a statement that drops its value', 'io.a.addWrap(1)'], // trap: statement
    ];
    /* eslint-enable @typescript-eslint/strict-boolean-expressions */
    for (const [body, how, text] of cases) {
      const e = elaborationError(body);
      expect(e.check).toBe('DISCARDED HARDWARE VALUE');
      expect(e.message).toContain(`\`${text}\` is used as ${how}`);
      expect(e.loc).toBe(`test/hdl/trap.test.ts:${lineOf(`// trap: ${how === 'the condition of a ?: expression' ? '?:' : how === 'the left operand of &&' ? '&&' : how === 'the operand of !' ? '!' : 'statement'}`)}`);
    }
  });

  test('a hardware value refuses to become a JavaScript number or string', () => {
    const msgs: string[] = [];
    for (const body of [
      // @ts-expect-error -- TypeScript refuses arithmetic on an object; plain JavaScript would not
      (io: Probe['io']) => io.y.set(io.a + 1),
      // @ts-expect-error -- idem for a comparison
      (io: Probe['io']) => io.c.set(io.a > 3 ? 1 : 0),
      (io: Probe['io']) => io.y.set(Number(`${io.a.width}${String(io.b)}`)),
    ]) {
      const e = elaborationError(body);
      expect(e.check).toBe('DISCARDED HARDWARE VALUE');
      msgs.push(e.message);
    }
    for (const m of msgs) expect(m).toMatch(/converted to a JavaScript primitive.*use when\(cond/);
  });

  test('JavaScript conditions on JavaScript values, and hardware conditions, still elaborate', () => {
    const wide = true as boolean;
    const opts: { k?: Value } = {};
    const v = generate(new Probe((io) => {
      const k = opts.k ?? io.a.addWrap(1);
      io.y.set(wide ? mux(io.a.eq(3), k, io.b) : io.b);
      when(io.a.eq(3).and(fire(io.a, io.b)), () => io.c.set(1)).otherwise(() => io.c.set(0));
    }));
    expect(v.modules[0]!.text).toContain('k = a + 8\'h1');
  });
});
