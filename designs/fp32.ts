/**
 * The shipped IEEE-754 binary32 units (generator/stdlib/float, docs/FP32.md),
 * each in its default configuration: ports in_valid, a[, b], out_valid, y
 * (plus `sub` on the adder, `b_wins` on the max), a fixed-latency valid
 * pipeline, one operation per cycle.
 */
import type { DesignEntry } from './registry';
import { Fp32Add, Fp32Div, Fp32FromUInt, Fp32Max, Fp32Mul, Fp32Sqrt } from '../generator/stdlib/float';

/** Default latencies (cycles) of the shipped configurations. */
export const FP32_DEFAULTS = { add: 3, mul: 4, div: 12, sqrt: 12, max: 1, u2f: 2 } as const;

const designs: DesignEntry[] = [
  {
    name: `fp32-add-s${FP32_DEFAULTS.add}`,
    summary: `binary32 a + b / a - b (sub), RNE, latency ${FP32_DEFAULTS.add}, 1/cycle`,
    make: () => new Fp32Add({ stages: FP32_DEFAULTS.add }),
  },
  {
    name: `fp32-mul-s${FP32_DEFAULTS.mul}`,
    summary: `binary32 a * b, RNE, latency ${FP32_DEFAULTS.mul}, 1/cycle`,
    make: () => new Fp32Mul({ stages: FP32_DEFAULTS.mul }),
  },
  {
    name: `fp32-div-s${FP32_DEFAULTS.div}`,
    summary: `binary32 a / b, radix-2 restoring unrolled, RNE, latency ${FP32_DEFAULTS.div}, 1/cycle`,
    make: () => new Fp32Div({ stages: FP32_DEFAULTS.div }),
  },
  {
    name: `fp32-sqrt-s${FP32_DEFAULTS.sqrt}`,
    summary: `binary32 sqrt(a), digit recurrence unrolled, RNE, latency ${FP32_DEFAULTS.sqrt}, 1/cycle`,
    make: () => new Fp32Sqrt({ stages: FP32_DEFAULTS.sqrt }),
  },
  {
    name: `fp32-max-s${FP32_DEFAULTS.max}`,
    summary: `binary32 running max (b > a ? b : a, PyTorch EmbeddingBag max), latency ${FP32_DEFAULTS.max}`,
    make: () => new Fp32Max({ stages: FP32_DEFAULTS.max }),
  },
  {
    name: `fp32-u2f-w32-s${FP32_DEFAULTS.u2f}`,
    summary: `uint32 -> binary32, RNE, latency ${FP32_DEFAULTS.u2f}, 1/cycle`,
    make: () => new Fp32FromUInt({ width: 32, stages: FP32_DEFAULTS.u2f }),
  },
];

export default designs;
