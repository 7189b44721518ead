/**
 * The register drivers generated beside the Verilog (rtl/<design>/<Top>.regs.ts
 * and <Top>.h, from the top's RegisterMap): the C header compiles with
 * `gcc -Wall -Werror` and holds the TypeScript driver's values; the driver's
 * encode/decode and class agree with the declaration.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../generator/hdl/source';
import { DMA_REGISTERS } from '../../accel/dma/regs';
import { ENGINE_REGISTERS } from '../../accel/engine/regs';

const rtl = join(projectRoot, 'rtl');
const index = JSON.parse(readFileSync(join(rtl, 'designs.json'), 'utf8')) as { name: string; top: string; extras?: string[] }[];
const withDrivers = index.filter((d) => d.extras?.includes(`${d.top}.h`));

interface Field { shift: number; width: number; mask: number; access: string; reset: number }
interface Reg { offset: number; access: string; reset: number; present: boolean; fields: Record<string, Field> }
interface Driver {
  REGISTERS: Record<string, Reg>;
  encode(reg: string, f: Record<string, number>): number;
  decode(reg: string, v: number): Record<string, number>;
  [cls: string]: unknown;
}

const tmp = mkdtempSync(join(tmpdir(), 'tcast-drivers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('the DMA and the engine have drivers', () => {
  expect(withDrivers.map((d) => d.name).sort()).toEqual(expect.arrayContaining(['dma-d128-a64-r2-b8', 'dma-d64-r4-b16', 'engine-d128']));
});

describe.each(withDrivers)('rtl/$name', ({ name, top }) => {
  const load = async (): Promise<Driver> => (await import(pathToFileURL(join(rtl, name, `${top}.regs.ts`)).href)) as Driver;

  test(`${top}.h compiles with gcc -Wall -Werror and holds the TypeScript driver's values`, async () => {
    const d = await load();
    const prefix = name.startsWith('dma') ? 'DMA' : 'ENGINE';
    const checks: [string, number][] = [];
    for (const [r, reg] of Object.entries(d.REGISTERS)) {
      checks.push([`${prefix}_${r}_OFFSET`, reg.offset], [`${prefix}_${r}_RESET`, reg.reset], [`${prefix}_${r}_PRESENT`, reg.present ? 1 : 0]);
      const single = Object.keys(reg.fields).length === 1 && reg.fields[r] !== undefined;
      for (const [fname, f] of Object.entries(reg.fields)) {
        const n = single ? `${prefix}_${r}` : `${prefix}_${r}_${fname}`;
        checks.push([`${n}_SHIFT`, f.shift], [`${n}_WIDTH`, f.width], [`${n}_MASK`, f.mask]);
        if (!single) checks.push([`${n}_RESET`, f.reset]);
      }
    }
    const c = join(tmp, `${name}.c`);
    writeFileSync(c, [
      '#include <stdio.h>',
      `#include "${top}.h"`,
      'int main(void) {',
      ...checks.map(([m]) => `  printf("%s %lu\\n", "${m}", (unsigned long)(${m}));`),
      '  return 0;',
      '}',
      '',
    ].join('\n'));
    const exe = join(tmp, name);
    execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-I', join(rtl, name), c, '-o', exe]);
    const got = execFileSync(exe, { encoding: 'utf8' }).trim().split('\n').map((l) => l.split(' '));
    expect(got.map(([m, v]) => [m, Number(v)])).toEqual(checks);
  });

  test('the driver agrees with the RegisterMap declaration; encode/decode and the class round-trip', async () => {
    const d = await load();
    const map = name.startsWith('dma') ? DMA_REGISTERS : ENGINE_REGISTERS;
    expect(Object.keys(d.REGISTERS)).toEqual(map.registers.map((r) => r.name));
    for (const r of map.registers) {
      expect(d.REGISTERS[r.name]!.offset).toBe(r.offset);
      for (const f of r.fields) expect(d.REGISTERS[r.name]!.fields[f.name]!.mask).toBe(Number(f.mask));
    }
    // A multi-field register: encode places each field at its bits; decode inverts it.
    const [reg, def] = Object.entries(d.REGISTERS).find(([, x]) => Object.keys(x.fields).length > 1)!;
    const values = Object.fromEntries(Object.entries(def.fields).map(([f, x], i) => [f, (i + 1) % 2 ** x.width]));
    const raw = d.encode(reg, values);
    expect(d.decode(reg, raw)).toEqual(values);
    for (const [f, x] of Object.entries(def.fields)) expect(((raw & x.mask) >>> 0) / 2 ** x.shift).toBe(values[f]);
    expect(() => d.encode(reg, { [Object.keys(def.fields)[0]!]: 2 ** 20 * 2 ** 12 })).toThrow(/does not fit/);
    // The class goes through the bus at the register's offset.
    const log: string[] = [];
    const Cls = d[`${top}_Regs`] as new (bus: unknown) => Record<string, (...a: unknown[]) => Promise<unknown>>;
    const regs = new Cls({
      read: (o: number) => { log.push(`r${o}`); return Promise.resolve(raw); },
      write: (o: number, v: number) => { log.push(`w${o}=${v}`); return Promise.resolve(); },
    });
    expect(await regs[`read${reg}`]!()).toEqual(values);
    expect(log).toEqual([`r${def.offset}`]);
    await regs.write!('CTRL', 1);
    expect(log[1]).toBe(`w${d.REGISTERS.CTRL!.offset}=1`);
  });
});
