/**
 * Cached Verilator builds of a design plus any C++ harness.
 *
 * The cache key is the sha256 of the Verilog texts, the harness texts, the
 * top, the flags, the trace option, the build recipe below and the Verilator
 * version line, so an unchanged design is never rebuilt: not by another test
 * file, another vitest worker or a later run. See sim/cache.ts for the layout
 * and the locking. A cached binary is used only after its size and sha256
 * match what the build recorded; a damaged entry (truncated, emptied,
 * overwritten, no longer executable) is set aside and rebuilt.
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream, existsSync, rmSync } from 'node:fs';
import { access, copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { appendBuildLog, cacheRoot, cacheWriteError, countBuild, markUsed, sweepDebris, withLock } from './cache';
import { onCleanup, trackChild } from './proc';
import { parseVerilatorMessages } from './checks';
import { includeDirs, loadSources, SimInputError, type VerilogInput, type VerilogSource } from './sources';
import { requireTool } from './tools';

export interface HarnessSource {
  /** File name, e.g. "harness.cpp" or "bfm.h"; .cpp/.cc files are compiled, the rest only included. */
  name: string;
  text: string;
}

export interface BuildSpec extends VerilogInput {
  /** The C++ sources with main(); any harness, not only the vector harness. */
  harness: HarnessSource[];
  /** Extra Verilator arguments (part of the cache key). */
  flags?: string[];
  /** Build with --trace-fst (a separate cache entry). */
  trace?: boolean;
}

export interface BuildResult {
  /** Absolute path of the simulation executable. */
  binary: string;
  /** True when the binary came from the cache (no Verilator run in this call). */
  cached: boolean;
  key: string;
  /** How long the Verilator build of this binary took (also for cache hits: the original build). */
  buildSeconds: number;
  /** Wall time of this call (lookup, waiting for a lock, building). */
  elapsedSeconds: number;
  /** The cache directory of this build. */
  dir: string;
}

/**
 * The fixed part of every build. Optimisation: Verilator's makefile defaults
 * to -Os for everything (OPT_FAST, OPT_SLOW, OPT_GLOBAL). We keep the model's
 * per-cycle code and the harness (OPT_FAST) fast at run time with -O2, compile
 * the once-only constructors/initialisation (OPT_SLOW) with -O0 and the
 * Verilator runtime library (OPT_GLOBAL) with -O1: see sim/README.md for the
 * measurements. Uninitialised state: --x-assign/--x-initial unique, so the
 * harness picks random but seeded values at run time.
 */
export const RECIPE = {
  version: 1,
  verilatorArgs: ['--x-assign', 'unique', '--x-initial', 'unique', '-Wno-fatal'],
  make: ['OPT_FAST=-O2', 'OPT_SLOW=-O0', 'OPT_GLOBAL=-O1'],
} as const;

/** The design could not be built: carries Verilator's (or the compiler's) messages. Bad input: exit 2. */
export class BuildError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
  constructor(
    message: string,
    /** The error lines of the tool output. */
    readonly errors: string[],
    /** The full build output. */
    readonly log: string,
    /** Where the full output was saved. */
    readonly logFile: string,
  ) {
    super(message);
    this.name = 'BuildError';
  }
}

let last: BuildResult | undefined;

/** The result of the most recent buildModel call in this process. */
export function lastBuild(): BuildResult | undefined {
  return last;
}

export function computeKey(spec: BuildSpec, sources: VerilogSource[], verilatorVersionLine: string): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      recipe: RECIPE,
      verilator: verilatorVersionLine,
      top: spec.top,
      sources: sources.map((s) => [s.name, s.text]),
      harness: spec.harness.map((s) => [s.name, s.text]),
      flags: spec.flags ?? [],
      trace: spec.trace === true,
      includes: includeDirs(spec),
    }),
  );
  return h.digest('hex').slice(0, 32);
}

const inFlight = new Map<string, Promise<BuildResult>>();

function binaryName(top: string): string {
  return `V${top}_sim`;
}

/**
 * Returns a simulation binary for the design and harness, building it with
 * Verilator only when no build with the same key exists.
 * @throws BuildError with Verilator's messages when the build fails.
 */
export async function buildModel(spec: BuildSpec): Promise<BuildResult> {
  const t0 = performance.now();
  const verilator = requireTool('verilator');
  requireTool('make');
  requireTool('g++');
  if (spec.harness.length === 0) throw new SimInputError('buildModel needs at least one harness C++ source');
  for (const h of spec.harness) {
    if (!/^[A-Za-z0-9_.+-]+$/.test(h.name)) throw new SimInputError(`invalid harness file name '${h.name}'`);
  }
  const sources = await loadSources(spec);
  const key = computeKey(spec, sources, verilator.versionLine);
  let p = inFlight.get(key);
  if (!p) {
    p = obtain(spec, sources, key);
    inFlight.set(key, p);
    p.finally(() => inFlight.delete(key)).catch(() => {});
  }
  const r = await p;
  const result = { ...r, elapsedSeconds: (performance.now() - t0) / 1000 };
  last = result;
  return result;
}

interface Meta {
  key: string;
  top: string;
  binary: string;
  buildSeconds: number;
  trace: boolean;
  verilator: string;
  builtAt: string;
  /** Size in bytes and sha256 of the binary, checked before each use (absent in entries of older versions). */
  size?: number;
  sha256?: string;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * An ELF file's length implied by its header (the section header table ends
 * the file as linkers write it): catches a truncated binary in an entry of an
 * older version, which recorded no hash.
 */
async function elfComplete(path: string, size: number): Promise<boolean> {
  const head = Buffer.alloc(64);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, 64, 0);
  } finally {
    await fh.close();
  }
  if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return false;
  const end = Number(head.readBigUInt64LE(0x28)) + head.readUInt16LE(0x3a) * head.readUInt16LE(0x3c);
  return end > 64 && end <= size;
}

/** Entries verified by this process (dir + mtime + size), so a binary is hashed once per process. */
const verified = new Set<string>();

/**
 * The entry's meta when its binary is sound: the recorded size and sha256
 * match and it is executable. An entry of an older version (no hash) is
 * checked for a complete ELF image and gets its hash recorded. Returns the
 * reason when the entry is damaged, undefined when there is none.
 */
export async function checkCacheEntry(dir: string): Promise<{ meta: Meta } | { bad: string } | undefined> {
  let meta: Meta;
  try {
    meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as Meta;
  } catch (e) {
    if (!existsSync(dir)) return undefined;
    return { bad: existsSync(join(dir, 'meta.json')) ? `meta.json is unreadable (${(e as Error).message})` : 'meta.json is missing' };
  }
  if (typeof meta.binary !== 'string' || !/^bin\/[A-Za-z0-9_$]+$/.test(meta.binary)) return { bad: 'meta.json names no binary' };
  const bin = join(dir, meta.binary);
  let st;
  try {
    st = await stat(bin);
    await access(bin, constants.X_OK);
  } catch (e) {
    return { bad: `${meta.binary} is ${(e as NodeJS.ErrnoException).code === 'EACCES' ? 'not executable' : 'missing'}` };
  }
  if (!st.isFile() || (st.mode & 0o111) === 0) return { bad: `${meta.binary} is not an executable file` };
  const memo = `${dir}:${st.mtimeMs}:${st.size}`;
  if (verified.has(memo)) return { meta };
  if (meta.sha256 !== undefined) {
    if (st.size !== meta.size) return { bad: `${meta.binary} has ${st.size} bytes, the build recorded ${meta.size}` };
    if ((await sha256File(bin)) !== meta.sha256) return { bad: `${meta.binary} does not match the sha256 the build recorded` };
  } else {
    if (st.size === 0 || !(await elfComplete(bin, st.size))) return { bad: `${meta.binary} is not a complete executable` };
    const upgraded: Meta = { ...meta, size: st.size, sha256: await sha256File(bin) };
    const tmp = join(dir, `.meta.json.${process.pid}`);
    try {
      await writeFile(tmp, JSON.stringify(upgraded, null, 2));
      await rename(tmp, join(dir, 'meta.json'));
      meta = upgraded;
    } catch {
      await rm(tmp, { force: true }).catch(() => {});
    }
  }
  verified.add(memo);
  return { meta };
}

async function obtain(spec: BuildSpec, sources: VerilogSource[], key: string): Promise<BuildResult> {
  const root = cacheRoot();
  const dir = join(root, key);
  const hit = async (m: Meta): Promise<BuildResult> => {
    countBuild('hit');
    await markUsed(dir);
    return { binary: join(dir, m.binary), cached: true, key, buildSeconds: m.buildSeconds, elapsedSeconds: 0, dir };
  };
  const quick = await checkCacheEntry(dir);
  if (quick && 'meta' in quick) return hit(quick.meta);
  return withLock(key, async () => {
    const again = await checkCacheEntry(dir);
    if (again && 'meta' in again) return hit(again.meta);
    await sweepDebris(root);
    // A damaged entry is set aside (so a process using it keeps its files) and rebuilt.
    if (again && 'bad' in again) {
      const aside = `${dir}.bad-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      await rename(dir, aside).catch((e: unknown) => { throw cacheWriteError(e, root); });
      await rm(aside, { recursive: true, force: true });
    }
    const tmp = join(root, `tmp-${key}-${process.pid}`);
    const forget = onCleanup(() => rmSync(tmp, { recursive: true, force: true }));
    let meta: Meta;
    try {
      meta = await build(spec, sources, key, root);
      await rename(tmp, dir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      const other = e instanceof BuildError ? undefined : await checkCacheEntry(dir);
      if (!other || !('meta' in other)) throw cacheWriteError(e, root);
      meta = other.meta;
    } finally {
      forget();
    }
    countBuild('build');
    appendBuildLog({
      time: new Date().toISOString(), key, top: spec.top, trace: spec.trace === true, seconds: meta.buildSeconds, pid: process.pid,
      ...(again && 'bad' in again ? { replaced: again.bad } : {}),
    }, root);
    return { binary: join(dir, meta.binary), cached: false, key, buildSeconds: meta.buildSeconds, elapsedSeconds: 0, dir };
  }, { what: `building ${spec.top}${spec.trace ? ' (traced)' : ''}` });
}

function jobs(): number {
  const env = Number(process.env.TCAST_BUILD_JOBS);
  return Number.isInteger(env) && env > 0 ? env : Math.max(1, Math.min(availableParallelism(), 8));
}

async function build(spec: BuildSpec, sources: VerilogSource[], key: string, root: string): Promise<Meta> {
  const verilator = requireTool('verilator');
  const tmp = join(root, `tmp-${key}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  const srcDir = join(tmp, 'src');
  const harnessDir = join(tmp, 'harness');
  const objDir = join(tmp, 'obj');
  await mkdir(srcDir, { recursive: true });
  await mkdir(harnessDir, { recursive: true });
  await writeFile(join(tmp, 'owner.json'), JSON.stringify({ pid: process.pid, host: hostname() }));
  for (const s of sources) await writeFile(join(srcDir, s.name), s.text);
  for (const h of spec.harness) await writeFile(join(harnessDir, h.name), h.text);
  const compiled = spec.harness.filter((h) => /\.(cpp|cc|cxx)$/.test(h.name)).map((h) => join(harnessDir, h.name));
  if (compiled.length === 0) throw new SimInputError('buildModel: the harness has no .cpp file');
  const bin = binaryName(spec.top);
  const args = [
    '--cc',
    '--exe',
    '--build',
    '-j',
    String(jobs()),
    '--top-module',
    spec.top,
    '--Mdir',
    objDir,
    '-o',
    bin,
    ...RECIPE.verilatorArgs,
    ...RECIPE.make.flatMap((m) => ['-MAKEFLAGS', m]),
    '-CFLAGS',
    `-I${harnessDir}`,
    ...(spec.trace ? ['--trace-fst', '--trace-structs'] : []),
    ...includeDirs(spec).map((d) => `-I${d}`),
    ...(spec.flags ?? []),
    ...sources.map((s) => join(srcDir, s.name)),
    ...compiled,
  ];
  const t0 = performance.now();
  // Its own process group, so that an interrupt kills make and the compilers too (sim/proc.ts).
  const child = execa(verilator.path, args, { reject: false, all: true, stdin: 'ignore', timeout: 60 * 60_000, detached: true });
  trackChild(child, true);
  const r = await child;
  const seconds = (performance.now() - t0) / 1000;
  // Point messages at the caller's files, not at our private copies.
  let log = r.all ?? '';
  const files = spec.files ?? [];
  sources.forEach((s, i) => {
    log = log.split(join(srcDir, s.name)).join(i < files.length ? files[i]! : s.name);
  });
  if (r.exitCode !== 0 || !existsSync(join(objDir, bin))) {
    const logFile = join(root, `failed-${key}.log`);
    await writeFile(logFile, `verilator ${args.join(' ')}\n\n${log}`);
    await rm(tmp, { recursive: true, force: true });
    const vErrors = parseVerilatorMessages(log)
      .filter((d) => d.severity === 'error')
      .map((d) => d.text.split('\n')[0]!);
    const ccErrors = log.split('\n').filter((l) => /\berror\b/i.test(l) && !/^%/.test(l) && !/^make/.test(l));
    const errors = vErrors.length > 0 ? vErrors : ccErrors.length > 0 ? ccErrors : [log.trim().split('\n').slice(-1)[0] ?? `exit code ${r.exitCode}`];
    const shown = errors.slice(0, 5).join('\n  ');
    throw new BuildError(
      `Verilator build of '${spec.top}' failed: ${shown}${errors.length > 5 ? `\n  ... (${errors.length - 5} more)` : ''}\n  full log: ${logFile}`,
      errors,
      log,
      logFile,
    );
  }
  await mkdir(join(tmp, 'bin'), { recursive: true });
  await copyFile(join(objDir, bin), join(tmp, 'bin', bin));
  await rm(objDir, { recursive: true, force: true });
  const meta: Meta = {
    key,
    top: spec.top,
    binary: join('bin', bin),
    buildSeconds: Math.round(seconds * 100) / 100,
    trace: spec.trace === true,
    verilator: verilator.versionLine,
    builtAt: new Date().toISOString(),
  };
  const binPath = join(tmp, 'bin', bin);
  meta.size = (await stat(binPath)).size;
  meta.sha256 = await sha256File(binPath);
  await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
  await writeFile(join(tmp, 'build.log'), `verilator ${args.join(' ')}\n\n${log}`);
  return meta;
}
