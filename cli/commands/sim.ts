import { createReadStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { EXIT, UsageError, parseOptions, type Command } from '../command';
import { canonicalOut, checkOutFile, designFiles, fsReason, intOption, readDesignIndex, replacesFile, stageFile, type StagedFile } from '../io';
import { Progress, step } from '../progress';
import { projectRoot } from '../../generator/hdl/source';
import { MAX_EPISODE_CYCLES, buildTarget, openStream, type PortSpec, type SimStream, type SimTarget } from '../../sim/vectors';

const help = `Usage: tcast sim DESIGN --vectors FILE [--out FILE] [--trace-fst FILE] [--reset-cycles N] [--rtl DIR] [--json]

Runs cycle-by-cycle input vectors through a shipped design (rtl/DESIGN) in
Verilator and writes the output vectors. The model is built once and cached.
Inputs and outputs stream through in chunks: memory stays constant however
long the vector file is.

Vector file: a header line naming input ports (each at most once), then one
line per cycle of values (decimal, or hex with 0x), separated by spaces or
commas; '#' starts a comment. Ports not named are 0.

  # cycle-by-cycle stimulus for queue-d4-w8-reg
  enq_valid enq_bits deq_ready
  1 0x11 0
  1 0x22 1
  0 0 1

Output: a header naming every output port, then one line per cycle of hex
values, sampled after the inputs settle and before the rising edge (the
reset cycles are not shown).

Options:
  --vectors FILE     the stimulus (required)
  --out FILE         write the outputs there (default: standard output)
  --trace-fst FILE   also write an FST waveform (GTKWave, Surfer)
  --reset-cycles N   cycles of reset before cycle 0 (default 2)
  --rtl DIR          the generated tree that holds DESIGN (default: rtl/)
  --json             print {"design": ..., "ports": [...], "cycles": [[...], ...]} instead
                     (with --out, that goes to the file, and standard output gets
                     {"design", "cycles", "out", "traceFst"})

Every output is checked before the simulation starts and written whole or
not at all (a bad line halfway through leaves no --out or --trace-fst file).

Exit codes: 0 ok, 1 the simulation failed, 2 bad design, vector file or
output path, 3 Verilator missing.`;

/** Longest vector line read (memory stays bounded on a file without newlines). */
const MAX_LINE = 1 << 20;

/** Rows sent to the simulator per round trip. */
const CHUNK = 8192;

const HEX_RE = /^0[xX][0-9a-fA-F]+$/;
const DEC_RE = /^[0-9]+$/;

/** A vector-file token as the harness's hex (no 0x, no leading zeros), checked against the port's width. */
function hexValue(tok: string, port: PortSpec, line: number, file: string): string {
  let h: string;
  if (HEX_RE.test(tok)) h = tok.slice(2).toLowerCase().replace(/^0+(?=.)/, '');
  else if (DEC_RE.test(tok)) h = tok.length <= 15 ? Number(tok).toString(16) : BigInt(tok).toString(16);
  else throw new UsageError(`${file}:${line}: '${tok}' is not a number (decimal, or hex with 0x) for port ${port.name}`);
  const bits = h === '0' ? 0 : (h.length - 1) * 4 + Math.floor(Math.log2(parseInt(h[0]!, 16))) + 1;
  if (bits > port.width) throw new UsageError(`${file}:${line}: value ${tok} does not fit port ${port.name} (${port.width} bits)`);
  return h;
}

/** The input ports a header line names, checked: inputs only, each once, never the clock or reset. */
export function parseHeader(toks: string[], allPorts: PortSpec[], file: string, line: number, clocking: string[]): PortSpec[] {
  const ports = allPorts.filter((p) => !clocking.includes(p.name));
  const seen = new Set<string>();
  return toks.map((name) => {
    if (clocking.includes(name)) throw new UsageError(`${file}:${line}: '${name}' is the clock or reset, which the harness drives; use --reset-cycles`);
    const p = ports.find((q) => q.name === name);
    if (!p) throw new UsageError(`${file}:${line}: '${name}' is not a port (inputs: ${ports.filter((q) => q.dir === 'input').map((q) => q.name).join(', ')})`);
    if (p.dir !== 'input') throw new UsageError(`${file}:${line}: '${name}' is an output; only inputs can be driven`);
    if (seen.has(name)) throw new UsageError(`${file}:${line}: port '${name}' is named twice in the header; name each port once`);
    seen.add(name);
    return p;
  });
}

/** The lines of a file with their numbers, comments and blank lines dropped, read in chunks (a batch of lines per chunk). */
async function* vectorLines(path: string, onBytes: (n: number) => void): AsyncGenerator<{ n: number; toks: string[] }[]> {
  let carry = '';
  let n = 0;
  const split = (text: string) => {
    const out: { n: number; toks: string[] }[] = [];
    for (const raw of text.split('\n')) {
      n++;
      const hash = raw.indexOf('#');
      const l = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
      if (l) out.push({ n, toks: l.split(/[\s,]+/).filter(Boolean) });
    }
    return out;
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    onBytes(Buffer.byteLength(chunk as string));
    const text = carry + (chunk as string);
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      carry = text;
      if (carry.length > MAX_LINE) throw new UsageError(`${path}:${n + 1}: the line is longer than ${MAX_LINE} characters; is this a vector file?`);
      continue;
    }
    carry = text.slice(cut + 1);
    if (carry.length > MAX_LINE) throw new UsageError(`${path}:${n + 1}: the line is longer than ${MAX_LINE} characters; is this a vector file?`);
    yield split(text.slice(0, cut));
  }
  if (carry) yield split(carry);
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

const command: Command = {
  name: 'sim',
  summary: 'run a vector file through a shipped design in Verilator',
  help,
  async run(argv) {
    const { values, positionals } = parseOptions('sim', argv, {
      vectors: { type: 'string' }, out: { type: 'string' }, 'trace-fst': { type: 'string' }, 'reset-cycles': { type: 'string' }, rtl: { type: 'string' }, json: { type: 'boolean' },
    }, true);
    if (positionals.length !== 1) throw new UsageError("give exactly one DESIGN (see 'tcast generate --list')");
    if (values.vectors === undefined) throw new UsageError("--vectors FILE is required; see 'tcast sim --help'");
    if (values.vectors.trim() === '') throw new UsageError('--vectors is empty; give a file name');
    const outPath = values.out === undefined ? undefined : checkOutFile(values.out, '--out');
    const tracePath = values['trace-fst'] === undefined ? undefined : checkOutFile(values['trace-fst'], '--trace-fst');
    // Compared as the file system resolves them (a symlinked folder gives one file two names).
    if (outPath && tracePath && canonicalOut(outPath) === canonicalOut(tracePath)) throw new UsageError('--out and --trace-fst name the same file');
    for (const [opt, p] of [['--out', values.out], ['--trace-fst', values['trace-fst']]] as const) {
      if (p !== undefined && replacesFile(p, values.vectors)) throw new UsageError(`${opt} ${p} is the --vectors file; writing it would destroy the stimulus: give another file name`);
    }
    const resetCycles = intOption('--reset-cycles', values['reset-cycles'], 2, 0, MAX_EPISODE_CYCLES);
    const name = positionals[0]!;
    if (values.rtl !== undefined && values.rtl.trim() === '') throw new UsageError('--rtl is empty; give the generated tree (default rtl/)');
    const rtl = values.rtl ?? join(projectRoot, 'rtl');
    const index = readDesignIndex(rtl);
    const d = index.find((x) => x.name === name);
    if (!d) throw new UsageError(`unknown design '${name}'; see 'tcast generate --list'`);
    if (!d.clock) throw new UsageError(`design '${name}' has no clock; the cycle harness needs one`);
    const file = values.vectors;
    let size: number;
    try {
      const st = statSync(file);
      if (st.isDirectory()) throw new Error('it is a directory');
      size = st.size;
    } catch (e) {
      throw new UsageError(`cannot read --vectors ${file}: ${fsReason(e)}`);
    }
    const clocking = [d.clock, ...(d.reset ? [d.reset.name] : [])];
    const bar = new Progress(`simulating ${name}`, size, values.json === true || !outPath);
    let read = 0;
    const batches = vectorLines(file, (b) => bar.update((read += b)));
    let batch: { n: number; toks: string[] }[] = [];
    while (batch.length === 0) {
      const next = await batches.next();
      if (next.done) throw new UsageError(`${file}: no header line naming the input ports`);
      batch = next.value;
    }
    const header = batch.shift()!;
    const inputs = parseHeader(header.toks, d.ports, file, header.n, clocking);
    const outs = d.ports.filter((p) => p.dir === 'output').map((p) => p.name);
    const target: SimTarget = {
      top: d.top, files: designFiles(rtl, d), ports: d.ports, clock: d.clock,
      ...(d.reset ? { reset: d.reset } : {}),
    };

    const end = step(`building ${name} with Verilator${tracePath ? ' (traced)' : ''}`, values.json === true);
    const built = await buildTarget(target, tracePath !== undefined);
    end(built.cached ? 'cached' : 'built');

    const staged: StagedFile[] = [];
    const outFile = outPath ? stageFile(outPath, '--out') : undefined;
    const traceFile = tracePath ? stageFile(tracePath, '--trace-fst') : undefined;
    if (outFile) staged.push(outFile);
    if (traceFile) staged.push(traceFile);
    let stream: SimStream | undefined;
    let cycles = 0;
    try {
      const sink: Writable = outFile ? outFile.stream() : process.stdout;
      stream = await openStream(target, { inputs: inputs.map((p) => p.name), outputs: outs, resetCycles, ...(traceFile ? { trace: traceFile.tmp } : {}) });
      const json = values.json === true;
      await write(sink, json ? `{"design": ${JSON.stringify(name)}, "ports": ${JSON.stringify(outs)}, "cycles": [` : `${outs.join(' ')}\n`);
      const flush = async (rows: string[]) => {
        const got = await stream!.runHex(rows);
        const text = json
          ? got.map((l, k) => `${cycles + k ? ',' : ''}\n ["0x${l.replace(/ /g, '", "0x')}"]`).join('')
          : got.map((l) => `0x${l.replace(/ /g, ' 0x')}\n`).join('');
        cycles += got.length;
        await write(sink, text);
      };
      let rows: string[] = [];
      const take = async (ls: { n: number; toks: string[] }[]) => {
        for (const l of ls) {
          if (l.toks.length !== inputs.length) throw new UsageError(`${file}:${l.n}: ${l.toks.length} values for ${inputs.length} ports (${header.toks.join(' ')})`);
          rows.push(l.toks.map((t, i) => hexValue(t, inputs[i]!, l.n, file)).join(' '));
          if (rows.length === CHUNK) {
            await flush(rows);
            rows = [];
          }
        }
      };
      await take(batch);
      for await (const b of batches) await take(b);
      if (rows.length) await flush(rows);
      if (json) await write(sink, '\n]}\n');
      await stream.close();
      stream = undefined;
      for (const s of staged) await s.commit(s === traceFile);
    } catch (e) {
      if (stream) await stream.close().catch(() => {});
      for (const s of staged) s.abort();
      throw e;
    }
    bar.done(`${cycles} cycles`);
    if (values.json && outPath) console.log(JSON.stringify({ design: name, cycles, out: outPath, traceFst: tracePath ?? null }, null, 2));
    return EXIT.ok;
  },
};
export default command;
