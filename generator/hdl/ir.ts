/**
 * Expressions. A `Value` is an immutable node of exact width and signedness.
 * The builders below insert explicit extensions so that every arithmetic node
 * has operands of exactly its own width; the Verilog back end can then print
 * each node without relying on Verilog's context-dependent width rules.
 *
 * Width rules (w(x) is x's width, m = max(w(a), w(b))):
 *   add, sub          m + 1   (lossless; sub of UInt wraps modulo 2^(m+1))
 *   addWrap, subWrap  m       (wraps)
 *   mul               w(a) + w(b)   (lossless)
 *   mulWrap           m
 *   and, or, xor      m (the narrower operand extended by its signedness)
 *   shl(n)            w(a) + n;  shl(v) w(a) + 2^w(v) - 1
 *   shr(n)            max(w(a) - n, 1);  shr(v) w(a) (arithmetic for SInt)
 *   eq ne lt le gt ge 1   (signed compare when both are SInt; mixing is an error)
 *   bits(hi, lo)      hi - lo + 1, unsigned;  bit(i) 1
 *   cat(a, b, ...)    sum of widths, first argument in the most significant bits
 *   pad(w)            w (zero- or sign-extends by the value's own signedness)
 *   trunc(w)          w (explicit: the only way to drop high bits besides bits())
 */
import { ElaborationError } from './errors';
import { bindingName, callerLoc, captureHere, currentBuildId, droppedAt, fullStack, locOf, locToString, sameStack, sharedUserStack, type Dropped, type FoundName, type Here, type SourceLoc, type UserStack } from './source';
import { bitsFor, log2Up } from './types';

export type Op =
  | 'ref' | 'lit' | 'undef'
  | 'add' | 'sub' | 'mul'
  | 'and' | 'or' | 'xor' | 'not'
  | 'dshl' | 'dshr'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'mux' | 'slice' | 'cat' | 'ext' | 'cast'
  | 'andr' | 'orr' | 'xorr';

export type ValueLike = Value | number | bigint | boolean;

let nextId = 1;
/**
 * The non-leaf nodes one build() built at one stack: ranks a loop's iterations
 * for `lane_3`. The ranks (of the nodes not marked inner) are computed once,
 * when the first name is asked for, and again only if the group changed.
 */
interface StackGroup { readonly values: Value[]; ranks: Map<Value, number> | undefined }
/** The groups of each build() running (by build id), by stack; a build's entry is dropped when it ends. */
const groups = new Map<number, Map<UserStack, StackGroup>>();

/** @internal Called when a build() ends: its nodes keep their groups, the lookup table goes. */
export function endBuildGroups(ctx: number): void {
  groups.delete(ctx);
}
/** Values a build() handed to JavaScript (an `if` condition, `&&`, a dropped statement), by build id. */
const suspects = new Map<number, { value: Value; dropped: Dropped }[]>();

const TRAP_FIX = 'a hardware value is never a JavaScript boolean or number; use when(cond, () => ...) for a condition, mux(cond, a, b) for a value';

/** @internal The values a build() handed to JavaScript (if no other node read them), for the DISCARDED HARDWARE VALUE check. */
export function takeSuspects(ctx: number): { value: Value; dropped: Dropped }[] {
  const list = suspects.get(ctx) ?? [];
  suspects.delete(ctx);
  return list.filter((s) => !s.value.inner);
}

/** @internal */
export function discardedError(dropped: Dropped, where: string): ElaborationError {
  return new ElaborationError('DISCARDED HARDWARE VALUE', `\`${dropped.text}\` is used as ${dropped.how}, so JavaScript decides (an object is always true) and the hardware is dropped; ${TRAP_FIX}`, where, locToString(dropped.loc));
}

export class Value {
  readonly id = nextId++;
  /** Where the node was built (its locator; see source.ts for library helpers). */
  readonly loc: SourceLoc | undefined;
  /** Where the user's code built it (its stack, resolved as far as asked). */
  private readonly here: Here | undefined;
  /** The binding that received it, found when it was built (see source.ts). */
  private readonly found: FoundName | undefined;
  private readonly ctx: number = 0;
  /** The nodes the same build() built at the same stack, for a binding in a loop (see StackGroup). */
  private readonly group: StackGroup | undefined;
  /** Built by the same call as a later node that reads it (an operand's extension, say): never named. */
  private isInner = false;
  /** @internal */
  get inner(): boolean {
    return this.isInner;
  }
  set inner(v: boolean) {
    if (v === this.isInner) return;
    this.isInner = v;
    if (this.group) this.group.ranks = undefined;
  }
  constructor(
    readonly op: Op,
    readonly width: number,
    readonly signed: boolean,
    readonly args: readonly Value[] = [],
    /** slice: [hi, lo]; lit: [] with `lit` set. */
    readonly params: readonly number[] = [],
    /** Literal bits, as an unsigned integer below 2^width. */
    readonly lit?: bigint,
  ) {
    if (!Number.isInteger(width) || width < 1) {
      throw new ElaborationError('BAD WIDTH', `an expression (${op}) would have width ${width}; widths must be at least 1`, undefined, locToString(callerLoc()));
    }
    if (quietOperand) {
      // An operand's extension built for the node the same call builds next: never named, never located.
      this.loc = undefined;
      this.isInner = true;
    } else if (coreBuilding) {
      // Built by elaborate() itself (the mux trees of when() blocks): no user line to name or locate it.
      this.loc = undefined;
    } else if (op !== 'ref' && op !== 'lit' && op !== 'undef') {
      const h = helperStack ?? captureHere();
      this.here = h;
      this.loc = locOf(h);
      this.ctx = currentBuildId();
      for (const a of args) if (a.here !== undefined && sameStack(a.here, h)) a.inner = true;
      if (this.ctx !== 0) {
        const dropped = droppedAt(h);
        if (dropped) {
          const list = suspects.get(this.ctx);
          if (list) list.push({ value: this, dropped });
          else suspects.set(this.ctx, [{ value: this, dropped }]);
        }
      }
      this.found = bindingName(h);
      // Only a binding in a loop ranks its values (lane_0, lane_1...): the whole stack tells its groups apart.
      if (this.found?.loopKey !== undefined) {
        const st = fullStack(h);
        let perBuild = groups.get(this.ctx);
        if (perBuild === undefined) groups.set(this.ctx, (perBuild = new Map()));
        let group = perBuild.get(st);
        if (group === undefined) perBuild.set(st, (group = { values: [], ranks: undefined }));
        group.values.push(this);
        group.ranks = undefined;
        this.group = group;
      }
    } else {
      this.loc = undefined;
    }
  }

  /** The name of the binding that received this node (with the loop index inside a loop), if any. */
  get userName(): string | undefined {
    const found = this.found;
    if (!found || this.inner) return undefined;
    if (found.loopKey === undefined) return found.name;
    const g = this.group!;
    if (g.ranks === undefined) {
      g.ranks = new Map();
      for (const v of g.values) if (!v.inner) g.ranks.set(v, g.ranks.size);
    }
    return `${found.name}_${g.ranks.get(this)!}`;
  }

  /** Refuses to become a JavaScript number, string or boolean-by-comparison (`x > 3`, `x + 1`, `${x}`). */
  [Symbol.toPrimitive](): never {
    throw new ElaborationError('DISCARDED HARDWARE VALUE', `a ${this.width}-bit hardware value was converted to a JavaScript primitive (an arithmetic or comparison operator, a template string); ${TRAP_FIX}`, undefined, locToString(callerLoc()));
  }
  valueOf(): never {
    return this[Symbol.toPrimitive]();
  }

  // ---- arithmetic ------------------------------------------------------
  /** Lossless add: width max(wa, wb) + 1. */
  add(b: ValueLike): Value { return arith('add', this, b, true); }
  /** Wrapping add: width max(wa, wb). */
  addWrap(b: ValueLike): Value { return arith('add', this, b, false); }
  /** Lossless subtract: width max(wa, wb) + 1 (a UInt result wraps modulo 2^width). */
  sub(b: ValueLike): Value { return arith('sub', this, b, true); }
  /** Wrapping subtract: width max(wa, wb). */
  subWrap(b: ValueLike): Value { return arith('sub', this, b, false); }
  /** Lossless multiply: width wa + wb. */
  mul(b: ValueLike): Value {
    const [x, y] = sameKind(this, b);
    const w = x.width + y.width;
    return new Value('mul', w, x.signed, [operand(x, w), operand(y, w)]);
  }
  /** Wrapping multiply: width max(wa, wb). */
  mulWrap(b: ValueLike): Value { return this.mul(b).trunc(Math.max(this.width, toValue(b, this).width)).asKind(this.signed); }
  /** Two's complement negation of an SInt, width + 1 (lossless). */
  neg(): Value { return lit(0, this.width, this.signed).sub(this); }

  // ---- bitwise ---------------------------------------------------------
  and(b: ValueLike): Value { return bitwise('and', this, b); }
  or(b: ValueLike): Value { return bitwise('or', this, b); }
  xor(b: ValueLike): Value { return bitwise('xor', this, b); }
  not(): Value {
    if (this.op === 'not') return this.args[0]!;
    if (this.op === 'lit') return new Value('lit', this.width, this.signed, [], [], ~this.lit! & ((1n << BigInt(this.width)) - 1n));
    return new Value('not', this.width, this.signed, [this]);
  }
  andR(): Value { return this.width === 1 ? this.asUInt() : new Value('andr', 1, false, [this]); }
  orR(): Value { return this.width === 1 ? this.asUInt() : new Value('orr', 1, false, [this]); }
  xorR(): Value { return this.width === 1 ? this.asUInt() : new Value('xorr', 1, false, [this]); }

  // ---- shifts ----------------------------------------------------------
  /** Shift left; a static amount grows the width by n, a dynamic one by 2^w(v) - 1. */
  shl(n: number | Value): Value {
    if (typeof n === 'number') {
      checkNat(n, 'shift amount');
      return n === 0 ? this : cat(this, lit(0, n)).asKind(this.signed);
    }
    if (n.signed) throw typeErr('a shift amount must be a UInt');
    const w = this.width + 2 ** n.width - 1;
    if (n.width > 16) throw new ElaborationError('BAD WIDTH', `dynamic shl by a ${n.width}-bit amount would be ${w} bits wide; truncate the amount first`, undefined, locToString(callerLoc()));
    return new Value('dshl', w, this.signed, [operand(this, w), n]);
  }
  /** Shift right (arithmetic for SInt); a static amount narrows the width. */
  shr(n: number | Value): Value {
    if (typeof n === 'number') {
      checkNat(n, 'shift amount');
      if (n === 0) return this;
      if (n >= this.width) return this.signed ? this.bit(this.width - 1).asSInt() : lit(0, 1);
      return this.bits(this.width - 1, n).asKind(this.signed);
    }
    if (n.signed) throw typeErr('a shift amount must be a UInt');
    return new Value('dshr', this.width, this.signed, [this, n]);
  }

  // ---- comparisons -----------------------------------------------------
  eq(b: ValueLike): Value { return compare('eq', this, b); }
  ne(b: ValueLike): Value { return compare('ne', this, b); }
  lt(b: ValueLike): Value { return compare('lt', this, b); }
  le(b: ValueLike): Value { return compare('le', this, b); }
  gt(b: ValueLike): Value { return compare('gt', this, b); }
  ge(b: ValueLike): Value { return compare('ge', this, b); }

  // ---- bit access ------------------------------------------------------
  /** Bits hi down to lo (inclusive), unsigned. */
  bits(hi: number, lo: number): Value {
    checkNat(hi, 'bit index'); checkNat(lo, 'bit index');
    if (hi < lo || hi >= this.width) {
      throw new ElaborationError('BAD WIDTH', `bits(${hi}, ${lo}) is out of range for a ${this.width}-bit value`, undefined, locToString(callerLoc()));
    }
    if (lo === 0 && hi === this.width - 1) return this.asUInt();
    if (this.op === 'slice') {
      const base = this.params[1]!;
      return new Value('slice', hi - lo + 1, false, this.args, [hi + base, lo + base]);
    }
    return new Value('slice', hi - lo + 1, false, [this], [hi, lo]);
  }
  /** One bit, at a static or dynamic position (a dynamic one past the top reads 0). */
  bit(i: number | Value): Value {
    if (typeof i === 'number') return this.bits(i, i);
    if (i.signed) throw typeErr('a bit index must be a UInt');
    return this.asUInt().shr(i).bits(0, 0);
  }
  /** The n most significant bits. */
  head(n: number): Value { return this.bits(this.width - 1, this.width - n); }
  /** The most significant bit. */
  msb(): Value { return this.bit(this.width - 1); }

  // ---- width and kind --------------------------------------------------
  /** Extends to w bits by the value's signedness (zero for UInt, sign for SInt). */
  pad(w: number): Value {
    if (w < this.width) throw new ElaborationError('WIDTH MISMATCH', `pad(${w}) cannot narrow a ${this.width}-bit value; use trunc(${w})`, undefined, locToString(callerLoc()));
    return extendTo(this, w);
  }
  /** Zero-extends to w bits (result unsigned). */
  zext(w: number): Value { return this.asUInt().pad(w); }
  /** Sign-extends to w bits (result signed). */
  sext(w: number): Value { return this.asSInt().pad(w); }
  /** Keeps the low w bits: the explicit way to drop high bits. */
  trunc(w: number): Value {
    if (w > this.width) throw new ElaborationError('WIDTH MISMATCH', `trunc(${w}) cannot widen a ${this.width}-bit value; use pad(${w})`, undefined, locToString(callerLoc()));
    return w === this.width ? this : this.bits(w - 1, 0).asKind(this.signed);
  }
  asUInt(): Value { return this.signed ? new Value('cast', this.width, false, [this]) : this; }
  asSInt(): Value { return this.signed ? this : new Value('cast', this.width, true, [this]); }
  asKind(signed: boolean): Value { return signed ? this.asSInt() : this.asUInt(); }
  asBool(): Value {
    if (this.width !== 1) throw new ElaborationError('WIDTH MISMATCH', `asBool() needs a 1-bit value, got ${this.width} bits`, undefined, locToString(callerLoc()));
    return this.asUInt();
  }
}

// ---------------------------------------------------------------------------
function typeErr(msg: string): ElaborationError {
  return new ElaborationError('TYPE MISMATCH', msg, undefined, locToString(callerLoc()));
}
function checkNat(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new ElaborationError('BAD WIDTH', `${what} must be a non-negative integer, got ${n}`, undefined, locToString(callerLoc()));
}

/** A literal; width defaults to the fewest bits that hold it. */
export function lit(value: number | bigint | boolean, width?: number, signed = false): Value {
  let v: bigint;
  if (typeof value === 'boolean') v = value ? 1n : 0n;
  else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new ElaborationError('LITERAL OVERFLOW', `literal ${value} is not an integer`, undefined, locToString(callerLoc()));
    v = BigInt(value);
  } else v = value;
  const minW = minWidth(v, signed);
  const w = width ?? minW;
  if (minW > w) {
    throw new ElaborationError('LITERAL OVERFLOW', `literal ${v} does not fit in ${signed ? 'SInt' : 'UInt'}(${w}) (needs ${minW} bits)`, undefined, locToString(callerLoc()));
  }
  const mask = (1n << BigInt(w)) - 1n;
  return new Value('lit', w, signed, [], [], v & mask);
}
/** Unsigned literal. */
export function U(value: number | bigint, width?: number): Value { return lit(value, width, false); }
/** Signed literal. */
export function S(value: number | bigint, width?: number): Value { return lit(value, width, true); }

export function minWidth(v: bigint, signed: boolean): number {
  if (!signed) {
    if (v < 0n) return Infinity;
    let w = 1;
    while (v >> BigInt(w) !== 0n) w++;
    return w;
  }
  let w = 1;
  while (!(v >= -(1n << BigInt(w - 1)) && v < 1n << BigInt(w - 1))) w++;
  return w;
}

/** Converts a JS number/bool to a literal shaped like `like` (same signedness, at least its width if it fits). */
export function toValue(x: ValueLike, like?: Value): Value {
  if (x instanceof Value) return x;
  if (typeof x !== 'boolean' && typeof x !== 'number' && typeof x !== 'bigint') throw notValueLike(x);
  const signed = like?.signed ?? false;
  const v = typeof x === 'boolean' ? (x ? 1n : 0n) : typeof x === 'number' ? BigInt(checkInt(x)) : x;
  const need = minWidth(v, signed);
  if (need === Infinity) throw new ElaborationError('LITERAL OVERFLOW', `negative literal ${v} used with a UInt; use S(${v}) with an SInt`, undefined, locToString(callerLoc()));
  return lit(v, Math.max(need, like?.width ?? 1), signed);
}
/** The error for an operand that is neither a hardware value of this copy of tcast nor an integer literal. */
function notValueLike(x: unknown): ElaborationError {
  const o = x as { width?: unknown; args?: unknown } | null;
  if (typeof o === 'object' && o !== null && typeof o.width === 'number' && Array.isArray(o.args)) {
    return typeErr('this hardware value was built by another copy of tcast (the design was loaded twice, e.g. once as CommonJS and once as an ES module); import tcast once: make the design an ES module (.mts, or "type": "module" in its package.json) and import it from one place');
  }
  return typeErr(`expected a hardware value or an integer literal, got ${o === null ? 'null' : typeof x}`);
}
function checkInt(x: number): number {
  if (!Number.isInteger(x)) throw new ElaborationError('LITERAL OVERFLOW', `literal ${x} is not an integer`, undefined, locToString(callerLoc()));
  return x;
}

function sameKind(a: Value, bl: ValueLike): [Value, Value] {
  const b = toValue(bl, a);
  if (a.signed !== b.signed) {
    throw typeErr(`cannot mix UInt and SInt operands (${a.signed ? 'SInt' : 'UInt'}(${a.width}) with ${b.signed ? 'SInt' : 'UInt'}(${b.width})); convert one with asSInt()/asUInt()`);
  }
  return [a, b];
}

/** Extends by signedness to exactly w bits (w >= width). */
/** Set while building an operand's extension (see operand()). */
let quietOperand = false;

/**
 * Set while elaborate() builds nodes of its own (see builtByCore): they skip
 * the stack capture, the main cost of elaboration, since no user line made them.
 */
let coreBuilding = false;

/** @internal Runs `f` (part of elaborate()) with the nodes it builds marked as the core's, unnamed and unlocated. */
export function builtByCore<T>(f: () => T): T {
  const saved = coreBuilding;
  coreBuilding = true;
  try {
    return f();
  } finally {
    coreBuilding = saved;
  }
}

/**
 * The user stack of the call into a core helper that builds several nodes
 * (select, priorityMux, a Vec read tree...) and runs no user code: every node
 * it builds would capture these same user frames, so they share one capture.
 */
let helperStack: Here | undefined;

/** @internal Runs a core helper (see helperStack); nested helpers share the outermost one's stack. */
export function oneCall<T>(f: () => T): T {
  if (helperStack !== undefined || quietOperand || coreBuilding) return f();
  // The nodes are built a few frames deeper than this; the margin keeps them
  // well inside the frames a capture keeps, else each node captures its own.
  helperStack = sharedUserStack(12);
  try {
    return f();
  } finally {
    helperStack = undefined;
  }
}

/** extendTo for an operand of the node being built right after it. */
function operand(v: Value, w: number): Value {
  if (v.width === w) return v;
  quietOperand = true;
  try {
    return extendTo(v, w);
  } finally {
    quietOperand = false;
  }
}

export function extendTo(v: Value, w: number): Value {
  if (v.width === w) return v;
  if (v.op === 'lit') return lit(v.signed ? signedLitValue(v) : v.lit!, w, v.signed);
  return new Value('ext', w, v.signed, [v]);
}

export function signedLitValue(v: Value): bigint {
  const x = v.lit!;
  return v.signed && v.width > 0 && (x >> BigInt(v.width - 1)) & 1n ? x - (1n << BigInt(v.width)) : x;
}

function arith(op: 'add' | 'sub', a: Value, bl: ValueLike, grow: boolean): Value {
  const [x, y] = sameKind(a, bl);
  const m = Math.max(x.width, y.width);
  const w = grow ? m + 1 : m;
  return new Value(op, w, x.signed, [operand(x, w), operand(y, w)]);
}

function bitwise(op: 'and' | 'or' | 'xor', a: Value, bl: ValueLike): Value {
  const [x, y] = sameKind(a, bl);
  const w = Math.max(x.width, y.width);
  const [p, q] = [extendTo(x, w), extendTo(y, w)];
  // Fold the identities that library code produces when it starts an
  // accumulation from a constant (0 | x, ~0 & x, 0 ^ x).
  const ones = (1n << BigInt(w)) - 1n;
  for (const [c, o] of [[p, q], [q, p]] as const) {
    if (c.op !== 'lit') continue;
    if (c.lit === 0n && (op === 'or' || op === 'xor')) return o;
    if (c.lit === ones && op === 'and') return o;
    if (c.lit === 0n && op === 'and') return c;
  }
  return new Value(op, w, x.signed, [p, q]);
}

function compare(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: Value, bl: ValueLike): Value {
  const [x, y] = sameKind(a, bl);
  const w = Math.max(x.width, y.width);
  return new Value(op, 1, false, [operand(x, w), operand(y, w)], [x.signed ? 1 : 0]);
}

/** Concatenation, first argument in the most significant bits. */
export function cat(...vs: ValueLike[]): Value {
  const vals = vs.map((v) => toValue(v));
  if (vals.length === 0) throw new ElaborationError('BAD WIDTH', 'cat() needs at least one value', undefined, locToString(callerLoc()));
  if (vals.length === 1) return vals[0]!.asUInt();
  return new Value('cat', vals.reduce((s, v) => s + v.width, 0), false, vals);
}

/** n copies of v, concatenated. */
export function fill(n: number, v: ValueLike): Value {
  const x = toValue(v);
  return cat(...Array.from({ length: n }, () => x));
}

/** cond ? a : b. Operands are extended to the wider of the two. */
export function mux(cond: ValueLike, a: ValueLike, b: ValueLike): Value {
  const c = toValue(cond);
  if (c.width !== 1) throw new ElaborationError('WIDTH MISMATCH', `mux condition must be 1 bit, got ${c.width}`, undefined, locToString(callerLoc()));
  const av = a instanceof Value ? a : toValue(a, b instanceof Value ? b : undefined);
  const [x, y] = sameKind(av, b);
  const w = Math.max(x.width, y.width);
  if (c.op === 'lit') return c.lit === 1n ? extendTo(x, w) : extendTo(y, w);
  if (x === y) return extendTo(x, w);
  return new Value('mux', w, x.signed, [c.asUInt(), operand(x, w), operand(y, w)]);
}

/** The first value whose condition holds, else `otherwise` (a priority mux). */
export function priorityMux(cases: readonly (readonly [ValueLike, ValueLike])[], otherwise: ValueLike): Value {
  return oneCall(() => {
    let acc = toValue(otherwise);
    for (let i = cases.length - 1; i >= 0; i--) acc = mux(cases[i]![0], cases[i]![1], acc);
    return acc;
  });
}

/** Reads element `idx` of a list of values (the last one for any idx past the end). */
export function select(vals: readonly Value[], idx: Value): Value {
  if (vals.length === 0) throw new ElaborationError('BAD WIDTH', 'select() from an empty list', undefined, locToString(callerLoc()));
  if (vals.length === 1) return vals[0]!;
  return oneCall(() => {
    let acc = vals[vals.length - 1]!;
    for (let i = vals.length - 2; i >= 0; i--) acc = mux(idx.eq(i), vals[i]!, acc);
    return acc;
  });
}

/** A one-bit value that is 1 when all/any of the values are 1. */
export function andAll(...vs: ValueLike[]): Value { return oneCall(() => vs.map((v) => toValue(v)).reduce((a, b) => a.and(b))); }
export function orAny(...vs: ValueLike[]): Value { return oneCall(() => vs.map((v) => toValue(v)).reduce((a, b) => a.or(b))); }

/** Index (UInt of log2Up(width) bits) of the lowest set bit of v; 0 when v is 0. */
export function priorityEncode(v: Value): Value {
  return oneCall(() => {
    const w = log2Up(v.width);
    let acc = lit(0, w);
    for (let i = v.width - 1; i >= 0; i--) acc = mux(v.bit(i), lit(i, w), acc);
    return acc;
  });
}

export { bitsFor, log2Up };
export type { SourceLoc };
