/**
 * Signals: the named leaves of hardware (ports, wires, registers, memory read
 * data) and the checks every connection to one goes through.
 */
import { ElaborationError } from './errors';
import { Value, toValue, type ValueLike } from './ir';
import { currentFrame } from './builder';
import type { MemReadPort } from './memory';
import type { Module } from './module';
import { callerLoc, locToString, type SourceLoc } from './source';
import { typeToString, type GroundType } from './types';
import type { SignalKind } from '../netlist/netlist';

export type { SignalKind };

/** A named leaf of hardware state or wiring. */
export class Signal extends Value {
  /** Reset value of a register (undefined: a register without reset). */
  init?: Value;
  /** A register whose next-state logic may be evaluated only while its enable holds (RegNext's `gated`). */
  gated?: boolean;
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
export function fitTo(v: ValueLike, target: Signal, loc: SourceLoc | undefined): Value {
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

export function checkDrivable(sig: Signal, m: Module, loc: SourceLoc | undefined): void {
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
