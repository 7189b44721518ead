import { relative } from 'node:path';
import { EXIT, UsageError, parseOptions, type Command } from '../command';
import { generateAll } from '../../designs/emit';
import { formalCheck, formalTargetOf, type FormalResult } from '../../sim/formal';
import { step } from '../progress';
import { checkOutFile, intOption, realOption } from '../io';

const help = `Usage: tcast formal DESIGN [--depth N] [--prove] [--vcd FILE] [--json]

Checks a shipped design's assertions (the DSL's assert/assume, e.g. the
stdlib queues' own checks) formally: a bounded model check of N cycles from
reset, every input free, with Yosys (read_verilog -formal) and ABC (bmc3).
Prints PASS with the depth, or the failing assertion with its source line
and the cycle, and writes the counterexample as a VCD. Each cover() is then
checked for reachability within the depth (reported, not a failure).

Options:
  --depth N    cycles to check (default 20)
  --prove      also try an unbounded proof (ABC's pdr) and say whether it finished
  --timeout S  with --prove: seconds the proof may take (default 60)
  --vcd FILE   where to write a counterexample (default: DESIGN-cex.vcd); checked
               before the run: its folder must exist
  --json       print the result as JSON

Exit codes: 0 pass, 1 an assertion fails, 2 bad input (unknown design, no
assertions), 3 Yosys or yosys-abc missing.`;

const command: Command = {
  name: 'formal',
  summary: "prove a shipped design's assertions with Yosys + ABC (bounded, or unbounded with --prove)",
  help,
  async run(argv) {
    const { values, positionals } = parseOptions('formal', argv, {
      depth: { type: 'string' }, prove: { type: 'boolean' }, timeout: { type: 'string' },
      vcd: { type: 'string' }, json: { type: 'boolean' },
    }, true);
    if (positionals.length !== 1) throw new UsageError("name one design (see 'tcast generate --list')");
    const name = positionals[0]!;
    const depth = intOption('--depth', values.depth, 20, 1, 100_000);
    const secs = realOption('--timeout', values.timeout, 60, (v) => v > 0, 'of seconds greater than 0');
    if (values.timeout !== undefined && values.prove !== true) throw new UsageError('--timeout limits the unbounded proof; add --prove (the bounded check has --depth)');
    // A --vcd given is checked before the work (the counterexample is written only on a failure).
    const vcd = values.vcd === undefined ? `${name}-cex.vcd` : checkOutFile(values.vcd, '--vcd');
    const [d] = await generateAll([name]);
    const end = step(`checking ${name}'s assertions with Yosys + ABC (depth ${depth}${values.prove ? ', then an unbounded proof' : ''})`, values.json === true);
    const r = await formalCheck(formalTargetOf(d!.verilog), { depth, prove: values.prove === true, proveSeconds: secs, vcd });
    end(r.status);
    if (values.json) console.log(JSON.stringify({ design: name, ...r }, null, 2));
    else console.log(report(name, r));
    return r.status === 'pass' ? EXIT.ok : EXIT.failed;
  },
};

function report(name: string, r: FormalResult): string {
  const what = `${r.asserts} assertion${r.asserts === 1 ? '' : 's'}${r.assumes > 1 ? `, ${r.assumes - 1} assumption${r.assumes === 2 ? '' : 's'}` : ''}`;
  if (r.status === 'fail') {
    const f = r.failure!;
    return [
      `FAIL ${name}: assertion failed in cycle ${f.step}: ${f.message}${f.loc ? ` @[${f.loc}]` : ''} (${f.verilog})`,
      r.counterexample ? `counterexample: ${relative(process.cwd(), r.counterexample) || r.counterexample}` : '',
    ].filter(Boolean).join('\n');
  }
  const lines = [`PASS ${name}: ${what} ${r.asserts === 1 ? 'holds' : 'hold'} for ${r.depth} cycles from reset (bounded model check, ABC bmc3, ${r.seconds.toFixed(1)} s)`];
  for (const c of r.covers ?? []) {
    lines.push(`  cover ${c.reached === null ? `not reached within ${r.depth} cycles` : `reached in cycle ${c.reached}`}: ${c.message} (${c.module}) @[${c.loc}]`);
  }
  if (r.proof) {
    lines.push(r.proof.status === 'proved'
      ? `PROVED ${name}: the assertions hold in every reachable state (ABC pdr, ${r.proof.seconds.toFixed(1)} s)`
      : r.proof.status === 'refuted' ? `the unbounded proof found a failure deeper than ${r.depth} cycles: rerun with a larger --depth for the trace`
        : `the unbounded proof did not finish (ABC pdr gave up after ${r.proof.seconds.toFixed(1)} s): only the bound of ${r.depth} cycles is checked`);
  }
  return lines.join('\n');
}

export default command;
