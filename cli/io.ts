/**
 * Checked option values and output paths for every command: an option value
 * is parsed strictly (an empty value is an error, never 0), and an output is
 * checked before the work starts and written whole or not at all (a temporary
 * file renamed into place), so a command never reports success for an output
 * it did not write.
 */
import { accessSync, closeSync, constants, createWriteStream, existsSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { projectRoot } from '../generator/hdl/source';
import { onCleanup } from '../sim/proc';
import { UsageError } from './command';
import { cannotCreateIn, danglingLink, fsReason } from '../sim/fs';
import { decimalNumber } from '../sim/env';

// ------------------------------------------------------------------ option values

const INT_RE = /^(?:0[xX][0-9a-fA-F]+|[0-9]+)$/;

/**
 * An integer option: decimal or 0x hex digits only (no sign, fraction,
 * exponent or empty value), within min..max. Returns `dflt` when not given.
 */
export function bigIntOption(name: string, s: string | undefined, dflt: bigint, min = 0n, max = (1n << 64n) - 1n): bigint {
  if (s === undefined) return dflt;
  const range = `${min}..${max >= 1n << 32n ? `0x${max.toString(16)}` : max}`;
  if (!INT_RE.test(s.trim())) throw new UsageError(`${name} must be an integer in ${range} (decimal, or hex with 0x), got '${s}'`);
  const v = BigInt(s.trim());
  if (v < min || v > max) throw new UsageError(`${name} = ${s} is out of range; it must be in ${range}`);
  return v;
}

/** As bigIntOption, for values that fit a JavaScript number. */
export function intOption(name: string, s: string | undefined, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  return Number(bigIntOption(name, s, BigInt(dflt), BigInt(min), BigInt(max)));
}

/** A comma-separated list of integers (`16,64,128`), each as intOption checks it; returns `dflt` when not given. */
export function intListOption(name: string, s: string | undefined, dflt: number[], min = 0, max = Number.MAX_SAFE_INTEGER): number[] {
  if (s === undefined) return dflt;
  return s.split(',').map((x) => intOption(`each value of ${name}`, x, 0, min, max));
}

/** One of a fixed set of names; returns `dflt` when not given. */
export function choiceOption<T extends string>(name: string, s: string | undefined, choices: readonly T[], dflt: T): T {
  if (s === undefined) return dflt;
  if (!(choices as readonly string[]).includes(s)) throw new UsageError(`${name} must be one of ${choices.join(', ')}; got '${s}'`);
  return s as T;
}

/** A comma-separated list of names from a fixed set, each as choiceOption checks it; returns `dflt` when not given. */
export function choiceListOption<T extends string>(name: string, s: string | undefined, choices: readonly T[], dflt: T[]): T[] {
  if (s === undefined) return dflt;
  return s.split(',').map((x) => choiceOption(`each value of ${name}`, x, choices, choices[0]!));
}

/** A real-number option (decimal notation); `ok` says whether a value is allowed, `range` says which are. */
export function realOption(name: string, s: string | undefined, dflt: number, ok: (v: number) => boolean, range: string): number {
  if (s === undefined) return dflt;
  const v = decimalNumber(s);
  if (!Number.isFinite(v) || !ok(v)) throw new UsageError(`${name} must be a number ${range}, got '${s}'`);
  return v;
}

// ------------------------------------------------------------------ output paths

/** The nearest existing ancestor of p (p itself when it exists). */
function existingAncestor(p: string): string {
  let cur = resolve(p);
  while (!existsSync(cur)) {
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return cur;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks, before any work, that `path` can be written as a file: not empty,
 * not a directory, in an existing folder that is writable. `what` names the
 * option in messages (e.g. `--out`).
 */
export function checkOutFile(path: string | undefined, what: string): string {
  if (path === undefined) throw new UsageError(`${what} needs a file name`);
  if (path.trim() === '') throw new UsageError(`${what} is empty; give a file name`);
  const abs = resolve(path);
  if (existsSync(abs)) {
    const st = statSync(abs);
    if (st.isDirectory()) throw new UsageError(`${what} ${path} is a directory; give a file name (e.g. ${join(path, 'out')})`);
    // A device or pipe (/dev/null, /dev/stdout, a FIFO) is written in place.
    if (!st.isFile()) {
      if (!writableFile(abs)) throw new UsageError(`${what} ${path} is not writable`);
      return abs;
    }
  }
  const dir = dirname(abs);
  if (!existsSync(dir)) throw new UsageError(`${what} ${path}: the folder ${dirname(path)} does not exist; create it first`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${what} ${path}: ${dirname(path)} is a file, not a folder`);
  if (!writable(dir)) throw new UsageError(`${what} ${path}: the folder ${dirname(path)} is not writable`);
  if (existsSync(abs) && !writableFile(abs)) throw new UsageError(`${what} ${path} is not writable`);
  // The file is written as a temporary file beside it, then renamed.
  const why = cannotCreateIn(dir);
  if (why !== undefined) throw new UsageError(`${what} ${path}: cannot create files in ${dirname(path)} (${why}); give a path on a writable file system`);
  return abs;
}

function writableFile(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks, before any work, that `path` is (or can be created as) a writable
 * directory: not empty, not a file, not under a file.
 */
export function checkOutDir(path: string | undefined, what: string): string {
  if (path === undefined) throw new UsageError(`${what} needs a directory`);
  if (path.trim() === '') throw new UsageError(`${what} is empty; give a directory`);
  const abs = resolve(path);
  const link = danglingLink(abs);
  if (link) throw new UsageError(`${what} ${path}: ${link.link} is a symbolic link to ${link.target}, which does not exist; create the target or give another directory`);
  const anc = existingAncestor(abs);
  if (!statSync(anc).isDirectory()) {
    throw new UsageError(anc === abs ? `${what} ${path} is a file, not a directory` : `${what} ${path}: ${anc} is a file, not a directory`);
  }
  if (!writable(anc)) throw new UsageError(`${what} ${path}: ${anc} is not writable`);
  const why = cannotCreateIn(anc);
  if (why !== undefined) throw new UsageError(`${what} ${path}: cannot create anything in ${anc} (${why}); give a directory on a writable file system`);
  return abs;
}

/** An output path as the file system will resolve it: its folder's real path (when the folder exists) and its name. */
export function canonicalOut(p: string): string {
  const abs = resolve(p);
  try {
    return join(realpathSync(dirname(abs)), basename(abs));
  } catch {
    return abs;
  }
}

/** Whether writing the output `out` (a temporary file renamed onto that name) replaces the existing file `input`. */
export function replacesFile(out: string, input: string): boolean {
  try {
    return canonicalOut(out) === realpathSync(input);
  } catch {
    return false;
  }
}

/** A temporary name next to `abs`, in the same folder (so that rename is atomic). */
function tempNameFor(abs: string): string {
  return join(dirname(abs), `.${basename(abs)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/** Writes a whole file atomically (temporary file, then rename); errors are one-line UsageErrors. */
export function writeFileAtomic(path: string, data: string | Uint8Array, what = 'output'): void {
  const abs = resolve(path);
  const tmp = tempNameFor(abs);
  const forget = onCleanup(() => rmSync(tmp, { force: true }));
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, abs);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UsageError(`cannot write ${what} ${path}: ${fsReason(e)}`);
  } finally {
    forget();
  }
}

/**
 * A file written as a stream that appears at `path` only on commit(); abort()
 * (or a signal) removes the partial file.
 */
export interface StagedFile {
  /** The temporary path being written (for tools that write the file themselves). */
  readonly tmp: string;
  /** A write stream on the temporary file (opened on first use). */
  stream(): WriteStream;
  /** Moves the finished file into place; `requireNonEmpty` checks that something wrote it. */
  commit(requireNonEmpty?: boolean): Promise<void>;
  abort(): void;
}

export function stageFile(path: string, what: string): StagedFile {
  const abs = resolve(path);
  // A device or pipe cannot be renamed onto: it is written in place.
  const direct = existsSync(abs) && !statSync(abs).isFile();
  const tmp = direct ? abs : tempNameFor(abs);
  let ws: WriteStream | undefined;
  let failure: Error | undefined;
  const forget = direct ? () => {} : onCleanup(() => rmSync(tmp, { force: true }));
  const fail = (e: unknown) => new UsageError(`cannot write ${what} ${path}: ${fsReason(e)}`);
  return {
    tmp,
    stream() {
      if (!ws) {
        try {
          if (!direct) closeSync(openSync(tmp, 'w'));
        } catch (e) {
          throw fail(e);
        }
        ws = createWriteStream(tmp, { flags: direct ? 'w' : 'a' });
        ws.on('error', (e) => (failure ??= fail(e)));
      }
      return ws;
    },
    async commit(requireNonEmpty = false) {
      if (ws) await new Promise<void>((res) => ws!.end(res));
      if (direct) {
        forget();
        if (failure) throw failure;
        return;
      }
      try {
        if (failure) throw failure;
        if (!existsSync(tmp) || (requireNonEmpty && statSync(tmp).size === 0)) {
          throw new UsageError(`${what} ${path} was not written (the simulator produced no file)`);
        }
        renameSync(tmp, abs);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e instanceof UsageError ? e : fail(e);
      } finally {
        forget();
      }
    },
    abort() {
      ws?.destroy();
      if (!direct) rmSync(tmp, { force: true });
      forget();
    },
  };
}

export { fsReason };

// ------------------------------------------------------------------ rtl/designs.json

/** An entry of a generated tree's designs.json (see designs/emit.ts). */
export interface DesignIndexEntry {
  name: string;
  top: string;
  modules: string[];
  ports: { name: string; dir: 'input' | 'output'; width: number }[];
  clock: string | null;
  reset: { name: string; activeLow: boolean } | null;
}

/** How to (re)write the generated tree ROOT. */
const generateFix = (root: string): string => `run 'tcast generate${resolve(root) === resolve(projectRoot, 'rtl') ? '' : ` --out ${root}`}'`;

/**
 * The Verilog files of a design of the tree ROOT (ROOT/NAME/MODULE.v), checked:
 * one that designs.json lists but is not there is a one-line UsageError.
 */
export function designFiles(root: string, d: DesignIndexEntry): string[] {
  const files = d.modules.map((m) => join(root, d.name, `${m}.v`));
  const gone = files.find((f) => !existsSync(f) || !statSync(f).isFile());
  if (gone !== undefined) throw new UsageError(`${gone}: no such file, though ${join(root, 'designs.json')} lists it for ${d.name}; ${generateFix(root)} to write it again`);
  return files;
}

/** Reads and checks ROOT/designs.json; a missing or malformed index is a one-line UsageError. */
export function readDesignIndex(root: string): DesignIndexEntry[] {
  const path = join(root, 'designs.json');
  const fix = `${generateFix(root)} to write it`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path} (${fsReason(e)}): ${fix}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON (${(e as Error).message}): ${fix}`);
  }
  const bad = (why: string) => new UsageError(`${path} is not a tcast design index (${why}): ${fix}`);
  if (!Array.isArray(raw)) throw bad('not a JSON array');
  raw.forEach((e: unknown, i) => {
    const o = e as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) throw bad(`entry ${i} is not an object`);
    if (typeof o.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(o.name)) throw bad(`entry ${i} has no valid "name"`);
    if (typeof o.top !== 'string') throw bad(`${o.name}: no "top"`);
    if (!Array.isArray(o.modules) || !o.modules.every((m) => typeof m === 'string' && /^[A-Za-z_][A-Za-z0-9_$]*$/.test(m))) throw bad(`${o.name}: "modules" is not a list of module names`);
    if (!Array.isArray(o.ports) || !o.ports.every((p: Record<string, unknown>) => typeof p?.name === 'string' && (p.dir === 'input' || p.dir === 'output') && Number.isInteger(p.width))) throw bad(`${o.name}: "ports" is not a port list`);
    if (o.clock !== null && o.clock !== undefined && typeof o.clock !== 'string') throw bad(`${o.name}: "clock" is not a port name`);
  });
  return (raw as DesignIndexEntry[]).map((e) => ({ ...e, clock: e.clock ?? null, reset: e.reset ?? null }));
}
