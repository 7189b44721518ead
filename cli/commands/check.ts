import { join } from 'node:path';
import { EXIT, UsageError, parseOptions, type Command } from '../command';
import { designFiles, readDesignIndex } from '../io';
import { Progress } from '../progress';
import { projectRoot } from '../../generator/hdl/source';
import { compileIcarus, lintVerilator, synthYosys, type Diagnostic } from '../../sim/checks';

const help = `Usage: tcast check [DESIGN...] [--rtl DIR] [--hierarchical] [--json]

Runs the three standard checks on shipped designs in rtl/ (all, or those
named): Verilator lint (--lint-only -Wall, no suppressions beyond the
per-signal ones the back end writes), Yosys synthesis (synth; check; no latch
cells; cell count and logic depth) and Icarus Verilog compilation.

Options:
  --rtl DIR        the generated tree to check (default: rtl/)
  --hierarchical   Yosys without flattening, for the large engines (minutes,
                   not hours): each module synthesised once with memories kept
                   as $mem_v2 cells (not flip-flops), check on every module,
                   cells counted through the hierarchy (stat -top); no logic
                   depth
  --json           print one JSON record per design

Exit codes: 0 all clean, 1 a check failed, 2 bad input, 3 a tool is missing.`;

/** A tool's diagnostic as one line: code, file:line, message. */
const diagText = (d: Diagnostic): string => `${d.code ? `${d.code} ` : ''}${d.file ?? ''}${d.line !== undefined ? `:${d.line}` : ''} ${d.message}`.trim();

const command: Command = {
  name: 'check',
  summary: 'lint, synthesise and Icarus-compile the designs in rtl/',
  help,
  async run(argv) {
    const parsed = parseOptions('check', argv, { rtl: { type: 'string' }, hierarchical: { type: 'boolean' }, json: { type: 'boolean' } }, true);
    const root = parsed.values.rtl ?? join(projectRoot, 'rtl');
    if (parsed.values.rtl !== undefined && parsed.values.rtl.trim() === '') throw new UsageError('--rtl is empty; give the generated tree (default rtl/)');
    const index = readDesignIndex(root);
    const names = parsed.positionals;
    const unknown = names.filter((n) => !index.some((d) => d.name === n));
    if (unknown.length) throw new UsageError(`unknown design(s) ${unknown.join(', ')}; see ${join(root, 'designs.json')}`);
    const chosen = names.length ? index.filter((d) => names.includes(d.name)) : index;
    // Every file is there before any tool runs.
    const filesOf = new Map(chosen.map((d) => [d.name, designFiles(root, d)]));
    const hierarchical = parsed.values.hierarchical === true;
    const bar = new Progress('checking designs', chosen.length, parsed.values.json === true);
    const results = [];
    let failed = 0;
    for (const [i, d] of chosen.entries()) {
      bar.update(i, d.name);
      const files = filesOf.get(d.name)!;
      const lint = await lintVerilator({ top: d.top, files });
      const syn = await synthYosys({ top: d.top, files }, { hierarchical });
      const ica = await compileIcarus({ top: d.top, files });
      const ok = lint.clean && syn.ok && syn.latches === 0 && ica.ok;
      if (!ok) failed++;
      results.push({
        design: d.name, top: d.top, ok,
        lint: { clean: lint.clean, warnings: lint.warnings.map(diagText), errors: lint.errors.map(diagText) },
        synth: {
          ok: syn.ok, flow: hierarchical ? 'hierarchical' : 'flat', cells: syn.cells, logicDepth: hierarchical ? null : syn.logicDepth, latches: syn.latches,
          memories: syn.cellTypes.$mem_v2 ?? 0, problems: syn.problems, errors: syn.errors,
        },
        icarus: { ok: ica.ok, errors: ica.errors.map(diagText) },
      });
      bar.update(i + 1);
    }
    bar.done();
    if (parsed.values.json) console.log(JSON.stringify(results, null, 2));
    else {
      for (const r of results) {
        const lintText = r.lint.clean ? 'clean' : r.lint.errors.length ? `FAILED (${r.lint.errors.length} error(s))` : `${r.lint.warnings.length} warning(s)`;
        const synText = r.synth.errors.length ? 'FAILED' : `${r.synth.cells} cells ${hierarchical ? `(hierarchical, ${r.synth.memories} memories kept)` : `depth ${r.synth.logicDepth}`}`;
        console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.design.padEnd(28)} lint ${lintText}, yosys ${synText}${r.synth.latches ? `, ${r.synth.latches} LATCHES` : ''}, icarus ${r.icarus.ok ? 'ok' : 'FAILED'}`);
        if (!r.ok) {
          for (const [tool, lines] of [['lint', [...r.lint.errors, ...r.lint.warnings]], ['yosys', [...r.synth.errors, ...r.synth.problems]], ['icarus', r.icarus.errors]] as const) {
            for (const l of lines) console.log(`     ${tool}: ${l}`);
          }
        }
      }
      console.log(`${results.length - failed}/${results.length} designs clean`);
    }
    return failed ? EXIT.failed : EXIT.ok;
  },
};
export default command;
