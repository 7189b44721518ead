/**
 * The standard checks every generated module must pass: Verilator lint with
 * -Wall, Yosys synthesis (cells, latches, logic depth, memory inference) and an
 * Icarus Verilog compile. Each returns a structured result carrying the tool's
 * own messages; a missing tool throws ToolMissingError.
 */
import { execa } from 'execa';
import { basename, join } from 'node:path';
import { includeDirs, withVerilogFiles, type VerilogInput } from './sources';
import { requireTool } from './tools';
import { envSeconds } from './env';

export interface Diagnostic {
  severity: 'warning' | 'error';
  /** Verilator warning code (e.g. "WIDTH"), when the tool gives one. */
  code?: string;
  file?: string;
  line?: number;
  column?: number;
  /** The first line of the tool's message. */
  message: string;
  /** The whole message, including continuation lines. */
  text: string;
}

/** A lint/synthesis/compile tool that did not finish within its time limit (TCAST_TOOL_TIMEOUT_S). */
export class ToolTimeoutError extends Error {
  readonly userFacing = true;
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'ToolTimeoutError';
  }
}

/** The time limit of one tool run: $TCAST_TOOL_TIMEOUT_S seconds, else 10 minutes. */
function toolTimeoutMs(): number {
  return envSeconds('TCAST_TOOL_TIMEOUT_S', 10 * 60_000, (m) => new ToolTimeoutError(m));
}

/** Runs a tool to completion (never rejects): exit code, stdout and stderr interleaved, whether the timeout killed it. */
export async function execTool(cmd: string, args: string[], cwd: string | undefined, timeoutMs: number): Promise<{ code: number; log: string; timedOut: boolean }> {
  const r = await execa(cmd, args, { reject: false, all: true, timeout: timeoutMs, stdin: 'ignore', ...(cwd !== undefined ? { cwd } : {}) });
  return { code: r.exitCode ?? -1, log: r.all ?? '', timedOut: r.timedOut === true };
}

async function runTool(cmd: string, args: string[], cwd?: string) {
  const ms = toolTimeoutMs();
  const r = await execTool(cmd, args, cwd, ms);
  if (r.timedOut) throw new ToolTimeoutError(`${basename(cmd)} did not finish within ${ms / 1000} s (${cmd} ${args.join(' ')}); a large design may need longer: set TCAST_TOOL_TIMEOUT_S=SECONDS`);
  return { code: r.code, log: r.log };
}

// ---------------------------------------------------------------- Verilator

export interface LintResult {
  /** No warnings and no errors. */
  clean: boolean;
  warnings: Diagnostic[];
  /** Errors (syntax errors, unknown modules...): lint could not run to completion. */
  errors: Diagnostic[];
  /** Verilator's full output. */
  log: string;
}

/**
 * Parses Verilator's `%Warning-CODE: file:line:col: message` /
 * `%Error: file:line:col: message` blocks. The trailing
 * "%Error: Exiting due to N warning(s)" summary is not a diagnostic.
 */
export function parseVerilatorMessages(log: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  let cur: Diagnostic | undefined;
  for (const line of log.split('\n')) {
    const m = /^%(Warning|Error)(?:-([A-Z0-9_]+))?:\s*(.*)$/.exec(line);
    if (m) {
      const rest = m[3]!;
      if (m[1] === 'Error' && !m[2] && /^(Exiting due to|Cannot continue)/.test(rest)) {
        cur = undefined;
        continue;
      }
      const loc = /^([^:\s][^:]*):(\d+):(?:(\d+):)?\s*(.*)$/.exec(rest);
      cur = {
        severity: m[1] === 'Warning' ? 'warning' : 'error',
        ...(m[2] ? { code: m[2] } : {}),
        ...(loc ? { file: loc[1]!, line: Number(loc[2]), ...(loc[3] ? { column: Number(loc[3]) } : {}) } : {}),
        message: loc ? loc[4]! : rest,
        text: line,
      };
      out.push(cur);
    } else if (cur && line.trim() !== '') {
      cur.text += `\n${line}`;
    }
  }
  return out;
}

/** `verilator --lint-only -Wall` on the design; no warning is disabled. */
export async function lintVerilator(input: VerilogInput): Promise<LintResult> {
  const tool = requireTool('verilator');
  return withVerilogFiles(input, async (paths) => {
    const args = ['--lint-only', '-Wall', '--top-module', input.top, ...includeDirs(input).map((d) => `-I${d}`), ...paths];
    const { code, log } = await runTool(tool.path, args);
    const diags = parseVerilatorMessages(log);
    const warnings = diags.filter((d) => d.severity === 'warning');
    const errors = diags.filter((d) => d.severity === 'error');
    if (code !== 0 && warnings.length === 0 && errors.length === 0) {
      errors.push({ severity: 'error', message: `verilator exited with code ${code}`, text: log });
    }
    return { clean: code === 0 && warnings.length === 0 && errors.length === 0, warnings, errors, log };
  });
}

// ---------------------------------------------------------------- Yosys

export interface SynthResult {
  /** Yosys ran and `check` found no problems (see problems). */
  ok: boolean;
  /** Total cells of the flattened top after `synth` (hierarchical: of the top through its hierarchy, `stat -top`). */
  cells: number;
  /** Cell count per cell type, e.g. { "$_AND_": 5, "$_DFF_P_": 8 }. */
  cellTypes: Record<string, number>;
  /** Latch cells ($dlatch, $adlatch, $dlatchsr and the $_DLATCH*_ gate cells; after a coarse synthesis a multi-bit latch is one cell). */
  latches: number;
  /** Longest combinational path in cells, from `ltp -noff` on the flattened design (0 with `hierarchical`: not flattened). */
  logicDepth: number;
  /** Problems `check` reported (logic loops, multiple drivers, undriven wires...). */
  problems: string[];
  /** Errors that stopped Yosys (syntax errors, unknown top...). */
  errors: string[];
  log: string;
}

const MARK = 'TCAST-MARK';

/**
 * The cell table of the `=== top ===` section of a `stat` printout (`top`
 * 'design hierarchy': the totals `stat -top` prints, each module's cells
 * times its instances).
 */
export function parseStat(section: string, top: string): { cells: number; cellTypes: Record<string, number> } {
  const lines = section.split('\n');
  const start = lines.findIndex((l) => l.trim() === `=== ${top} ===` || l.trim() === `=== \\${top} ===`);
  if (start < 0) return { cells: 0, cellTypes: {} };
  let cells = 0;
  const cellTypes: Record<string, number> = {};
  let inCells = false;
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^===/.test(l.trim())) break;
    const n = /^\s*Number of cells:\s+(\d+)/.exec(l);
    if (n) {
      cells = Number(n[1]);
      inCells = true;
      continue;
    }
    if (inCells) {
      const c = /^\s+(\S+)\s+(\d+)\s*$/.exec(l);
      if (c) cellTypes[c[1]!] = Number(c[2]);
      else if (l.trim() !== '') inCells = false;
    }
  }
  return { cells, cellTypes };
}

function isLatch(cellType: string): boolean {
  return /^\$(ad)?dlatch(sr)?$/.test(cellType) || /^\$_DLATCH/.test(cellType);
}

function afterMark(log: string, name: string): string {
  const i = log.lastIndexOf(`${MARK}-${name}`);
  return i < 0 ? '' : log.slice(i);
}

function yosysErrors(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => /(^|: )ERROR:/.test(l))
    .map((l) => l.trim());
}

function readVerilogCmds(paths: string[], input: VerilogInput): string[] {
  const inc = includeDirs(input).map((d) => ` -I${yq(d)}`).join('');
  return paths.map((p) => `read_verilog -sv${inc} ${yq(p)}`);
}

/** Quotes a path for a Yosys script. */
function yq(p: string): string {
  return /[\s;"]/.test(p) ? `"${p.replace(/"/g, '\\"')}"` : p;
}

async function runYosys(script: string[], workDir: string): Promise<{ code: number; log: string }> {
  const tool = requireTool('yosys');
  // A script file, so that long file lists and odd names need no shell quoting.
  const { writeFile } = await import('node:fs/promises');
  const scriptPath = join(workDir, 'tcast.ys');
  await writeFile(scriptPath, script.join('\n') + '\n');
  return runTool(tool.path, ['-Q', '-T', '-s', scriptPath]);
}

export interface SynthOptions {
  /**
   * Stop after Yosys' coarse-grain synthesis (`synth -run :fine`: hierarchy,
   * proc, opt, wreduce, alumacc, share, memory -nomap, ...), before techmap and
   * ABC. Latches, multiple drivers and combinational loops are already visible
   * there (proc infers `$dlatch` cells; `check` sees the netlist), at a tenth
   * of the time on a large design; cell counts and depth are then of coarse
   * cells. Default false: the full generic `synth`.
   */
  coarse?: boolean;
  /**
   * Cell counts of a large design in minutes: each module synthesised once
   * (Yosys' generic flow, `synth -run :fine` then its fine steps without
   * `memory_map`: a memory stays one `$mem_v2` cell, as a RAM macro, instead
   * of becoming flip-flops and read multiplexers), `check` on every module,
   * and the cells counted through the hierarchy (`stat -top`: each module's
   * cells times its instances), never flattened: no logic depth (0).
   * Latches show as in the full flow ($_DLATCH_ cells).
   */
  hierarchical?: boolean;
}

/** The hierarchical flow's script after reading the sources (see SynthOptions.hierarchical). */
export function hierarchicalSynthScript(top: string): string[] {
  return [
    `synth -top ${top} -run :fine`,
    // synth's fine steps but memory_map.
    'opt -fast -full', 'opt -full', 'techmap', 'opt -fast', 'abc -fast', 'opt -fast',
    'hierarchy -check',
    `log ${MARK}-CHECK`,
    'check',
    `log ${MARK}-STAT`,
    `stat -top ${top}`,
  ];
}

/**
 * Synthesises the design with Yosys' generic `synth -top TOP`, runs `check`
 * (reported as `problems`; `ok` is false when there are any), then
 * `flatten; ltp -noff; stat` for logic depth and cell counts.
 *
 * `check` runs without `-assert` so that a failing design still gets its
 * statistics; `ok === false` is the `check -assert` verdict.
 */
export async function synthYosys(input: VerilogInput, opts: SynthOptions = {}): Promise<SynthResult> {
  return withVerilogFiles(input, async (paths, workDir) => {
    const { code, log } = await runYosys(
      [
        ...readVerilogCmds(paths, input),
        ...(opts.hierarchical === true ? hierarchicalSynthScript(input.top) : [
          opts.coarse === true ? `synth -top ${input.top} -run :fine` : `synth -top ${input.top}`,
          `log ${MARK}-CHECK`,
          'check',
          'flatten',
          `log ${MARK}-LTP`,
          'ltp -noff',
          `log ${MARK}-STAT`,
          'stat',
        ]),
      ],
      workDir,
    );
    const errors = yosysErrors(log);
    if (code !== 0 && errors.length === 0) errors.push(`yosys exited with code ${code}`);
    const checkSection = afterMark(log, 'CHECK').split(new RegExp(`${MARK}-(LTP|STAT)`))[0] ?? '';
    const problems = checkSection
      .split('\n')
      .filter((l) => /^Warning:/.test(l))
      .map((l) => l.replace(/^Warning:\s*/, '').trim());
    const reported = /Found and reported (\d+) problems/.exec(checkSection);
    const nProblems = reported ? Number(reported[1]) : problems.length;
    if (nProblems > problems.length) {
      for (let i = problems.length; i < nProblems; i++) problems.push('(problem reported by check; see log)');
    }
    const depthM = /Longest topological path in \S+ \(length=(\d+)\)/.exec(afterMark(log, 'LTP'));
    const statText = afterMark(log, 'STAT');
    // `stat -top` prints the hierarchy's totals only when the top has children.
    const hier = opts.hierarchical === true ? parseStat(statText, 'design hierarchy') : undefined;
    const { cells, cellTypes } = hier && hier.cells > 0 ? hier : parseStat(statText, input.top);
    const latches = Object.entries(cellTypes)
      .filter(([t]) => isLatch(t))
      .reduce((a, [, n]) => a + n, 0);
    return {
      ok: code === 0 && errors.length === 0 && problems.length === 0,
      cells,
      cellTypes,
      latches,
      logicDepth: depthM ? Number(depthM[1]) : 0,
      problems,
      errors,
      log,
    };
  });
}

export interface MemoryInferenceResult {
  ok: boolean;
  /** Number of $mem / $mem_v2 cells after `memory -nomap` (each an inferred RAM/ROM). */
  memories: number;
  /** Cell counts of the flattened top at that point (coarse cells: $mem_v2, $dff...). */
  cellTypes: Record<string, number>;
  errors: string[];
  log: string;
}

/**
 * Tells whether Yosys infers memories: `hierarchy -top TOP; proc; opt;
 * memory -nomap; flatten; stat`, counting $mem/$mem_v2 cells before they would
 * be mapped to flip-flops.
 */
export async function inferMemories(input: VerilogInput): Promise<MemoryInferenceResult> {
  return withVerilogFiles(input, async (paths, workDir) => {
    const { code, log } = await runYosys(
      [
        ...readVerilogCmds(paths, input),
        `hierarchy -check -top ${input.top}`,
        'proc',
        'opt',
        'memory -nomap',
        'flatten',
        `log ${MARK}-STAT`,
        'stat',
      ],
      workDir,
    );
    const errors = yosysErrors(log);
    if (code !== 0 && errors.length === 0) errors.push(`yosys exited with code ${code}`);
    const { cellTypes } = parseStat(afterMark(log, 'STAT'), input.top);
    const memories = Object.entries(cellTypes)
      .filter(([t]) => /^\$mem(_v2)?$/.test(t))
      .reduce((a, [, n]) => a + n, 0);
    return { ok: code === 0 && errors.length === 0, memories, cellTypes, errors, log };
  });
}

// ---------------------------------------------------------------- Icarus

export type IcarusGeneration = '2005' | '2005-sv' | '2009' | '2012';

export interface IcarusResult {
  ok: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  log: string;
}

function parseIcarus(log: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of log.split('\n')) {
    if (!line.trim() || /^I give up\.|^\d+ error\(s\) during elaboration/.test(line.trim())) continue;
    const m = /^(.+?):(\d+):\s*(?:(warning|error|sorry):\s*)?(.*)$/.exec(line);
    if (m) {
      const sev = m[3] === 'warning' ? 'warning' : 'error';
      out.push({ severity: sev, file: m[1]!, line: Number(m[2]), message: m[4]!, text: line });
    } else if (out.length > 0) {
      out[out.length - 1]!.text += `\n${line}`;
    } else {
      out.push({ severity: /warning/i.test(line) ? 'warning' : 'error', message: line.trim(), text: line });
    }
  }
  return out;
}

/**
 * Compiles the design with `iverilog -gGEN -Wall -s TOP` (default generation
 * 2012; plain Verilog-2005 compiles under 2005, 2005-sv and 2012 alike).
 */
export async function compileIcarus(input: VerilogInput & { generation?: IcarusGeneration }): Promise<IcarusResult> {
  const tool = requireTool('iverilog');
  return withVerilogFiles(input, async (paths, workDir) => {
    const args = [
      `-g${input.generation ?? '2012'}`,
      '-Wall',
      '-s',
      input.top,
      '-o',
      join(workDir, 'out.vvp'),
      ...includeDirs(input).map((d) => `-I${d}`),
      ...paths,
    ];
    const { code, log } = await runTool(tool.path, args);
    const diags = parseIcarus(log);
    const errors = diags.filter((d) => d.severity === 'error');
    const warnings = diags.filter((d) => d.severity === 'warning');
    if (code !== 0 && errors.length === 0) {
      errors.push({ severity: 'error', message: `iverilog exited with code ${code}`, text: log });
    }
    return { ok: code === 0, errors, warnings, log };
  });
}
