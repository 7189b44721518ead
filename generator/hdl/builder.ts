/**
 * The builder: the free functions a module's build() calls (Reg, Wire, when,
 * instance, connect, ...), acting on the module being built.
 *
 * Connections follow last-connect semantics inside one module: a later
 * `x.set(v)` overrides an earlier one on the paths where both apply. A
 * combinational signal must be assigned on every path (or have a default), so
 * a latch cannot be written; a register that is not assigned on a path keeps
 * its value.
 */
import { ElaborationError } from './errors';
import { Value, toValue, type ValueLike, lit } from './ir';
import { buildHw, inferType, leaves, type Hw, type HwValue } from './hw';
import type { Module } from './module';
import { Signal, checkDrivable, fitTo } from './signal';
import { VecElem } from './vec';
import { bindingName, callerLoc, captureHere, locOf, locToString, type Here, type SourceLoc } from './source';
import type { GroundType, HwType } from './types';

// ---------------------------------------------------------------------------
// Statements

export interface ConnectStmt { kind: 'connect'; target: Signal; value: Value; loc: SourceLoc | undefined }
export interface WhenStmt { kind: 'when'; cond: Value; then: Stmt[]; else: Stmt[]; loc: SourceLoc | undefined }
export type Stmt = ConnectStmt | WhenStmt;

export interface Frame { module: Module; block: Stmt[]; conds: { cond: Value; negate: boolean }[] }
export const frames: Frame[] = [];

export function currentFrame(what: string, loc: SourceLoc | undefined): Frame {
  const f = frames[frames.length - 1];
  if (f === undefined) throw new ElaborationError('BAD STRUCTURE', `${what} used outside a module's build()`, undefined, locToString(loc));
  return f;
}

/** The module whose build() is running (for library code that needs it). */
export function currentModule(): Module {
  return currentFrame('currentModule()', callerLoc()).module;
}

/** The condition under which the current statement applies (AND of enclosing whens). */
export function pathCondition(f: Frame): Value {
  let c: Value = lit(1, 1);
  for (const { cond, negate } of f.conds) {
    const t = negate ? cond.not() : cond;
    c = c.op === 'lit' ? t : c.and(t);
  }
  return c;
}

export function asCond(v: ValueLike, loc: SourceLoc | undefined): Value {
  const c = toValue(v);
  if (c.width !== 1) throw new ElaborationError('WIDTH MISMATCH', `a condition must be 1 bit, got ${c.width} bits; compare it (e.g. .ne(0)) or reduce it (.orR())`, undefined, locToString(loc));
  return c.asUInt();
}

export class WhenChain {
  constructor(private readonly frame: Frame, private readonly stmt: WhenStmt, private readonly conds: Frame['conds']) {}
  elseWhen(cond: ValueLike, body: () => void): WhenChain {
    const loc = callerLoc();
    const c = asCond(cond, loc);
    const inner: WhenStmt = { kind: 'when', cond: c, then: [], else: [], loc };
    this.stmt.else.push(inner);
    const conds = [...this.conds, { cond: this.stmt.cond, negate: true }];
    runIn(this.frame, inner.then, [...conds, { cond: c, negate: false }], body);
    return new WhenChain(this.frame, inner, conds);
  }
  otherwise(body: () => void): void {
    runIn(this.frame, this.stmt.else, [...this.conds, { cond: this.stmt.cond, negate: true }], body);
  }
}

function runIn(frame: Frame, block: Stmt[], conds: Frame['conds'], body: () => void): void {
  const saved = { block: frame.block, conds: frame.conds };
  frame.block = block;
  frame.conds = conds;
  try {
    body();
  } finally {
    frame.block = saved.block;
    frame.conds = saved.conds;
  }
}

/** `when(c, () => {...}).elseWhen(c2, ...).otherwise(...)` */
export function when(cond: ValueLike, body: () => void): WhenChain {
  const loc = callerLoc();
  const frame = currentFrame('when()', loc);
  const c = asCond(cond, loc);
  const stmt: WhenStmt = { kind: 'when', cond: c, then: [], else: [], loc };
  frame.block.push(stmt);
  const conds = frame.conds;
  runIn(frame, stmt.then, [...conds, { cond: c, negate: false }], body);
  return new WhenChain(frame, stmt, conds);
}

export interface SwitchBuilder {
  is(values: ValueLike | readonly ValueLike[], body: () => void): void;
  default(body: () => void): void;
}

/** `switchOn(state, (s) => { s.is(IDLE, ...); s.is([A, B], ...); s.default(...) })` */
export function switchOn(sel: Value, cases: (s: SwitchBuilder) => void): void {
  let chain: WhenChain | undefined;
  let done = false;
  const s: SwitchBuilder = {
    is(values, body) {
      if (done) throw new ElaborationError('BAD STRUCTURE', 'switchOn: is() after default()', undefined, locToString(callerLoc()));
      const vs = Array.isArray(values) ? values : [values];
      const cond = vs.map((v: ValueLike) => sel.eq(v)).reduce((a: Value, b: Value) => a.or(b));
      chain = chain ? chain.elseWhen(cond, body) : when(cond, body);
    },
    default(body) {
      done = true;
      if (chain) chain.otherwise(body);
      else body();
    },
  };
  cases(s);
}

// ---------------------------------------------------------------------------
// Instances, registers, wires

/**
 * The name of the binding that receives what is being built (with the
 * iteration's index in a loop). `here` is the stack the caller already
 * captured for its locator, if it did: capturing a stack is the main cost of
 * elaboration, so each builder captures it once.
 */
export function nameHere(m: Module, here: Here = captureHere(nameHere)): string | undefined {
  const found = bindingName(here);
  if (!found) return undefined;
  if (found.loopKey === undefined) return found.name;
  const n = m.loopCounters.get(found.loopKey) ?? 0;
  m.loopCounters.set(found.loopKey, n + 1);
  return `${found.name}_${n}`;
}

/** Instantiates a child module in the module being built; returns it (its ports are ready to connect). */
export function instance<M extends Module>(child: M, name?: string): M {
  const here = captureHere();
  const loc = locOf(here);
  const frame = currentFrame('instance()', loc);
  const parent = frame.module;
  if (child.parent) throw new ElaborationError('BAD STRUCTURE', `${child.moduleName} is already an instance in ${child.parent.instancePath}`, undefined, locToString(loc));
  child.parent = parent;
  child.instanceName = name ? parent.ns.claim(name, loc, parent.instancePath) : parent.ns.fresh(nameHere(parent, here) ?? child.moduleName.toLowerCase(), loc);
  parent.instances.push({ name: child.instanceName, module: child, loc });
  if (child.clocking && !parent.clocking) {
    throw new ElaborationError('REGISTER WITHOUT CLOCK', `instance ${child.instanceName} (${child.moduleName}) needs a clock but ${parent.moduleName} was declared without one (clock: null)`, child.instancePath, locToString(loc));
  }
  child.runBuild();
  return child;
}

function newSignal(kind: 'wire' | 'reg', t: GroundType, path: string[], base: string, explicit: boolean, m: Module, loc: SourceLoc | undefined): Signal {
  const full = [base, ...path].join('_');
  const name = explicit ? m.ns.claim(full, loc, m.instancePath) : m.ns.fresh(full, loc);
  const s = new Signal(name, kind, t, m, loc);
  m.signals.push(s);
  return s;
}

type Init<T> = T extends GroundType ? ValueLike : ValueLike | { [K in keyof HwValue<T>]?: unknown };

function applyInit(t: HwType, hw: unknown, init: unknown, field: 'init' | 'default', loc: SourceLoc | undefined): void {
  for (const { sig, path } of leaves(t, hw)) {
    let v: unknown = init;
    if (!(init instanceof Value) && typeof init === 'object' && init !== null) {
      for (const p of path) v = (v as Record<string, unknown> | undefined)?.[p];
      if (v === undefined) continue;
    }
    const s = sig as Signal;
    s[field] = fitTo(v as ValueLike, s, loc);
  }
}

export interface SignalOptions<T extends HwType> {
  /** An explicit Verilog name (default: the variable the result is assigned to). */
  name?: string;
  /** Reset value of a register; without it the register has no reset. A number applies to every leaf. */
  init?: Init<T>;
}

/** Refuses clocked state in a module without a clock, and a reset value without a reset. */
export function requireClocking(m: Module, what: string, base: string, withReset: boolean, loc: SourceLoc | undefined): void {
  const path = `${m.instancePath}.${base}`;
  if (!m.clocking) {
    throw new ElaborationError('REGISTER WITHOUT CLOCK', `${what} ${base} in ${m.moduleName}, which was declared without a clock (clock: null)`, path, locToString(loc));
  }
  if (withReset && !m.clocking.reset) {
    throw new ElaborationError('REGISTER WITHOUT CLOCK', `${what} ${base} has a reset value but ${m.moduleName} has no reset`, path, locToString(loc));
  }
}

/** A register (clocked by the module's clock; reset to `init` when given). */
export function Reg<T extends HwType>(type: T, opts: SignalOptions<T> = {}): Hw<T> {
  const here = captureHere();
  const loc = locOf(here);
  const frame = currentFrame('Reg()', loc);
  const m = frame.module;
  const base = opts.name ?? nameHere(m, here) ?? 'reg';
  requireClocking(m, 'register', base, opts.init !== undefined, loc);
  const hw = buildHw(type, (leaf, path) => newSignal('reg', leaf, path, base, opts.name !== undefined, m, loc));
  if (opts.init !== undefined) applyInit(type, hw, opts.init, 'init', loc);
  return hw;
}

/**
 * A register that takes `v` every cycle (or while `en`): one cycle of delay.
 * `gated` (with `en`): the logic that only this register (and others of the
 * same enable) reads is evaluated only while `en` holds; the Verilog back end
 * prints it inside the register's clocked block, under the enable, as local
 * variables of that block (docs/DSL.md, "Gated next-state logic"). Same
 * hardware; a cycle-based simulator skips the logic in idle cycles.
 */
export function RegNext(v: Value, opts: { init?: ValueLike; en?: ValueLike; name?: string; gated?: boolean } = {}): Signal {
  const here = captureHere();
  const loc = locOf(here);
  const frame = currentFrame('RegNext()', loc);
  const m = frame.module;
  const base = opts.name ?? nameHere(m, here) ?? 'regNext';
  requireClocking(m, 'register', base, opts.init !== undefined, loc);
  const r = newSignal('reg', { kind: v.signed ? 'sint' : 'uint', width: v.width }, [], base, opts.name !== undefined, m, loc);
  if (opts.init !== undefined) r.init = fitTo(opts.init, r, loc);
  const en = opts.en === undefined ? undefined : asCond(opts.en, loc);
  if (opts.gated === true) {
    if (!en) throw new ElaborationError('BAD STRUCTURE', `RegNext '${base}': gated needs an enable (en): the logic is evaluated only while en holds`, m.instancePath, locToString(loc));
    r.gated = true;
  }
  const stmt: ConnectStmt = { kind: 'connect', target: r, value: v, loc };
  if (en) frame.block.push({ kind: 'when', cond: en, then: [stmt], else: [], loc });
  else frame.block.push(stmt);
  return r;
}

export interface WireOptions<T extends HwType> {
  name?: string;
  /** Value on the paths where the wire is not assigned (without it, every path must assign it). */
  default?: Init<T>;
}

/** A combinational signal. */
export function Wire<T extends HwType>(type: T, opts: WireOptions<T> = {}): Hw<T> {
  const here = captureHere();
  const loc = locOf(here);
  const m = currentFrame('Wire()', loc).module;
  const base = opts.name ?? nameHere(m, here) ?? 'wire';
  const hw = buildHw(type, (leaf, path) => newSignal('wire', leaf, path, base, opts.name !== undefined, m, loc));
  if (opts.default !== undefined) applyInit(type, hw, opts.default, 'default', loc);
  return hw;
}

/** A named wire carrying `v`: names an intermediate value in the Verilog. */
export function named(v: Value, name?: string): Signal {
  const here = captureHere();
  const loc = locOf(here);
  const frame = currentFrame('named()', loc);
  const m = frame.module;
  const s = newSignal('wire', { kind: v.signed ? 'sint' : 'uint', width: v.width }, [], name ?? nameHere(m, here) ?? 'named', name !== undefined, m, loc);
  s.default = v;
  return s;
}

/** A source for connect(): the destination's shape with any Value at the leaves (a Vec element at a hardware index is a VecElem, its source a Signal). */
export type Readable<T> = T extends Value ? Value : T extends readonly (infer E)[] ? readonly Readable<E>[] : { [K in keyof T]: Readable<T[K]> };

/**
 * Bulk connection, `dst <- src`: each non-flipped leaf of dst is driven by the
 * matching leaf of src, and each flipped leaf of src by the matching leaf of
 * dst. `connect(fifo.io.enq, this.io.in)` drives enq.valid/bits from in and
 * in.ready from enq.ready.
 */
export function connect<T>(dst: T, src: T, type?: HwType): void;
export function connect<T>(dst: T, src: Readable<T>, type?: HwType): void;
export function connect<T>(dst: T, src: T | Readable<T>, type?: HwType): void {
  const loc = callerLoc();
  const t = type ?? inferType(dst, loc);
  const d = leaves(t, dst);
  const s = leaves(t, src);
  for (let i = 0; i < d.length; i++) {
    const a = d[i]!, b = s[i]!;
    const [sink, source] = a.flipped ? [b.sig, a.sig] : [a.sig, b.sig];
    if (sink instanceof VecElem) {
      sink.set(source);
      continue;
    }
    if (!(sink instanceof Signal)) {
      throw new ElaborationError('BAD STRUCTURE', `connect(): leaf ${a.path.join('.')} would drive a computed value, not a signal`, undefined, locToString(loc));
    }
    const frame = currentFrame('connect()', loc);
    checkDrivable(sink, frame.module, loc);
    const value = fitTo(source, sink, loc);
    frame.block.push({ kind: 'connect', target: sink, value, loc });
  }
}

