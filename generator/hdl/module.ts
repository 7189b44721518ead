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

/**
 * One entry of a module's `ports({...})` call as written: the key, its
 * direction and type (a bundle stays a bundle), where it was declared, and
 * the flattened port signals it became (with their path in the type). Back
 * ends that print ports grouped (an SV interface per AXI bundle) read it.
 */
export interface PortDecl {
  readonly name: string;
  readonly dir: 'input' | 'output';
  readonly type: HwType;
  readonly loc: SourceLoc | undefined;
  readonly leaves: readonly { readonly path: readonly string[]; readonly signal: Signal }[];
}

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

/**
 * The definitions built so far in each design (by its top): per class, per
 * definitionKey, the first instance. Tops that share a DefinitionScope share
 * one table.
 */
const definitions = new WeakMap<Module, Map<object, Map<string, Module>>>();
function definitionsOf(top: Module): Map<object, Map<string, Module>> {
  let d = definitions.get(top);
  if (!d) definitions.set(top, (d = new Map()));
  return d;
}

/**
 * An opt-in to reuse keyed definitions (Module.definitionKey) across designs:
 * the tops given to `share()` before they are built use one table, so a
 * definition elaborated for one design is reused by the next (its build() does
 * not run again). Each design still elaborates and prints every module it
 * instantiates, so its Verilog is the same as when generated alone; only the
 * work is shared. Plain `generate(top)` keeps reuse within one design.
 * `generateAll` (designs/emit.ts) shares one scope between the designs of a run.
 */
export class DefinitionScope {
  private readonly table = new Map<object, Map<string, Module>>();
  /** Makes `top`'s design use this scope's definitions; call before generating it. */
  share(top: Module): void {
    if (top.isBuilt || top.parent) {
      throw new ElaborationError('BAD STRUCTURE', `${top.moduleName} is already built or instantiated; give DefinitionScope.share() a fresh top module before generating it`, undefined, locToString(callerLoc()));
    }
    const own = definitions.get(top);
    if (own && own !== this.table) {
      throw new ElaborationError('BAD STRUCTURE', `${top.moduleName} already uses another DefinitionScope; share a top with one scope only`, undefined, locToString(callerLoc()));
    }
    definitions.set(top, this.table);
  }
}

export abstract class Module {
  /** Filled in when the module is instantiated or elaborated. */
  parent?: Module;
  instanceName = '';
  readonly clocking: Clocking | null;
  readonly ns = new Namespace();
  readonly signals: Signal[] = [];
  readonly portSignals: Signal[] = [];
  /** The `ports({...})` declarations, in order (see PortDecl). */
  readonly portDecls: PortDecl[] = [];
  readonly mems: Mem[] = [];
  readonly instances: Instance[] = [];
  readonly stmts: Stmt[] = [];
  readonly declLoc: SourceLoc | undefined;
  /** @internal Iterations seen per binding site inside a loop (for `lane_3`). */
  readonly loopCounters = new Map<string, number>();
  /**
   * @internal The instance whose elaboration this one reuses (same class and
   * definitionKey, built earlier in the same design, or in another design of
   * the same DefinitionScope); its build() did not run.
   */
  definition: Module | undefined;
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
      const leaves: { path: string[]; signal: Signal }[] = [];
      out[key] = buildHw(p.type, (leaf, path, flipped) => {
        const name = [key, ...path].join('_');
        const out = (p.dir === 'output') !== flipped;
        const sig = new Signal(name, out ? 'output' : 'input', leaf, this, loc);
        this.ns.claim(name, loc, this.moduleName);
        this.portSignals.push(sig);
        leaves.push({ path, signal: sig });
        return sig;
      });
      this.portDecls.push({ name: key, dir: p.dir, type: p.type, loc, leaves });
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

  /**
   * The key of this module's definition, for reuse; undefined (the default):
   * every instance builds. Two instances of the same class with the same key
   * in one design (or in the designs of one DefinitionScope) must build the
   * same hardware: the first builds, the later
   * ones reuse its elaboration (their build() does not run) and instantiate
   * the same Verilog module, which is what printing them would give anyway
   * (identical modules print once). A block whose hardware depends only on its
   * constructor's options returns them here, every default applied; a block
   * that runs code it was handed (a callback) must not.
   */
  protected get definitionKey(): string | undefined {
    return undefined;
  }

  /** Describes the module's logic. Called once, by instance() or elaborate(). */
  protected abstract build(): void;

  /** The top of the design this module is in (itself when not instantiated). */
  private topModule(): Module {
    let m = this.parent;
    if (!m) return this;
    while (m.parent) m = m.parent;
    return m;
  }

  /** Refuses to reuse `first` if what the two instances show outside differs: the key misses an option. */
  private reuse(first: Module, key: string): void {
    const port = (p: Signal): string => `${p.kind} ${p.signed ? 'SInt' : 'UInt'}(${p.width}) ${p.name}`;
    const shape = (m: Module): string[] => [
      `module ${m.moduleName}`,
      `doc ${m.doc ?? ''}`,
      `clocking ${JSON.stringify(m.clocking)}`,
      ...m.portSignals.map(port),
    ];
    const a = shape(first);
    const b = shape(this);
    const i = a.findIndex((x, k) => x !== b[k]);
    if (i >= 0 || a.length !== b.length) {
      const k = i >= 0 ? i : Math.min(a.length, b.length);
      throw new ElaborationError(
        'BAD STRUCTURE',
        `two ${this.constructor.name} instances have the same definitionKey '${key}' but differ (${a[k] ?? 'nothing'} vs ${b[k] ?? 'nothing'}); the key must include every option that changes the hardware`,
        this.instancePath,
        locToString(callerLoc()),
      );
    }
    this.definition = first;
  }

  /** @internal Runs build() with this module as the target of the DSL's free functions (or reuses an identical definition). */
  runBuild(): void {
    if (this.built) {
      throw new ElaborationError('BAD STRUCTURE', `${this.moduleName} was already instantiated; create a new object for each instance`, undefined, locToString(callerLoc()));
    }
    this.built = true;
    const key = this.definitionKey;
    const byClass = key === undefined ? undefined : definitionsOf(this.topModule());
    const first = key === undefined ? undefined : byClass?.get(this.constructor)?.get(key);
    if (first && key !== undefined) return this.reuse(first, key);
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
    if (byClass && key !== undefined) {
      let same = byClass.get(this.constructor);
      if (!same) byClass.set(this.constructor, (same = new Map()));
      same.set(key, this);
    }
  }
}

