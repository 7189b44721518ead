/**
 * DSL features end to end: module deduplication and stable names, a
 * synchronous-read memory, switchOn, Vec registers with dynamic indexing,
 * RegNext with enable (and gated), registers without reset, a child with an
 * active-low reset under an active-high parent, and the build cache across
 * processes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import {
  Bool, In, Memory, Module, Out, Reg, RegNext, UInt, Vec, Wire, cat, generate, instance, select, switchOn, when,
} from '../../generator';
import { projectRoot } from '../../generator/hdl/source';
import { targetOf } from '../../sim/design';
import { simulate } from '../../sim/vectors';
import { inferMemories, lintVerilator } from '../../sim/checks';

class Acc extends Module {
  readonly io;
  constructor(readonly width: number) {
    super({ clock: 'aclk', reset: { name: 'aresetn', activeLow: true } });
    this.io = this.ports({ en: In(Bool), x: In(UInt(width)), sum: Out(UInt(width)) });
  }
  override get moduleName(): string { return `Acc_w${this.width}`; }
  protected build(): void {
    const sum = Reg(UInt(this.width), { init: 0 });
    when(this.io.en, () => sum.set(sum.addWrap(this.io.x)));
    this.io.sum.set(sum);
  }
}

/** No moduleName override: two configurations must still get two names. */
class Plain extends Module {
  readonly io;
  constructor(readonly k: number) {
    super({ clock: null });
    this.io = this.ports({ x: In(UInt(4)), y: Out(UInt(4)) });
  }
  protected build(): void { this.io.y.set(this.io.x.xor(this.k)); }
}

class Features extends Module {
  readonly io;
  constructor() {
    super();
    this.io = this.ports({
      op: In(UInt(2)), addr: In(UInt(3)), data: In(UInt(8)),
      rd: Out(UInt(8)), state: Out(UInt(2)), pick: Out(UInt(8)), delayed: Out(UInt(8)),
      acc8a: Out(UInt(8)), acc8b: Out(UInt(8)), acc4: Out(UInt(4)), p1: Out(UInt(4)), p2: Out(UInt(4)),
      gated: Out(UInt(8)), mixedOut: Out(UInt(8)),
    });
  }
  protected build(): void {
    const { op, addr, data } = this.io;
    // A synchronous-read memory: write on op 1, the read data appears a cycle later.
    const mem = Memory(8, UInt(8));
    when(op.eq(1), () => mem.write(addr, data));
    this.io.rd.set(mem.read(addr));
    // A small FSM with switchOn: 0 -> 1 on op 2, 1 -> 2 on op 3, 2 -> 0 always.
    const state = Reg(UInt(2), { init: 0 });
    switchOn(state, (s) => {
      s.is(0, () => when(op.eq(2), () => state.set(1)));
      s.is(1, () => when(op.eq(3), () => state.set(2)));
      s.default(() => state.set(0));
    });
    this.io.state.set(state);
    // Vec of registers written and read at a dynamic index.
    const regs = Reg(Vec(4, UInt(8)), { init: 0 });
    when(op.eq(3), () => regs.forEach((r, i) => when(addr.bits(1, 0).eq(i), () => r.set(data))));
    this.io.pick.set(select(regs, addr.bits(1, 0)));
    // RegNext with an enable, no reset.
    const held = Wire(UInt(8), { default: data });
    this.io.delayed.set(RegNext(held, { en: op.eq(0) }));
    // A gated RegNext: the logic only it reads (scaled, rotated) is evaluated under its enable, inside its block;
    // `mixed` is also read by an output, so it stays a module-level wire.
    const mixed = data.xor(addr.zext(8));
    const scaled = mixed.addWrap(0x35);
    const rotated = cat(scaled.bits(3, 0), scaled.bits(7, 4));
    this.io.gated.set(RegNext(rotated.addWrap(mixed), { en: op.eq(3), gated: true }));
    this.io.mixedOut.set(mixed);
    // Children: two identical (one Verilog module), one different; active-low reset.
    const a = instance(new Acc(8));
    const b = instance(new Acc(8));
    const c = instance(new Acc(4));
    for (const x of [a, b]) { x.io.en.set(op.eq(1)); x.io.x.set(data); }
    c.io.en.set(op.eq(2)); c.io.x.set(data.bits(3, 0));
    this.io.acc8a.set(a.io.sum); this.io.acc8b.set(b.io.sum); this.io.acc4.set(c.io.sum);
    const p1 = instance(new Plain(1));
    const p2 = instance(new Plain(2));
    p1.io.x.set(data.bits(3, 0)); p2.io.x.set(data.bits(3, 0));
    this.io.p1.set(p1.io.y); this.io.p2.set(p2.io.y);
  }
}

/** A child whose logic has a named intermediate (`const mixed = ...`): every instance must name it alike. */
class Mixer extends Module {
  readonly io;
  constructor() {
    super({ reset: null });
    this.io = this.ports({ a: In(UInt(8)), b: In(UInt(8)), y: Out(UInt(8)), z: Out(UInt(8)) });
  }
  protected build(): void {
    const mixed = this.io.a.xor(this.io.b);
    this.io.y.set(mixed.addWrap(1));
    this.io.z.set(mixed.subWrap(1));
  }
}
class TwoMixers extends Module {
  readonly io;
  constructor() {
    super({ reset: null });
    this.io = this.ports({ a: In(UInt(8)), y: Out(UInt(8)) });
  }
  protected build(): void {
    const outs = [0, 1].map((i) => {
      const m = instance(new Mixer(), `mixer_${i}`);
      m.io.a.set(this.io.a);
      m.io.b.set(i);
      return m.io.y.xor(m.io.z);
    });
    this.io.y.set(outs[0]!.xor(outs[1]!));
  }
}

describe('DSL features', () => {
  const design = generate(new Features());

  test('instances built from the same lines name their intermediates alike and print as one module', () => {
    const d = generate(new TwoMixers());
    expect(d.modules.map((m) => m.name).sort()).toEqual(['Mixer', 'TwoMixers']);
    expect(d.modules.find((m) => m.name === 'Mixer')!.text).toMatch(/wire \[7:0\] mixed = a \^ b;/);
  });

  test('same parameters give one module, different parameters different names', () => {
    expect(design.modules.map((m) => m.name).sort()).toEqual(['Acc_w4', 'Acc_w8', 'Features', 'Plain', 'Plain_1']);
    const top = design.modules.find((m) => m.name === 'Features')!.text;
    expect(top).toMatch(/\.aresetn\(!reset\)/);
    expect(top.match(/Acc_w8 [ab] \(/g)).toHaveLength(2);
    // Deterministic: a second elaboration gives the same bytes.
    expect(generate(new Features()).modules).toEqual(design.modules);
  });

  test('the synchronous-read memory is inferred by Yosys as a memory', async () => {
    const r = await inferMemories({ top: design.top, sources: design.modules.map((m) => ({ name: `${m.name}.v`, text: m.text })) });
    expect(r.errors).toEqual([]);
    expect(r.memories).toBe(1);
  });

  test('co-simulation matches a cycle model (memory, FSM, Vec, RegNext, active-low child reset)', async () => {
    let seed = 12345;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
    const N = 400;
    const ops = Array.from({ length: N }, () => rnd(4));
    const addrs = Array.from({ length: N }, () => rnd(8));
    const datas = Array.from({ length: N }, () => rnd(256));
    const [r] = await simulate(targetOf(design), [{ cycles: N, drive: { op: ops, addr: addrs, data: datas }, watch: ['rd', 'state', 'pick', 'delayed', 'acc8a', 'acc8b', 'acc4', 'p1', 'p2', 'gated'] }]);
    const mem = new Array<number | undefined>(8).fill(undefined);
    let rd: number | undefined, state = 0, delayed: number | undefined, gated: number | undefined, a8 = 0, a4 = 0;
    const regs = [0, 0, 0, 0];
    for (let t = 0; t < N; t++) {
      const [op, addr, data] = [ops[t]!, addrs[t]!, datas[t]!];
      const out = (k: string): number => Number(r!.outputs[k]![t]);
      if (t > 0 && rd !== undefined) expect(out('rd'), `rd at ${t}`).toBe(rd);
      expect(out('state'), `state at ${t}`).toBe(state);
      expect(out('pick'), `pick at ${t}`).toBe(regs[addr & 3]);
      if (delayed !== undefined) expect(out('delayed'), `delayed at ${t}`).toBe(delayed);
      if (gated !== undefined) expect(out('gated'), `gated at ${t}`).toBe(gated);
      expect([out('acc8a'), out('acc8b'), out('acc4')]).toEqual([a8, a8, a4]);
      expect([out('p1'), out('p2')]).toEqual([(data & 15) ^ 1, (data & 15) ^ 2]);
      // Clock edge: read-first memory, then the state updates.
      rd = mem[addr];
      if (op === 1) { mem[addr] = data; a8 = (a8 + data) & 255; }
      state = state === 0 ? (op === 2 ? 1 : 0) : state === 1 ? (op === 3 ? 2 : 1) : 0;
      if (op === 3) regs[addr & 3] = data;
      if (op === 0) delayed = data;
      if (op === 3) {
        const mixed = data ^ addr;
        const scaled = (mixed + 0x35) & 255;
        gated = ((((scaled & 15) << 4) | (scaled >> 4)) + mixed) & 255;
      }
      if (op === 2) a4 = (a4 + (data & 15)) & 15;
    }
  });

  test('a gated RegNext prints the logic only it reads inside its clocked block, under the enable; shared logic stays outside; lint-clean', async () => {
    const text = design.modules.find((m) => m.name === 'Features')!.text;
    const block = /always @\(posedge clock\) begin : (\w+)_logic\n([\s\S]*?)\n  end\n/.exec(text);
    expect(block, text).not.toBeNull();
    const body = block![2]!;
    // Its own logic: locals, assigned under the enable, then the register.
    expect(body).toMatch(/^    reg \[7:0\] scaled;/m);
    expect(body).toMatch(/^    reg \[7:0\] rotated;/m);
    expect(body).toMatch(/if \(op == 2'h3\) begin\n\s+scaled = mixed \+ 8'h35;[\s\S]*rotated = [\s\S]*<= rotated \+ mixed;/);
    // The shared value stays a module-level wire, computed every cycle.
    expect(text).toMatch(/^  wire \[7:0\] mixed = data \^ \{5'h0, addr\};/m);
    expect(body).not.toMatch(/mixed =/);
    expect(text).not.toMatch(/wire \[7:0\] (scaled|rotated)/);
    const lint = await lintVerilator({ top: design.top, sources: design.modules.map((m) => ({ name: `${m.name}.v`, text: m.text })) });
    expect([...lint.warnings, ...lint.errors]).toEqual([]);
    expect(lint.clean).toBe(true);
  });

  test('gated without an enable is refused with the register and the fix', () => {
    class Bad extends Module {
      readonly io;
      constructor() { super(); this.io = this.ports({ x: In(UInt(4)), y: Out(UInt(4)) }); }
      protected build(): void { this.io.y.set(RegNext(this.io.x, { gated: true })); }
    }
    expect(() => generate(new Bad())).toThrow(/gated needs an enable \(en\)/);
  });

  test('a second process does not rebuild an unchanged Verilator model', async () => {
    const target = targetOf(design);
    await simulate(target, [{ cycles: 1 }]);
    const file = join(mkdtempSync(join(tmpdir(), 'tcast-')), 'target.json');
    writeFileSync(file, JSON.stringify(target));
    const { stdout } = await execa('npx', ['tsx', join(projectRoot, 'test/hdl/second-run.ts'), file], { cwd: projectRoot });
    const res = JSON.parse(stdout.trim().split('\n').pop()!) as { cached: boolean; counters: { builds: number } };
    expect(res.cached).toBe(true);
    expect(res.counters.builds).toBe(0);
  });
});
