/**
 * Ready/valid streams (Chisel's Decoupled). A transfer happens in a cycle
 * where both valid and ready are high ("fire"). Producers in this library
 * hold valid and bits stable until the transfer (the AXI rule), and never let
 * valid wait for ready, so streams compose without combinational deadlock.
 */
import { Bool, Bundle, Flip, type BundleType, type Flipped, type HwType } from '../hdl/types';
import type { Hw } from '../hdl/module';
import type { Value } from '../hdl/ir';

export type DecoupledType<T extends HwType> = BundleType<{ valid: typeof Bool; ready: Flipped<typeof Bool>; bits: T }>;
export type ValidType<T extends HwType> = BundleType<{ valid: typeof Bool; bits: T }>;

/** `{ valid, ready (flipped), bits }`: use as `In(Decoupled(T))` (consumer side) or `Out(Decoupled(T))` (producer side). */
export function Decoupled<T extends HwType>(bits: T): DecoupledType<T> {
  return Bundle({ valid: Bool, ready: Flip(Bool), bits });
}

/** `{ valid, bits }`: a stream without back-pressure (a fixed-latency pipeline's output). */
export function Valid<T extends HwType>(bits: T): ValidType<T> {
  return Bundle({ valid: Bool, bits });
}

/** The signals of a Decoupled port. */
export interface DecoupledIO<B = unknown> { valid: Hw<typeof Bool>; ready: Hw<typeof Bool>; bits: B }

/** valid && ready: the transfer happens this cycle. */
export function fire(s: { valid: Value; ready: Value }): Value {
  return s.valid.and(s.ready);
}
