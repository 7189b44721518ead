import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { compileIcarus, inferMemories, lintVerilator, parseVerilatorMessages, synthYosys } from '../../sim/checks';
import { SimInputError } from '../../sim/sources';
import { ToolMissingError, requireTool, resetToolCache, toolVersions } from '../../sim/tools';

const fx = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.v`, import.meta.url));
const design = (name: string) => ({ files: [fx(name)], top: name });

describe('tools', () => {
  it('finds the three HDL tools and their versions', () => {
    const v = toolVersions();
    expect(v.verilator).toMatch(/^\d+\.\d+/);
    expect(v.iverilog).toMatch(/^\d+\.\d+/);
    expect(v.yosys).toMatch(/^\d+\.\d+/);
  });

  it('a missing tool is a one-line user-facing error with exit code 3 and the install command', () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    resetToolCache();
    try {
      let err: unknown;
      try {
        requireTool('verilator');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ToolMissingError);
      const e = err as ToolMissingError;
      expect(e.userFacing).toBe(true);
      expect(e.exitCode).toBe(3);
      expect(e.message).toBe(
        "Verilator not found on PATH: install it with 'apt-get update && apt-get install -y verilator' (as root)",
      );
      expect(() => requireTool('yosys')).toThrow(/^Yosys not found on PATH: .*apt-get install -y yosys/);
      expect(() => requireTool('iverilog')).toThrow(/apt-get install -y iverilog/);
    } finally {
      process.env.PATH = saved;
      resetToolCache();
    }
  });
});

describe('lintVerilator', () => {
  it('is clean on the clean fixture', async () => {
    const r = await lintVerilator(design('clean'));
    expect(r.warnings).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.clean).toBe(true);
  });

  it('reports the WIDTH warning with file and line', async () => {
    const r = await lintVerilator(design('lint_warning'));
    expect(r.clean).toBe(false);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ severity: 'warning', code: 'WIDTH', file: fx('lint_warning'), line: 8 });
    expect(r.warnings[0]!.message).toMatch(/expects 4 bits/);
  });

  it('reports the latch and the combinational loop', async () => {
    expect((await lintVerilator(design('latch'))).warnings.map((w) => w.code)).toEqual(['LATCH']);
    expect((await lintVerilator(design('comb_loop'))).warnings.map((w) => w.code)).toEqual(['UNOPTFLAT']);
  });

  it('reports syntax errors as errors carrying Verilator’s message', async () => {
    const r = await lintVerilator(design('syntax_error'));
    expect(r.clean).toBe(false);
    expect(r.errors[0]).toMatchObject({ severity: 'error', line: 7 });
    expect(r.errors[0]!.message).toMatch(/syntax error/);
  });

  it('accepts in-memory sources', async () => {
    const r = await lintVerilator({
      top: 'inv',
      sources: [{ name: 'inv.v', text: 'module inv(input wire a, output wire y);\n  assign y = ~a;\nendmodule\n' }],
    });
    expect(r.clean).toBe(true);
  });

  it('parses continuation lines into the diagnostic text', () => {
    const d = parseVerilatorMessages(
      "%Warning-UNUSEDSIGNAL: a.v:3:9: Signal is not used: 'x'\n    : ... In instance t\n%Error: Exiting due to 1 warning(s)\n",
    );
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'UNUSEDSIGNAL', file: 'a.v', line: 3, column: 9 });
    expect(d[0]!.text).toMatch(/In instance t/);
  });
});

describe('synthYosys', () => {
  it('synthesises the clean fixture: cells, flip-flops, no latches, a logic depth', async () => {
    const r = await synthYosys(design('clean'));
    expect(r.ok).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.latches).toBe(0);
    expect(r.cells).toBeGreaterThan(8);
    expect(Object.values(r.cellTypes).reduce((a, b) => a + b, 0)).toBe(r.cells);
    const dffs = Object.entries(r.cellTypes)
      .filter(([t]) => /DFF/i.test(t))
      .reduce((a, [, n]) => a + n, 0);
    expect(dffs).toBe(8);
    expect(r.logicDepth).toBeGreaterThan(1);
  });

  it.each([false, true])('counts the latches of the latch fixture (coarse grain: %s)', async (coarse) => {
    const r = await synthYosys(design('latch'), { coarse });
    // Fine grain: one $_DLATCH_ per bit; coarse grain: one 4-bit $dlatch cell.
    expect(r.latches).toBe(coarse ? 1 : 4);
  });

  it.each([false, true])('fails check on a combinational loop (coarse grain: %s)', async (coarse) => {
    const r = await synthYosys(design('comb_loop'), { coarse });
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/logic loop/);
  });

  it('hierarchical: each module once, cells counted through the hierarchy, equal to the flattened full flow without memories; a memory stays one $mem_v2; latches and loops still found', async () => {
    const child = `module child (input wire clock, input wire [7:0] a, input wire [7:0] b, output reg [7:0] q);
  always @(posedge clock) q <= (a * b) ^ (a + b);
endmodule
`;
    const parent = `module parent (input wire clock, input wire [7:0] x, output wire [7:0] y);
  wire [7:0] q0;
  wire [7:0] q1;
  wire [7:0] q2;
  child c0 (.clock(clock), .a(x), .b(8'h3), .q(q0));
  child c1 (.clock(clock), .a(q0), .b(x), .q(q1));
  child c2 (.clock(clock), .a(q1), .b(q0), .q(q2));
  assign y = q2;
endmodule
`;
    const tree = { top: 'parent', sources: [{ name: 'child.v', text: child }, { name: 'parent.v', text: parent }] };
    const [flat, hier, one] = await Promise.all([
      synthYosys(tree), synthYosys(tree, { hierarchical: true }), synthYosys({ top: 'child', sources: tree.sources.slice(0, 1) }, { hierarchical: true }),
    ]);
    expect(hier.ok && flat.ok && one.ok).toBe(true);
    expect(hier.cells).toBe(3 * one.cells);
    expect(hier.cells).toBe(flat.cells);
    expect(hier.cellTypes).toEqual(flat.cellTypes);
    expect(hier.logicDepth).toBe(0);
    const fifo = await synthYosys(design('ram_fifo'), { hierarchical: true });
    expect(fifo.ok).toBe(true);
    expect(fifo.cellTypes.$mem_v2).toBe(1);
    expect((await synthYosys(design('latch'), { hierarchical: true })).latches).toBe(4);
    const loop = await synthYosys(design('comb_loop'), { hierarchical: true });
    expect(loop.ok).toBe(false);
    expect(loop.problems.join('\n')).toMatch(/logic loop/);
  });

  it('fails with Yosys’ message on a syntax error', async () => {
    const r = await synthYosys(design('syntax_error'));
    expect(r.ok).toBe(false);
    expect(r.errors.join('\n')).toMatch(/syntax_error\.v:7: ERROR: syntax error/);
  });
});

describe('inferMemories', () => {
  it('infers the RAM of the FIFO as a memory, and none in a plain register design', async () => {
    const fifo = await inferMemories(design('ram_fifo'));
    expect(fifo.ok).toBe(true);
    expect(fifo.memories).toBe(1);
    const clean = await inferMemories(design('clean'));
    expect(clean.ok).toBe(true);
    expect(clean.memories).toBe(0);
  });
});

describe('compileIcarus', () => {
  it('compiles the clean fixture', async () => {
    const r = await compileIcarus(design('clean'));
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('fails with Icarus’ message on a syntax error', async () => {
    const r = await compileIcarus(design('syntax_error'));
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatchObject({ file: fx('syntax_error'), line: 7 });
    expect(r.errors[0]!.message).toMatch(/syntax error/);
  });

  it('fails on an unknown top module', async () => {
    const r = await compileIcarus({ files: [fx('clean')], top: 'nosuch' });
    expect(r.ok).toBe(false);
    expect(r.log).toMatch(/nosuch/);
  });

  it('rejects an invalid top name before running any tool', async () => {
    await expect(compileIcarus({ files: [fx('clean')], top: 'bad name' })).rejects.toBeInstanceOf(SimInputError);
  });
});
