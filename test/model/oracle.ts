/**
 * A deliberately naive re-statement of the fp32 spec (docs/MODEL.md) for the
 * tests: plain arrays, explicit Math.fround after every operation, quadratic
 * loops, no sorting tricks. It shares no code with model/ except types.
 */
import type { Mode } from '../../model/index';
import type { Batch } from './arbitraries';

const f = Math.fround;

/** An int32 or int64 array as plain numbers. */
export function toNumbers(a: Int32Array | BigInt64Array): number[] {
  return a instanceof BigInt64Array ? Array.from(a, (x) => Number(x)) : Array.from(a);
}

export interface Normalised {
  idx: number[];
  bagOf: number[];
  starts: number[];
  B: number;
  pad: number;
  count: number[];
}

export function normalise(b: Batch): Normalised {
  const idx = toNumbers(b.indices);
  const offs = toNumbers(b.offsets);
  const B = b.includeLastOffset ? offs.length - 1 : offs.length;
  const starts = offs.slice(0, B);
  starts.push(idx.length);
  const pad = b.paddingIdx === null ? -1 : b.paddingIdx < 0 ? b.rows + b.paddingIdx : b.paddingIdx;
  const bagOf: number[] = [];
  const count: number[] = [];
  for (let k = 0; k < B; k++) {
    count.push(0);
    for (let p = starts[k]!; p < starts[k + 1]!; p++) {
      bagOf[p] = k;
      if (idx[p] !== pad) count[k]!++;
    }
  }
  return { idx, bagOf, starts, B, pad, count };
}

/** Forward; for max also the argmax position per (bag, d). */
export function naiveForward(b: Batch, mode: Mode = b.mode): { out: number[]; argmax: number[] } {
  const z = normalise(b);
  const out: number[] = [];
  const argmax: number[] = [];
  for (let k = 0; k < z.B; k++) {
    for (let d = 0; d < b.dim; d++) {
      let acc = 0;
      let am = -1;
      for (let p = z.starts[k]!; p < z.starts[k + 1]!; p++) {
        if (z.idx[p] === z.pad) continue;
        const w = b.weight[z.idx[p]! * b.dim + d]!;
        if (mode === 'max') {
          if (am === -1 || w > acc) {
            acc = w;
            am = p;
          }
        } else {
          const x = b.perSampleWeights ? f(w * b.perSampleWeights[p]!) : w;
          acc = f(acc + x);
        }
      }
      if (mode === 'mean' && z.count[k]! > 0) acc = f(acc / z.count[k]!);
      out.push(acc);
      argmax.push(am);
    }
  }
  return { out, argmax };
}

/** Coalesced backward: rows ascending, values. */
export function naiveBackward(b: Batch): { rows: number[]; values: number[] } {
  const z = normalise(b);
  const { argmax } = naiveForward(b);
  const rows = [...new Set(z.idx.filter((r) => r !== z.pad))].sort((x, y) => x - y);
  const values: number[] = [];
  for (const r of rows) {
    for (let d = 0; d < b.dim; d++) {
      let acc = 0;
      for (let p = 0; p < z.idx.length; p++) {
        if (z.idx[p] !== r) continue;
        const k = z.bagOf[p]!;
        const g = b.gradOutput[k * b.dim + d]!;
        let c: number;
        if (b.mode === 'max') {
          if (argmax[k * b.dim + d] !== p) continue;
          c = g;
        } else if (b.mode === 'mean') {
          c = f(g * f(1 / z.count[k]!));
        } else {
          c = b.perSampleWeights ? f(g * b.perSampleWeights[p]!) : g;
        }
        acc = f(acc + c);
      }
      values.push(acc);
    }
  }
  return { rows, values };
}

/** Bit equality of number lists as binary32 (NaN by class). */
export function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const x = new Float32Array(a as ArrayLike<number>);
  const y = new Float32Array(b as ArrayLike<number>);
  const ux = new Uint32Array(x.buffer);
  const uy = new Uint32Array(y.buffer);
  for (let i = 0; i < x.length; i++) {
    if (ux[i] !== uy[i] && !(Number.isNaN(x[i]!) && Number.isNaN(y[i]!))) return false;
  }
  return true;
}
