/** `npm run bench -- sim`: `tcast sim` on a long vector file, its memory and speed (what it measures and its options: `help` below). */
import { execa } from 'execa';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchCheckFailed, benchOptions, type Benchmark } from './run';
import { projectRoot } from '../generator/hdl/source';
import { step } from '../cli/progress';
import { choiceOption, intOption } from '../cli/io';

const LIMIT_MIB = 300;
/** The design the stimulus is written for (its inputs: enq_valid enq_bits deq_ready). */
const DESIGNS = ['queue-d4-w8-reg'] as const;

const help = `npm run bench -- sim: \`tcast sim\` on a long vector file, its memory and speed

Usage: npm run bench -- sim [--cycles N] [--design NAME]

Runs the CLI (\`tcast sim DESIGN --vectors FILE --out FILE\`) as a subprocess on
N cycles of random stimulus for a shipped queue and records the peak resident
memory of the node process and of the simulator (polled from /proc), the
wall time and the simulated cycles per second. The claim it checks: inputs
and outputs stream, so memory stays under ${LIMIT_MIB} MiB however long the file
("pass" in the figures). The vector file (about 10 bytes a cycle) goes to a
temporary folder, removed at the end.

Options:
  --cycles N     cycles of stimulus (default 10000000; 1..1000000000)
  --design NAME  the design to simulate (default ${DESIGNS[0]}; the stimulus
                 is written for its ports, so it is the only choice)

Writes bench/results/sim.json. Needs Verilator (builds are cached).
Exit codes: 0 ok; 1 tcast sim wrote the wrong number of rows; 2 bad option;
3 missing tool; 70 internal error.`;

/** Peak resident memory (VmHWM) of a process, in KiB, or undefined once it is gone. */
function vmHwm(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

async function writeVectors(path: string, cycles: number): Promise<void> {
  const ws = createWriteStream(path);
  let s = 0x9e3779b9;
  const rand = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
  ws.write('enq_valid enq_bits deq_ready\n');
  const CH = 65536;
  for (let c = 0; c < cycles; c += CH) {
    const lines: string[] = [];
    for (let k = c; k < Math.min(cycles, c + CH); k++) {
      const r = rand();
      lines.push(`${r & 1} 0x${((r >>> 8) & 0xff).toString(16)} ${(r >>> 3) & 1 || (r >>> 4) & 1}`);
    }
    if (!ws.write(lines.join('\n') + '\n')) await once(ws, 'drain');
  }
  ws.end();
  await once(ws, 'finish');
}

const bench: Benchmark<{ cycles: number; design: string }> = {
  name: 'sim',
  summary: `tcast sim: 10M cycles of a shipped queue, peak memory (< ${LIMIT_MIB} MB) and simulated cycles/s`,
  help,
  parse(argv) {
    const values = benchOptions('sim', argv, { cycles: { type: 'string' }, design: { type: 'string' } });
    return {
      cycles: intOption('--cycles', values.cycles, 10_000_000, 1, 1_000_000_000),
      design: choiceOption('--design', values.design, DESIGNS, DESIGNS[0]),
    };
  },
  async run({ cycles, design }) {
    const dir = mkdtempSync(join(tmpdir(), 'tcast-bench-sim-'));
    try {
      const vec = join(dir, 'v.txt');
      const out = join(dir, 'o.txt');
      let end = step(`writing ${cycles.toLocaleString('en-US')} cycles of vectors`);
      await writeVectors(vec, cycles);
      end();
      const bin = join(projectRoot, 'bin', 'tcast.js');
      // Warm the build cache so that the timed run only simulates.
      end = step(`building ${design} with Verilator`);
      await writeVectors(join(dir, 'w.txt'), 10);
      await execa('node', [bin, 'sim', design, '--vectors', join(dir, 'w.txt')]);
      end();

      const t0 = performance.now();
      const child = execa('node', [bin, 'sim', design, '--vectors', vec, '--out', out], { stderr: 'inherit' });
      let node = 0;
      let simulator = 0;
      const poll = setInterval(() => {
        node = Math.max(node, vmHwm(child.pid!) ?? 0);
        for (const c of childrenOf(child.pid!)) simulator = Math.max(simulator, vmHwm(c) ?? 0);
      }, 100);
      await child;
      clearInterval(poll);
      const wall = (performance.now() - t0) / 1000;
      const lines = readFileSync(out, 'utf8').split('\n').length - 2;
      if (lines !== cycles) throw new BenchCheckFailed(`tcast sim wrote ${lines} output rows for ${cycles} cycles`);
      const mib = (kib: number) => Math.round(kib / 1024);
      const total = mib(node + simulator);
      return {
        design,
        cycles,
        vectorFileMiB: Math.round(statSync(vec).size / 2 ** 20),
        wallSeconds: +wall.toFixed(1),
        simulatedCyclesPerSecond: Math.round(cycles / wall),
        peakRssMiB: { node: mib(node), simulator: mib(simulator), total },
        limitMiB: LIMIT_MIB,
        pass: total < LIMIT_MIB,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
