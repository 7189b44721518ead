/**
 * Modules, signals and statements: the builder half of the DSL.
 *
 * A module is a class. Its constructor takes the generator's knobs and
 * declares the ports (`this.io = this.ports({...})`); its `build()` method
 * describes the logic with the free functions below (Reg, Wire, when, ...),
 * which act on the module being built. `instance(new Child(...))` builds a
 * child right away, so the parent can use the child's ports on the next line.
 *
 * Connections follow last-connect semantics inside one module: a later
 * `x.set(v)` overrides an earlier one on the paths where both apply. A
 * combinational signal must be assigned on every path (or have a default), so
 * a latch cannot be written; a register that is not assigned on a path keeps
 * its value.
 */
import { ElaborationError } from './errors';
import { Value, toValue, type ValueLike, lit, log2Up, extendTo, pushLineScope, popLineScope } from './ir';
import { callerLoc, inferName, locToString, type SourceLoc } from './source';
import { bitWidth, isGround, typeToString, type BundleType, type FieldSpec, type GroundType, type HwType, type VecType } from './types';

export type SignalKind = 'input' | 'output' | 'wire' | 'reg' | 'memread' | 'memcomb';

/** A named leaf of hardware state or wiring. */
export class Signal extends Value {
  /** Reset value of a register (undefined: a register without reset). */
  init?: Value;
  /** Value a wire or output takes on paths where it is not assigned. */
  default?: Value;
  /** For memread/memcomb signals: the memory port that drives them. */
  memPort?: MemReadPort;
  constructor(
    public name: string,
    readonly kind: SignalKind,
    readonly type: GroundType,
    readonly owner: Module,
    override readonly loc: SourceLoc | undefined,
  ) {
    super('ref', type.width, type.kind === 'sint');
  }

  /** Hierarchical name, e.g. Top.fifo.count. */
  get path(): string {
    return `${this.owner.instancePath}.${this.name}`;
  }

  /** Connects v to this signal (last connect wins within a module). */
  set(v: ValueLike): void {
    const loc = callerLoc();
    const frame = currentFrame('set()', loc);
    checkDrivable(this, frame.module, loc);
    const value = fitTo(v, this, loc);
    frame.block.push({ kind: 'connect', target: this, value, loc });
  }
}

/** Converts a value for assignment to `target`, refusing any silent width change. */
function fitTo(v: ValueLike, target: Signal, loc: SourceLoc | undefined): Value {
  if (!(v instanceof Value)) {
    const val = toValue(v, target);
    if (val.width !== target.width) {
      throw new ElaborationError('WIDTH MISMATCH', `literal ${String(v)} needs ${val.width} bits but ${target.name} is ${target.width} bits`, target.path, locToString(loc));
    }
    return val;
  }
  if (v.signed !== target.signed) {
    throw new ElaborationError('TYPE MISMATCH', `assigning ${v.signed ? 'SInt' : 'UInt'}(${v.width}) to ${typeToString(target.type)}; convert with asSInt()/asUInt()`, target.path, locToString(loc));
  }
  if (v.width !== target.width) {
    const fix = v.width > target.width ? `trunc(${target.width}) or bits()` : `pad(${target.width})`;
    throw new ElaborationError('WIDTH MISMATCH', `assigning a ${v.width}-bit value to ${target.width}-bit ${target.name}; make the change explicit with ${fix}`, target.path, locToString(loc));
  }
  return v;
}

function checkDrivable(sig: Signal, m: Module, loc: SourceLoc | undefined): void {
  if (sig.owner === m) {
    if (sig.kind === 'input') {
      throw new ElaborationError('INPUT DRIVEN FROM INSIDE', `${sig.name} is an input of ${m.moduleName}; it is driven by the parent`, sig.path, locToString(loc));
    }
    if (sig.kind === 'memread' || sig.kind === 'memcomb') {
      throw new ElaborationError('MULTIPLE DRIVERS', `${sig.name} is a memory read port's data, already driven by the memory`, sig.path, locToString(loc));
    }
    return;
  }
  if (sig.owner.parent === m) {
    if (sig.kind === 'input') return;
    throw new ElaborationError('MULTIPLE DRIVERS', `${sig.name} is an output of instance ${sig.owner.instanceName}, already driven inside it`, sig.path, locToString(loc));
  }
  throw new ElaborationError('CROSS MODULE REFERENCE', `${sig.name} belongs to ${sig.owner.instancePath}, not to ${m.instancePath}; ${notInstantiated(sig.owner) ? `${sig.owner.moduleName} was never instantiated: wrap it in instance(new ${sig.owner.constructor.name}(...))` : 'connect it through ports'}`, sig.path, locToString(loc));
}

/** A module object that was created but never passed to instance() (a common slip). */
export function notInstantiated(m: Module): boolean {
  return !m.isBuilt && !m.parent;
}

// ---------------------------------------------------------------------------
// Statements

export interface ConnectStmt { kind: 'connect'; target: Signal; value: Value; loc: SourceLoc | undefined }
export interface WhenStmt { kind: 'when'; cond: Value; then: Stmt[]; else: Stmt[]; loc: SourceLoc | undefined }
export type Stmt = ConnectStmt | WhenStmt;

interface Frame { module: Module; block: Stmt[]; conds: { cond: Value; negate: boolean }[] }
const frames: Frame[] = [];

function currentFrame(what: string, loc: SourceLoc | undefined): Frame {
  const f = frames[frames.length - 1];
  if (!f) throw new ElaborationError('BAD STRUCTURE', `${what} used outside a module's build()`, undefined, locToString(loc));
  return f;
}

/** The module whose build() is running (for library code that needs it). */
export function currentModule(): Module {
  return currentFrame('currentModule()', callerLoc()).module;
}

/** The condition under which the current statement applies (AND of enclosing whens). */
function pathCondition(f: Frame): Value {
  let c: Value = lit(1, 1);
  for (const { cond, negate } of f.conds) {
    const t = negate ? cond.not() : cond;
    c = c.op === 'lit' ? t : c.and(t);
  }
  return c;
}

function asCond(v: ValueLike, loc: SourceLoc | undefined): Value {
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
// Hardware of aggregate types

/** The signals of a hardware type: a Signal per ground leaf, objects for bundles, arrays for vecs. */
export type Hw<T> = T extends GroundType
  ? Signal
  : T extends BundleType<infer F>
    ? { [K in keyof F]: Hw<F[K]> }
    : T extends VecType<infer E>
      ? Hw<E>[]
      : never;

/** Read-only view of a hardware type (any Value at the leaves). */
export type HwValue<T> = T extends GroundType
  ? Value
  : T extends BundleType<infer F>
    ? { [K in keyof F]: HwValue<F[K]> }
    : T extends VecType<infer E>
      ? HwValue<E>[]
      : never;

/** Visits the leaves of a type in declaration order (first field first). */
export function forEachLeaf(
  t: HwType,
  fn: (leaf: GroundType, path: string[], flipped: boolean) => void,
  path: string[] = [],
  flipped = false,
): void {
  if (isGround(t)) return fn(t, path, flipped);
  if (t.kind === 'vec') {
    for (let i = 0; i < t.length; i++) forEachLeaf(t.elem, fn, [...path, String(i)], flipped);
    return;
  }
  for (const [k, f] of Object.entries(t.fields as Record<string, FieldSpec>)) {
    forEachLeaf(f.type, fn, [...path, k], flipped !== f.flip);
  }
}

function buildHw<T extends HwType>(t: T, mk: (leaf: GroundType, path: string[], flipped: boolean) => Signal, path: string[] = [], flipped = false): Hw<T> {
  if (isGround(t)) return mk(t, path, flipped) as Hw<T>;
  if (t.kind === 'vec') {
    return Array.from({ length: t.length }, (_, i) => buildHw(t.elem, mk, [...path, String(i)], flipped)) as Hw<T>;
  }
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(t.fields as Record<string, FieldSpec>)) {
    out[k] = buildHw(f.type, mk, [...path, k], flipped !== f.flip);
  }
  return out as Hw<T>;
}

/** The leaves of a hardware value with their flip parity, in declaration order. */
export function leaves(t: HwType, hw: unknown): { sig: Value; flipped: boolean; path: string[] }[] {
  const out: { sig: Value; flipped: boolean; path: string[] }[] = [];
  forEachLeaf(t, (_leaf, path, flipped) => {
    let x: unknown = hw;
    for (const p of path) x = (x as Record<string, unknown>)[p];
    if (!(x instanceof Value)) throw new ElaborationError('BAD STRUCTURE', `value does not match type ${typeToString(t)} at ${path.join('.')}`, undefined, locToString(callerLoc()));
    out.push({ sig: x, flipped, path });
  });
  return out;
}

// ---------------------------------------------------------------------------
// Ports

export interface PortSpec<T extends HwType = HwType> { readonly dir: 'input' | 'output'; readonly type: T }
/** An input port (a bundle's flipped fields become outputs). */
export function In<T extends HwType>(type: T): PortSpec<T> { return { dir: 'input', type }; }
/** An output port (a bundle's flipped fields become inputs). */
export function Out<T extends HwType>(type: T): PortSpec<T> { return { dir: 'output', type }; }

export interface ResetSpec { name: string; activeLow: boolean }
export interface Clocking { clock: string; reset: ResetSpec | null }
export interface ModuleOptions {
  /** Clock input name (default `clock`); null for a purely combinational module. */
  clock?: string | null;
  /** Synchronous reset (default `{ name: 'reset', activeLow: false }`); null for none. */
  reset?: ResetSpec | string | null;
}

/** Names Verilog or SystemVerilog reserve; a port or signal may not use them. */
export const VERILOG_KEYWORDS = new Set(
  ('always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config deassign default defparam design ' +
    'disable edge else end endcase endconfig endfunction endgenerate endmodule endprimitive endspecify endtable endtask event ' +
    'for force forever fork function generate genvar highz0 highz1 if ifnone incdir include initial inout input instance integer ' +
    'join large liblist library localparam macromodule medium module nand negedge nmos nor noshowcancelled not notif0 notif1 or ' +
    'output parameter pmos posedge primitive pull0 pull1 pulldown pullup pulsestyle_onevent pulsestyle_ondetect rcmos real realtime ' +
    'reg release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled signed small specify specparam strong0 strong1 ' +
    'supply0 supply1 table task time tran tranif0 tranif1 tri tri0 tri1 triand trior trireg unsigned use uwire vectored wait wand ' +
    'weak0 weak1 while wire wor xnor xor alias always_comb always_ff always_latch assert assume before bind bins binsof bit break ' +
    'byte chandle class clocking const constraint context continue cover covergroup coverpoint cross dist do endclass endclocking ' +
    'endgroup endinterface endpackage endprogram endproperty endsequence enum expect export extends extern final first_match ' +
    'foreach forkjoin iff ignore_bins illegal_bins import inside int interface intersect join_any join_none local logic longint ' +
    'matches modport new null package packed priority program property protected pure rand randc randcase randsequence ref return ' +
    'sequence shortint shortreal solve static string struct super tagged this throughout timeprecision timeunit type typedef union ' +
    'unique var virtual void wait_order wildcard with within').split(' '),
);

const identRe = /^[A-Za-z][A-Za-z0-9_]*$/;

/** The names used in one module's Verilog. */
export class Namespace {
  private readonly used = new Map<string, SourceLoc | undefined>();
  /** Claims an explicit name: a collision or a keyword is an error. */
  claim(name: string, loc: SourceLoc | undefined, where: string): string {
    if (!identRe.test(name)) {
      throw new ElaborationError('NAME COLLISION', `'${name}' is not a legal Verilog identifier (letters, digits, _; starting with a letter)`, `${where}.${name}`, locToString(loc));
    }
    if (VERILOG_KEYWORDS.has(name)) {
      throw new ElaborationError('KEYWORD NAME', `'${name}' is a Verilog/SystemVerilog keyword; choose another name`, `${where}.${name}`, locToString(loc));
    }
    if (this.used.has(name)) {
      const prev = this.used.get(name);
      throw new ElaborationError('NAME COLLISION', `'${name}' is already used in ${where}${prev ? ` (at ${locToString(prev)})` : ''}`, `${where}.${name}`, locToString(loc));
    }
    this.used.set(name, loc);
    return name;
  }
  /** A fresh name from a hint: suffixed _1, _2... when taken or reserved. */
  fresh(hint: string, loc?: SourceLoc): string {
    let base = hint.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
    let name = base;
    for (let i = 1; this.used.has(name) || VERILOG_KEYWORDS.has(name); i++) name = `${base}_${i}`;
    this.used.set(name, loc);
    return name;
  }
  /** A copy, for the back end's temporaries (emitting twice gives the same names). */
  clone(): Namespace {
    const n = new Namespace();
    for (const [k, v] of this.used) n.used.set(k, v);
    return n;
  }
}

// ---------------------------------------------------------------------------
// Memories

export interface MemWritePort { addr: Value; data: Value; en: Value; loc: SourceLoc | undefined }
export interface MemReadPort { mem: Mem; addr: Value; en: Value; sync: boolean; data: Signal; loc: SourceLoc | undefined }

/**
 * A memory of `depth` words. Writes and synchronous reads take effect at the
 * clock edge (read-first: a read and a write of one address in one cycle
 * return the old word). Yosys infers it as a $mem, so FPGA flows map it to
 * block or distributed RAM. Words are not reset.
 */
export class Mem {
  readonly writes: MemWritePort[] = [];
  readonly reads: MemReadPort[] = [];
  readonly addrWidth: number;
  constructor(
    public name: string,
    readonly depth: number,
    readonly type: GroundType,
    readonly owner: Module,
    readonly loc: SourceLoc | undefined,
  ) {
    this.addrWidth = log2Up(depth);
  }

  private addr(a: ValueLike, loc: SourceLoc | undefined): Value {
    const v = toValue(a);
    if (v.signed) throw new ElaborationError('TYPE MISMATCH', `memory address must be a UInt`, `${this.owner.instancePath}.${this.name}`, locToString(loc));
    if (v.width > this.addrWidth) {
      throw new ElaborationError('WIDTH MISMATCH', `a ${v.width}-bit address for a ${this.depth}-word memory (needs ${this.addrWidth} bits); trunc() it`, `${this.owner.instancePath}.${this.name}`, locToString(loc));
    }
    return extendTo(v, this.addrWidth);
  }

  /** Writes data at addr on the clock edge, under the enclosing when conditions. */
  write(addr: ValueLike, data: ValueLike): void {
    const loc = callerLoc();
    const frame = currentFrame('Mem.write()', loc);
    this.checkOwner(frame, loc);
    const d = toValue(data, this.asValueShape());
    if (d.width !== this.type.width) throw new ElaborationError('WIDTH MISMATCH', `writing ${d.width} bits into a ${this.type.width}-bit memory`, `${this.owner.instancePath}.${this.name}`, locToString(loc));
    this.writes.push({ addr: this.addr(addr, loc), data: d, en: pathCondition(frame), loc });
  }

  /** Synchronous read: the word at addr appears on the returned signal one cycle later (held while not enabled). */
  read(addr: ValueLike, en: ValueLike = 1): Signal {
    return this.readPort(addr, en, true, callerLoc());
  }

  /** Combinational read (a register file; Yosys maps it to LUT RAM or flops). */
  readAsync(addr: ValueLike): Signal {
    return this.readPort(addr, 1, false, callerLoc());
  }

  private readPort(addr: ValueLike, en: ValueLike, sync: boolean, loc: SourceLoc | undefined): Signal {
    const frame = currentFrame('Mem.read()', loc);
    this.checkOwner(frame, loc);
    const m = frame.module;
    const hint = inferName(loc) ?? `${this.name}_rd${this.reads.length}`;
    const data = new Signal(m.ns.fresh(hint, loc), sync ? 'memread' : 'memcomb', this.type, m, loc);
    const pathEn = pathCondition(frame);
    const e = asCond(en, loc);
    const port: MemReadPort = { mem: this, addr: this.addr(addr, loc), en: sync ? (pathEn.op === 'lit' ? e : pathEn.and(e)) : lit(1, 1), sync, data, loc };
    data.memPort = port;
    this.reads.push(port);
    m.signals.push(data);
    return data;
  }

  private asValueShape(): Value {
    return new Value('undef', this.type.width, this.type.kind === 'sint');
  }
  private checkOwner(frame: Frame, loc: SourceLoc | undefined): void {
    if (frame.module !== this.owner) throw new ElaborationError('CROSS MODULE REFERENCE', `memory ${this.name} belongs to ${this.owner.instancePath}`, undefined, locToString(loc));
  }
}

// ---------------------------------------------------------------------------
// Modules

export interface Instance { name: string; module: Module; loc: SourceLoc | undefined }

export abstract class Module {
  /** Filled in when the module is instantiated or elaborated. */
  parent?: Module;
  instanceName = '';
  readonly clocking: Clocking | null;
  readonly ns = new Namespace();
  readonly signals: Signal[] = [];
  readonly portSignals: Signal[] = [];
  readonly mems: Mem[] = [];
  readonly instances: Instance[] = [];
  readonly stmts: Stmt[] = [];
  readonly declLoc: SourceLoc | undefined;
  private built = false;
  get isBuilt(): boolean {
    return this.built;
  }

  constructor(opts: ModuleOptions = {}) {
    this.declLoc = callerLoc();
    const clock = opts.clock === undefined ? 'clock' : opts.clock;
    if (clock === null) {
      this.clocking = null;
    } else {
      const r = opts.reset === undefined ? { name: 'reset', activeLow: false } : opts.reset;
      const reset = typeof r === 'string' ? { name: r, activeLow: false } : r;
      this.clocking = { clock, reset };
      this.ns.claim(clock, this.declLoc, this.constructor.name);
      if (reset) this.ns.claim(reset.name, this.declLoc, this.constructor.name);
    }
  }

  /** The Verilog module name. Override to include the generator's parameters. */
  get moduleName(): string {
    return this.constructor.name;
  }

  /** One line (or a few) on what the module does, its latency and throughput; printed atop its Verilog. */
  get doc(): string | undefined {
    return undefined;
  }

  get instancePath(): string {
    return this.parent ? `${this.parent.instancePath}.${this.instanceName}` : this.moduleName;
  }

  /** Declares the ports: `this.io = this.ports({ in: In(UInt(8)), out: Out(UInt(8)) })`. */
  protected ports<P extends Record<string, PortSpec>>(spec: P): { [K in keyof P]: Hw<P[K]['type']> } {
    const loc = callerLoc();
    const out: Record<string, unknown> = {};
    for (const [key, p] of Object.entries(spec)) {
      out[key] = buildHw(p.type, (leaf, path, flipped) => {
        const name = [key, ...path].join('_');
        const out = (p.dir === 'output') !== flipped;
        const sig = new Signal(name, out ? 'output' : 'input', leaf, this, loc);
        this.ns.claim(name, loc, this.moduleName);
        this.portSignals.push(sig);
        return sig;
      });
    }
    return out as { [K in keyof P]: Hw<P[K]['type']> };
  }

  /** Describes the module's logic. Called once, by instance() or elaborate(). */
  protected abstract build(): void;

  /** @internal Runs build() with this module as the target of the DSL's free functions. */
  runBuild(): void {
    if (this.built) {
      throw new ElaborationError('BAD STRUCTURE', `${this.moduleName} was already instantiated; create a new object for each instance`, undefined, locToString(callerLoc()));
    }
    this.built = true;
    frames.push({ module: this, block: this.stmts, conds: [] });
    pushLineScope();
    try {
      this.build();
    } finally {
      popLineScope();
      frames.pop();
    }
  }
}

/** Instantiates a child module in the module being built; returns it (its ports are ready to connect). */
export function instance<M extends Module>(child: M, name?: string): M {
  const loc = callerLoc();
  const frame = currentFrame('instance()', loc);
  const parent = frame.module;
  if (child.parent) throw new ElaborationError('BAD STRUCTURE', `${child.moduleName} is already an instance in ${child.parent.instancePath}`, undefined, locToString(loc));
  child.parent = parent;
  child.instanceName = name ? parent.ns.claim(name, loc, parent.instancePath) : parent.ns.fresh(inferName(loc) ?? child.moduleName.toLowerCase(), loc);
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
function requireClocking(m: Module, what: string, base: string, withReset: boolean, loc: SourceLoc | undefined): void {
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
  const loc = callerLoc();
  const frame = currentFrame('Reg()', loc);
  const m = frame.module;
  const base = opts.name ?? inferName(loc) ?? 'reg';
  requireClocking(m, 'register', base, opts.init !== undefined, loc);
  const hw = buildHw(type, (leaf, path) => newSignal('reg', leaf, path, base, opts.name !== undefined, m, loc));
  if (opts.init !== undefined) applyInit(type, hw, opts.init, 'init', loc);
  return hw;
}

/** A register that takes `v` every cycle (or while `en`): one cycle of delay. */
export function RegNext(v: Value, opts: { init?: ValueLike; en?: ValueLike; name?: string } = {}): Signal {
  const loc = callerLoc();
  const frame = currentFrame('RegNext()', loc);
  const m = frame.module;
  const base = opts.name ?? inferName(loc) ?? 'regNext';
  requireClocking(m, 'register', base, opts.init !== undefined, loc);
  const r = newSignal('reg', { kind: v.signed ? 'sint' : 'uint', width: v.width }, [], base, opts.name !== undefined, m, loc);
  if (opts.init !== undefined) r.init = fitTo(opts.init, r, loc);
  const en = opts.en === undefined ? undefined : asCond(opts.en, loc);
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
  const loc = callerLoc();
  const m = currentFrame('Wire()', loc).module;
  const base = opts.name ?? inferName(loc) ?? 'wire';
  const hw = buildHw(type, (leaf, path) => newSignal('wire', leaf, path, base, opts.name !== undefined, m, loc));
  if (opts.default !== undefined) applyInit(type, hw, opts.default, 'default', loc);
  return hw;
}

/** A named wire carrying `v`: names an intermediate value in the Verilog. */
export function named(v: Value, name?: string): Signal {
  const loc = callerLoc();
  const frame = currentFrame('named()', loc);
  const m = frame.module;
  const s = newSignal('wire', { kind: v.signed ? 'sint' : 'uint', width: v.width }, [], name ?? inferName(loc) ?? 'named', name !== undefined, m, loc);
  s.default = v;
  return s;
}

/** A memory of `depth` words of a ground type (depth >= 2; use Reg for one word). */
export function Memory(depth: number, type: GroundType, opts: { name?: string } = {}): Mem {
  const loc = callerLoc();
  const m = currentFrame('Memory()', loc).module;
  const base = opts.name ?? inferName(loc) ?? 'mem';
  if (!Number.isInteger(depth) || depth < 2) {
    throw new ElaborationError('BAD WIDTH', `memory depth must be an integer >= 2 (got ${depth}); use a Reg for a single word`, `${m.instancePath}.${base}`, locToString(loc));
  }
  requireClocking(m, 'memory', base, false, loc);
  const name = opts.name ? m.ns.claim(opts.name, loc, m.instancePath) : m.ns.fresh(base, loc);
  const mem = new Mem(name, depth, type, m, loc);
  m.mems.push(mem);
  return mem;
}

/**
 * Bulk connection, `dst <- src`: each non-flipped leaf of dst is driven by the
 * matching leaf of src, and each flipped leaf of src by the matching leaf of
 * dst. `connect(fifo.io.enq, this.io.in)` drives enq.valid/bits from in and
 * in.ready from enq.ready.
 */
export function connect<T>(dst: T, src: T, type?: HwType): void {
  const loc = callerLoc();
  const t = type ?? inferType(dst, loc);
  const d = leaves(t, dst);
  const s = leaves(t, src);
  for (let i = 0; i < d.length; i++) {
    const a = d[i]!, b = s[i]!;
    const [sink, source] = a.flipped ? [b.sig, a.sig] : [a.sig, b.sig];
    if (!(sink instanceof Signal)) {
      throw new ElaborationError('BAD STRUCTURE', `connect(): leaf ${a.path.join('.')} would drive a computed value, not a signal`, undefined, locToString(loc));
    }
    const frame = currentFrame('connect()', loc);
    checkDrivable(sink, frame.module, loc);
    const value = fitTo(source, sink, loc);
    frame.block.push({ kind: 'connect', target: sink, value, loc });
  }
}

/** Rebuilds the type of a port or signal tree from the signals' own types and directions. */
export function inferType(hw: unknown, loc?: SourceLoc): HwType {
  if (hw instanceof Signal) return hw.type;
  if (hw instanceof Value) return { kind: hw.signed ? 'sint' : 'uint', width: hw.width };
  if (Array.isArray(hw)) {
    if (hw.length === 0) throw new ElaborationError('BAD STRUCTURE', 'an empty Vec', undefined, locToString(loc));
    return { kind: 'vec', length: hw.length, elem: inferType(hw[0], loc) };
  }
  if (typeof hw === 'object' && hw !== null) {
    // Flip a field when its leaves flow opposite to the first leaf's direction.
    const entries = Object.entries(hw as Record<string, unknown>);
    const dirOf = (x: unknown): string | undefined => {
      if (x instanceof Signal) return x.kind === 'input' || x.kind === 'output' ? x.kind : undefined;
      if (x instanceof Value) return undefined;
      const first = Array.isArray(x) ? x[0] : Object.values(x as Record<string, unknown>)[0];
      return first === undefined ? undefined : dirOf(first);
    };
    const ref = entries.length ? dirOf(entries[0]![1]) : undefined;
    const fields: Record<string, FieldSpec> = {};
    for (const [k, v] of entries) fields[k] = { type: inferType(v, loc), flip: ref !== undefined && dirOf(v) !== undefined && dirOf(v) !== ref };
    return { kind: 'bundle', fields };
  }
  throw new ElaborationError('BAD STRUCTURE', `not hardware: ${String(hw)}`, undefined, locToString(loc));
}

/** Packs a value tree into one UInt, first leaf in the most significant bits. */
export function pack(hw: unknown, type?: HwType): Value {
  const t = type ?? inferType(hw);
  const ls = leaves(t, hw).map((l) => l.sig);
  if (ls.length === 1) return ls[0]!.asUInt();
  return ls.slice(1).reduce((acc: Value, v) => new Value('cat', acc.width + v.width, false, [acc, v]), ls[0]!.asUInt());
}

/** Unpacks a UInt into a value tree of type T (inverse of pack). */
export function unpack<T extends HwType>(type: T, bits: Value): HwValue<T> {
  if (bits.width !== bitWidth(type)) {
    throw new ElaborationError('WIDTH MISMATCH', `unpack: ${typeToString(type)} is ${bitWidth(type)} bits, the value ${bits.width}`, undefined, locToString(callerLoc()));
  }
  let hi = bits.width;
  const build = (t: HwType): unknown => {
    if (isGround(t)) {
      const v = bits.bits(hi - 1, hi - t.width).asKind(t.kind === 'sint');
      hi -= t.width;
      return v;
    }
    if (t.kind === 'vec') return Array.from({ length: t.length }, () => build(t.elem));
    const o: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(t.fields as Record<string, FieldSpec>)) o[k] = build(f.type);
    return o;
  };
  return build(type) as HwValue<T>;
}

