/**
 * The on-disk cache of Verilator builds: where it lives, the per-key lock that
 * keeps two processes from building the same model at once, the log of real
 * builds, and per-process counters.
 *
 * Layout (root = $TCAST_CACHE_DIR or <repo>/.cache/verilator):
 *   <root>/<key>/            a finished build (appears atomically, by rename)
 *   <root>/<key>.lock/       held while a process builds <key>; owner = {pid, host}
 *   <root>/tmp-<key>-<pid>-<rand>/   a build in progress
 *   <root>/builds.log        one JSON line per real build
 *
 * Correctness does not rest on the lock: a build is assembled in a private
 * temp directory and renamed into place, and a rename that finds the key
 * already there discards its own copy. The lock only avoids duplicate work.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder that holds sim/). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where builds are cached: $TCAST_CACHE_DIR, else <repo>/.cache/verilator. */
export function cacheRoot(): string {
  const dir = process.env.TCAST_CACHE_DIR || join(REPO_ROOT, '.cache', 'verilator');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface BuildLogEntry {
  time: string;
  key: string;
  top: string;
  trace: boolean;
  seconds: number;
  pid: number;
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
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock whose owner is gone: a dead PID on this host, or no owner file after a grace period. */
async function isStale(lockDir: string): Promise<boolean> {
  let owner: LockOwner | undefined;
  try {
    owner = JSON.parse(await readFile(join(lockDir, 'owner'), 'utf8')) as LockOwner;
  } catch {
    // mkdir done, owner not yet written (or the lock just vanished).
    try {
      const st = await stat(lockDir);
      return Date.now() - st.mtimeMs > 30_000;
    } catch {
      return false;
    }
  }
  return owner.host === hostname() && !pidAlive(owner.pid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LockOptions {
  /** Give up waiting after this long (default 60 min). */
  timeoutMs?: number;
  /** Called once if the lock is busy, before waiting. */
  onWait?: () => void;
}

/**
 * Runs fn while holding <root>/<name>.lock (a directory created with mkdir,
 * which is atomic). A lock left by a dead process is broken.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>, opts: LockOptions = {}, root = cacheRoot()): Promise<T> {
  const lockDir = join(root, `${name}.lock`);
  const deadline = Date.now() + (opts.timeoutMs ?? 60 * 60_000);
  let waited = false;
  let delay = 50;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await isStale(lockDir)) {
      // Move it aside first so that a concurrent breaker cannot remove a fresh lock.
      const aside = `${lockDir}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        await rename(lockDir, aside);
        await rm(aside, { recursive: true, force: true });
      } catch {
        /* someone else broke it */
      }
      continue;
    }
    if (!waited) {
      waited = true;
      opts.onWait?.();
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockDir}; remove it if no build is running`);
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
  const owner: LockOwner = { pid: process.pid, host: hostname(), started: Date.now() };
  await writeFile(join(lockDir, 'owner'), JSON.stringify(owner));
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
