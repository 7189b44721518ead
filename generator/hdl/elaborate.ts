/**
 * Elaboration: from the statements a module's build() recorded to one driver
 * expression per signal, with the checks that make a design well formed.
 *
 *  - last-connect folding: nested whens become muxes; a register's unassigned
 *    paths hold its value; a combinational signal's unassigned path is an
 *    error (NOT FULLY INITIALIZED), so no latch can come out of it;
 *  - every expression refers only to its own module's signals and its direct
 *    children's ports (CROSS MODULE REFERENCE);
 *  - dead internal signals are dropped (nothing reads them);
 *  - the combinational graph of the whole hierarchy has no cycle
 *    (COMBINATIONAL LOOP, printed as the loop's signals with their lines);
 *  - the result is lowered to the plain-data netlist a back end reads.
 */
import { ElaborationError } from './errors';
import { Value, builtByCore, mux } from './ir';
import { Mem, Module, Signal, notInstantiated, type Stmt } from './module';
import { locToString, saveNameTables, type SourceLoc } from './source';
import { verifStmts } from './verify';
import { lower } from './lower';
import { withBaselineJit } from './jit';
import type { Netlist } from '../netlist/netlist';

export interface ModuleNet {
  module: Module;
  /** Driver of each combinational signal this module drives (wires, outputs, child inputs, named values). */
  comb: Map<Signal, { value: Value; loc: SourceLoc | undefined }>;
  /** Next-state expression of each live register (may refer to the register itself). */
  regs: Map<Signal, { value: Value; loc: SourceLoc | undefined }>;
  /** Where each value a register takes was assigned (per-branch locators). */
  assignLocs: Map<Signal, Map<Value, SourceLoc>>;
  /** Live memories and memory read-data signals. */
  mems: Mem[];
  /** Internal signals that survive dead-signal removal, in creation order. */
  live: Signal[];
  usesClock: boolean;
  usesReset: boolean;
}

/** What elaboration produces: the plain-data netlist (generator/netlist). */
export type Elaborated = Netlist;

/** Builds the top module (and so its whole hierarchy), elaborates it and lowers it to the netlist. */
export function elaborate(top: Module): Netlist {
  return withBaselineJit(() => elaborateTop(top));
}

function elaborateTop(top: Module): Netlist {
  try {
    if (!top.isBuilt) top.runBuild();
    // From here on, no user code runs: the nodes built are the core's own.
    return builtByCore(() => {
      const nets: ModuleNet[] = [];
      const seen = new Set<Module>();
      const visit = (m: Module): void => {
        // An instance that reuses a definition has nothing of its own to
        // elaborate: its definition is elaborated (here, at its first use, when
        // it was built for another design of a DefinitionScope).
        if (m.definition) return visit(m.definition);
        if (seen.has(m)) return;
        seen.add(m);
        for (const inst of m.instances) visit(inst.module);
        nets.push(elaborateModule(m, nets));
      };
      visit(top);
      checkCombLoops(nets);
      return lower(nets);
    });
  } finally {
    saveNameTables();
  }
}

// ---------------------------------------------------------------------------

class Fold {
  /** Where a path first went unassigned (for the error message). */
  gap: SourceLoc | undefined;
  readonly locs = new Map<Value, SourceLoc>();
  constructor(readonly target: Signal, readonly undef: Value) {}
}

function hasUndef(v: Value, undef: Value): boolean {
  if (v === undef) return true;
  return v.op === 'mux' && (hasUndef(v.args[1]!, undef) || hasUndef(v.args[2]!, undef));
}

/**
 * Per block, per signal: the indices of the statements that assign it (a
 * connect to it, or a when with a branch that does), in order. A fold visits
 * only those: each signal's fold was a walk over every statement of the
 * block, so a module's elaboration grew with its signals times its statements.
 * Its keys are the signals the block assigns (a when: through either branch).
 */
const relevantIn = new WeakMap<Stmt[], Map<Signal, number[]>>();
function relevant(block: Stmt[]): Map<Signal, number[]> {
  let r = relevantIn.get(block);
  if (!r) {
    r = new Map();
    const add = (t: Signal, i: number): void => {
      const l = r!.get(t);
      if (l === undefined) r!.set(t, [i]);
      else if (l[l.length - 1] !== i) l.push(i);
    };
    block.forEach((st, i) => {
      if (st.kind === 'connect') add(st.target, i);
      else {
        for (const t of relevant(st.then).keys()) add(t, i);
        for (const t of relevant(st.else).keys()) add(t, i);
      }
    });
    relevantIn.set(block, r);
  }
  return r;
}

function foldBlock(block: Stmt[], f: Fold, cur: Value, lastLoc: { loc: SourceLoc | undefined }): Value {
  for (const i of relevant(block).get(f.target) ?? []) {
    const st = block[i]!;
    if (st.kind === 'connect') {
      cur = st.value;
      lastLoc.loc = st.loc;
      if (st.loc) f.locs.set(st.value, st.loc);
      continue;
    }
    const inThen = relevant(st.then).has(f.target);
    const inElse = relevant(st.else).has(f.target);
    const a = inThen ? foldBlock(st.then, f, cur, lastLoc) : cur;
    const b = inElse ? foldBlock(st.else, f, cur, lastLoc) : cur;
    if (a === b) { cur = a; continue; }
    if (!f.gap && (hasUndef(a, f.undef) || hasUndef(b, f.undef))) f.gap = st.loc;
    cur = mux(st.cond, a, b);
  }
  return cur;
}

function elaborateModule(m: Module, done: ModuleNet[]): ModuleNet {
  const comb = new Map<Signal, { value: Value; loc: SourceLoc | undefined }>();
  const regs = new Map<Signal, { value: Value; loc: SourceLoc | undefined }>();
  const targets = relevant(m.stmts);

  const childInputs: Signal[] = [];
  for (const inst of m.instances) for (const p of inst.module.portSignals) if (p.kind === 'input') childInputs.push(p);
  const combTargets = [
    ...m.portSignals.filter((p) => p.kind === 'output'),
    ...m.signals.filter((s) => s.kind === 'wire'),
    ...childInputs,
  ];

  for (const s of combTargets) {
    const undef = new Value('undef', s.width, s.signed);
    const f = new Fold(s, undef);
    const last = { loc: s.loc };
    const start = s.default ?? undef;
    const v = targets.has(s) ? foldBlock(m.stmts, f, start, last) : start;
    if (hasUndef(v, undef)) {
      const what = s.kind === 'input' ? `input ${s.name} of instance ${s.owner.instanceName}` : `${s.kind} ${s.name}`;
      const detail = v === undef
        ? `${what} is never assigned; connect it${s.kind === 'wire' ? ' or give it a default' : ''}`
        : `${what} is not assigned on every path (e.g. the branch not taken at ${locToString(f.gap)}); assign it in every branch or give it a default`;
      // An unconnected child input is the parent's fault: point at the instance.
      const instLoc = s.owner !== m ? m.instances.find((i) => i.module === s.owner)?.loc : undefined;
      throw new ElaborationError('NOT FULLY INITIALIZED', detail, s.path, locToString(f.gap ?? (v === undef ? instLoc : undefined) ?? last.loc ?? s.loc));
    }
    comb.set(s, { value: v, loc: last.loc });
  }
  const assignLocs = new Map<Signal, Map<Value, SourceLoc>>();
  for (const s of m.signals) {
    if (s.kind !== 'reg') continue;
    const last = { loc: s.loc };
    const f = new Fold(s, s);
    const v = targets.has(s) ? foldBlock(m.stmts, f, s, last) : s;
    regs.set(s, { value: v, loc: last.loc });
    assignLocs.set(s, f.locs);
  }

  // Cross-module references.
  const own = (x: Signal): boolean => x.owner === m || (x.owner.parent === m && (x.kind === 'input' || x.kind === 'output'));
  const seen = new Set<Value>();
  const checkRefs = (v: Value, where: { name: string }, loc: SourceLoc | undefined): void => {
    if (seen.has(v)) return;
    seen.add(v);
    if (v instanceof Signal) {
      if (!own(v)) {
        const fix = notInstantiated(v.owner) ? `${v.owner.moduleName} was never instantiated: wrap it in instance(new ${v.owner.constructor.name}(...))` : 'pass it through a port';
        throw new ElaborationError('CROSS MODULE REFERENCE', `${where.name} in ${m.instancePath} reads ${v.path}, which belongs to another module; ${fix}`, `${m.instancePath}.${where.name}`, locToString(loc));
      }
      return;
    }
    for (const a of v.args) checkRefs(a, where, loc);
  };
  for (const [s, d] of comb) checkRefs(d.value, s, d.loc);
  for (const [s, d] of regs) { checkRefs(d.value, s, d.loc); if (s.init) checkRefs(s.init, s, s.loc); }
  for (const mem of m.mems) {
    for (const w of mem.writes) { checkRefs(w.addr, mem, w.loc); checkRefs(w.data, mem, w.loc); checkRefs(w.en, mem, w.loc); }
    for (const r of mem.reads) { checkRefs(r.addr, mem, r.loc); checkRefs(r.en, mem, r.loc); }
  }
  const verifs = verifStmts(m);
  for (const v of verifs) {
    const where = { name: `${v.kind}()` };
    for (const x of [v.cond, v.en, ...v.args]) checkRefs(x, where, v.loc);
  }

  // Dead-signal removal: live = reachable from outputs and child inputs.
  const liveSet = new Set<Signal>();
  const liveMems = new Set<Mem>();
  const visited = new Set<Value>();
  const stack: Value[] = [];
  const push = (v: Value): void => { if (!visited.has(v)) { visited.add(v); stack.push(v); } };
  for (const s of combTargets) if (s.kind !== 'wire') push(comb.get(s)!.value);
  // What the verification statements read stays (synthesis drops it as unread).
  for (const v of verifs) for (const x of [v.cond, v.en, ...v.args]) push(x);
  while (stack.length) {
    const v = stack.pop()!;
    if (v instanceof Signal) {
      if (v.owner !== m || v.kind === 'input' || v.kind === 'output') {
        // Own outputs are roots already; reading one means reading its driver.
        if (v.owner === m && v.kind === 'output') push(comb.get(v)!.value);
        continue;
      }
      liveSet.add(v);
      if (v.kind === 'wire') push(comb.get(v)!.value);
      else if (v.kind === 'reg') { push(regs.get(v)!.value); if (v.init) push(v.init); }
      else if (v.memPort) {
        const p = v.memPort;
        push(p.addr); push(p.en);
        if (!liveMems.has(p.mem)) {
          liveMems.add(p.mem);
          for (const w of p.mem.writes) { push(w.addr); push(w.data); push(w.en); }
        }
      }
      continue;
    }
    for (const a of v.args) push(a);
  }
  for (const s of [...regs.keys()]) if (!liveSet.has(s)) regs.delete(s);
  for (const s of [...comb.keys()]) if (s.kind === 'wire' && !liveSet.has(s)) comb.delete(s);
  const live = m.signals.filter((s) => liveSet.has(s));
  const mems = m.mems.filter((x) => liveMems.has(x));

  const childNets = m.instances.map((i) => done.find((n) => n.module === (i.module.definition ?? i.module))!);
  const usesClock = regs.size > 0 || mems.length > 0 || verifs.length > 0 || childNets.some((n) => n.usesClock);
  const usesReset = [...regs.keys()].some((r) => r.init !== undefined) || (verifs.length > 0 && !!m.clocking?.reset) || childNets.some((n) => n.usesReset);
  return { module: m, comb, regs, assignLocs, mems, live, usesClock, usesReset };
}

// ---------------------------------------------------------------------------

function refsOf(v: Value, out: Set<Signal>, seen = new Set<Value>()): Set<Signal> {
  if (seen.has(v)) return out;
  seen.add(v);
  if (v instanceof Signal) out.add(v);
  else for (const a of v.args) refsOf(a, out, seen);
  return out;
}

function checkCombLoops(nets: ModuleNet[]): void {
  const deps = new Map<Signal, { refs: Set<Signal>; loc: SourceLoc | undefined }>();
  for (const n of nets) {
    for (const [s, d] of n.comb) deps.set(s, { refs: refsOf(d.value, new Set()), loc: d.loc });
    for (const mem of n.mems) for (const r of mem.reads) if (!r.sync) deps.set(r.data, { refs: refsOf(r.addr, new Set()), loc: r.loc });
  }
  // An instance that reuses a definition has no drivers of its own: each of
  // its outputs depends on the inputs its definition's same output reaches
  // combinationally (through the definition's logic and its children).
  const reached = new Map<Module, Map<Signal, Set<number>>>();
  const inputsReached = (d: Module, out: Signal): Set<number> => {
    let perOut = reached.get(d);
    if (!perOut) reached.set(d, (perOut = new Map()));
    let r = perOut.get(out);
    if (r) return r;
    r = new Set();
    perOut.set(out, r);
    const seen = new Set<Signal>();
    const todo = [out];
    while (todo.length) {
      const s = todo.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      if (s.owner === d && s.kind === 'input') { r.add(d.portSignals.indexOf(s)); continue; }
      if (s.owner.definition) reuseDeps(s.owner);
      for (const x of deps.get(s)?.refs ?? []) todo.push(x);
    }
    return r;
  };
  const reusedDone = new Set<Module>();
  const reuseDeps = (m: Module): void => {
    if (reusedDone.has(m)) return;
    reusedDone.add(m);
    const d = m.definition!;
    d.portSignals.forEach((p, i) => {
      if (p.kind !== 'output') return;
      const refs = new Set([...inputsReached(d, p)].map((k) => m.portSignals[k]!));
      deps.set(m.portSignals[i]!, { refs, loc: deps.get(p)?.loc });
    });
  };
  for (const n of nets) for (const i of n.module.instances) if (i.module.definition) reuseDeps(i.module);
  const state = new Map<Signal, 1 | 2>();
  const path: Signal[] = [];
  const dfs = (s: Signal): void => {
    state.set(s, 1);
    path.push(s);
    for (const r of deps.get(s)?.refs ?? []) {
      const st = state.get(r);
      if (st === 1) {
        const loop = path.slice(path.indexOf(r));
        const text = [...loop, r].map((x) => `${x.path} (${locToString(deps.get(x)?.loc ?? x.loc)})`).join(' -> ');
        throw new ElaborationError('COMBINATIONAL LOOP', `the loop is ${text}`, r.path, locToString(deps.get(r)?.loc ?? r.loc));
      }
      if (st === undefined && deps.has(r)) dfs(r);
    }
    path.pop();
    state.set(s, 2);
  };
  for (const s of deps.keys()) if (!state.has(s)) dfs(s);
}
