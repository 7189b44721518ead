/**
 * The IR: a plain-data netlist, what elaboration produces and the only thing
 * a back end reads. No classes and no behaviour: modules, ports, signals,
 * memories, instances, driver expressions (a DAG of `Expr` nodes with exact
 * widths) and source locations. A node shared by several readers is the same
 * object, so a back end can tell shared subexpressions from repeated ones.
 *
 * Every node's operands already have the node's width (the builder inserts
 * explicit `ext` nodes, see generator/hdl/ir.ts), so a back end prints each
 * node without relying on an output language's own width rules.
 */
import type { SourceLoc } from './loc';

export type ExprOp =
  | 'lit' | 'undef'
  | 'add' | 'sub' | 'mul'
  | 'and' | 'or' | 'xor' | 'not'
  | 'dshl' | 'dshr'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'mux' | 'slice' | 'cat' | 'ext' | 'cast'
  | 'andr' | 'orr' | 'xorr';

/** An expression node (anything but a signal reference). */
export interface ExprNode {
  readonly op: ExprOp;
  readonly width: number;
  readonly signed: boolean;
  readonly args: readonly Expr[];
  /** slice: [hi, lo]; compare: [1 when signed]; otherwise []. */
  readonly params: readonly number[];
  /** Literal bits, as an unsigned integer below 2^width (op 'lit'). */
  readonly lit?: bigint;
  /** A literal that is an Enum's member: a back end prints it as a named constant (`<enumName>_<member>`). */
  readonly member?: { readonly enumName: string; readonly name: string };
  /** The user's name for this value (a hint for a back end's temporaries). */
  readonly name?: string;
  /** Where it was built. */
  readonly loc?: SourceLoc;
}

export type SignalKind = 'input' | 'output' | 'wire' | 'reg' | 'memread' | 'memcomb';

/** A named signal; used directly as the expression that reads it. */
export interface NetSignal {
  readonly op: 'ref';
  readonly width: number;
  readonly signed: boolean;
  readonly args: readonly Expr[];
  readonly params: readonly number[];
  readonly name: string;
  readonly kind: SignalKind;
  readonly loc: SourceLoc | undefined;
  /** Reset value of a register with a reset. */
  readonly init?: Expr;
  /**
   * A register with an enable (RegNext's `gated`) whose next-state logic a back
   * end may evaluate only while the enable holds: the Verilog back end prints
   * the logic only it reads inside the register's clocked block, under its
   * enable, so a cycle-based simulator skips it in idle cycles.
   */
  readonly gated?: boolean;
}

export type Expr = ExprNode | NetSignal;

/** A combinational signal's driver (wire, output, a child's input). */
export interface CombDriver {
  readonly target: NetSignal;
  readonly value: Expr;
  /** The last connection that contributed. */
  readonly loc: SourceLoc | undefined;
}

/** A register's next-state expression (may read the register itself: hold). */
export interface RegDriver {
  readonly target: NetSignal;
  readonly value: Expr;
  readonly loc: SourceLoc | undefined;
  /** Where each value the register takes was assigned (per-branch locators). */
  readonly branchLocs: ReadonlyMap<Expr, SourceLoc>;
}

/** A write port; with `lo`, it writes only bits lo .. lo + data.width - 1 of the word (a masked lane). */
export interface NetMemWrite { readonly addr: Expr; readonly data: Expr; readonly en: Expr; readonly loc: SourceLoc | undefined; readonly lo?: number }
export interface NetMemRead { readonly addr: Expr; readonly en: Expr; readonly sync: boolean; readonly data: NetSignal; readonly loc: SourceLoc | undefined }

/** A memory: writes and synchronous reads at the clock edge, read-first; words not reset. */
export interface NetMemory {
  readonly name: string;
  readonly depth: number;
  readonly width: number;
  readonly signed: boolean;
  readonly loc: SourceLoc | undefined;
  readonly writes: readonly NetMemWrite[];
  readonly reads: readonly NetMemRead[];
}

/** A verification statement: checked (assert/assume/cover) or printed (printf) at each clock edge outside reset where `en` holds. */
export interface NetCheck {
  readonly kind: 'assert' | 'assume' | 'cover' | 'printf';
  readonly cond: Expr;
  readonly en: Expr;
  /** The message, or printf's Verilog format string (escaped). */
  readonly message: string;
  readonly args: readonly Expr[];
  readonly loc: SourceLoc | undefined;
}

export interface NetInstance {
  readonly name: string;
  readonly module: NetModule;
  readonly loc: SourceLoc | undefined;
}

export interface NetClocking {
  readonly clock: string;
  readonly reset: { readonly name: string; readonly activeLow: boolean } | null;
}

/** One elaborated module instance. */
export interface NetModule {
  /** The wanted output name (`moduleName`); a back end may suffix it when two differ. */
  readonly name: string;
  /** The TypeScript class that described it. */
  readonly className: string;
  /** Hierarchical instance path (for messages). */
  readonly path: string;
  readonly loc: SourceLoc | undefined;
  readonly doc: string | undefined;
  readonly clocking: NetClocking | null;
  /** Whether the module (or a child) has clocked state / a register with reset. */
  readonly usesClock: boolean;
  readonly usesReset: boolean;
  /** Ports in declaration order (kind 'input' or 'output'). */
  readonly ports: readonly NetSignal[];
  /** Live internal signals (wires, registers, memory read data), in creation order. */
  readonly signals: readonly NetSignal[];
  readonly memories: readonly NetMemory[];
  readonly instances: readonly NetInstance[];
  /** Drivers of the module's wires, outputs and its children's inputs. */
  readonly comb: ReadonlyMap<NetSignal, CombDriver>;
  /** Next state of each live register, in creation order. */
  readonly regs: readonly RegDriver[];
  /** Verification statements (simulation and formal only; never synthesised). */
  readonly checks: readonly NetCheck[];
  /** Every identifier the module's source already uses (a back end's temporaries avoid them). */
  readonly names: readonly string[];
  /**
   * Set on an instance that reuses the elaboration of an earlier one (same
   * class and `definitionKey`): everything but `path` and `ports` is that
   * module's (shared), its ports are its own in the same order, and a back end
   * prints the definition once. Such an instance is not in `Netlist.modules`.
   */
  readonly definition?: NetModule;
}

export interface Netlist {
  readonly top: NetModule;
  /** Every module instance elaborated, children before parents (the top last); an instance that reuses a definition is reached only through its parent's `instances`. */
  readonly modules: readonly NetModule[];
}

/** A literal's value as a signed integer when the node is signed. */
export function litValue(e: Expr): bigint {
  const x = e.op === 'lit' ? (e as ExprNode).lit! : 0n;
  return e.signed && e.width > 0 && (x >> BigInt(e.width - 1)) & 1n ? x - (1n << BigInt(e.width)) : x;
}
