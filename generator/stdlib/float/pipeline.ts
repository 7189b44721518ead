/**
 * Retimable pipelines: a combinational datapath written as a list of named
 * steps, with pipeline registers inserted at chosen cut points.
 *
 * Each step maps a record of named values (the live signals between steps) to
 * the next record. `pipeline(valid, input, steps, stages)` runs the steps in
 * order and places `stages` register ranks: the last rank always on the
 * outputs, the others at the step boundaries that minimise the heaviest
 * segment of the steps' estimated delays (their `weight`s). So changing `stages` only moves
 * registers; the logic is the same code. Latency = stages cycles, a new
 * operation every cycle. Data registers have no reset and load only with a
 * valid operation (a clock enable: an idle unit's registers hold) and are
 * `gated`: the logic between two ranks is printed inside the next rank's
 * clocked block, under its enable, so a cycle-based simulator evaluates it
 * only for a valid operation; the valid bit that travels with them is reset
 * to 0. Outputs are meaningful only while `valid` is 1.
 */
import { badParameter } from '../../hdl/params';
import type { Value } from '../../hdl/ir';
import { RegNext } from '../../hdl/module';

/** The values live between two steps, by name (names must be identifiers). */
/** A stage's named values; a missing key is a value the stage does not carry. */
export type Bus = Partial<Record<string, Value>>;

export interface Step {
  /** Short identifier, used in register names (`<name>_<field>`). */
  name: string;
  /** Estimated delay of the step, in rough gate levels of a generic synthesis (only ratios matter). */
  weight: number;
  run(x: Bus): Bus;
}

/**
 * Register rank positions: for each of `stages` ranks, the boundary index
 * (0 = before the first step, steps.length = after the last) it sits at.
 * The cuts minimise the heaviest register-to-register segment (the sum of
 * its steps' weights): the smallest bound B that a greedy left-to-right
 * packing meets with at most `stages` segments. The last rank is always on
 * the outputs; ranks left over (more stages than needed) stack there too.
 */
export function cutPoints(weights: readonly number[], stages: number): number[] {
  if (!Number.isInteger(stages) || stages < 0) {
    throw badParameter(`pipeline stages must be a non-negative integer, got ${stages}`);
  }
  if (stages === 0) return [];
  const n = weights.length;
  const pack = (bound: number): number[] | undefined => {
    const cuts: number[] = [];
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (w > bound) return undefined;
      if (acc + w > bound) {
        cuts.push(i);
        acc = 0;
      }
      acc += w;
    }
    return cuts.length + 1 <= stages ? cuts : undefined;
  };
  const sums = new Set<number>();
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i; j < n; j++) sums.add((s += weights[j]!));
  }
  const candidates = [0, ...[...sums].sort((a, b) => a - b)];
  let lo = 0;
  let hi = candidates.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pack(candidates[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  const cuts = pack(candidates[lo]!)!;
  while (cuts.length < stages) cuts.push(n);
  return cuts;
}

/** Estimated delay of the longest register-to-register segment for a stage count (same units as the weights). */
export function segmentWeight(weights: readonly number[], stages: number): number {
  const cuts = [0, ...cutPoints(weights, stages)];
  if (stages === 0) return weights.reduce((a, b) => a + b, 0);
  let worst = 0;
  for (let k = 1; k < cuts.length; k++) {
    let s = 0;
    for (let i = cuts[k - 1]!; i < cuts[k]!; i++) s += weights[i]!;
    worst = Math.max(worst, s);
  }
  return worst;
}

function registerAll(x: Bus, rank: number, where: string, en: Value): Bus {
  const out: Bus = {};
  for (const [k, v] of Object.entries(x)) {
    if (v === undefined) continue;
    // Constants need no register.
    out[k] = v.op === 'lit' ? v : RegNext(v, { name: `s${rank}_${where}_${k}`, en, gated: true });
  }
  return out;
}

/** Validates a unit's stage count (a user-facing configuration error when it is wrong). */
export function checkStages(unit: string, stages: number, min = 1): number {
  if (!Number.isInteger(stages) || stages < min) {
    throw badParameter(`${unit}: stages must be an integer >= ${min}, got ${stages}`);
  }
  return stages;
}

/**
 * Runs `steps` on `input` with `stages` register ranks; returns the output
 * record and its valid bit (`valid` delayed by `stages` cycles, reset to 0).
 */
export function pipeline(valid: Value, input: Bus, steps: readonly Step[], stages: number): { valid: Value; out: Bus } {
  const cuts = cutPoints(steps.map((s) => s.weight), stages);
  let x = input;
  let v = valid;
  let rank = 0;
  const regAt = (boundary: number) => {
    while (rank < cuts.length && cuts[rank] === boundary) {
      rank++;
      const where = boundary === 0 ? 'in' : steps[boundary - 1]!.name;
      x = registerAll(x, rank, where, v);
      v = RegNext(v, { init: 0, name: `s${rank}_valid` });
    }
  };
  regAt(0);
  steps.forEach((s, i) => {
    x = s.run(x);
    regAt(i + 1);
  });
  return { valid: v, out: x };
}
