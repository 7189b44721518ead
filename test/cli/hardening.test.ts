/**
 * The CLI as a hostile user meets it (issue 11): one test per class of fault,
 * each running `tcast` as a subprocess in a temporary directory and asserting
 * the exit code, the one-line message, and that nothing outside the requested
 * outputs changed. docs/ERRORS.md lists the classes.
 */
import { execa, type Result } from 'execa';
import {
  chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync,
  utimesSync, writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tcastHere } from './tcast';
import { projectRoot } from '../../generator/hdl/source';
import { encodeNpy } from '../../model/npy';
import { checkCacheEntry } from '../../sim/build';
import { buildTarget, type SimTarget } from '../../sim/vectors';

const BIN = join(projectRoot, 'bin/tcast.js');
const work = mkdtempSync(join(tmpdir(), 'tcast-hard-'));
/** The folder a command creates and removes at once to learn whether it may write (sim/fs.ts cannotCreateIn). */
const PROBE = /^\.tcast-probe-/;
afterAll(() => {
  // The cases run side by side, so a snapshot skips another command's probe; none may outlive its command.
  const left = Object.keys(snapshot(work, true)).filter((p) => PROBE.test(p.split('/').pop() ?? ''));
  rmSync(work, { recursive: true, force: true });
  expect(left, 'probe folders left behind').toEqual([]);
});

/** `timeout`: milliseconds before the run is killed (a hang fails the test instead of stalling it). */
type Opts = { cwd?: string; env?: Record<string, string | undefined>; timeout?: number };
const tcast = (args: string[], o: Opts = {}): Promise<Result> =>
  execa('node', [BIN, ...args], { cwd: o.cwd ?? work, reject: false, env: o.env ?? {}, stdin: 'ignore', ...(o.timeout !== undefined ? { timeout: o.timeout } : {}) }) as Promise<Result>;

/**
 * Every file and folder under dir with its size and modification time. A
 * write probe is skipped unless `probes`: cases in one Promise.all share a
 * folder, and one command's probe lives while another's snapshot is taken.
 */
function snapshot(dir: string, probes = false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      if (!probes && PROBE.test(f)) continue;
      const p = join(d, f);
      const st = lstatSync(p);
      out[p.slice(dir.length)] = st.isDirectory() ? 'dir' : `${st.size}:${st.mtimeMs}`;
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** A fresh folder for one case. */
let n = 0;
const caseDir = (): string => {
  const d = join(work, `c${n++}`);
  mkdirSync(d);
  return d;
};

/** Exit code `code`, one line on stderr matching `re`, no stack trace. */
function expectError(r: Pick<Result, 'exitCode' | 'stderr'>, code: number, re: RegExp): void {
  // Off a terminal there is no progress: stderr is the message alone.
  const err = String(r.stderr).trim();
  expect(r.exitCode, err).toBe(code);
  expect(err.split('\n'), err).toHaveLength(1);
  expect(err).toMatch(/^tcast( \w+)?: error: /);
  expect(err).toMatch(re);
  expect(err).not.toMatch(/internal error|\n\s+at /);
}

/** Runs a failing command and checks that it changed nothing in `dir`. */
async function refuses(dir: string, args: string[], code: number, re: RegExp, o: Opts = {}): Promise<void> {
  const before = snapshot(dir);
  expectError(await tcast(args, { cwd: dir, ...o }), code, re);
  expect(snapshot(dir)).toEqual(before);
}

/** As refuses, in this process (tcastHere). */
async function refusesHere(dir: string, args: string[], code: number, re: RegExp, env: Record<string, string> = {}): Promise<void> {
  const before = snapshot(dir);
  expectError(await tcastHere(args, dir, env), code, re);
  expect(snapshot(dir)).toEqual(before);
}

const VECTORS = '# fill two, then drain\nenq_valid enq_bits deq_ready\n1 0x11 0\n1 0x22 0\n0 0 1\n0 0 1\n0 0 1\n';
/** Checks `tcast sim` output for VECTORS (the columns that do not depend on the random initial state). */
function expectQueueOutput(text: string): void {
  const [head, ...rows] = text.trim().split('\n').map((l) => l.split(' '));
  expect(head).toEqual(['enq_ready', 'deq_valid', 'deq_bits', 'count']);
  expect(rows.map((r) => r[3])).toEqual(['0x0', '0x1', '0x2', '0x1', '0x0']);
  expect(rows.map((r) => r[1])).toEqual(['0x0', '0x1', '0x1', '0x1', '0x0']);
  expect(rows.slice(1, 4).map((r) => r[2])).toEqual(['0x11', '0x11', '0x22']);
}

/** The shipped queue the sim cases use, as the CLI builds it (same cache key). */
const QUEUE = 'queue-d4-w8-reg';
function queueTarget(): SimTarget {
  const d = (JSON.parse(readFileSync(join(projectRoot, 'rtl', 'designs.json'), 'utf8')) as (SimTarget & { name: string; modules: string[] })[])
    .find((x) => x.name === QUEUE)!;
  return { top: d.top, files: d.modules.map((m) => join(projectRoot, 'rtl', QUEUE, `${m}.v`)), ports: d.ports, clock: d.clock, ...(d.reset ? { reset: d.reset } : {}) };
}
let queueEntry: string;
beforeAll(async () => {
  queueEntry = (await buildTarget(queueTarget())).dir;
});

/** A case directory for `tcast model`; `cfg` is case.json's text. */
function modelCase(dir: string, cfg: object | string, arrays: { weight?: [Float32Array, number[]]; indices?: Int32Array | BigInt64Array; offsets?: Int32Array | BigInt64Array; grad?: [Float32Array, number[]] } = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'case.json'), typeof cfg === 'string' ? cfg : JSON.stringify(cfg));
  const [w, ws] = arrays.weight ?? [Float32Array.from([1, 2, 3, 4]), [2, 2]];
  writeFileSync(join(dir, 'weight.npy'), encodeNpy(w, ws));
  const idx = arrays.indices ?? Int32Array.from([0, 1]);
  writeFileSync(join(dir, 'indices.npy'), encodeNpy(idx, [idx.length]));
  const off = arrays.offsets ?? Int32Array.from([0]);
  writeFileSync(join(dir, 'offsets.npy'), encodeNpy(off, [off.length]));
  if (arrays.grad) writeFileSync(join(dir, 'grad_output.npy'), encodeNpy(arrays.grad[0], arrays.grad[1]));
  return dir;
}
const SUM = { mode: 'sum', include_last_offset: false, padding_idx: null, optimizer: null };

describe('1. data loss: generate removes only what tcast wrote', () => {
  test('a foreign non-empty --out is refused and kept; --force writes beside it; pruning spares files tcast did not write', async () => {
    const d = caseDir();
    mkdirSync(join(d, 'g', 'important'), { recursive: true });
    writeFileSync(join(d, 'g', 'important', 'f'), 'x');
    await refuses(d, ['generate', '--out', 'g'], 2, /g is not empty and has no designs\.json written by tcast.*--force/);

    const forced = await tcast(['generate', QUEUE, '--out', 'g', '--force'], { cwd: d });
    expect(forced.exitCode, String(forced.stderr)).toBe(0);
    expect(readFileSync(join(d, 'g', 'important', 'f'), 'utf8')).toBe('x');
    // A later full generation prunes designs its own index lists, and only their files.
    const index = JSON.parse(readFileSync(join(d, 'g', 'designs.json'), 'utf8')) as { name: string; modules: string[] }[];
    index.push({ name: 'gone-design', modules: ['Gone'] });
    writeFileSync(join(d, 'g', 'designs.json'), JSON.stringify(index));
    mkdirSync(join(d, 'g', 'gone-design'));
    for (const f of ['Gone.v', 'files.f', 'notes.txt']) writeFileSync(join(d, 'g', 'gone-design', f), f);
    writeFileSync(join(d, 'g', QUEUE, 'mine.v'), 'module mine; endmodule\n');
    const full = await tcast(['generate', '--out', 'g'], { cwd: d });
    expect(full.exitCode, String(full.stderr)).toBe(0);
    expect(readdirSync(join(d, 'g', 'gone-design'))).toEqual(['notes.txt']);
    expect(existsSync(join(d, 'g', QUEUE, 'mine.v'))).toBe(true);
    expect(readFileSync(join(d, 'g', 'important', 'f'), 'utf8')).toBe('x');
    // Generating elsewhere leaves the project's docs alone.
    expect((await execa('git', ['status', '--porcelain', 'docs', 'rtl'], { cwd: projectRoot })).stdout).toBe('');
  });
});

describe('2. silent success: every requested output is written or an error', () => {
  test('sim: --trace-fst into a missing folder or onto a directory, --out a directory, a duplicated column', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'v.txt'), VECTORS);
    mkdirSync(join(d, 'adir'));
    writeFileSync(join(d, 'dup.txt'), 'enq_valid enq_valid deq_ready\n1 0 0\n');
    await Promise.all([
      refuses(d, ['sim', QUEUE, '--vectors', 'v.txt', '--trace-fst', 'nodir/w.fst'], 2, /--trace-fst nodir\/w\.fst: the folder nodir does not exist/),
      refuses(d, ['sim', QUEUE, '--vectors', 'v.txt', '--trace-fst', 'adir'], 2, /--trace-fst adir is a directory/),
      refuses(d, ['sim', QUEUE, '--vectors', 'v.txt', '--out', 'adir'], 2, /--out adir is a directory/),
      refuses(d, ['sim', QUEUE, '--vectors', 'dup.txt'], 2, /dup\.txt:1: port 'enq_valid' is named twice/),
      refuses(d, ['dma', '--len', '64', '--trace-fst', 'nodir/w.fst'], 2, /--trace-fst nodir\/w\.fst: the folder nodir does not exist/),
      refuses(d, ['run', modelCase(join(work, 'run-case'), SUM), '--trace-fst', 'nodir/w.fst'], 2, /--trace-fst nodir\/w\.fst: the folder nodir does not exist/),
    ]);
  });

  test('sim: a bad line halfway leaves neither --out nor --trace-fst; a good run writes both', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'v.txt'), VECTORS);
    writeFileSync(join(d, 'bad.txt'), `${VECTORS}0 0x100 1\n`);
    await refuses(d, ['sim', QUEUE, '--vectors', 'bad.txt', '--out', 'o.txt', '--trace-fst', 'w.fst'], 2, /bad\.txt:8: value 0x100 does not fit port enq_bits \(8 bits\)/);
    const ok = await tcast(['sim', QUEUE, '--vectors', 'v.txt', '--out', 'o.txt', '--trace-fst', 'w.fst'], { cwd: d });
    expect(ok.exitCode, String(ok.stderr)).toBe(0);
    expectQueueOutput(readFileSync(join(d, 'o.txt'), 'utf8'));
    expect(readFileSync(join(d, 'w.fst')).length).toBeGreaterThan(100);
    expect(readdirSync(d).sort()).toEqual(['bad.txt', 'o.txt', 'v.txt', 'w.fst']);
  });
});

describe('3. the documented limits', () => {
  test('dma: addresses past the address width and impossible lengths are bad input, before any build', async () => {
    const d = caseDir();
    await Promise.all([
      refuses(d, ['dma', '--len', '64', '--src', '0x100000000'], 2, /--src 0x100000000 is beyond the design's 32-bit address space \(0\.\.0xffffffff\); use --addr-bits 64/),
      refuses(d, ['dma', '--len', '64', '--dst', '0xfffffff0'], 2, /--dst 0xfffffff0 \+ --len 64 runs past the 32-bit address space/),
      refuses(d, ['dma', '--len', '0x100000000'], 2, /--len = 0x100000000 is out of range; it must be in 0\.\.4294967295/),
    ]);
  });

  test('dma: a 1 MiB copy and a 30000-cycle read latency complete (no fixed poll cap, watchdog from the timing)', async () => {
    const big = await tcast(['dma', '--len', String(1 << 20), '--dst', '0x1000000', '--json']);
    expect(big.exitCode, String(big.stderr)).toBe(0);
    const lat = await tcast(['dma', '--len', '256', '--read-latency', '30000', '--json']);
    expect(lat.exitCode, String(lat.stdout).slice(0, 400)).toBe(0);
    expect((JSON.parse(String(lat.stdout)) as { cycles: number }).cycles).toBeGreaterThan(30000);
  });
});

describe('4. build cache integrity', () => {
  test('a truncated, emptied, overwritten or non-executable simulator is found out; an intact one passes', async () => {
    const root = mkdtempSync(join(work, 'entries-'));
    const copy = (name: string) => {
      const dir = join(root, name);
      cpSync(queueEntry, dir, { recursive: true });
      return { dir, bin: join(dir, 'bin', readdirSync(join(dir, 'bin'))[0]!) };
    };
    expect(await checkCacheEntry(copy('intact').dir)).toHaveProperty('meta');
    const t = copy('truncated');
    truncateSync(t.bin, 1000);
    const e = copy('empty');
    truncateSync(e.bin, 0);
    const g = copy('garbage');
    const size = readFileSync(g.bin).length;
    writeFileSync(g.bin, Buffer.alloc(size, 0x41));
    chmodSync(g.bin, 0o755);
    const x = copy('noexec');
    chmodSync(x.bin, 0o644);
    const m = copy('nometa');
    rmSync(join(m.dir, 'meta.json'));
    expect(await checkCacheEntry(t.dir)).toEqual({ bad: expect.stringMatching(/has 1000 bytes, the build recorded \d+/) });
    expect(await checkCacheEntry(e.dir)).toEqual({ bad: expect.stringMatching(/has 0 bytes/) });
    expect(await checkCacheEntry(g.dir)).toEqual({ bad: expect.stringMatching(/does not match the sha256/) });
    expect(await checkCacheEntry(x.dir)).toEqual({ bad: expect.stringMatching(/not executable/) });
    expect(await checkCacheEntry(m.dir)).toEqual({ bad: 'meta.json is missing' });
    expect(await checkCacheEntry(join(root, 'absent'))).toBeUndefined();
  });

  test('sim rebuilds a damaged entry past a lock of a reused pid and sweeps a killed build; a live lock times out naming its path', async () => {
    const cache = mkdtempSync(join(work, 'cache-'));
    const key = queueEntry.split('/').pop()!;
    cpSync(queueEntry, join(cache, key), { recursive: true });
    const bin = join(cache, key, 'bin', readdirSync(join(cache, key, 'bin'))[0]!);
    truncateSync(bin, 4096);
    // A lock whose pid now belongs to another process (pid 1) and whose owner stopped touching it.
    mkdirSync(join(cache, `${key}.lock`));
    writeFileSync(join(cache, `${key}.lock`, 'owner'), JSON.stringify({ pid: 1, host: hostname(), started: Date.now() - 3_600_000 }));
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(cache, `${key}.lock`, 'owner'), old, old);
    // The build folder of a killed build.
    const dead = (await execa('sh', ['-c', 'echo $$'])).stdout.trim();
    mkdirSync(join(cache, `tmp-${key}-${dead}`, 'obj'), { recursive: true });
    writeFileSync(join(cache, `tmp-${key}-${dead}`, 'owner.json'), JSON.stringify({ pid: Number(dead), host: hostname() }));

    const d = caseDir();
    writeFileSync(join(d, 'v.txt'), VECTORS);
    const r = await tcast(['sim', QUEUE, '--vectors', 'v.txt'], { cwd: d, env: { TCAST_CACHE_DIR: cache } });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expectQueueOutput(String(r.stdout));
    expect(readdirSync(cache).sort()).toEqual(['builds.log', key].sort());
    expect(JSON.parse(readFileSync(join(cache, 'builds.log'), 'utf8'))).toMatchObject({ key, replaced: expect.stringMatching(/has 4096 bytes/) });

    // A live holder: the build waits, says for what, and times out with the lock's path.
    chmodSync(join(cache, key, 'bin', readdirSync(join(cache, key, 'bin'))[0]!), 0o644);
    mkdirSync(join(cache, `${key}.lock`));
    writeFileSync(join(cache, `${key}.lock`, 'owner'), JSON.stringify({ pid: process.pid, host: hostname(), started: Date.now(), what: 'building X' }));
    const w = await tcast(['sim', QUEUE, '--vectors', 'v.txt'], { cwd: d, env: { TCAST_CACHE_DIR: cache, TCAST_LOCK_TIMEOUT_S: '1' } });
    const lines = String(w.stderr).trim().split('\n');
    expect(w.exitCode).toBe(2);
    expect(lines[0]).toBe(`tcast sim: waiting for the build lock ${join(cache, `${key}.lock`)} (held by pid ${process.pid} on ${hostname()}, building X, since ${new Date(JSON.parse(readFileSync(join(cache, `${key}.lock`, 'owner'), 'utf8')).started).toISOString()})`);
    expect(lines[1]).toMatch(new RegExp(`^tcast sim: error: timed out after 1 s waiting for the build lock ${join(cache, `${key}.lock`).replace(/[.]/g, '\\.')} \\(held by pid`));
    expect(lines).toHaveLength(2);
  });
});

/** Processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text)) pids.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return pids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('5. no processes or temporary files left behind', () => {
  test.runIf(process.platform === 'linux')('SIGTERM to node during a build kills Verilator, make and the compiler, and removes the build folder and lock', async () => {
    const cache = mkdtempSync(join(work, 'killed-'));
    const d = caseDir();
    writeFileSync(join(d, 'v.txt'), VECTORS);
    const child = execa('node', [BIN, 'sim', QUEUE, '--vectors', 'v.txt', '--out', 'o.txt'], { cwd: d, reject: false, env: { TCAST_CACHE_DIR: cache } });
    let building: number[] = [];
    for (let i = 0; i < 300 && building.length === 0; i++) {
      await sleep(100);
      building = processesMentioning(`${cache}/tmp-`);
    }
    expect(building.length).toBeGreaterThan(0);
    await sleep(300);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(143);
    let left = processesMentioning(cache);
    for (let i = 0; i < 30 && left.length; i++) {
      await sleep(100);
      left = processesMentioning(cache);
    }
    expect(left).toEqual([]);
    expect(readdirSync(cache).filter((f) => f.startsWith('tmp-') || f.endsWith('.lock'))).toEqual([]);
    expect(readdirSync(d)).toEqual(['v.txt']);
  });
});

describe('6. ordinary errors are one line with exit 2, never a stack trace', () => {
  test('output paths that are files or under a file, malformed designs.json, case.json a directory, a misdirected cache, a closed pipe', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'afile'), 'x');
    writeFileSync(join(d, 'v.txt'), VECTORS);
    mkdirSync(join(d, 'r1'));
    writeFileSync(join(d, 'r1', 'designs.json'), '{');
    mkdirSync(join(d, 'r2'));
    writeFileSync(join(d, 'r2', 'designs.json'), '{"a": 1}');
    mkdirSync(join(d, 'r3'));
    writeFileSync(join(d, 'r3', 'designs.json'), '[1]');
    mkdirSync(join(d, 'cj', 'case.json'), { recursive: true });
    const good = modelCase(join(d, 'good'), SUM);
    await Promise.all([
      refuses(d, ['generate', '--out', 'afile'], 2, /--out afile is a file, not a directory/),
      refuses(d, ['generate', '--out', 'afile/sub'], 2, /--out afile\/sub: .*afile is a file, not a directory/),
      refuses(d, ['sim', QUEUE, '--vectors', 'v.txt', '--out', 'afile/o.txt'], 2, /--out afile\/o\.txt: afile is a file, not a folder/),
      refuses(d, ['model', good, '--out', 'afile'], 2, /--out afile is a file, not a directory/),
      refuses(d, ['run', good, '--out', 'afile'], 2, /--out afile is a file, not a directory/),
      refuses(d, ['check', '--rtl', 'r1'], 2, /r1\/designs\.json is not valid JSON .*run 'tcast generate --out r1'/),
      refuses(d, ['check', '--rtl', 'r2'], 2, /r2\/designs\.json is not a tcast design index \(not a JSON array\)/),
      refuses(d, ['sim', QUEUE, '--vectors', 'v.txt', '--rtl', 'r3'], 2, /r3\/designs\.json is not a tcast design index \(entry 0 is not an object\)/),
      refuses(d, ['model', 'cj'], 2, /cj\/case\.json: not a file/),
      refuses(d, ['sim', QUEUE, '--vectors', 'v.txt'], 2, /TCAST_CACHE_DIR=.*afile cannot hold the build cache \(a file is in the way\); set TCAST_CACHE_DIR to a writable directory/, {
        env: { TCAST_CACHE_DIR: join(d, 'afile') },
      }),
    ]);
    const pipe = await execa('bash', ['-c', `set -o pipefail; node ${BIN} generate --list | true`], { cwd: d, reject: false });
    expectError(pipe as Result, 2, /^tcast generate: error: standard output was closed before all output was written \(EPIPE\)$/);
  });

  test('model: outputs too large to allocate are refused before any allocation', async () => {
    const d = caseDir();
    modelCase(join(d, 'big'), SUM, { weight: [new Float32Array(0), [0, 1_000_000_000]], indices: new Int32Array(0), offsets: new Int32Array(10) });
    await refuses(d, ['model', 'big'], 2, /output\.npy would be \[10, 1000000000\] = 10000000000 floats \(37\.3 GiB\), more than one array can hold/);
  });

  test('a Verilog file that fails to build is exit 2 with the file and line', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'v.txt'), VECTORS);
    cpSync(join(projectRoot, 'rtl', QUEUE), join(d, 'rtl', QUEUE), { recursive: true });
    const index = JSON.parse(readFileSync(join(projectRoot, 'rtl', 'designs.json'), 'utf8')) as { name: string }[];
    writeFileSync(join(d, 'rtl', 'designs.json'), JSON.stringify(index.filter((e) => e.name === QUEUE)));
    const v = join(d, 'rtl', QUEUE, readdirSync(join(d, 'rtl', QUEUE)).find((f) => f.endsWith('.v'))!);
    writeFileSync(v, readFileSync(v, 'utf8').replace(/endmodule/, 'endmodule garbage ('));
    const r = await tcast(['sim', QUEUE, '--vectors', 'v.txt', '--rtl', 'rtl'], { cwd: d });
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(new RegExp(`^tcast sim: error: Verilator build of '\\w+' failed: %Error: rtl/${QUEUE}/\\w+\\.v:\\d+:\\d+: syntax error`));
    expect(String(r.stderr)).not.toMatch(/internal error/);
  });
});

describe('7. values are checked', () => {
  test('empty and malformed option values are errors, not 0', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'v.txt'), VECTORS);
    await Promise.all([
      refuses(d, ['dma', '--len', ''], 2, /--len must be an integer in 0\.\.4294967295 \(decimal, or hex with 0x\), got ''/),
      refuses(d, ['dma', '--len', '64', '--seed', '1e30'], 2, /--seed must be an integer/),
      refuses(d, ['dma', '--len', '64', '--ready', ''], 2, /--ready must be a number in \(0, 1\], got ''/),
      refuses(d, ['sim', QUEUE, '--vectors', 'v.txt', '--reset-cycles', ''], 2, /--reset-cycles must be an integer/),
      refuses(d, ['sim', QUEUE, '--vectors', ''], 2, /--vectors is empty/),
      refuses(d, ['demo', '--seed', ''], 2, /--seed must be an integer/),
      refuses(d, ['demo', '--timing', ''], 2, /--timing must be fast, dram or random\[:SEED\], got ''/),
      refuses(d, ['generate', '--out', ''], 2, /--out is empty; give a directory/),
      refuses(d, ['check', '--rtl', ''], 2, /--rtl is empty/),
      refuses(d, ['formal', 'queue-d1-w8-reg', '--depth', '1e3'], 2, /--depth must be an integer in 1\.\.100000/),
      refuses(d, ['formal', 'queue-d1-w8-reg', '--timeout', ''], 2, /--timeout must be a number of seconds greater than 0, got ''/),
      // A tool past its time limit is the check's failure with the way to raise the limit, not an internal error.
      refuses(d, ['check', 'fp32-add-s3'], 1, /(verilator|yosys|iverilog) did not finish within 0\.001 s \(.*\); a large design may need longer: set TCAST_TOOL_TIMEOUT_S=SECONDS$/, { env: { TCAST_TOOL_TIMEOUT_S: '0.001' } }),
      refuses(d, ['check', 'fp32-add-s3'], 1, /TCAST_TOOL_TIMEOUT_S must be a positive number of seconds, got 'x'/, { env: { TCAST_TOOL_TIMEOUT_S: 'x' } }),
      // Decimal only, as TCAST_LOCK_TIMEOUT_S (sim/env.ts): Number() would read 0x10 as 16 s.
      refuses(d, ['check', 'fp32-add-s3'], 1, /TCAST_TOOL_TIMEOUT_S must be a positive number of seconds, got '0x10'/, { env: { TCAST_TOOL_TIMEOUT_S: '0x10' } }),
    ]);
  });

  test('model: lr/eps not finite in binary32, eps <= 0, huge negative int64 offsets, empty tables', async () => {
    const d = caseDir();
    const grad: [Float32Array, number[]] = [Float32Array.from([1, 1]), [1, 2]];
    const opt = (o: object) => ({ ...SUM, optimizer: o });
    modelCase(join(d, 'lr'), opt({ kind: 'sgd', lr: 1e39 }), { grad });
    modelCase(join(d, 'eps0'), opt({ kind: 'adagrad', lr: 0.1, eps: 0 }), { grad });
    modelCase(join(d, 'eps-tiny'), opt({ kind: 'rowwise_adagrad', lr: 0.1, eps: 1e-50 }), { grad });
    modelCase(join(d, 'off'), SUM, { offsets: BigInt64Array.from([0n, -9223372036854775807n]) });
    modelCase(join(d, 'empty'), SUM, { weight: [new Float32Array(0), [0, 2]], indices: Int32Array.from([0]) });
    modelCase(join(d, 'pad'), { ...SUM, padding_idx: 0 }, { weight: [new Float32Array(0), [0, 2]], indices: new Int32Array(0) });
    await Promise.all([
      refuses(d, ['model', 'lr'], 2, /optimizer lr = 1e\+39 is not finite in binary32 \(it rounds to Infinity\)/),
      refuses(d, ['model', 'eps0'], 2, /optimizer "eps" is 0; it must be greater than 0 in binary32/),
      refuses(d, ['model', 'eps-tiny'], 2, /optimizer "eps" is 1e-50; it must be greater than 0 in binary32 \(1e-50 rounds to 0\)/),
      refuses(d, ['model', 'off'], 2, /offsets\[1\] = -9223372036854775807 is less than offsets\[0\] = 0: offsets must not decrease/),
      refuses(d, ['model', 'empty'], 2, /indices\[0\] = 0 is out of range: the table has no rows, so no index is valid$/),
      refuses(d, ['model', 'pad'], 2, /padding_idx = 0 is out of range for a weight with 0 rows \(valid: only null, as the table has no rows\)$/),
    ]);
  });
});

describe('8. version, symlinks, other users', () => {
  test('--version; a symlink of any name runs the CLI', async () => {
    const d = caseDir();
    const v = await tcast(['--version'], { cwd: d });
    expect(v.exitCode).toBe(0);
    expect(v.stdout).toBe(`tcast ${(JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version}`);
    symlinkSync(BIN, join(d, 'my-hdl-tool'));
    const s = await execa(join(d, 'my-hdl-tool'), ['--version'], { cwd: d, reject: false });
    expect(s.exitCode).toBe(0);
    expect(s.stdout).toBe(v.stdout);
  });

  const isRoot = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');
  test.runIf(isRoot)('a non-root user with a read-only checkout simulates through a cache in its home', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tcast-user-'));
    try {
      const key = queueEntry.split('/').pop()!;
      cpSync(queueEntry, join(home, '.cache', 'tcast', 'verilator', key), { recursive: true });
      writeFileSync(join(home, 'v.txt'), VECTORS);
      await execa('chown', ['-R', '65534:65534', home]);
      chmodSync(home, 0o755);
      const env = { HOME: home, PATH: process.env.PATH, TMPDIR: home };
      const r = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', BIN, 'sim', QUEUE, '--vectors', 'v.txt', '--out', 'o.txt'], {
        cwd: home, reject: false, env, extendEnv: false,
      });
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expectQueueOutput(readFileSync(join(home, 'o.txt'), 'utf8'));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('9. fresh-eyes audit: bad input found by probing every command', () => {
  test.runIf(process.platform === 'linux')('an output or cache under /proc, or through a dangling symlink, is refused before any work (Node\'s recursive mkdir never returns there)', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'v.txt'), VECTORS);
    const good = modelCase(join(d, 'good'), SUM);
    symlinkSync(join(d, 'no-such-target'), join(d, 'dangling'));
    // As subprocesses with a time limit: these hung. root passes access(W_OK) on /proc; another user is told it is not writable.
    await Promise.all([
      refuses(d, ['model', good, '--out', '/proc/x'], 2, /--out \/proc\/x: (cannot create anything in \/proc \(the file system takes no new entries there\)|\/proc is not writable)/, { timeout: 30_000 }),
      refuses(d, ['cache', 'list'], 2, /TCAST_CACHE_DIR=\/proc\/x cannot hold the build cache/, { timeout: 30_000, env: { TCAST_CACHE_DIR: '/proc/x' } }),
      // /proc itself exists and serves as a read-only cache (nothing in it): a build there is refused when it takes its lock.
      refuses(d, ['sim', QUEUE, '--vectors', 'v.txt'], 2, /cannot write to the build cache \/proc \(the file system takes no new entries there\); set TCAST_CACHE_DIR to a writable directory/, { timeout: 30_000, env: { TCAST_CACHE_DIR: '/proc' } }),
    ]);
    await refusesHere(d, ['sim', QUEUE, '--vectors', 'v.txt', '--out', '/proc/x.txt'], 2, /--out \/proc\/x\.txt: (cannot create files in \/proc|the folder \/proc is not writable)/);
    await refusesHere(d, ['model', good, '--out', 'dangling/out'], 2, /--out dangling\/out: .*dangling is a symbolic link to .*no-such-target, which does not exist/);
  });

  test('sim: --out or --trace-fst naming the --vectors file (directly or through a symlink) is refused; the stimulus is kept', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'v.txt'), VECTORS);
    symlinkSync('v.txt', join(d, 'link.txt'));
    await refusesHere(d, ['sim', QUEUE, '--vectors', 'v.txt', '--out', './v.txt'], 2, /--out \.\/v\.txt is the --vectors file; writing it would destroy the stimulus/);
    await refusesHere(d, ['sim', QUEUE, '--vectors', 'link.txt', '--trace-fst', 'v.txt'], 2, /--trace-fst v\.txt is the --vectors file/);
    // --out and --trace-fst naming one file through a symlinked folder (resolved paths differ, the file is the same).
    mkdirSync(join(d, 'real'));
    symlinkSync('real', join(d, 'alias'));
    await refusesHere(d, ['sim', QUEUE, '--vectors', 'v.txt', '--out', 'real/o.txt', '--trace-fst', 'alias/o.txt'], 2, /--out and --trace-fst name the same file/);
  });

  test('run: a --trace-fst naming an input of the case is refused before any build (the waveform replaced it)', async () => {
    const d = caseDir();
    modelCase(join(d, 'c'), SUM);
    // A subprocess with a time limit: this started a traced build of the engine.
    await refuses(d, ['run', 'c', '--trace-fst', './c/weight.npy'], 2, /--trace-fst \.\/c\/weight\.npy is the case's weight\.npy; writing it would destroy the input/, { timeout: 20_000 });
    // Nor one the results would replace (written after the waveform): perf.json or a .npy in --out, also before it exists.
    await refuses(d, ['run', 'c', '--out', 'o', '--trace-fst', 'o/perf.json'], 2, /--trace-fst o\/perf\.json is in --out o under a name tcast run writes its results to/, { timeout: 20_000 });
    await refuses(d, ['run', 'c', '--trace-fst', 'c/out/output.npy'], 2, /--trace-fst c\/out\/output\.npy is in --out .*c\/out under a name tcast run writes/, { timeout: 20_000 });
  });

  test('model: a .npy past one buffer (4 GiB) and an outsized case.json are refused by their size, not an internal error', async () => {
    const d = caseDir();
    // Sparse files: nothing is read.
    truncateSync(join(modelCase(join(d, 'big-npy'), SUM), 'weight.npy'), 2 ** 32 + 1);
    truncateSync(join(modelCase(join(d, 'big-json'), SUM), 'case.json'), 3 * 2 ** 30);
    await refusesHere(d, ['model', 'big-npy'], 2, /big-npy\/weight\.npy: 4\.0 GiB, more than one array can hold \(4\.0 GiB\); use a smaller table or case$/);
    await refusesHere(d, ['model', 'big-json'], 2, /big-json\/case\.json: 3221225472 bytes; case\.json is a small JSON object/);
  });

  test('model, run: a CASE_DIR that is a file is named as such (it was reported as a bad --out inside it)', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'afile'), 'x');
    await refusesHere(d, ['model', 'afile'], 2, /error: afile is a file, not a case directory; give the directory that holds case\.json and the \.npy inputs$/);
    await refusesHere(d, ['run', 'afile'], 2, /error: afile is a file, not a case directory/);
  });

  test('model, run: a .npy in the case directory that no input is named after (a misspelt optional input, a table past "tables") is refused, not ignored', async () => {
    const d = caseDir();
    const typo = modelCase(join(d, 'typo'), SUM);
    writeFileSync(join(typo, 'per_sample_weight.npy'), encodeNpy(Float32Array.from([2, 2]), [2]));
    const tbe = join(d, 'tbe');
    cpSync(join(projectRoot, 'examples', 'cases', 'tbe-sum-psw-backward'), tbe, { recursive: true });
    writeFileSync(join(tbe, 'weight_3.npy'), encodeNpy(Float32Array.from([1, 2]), [1, 2]));
    // The outputs may be written into the case directory itself, and read back there.
    const self = modelCase(join(d, 'self'), SUM);
    expect((await tcastHere(['model', 'self', '--out', 'self'], d)).exitCode).toBe(0);
    expect((await tcastHere(['model', 'self', '--out', 'self'], d)).exitCode).toBe(0);
    expect(readdirSync(self)).toContain('output.npy');
    await refusesHere(d, ['model', 'typo'], 2, /typo\/per_sample_weight\.npy: not an input of this case, so it would be ignored; the inputs are weight\.npy, .*per_sample_weights\.npy.*: rename it or move it out/);
    await refusesHere(d, ['run', 'typo'], 2, /typo\/per_sample_weight\.npy: not an input of this case/);
    await refusesHere(d, ['model', 'tbe'], 2, /tbe\/weight_3\.npy: not an input of this case, .*the inputs are weight_0\.npy \.\. weight_2\.npy \("tables": 3\)/);
  });

  test('run: a dim too wide for --config names the configurations that take it, before any build', async () => {
    const d = caseDir();
    modelCase(join(d, 'd100'), SUM, { weight: [new Float32Array(200), [2, 100]] });
    modelCase(join(d, 'd5000'), SUM, { weight: [new Float32Array(10000), [2, 5000]] });
    await refusesHere(d, ['run', 'd100'], 2, /d100: configuration engine-d128 cannot run this case: dim 100 is larger than this configuration's largest dim 64; use --config engine-d512 or engine-d256c2$/);
    await refusesHere(d, ['run', 'd5000'], 2, /dim 5000 is larger than this configuration's largest dim 64; no configuration takes it \(the largest dim is 128\)$/);
  });

  test('generate --check: a missing or file --out is bad input (it was exit 1, every file listed as drift); drift in another tree names its own fix', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'afile'), 'x');
    mkdirSync(join(d, 'other'));
    await refusesHere(d, ['generate', '--check', '--out', 'nope'], 2, /--out nope: no such directory; --check compares a tree written by 'tcast generate --out nope'$/);
    await refusesHere(d, ['generate', '--check', '--out', 'afile'], 2, /--out afile is a file, not a directory/);
    const r = await tcastHere(['generate', 'queue-d1-w8-reg', '--check', '--out', 'other'], d);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^drift \(run 'tcast generate queue-d1-w8-reg --out other'\):\n {2}other\/queue-d1-w8-reg\//);
    // With --sv-wrapper the fix writes the wrappers too (the suggestion without it left them missing).
    expect((await tcastHere(['generate', 'dma-d64-r4-b16', '--out', 'other'], d)).exitCode).toBe(0);
    const w = await tcastHere(['generate', 'dma-d64-r4-b16', '--check', '--sv-wrapper', '--out', 'other'], d);
    expect(w.exitCode).toBe(1);
    expect(w.stdout).toMatch(/^drift \(run 'tcast generate dma-d64-r4-b16 --sv-wrapper --out other'\):\n {2}other\/dma-d64-r4-b16\/.*\.sv/);
  });

  test('check: a Verilog syntax error is reported by every tool with its file and line (lint and Yosys errors were dropped, Icarus\'s printed as [object Object])', async () => {
    const d = caseDir();
    const D = 'queue-d1-w8-reg';
    cpSync(join(projectRoot, 'rtl', D), join(d, 'rtl', D), { recursive: true });
    const index = JSON.parse(readFileSync(join(projectRoot, 'rtl', 'designs.json'), 'utf8')) as { name: string }[];
    writeFileSync(join(d, 'rtl', 'designs.json'), JSON.stringify(index.filter((e) => e.name === D)));
    const v = join(d, 'rtl', D, 'Queue_d1_w8_reg.v');
    const lines = readFileSync(v, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.startsWith('endmodule')) + 1;
    writeFileSync(v, lines.map((l, i) => (i === at - 1 ? `${l} garbage (` : l)).join('\n'));
    const r = await tcastHere(['check', '--rtl', 'rtl', '--json'], d);
    expect(r.exitCode).toBe(1);
    const j = JSON.parse(r.stdout) as { lint: { errors: string[] }; synth: { errors: string[] }; icarus: { errors: string[] } }[];
    for (const e of [j[0]!.lint.errors, j[0]!.synth.errors, j[0]!.icarus.errors]) expect(e).toEqual([expect.stringMatching(new RegExp(`Queue_d1_w8_reg\\.v:${at}:? .*syntax error`))]);
    // The text report of the same results (rendered from them, not run again).
    const t = await tcastHere(['check', '--rtl', 'rtl'], d);
    expect(t.stdout).not.toMatch(/object Object/);
    expect(t.stdout).toMatch(/^FAIL queue-d1-w8-reg +lint FAILED \(1 error\(s\)\), yosys FAILED, icarus FAILED$/m);
    for (const tool of ['lint', 'yosys', 'icarus']) expect(t.stdout).toMatch(new RegExp(`^ +${tool}: .*Queue_d1_w8_reg\\.v:${at}:? .*syntax error`, 'm'));
  });

  test('check, sim: a Verilog file that designs.json lists but is missing is bad input naming the file and the fix (check ran every tool on it, exit 1)', async () => {
    const d = caseDir();
    writeFileSync(join(d, 'v.txt'), VECTORS);
    mkdirSync(join(d, 'rtl'));
    cpSync(join(projectRoot, 'rtl', 'designs.json'), join(d, 'rtl', 'designs.json'));
    await refusesHere(d, ['check', QUEUE, '--rtl', 'rtl'], 2, new RegExp(`rtl/${QUEUE}/Queue_d4_w8_reg\\.v: no such file, though rtl/designs\\.json lists it for ${QUEUE}; run 'tcast generate --out rtl' to write it again$`));
    await refusesHere(d, ['sim', QUEUE, '--vectors', 'v.txt', '--rtl', 'rtl'], 2, /Queue_d4_w8_reg\.v: no such file, though rtl\/designs\.json lists it/);
  });

  test('formal: a --vcd that cannot be written (a directory, empty, in a missing folder) is refused before the check (it was ignored on a pass)', async () => {
    const d = caseDir();
    mkdirSync(join(d, 'adir'));
    await refusesHere(d, ['formal', 'queue-d1-w8-reg', '--depth', '2', '--vcd', 'adir'], 2, /--vcd adir is a directory; give a file name/);
    await refusesHere(d, ['formal', 'queue-d1-w8-reg', '--depth', '2', '--vcd', ''], 2, /--vcd is empty; give a file name/);
    await refusesHere(d, ['formal', 'queue-d1-w8-reg', '--depth', '2', '--vcd', 'nodir/c.vcd'], 2, /--vcd nodir\/c\.vcd: the folder nodir does not exist; create it first/);
  });

  test('dma: a parameter the DMA refuses is named by its option, without the generator\'s error class and source line', async () => {
    const d = caseDir();
    await refusesHere(d, ['dma', '--len', '64', '--max-reads', '3'], 2, /error: --max-reads must be a power of two in 2\.\.128, got 3$/);
    await refusesHere(d, ['dma', '--len', '64', '--max-writes', '0'], 2, /error: --max-writes must be 1\.\.255, got 0$/);
    await refusesHere(d, ['dma', '--len', '64', '--data-bits', '48'], 2, /error: --data-bits \(the AXI4 data width\) must be 32, 64, 128, 256, 512 or 1024 bits, got 48$/);
  });

  test('init: an empty --tcast is refused (it wrote "tcast": "" into package.json)', async () => {
    const d = caseDir();
    await refusesHere(d, ['init', 'proj', '--tcast', ''], 2, /--tcast is empty; give the dependency spec, e\.g\. \^\d+\.\d+\.\d+/);
  });

  test('a missing input file is "no such file or directory", with the option that named it', async () => {
    const d = caseDir();
    await refusesHere(d, ['report', 'missing.json', '--out', 'rep'], 2, /cannot read result file missing\.json: no such file or directory$/);
    await refusesHere(d, ['sim', QUEUE, '--vectors', 'missing.txt'], 2, /cannot read --vectors missing\.txt: no such file or directory$/);
  });

  test('a TCAST_LOCK_TIMEOUT_S that is not a positive number is an error where a build would wait (it waited an hour for a lock, even with 0)', async () => {
    const cache = mkdtempSync(join(work, 'lockenv-'));
    const key = queueEntry.split('/').pop()!;
    // A live holder (this process) of the build's lock: a run that needs the build waits for it.
    mkdirSync(join(cache, `${key}.lock`));
    writeFileSync(join(cache, `${key}.lock`, 'owner'), JSON.stringify({ pid: process.pid, host: hostname(), started: Date.now(), what: 'building X' }));
    const d = caseDir();
    writeFileSync(join(d, 'v.txt'), VECTORS);
    // A subprocess with a time limit: this waited (0 is the value most likely meant as "do not wait").
    // And decimal notation only, as the CLI's real-number options: Number() took 0x10 as 16 s.
    await Promise.all(['0', '0x10'].map((v) => refuses(d, ['sim', QUEUE, '--vectors', 'v.txt'], 2, new RegExp(`TCAST_LOCK_TIMEOUT_S must be a positive number of seconds, got '${v}'; unset it to wait up to an hour$`), {
      env: { TCAST_CACHE_DIR: cache, TCAST_LOCK_TIMEOUT_S: v }, timeout: 20_000,
    })));
  });

  test('a blank TCAST_CACHE_DIR is an error (it made a folder named by the blanks in the working directory)', async () => {
    const d = caseDir();
    await refusesHere(d, ['cache', 'list'], 2, /TCAST_CACHE_DIR is blank \(' '\); set TCAST_CACHE_DIR to a writable directory, or unset it for the default$/, { TCAST_CACHE_DIR: ' ' });
  });

  test('help CMD is CMD --help (it printed the list and ignored CMD); an unknown one is an error', async () => {
    const d = caseDir();
    const h = await tcastHere(['help', 'model'], d);
    expect(h.exitCode).toBe(0);
    expect(h.stdout).toMatch(/^tcast model: run the golden reference model/);
    expect(h.stdout).toBe((await tcastHere(['model', '--help'], d)).stdout);
    await refusesHere(d, ['help', 'frobnicate'], 2, /^tcast help: error: unknown command 'frobnicate'; run 'tcast --help' for the list$/);
  });

  test('real-number options are decimal notation: 0x10, 0b1 or Infinity are refused (Number() read --older-than 0x10 as 16 days)', async () => {
    const d = caseDir();
    const cache = { TCAST_CACHE_DIR: mkdtempSync(join(work, 'prune-')) };
    await refusesHere(d, ['cache', 'prune', '--dry-run', '--older-than', '0x10'], 2, /--older-than must be a number of days >= 0, got '0x10'$/, cache);
    await refusesHere(d, ['cache', 'prune', '--dry-run', '--older-than', 'Infinity'], 2, /--older-than must be a number of days >= 0, got 'Infinity'$/, cache);
    await refusesHere(d, ['dma', '--len', '64', '--ready', '0b1'], 2, /--ready must be a number in \(0, 1\], got '0b1'$/);
    expect((await tcastHere(['cache', 'prune', '--dry-run', '--older-than', '1.5e1', '--json'], d, cache)).stdout).toMatch(/"olderThanDays": 15/);
  });

  test('run: --timing random:SEED outside 1..2^32-1 is refused (0 and 2^32 were silently seed 1\'s profile)', async () => {
    const d = caseDir();
    modelCase(join(d, 'c'), SUM);
    await refusesHere(d, ['run', 'c', '--timing', 'random:0'], 2, /--timing random:SEED takes a seed in 1\.\.4294967295, got '0'$/);
    await refusesHere(d, ['run', 'c', '--timing', 'random:4294967296'], 2, /--timing random:SEED takes a seed in 1\.\.4294967295, got '4294967296'$/);
  });

  test('generate: --out, --force or --check with --list, and --force with --check, are refused (they were ignored)', async () => {
    const d = caseDir();
    await refusesHere(d, ['generate', '--list', '--out', 'g'], 2, /--list writes nothing; drop --out$/);
    await refusesHere(d, ['generate', '--list', '--force'], 2, /--list writes nothing; drop --force$/);
    await refusesHere(d, ['generate', '--list', '--check'], 2, /--list writes nothing; drop --check$/);
    await refusesHere(d, ['generate', 'queue-d1-w8-reg', '--check', '--force'], 2, /--check writes nothing; drop --force$/);
  });

  test('formal: --timeout without --prove is refused (it limits only the proof, and was ignored)', async () => {
    const d = caseDir();
    await refusesHere(d, ['formal', 'queue-d1-w8-reg', '--depth', '2', '--timeout', '5'], 2, /--timeout limits the unbounded proof; add --prove/);
  });
});
