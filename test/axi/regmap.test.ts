/**
 * RegisterMap: declaration errors are named, the docs table matches the DMA's
 * declaration, and a small register file (RW with a reset value and byte
 * strobes, RO, WO pulse, W1C set by hardware and cleared by writing 1) is
 * co-simulated through its AXI4-Lite port. The same small design carries an
 * assert and a printf: printf output reaches the caller of the vector
 * harness, and a failing assert stops it with the cycle, the message and the
 * source line (test/axi/mutants.test.ts does the same in the AXI harness).
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { Bool, In, Module, Out, Reg, UInt, assert, generate, printf, when } from '../../generator';
import { AxiLite } from '../../generator/stdlib/axi/bundles';
import { registerMap } from '../../generator/stdlib/axi/regmap';
import { projectRoot } from '../../generator/hdl/source';
import { targetOf } from '../../sim/design';
import { simulate, SimRunError } from '../../sim/vectors';
import { docsDrift } from '../../cli/gendocs';

const MAP = registerMap('demo', [
  { name: 'CFG', offset: 0x0, access: 'RW', doc: 'configuration', fields: [
    { name: 'MODE', bits: [3, 0], reset: 5, doc: 'mode' },
    { name: 'LIMIT', bits: [15, 8], reset: 0x20, doc: 'limit' },
  ] },
  { name: 'STATUS', offset: 0x4, access: 'RO', doc: 'status' },
  { name: 'CMD', offset: 0x8, access: 'WO', doc: 'command', fields: [{ name: 'GO', bits: 0, doc: 'go' }] },
  { name: 'EVENTS', offset: 0xc, access: 'W1C', doc: 'events', fields: [{ name: 'TICK', bits: 1, doc: 'the tick input was high' }] },
] as const);

class Demo extends Module {
  readonly io;
  constructor() {
    super();
    this.io = this.ports({ lite: In(AxiLite({ addrBits: 4 })), tick: In(Bool), gos: Out(UInt(8)), cfg: Out(UInt(16)) });
  }
  protected build(): void {
    const gos = Reg(UInt(8), { init: 0 });
    const regs = MAP.build(this.io.lite, { STATUS: gos.pad(32), EVENTS: { TICK: this.io.tick } });
    when(regs.wrote('CMD', 'GO').and(regs.field('CMD', 'GO')), () => {
      gos.set(gos.addWrap(1));
      printf('GO number %d\n', gos.addWrap(1));
    });
    assert(gos.lt(3), 'at most two GO commands'); // @mark:assert
    this.io.gos.set(gos);
    this.io.cfg.set(regs.value('CFG'));
  }
}

describe('RegisterMap', () => {
  test('declaration errors are BAD PARAMETER with the fix', () => {
    expect(() => registerMap('x', [{ name: 'A', offset: 0, access: 'RW', doc: '', fields: [{ name: 'P', bits: [7, 0], doc: '' }, { name: 'Q', bits: [8, 4], doc: '' }] }]))
      .toThrow(/^BAD PARAMETER: register map 'x', register A: field Q \(bits 8:4\) overlaps another field @\[test\/axi\/regmap\.test\.ts:\d+\]$/);
    expect(() => registerMap('x', [{ name: 'A', offset: 0, access: 'RW', doc: '' }, { name: 'B', offset: 0, access: 'RW', doc: '' }]))
      .toThrow(/offset 0x0 is already A/);
    expect(() => registerMap('x', [{ name: 'A', offset: 2, access: 'RW', doc: '' }])).toThrow(/not a multiple of 4/);
    expect(() => registerMap('x', [{ name: 'A', offset: 0, access: 'RW', doc: '', fields: [{ name: 'P', bits: [1, 0], reset: 4, doc: '' }] }])).toThrow(/reset value 4 does not fit in 2 bits/);
    expect(MAP.offsets).toEqual({ CFG: 0, STATUS: 4, CMD: 8, EVENTS: 12 });
  });

  test('the docs tables match their declarations (npm run generate rewrites them)', () => {
    expect(docsDrift(projectRoot)).toEqual([]);
  });

  test('co-simulated: RW reset values and byte strobes, RO, a WO pulse, W1C set by hardware and cleared by writing 1', async () => {
    // One AXI4-Lite operation every other cycle: AW+W together (BREADY high), or AR (RREADY high).
    const ops: { w?: [number, number, number]; r?: number; tick?: number }[] = [
      { r: 0x0 },                       // CFG reset: LIMIT 0x20, MODE 5
      { w: [0x0, 0xffffffff, 0b0001] }, // only byte 0: MODE = 0xf (bits 7:4 are not a field)
      { r: 0x0 },
      { w: [0x8, 1, 0b1111] },          // GO
      { w: [0x8, 1, 0b1111] },          // GO
      { w: [0x8, 1, 0b0000] },          // no strobe: no GO
      { r: 0x4 },                       // STATUS = 2
      { tick: 1 },
      { r: 0xc },                       // TICK set
      { w: [0xc, 0, 0b1111] },          // writing 0 keeps it
      { r: 0xc },
      { w: [0xc, 2, 0b1111] },          // writing 1 clears it
      { r: 0xc },
      { r: 0x10 & 0xf },                // wraps to CFG with a 4-bit address
    ];
    const cols = ['lite_awvalid', 'lite_awaddr', 'lite_wvalid', 'lite_wdata', 'lite_wstrb', 'lite_bready', 'lite_arvalid', 'lite_araddr', 'lite_rready', 'tick'];
    const drive: Record<string, number[]> = Object.fromEntries(cols.map((c) => [c, [] as number[]]));
    for (const op of ops) {
      const row = (awv: number, aw: number, wd: number, st: number, arv: number, ar: number, tick: number) =>
        [awv, aw, awv, wd, st, 1, arv, ar, 1, tick].forEach((v, i) => drive[cols[i]!]!.push(v));
      row(op.w ? 1 : 0, op.w?.[0] ?? 0, op.w?.[1] ?? 0, op.w?.[2] ?? 0, op.r !== undefined ? 1 : 0, op.r ?? 0, op.tick ?? 0);
      row(0, 0, 0, 0, 0, 0, 0);
    }
    let printed = '';
    const [r] = await simulate(targetOf(generate(new Demo())), [{ cycles: 2 * ops.length, drive, watch: ['lite_rvalid', 'lite_rdata', 'gos'] }], { onOutput: (t) => { printed += t; } });
    expect(printed).toBe('GO number 1\nGO number 2\n');
    const reads = r!.outputs.lite_rdata!.filter((_, c) => r!.outputs.lite_rvalid![c] === 1n);
    expect(reads).toEqual([0x2005n, 0x200fn, 2n, 2n, 2n, 0n, 0x200fn]);
    expect(r!.outputs.gos![r!.outputs.gos!.length - 1]).toBe(2n);
  }, 120_000);

  test('vector harness: a failing assert stops the run with the cycle, the message and the source line', async () => {
    const line = readFileSync(new URL(import.meta.url), 'utf8').split('\n').findIndex((l) => l.includes('// @mark:assert')) + 1;
    // GO written in cycles 0, 2 and 4: gos is 3 from cycle 5 on.
    const go = [1, 0, 1, 0, 1, 0, 0, 0, 0, 0];
    const drive = { lite_awvalid: go, lite_wvalid: go, lite_awaddr: [MAP.offset('CMD')], lite_wdata: [1], lite_wstrb: [0xf], lite_bready: [1] };
    const err = await simulate(targetOf(generate(new Demo())), [{ cycles: 10, drive }]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SimRunError);
    const e = err as SimRunError;
    expect(e.message).toBe(`simulation of 'Demo': assertion failed in cycle 5: at most two GO commands @[test/axi/regmap.test.ts:${line}]`);
    expect({ cycle: e.cycle, assertion: e.assertion, loc: e.loc }).toEqual({ cycle: 5, assertion: 'at most two GO commands', loc: `test/axi/regmap.test.ts:${line}` });
  }, 120_000);
});
