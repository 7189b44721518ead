/**
 * The on-disk cache of Verilator builds: where it lives, the per-key lock that
 * keeps two processes from building the same model at once, the log of real
 * builds, and per-process counters.
 *
 * Layout (root = $TCAST_CACHE_DIR, else <repo>/.cache/verilator when writable,
 * else ~/.cache/tcast/verilator):
 *   <root>/<key>/            a finished build (appears atomically, by rename);
 *                            meta.json records the binary's size and sha256,
 *                            checked before every use (sim/build.ts)
 *   <root>/<key>.lock/       held while a process builds <key>; owner = {pid,
 *                            host, started, what}, touched every few seconds
 *   <root>/tmp-<key>-<pid>/  a build in progress (owner.json = {pid, host})
 *   <root>/builds.log        one JSON line per real build
 *
 * Correctness does not rest on the lock: a build is assembled in a private
 * temp directory and renamed into place, and a rename that finds the key
 * already there discards its own copy. The lock only avoids duplicate work.
 * Debris of killed processes (build folders, locks) is removed when found.
 */
import { accessSync, appendFileSync, constants, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './proc';
import { cannotCreateIn, fsReason, makeDirs } from './fs';
import { envSeconds } from './env';

/** The repository root (the folder that holds sim/). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The build cache cannot be used (not a directory, not writable): a one-line, user-facing error (exit 2). */
export class CacheError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'CacheError';
  }
}

const FIX = 'set TCAST_CACHE_DIR to a writable directory';

/** Creates dir (and parents) and checks it is a writable directory; returns the reason when it is not. */
function usableDir(dir: string): string | undefined {
  try {
    makeDirs(dir);
    if (!statSync(dir).isDirectory()) return 'a file is in the way';
    accessSync(dir, constants.W_OK | constants.X_OK);
    return cannotCreateIn(dir);
  } catch (e) {
    return fsReason(e);
  }
}

const chosen = new Map<string, string>();

/**
 * Where builds are cached: $TCAST_CACHE_DIR (which must be usable), else
 * <repo>/.cache/verilator, else (a read-only checkout, another user's)
 * $XDG_CACHE_HOME or ~/.cache, under tcast/verilator.
 * @throws CacheError when no usable directory is found.
 */
export function cacheRoot(): string {
  const env = process.env.TCAST_CACHE_DIR;
  const memo = chosen.get(env ?? '');
  if (memo) return memo;
  let dir: string | undefined;
  if (env && env.trim() === '') throw new CacheError(`TCAST_CACHE_DIR is blank ('${env}'); ${FIX}, or unset it for the default`);
  if (env) {
    const bad = usableDir(env);
    if (bad) {
      // A read-only cache still serves builds that are in it.
      if (!(existsSync(env) && statSync(env).isDirectory())) throw new CacheError(`TCAST_CACHE_DIR=${env} cannot hold the build cache (${bad}); ${FIX}`);
    }
    dir = env;
  } else {
    const candidates = [join(REPO_ROOT, '.cache', 'verilator'), join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tcast', 'verilator')];
    dir = candidates.find((c) => usableDir(c) === undefined);
    if (!dir) throw new CacheError(`no writable build cache: ${candidates.join(' and ')} cannot be created or written; ${FIX}`);
  }
  chosen.set(env ?? '', dir);
  return dir;
}

/** Turns a file-system error while writing into the cache into a CacheError naming the cache. */
export function cacheWriteError(e: unknown, root: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code && ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR'].includes(code)) {
    return new CacheError(`cannot write to the build cache ${root} (${fsReason(e)}); ${FIX}`);
  }
  // ENOENT in a root that exists and takes no new entries: a pseudo file system (/proc, /sys), usable read-only. Any other
  // ENOENT (a build folder removed under a running build) is not the user's to fix and stays what it is.
  const why = code === 'ENOENT' && existsSync(root) ? cannotCreateIn(root) : undefined;
  if (why !== undefined) return new CacheError(`cannot write to the build cache ${root} (${why}); ${FIX}`);
  return e as Error;
}

export interface BuildLogEntry {
  time: string;
  key: string;
  top: string;
  trace: boolean;
  seconds: number;
  pid: number;
  /** Why the entry this build replaced was unusable (a damaged cache entry). */
  replaced?: string;
}

export function buildLogPath(root = cacheRoot()): string {
  return join(root, 'builds.log');
}

export function appendBuildLog(entry: BuildLogEntry, root = cacheRoot()): void {
  appendFileSync(buildLogPath(root), JSON.stringify(entry) + '\n');
}

/** Every real build recorded in the cache's builds.log (all processes, all runs). */
export function readBuildLog(root = cacheRoot()): BuildLogEntry[] {
  const p = buildLogPath(root);
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as BuildLogEntry);
}

/** What this process did: real Verilator builds and cache hits. */
export interface BuildCounters {
  builds: number;
  cacheHits: number;
}

const counters: BuildCounters = { builds: 0, cacheHits: 0 };

export function buildCounters(): BuildCounters {
  return { ...counters };
}

/** @internal used by build.ts */
export function countBuild(kind: 'build' | 'hit'): void {
  if (kind === 'build') counters.builds++;
  else counters.cacheHits++;
}

// ------------------------------------------------------------------ locking

interface LockOwner {
  pid: number;
  host: string;
  started: number;
  /** What the holder is doing (e.g. "building Queue_d4_w8_reg"). */
  what?: string;
}

/** How often a lock holder touches its owner file. */
const HEARTBEAT_MS = 5_000;
/** A lock whose owner file is older than this is abandoned (the holder died, or its pid is now another process's). */
const ABANDONED_MS = 60_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock whose owner is gone: a dead PID on this host, an owner file not
 * touched for ABANDONED_MS (a holder on another host that died, or a pid now
 * reused by an unrelated process), or no owner file after a grace period.
 */
async function isStale(lockDir: string): Promise<boolean> {
  let owner: LockOwner | undefined;
  let touched: number;
  try {
    const path = join(lockDir, 'owner');
    owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
    touched = (await stat(path)).mtimeMs;
  } catch {
    // mkdir done, owner not yet written (or the lock just vanished).
    try {
      const st = await stat(lockDir);
      return Date.now() - st.mtimeMs > 30_000;
    } catch {
      return false;
    }
  }
  return (owner.host === hostname() && !pidAlive(owner.pid)) || Date.now() - touched > ABANDONED_MS;
}

/** Who holds a lock, for messages. */
async function describeHolder(lockDir: string): Promise<string> {
  try {
    const o = JSON.parse(await readFile(join(lockDir, 'owner'), 'utf8')) as LockOwner;
    return `held by pid ${o.pid} on ${o.host}${o.what ? `, ${o.what}` : ''}, since ${new Date(o.started).toISOString()}`;
  } catch {
    return 'its owner is not recorded yet';
  }
}

/** A process cannot get a build lock in time: names the lock and its holder (exit 2). */
export class LockTimeoutError extends CacheError {
  constructor(message: string) {
    super(message);
    this.name = 'LockTimeoutError';
  }
}

let lockWaitReporter: ((message: string) => void) | undefined;

/** Where to say that a build waits for another process's lock (the CLI prints it on stderr). */
export function reportLockWaits(fn: ((message: string) => void) | undefined): void {
  lockWaitReporter = fn;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LockOptions {
  /** Give up waiting after this long (default: $TCAST_LOCK_TIMEOUT_S seconds, else 60 min). */
  timeoutMs?: number;
  /** Called once if the lock is busy, before waiting, with what it waits for. */
  onWait?: (message: string) => void;
  /** What the holder does, recorded in the lock for waiters' messages. */
  what?: string;
}

/** $TCAST_LOCK_TIMEOUT_S in ms, else an hour; a value that is not a positive number is an error (it meant an hour's wait). */
function defaultLockTimeout(): number {
  return envSeconds('TCAST_LOCK_TIMEOUT_S', 60 * 60_000, (m) => new CacheError(m), '; unset it to wait up to an hour');
}

/**
 * Runs fn while holding <root>/<name>.lock (a directory created with mkdir,
 * which is atomic). A lock left by a dead process is broken; the holder
 * touches the owner file every few seconds so that a waiter can tell a live
 * holder from an abandoned lock whose pid was reused.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>, opts: LockOptions = {}, root = cacheRoot()): Promise<T> {
  const lockDir = join(root, `${name}.lock`);
  const timeout = opts.timeoutMs ?? defaultLockTimeout();
  const deadline = Date.now() + timeout;
  let waited = false;
  let delay = 50;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cacheWriteError(e, root);
    }
    if (await isStale(lockDir)) {
      // Moved aside first so that a concurrent breaker cannot remove a fresh lock (gone already: someone broke it).
      await removeAside(lockDir);
      continue;
    }
    if (!waited) {
      waited = true;
      const msg = `waiting for the build lock ${lockDir} (${await describeHolder(lockDir)})`;
      (opts.onWait ?? lockWaitReporter)?.(msg);
    }
    if (Date.now() > deadline) {
      throw new LockTimeoutError(`timed out after ${Math.round(timeout / 1000)} s waiting for the build lock ${lockDir} (${await describeHolder(lockDir)}); remove it if no tcast build is running`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
  const forget = onCleanup(() => rmSync(lockDir, { recursive: true, force: true }));
  const ownerFile = join(lockDir, 'owner');
  const owner: LockOwner = { pid: process.pid, host: hostname(), started: Date.now(), ...(opts.what ? { what: opts.what } : {}) };
  const beat = setInterval(() => {
    const now = new Date();
    utimes(ownerFile, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  beat.unref();
  try {
    await writeFile(ownerFile, JSON.stringify(owner));
    return await fn();
  } finally {
    clearInterval(beat);
    forget();
    await rm(lockDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ debris

/** The owner file of a build folder in progress. */
export interface BuildFolderOwner {
  pid: number;
  host: string;
}

/** A build folder in progress, `tmp-<key>-<pid>`; a lock or an entry set aside, `<key>[.lock].stale-…` / `<key>.bad-…`. */
const TMP_RE = /^tmp-[0-9a-f]{32}-\d+$/;
const ASIDE_RE = /^[0-9a-f]{32}(\.lock)?\.(stale|bad)-\d+-/;

/**
 * Removes what killed processes left in the cache: build folders (tmp-*) of
 * a dead pid on this host, or without an owner for an hour, and locks moved
 * aside or entries set aside as bad (*.stale-*, *.bad-*). Returns the names removed.
 */
export async function sweepDebris(root = cacheRoot()): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return removed;
  }
  for (const n of names) {
    const p = join(root, n);
    let dead = false;
    if (TMP_RE.test(n)) {
      try {
        const o = JSON.parse(await readFile(join(p, 'owner.json'), 'utf8')) as BuildFolderOwner;
        dead = o.host === hostname() && !pidAlive(o.pid);
      } catch {
        try {
          dead = Date.now() - (await stat(p)).mtimeMs > 60 * 60_000;
        } catch {
          dead = false;
        }
      }
    } else if (ASIDE_RE.test(n)) {
      dead = true;
    }
    if (dead) {
      await rm(p, { recursive: true, force: true }).catch(() => {});
      removed.push(n);
    }
  }
  return removed;
}

// ------------------------------------------------------------------ use, listing and pruning (`tcast cache`)

/** Records that a build was used now (its folder's modification time), so `pruneCache` keeps what is in use. */
export async function markUsed(dir: string): Promise<void> {
  const now = new Date();
  await utimes(dir, now, now).catch(() => {});
}

/** Bytes under `p` (a file or a folder), not following links. */
async function bytesUnder(p: string): Promise<number> {
  let st;
  try {
    st = await lstat(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of await readdir(p).catch(() => [] as string[])) n += await bytesUnder(join(p, e));
  return n;
}

/** One cached Verilator build. */
export interface CacheEntryInfo {
  key: string;
  top: string;
  trace: boolean;
  builtAt: string | null;
  /** When a run last used it (or it was built). */
  lastUsed: string;
  bytes: number;
  /** A process holds its lock (building or rebuilding it now). */
  locked: boolean;
}

/** A group of cache files (name tables, logs of failed builds). */
export interface CacheFilesInfo {
  dir: string;
  files: number;
  bytes: number;
}

export interface CacheListing {
  root: string;
  builds: CacheEntryInfo[];
  nameTables: CacheFilesInfo;
  failedLogs: CacheFilesInfo;
  bytes: number;
}

const KEY_RE = /^[0-9a-f]{32}$/;

/** Files of `dir` whose names match `re`, with their modification times and sizes. */
async function filesIn(dir: string, re: RegExp): Promise<{ path: string; mtimeMs: number; bytes: number }[]> {
  const out: { path: string; mtimeMs: number; bytes: number }[] = [];
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    if (!re.test(n)) continue;
    const st = await lstat(join(dir, n)).catch(() => null);
    if (st?.isFile()) out.push({ path: join(dir, n), mtimeMs: st.mtimeMs, bytes: st.size });
  }
  return out;
}

const NAME_TABLE_RE = /^[0-9a-f]{64}\.json$/;
const FAILED_LOG_RE = /^failed-[0-9a-f]{32}\.log$/;
const NAME_TMP_RE = /^[0-9a-f]{64}\.json\.\d+-[0-9a-f]+\.tmp$/;

/** What the build cache at `root` (and the name tables at `namesDir`) hold. */
export async function listCache(root: string, namesDir: string): Promise<CacheListing> {
  const builds: CacheEntryInfo[] = [];
  const names = await readdir(root).catch(() => [] as string[]);
  for (const n of names.filter((x) => KEY_RE.test(x)).sort()) {
    const dir = join(root, n);
    const st = await stat(dir).catch(() => null);
    // Only tcast's builds: a folder named by a key that holds meta.json (a shared TCAST_CACHE_DIR may hold others').
    if (!st?.isDirectory() || !existsSync(join(dir, 'meta.json'))) continue;
    let meta: { top?: string; trace?: boolean; builtAt?: string } = {};
    try { meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as typeof meta; } catch { /* listed as unknown */ }
    builds.push({
      key: n, top: meta.top ?? '(unreadable meta.json)', trace: meta.trace === true, builtAt: meta.builtAt ?? null,
      lastUsed: new Date(st.mtimeMs).toISOString(), bytes: await bytesUnder(dir),
      locked: names.includes(`${n}.lock`) && !(await isStale(join(root, `${n}.lock`))),
    });
  }
  const group = async (dir: string, re: RegExp): Promise<CacheFilesInfo> => {
    const fs = await filesIn(dir, re);
    return { dir, files: fs.length, bytes: fs.reduce((a, f) => a + f.bytes, 0) };
  };
  const nameTables = await group(namesDir, NAME_TABLE_RE);
  const failedLogs = await group(root, FAILED_LOG_RE);
  return { root, builds, nameTables, failedLogs, bytes: builds.reduce((a, b) => a + b.bytes, 0) + nameTables.bytes + failedLogs.bytes };
}

export interface PruneResult {
  /** What was (or, with dryRun, would be) removed: a build key, a name table or log file name, or debris. */
  removed: { what: 'build' | 'name table' | 'failed-build log' | 'debris'; name: string; bytes: number }[];
  bytes: number;
  /** Builds kept because a process holds their lock. */
  keptLocked: string[];
}

/**
 * Removes builds and name tables not used since `before` (epoch ms), logs of
 * failed builds older than that, and the debris of killed processes (build
 * folders, locks, name tables half written). A build is removed under its
 * lock, after checking again that it is still unused; one whose lock a live
 * process holds is kept. `dryRun`: only says what would go (debris aside).
 */
export async function pruneCache(root: string, namesDir: string, before: number, dryRun = false): Promise<PruneResult> {
  const res: PruneResult = { removed: [], bytes: 0, keptLocked: [] };
  const record = (what: PruneResult['removed'][number]['what'], name: string, bytes: number) => {
    res.removed.push({ what, name, bytes });
    res.bytes += bytes;
  };
  const drop = async (what: PruneResult['removed'][number]['what'], path: string, name: string, bytes: number) => {
    if (!dryRun) await rm(path, { recursive: true, force: true });
    record(what, name, bytes);
  };
  const listing = await listCache(root, namesDir);
  for (const b of listing.builds) {
    if (Date.parse(b.lastUsed) >= before) continue;
    if (b.locked) { res.keptLocked.push(b.key); continue; }
    if (dryRun) { await drop('build', join(root, b.key), b.key, b.bytes); continue; }
    // Under the build's lock (a process rebuilding it holds it): still unused since the listing? Then set it aside
    // (one rename, so no process finds half of it) and remove it.
    // withLock without waiting: a live holder (building it now) keeps it, a dead one's lock is broken.
    let gone: boolean | undefined;
    try {
      gone = await withLock(b.key, async () => {
        const dir = join(root, b.key);
        const st = await stat(dir).catch(() => null);
        return st !== null && st.mtimeMs < before && removeAside(dir);
      }, { timeoutMs: 0, onWait: () => {}, what: 'tcast cache prune' }, root);
    } catch (e) {
      if (!(e instanceof LockTimeoutError)) throw e;
    }
    if (gone === undefined) res.keptLocked.push(b.key);
    else if (gone) record('build', b.key, b.bytes);
  }
  for (const f of await filesIn(namesDir, NAME_TABLE_RE)) if (f.mtimeMs < before) await drop('name table', f.path, basename(f.path), f.bytes);
  // A name table being written (`<hash>.json.<pid>-<hex>.tmp`) by a process killed before its rename.
  for (const f of await filesIn(namesDir, NAME_TMP_RE)) if (f.mtimeMs < Math.min(before, Date.now() - 60 * 60_000)) await drop('debris', f.path, basename(f.path), f.bytes);
  for (const f of await filesIn(root, FAILED_LOG_RE)) if (f.mtimeMs < before) await drop('failed-build log', f.path, basename(f.path), f.bytes);
  if (dryRun) return res;
  for (const n of await sweepDebris(root)) record('debris', n, 0);
  return res;
}

/** Renames `path` aside (one step: no process finds half of it) and removes it; false when it was gone already. */
async function removeAside(path: string): Promise<boolean> {
  const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await rename(path, aside);
  } catch {
    return false;
  }
  await rm(aside, { recursive: true, force: true });
  return true;
}
