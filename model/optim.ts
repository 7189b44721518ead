/**
 * Optimizers applied to a coalesced gradient, in place, in binary32. Only the
 * rows listed in the gradient change (weight and state); all other rows keep
 * their bits. The formulas and their order follow FBGEMM's CPU
 * split-embedding optimizers (codegen `split_weight_update_cpu`), every
 * operation rounded to binary32 (docs/MODEL.md, "Optimizers"). lr and eps are
 * first rounded to binary32.
 *
 * SGD, per element:
 *   w = fround(w - fround(lr * g))
 *
 * Adagrad (element-wise state m, shape [rows, dim]), per element:
 *   m = fround(m + fround(g * g))
 *   w = fround(w - fround(fround(lr * g) / fround(fround(sqrt(m)) + eps)))
 *
 * Rowwise Adagrad, FBGEMM EXACT_ROWWISE_ADAGRAD (state m, shape [rows]), per row:
 *   s = +0; for d = 0..dim-1: s = fround(s + fround(g[d] * g[d]))
 *   m = fround(m + fround(s / fround(dim)))
 *   mult = fround(lr / fround(fround(sqrt(m)) + eps))
 *   for d: w[d] = fround(w[d] - fround(g[d] * mult))
 */
import type { CoalescedGrad } from './backward';
import { ModelError, rowRange } from './errors';

export type OptimizerSpec =
  | { kind: 'sgd'; lr: number }
  | { kind: 'adagrad'; lr: number; eps: number }
  | { kind: 'rowwise_adagrad'; lr: number; eps: number };

export const OPTIMIZER_KINDS = ['sgd', 'adagrad', 'rowwise_adagrad'] as const;

/** The optimizer state shape for a table of rows × dim: [] for sgd. */
export function stateShape(kind: OptimizerSpec['kind'], rows: number, dim: number): number[] {
  if (kind === 'adagrad') return [rows, dim];
  if (kind === 'rowwise_adagrad') return [rows];
  return [];
}

function checkGrad(weight: Float32Array, rows: number, grad: CoalescedGrad): void {
  const dim = grad.dim;
  if (weight.length !== rows * dim) {
    throw new ModelError(`weight holds ${weight.length} floats but [rows, dim] = [${rows}, ${dim}] needs ${rows * dim}`, {
      array: 'weight', value: weight.length,
    });
  }
  if (grad.values.length !== grad.rows.length * dim) {
    throw new ModelError(`gradient values hold ${grad.values.length} floats, expected ${grad.rows.length} × ${dim}`, {
      array: 'grad_values', value: grad.values.length,
    });
  }
  let prev = -1;
  for (let u = 0; u < grad.rows.length; u++) {
    const r = grad.rows[u]!;
    if (r < 0 || r >= rows) {
      throw new ModelError(`grad_rows[${u}] = ${r} is out of range ${rowRange(rows)}`, { array: 'grad_rows', position: u, value: r });
    }
    if (r <= prev) {
      throw new ModelError(`grad_rows[${u}] = ${r} is not greater than grad_rows[${u - 1}] = ${prev}: rows must be strictly ascending`, {
        array: 'grad_rows', position: u, value: r,
      });
    }
    prev = r;
  }
}

/** lr and eps: finite in binary32 (they are rounded to it). */
export function checkHyper(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ModelError(`optimizer ${name} = ${v} must be a finite number`, { array: `optimizer.${name}`, value: v });
  }
  const v32 = Math.fround(v);
  if (!Number.isFinite(v32)) {
    throw new ModelError(`optimizer ${name} = ${v} is not finite in binary32 (it rounds to ${v32}); use a magnitude below 3.4028235e38`, {
      array: `optimizer.${name}`, value: v,
    });
  }
  return v32;
}

/** SGD on the rows of `grad`, in place. */
export function sgdUpdate(weight: Float32Array, rows: number, grad: CoalescedGrad, lr: number): void {
  checkGrad(weight, rows, grad);
  const lr32 = checkHyper('lr', lr);
  const { dim, values } = grad;
  for (let u = 0; u < grad.rows.length; u++) {
    const w = grad.rows[u]! * dim;
    const o = u * dim;
    for (let d = 0; d < dim; d++) weight[w + d] -= Math.fround(lr32 * values[o + d]!);
  }
}

/** Adagrad with element-wise state [rows, dim] on the rows of `grad`, in place. */
export function adagradUpdate(
  weight: Float32Array, state: Float32Array, rows: number, grad: CoalescedGrad, lr: number, eps: number,
): void {
  checkGrad(weight, rows, grad);
  const lr32 = checkHyper('lr', lr);
  const eps32 = checkHyper('eps', eps);
  const { dim, values } = grad;
  if (state.length !== rows * dim) {
    throw new ModelError(`optimizer_state holds ${state.length} floats but adagrad needs [rows, dim] = [${rows}, ${dim}]`, {
      array: 'optimizer_state', value: state.length,
    });
  }
  const f = Math.fround;
  for (let u = 0; u < grad.rows.length; u++) {
    const w = grad.rows[u]! * dim;
    const o = u * dim;
    for (let d = 0; d < dim; d++) {
      const g = values[o + d]!;
      const m = f(state[w + d]! + f(g * g));
      state[w + d] = m;
      weight[w + d] -= f(f(lr32 * g) / f(f(Math.sqrt(m)) + eps32));
    }
  }
}

/** FBGEMM's EXACT_ROWWISE_ADAGRAD with per-row state [rows], in place. */
export function rowwiseAdagradUpdate(
  weight: Float32Array, state: Float32Array, rows: number, grad: CoalescedGrad, lr: number, eps: number,
): void {
  checkGrad(weight, rows, grad);
  const lr32 = checkHyper('lr', lr);
  const eps32 = checkHyper('eps', eps);
  const { dim, values } = grad;
  if (state.length !== rows) {
    throw new ModelError(`optimizer_state holds ${state.length} floats but rowwise_adagrad needs [rows] = [${rows}]`, {
      array: 'optimizer_state', value: state.length,
    });
  }
  const f = Math.fround;
  const dim32 = f(dim);
  for (let u = 0; u < grad.rows.length; u++) {
    const r = grad.rows[u]!;
    const w = r * dim;
    const o = u * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const g = values[o + d]!;
      s = f(s + f(g * g));
    }
    const m = f(state[r]! + f(s / dim32));
    state[r] = m;
    const mult = f(lr32 / f(f(Math.sqrt(m)) + eps32));
    for (let d = 0; d < dim; d++) weight[w + d] -= f(values[o + d]! * mult);
  }
}

/**
 * Applies an optimizer to one table, in place. `state` is ignored for sgd and
 * required (the right shape) for adagrad and rowwise_adagrad.
 */
export function applyOptimizer(
  spec: OptimizerSpec, weight: Float32Array, state: Float32Array | null, rows: number, grad: CoalescedGrad,
): void {
  switch (spec.kind) {
    case 'sgd':
      sgdUpdate(weight, rows, grad, spec.lr);
      return;
    case 'adagrad':
      if (!state) throw new ModelError('adagrad needs an optimizer state [rows, dim]', { array: 'optimizer_state' });
      adagradUpdate(weight, state, rows, grad, spec.lr, spec.eps);
      return;
    case 'rowwise_adagrad':
      if (!state) throw new ModelError('rowwise_adagrad needs an optimizer state [rows]', { array: 'optimizer_state' });
      rowwiseAdagradUpdate(weight, state, rows, grad, spec.lr, spec.eps);
      return;
    default: {
      const k = (spec as { kind?: unknown }).kind;
      throw new ModelError(`unknown optimizer kind ${JSON.stringify(k)}; use sgd, adagrad or rowwise_adagrad`, {
        array: 'optimizer.kind', value: k,
      });
    }
  }
}
