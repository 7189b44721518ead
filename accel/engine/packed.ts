/** Fixed-layout records packed into a UInt, shared by the engine's queues and write beats. */
import { cat, type Value } from '../../generator';

/** v zero-extended or cut to w bits. */
export const fit = (v: Value, w: number): Value => (v.width === w ? v : v.width < w ? v.pad(w) : v.trunc(w));

/** A fixed-layout record packed into a UInt (first field most significant). */
export class Packed<F extends Record<string, number>> {
  readonly width: number;
  private readonly lo: Record<string, number> = {};
  constructor(readonly fields: F) {
    let w = 0;
    for (const k of Object.keys(fields).reverse()) { this.lo[k] = w; w += fields[k]!; }
    this.width = w;
  }
  pack(v: { [K in keyof F]: Value }): Value {
    return cat(...Object.keys(this.fields).map((k) => fit(v[k as keyof F], this.fields[k]!)));
  }
  get<K extends keyof F & string>(bits: Value, k: K): Value {
    return bits.bits(this.lo[k]! + this.fields[k]! - 1, this.lo[k]!);
  }
}
