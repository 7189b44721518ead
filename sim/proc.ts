/**
 * The child processes (simulators, Verilator builds) and temporary files of
 * this process, so that nothing outlives it: `exitOnSignals()` (installed by
 * the CLI and the benchmarks) makes SIGINT, SIGTERM and SIGHUP kill every
 * tracked child (a whole process group for builds) and run the cleanups
 * (temporary files and folders, build locks) before exiting.
 */
import type { ChildProcess } from 'node:child_process';

interface Tracked {
  child: ChildProcess;
  /** The child leads its own process group (spawned detached): kill the group. */
  group: boolean;
}

const children = new Set<Tracked>();
const cleanups = new Set<() => void>();

/** Registers a child to be killed when this process is interrupted. */
export function trackChild(child: ChildProcess, group = false): void {
  const t: Tracked = { child, group };
  children.add(t);
  const forget = () => children.delete(t);
  child.once('exit', forget);
  child.once('error', forget);
}

/** Registers a synchronous cleanup (remove a temporary file...); returns its remover. */
export function onCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}

/** Kills every tracked child now (SIGKILL). */
export function killChildren(): void {
  for (const { child, group } of children) {
    try {
      if (group && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  children.clear();
}

/** Runs every registered cleanup once. */
export function runCleanups(): void {
  for (const fn of [...cleanups]) {
    try {
      fn();
    } catch {
      /* best effort */
    }
  }
  cleanups.clear();
}

/** How many children are tracked (for tests). */
export function trackedChildren(): number {
  return children.size;
}

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
let installed = false;

/**
 * On SIGINT/SIGTERM/SIGHUP: kill the children, run the cleanups, exit with
 * 128 + the signal number (as a shell reports a signal death).
 */
export function exitOnSignals(): void {
  if (installed) return;
  installed = true;
  for (const [sig, n] of Object.entries(SIGNALS)) {
    process.on(sig, () => {
      killChildren();
      runCleanups();
      process.exit(128 + n);
    });
  }
}
