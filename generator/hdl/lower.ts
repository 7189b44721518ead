/**
 * Lowering: from the builder's objects (Module, Signal, Value, Mem) after
 * elaboration to the plain-data netlist (generator/netlist), the only thing a
 * back end reads.
 */
import type { CombDriver, Expr, ExprNode, ExprOp, NetMemory, NetModule, NetSignal, Netlist, RegDriver } from '../netlist/netlist';
import type { ModuleNet } from './elaborate';
import { EnumMember } from './enum';
import { Value } from './ir';
import type { Mem } from './memory';
import type { Module } from './module';
import { Signal } from './signal';
import type { SourceLoc } from './source';
import { verifStmts } from './verify';

export function lower(nets: readonly ModuleNet[]): Netlist {
  const sigs = new Map<Signal, NetSignal>();
  const exprs = new Map<Value, Expr>();
  const mods = new Map<Module, NetModule>();

  const sig = (s: Signal): NetSignal => {
    let n = sigs.get(s);
    if (!n) {
      // Registered before the init is lowered: an init may not refer back to it, but be safe.
      const out: { -readonly [K in keyof NetSignal]: NetSignal[K] } = { op: 'ref', width: s.width, signed: s.signed, args: [], params: [], name: s.name, kind: s.kind, loc: s.loc };
      n = out;
      sigs.set(s, n);
      if (s.init) out.init = expr(s.init);
      if (s.gated) out.gated = true;
    }
    return n;
  };
  const expr = (v: Value): Expr => {
    if (v instanceof Signal) return sig(v);
    let e = exprs.get(v);
    if (e) return e;
    const op: ExprOp = v.op as Exclude<Value['op'], 'ref'>;
    // Built field by field (no spread of temporary objects), in the same key order.
    const node: { -readonly [K in keyof ExprNode]: ExprNode[K] } = { op, width: v.width, signed: v.signed, args: v.args.map(expr), params: v.params };
    if (v.lit !== undefined) node.lit = v.lit;
    if (v instanceof EnumMember) node.member = { enumName: v.enumName, name: v.member };
    const name = v.userName;
    if (name !== undefined) node.name = name;
    if (v.loc) node.loc = v.loc;
    e = node;
    exprs.set(v, e);
    return e;
  };
  const memory = (m: Mem): NetMemory => ({
    name: m.name,
    depth: m.depth,
    width: m.type.width,
    signed: m.type.kind === 'sint',
    loc: m.loc,
    writes: m.writes.map((w) => ({ addr: expr(w.addr), data: expr(w.data), en: expr(w.en), loc: w.loc, ...(w.lo !== undefined ? { lo: w.lo } : {}) })),
    reads: m.reads.map((r) => ({ addr: expr(r.addr), en: expr(r.en), sync: r.sync, data: sig(r.data), loc: r.loc })),
  });

  /** An instance that reuses a definition: the definition's body, its own ports (in the same order) and path. */
  const instanceOf = (c: Module): NetModule => {
    if (!c.definition) return mods.get(c)!;
    const def = mods.get(c.definition)!;
    return { ...def, path: c.instancePath, ports: c.portSignals.map(sig), definition: def };
  };
  const modules: NetModule[] = [];
  for (const net of nets) {
    const m = net.module;
    const comb = new Map<NetSignal, CombDriver>();
    for (const [s, d] of net.comb) {
      const target = sig(s);
      comb.set(target, { target, value: expr(d.value), loc: d.loc });
    }
    const regs: RegDriver[] = [];
    for (const [r, d] of net.regs) {
      const branchLocs = new Map<Expr, SourceLoc>();
      for (const [v, loc] of net.assignLocs.get(r) ?? []) branchLocs.set(expr(v), loc);
      regs.push({ target: sig(r), value: expr(d.value), loc: d.loc, branchLocs });
    }
    const nm: NetModule = {
      name: m.moduleName,
      className: m.constructor.name,
      path: m.instancePath,
      loc: m.declLoc,
      doc: m.doc,
      clocking: m.clocking ? { clock: m.clocking.clock, reset: m.clocking.reset ? { ...m.clocking.reset } : null } : null,
      usesClock: net.usesClock,
      usesReset: net.usesReset,
      ports: m.portSignals.map(sig),
      signals: net.live.map(sig),
      memories: net.mems.map(memory),
      instances: m.instances.map((i) => ({ name: i.name, module: instanceOf(i.module), loc: i.loc })),
      comb,
      regs,
      checks: verifStmts(m).map((v) => ({ kind: v.kind, cond: expr(v.cond), en: expr(v.en), message: v.message, args: v.args.map(expr), loc: v.loc })),
      names: m.ns.names(),
    };
    mods.set(m, nm);
    modules.push(nm);
  }
  return { top: modules[modules.length - 1]!, modules };
}
