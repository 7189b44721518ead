/**
 * Modules: the class a design extends, its ports and clocking.
 *
 * A module is a class. Its constructor takes the generator's knobs and
 * declares the ports (`this.io = this.ports({...})`); its `build()` method
 * describes the logic with the builder's free functions (Reg, Wire, when, ...,
 * in builder.ts), which act on the module being built. `instance(new
 * Child(...))` builds a child right away, so the parent can use the child's
 * ports on the next line.
 *
 * This file also re-exports the builder, signals, memories and aggregates, so
 * `import { Reg, when, Module } from './module'` keeps working.
 */
import { ElaborationError } from './errors';
import { frames, type Stmt } from './builder';
import { buildHw, type Hw } from './hw';
import type { Mem } from './memory';
import { Signal } from './signal';
import { Value, discardedError, endBuildGroups, takeSuspects } from './ir';
import { callerLoc, currentBuildId, definitionLoc, enterBuild, exitBuild, isLibraryFile, locToString, type SourceLoc } from './source';
import type { HwType } from './types';
import { Namespace } from '../netlist/names';

export { Signal, notInstantiated } from './signal';
export type { SignalKind } from './signal';
export { WhenChain, when, switchOn, currentModule, instance, Reg, RegNext, Wire, named, connect } from './builder';
export type { ConnectStmt, WhenStmt, Stmt, SwitchBuilder, SignalOptions, WireOptions } from './builder';
export { forEachLeaf, leaves, inferType, pack, unpack } from './hw';
export type { Hw, HwValue } from './hw';
export { Mem, Memory } from './memory';
export type { MemReadPort, MemWritePort } from './memory';
export { Namespace, VERILOG_KEYWORDS } from '../netlist/names';

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
  /** @internal Iterations seen per binding site inside a loop (for `lane_3`). */
  readonly loopCounters = new Map<string, number>();
  private built = false;
  get isBuilt(): boolean {
    return this.built;
  }

  constructor(opts: ModuleOptions = {}) {
    this.declLoc = definitionLoc();
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

  /** DISCARDED HARDWARE VALUE: a value JavaScript consumed (an `if` on it, say) that no hardware reads. */
  private checkDiscarded(ctx: number): void {
    const suspects = takeSuspects(ctx);
    if (!suspects.length) return;
    const used = new Set<Value>();
    const visit = (v: Value | undefined): void => {
      if (!v || used.has(v)) return;
      used.add(v);
      for (const a of v.args) visit(a);
    };
    const walk = (block: readonly Stmt[]): void => {
      for (const st of block) {
        if (st.kind === 'connect') visit(st.value);
        else { visit(st.cond); walk(st.then); walk(st.else); }
      }
    };
    walk(this.stmts);
    for (const s of this.signals) { visit(s.init); visit(s.default); }
    for (const m of this.mems) {
      for (const w of m.writes) { visit(w.addr); visit(w.data); visit(w.en); }
      for (const r of m.reads) { visit(r.addr); visit(r.en); }
    }
    const bad = suspects.find((s) => !used.has(s.value));
    if (bad) throw discardedError(bad.dropped, this.instancePath);
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
    enterBuild(this.declLoc !== undefined && isLibraryFile(this.declLoc.file));
    try {
      this.build();
      this.checkDiscarded(currentBuildId());
    } finally {
      endBuildGroups(currentBuildId());
      exitBuild();
      frames.pop();
    }
  }
}

