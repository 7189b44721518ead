/**
 * Bad uses of the richer types are refused with a named error, a one-line
 * message that says what to do, and the line of the test that made them.
 */
import { describe, expect, test } from 'vitest';
import {
  Banked, Bool, Bundle, ElaborationError, Enum, FSM, In, Memory, Module, Out, Reg, SInt, UInt, Vec, connect, generate, unpack, when, type CheckName,
} from '../../generator';
import { Decoupled, fork, join, foldPackets, Packet } from '../../generator/stdlib';

const FILE = 'test/types/errors.test.ts';

function refused(f: () => unknown, check: CheckName, msg: RegExp, ownLine = true): void {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err, `expected ${check}`).toBeInstanceOf(ElaborationError);
  const e = err as ElaborationError;
  expect(e.check).toBe(check);
  expect(e.message).toMatch(msg);
  expect(e.message.split('\n')).toHaveLength(1);
  if (ownLine) expect(e.loc).toMatch(new RegExp(`^${FILE}:\\d+$`));
}

const PORTS = { a: In(UInt(3)), s: In(SInt(3)), d: In(UInt(8)), y: Out(UInt(8)), in: In(Decoupled(UInt(8))), p: In(Decoupled(Packet(UInt(8)))) };
class M extends Module {
  readonly io = this.ports(PORTS);
  constructor(readonly body: (io: M['io']) => void) { super(); }
  protected build(): void { this.io.y.set(0); this.body(this.io); }
}
/** Generating a module whose build() runs `body` (with a few ports to use). */
const build = (body: (io: M['io']) => void) => (): unknown => generate(new M(body));

describe('Enum', () => {
  test('a member that is not a Verilog identifier', () => refused(() => Enum('E', ['A', '1B']), 'NAME COLLISION', /member '1B' is not a legal Verilog identifier/));
  test('a member listed twice', () => refused(() => Enum('E', ['A', 'A']), 'NAME COLLISION', /member 'A' is listed twice/));
  test("a member named like the enum's own properties", () => refused(() => Enum('E', ['width']), 'NAME COLLISION', /clashes with the enum's own property width/));
  test('two members with one encoding', () => refused(() => Enum('E', { A: 1, B: 1 }), 'NAME COLLISION', /members A and B share the encoding 1/));
  test('no name and no variable to name it after', () => refused(() => [Enum(['A'])], 'BAD STRUCTURE', /pass it first: Enum\('State'/));
  test('members encode 0.. and print their names; nameOf decodes', () => {
    const Op = Enum(['NOP', 'GO']);
    expect([Op.enumName, Op.width, Op.NOP.lit, Op.GO.lit, Op.nameOf(1)]).toEqual(['Op', 1, 0n, 1n, 'GO']);
  });
});

describe('FSM', () => {
  test('a state declared twice', () => refused(build(() => {
    const f = FSM(['A', 'B']);
    f.state('A', () => f.next('B'));
    f.state('A', () => f.next('A'));
  }), 'BAD STRUCTURE', /state A is declared twice \(first at test\/types\/errors\.test\.ts:\d+\)/));
  test('a state that does not exist (from plain JavaScript)', () => refused(build(() => {
    const f = FSM(['A', 'B']);
    f.next('C' as 'A');
  }), 'BAD STRUCTURE', /next\(\) names 'C', which is not one of its states \(A, B\)/));
});

describe('Vec.at', () => {
  test('a signed index', () => refused(build((io) => {
    const v = Reg(Vec(4, UInt(8)));
    v.at(io.s);
  }), 'TYPE MISMATCH', /a Vec index must be a UInt/));
  test('writing a Vec of computed values', () => refused(build((io) => {
    unpack(Vec(2, UInt(4)), io.d).at(io.a).set(1);
  }), 'BAD STRUCTURE', /this Vec holds computed values, not signals/));
});

describe('typed memories', () => {
  test('a mask of the wrong width', () => refused(build((io) => {
    const m = Memory(8, Vec(4, UInt(4)));
    m.write(io.a, [1, 2, 3, 4], io.a);
  }), 'WIDTH MISMATCH', /needs one bit per lane: UInt\(4\), got UInt\(3\)/));
  test('a mask for a field the data does not carry', () => refused(build((io) => {
    const m = Memory(8, Bundle({ x: UInt(4), y: Bool }));
    m.write(io.a, { x: 1 }, { y: 1 });
  }), 'BAD STRUCTURE', /the mask enables field y, but the data has no y/));
  test('lanes that do not divide the word', () => refused(build(() => {
    Memory(8, UInt(12), { laneBits: 8 });
  }), 'BAD PARAMETER', /laneBits must divide the word width 12, got 8/));
  test('a banked memory of three banks', () => refused(build(() => {
    Banked(3, 4, UInt(8));
  }), 'BAD PARAMETER', /a power-of-two number of banks >= 2, got 3/));
  test('a lane of the wrong width', () => refused(build((io) => {
    const m = Memory(8, Bundle({ x: UInt(4), y: Bool }));
    when(io.a.eq(1), () => m.write(io.a, { x: io.d }));
  }), 'WIDTH MISMATCH', /lane x of m holds 4 bits, got UInt\(8\)/));
});

describe('stream combinators', () => {
  test('fork into fewer than two', () => refused(build((io) => {
    fork(io.in, 1);
  }), 'BAD PARAMETER', /fork\(\): the number of outputs must be an integer >= 2, got 1/));
  test('join of one stream', () => refused(build((io) => {
    join([io.in]);
  }), 'BAD STRUCTURE', /join\(\): needs at least two streams, got 1/));
  test('a fold that changes the accumulator width', () => refused(build((io) => {
    foldPackets(io.p, 0, (acc, d) => acc.add(d));
  }), 'BAD STRUCTURE', /fn returned UInt\(9\) but the accumulator is UInt\(1\)/));
});

describe('Vec.at shapes (elaboration)', () => {
  test('connect(vec.at(i), src) writes every field of the element at i; a Vec of Vecs indexes twice', () => {
    class V extends Module {
      readonly io = this.ports({ i: In(UInt(2)), j: In(UInt(1)), x: In(UInt(4)), f: In(Bool), y: Out(UInt(4)), g: Out(Bool), z: Out(UInt(4)) });
      protected build(): void {
        const slots = Reg(Vec(3, Bundle({ x: UInt(4), f: Bool })), { init: 0 });
        connect(slots.at(this.io.i), { x: this.io.x, f: this.io.f });
        this.io.y.set(slots.at(this.io.i).x);
        this.io.g.set(slots.at(this.io.i).f);
        const grid = Reg(Vec(2, Vec(2, UInt(4))), { init: 0 });
        grid.at(this.io.j).at(this.io.i.bit(0)).set(this.io.x);
        this.io.z.set(grid.at(this.io.j).at(this.io.i.bit(0)));
      }
    }
    const text = generate(new V()).modules[0]!.text;
    for (const k of [0, 1, 2]) {
      expect(text).toMatch(new RegExp(`slots_${k}_x <= x;`));
      expect(text).toMatch(new RegExp(`slots_${k}_f <= f;`));
    }
    for (const a of [0, 1]) for (const b of [0, 1]) expect(text).toMatch(new RegExp(`grid_${a}_${b} <= x;`));
  });
});
