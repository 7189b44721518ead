/**
 * Verification statements: `assert`, `assume`, `cover` and `printf` inside a
 * module's build(). Each applies under the enclosing `when`s and is checked
 * at every rising clock edge outside reset. The Verilog back end prints them
 * inside `ifndef SYNTHESIS`, so synthesis never sees them:
 *  - under `ifdef FORMAL` (Yosys `read_verilog -formal`) as SystemVerilog
 *    immediate assert/assume/cover, for `tcast formal`;
 *  - otherwise (Verilator, Icarus) as Verilog-2005: a failed assert or assume
 *    prints `tcast-assert: MESSAGE @[file:line]` and calls $finish (the
 *    harnesses turn it into an error with the cycle); printf is a $write.
 * Logic built only for a check (a shadow counter, say) is kept by
 * elaboration and removed by synthesis as unread.
 */
import { ElaborationError } from './errors';
import { Value, toValue, type ValueLike } from './ir';
import type { Module } from './module';
import { asCond, currentFrame, pathCondition } from './builder';
import { callerLoc, locToString, type SourceLoc } from './source';

export type CheckKind = 'assert' | 'assume' | 'cover';

export interface VerifStmt {
  kind: CheckKind | 'printf';
  /** The property (assert/assume/cover); 1 for printf. */
  cond: Value;
  /** The enclosing `when` conditions. */
  en: Value;
  /** The message (checks) or the format (printf), Verilog-ready. */
  message: string;
  args: Value[];
  loc: SourceLoc | undefined;
}

const stmtsOf = new WeakMap<Module, VerifStmt[]>();

/** The verification statements recorded in a module's build(). */
export function verifStmts(m: Module): readonly VerifStmt[] {
  return stmtsOf.get(m) ?? [];
}

function record(kind: VerifStmt['kind'], cond: ValueLike, message: string, args: Value[], loc: SourceLoc | undefined): void {
  const frame = currentFrame(`${kind}()`, loc);
  const m = frame.module;
  if (!m.clocking) {
    throw new ElaborationError('REGISTER WITHOUT CLOCK', `${kind}() is checked at the clock edge, but ${m.moduleName} was declared without a clock (clock: null)`, m.instancePath, locToString(loc));
  }
  if (typeof message !== 'string') throw new ElaborationError('BAD PARAMETER', `${kind}() needs a message string`, m.instancePath, locToString(loc));
  const list = stmtsOf.get(m) ?? [];
  stmtsOf.set(m, list);
  list.push({ kind, cond: asCond(cond, loc), en: pathCondition(frame), message, args, loc });
}

/** One line of text usable in a Verilog string and a comment. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/\\/g, '/').replace(/"/g, "'").trim();
}

/** Fails the simulation (and the formal check) when `cond` is false where this statement applies. */
export function assert(cond: ValueLike, message: string): void {
  record('assert', cond, oneLine(message), [], callerLoc());
}

/** Constrains the inputs for formal checks; in simulation a violated assumption fails like an assert. */
export function assume(cond: ValueLike, message: string): void {
  record('assume', cond, oneLine(message), [], callerLoc());
}

/** A condition the formal tools should be able to reach (ignored in simulation). */
export function cover(cond: ValueLike, message: string): void {
  record('cover', cond, oneLine(message), [], callerLoc());
}

/**
 * Prints at each rising edge (outside reset) where this statement applies:
 * `printf('count=%d ready=%b\n', count, ready)`. Conversions: %d (decimal),
 * %x (hex), %b (binary), %o (octal), %% (a percent sign).
 */
export function printf(format: string, ...values: ValueLike[]): void {
  const loc = callerLoc();
  const specs = [...format.matchAll(/%(.)/g)].map((m) => m[1]!).filter((c) => c !== '%');
  const badSpec = specs.find((c) => !'dxbo'.includes(c));
  if (badSpec !== undefined) throw new ElaborationError('BAD PARAMETER', `printf: %${badSpec} is not a conversion; use %d, %x, %b, %o or %%`, undefined, locToString(loc));
  if (specs.length !== values.length) throw new ElaborationError('BAD PARAMETER', `printf: the format has ${specs.length} conversion(s) but ${values.length} value(s) follow it`, undefined, locToString(loc));
  const verilog = format
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/%([dxbo])/g, (_m, c: string) => `%0${c === 'x' ? 'h' : c}`);
  record('printf', 1, verilog, values.map((v) => toValue(v)), loc);
}
