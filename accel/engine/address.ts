/**
 * The engine's address arithmetic (docs/ENGINE.md, "Memory layout"), one
 * definition for the row fetch (accel/engine/engine.ts) and the update unit
 * (accel/engine/update.ts). Addresses wrap at the configured width.
 */
import type { Value } from '../../generator';

/** The byte address of row `row` of a region at `base` with `stride` bytes from row to row. */
export const rowAddress = (base: Value, row: Value, stride: Value): Value =>
  base.addWrap(row.zext(64).mulWrap(stride.zext(64)).trunc(base.width));

/** The byte address of row `row`'s rowwise-Adagrad state: one fp32 per row, STATE + 4 × row. */
export const rowwiseStateAddress = (base: Value, row: Value): Value =>
  base.addWrap(row.zext(base.width + 2).shl(2).trunc(base.width));
