/**
 * Elaboration runs with V8's optimizing compiler (TurboFan) held back.
 *
 * Elaboration is short, runs each function over many different module classes
 * (so optimized code soon meets a hidden class it did not expect and is thrown
 * away), and captures a stack per hardware node (source.ts), which costs more
 * through optimized frames (V8 rebuilds their inlined frames from the
 * deoptimization data). Measured with `npm run bench -- elaborate`
 * (docs/BENCHMARKS.md): TurboFan spent about 200 ms compiling elaborateModule
 * and 130 ms compiling lower, each deoptimized right after; with the
 * optimizing tier held back the cold pass takes about a quarter less CPU, the
 * warm one a fifth less. Interpreter and baseline code (Sparkplug) still run;
 * the limit is lifted when the outermost elaboration ends, so the rest of the
 * program (the golden model, the simulators' drivers) tiers up as usual.
 *
 * Set TCAST_JIT=full to leave V8's tiering alone.
 */
import { setFlagsFromString } from 'node:v8';

let depth = 0;
const enabled = process.env.TCAST_JIT !== 'full';

/** Runs `f` with the optimizing tiers held back (nested calls share the outermost's scope). */
export function withBaselineJit<T>(f: () => T): T {
  if (!enabled) return f();
  // V8's --max-opt: 1 is the baseline compiler (Sparkplug); 999, V8's default, allows every tier.
  if (depth++ === 0) setFlagsFromString('--max-opt=1');
  try {
    return f();
  } finally {
    if (--depth === 0) setFlagsFromString('--max-opt=999');
  }
}

/**
 * Runs `f` with every tier allowed, inside an elaboration: for a long
 * computation that TurboFan speeds up, TypeScript's parser on a first run
 * whose names are not cached (source.ts).
 */
export function withFullJit<T>(f: () => T): T {
  if (!enabled || depth === 0) return f();
  setFlagsFromString('--max-opt=999');
  try {
    return f();
  } finally {
    setFlagsFromString('--max-opt=1');
  }
}
