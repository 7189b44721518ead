import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { EXIT, UsageError, parseOptions, type Command } from '../command';
import { checkOutDir } from '../io';
import { driftAgainst, generateAll, svFilesOf, writeAll, type GeneratedDesign } from '../../designs/emit';
import { loadDesigns } from '../../designs/registry';
import { projectRoot } from '../../generator/hdl/source';
import { docsDrift, writeDocs } from '../gendocs';
import { step } from '../progress';

const help = `Usage: tcast generate [DESIGN...] [--out DIR] [--force] [--sv-wrapper] [--check] [--list] [--json]

Elaborates the shipped designs (designs/*.ts) and writes their
Verilog: DIR/<design>/<Module>.v, DIR/<design>/files.f and DIR/designs.json.
With no DESIGN, generates all of them, removes the files of designs that no
longer exist, and rewrites the generated sections of the docs (register
tables from their RegisterMap declarations, cli/gendocs.ts; only when DIR is
the project's rtl/). DIR/designs.json
is the record of what tcast wrote: only files it lists are ever removed, and
a non-empty DIR without one is refused.

Options:
  --out DIR   where to write (default: rtl/ in the project)
  --force     write into a non-empty DIR that tcast did not create (beside
              its files; none of them is removed)
  --sv-wrapper  also write, for each design with AXI4 / AXI4-Lite ports (the
              DMA, the engine, the AXI slice), a SystemVerilog wrapper
              <Top>_sv.sv whose ports are SV interfaces (tcast_axi4_if.sv,
              tcast_axi4_lite_if.sv, beside it; modports master/slave,
              parameterised widths), listed in files.f, designs.json and the
              .core (target sv). rtl/ ships without them; with --check, DIR
              is compared with the wrappers included
  --check     write nothing; exit 1 if DIR (or a generated doc section) differs from what the generators produce
              (DIR must exist: a missing one is bad input, exit 2)
  --list      list the designs and exit
  --json      print a JSON summary instead of text

Exit codes: 0 ok, 1 --check found drift, 2 bad input or an elaboration error.`;

/** The tree `--check --out DIR` compares: an existing directory (a missing one is a wrong path, not drift). */
function checkTree(dir: string): string {
  if (!existsSync(dir)) throw new UsageError(`--out ${dir}: no such directory; --check compares a tree written by 'tcast generate --out ${dir}'`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} is a file, not a directory; --check compares a tree written by 'tcast generate --out DIR'`);
  return dir;
}

/** The wrapper's file name when one was generated (the last of the design's .sv files), else null. */
const svWrapperOf = (d: GeneratedDesign): string | null => svFilesOf(d.extras).at(-1) ?? null;

const command: Command = {
  name: 'generate',
  summary: 'elaborate the shipped designs and write their Verilog (rtl/)',
  help,
  async run(argv) {
    const { values, positionals } = parseOptions('generate', argv, {
      out: { type: 'string' }, force: { type: 'boolean' }, check: { type: 'boolean' }, list: { type: 'boolean' }, json: { type: 'boolean' },
      'sv-wrapper': { type: 'boolean' },
    }, true);
    if (values.check && values.out !== undefined && values.out.trim() === '') throw new UsageError('--out is empty; give a directory');
    if (values.list && positionals.length) throw new UsageError(`--list takes no DESIGN (got ${positionals.join(' ')})`);
    // Options that would do nothing are refused, not ignored.
    if (values.list) for (const o of ['out', 'force', 'check', 'sv-wrapper'] as const) if (values[o] !== undefined) throw new UsageError(`--list writes nothing; drop --${o}`);
    if (values.check && values.force) throw new UsageError('--check writes nothing; drop --force');
    if (values.list) {
      const ds = await loadDesigns();
      if (values.json) console.log(JSON.stringify(ds.map((d) => ({ name: d.name, summary: d.summary })), null, 2));
      else for (const d of ds) console.log(`${d.name.padEnd(28)} ${d.summary}`);
      return EXIT.ok;
    }
    const root = values.out === undefined ? join(projectRoot, 'rtl') : values.check ? checkTree(values.out) : checkOutDir(values.out, '--out');
    // The docs' generated sections belong to the project: only a full generation into its rtl/ touches them.
    const withDocs = positionals.length === 0 && resolve(root) === resolve(projectRoot, 'rtl');
    const t0 = Date.now();
    const end = step(`elaborating ${positionals.length ? positionals.join(', ') : 'the shipped designs'}`, values.json === true);
    const ds = await generateAll(positionals, { svWrapper: values['sv-wrapper'] === true });
    end();
    if (values.check) {
      const drift = [...driftAgainst(ds, root), ...(withDocs ? docsDrift(projectRoot).map((f) => join(projectRoot, f)) : [])];
      if (values.json) console.log(JSON.stringify({ drift: drift.map((f) => relative(process.cwd(), f)) }, null, 2));
      else if (drift.length) {
        // The command that rewrites what was checked (with --sv-wrapper, the wrappers too).
        const fix = values.out === undefined && !values['sv-wrapper'] ? "'npm run generate' and commit"
          : `'tcast generate${positionals.length ? ` ${positionals.join(' ')}` : ''}${values['sv-wrapper'] ? ' --sv-wrapper' : ''}${values.out !== undefined ? ` --out ${values.out}` : ''}'${values.out === undefined ? ' and commit' : ''}`;
        console.log(`drift (run ${fix}):\n${drift.map((f) => `  ${relative(process.cwd(), f)}`).join('\n')}`);
      }
      else console.log(`${ds.length} designs match ${relative(process.cwd(), root) || '.'}`);
      return drift.length ? EXIT.failed : EXIT.ok;
    }
    const files = writeAll(ds, root, positionals.length === 0, { force: values.force === true });
    const docs = withDocs ? writeDocs(projectRoot) : [];
    const secs = (Date.now() - t0) / 1000;
    if (values.json) {
      console.log(JSON.stringify({
        out: root, seconds: secs, files: files.length, docs,
        designs: ds.map((d) => ({ name: d.entry.name, top: d.verilog.top, modules: d.verilog.modules.length, svWrapper: svWrapperOf(d) })),
      }, null, 2));
    } else {
      for (const d of ds) {
        const sv = svWrapperOf(d);
        console.log(`  ${d.entry.name.padEnd(28)} ${d.verilog.top} (${d.verilog.modules.length} module${d.verilog.modules.length > 1 ? 's' : ''}${sv ? `; SV wrapper ${sv}` : ''})`);
      }
      console.log(`wrote ${files.length} files for ${ds.length} designs to ${relative(process.cwd(), root) || '.'} in ${secs.toFixed(1)} s`);
      for (const f of docs) console.log(`updated the generated sections of ${f}`);
    }
    return EXIT.ok;
  },
};
export default command;
