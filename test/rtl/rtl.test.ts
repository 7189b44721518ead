/**
 * rtl/ is what the generators produce, byte for byte, and every shipped module
 * passes the three tools: Verilator lint (-Wall, no -Wno-*), Yosys synthesis
 * (check -assert, no latch cells) and Icarus.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { driftAgainst, generateAll, indexJson } from '../../designs/emit';
import { projectRoot } from '../../generator/hdl/source';
import { compileIcarus, inferMemories, lintVerilator, synthYosys } from '../../sim/checks';

const rtl = join(projectRoot, 'rtl');
const index = JSON.parse(readFileSync(join(rtl, 'designs.json'), 'utf8')) as { name: string; top: string; modules: string[] }[];

describe('rtl/ matches its generators', () => {
  test('regenerating twice gives identical bytes', async () => {
    const a = await generateAll();
    const b = await generateAll();
    expect(indexJson(b)).toBe(indexJson(a));
    expect(b.map((d) => d.verilog.modules)).toEqual(a.map((d) => d.verilog.modules));
  });

  test("rtl/ on disk equals a fresh generation (run 'npm run generate' after changing a generator)", async () => {
    expect(driftAgainst(await generateAll(), rtl)).toEqual([]);
  });
});

const COARSE_ABOVE = 200_000;

describe.each(index)('rtl/$name', ({ name, top, modules }) => {
  const files = modules.map((m) => join(rtl, name, `${m}.v`));

  test('verilator --lint-only -Wall is clean', async () => {
    for (const f of files) expect(readFileSync(f, 'utf8')).not.toMatch(/lint_off\s+(?!UNUSEDSIGNAL\b)/);
    const r = await lintVerilator({ top, files });
    expect(r.warnings.map((w) => `${w.code ?? ''} ${w.file ?? ''}:${w.line ?? ''} ${w.message}`)).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.clean).toBe(true);
  });

  // A design of more than COARSE_ABOVE characters of Verilog (the engine) is
  // checked after Yosys' coarse-grain synthesis, where latches, drivers and
  // loops are already visible, at a tenth of the time; `tcast check` and
  // docs/ENGINE.md's cell counts run the full generic synthesis.
  const coarse = files.reduce((n, f) => n + readFileSync(f, 'utf8').length, 0) > COARSE_ABOVE;
  test(`Yosys synthesises it${coarse ? ' (coarse grain)' : ''}: check -assert passes, no latches`, async () => {
    const r = await synthYosys({ top, files }, { coarse });
    expect(r.errors).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.latches).toBe(0);
    expect(Object.keys(r.cellTypes).filter((c) => /DLATCH|dlatch/.test(c))).toEqual([]);
    expect(r.cells).toBeGreaterThan(0);
  });

  test('Icarus compiles it as Verilog-2005 (-g2005)', async () => {
    const r = await compileIcarus({ top, files, generation: '2005' });
    expect(r.ok, r.log).toBe(true);
  });

  if (/-b?ram$/.test(name)) {
    test('its storage is inferred as a memory', async () => {
      const r = await inferMemories({ top, files });
      expect(r.memories).toBeGreaterThanOrEqual(1);
    });
  }
});
