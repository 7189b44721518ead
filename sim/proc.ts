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
  arm();
  const forget = () => {
    children.delete(t);
    arm();
  };
  child.once('exit', forget);
  child.once('error', forget);
}

/** Registers a synchronous cleanup (remove a temporary file...); returns its remover. */
export function onCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  arm();
  return () => {
    cleanups.delete(fn);
    arm();
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

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
let enabled = false;
let listening = false;

function onSignal(sig: NodeJS.Signals): void {
  killChildren();
  runCleanups();
  process.exit(128 + SIGNALS[sig as keyof typeof SIGNALS]);
}

/**
 * Listens to the signals only while there is something to clean up, so that
 * otherwise (a long synchronous computation) a signal still ends the process
 * at once, as by default.
 */
function arm(): void {
  const want = enabled && (children.size > 0 || cleanups.size > 0);
  if (want === listening) return;
  listening = want;
  for (const sig of Object.keys(SIGNALS)) {
    if (want) process.on(sig, onSignal);
    else process.off(sig, onSignal);
  }
}

/**
 * On SIGINT/SIGTERM/SIGHUP while a child or a cleanup is registered: kill the
 * children, run the cleanups, exit with 128 + the signal number (as a shell
 * reports a signal death).
 */
export function exitOnSignals(): void {
  enabled = true;
  arm();
}
