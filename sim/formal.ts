/**
 * Formal verification of a design's assertions: a bounded model check (and,
 * on request, an unbounded proof) with Yosys and ABC.
 *
 *  1. Yosys reads the Verilog with `read_verilog -formal` (the DSL's
 *     assert/assume, emitted under `ifdef FORMAL`, become $assert/$assume
 *     cells), wrapped in a top that assumes the reset in the first cycle and
 *     leaves every other input free; registers without a reset start
 *     anywhere. `prep`, `flatten`, `memory_map`, then an AIG (`write_aiger`).
 *  2. ABC (`yosys-abc`, shipped with Debian's yosys): `fold` (assumptions
 *     become constraints), `bmc3 -F depth`; with `prove`, `pdr` too.
 *  3. A counterexample (an AIGER witness) is replayed by Yosys' `sim` on the
 *     same model, which names the failing assertion's Verilog line (whose
 *     `// @[file:line] message` comment gives the DSL source) and writes the
 *     trace as VCD.
 *
 * Why ABC: on this machine yosys-smtbmc with Debian's z3 hung at step 0 on a
 * mid-size AXI design and Debian's boolector is too old for it, while ABC's
 * bmc3/pdr answered in seconds (docs/DSL.md, "Formal").
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execTool } from './checks';
import { SimInputError } from './sources';
import { requireTool } from './tools';
import type { PortSpec } from './vectors';
import type { GeneratedVerilog } from './design';

export interface FormalTarget {
  top: string;
  sources: { name: string; text: string }[];
  ports: PortSpec[];
  clock?: string;
  reset?: { name: string; activeLow: boolean };
}

export interface FormalOptions {
  /** Cycles to check (the BMC bound). */
  depth: number;
  /** Also try an unbounded proof (PDR). */
  prove?: boolean;
  /** Seconds the proof may take (default 60). */
  proveSeconds?: number;
  /** Where to write the counterexample (.vcd); default: none. */
  vcd?: string;
  /** Check the covers' reachability too (default true; a bounded check per cover). */
  covers?: boolean;
  /** Keep the work directory (for debugging); its path is in the result. */
  keep?: boolean;
}

export interface FormalFailure {
  /** Cycle of the failure, counted from the first cycle (reset is cycle 0). */
  step: number;
  /** The assertion's message. */
  message: string;
  /** TypeScript source line of the assertion (`file:line`), when the Verilog carries one. */
  loc?: string;
  /** The Verilog file and line of the assertion. */
  verilog: string;
}

export interface FormalCover {
  message: string;
  loc: string;
  /** The Verilog module holding it. */
  module: string;
  /** First cycle it is reached in; null: not within the depth. */
  reached: number | null;
}

export interface FormalResult {
  status: 'pass' | 'fail';
  depth: number;
  /** Assertions and assumptions in the design. */
  asserts: number;
  assumes: number;
  failure?: FormalFailure;
  /** The counterexample's VCD, when one was written. */
  counterexample?: string;
  /** Each cover and the first cycle it is reached in (null: not within the depth). */
  covers?: FormalCover[];
  /** The unbounded proof: proved, refuted (a failure), or unknown (gave up in time). */
  proof?: { status: 'proved' | 'refuted' | 'unknown'; seconds: number };
  seconds: number;
  workDir?: string;
}

/** The formal flow failed to run (a tool error). */
export class FormalToolError extends Error {
  readonly userFacing = true;
  readonly exitCode = 70;
  constructor(message: string, readonly log: string) {
    super(message);
    this.name = 'FormalToolError';
  }
}

const WRAPPER = 'tcast_formal_top';

/** The formal target of generated Verilog (generator/back's VerilogDesign). */
export function formalTargetOf(d: GeneratedVerilog): FormalTarget {
  return {
    top: d.top,
    sources: d.modules.map((m) => ({ name: `${m.name}.v`, text: m.text })),
    ports: d.ports,
    ...(d.clock ? { clock: d.clock } : {}),
    ...(d.reset ? { reset: d.reset } : {}),
  };
}

/** The top the checker sees: the design's ports as its own, the reset assumed in cycle 0. */
export function formalWrapper(t: FormalTarget): string {
  const lines = [`module ${WRAPPER} (`];
  lines.push(t.ports.map((p) => `  ${p.dir === 'input' ? 'input ' : 'output'} wire ${p.width > 1 ? `[${p.width - 1}:0] ` : ''}${p.name}`).join(',\n'));
  lines.push(');');
  if (t.reset && t.clock) {
    lines.push('  reg tcast_first = 1\'b1;');
    lines.push(`  always @(posedge ${t.clock}) tcast_first <= 1'b0;`);
    lines.push(`  always @* if (tcast_first) assume (${t.reset.activeLow ? '!' : ''}${t.reset.name});`);
  }
  lines.push(`  ${t.top} dut (`);
  lines.push(t.ports.map((p) => `    .${p.name}(${p.name})`).join(',\n'));
  lines.push('  );', 'endmodule', '');
  return lines.join('\n');
}

/** Runs the bounded model check (and the proof, with `prove`) of a design's assertions. */
export async function formalCheck(t: FormalTarget, opts: FormalOptions): Promise<FormalResult> {
  if (!Number.isInteger(opts.depth) || opts.depth < 1 || opts.depth > 10_000) throw new SimInputError(`depth ${opts.depth} must be an integer in 1..10000`);
  if (!t.clock) throw new SimInputError(`${t.top} has no clock: formal checks cover clocked designs`);
  const yosys = requireTool('yosys');
  const abcTool = requireTool('yosys-abc');
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'tcast-formal-'));
  try {
    const files: string[] = [];
    for (const s of t.sources) {
      writeFileSync(join(dir, s.name), s.text);
      files.push(s.name);
    }
    writeFileSync(join(dir, `${WRAPPER}.v`), formalWrapper(t));
    files.push(`${WRAPPER}.v`);

    // 1. The model: RTLIL for the replay, an AIG for ABC.
    await buildAig(t, dir, files, yosys.path);
    const counts = readFileSync(join(dir, 'counts.txt'), 'utf8');
    const asserts = Number(/\$assert\s+(\d+)/.exec(counts)?.[1] ?? 0);
    const assumes = Number(/\$assume\s+(\d+)/.exec(counts)?.[1] ?? 0);
    const coverCount = Number(/\$cover\s+(\d+)/.exec(counts)?.[1] ?? 0);
    if (asserts === 0) throw new SimInputError(`${t.top} has no assertions to check (add assert() in the DSL)`);

    // 2. Bounded model check.
    const bmc = await execTool(abcTool.path, ['-c', `read_aiger model.aig; fold; bmc3 -F ${opts.depth}; write_cex -a cex.aiw`], dir, 30 * 60_000);
    if (bmc.timedOut) throw new FormalToolError(`ABC's bmc3 timed out on ${t.top}`, bmc.log);
    const hit = /Output\s+(\d+)\s+of miter .* was asserted in frame\s+(\d+)/.exec(bmc.log);
    const clean = /No output asserted in\s+(\d+)\s+frames/.exec(bmc.log);
    if (!hit && !clean) throw new FormalToolError(`ABC's bmc3 gave no verdict on ${t.top}: ${bmc.log.trim().split('\n').slice(-1)[0] ?? ''}`, bmc.log);

    const result: FormalResult = { status: hit ? 'fail' : 'pass', depth: opts.depth, asserts, assumes, seconds: 0 };
    if (hit) {
      result.failure = await replay(t, dir, yosys.path, Number(hit[2]), opts.vcd);
      if (opts.vcd) result.counterexample = resolve(opts.vcd);
    } else if (opts.prove) {
      const p0 = Date.now();
      const secs = opts.proveSeconds ?? 60;
      const pdr = await execTool(abcTool.path, ['-c', `read_aiger model.aig; fold; pdr -T ${secs}`], dir, (secs + 30) * 1000);
      const status = /Property proved/.test(pdr.log) ? 'proved' : /was asserted in frame/.test(pdr.log) ? 'refuted' : 'unknown';
      result.proof = { status, seconds: (Date.now() - p0) / 1000 };
    }
    if (coverCount > 0 && opts.covers !== false) result.covers = await checkCovers(t, dir, yosys.path, abcTool.path, opts.depth);
    result.seconds = (Date.now() - t0) / 1000;
    if (opts.keep) result.workDir = dir;
    return result;
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds `model.il` (for the replay) and `model.aig` (for ABC) in `dir` from `files` and the wrapper; `counts.txt` has the cell counts. */
async function buildAig(t: FormalTarget, dir: string, files: string[], yosys: string): Promise<void> {
  const script = [
    ...files.map((f) => `read_verilog -formal ${f}`),
    `prep -top ${WRAPPER}`,
    'flatten',
    'async2sync',
    'tee -o counts.txt stat',
    // ABC checks safety properties: covers are reached separately (checkCovers).
    'chformal -cover -remove',
    'write_rtlil model.il',
    // Only what the assertions read matters: drop the outputs' cones (a big
    // memory's data, say) before memories become flip-flops.
    'setattr -unset keep',
    'delete -output',
    'opt -fast',
    'memory_map',
    'opt -full',
    'techmap',
    'opt -fast',
    'dffunmap',
    'abc -g AND -fast',
    'opt_clean',
    'write_aiger -I -B -zinit -map model.aim model.aig',
  ];
  writeFileSync(join(dir, 'model.ys'), script.join('\n') + '\n');
  const y = await execTool(yosys, ['-q', '-l', 'model.log', 'model.ys'], dir, 10 * 60_000);
  if (y.code !== 0) {
    const log = existsSync(join(dir, 'model.log')) ? readFileSync(join(dir, 'model.log'), 'utf8') : y.log;
    const err = log.split('\n').find((l) => /^ERROR:/.test(l)) ?? y.log.split('\n').find((l) => /ERROR/.test(l)) ?? `yosys exited with code ${y.code}`;
    throw new FormalToolError(`yosys could not build the formal model of ${t.top}: ${err.replace(/^ERROR:\s*/, '')}`, log);
  }
}

/** A cover line of the DSL's formal block: `[if (EN) ]cover (COND); // @[loc] message`. */
const COVER_LINE = /^(\s*(?:if \(.*\) )?)cover \((.*)\);( \/\/ @\[([^\]]*)\]\s*(.*))$/;
const ASSERT_LINE = /^\s*(?:if \(.*\) )?assert \(.*\);\s*\/\/ @\[/;

/**
 * Each cover, checked for reachability within `depth` cycles: the cover
 * becomes the only assertion (`assert (!(COND))`, the design's own
 * assertions left out, its assumptions kept), and a failure of that
 * assertion is a trace reaching the cover.
 */
async function checkCovers(t: FormalTarget, dir: string, yosys: string, abc: string, depth: number): Promise<FormalCover[]> {
  const covers: { file: string; line: number; loc: string; message: string }[] = [];
  for (const src of t.sources) {
    src.text.split('\n').forEach((l, i) => {
      const m = COVER_LINE.exec(l);
      if (m) covers.push({ file: src.name, line: i, loc: m[4]!, message: m[5]!.trim() });
    });
  }
  const out: FormalCover[] = [];
  for (const [k, c] of covers.entries()) {
    const sub = join(dir, `cover${k}`);
    mkdirSync(sub);
    const files: string[] = [];
    for (const src of t.sources) {
      const lines = src.text.split('\n').map((l, i) => {
        if (ASSERT_LINE.test(l)) return '';
        const m = COVER_LINE.exec(l);
        if (m && src.name === c.file && i === c.line) return `${m[1]}assert (!(${m[2]}));${m[3]}`;
        return l;
      });
      writeFileSync(join(sub, src.name), lines.join('\n'));
      files.push(src.name);
    }
    writeFileSync(join(sub, `${WRAPPER}.v`), formalWrapper(t));
    files.push(`${WRAPPER}.v`);
    await buildAig(t, sub, files, yosys);
    const r = await execTool(abc, ['-c', `read_aiger model.aig; fold; bmc3 -F ${depth}`], sub, 30 * 60_000);
    const hit = /was asserted in frame\s+(\d+)/.exec(r.log);
    if (!hit && !/No output asserted in/.test(r.log)) throw new FormalToolError(`ABC's bmc3 gave no verdict on cover '${c.message}' of ${t.top}`, r.log);
    out.push({ message: c.message, loc: c.loc, module: c.file.replace(/\.v$/, ''), reached: hit ? Number(hit[1]) : null });
  }
  return out;
}

/** Replays ABC's witness in Yosys' simulator: the failing assertion, its step, and the VCD. */
async function replay(t: FormalTarget, dir: string, yosys: string, frame: number, vcd: string | undefined): Promise<FormalFailure> {
  const script = ['read_rtlil model.il', 'memory_map', `sim -clock ${t.clock} -r cex.aiw -map model.aim -vcd cex.vcd -n ${frame + 1}`];
  writeFileSync(join(dir, 'replay.ys'), script.join('\n') + '\n');
  const r = await execTool(yosys, ['-l', 'replay.log', 'replay.ys'], dir, 10 * 60_000);
  const log = existsSync(join(dir, 'replay.log')) ? readFileSync(join(dir, 'replay.log'), 'utf8') : r.log;
  if (r.code !== 0) throw new FormalToolError(`yosys could not replay the counterexample of ${t.top}: ${log.split('\n').find((l) => l.startsWith('ERROR')) ?? r.code}`, log);
  let step = frame;
  let failure: FormalFailure | undefined;
  for (const line of log.split('\n')) {
    const c = /^Simulating cycle (\d+)\./.exec(line);
    if (c) step = Number(c[1]);
    // "Assert <cell> (<src>|...|<file>:<l1>.<c1>-<l2>.<c2>) failed.": the statement ends on the assertion's line.
    const a = /^Warning: Assert \S+ \(([^()]*)\) failed/.exec(line);
    const src = a ? /([^|]+):(\d+)\.\d+-(\d+)\.\d+$/.exec(a[1]!) : null;
    if (src && !failure) failure = describe(t, src[1]!, Number(src[3]), step);
  }
  if (vcd && existsSync(join(dir, 'cex.vcd'))) {
    mkdirSync(dirname(resolve(vcd)), { recursive: true });
    copyFileSync(join(dir, 'cex.vcd'), resolve(vcd));
  }
  return failure ?? { step: frame, message: '(the replay named no assertion)', verilog: '' };
}

/** The assertion at a Verilog line: its message and DSL locator from the line's `// @[file:line] message` comment. */
function describe(t: FormalTarget, file: string, line: number, step: number): FormalFailure {
  const text = t.sources.find((s) => s.name === file)?.text.split('\n')[line - 1] ?? '';
  const m = /\/\/\s*@\[([^\]]+)\]\s*(.*)$/.exec(text);
  return {
    step,
    message: m?.[2]?.trim() || text.trim(),
    ...(m ? { loc: m[1]! } : {}),
    verilog: `${file}:${line}`,
  };
}
