/**
 * Counters: `counter()` for use inside a build(), and `WrapCounter`, a module
 * for the shipped rtl/ set. Latency 0 (value is a register), one step per cycle.
 */
import { badParameter } from '../hdl/params';
import { lit, mux, type Value, type ValueLike } from '../hdl/ir';
import { In, Module, Out, Reg, when, type Signal } from '../hdl/module';
import { Bool, UInt, log2Up } from '../hdl/types';

export interface CounterHw {
  /** The current count, 0 .. n-1. */
  value: Signal;
  /** High in the cycle the counter steps from n-1 back to 0. */
  wrap: Value;
}

/**
 * A register counting 0..n-1 (n >= 1) while `inc` is high, wrapping to 0; an
 * optional `reset` condition clears it (taking priority over inc).
 */
export function counter(n: number, inc: ValueLike = 1, opts: { clear?: ValueLike; name?: string } = {}): CounterHw {
  if (!Number.isInteger(n) || n < 1) throw badParameter(`counter range must be a positive integer, got ${n}`);
  const w = log2Up(n);
  const value = Reg(UInt(w), { init: 0, name: opts.name ?? 'counter' }) as Signal;
  const incV = typeof inc === 'object' ? inc : lit(Number(inc) !== 0 ? 1 : 0, 1);
  const atMax = n === 1 ? lit(1, 1) : value.eq(n - 1);
  const next = n === 1 ? lit(0, w) : (2 ** w === n ? value.addWrap(1) : mux(atMax, lit(0, w), value.addWrap(1)));
  when(incV, () => value.set(next));
  if (opts.clear !== undefined) when(opts.clear, () => value.set(0));
  return { value, wrap: incV.and(atMax) };
}

/** A module wrapping `counter()`: counts `inc` pulses modulo n; `wrap` pulses on roll-over. */
export class WrapCounter extends Module {
  readonly io;
  constructor(readonly n: number) {
    super();
    this.io = this.ports({ inc: In(Bool), clear: In(Bool), value: Out(UInt(log2Up(n))), wrap: Out(Bool) });
  }
  override get moduleName(): string { return `WrapCounter_n${this.n}`; }
  override get doc(): string { return `Counts inc pulses modulo ${this.n}; clear has priority. Latency 0 (registered count), one step per cycle.`; }
  protected build(): void {
    const c = counter(this.n, this.io.inc, { clear: this.io.clear, name: 'count' });
    this.io.value.set(c.value);
    this.io.wrap.set(c.wrap);
  }
}
