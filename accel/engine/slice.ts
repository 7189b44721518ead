/**
 * A memory channel's column slice (accel/engine/channels.ts): channel c of C
 * handles beats [c·k, c·k + k) of every table row and output row,
 * k = ceil(row beats / C).
 */
import { lit, mux, named, type Value } from '../../generator';

/** A channel's slice of a row of `rowBeats` beats. */
export interface ColumnSlice {
  /** Beats this channel handles (0 when the row has fewer beats than the channels before it take). */
  beats: Value;
  /** Its first beat in the row. */
  first: Value;
  /** It handles no beat. */
  none: Value;
  /** It handles the row's last beat (the one WSTRB trims past dim). */
  hasTail: Value;
}

/** Channel `c` (a value: the channel_id input) of `C` (a power of two): its slice of a row of `rowBeats` beats. */
export function columnSlice(rowBeats: Value, c: Value, C: number): ColumnSlice {
  if (C === 1) return { beats: rowBeats, first: lit(0, 1), none: lit(0, 1), hasTail: lit(1, 1) };
  const w = rowBeats.width + Math.log2(C) + 1;
  const all = rowBeats.zext(w);
  const per = named(all.addWrap(C - 1).shr(Math.log2(C)), 'slice_beats_max');
  const first = named(per.mulWrap(c.zext(w)), 'slice_first');
  const none = named(all.le(first), 'slice_none');
  const left = all.subWrap(first);
  return {
    beats: named(mux(none, lit(0, w), mux(left.lt(per), left, per)), 'slice_beats'),
    first,
    none,
    hasTail: named(none.not().and(first.addWrap(per).ge(all)), 'slice_has_tail'),
  };
}

/** Channel `c` of `C` handles no beat of a row of `rowBeats` beats (`none` of columnSlice, unnamed). */
export function sliceIsEmpty(rowBeats: Value, c: Value, C: number): Value {
  if (C === 1) return lit(0, 1);
  const w = rowBeats.width + Math.log2(C) + 1;
  const all = rowBeats.zext(w);
  return all.le(all.addWrap(C - 1).shr(Math.log2(C)).mulWrap(c.zext(w)));
}
