/**
 * Definition reuse (Module.definitionKey): the second and later instances of a
 * class with the same key reuse the first one's elaboration instead of running
 * build() again, and print as the same Verilog module a fresh build prints.
 */
import { describe, expect, test } from 'vitest';
import { Bundle, DefinitionScope, ElaborationError, In, Module, Out, SInt, UInt, Wire, cat, connect, generate, instance, type Hw, type HwType } from '../../generator';
import { Queue } from '../../generator/stdlib';
import { Fp32Add } from '../../generator/stdlib/float';

/** Fp32Add counting its build() runs (a subclass: its own class, so its own definitions). */
let addBuilds = 0;
class CountedAdd extends Fp32Add {
  protected override build(): void {
    addBuilds++;
    super.build();
  }
}

/** Four adders on one input pair; `stages` per lane. */
class Lanes extends Module {
  readonly io;
  constructor(private readonly stages: number[]) {
    super();
    this.io = this.ports({ a: In(UInt(32)), b: In(UInt(32)), y: Out(UInt(32 * stages.length)) });
  }
  protected build(): void {
    const ys = this.stages.map((s) => {
      const u = instance(new CountedAdd({ stages: s }));
      u.io.in_valid.set(1);
      u.io.a.set(this.io.a);
      u.io.b.set(this.io.b);
      u.io.sub.set(0);
      return u.io.y;
    });
    this.io.y.set(cat(...ys.reverse()));
  }
}

const textOf = (m: Module, name: string): string => {
  const mod = generate(m).modules.find((x) => x.name === name);
  if (!mod) throw new Error(`no module ${name}`);
  return mod.text;
};

describe('definition reuse', () => {
  test('equal instances build once and print the module a lone instance prints', () => {
    addBuilds = 0;
    const v = generate(new Lanes([3, 3, 3, 3]));
    expect(addBuilds).toBe(1);
    expect(v.modules.map((m) => m.name)).toEqual(['Fp32Add_s3', 'Lanes']);
    const lanes = v.modules.find((m) => m.name === 'Lanes')!.text;
    expect(lanes.match(/^ {2}Fp32Add_s3 \S+ \(/gm)).toHaveLength(4);
    // The reused definition is what a fresh build of one adder prints.
    expect(v.modules[0]!.text).toBe(textOf(new CountedAdd({ stages: 3 }), 'Fp32Add_s3'));
  });

  test('a different key builds again', () => {
    addBuilds = 0;
    const v = generate(new Lanes([3, 2, 3, 2]));
    expect(addBuilds).toBe(2);
    expect(v.modules.map((m) => m.name)).toEqual(['Fp32Add_s3', 'Fp32Add_s2', 'Lanes']);
  });

  test('reuse stays within one design', () => {
    addBuilds = 0;
    generate(new Lanes([3, 3]));
    generate(new Lanes([3, 3]));
    expect(addBuilds).toBe(2);
  });

  test('a DefinitionScope reuses across designs and prints what each design prints alone', () => {
    const modulesOf = (tops: Lanes[], scope?: DefinitionScope): { name: string; text: string }[][] =>
      tops.map((top) => {
        scope?.share(top);
        return generate(top).modules.map((m) => ({ name: m.name, text: m.text }));
      });
    addBuilds = 0;
    const alone = modulesOf([new Lanes([3, 3]), new Lanes([2, 3, 2])]);
    expect(addBuilds).toBe(3);
    addBuilds = 0;
    const shared = modulesOf([new Lanes([3, 3]), new Lanes([2, 3, 2])], new DefinitionScope());
    // Fp32Add_s3 built for the first design is reused by the second: only s3 and s2 build.
    expect(addBuilds).toBe(2);
    expect(shared[1]!.map((m) => m.name)).toEqual(['Fp32Add_s2', 'Fp32Add_s3', 'Lanes']);
    expect(shared).toEqual(alone);
    // A top already built cannot join a scope.
    const built = new Lanes([3]);
    generate(built);
    expect(() => new DefinitionScope().share(built)).toThrow(/already built or instantiated/);
  });

  test('Queue: the payload type and every option are in the key', () => {
    const payloads: HwType[] = [UInt(8), UInt(8), SInt(8), Bundle({ a: UInt(4), b: UInt(4) }), UInt(8)];
    const opts = [{ depth: 4 }, { depth: 4 }, { depth: 4 }, { depth: 4 }, { depth: 4, flow: true }];
    class Queues extends Module {
      readonly io = this.ports({ y: Out(UInt(8)) });
      protected build(): void {
        const counts = payloads.map((t, i) => {
          const q = instance(new Queue(t, opts[i]!));
          q.io.enq.valid.set(0);
          connect(q.io.enq.bits, Wire(t, { default: 0 }) as never);
          q.io.deq.ready.set(1);
          return q.io.count;
        });
        this.io.y.set(cat(...counts).trunc(8));
      }
    }
    const v = generate(new Queues());
    // UInt(8) twice: one module; SInt(8) and the bundle (both named b8) and the flow queue: their own.
    expect(v.modules.map((m) => m.name)).toEqual(['Queue_d4_w8_reg', 'Queue_d4_b8_reg', 'Queue_d4_b8_reg_1', 'Queue_d4_w8_reg_flow', 'Queues']);
  });

  test('a key that misses an option is refused, not silently reused', () => {
    class Sized extends Module {
      readonly io: { a: Hw<ReturnType<typeof UInt>>; y: Hw<ReturnType<typeof UInt>> };
      constructor(readonly width: number) {
        super();
        this.io = this.ports({ a: In(UInt(width)), y: Out(UInt(width)) });
      }
      protected override get definitionKey(): string {
        return 'same';
      }
      protected build(): void {
        this.io.y.set(this.io.a);
      }
    }
    class Top extends Module {
      readonly io = this.ports({ a: In(UInt(8)), y: Out(UInt(8)) });
      protected build(): void {
        const p = instance(new Sized(8));
        const q = instance(new Sized(4));
        p.io.a.set(this.io.a);
        q.io.a.set(this.io.a.bits(3, 0));
        this.io.y.set(p.io.y.xor(q.io.y.pad(8)));
      }
    }
    let err: unknown;
    try { generate(new Top()); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ElaborationError);
    const e = err as ElaborationError;
    expect(e.check).toBe('BAD STRUCTURE');
    expect(e.message).toContain("definitionKey 'same'");
    expect(e.message).toContain('input UInt(8) a vs input UInt(4) a');
  });

  test('COMBINATIONAL LOOP through reused instances is still found', () => {
    class Pass extends Module {
      readonly io = this.ports({ a: In(UInt(4)), y: Out(UInt(4)) });
      protected override get definitionKey(): string {
        return '';
      }
      protected build(): void {
        this.io.y.set(this.io.a.not());
      }
    }
    class Ring extends Module {
      readonly io = this.ports({ y: Out(UInt(4)) });
      protected build(): void {
        const p = instance(new Pass());
        const q = instance(new Pass());
        const r = instance(new Pass());
        q.io.a.set(p.io.y);
        r.io.a.set(q.io.y);
        p.io.a.set(r.io.y);
        this.io.y.set(r.io.y);
      }
    }
    let err: ElaborationError | undefined;
    try { generate(new Ring()); } catch (e) { err = e as ElaborationError; }
    expect(err?.check).toBe('COMBINATIONAL LOOP');
    for (const s of ['Ring.q.a', 'Ring.q.y', 'Ring.r.a', 'Ring.r.y']) expect(err?.message).toContain(s);
  });
});
