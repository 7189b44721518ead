/**
 * `tcast report [RESULTS...] --out DIR`: bench results (bench/results/*.json,
 * a `runs` array each) to one standalone HTML page with SVG plots and the
 * tables behind them (cli/report.ts, docs/REPORT.md).
 */
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError, parseOptions } from '../command';
import { checkOutDir, fsReason, writeFileAtomic } from '../io';
import { buildPlots, checkResultFile, renderReport, type ResultFile } from '../report';

const DEFAULTS = ['bench/results/engine.json', 'bench/results/training.json'];

const help = `tcast report: turn bench results into one standalone HTML page with SVG plots

Usage: tcast report [RESULTS...] --out DIR [--json]

RESULTS are bench result files with a "runs" array (docs/REPORT.md gives the
fields): bench/results/engine.json ('npm run bench -- engine') and
bench/results/training.json. Without RESULTS, those two, whichever exist.
Writes DIR/index.html: speed-up of the casted path over the baseline against
dim and against skew (U/N), R-channel utilisation against reads in flight,
cycles per lookup per operation; each with the traffic model's prediction
(docs/TRAFFIC.md), the speed-up plots with the paper's reported range drawn as
a different system; the tables behind every plot. A plot with no data says so.

Options:
  --out DIR   where to write index.html (required)
  --json      print the plots' data (series, points, bands) on stdout

Exit codes: 0 ok; 2 a missing, unreadable or malformed result file, or a bad option.`;

const command: Command = {
  name: 'report',
  summary: 'bench results to one HTML page with SVG plots (speed-up, R utilisation, cycles per lookup) and tables',
  help,
  run(argv) {
    const { values, positionals } = parseOptions('report', argv, { out: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (values.out === undefined) throw new UsageError("tcast report needs --out DIR; see 'tcast report --help'");
    const out = checkOutDir(values.out, '--out');
    const paths = positionals.length ? positionals : DEFAULTS.filter((p) => existsSync(p));
    if (paths.length === 0) throw new UsageError(`no result files: none given and none of ${DEFAULTS.join(', ')} exists; run 'npm run bench -- engine' first or name the files`);
    // The same file twice would count its runs twice in every plot and table.
    const seen = new Map<string, string>();
    for (const p of paths) {
      const real = existsSync(p) ? realpathSync(p) : resolve(p);
      const first = seen.get(real);
      if (first !== undefined) throw new UsageError(`${p} is given twice (as ${first} too): its runs would count twice; name each result file once`);
      seen.set(real, p);
    }
    const files: ResultFile[] = paths.map((p) => {
      let text: string;
      try { text = readFileSync(p, 'utf8'); } catch (e) { throw new UsageError(`cannot read result file ${p}: ${fsReason(e)}`); }
      let v: unknown;
      try { v = JSON.parse(text); } catch (e) { throw new UsageError(`${p}: not JSON (${(e as Error).message})`); }
      const why = checkResultFile(p, v);
      if (why !== undefined) throw new UsageError(why);
      return { file: p, runs: (v as ResultFile).runs };
    });
    const plots = buildPlots(files.flatMap((f) => f.runs));
    mkdirSync(out, { recursive: true });
    const page = join(out, 'index.html');
    writeFileAtomic(page, renderReport(files, plots), 'report');
    if (values.json === true) console.log(JSON.stringify({ page, files: files.map((f) => ({ file: f.file, runs: f.runs.length })), plots }, null, 2));
    else console.log(`tcast report: ${files.reduce((a, f) => a + f.runs.length, 0)} runs from ${paths.length} file(s); ${plots.filter((p) => p.empty === undefined).length} of ${plots.length} plots with data; wrote ${page}`);
    return Promise.resolve(EXIT.ok);
  },
};
export default command;
