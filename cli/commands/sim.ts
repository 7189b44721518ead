import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, UsageError, parseOptions, type Command } from '../command';
import { step } from '../progress';
import { projectRoot } from '../../generator/hdl/source';
import { simulate, type PortSpec, type SimTarget } from '../../sim/vectors';

const help = `Usage: tcast sim DESIGN --vectors FILE [--out FILE] [--trace-fst FILE] [--reset-cycles N] [--json]

Runs cycle-by-cycle input vectors through a shipped design (rtl/DESIGN) in
Verilator and writes the output vectors. The model is built once and cached.

Vector file: a header line naming input ports, then one line per cycle of
values (decimal, or hex with 0x), separated by spaces or commas; '#' starts a
comment. A port's value is held until changed; ports not named are 0.

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
  --json             print {"ports": [...], "cycles": [[...], ...]} instead

Exit codes: 0 ok, 2 bad design or vector file, 3 Verilator missing.`;

interface IndexEntry { name: string; top: string; modules: string[]; ports: PortSpec[]; clock: string | null; reset: SimTarget['reset'] | null }

function parseValue(tok: string, port: PortSpec, line: number, file: string): bigint {
  let v: bigint;
  try {
    v = BigInt(tok);
  } catch {
    throw new UsageError(`${file}:${line}: '${tok}' is not a number (decimal, or hex with 0x) for port ${port.name}`);
  }
  if (v < 0n || v >> BigInt(port.width) !== 0n) throw new UsageError(`${file}:${line}: value ${tok} does not fit port ${port.name} (${port.width} bits)`);
  return v;
}

/** Parses a vector file into per-port per-cycle values. */
export function parseVectors(text: string, allPorts: PortSpec[], file: string, clocking: string[] = []): { drive: Record<string, bigint[]>; cycles: number } {
  // The harness drives the clock and reset itself.
  const ports = allPorts.filter((p) => !clocking.includes(p.name));
  const lines = text.split('\n').map((l, i) => ({ n: i + 1, toks: l.replace(/#.*/, '').trim().split(/[\s,]+/).filter(Boolean) })).filter((l) => l.toks.length);
  if (!lines.length) throw new UsageError(`${file}: no header line naming the input ports`);
  const header = lines[0]!;
  const inputs = header.toks.map((name) => {
    const p = ports.find((q) => q.name === name);
    if (clocking.includes(name)) throw new UsageError(`${file}:${header.n}: '${name}' is the clock or reset, which the harness drives; use --reset-cycles`);
    if (!p) throw new UsageError(`${file}:${header.n}: '${name}' is not a port (inputs: ${ports.filter((q) => q.dir === 'input').map((q) => q.name).join(', ')})`);
    if (p.dir !== 'input') throw new UsageError(`${file}:${header.n}: '${name}' is an output; only inputs can be driven`);
    return p;
  });
  const drive: Record<string, bigint[]> = Object.fromEntries(inputs.map((p) => [p.name, [] as bigint[]]));
  for (const l of lines.slice(1)) {
    if (l.toks.length !== inputs.length) throw new UsageError(`${file}:${l.n}: ${l.toks.length} values for ${inputs.length} ports (${header.toks.join(' ')})`);
    l.toks.forEach((t, i) => drive[inputs[i]!.name]!.push(parseValue(t, inputs[i]!, l.n, file)));
  }
  return { drive, cycles: lines.length - 1 };
}

const command: Command = {
  name: 'sim',
  summary: 'run a vector file through a shipped design in Verilator',
  help,
  async run(argv) {
    const { values, positionals } = parseOptions('sim', argv, {
      vectors: { type: 'string' }, out: { type: 'string' }, 'trace-fst': { type: 'string' }, 'reset-cycles': { type: 'string' }, json: { type: 'boolean' },
    }, true);
    if (positionals.length !== 1) throw new UsageError("give exactly one DESIGN (see 'tcast generate --list')");
    if (!values.vectors) throw new UsageError("--vectors FILE is required; see 'tcast sim --help'");
    const name = positionals[0]!;
    const index = JSON.parse(readFileSync(join(projectRoot, 'rtl', 'designs.json'), 'utf8')) as IndexEntry[];
    const d = index.find((x) => x.name === name);
    if (!d) throw new UsageError(`unknown design '${name}'; see 'tcast generate --list'`);
    if (!d.clock) throw new UsageError(`design '${name}' has no clock; the cycle harness needs one`);
    let text: string;
    try {
      text = readFileSync(values.vectors, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${values.vectors}: ${(e as Error).message}`);
    }
    const { drive, cycles } = parseVectors(text, d.ports, values.vectors, [d.clock, ...(d.reset ? [d.reset.name] : [])]);
    const resetCycles = values['reset-cycles'] === undefined ? 2 : Number(values['reset-cycles']);
    if (!Number.isInteger(resetCycles) || resetCycles < 0) throw new UsageError(`--reset-cycles must be a non-negative integer`);
    const target: SimTarget = {
      top: d.top, files: d.modules.map((m) => join(projectRoot, 'rtl', name, `${m}.v`)), ports: d.ports, clock: d.clock,
      ...(d.reset ? { reset: d.reset } : {}),
    };
    const outs = d.ports.filter((p) => p.dir === 'output').map((p) => p.name);
    const end = step(`simulating ${cycles} cycles of ${name}`, values.json === true || !values.out);
    const [r] = await simulate(target, [{ cycles, resetCycles, drive, watch: outs }], values['trace-fst'] ? { trace: values['trace-fst'] } : {});
    end();
    const rows = Array.from({ length: cycles }, (_, c) => outs.map((o) => r!.outputs[o]![c]!));
    const text2 = values.json
      ? JSON.stringify({ design: name, ports: outs, cycles: rows.map((row) => row.map((v) => `0x${v.toString(16)}`)) }, null, 1) + '\n'
      : [outs.join(' '), ...rows.map((row) => row.map((v) => `0x${v.toString(16)}`).join(' '))].join('\n') + '\n';
    if (values.out) writeFileSync(values.out, text2);
    else process.stdout.write(text2);
    return EXIT.ok;
  },
};
export default command;
