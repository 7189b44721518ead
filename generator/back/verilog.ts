/**
 * The Verilog back end: one Verilog-2005 module per distinct elaborated
 * module, readable and deterministic.
 *
 * Every arithmetic node already has operands of its own width (see ir.ts), so
 * each prints as `a + b` without Verilog's context-dependent widening; nodes
 * read more than once, and operands that Verilog cannot slice, become
 * `_T`-prefixed wires. Registers print as one clocked always block per reset
 * kind, with the if/else structure of the source's whens. A signal of which
 * some bits are never read gets a lint_off UNUSEDSIGNAL around its own
 * declaration only (inputs a block ignores by design, unread status outputs of
 * a child); no warning is switched off for the whole file. Gated registers
 * (RegNext's `gated`) get the logic only they read printed inside their
 * clocked block under the enable, as the block's local variables
 * (docs/DSL.md, "Gated next-state logic").
 */
import { ElaborationError } from '../hdl/errors';
import { Namespace, isLegalIdentifier, litValue, locToString, reservedWhy, type Expr, type ExprNode, type NetModule, type NetSignal, type Netlist, type SourceLoc } from '../netlist';

export interface PortInfo { name: string; dir: 'input' | 'output'; width: number }
export interface VerilogModule { name: string; text: string }
export interface VerilogDesign {
  /** The top module's Verilog name. */
  top: string;
  /** Distinct modules, children before parents. */
  modules: VerilogModule[];
  /** The top's ports, clock and reset first when present. */
  ports: PortInfo[];
  clock?: string;
  reset?: { name: string; activeLow: boolean };
}

const NAME = '\u0000NAME\u0000';

/** Prints a netlist (what `elaborate()` returns) as Verilog modules. */
export function emitVerilog(e: Netlist): VerilogDesign {
  const nameOf = new Map<NetModule, string>();
  const byText = new Map<string, string>();
  const taken = new Map<string, number>();
  const modules: VerilogModule[] = [];
  for (const net of e.modules) {
    const body = emitModule(net, nameOf);
    let name = byText.get(body);
    if (!name) {
      const want = net.name;
      if (!isLegalIdentifier(want)) {
        const why = reservedWhy(want);
        throw new ElaborationError(why ? 'KEYWORD NAME' : 'NAME COLLISION', `module name '${want}' is not a usable Verilog identifier${why ? ` (${why})` : ''}; override moduleName`, net.path, locToString(net.loc));
      }
      const k = taken.get(want) ?? 0;
      taken.set(want, k + 1);
      name = k === 0 ? want : `${want}_${k}`;
      byText.set(body, name);
      modules.push({ name, text: body.split(NAME).join(name) });
    }
    nameOf.set(net, name);
  }
  const top = e.top;
  const ports: PortInfo[] = [];
  if (top.usesClock && top.clocking) ports.push({ name: top.clocking.clock, dir: 'input', width: 1 });
  if (top.usesReset && top.clocking?.reset) ports.push({ name: top.clocking.reset.name, dir: 'input', width: 1 });
  for (const p of top.ports) ports.push({ name: p.name, dir: p.kind === 'output' ? 'output' : 'input', width: p.width });
  return {
    top: nameOf.get(top)!,
    modules,
    ports,
    ...(top.usesClock && top.clocking ? { clock: top.clocking.clock } : {}),
    ...(top.usesReset && top.clocking?.reset ? { reset: { ...top.clocking.reset } } : {}),
  };
}

const range = (w: number): string => (w === 1 ? '' : `[${w - 1}:0] `);
const at = (loc: SourceLoc | undefined): string => (loc ? ` // @[${locToString(loc)}]` : '');

function literal(v: ExprNode): string {
  const w = v.width;
  if (w === 1) return `1'b${v.lit!}`;
  return `${w}'h${v.lit!.toString(16)}`;
}

const BIN: Record<string, string> = { add: '+', sub: '-', mul: '*', and: '&', or: '|', xor: '^', eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };
const RED: Record<string, string> = { andr: '&', orr: '|', xorr: '^' };

class Printer {
  readonly uses = new Map<Expr, number>();
  readonly temps = new Map<Expr, string>();
  readonly tempLines: string[] = [];
  /** Bits read of each signal (undefined entry: not read at all). */
  readonly read = new Map<Expr, boolean[]>();
  /** Enum members printed by name: one localparam each, declared atop the module. */
  readonly params = new Map<string, { name: string; line: string; enumName: string; lit: bigint }>();
  /** While printing a gated register group: its logic (temps of these nodes become the block's local variables). */
  block: { nodes: ReadonlySet<Expr>; decls: string[]; stmts: string[] } | undefined;
  constructor(readonly names: Map<NetSignal, string>, readonly ns: Namespace) {}

  /** Counts the uses of v and records which of its bits are read (lo..hi; all by default). */
  count(v: Expr, lo = 0, hi = v.width - 1): void {
    if (v.op === 'cast' && v.name === undefined) return this.count(v.args[0]!, lo, hi);
    this.markRead(v, lo, hi);
    const n = (this.uses.get(v) ?? 0) + 1;
    this.uses.set(v, n);
    if (n > 1 || v.op === 'ref') return;
    if (v.op === 'slice') return this.count(v.args[0]!, v.params[1]!, v.params[0]!);
    for (const a of v.args) this.count(a);
  }
  markRead(s: Expr, lo: number, hi: number): void {
    let bits = this.read.get(s);
    if (!bits) { bits = new Array<boolean>(s.width).fill(false); this.read.set(s, bits); }
    for (let i = lo; i <= hi; i++) bits[i] = true;
  }
  fullyRead(s: Expr): boolean {
    const b = this.read.get(s);
    return !!b && b.every(Boolean);
  }

  /** An identifier holding v (a temp when v is an expression). */
  ident(v: Expr): string {
    const s = stripCast(v);
    if (s.op === 'ref') return this.names.get(s)!;
    return this.temp(v);
  }
  temp(v: Expr): string {
    let t = this.temps.get(v);
    if (t) return t;
    const rhs = this.expr(v, true, true);
    t = this.ns.fresh(v.op === 'ref' ? '_T' : v.name ?? '_T');
    if (this.block?.nodes.has(v)) {
      this.block.decls.push(...local(`reg ${range(v.width)}${t};${at(v.loc)}`, this.fullyRead(v)));
      this.block.stmts.push(`${t} = ${rhs};`);
      this.temps.set(v, t);
      return t;
    }
    const line = `  wire ${range(v.width)}${t} = ${rhs};`;
    // A temporary read only in part (the low half of a product, say) is
    // declared at full width so the expression keeps its exact width.
    if (this.fullyRead(v)) this.tempLines.push(line);
    else this.tempLines.push(...unusedWrapped(line));
    this.temps.set(v, t);
    return t;
  }

  /** The localparam naming an enum member (declared on first use). */
  param(v: ExprNode): string {
    const { enumName, name: member } = v.member!;
    const key = `${enumName}\u0000${member}\u0000${v.width}\u0000${v.lit!}`;
    let p = this.params.get(key);
    if (!p) {
      const name = this.ns.fresh(`${enumName}_${member}`);
      p = { name, line: `  localparam ${range(v.width)}${name} = ${literal(v)};`, enumName, lit: v.lit! };
      this.params.set(key, p);
    }
    return p.name;
  }

  /** An operand of a unary operator: parenthesised unless atomic, so `~` and `&` never run together. */
  unaryOperand(v: Expr): string {
    const s = this.expr(v);
    return /^[~&|^]/.test(s) ? `(${s})` : s;
  }

  /** Prints v; `top` omits outer parentheses; `noTemp` prints v itself even if shared. */
  expr(v: Expr, top = false, noTemp = false): string {
    if (v.op === 'ref') return this.names.get(v)!;
    if (v.op === 'lit') return v.member ? this.param(v) : literal(v);
    // A value the source named is declared under its name, even when read once.
    const named = v.name !== undefined && !noTemp;
    if (v.op === 'cast' && !named) return this.expr(v.args[0]!, top);
    const t = this.temps.get(v);
    if (t) return t;
    // A slice of a signal is as cheap to repeat as the signal itself.
    const atomic = v.op === 'slice' && stripCast(v.args[0]!).op === 'ref';
    if (named || (!noTemp && !atomic && ((this.uses.get(v) ?? 0) > 1 || (v.op === 'dshr' && v.signed && !top)))) return this.temp(v);
    if (v.op === 'cast') return this.expr(v.args[0]!, top);
    const wrap = (s: string): string => (top ? s : `(${s})`);
    const a = v.args;
    switch (v.op) {
      case 'add': case 'sub': case 'mul': case 'and': case 'or': case 'xor':
        return wrap(`${this.expr(a[0]!)} ${BIN[v.op]} ${this.expr(a[1]!)}`);
      case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge': {
        if (v.params[0] && v.op !== 'eq' && v.op !== 'ne') {
          return wrap(`$signed(${this.expr(a[0]!, true)}) ${BIN[v.op]} $signed(${this.expr(a[1]!, true)})`);
        }
        return wrap(`${this.expr(a[0]!)} ${BIN[v.op]} ${this.expr(a[1]!)}`);
      }
      case 'not': return `~${this.unaryOperand(a[0]!)}`;
      case 'andr': case 'orr': case 'xorr': return wrap(`${RED[v.op]}${this.unaryOperand(a[0]!)}`);
      case 'dshl': return wrap(`${this.expr(a[0]!)} << ${this.expr(a[1]!)}`);
      case 'dshr':
        return v.signed ? wrap(`$signed(${this.expr(a[0]!, true)}) >>> ${this.expr(a[1]!)}`) : wrap(`${this.expr(a[0]!)} >> ${this.expr(a[1]!)}`);
      case 'mux': return wrap(`${this.expr(a[0]!)} ? ${this.expr(a[1]!)} : ${this.expr(a[2]!)}`);
      case 'cat': return `{${a.map((x) => this.expr(x, true)).join(', ')}}`;
      case 'ext': {
        const x = a[0]!;
        const k = v.width - x.width;
        if (!v.signed) return `{${k}'h0, ${this.expr(x, true)}}`;
        const id = this.ident(x);
        if (x.width === 1) return `{${k + 1}{${id}}}`;
        return `{{${k}{${id}[${x.width - 1}]}}, ${id}}`;
      }
      case 'slice': {
        const [hi, lo] = v.params as [number, number];
        const base = stripCast(a[0]!);
        if (base.op === 'lit') {
          const bits = ((base.signed ? BigInt.asUintN(base.width, litValue(base)) : base.lit!) >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
          return literal({ op: 'lit', width: hi - lo + 1, signed: false, args: [], params: [], lit: bits });
        }
        const id = this.ident(a[0]!);
        return hi === lo ? `${id}[${hi}]` : `${id}[${hi}:${lo}]`;
      }
      default:
        throw new Error(`internal: cannot print a '${v.op}' node`);
    }
  }
}

function stripCast(v: Expr): Expr {
  while (v.op === 'cast') v = v.args[0]!;
  return v;
}

/** `line` between lint_off and lint_on UNUSEDSIGNAL (a declaration some of whose bits are never read), indented by `ind`. */
function unusedWrapped(line: string, ind = '  '): string[] {
  return [`${ind}/* verilator lint_off UNUSEDSIGNAL */`, line, `${ind}/* verilator lint_on UNUSEDSIGNAL */`];
}

/** A local variable's declaration, with lint_off UNUSEDSIGNAL around it when some of its bits are never read. */
function local(decl: string, fullyRead: boolean): string[] {
  return fullyRead ? [decl] : unusedWrapped(decl, '');
}

/**
 * Gated registers (NetSignal.gated, no reset, driver `en ? next : self`)
 * grouped by enable, each group with its logic: the expression nodes and
 * wires that only the group's next values read (transitively), found as the
 * largest such set by removing, until none is left, every node some reader
 * outside the set (or the enable) reads. Groups with no logic of their own
 * are left out (printed as usual).
 */
interface GatedGroup { en: Expr; regs: { target: NetSignal; next: Expr; loc: SourceLoc | undefined }[]; nodes: Set<Expr>; wires: NetSignal[] }
function gatedGroups(m: NetModule): GatedGroup[] {
  const byEn = new Map<Expr, Omit<GatedGroup, 'nodes' | 'wires'> & { muxes: Set<Expr> }>();
  for (const d of m.regs) {
    const v = d.value;
    if (!d.target.gated || d.target.init !== undefined || v.op !== 'mux' || v.args[2] !== d.target || v.args[1] === d.target) continue;
    const en = v.args[0]!;
    let g = byEn.get(en);
    if (!g) byEn.set(en, (g = { en, regs: [], muxes: new Set() }));
    g.regs.push({ target: d.target, next: v.args[1]!, loc: d.branchLocs.get(v.args[1]!) ?? d.loc });
    g.muxes.add(v);
  }
  if (byEn.size === 0) return [];
  // Who reads what: expression nodes read their args, a wire reads its driver; everything else is a root.
  const wireDriver = new Map<NetSignal, Expr>();
  for (const s of m.signals) if (s.kind === 'wire') wireDriver.set(s, m.comb.get(s)!.value);
  const readers = new Map<Expr, Set<unknown>>();
  const seen = new Set<Expr>();
  const read = (x: Expr, by: unknown): void => {
    let r = readers.get(x);
    if (!r) readers.set(x, (r = new Set()));
    r.add(by);
    if (seen.has(x)) return;
    seen.add(x);
    if (x.op === 'ref') {
      const w = wireDriver.get(x);
      if (w) read(w, x);
      return;
    }
    for (const a of x.args) read(a, x);
  };
  const OUTSIDE = {};
  for (const [t, d] of m.comb) if (t.kind !== 'wire') read(d.value, OUTSIDE);
  for (const d of m.regs) { read(d.value, d.target); if (d.target.init) read(d.target.init, OUTSIDE); }
  for (const mem of m.memories) {
    for (const w of mem.writes) { read(w.addr, OUTSIDE); read(w.data, OUTSIDE); read(w.en, OUTSIDE); }
    for (const r of mem.reads) { read(r.addr, OUTSIDE); read(r.en, OUTSIDE); }
  }
  for (const c of m.checks) { read(c.cond, OUTSIDE); read(c.en, OUTSIDE); for (const a of c.args) read(a, OUTSIDE); }
  const out: GatedGroup[] = [];
  for (const g of byEn.values()) {
    const roots = new Set<unknown>(g.regs.map((r) => r.next));
    const cand = new Set<Expr>();
    const walk = (x: Expr): void => {
      if (cand.has(x) || x === g.en || x.op === 'lit') return;
      if (x.op === 'ref' && !wireDriver.has(x)) return;
      cand.add(x);
      if (x.op === 'ref') walk(wireDriver.get(x)!);
      else for (const a of x.args) walk(a);
    };
    for (const r of g.regs) walk(r.next);
    // The next values themselves are read by the group's muxes (inside) and possibly by others (outside).
    const mux: Set<unknown> = g.muxes;
    for (let changed = true; changed;) {
      changed = false;
      for (const x of cand) {
        for (const r of readers.get(x) ?? []) {
          const inside = cand.has(r as Expr) || (roots.has(x) && mux.has(r) && (r as Expr).args[0] !== x);
          if (!inside) { cand.delete(x); changed = true; break; }
        }
      }
    }
    const wires = m.signals.filter((s) => cand.has(s));
    if ([...cand].some((x) => x.op !== 'ref' && x.op !== 'cast' && x.op !== 'slice')) out.push({ en: g.en, regs: g.regs, nodes: cand, wires });
  }
  return out;
}

/**
 * A gated group's clocked block: a named block whose local variables are the
 * group's logic (its wires under their names, shared nodes as temps), all
 * assigned in dependency order under the enable, then the registers.
 */
function gatedBlock(p: Printer, m: NetModule, g: GatedGroup, clk: string): string[] {
  const en = p.expr(g.en, true);
  const block = { nodes: g.nodes, decls: [] as string[], stmts: [] as string[] };
  p.block = block;
  const done = new Set<Expr>();
  const isWire = (x: Expr): x is NetSignal => x.op === 'ref' && g.nodes.has(x);
  // The group's wires x reads through its other nodes, each assigned (after its own) before x is printed.
  const deps = (x: Expr, seen = new Set<Expr>()): void => {
    for (const a of x.op === 'ref' ? [] : x.args) {
      if (seen.has(a) || !g.nodes.has(a)) continue;
      seen.add(a);
      if (isWire(a)) wire(a);
      else deps(a, seen);
    }
  };
  const wire = (w: NetSignal): void => {
    if (done.has(w)) return;
    done.add(w);
    const d = m.comb.get(w)!;
    if (g.nodes.has(d.value) && !isWire(d.value)) deps(d.value);
    else if (isWire(d.value)) wire(d.value);
    block.decls.push(...local(`reg ${range(w.width)}${p.names.get(w)!};${at(w.loc)}`, p.fullyRead(w)));
    block.stmts.push(`${p.names.get(w)!} = ${p.expr(d.value, true)};${at(d.loc)}`);
  };
  const regs: string[] = [];
  for (const r of g.regs) {
    if (isWire(r.next)) wire(r.next);
    else deps(r.next);
    regs.push(`${r.target.name} <= ${p.expr(r.next, true)};${at(r.loc)}`);
  }
  p.block = undefined;
  const name = p.ns.fresh(`${g.regs[0]!.target.name}_logic`);
  return [
    `  always @(posedge ${clk}) begin : ${name}`,
    ...block.decls.map((l) => `    ${l}`),
    `    if (${en}) begin`,
    ...[...block.stmts, ...regs].map((l) => `      ${l}`),
    '    end',
    '  end',
  ];
}

function regStmts(p: Printer, r: NetSignal, v: Expr, ind: string, lhs: string, locs: ReadonlyMap<Expr, SourceLoc>): string[] {
  if (v === r) return [];
  const selfLeaf = (x: Expr): boolean => x === r || (x.op === 'mux' && !p.temps.has(x) && (p.uses.get(x) ?? 0) <= 1 && (selfLeaf(x.args[1]!) || selfLeaf(x.args[2]!)));
  if (v.op === 'mux' && selfLeaf(v)) {
    const c = p.expr(v.args[0]!, true);
    const t = regStmts(p, r, v.args[1]!, `${ind}  `, lhs, locs);
    const e = regStmts(p, r, v.args[2]!, `${ind}  `, lhs, locs);
    if (e.length === 0) return [`${ind}if (${c}) begin`, ...t, `${ind}end`];
    if (t.length === 0) return [`${ind}if (!(${c})) begin`, ...e, `${ind}end`];
    return [`${ind}if (${c}) begin`, ...t, `${ind}end else begin`, ...e, `${ind}end`];
  }
  return [`${ind}${lhs} <= ${p.expr(v, true)};${at(locs.get(v))}`];
}

/**
 * The verification statements: under `ifndef SYNTHESIS`, SystemVerilog
 * immediate assert/assume/cover for the formal flow (`ifdef FORMAL`, Yosys
 * read_verilog -formal), Verilog-2005 $display/$finish/$write for the
 * simulators. Each check is one line ending in `// @[file:line] message`,
 * which `tcast formal` reads back to name a failing assertion.
 */
function checkBlock(p: Printer, m: NetModule): string[] {
  if (m.checks.length === 0) return [];
  const clk = m.clocking!.clock;
  const rst = m.clocking!.reset;
  const guard = rst ? (rst.activeLow ? rst.name : `!${rst.name}`) : undefined;
  const cond = (e: Expr) => p.expr(e, true);
  const enabled = (c: NetModule['checks'][number]) => stripCast(c.en).op === 'lit' ? '' : `if (${cond(c.en)}) `;
  const formal: string[] = [];
  const sim: string[] = [];
  for (const c of m.checks) {
    const tag = ` // @[${locToString(c.loc)}] ${c.message}`;
    if (c.kind === 'printf') {
      const args = c.args.map((a) => `, ${cond(a)}`).join('');
      sim.push(`${enabled(c)}$write("${c.message}"${args});${at(c.loc)}`);
      continue;
    }
    formal.push(`${enabled(c)}${c.kind} (${cond(c.cond)});${tag}`);
    if (c.kind === 'cover') continue;
    const en = stripCast(c.en).op === 'lit' ? '' : `(${cond(c.en)}) && `;
    sim.push(`if (${en}!(${cond(c.cond)})) begin${tag}`, `  $display("tcast-assert: ${c.kind === 'assume' ? 'assumption' : 'assertion'} failed: ${c.message} @[${locToString(c.loc)}]");`, '  $finish;', 'end');
  }
  const block = (lines: string[]) => {
    if (lines.length === 0) return [];
    const ind = guard ? '      ' : '    ';
    return [`  always @(posedge ${clk}) begin`, ...(guard ? [`    if (${guard}) begin`] : []), ...lines.map((l) => ind + l), ...(guard ? ['    end'] : []), '  end'];
  };
  return ['`ifndef SYNTHESIS', '`ifdef FORMAL', ...block(formal), '`else', ...block(sim), '`endif', '`endif'];
}

function emitModule(m: NetModule, nameOf: Map<NetModule, string>): string {
  const ns = new Namespace(m.names);
  const names = new Map<NetSignal, string>();
  for (const s of m.ports) names.set(s, s.name);
  for (const s of m.signals) names.set(s, s.name);
  const childWires: { sig: NetSignal; name: string }[] = [];
  for (const inst of m.instances) {
    for (const p of inst.module.ports) {
      const n = ns.fresh(`${inst.name}_${p.name}`, inst.loc);
      names.set(p, n);
      childWires.push({ sig: p, name: n });
    }
  }
  const p = new Printer(names, ns);
  for (const [, d] of m.comb) p.count(d.value);
  for (const d of m.regs) { p.count(d.value); if (d.target.init) p.count(d.target.init); }
  for (const mem of m.memories) {
    for (const w of mem.writes) { p.count(w.addr); p.count(w.data); p.count(w.en); }
    for (const r of mem.reads) { p.count(r.addr); p.count(r.en); }
  }
  for (const c of m.checks) { p.count(c.cond); p.count(c.en); for (const a of c.args) p.count(a); }
  // Signals used only as a register's own hold value are still declared and read.
  const lintOff = (s: NetSignal): boolean => !p.fullyRead(s);
  const gated = gatedGroups(m);
  const localWires = new Set(gated.flatMap((g) => g.wires));
  const gatedRegs = new Set(gated.flatMap((g) => g.regs.map((r) => r.target)));

  const body: string[] = [];
  // Continuous assignments (wires, then child inputs, then outputs).
  const assigns: string[] = [];
  const combOrder = [
    ...m.signals.filter((s) => s.kind === 'wire'),
    ...childWires.map((c) => c.sig).filter((s) => s.kind === 'input'),
    ...m.ports.filter((s) => s.kind === 'output'),
  ];
  for (const s of combOrder) {
    if (localWires.has(s)) continue;
    const d = m.comb.get(s)!;
    assigns.push(`  assign ${names.get(s)} = ${p.expr(d.value, true)};${at(d.loc)}`);
  }
  for (const mem of m.memories) for (const r of mem.reads) {
    if (!r.sync) assigns.push(`  assign ${names.get(r.data)} = ${mem.name}[${p.expr(r.addr, true)}];${at(r.loc)}`);
  }

  // Clocked logic.
  const clk = m.clocking?.clock ?? '';
  const rst = m.clocking?.reset;
  const always: string[] = [];
  const withReset = m.regs.filter((d) => d.target.init !== undefined);
  const noReset = m.regs.filter((d) => d.target.init === undefined && !gatedRegs.has(d.target));
  if (withReset.length) {
    always.push(`  always @(posedge ${clk}) begin`);
    always.push(`    if (${rst!.activeLow ? '!' : ''}${rst!.name}) begin`);
    for (const { target: r } of withReset) always.push(`      ${r.name} <= ${p.expr(r.init!, true)};${at(r.loc)}`);
    always.push('    end else begin');
    for (const d of withReset) {
      always.push(...regStmts(p, d.target, d.value, '      ', d.target.name, d.branchLocs));
    }
    always.push('    end', '  end');
  }
  if (noReset.length) {
    always.push(`  always @(posedge ${clk}) begin`);
    for (const d of noReset) {
      always.push(...regStmts(p, d.target, d.value, '    ', d.target.name, d.branchLocs));
    }
    always.push('  end');
  }
  for (const g of gated) always.push(...gatedBlock(p, m, g, clk));
  for (const mem of m.memories) {
    for (const w of mem.writes) {
      always.push(`  always @(posedge ${clk}) begin`);
      const en = stripCast(w.en);
      const part = w.lo === undefined ? '' : w.data.width === 1 ? `[${w.lo}]` : `[${w.lo + w.data.width - 1}:${w.lo}]`;
      const stmt = `${mem.name}[${p.expr(w.addr, true)}]${part} <= ${p.expr(w.data, true)};${at(w.loc)}`;
      if (en.op === 'lit') always.push(`    ${stmt}`);
      else always.push(`    if (${p.expr(w.en, true)}) begin`, `      ${stmt}`, '    end');
      always.push('  end');
    }
    for (const r of mem.reads) {
      if (!r.sync) continue;
      always.push(`  always @(posedge ${clk}) begin`);
      const stmt = `${names.get(r.data)} <= ${mem.name}[${p.expr(r.addr, true)}];${at(r.loc)}`;
      if (stripCast(r.en).op === 'lit') always.push(`    ${stmt}`);
      else always.push(`    if (${p.expr(r.en, true)}) begin`, `      ${stmt}`, '    end');
      always.push('  end');
    }
  }

  const verif = checkBlock(p, m);

  // Instances.
  const insts: string[] = [];
  for (const inst of m.instances) {
    const c = inst.module;
    const cn = nameOf.get(c.definition ?? c)!;
    const conns: string[] = [];
    if (c.usesClock && c.clocking) conns.push(`.${c.clocking.clock}(${clk})`);
    if (c.usesReset && c.clocking?.reset) {
      if (!rst) throw new ElaborationError('REGISTER WITHOUT CLOCK', `instance ${inst.name} needs a reset but ${m.name} has none`, c.path, locToString(inst.loc));
      conns.push(`.${c.clocking.reset.name}(${c.clocking.reset.activeLow === rst.activeLow ? '' : '!'}${rst.name})`);
    }
    for (const port of c.ports) conns.push(`.${port.name}(${names.get(port)})`);
    insts.push(`  ${cn} ${inst.name} (${at(inst.loc)}`, ...conns.map((x, i) => `    ${x}${i < conns.length - 1 ? ',' : ''}`), '  );');
  }

  // Declarations (after printing, so temps and read-bit facts are known).
  const decls: string[] = [];
  const declare = (s: NetSignal, kind: 'reg' | 'wire', name: string, loc: SourceLoc | undefined): void => {
    const line = `  ${kind} ${range(s.width)}${name};${at(loc)}`;
    decls.push(...(lintOff(s) ? unusedWrapped(line) : [line]));
  };
  for (const s of m.signals) if (!localWires.has(s)) declare(s, s.kind === 'reg' || s.kind === 'memread' ? 'reg' : 'wire', s.name, s.loc);
  for (const mem of m.memories) decls.push(`  reg ${range(mem.width)}${mem.name} [0:${mem.depth - 1}];${at(mem.loc)}`);
  for (const c of childWires) {
    const line = `  wire ${range(c.sig.width)}${c.name};`;
    decls.push(...(c.sig.kind === 'output' && lintOff(c.sig) ? unusedWrapped(line) : [line]));
  }

  // Ports.
  const portLines: string[] = [];
  if (m.usesClock && m.clocking) portLines.push(`  input  wire ${m.clocking.clock}`);
  if (m.usesReset && rst) portLines.push(`  input  wire ${rst.name}`);
  for (const s of m.ports) {
    const line = `  ${s.kind === 'output' ? 'output' : 'input '} wire ${range(s.width)}${s.name}`;
    portLines.push(s.kind === 'input' && lintOff(s) ? unusedWrapped(line).join('\n') : line);
  }
  // Commas go before a trailing lint_on comment.
  const portText = portLines.map((l, i) => {
    if (i === portLines.length - 1) return l;
    const parts = l.split('\n');
    const k = parts.length === 3 ? 1 : parts.length - 1;
    parts[k] += ',';
    return parts.join('\n');
  });

  const src = m.loc ? `${locToString(m.loc)}` : 'tcast';
  const header = [`// Generated by tcast from ${m.className} (${src}). Do not edit.`];
  for (const line of (m.doc ?? '').split('\n').filter((l) => l.trim())) header.push(`// ${line.trim()}`);
  body.push(...header, `module ${NAME} (`, ...portText, ');');
  // Grouped by enum, in encoding order.
  const params = [...p.params.values()]
    .sort((a, b) => (a.enumName < b.enumName ? -1 : a.enumName > b.enumName ? 1 : Number(a.lit - b.lit)))
    .map((x) => x.line);
  if (params.length) body.push(...params, '');
  if (decls.length || p.tempLines.length) body.push(...decls, ...p.tempLines, '');
  if (insts.length) body.push(...insts, '');
  if (assigns.length) body.push(...assigns, '');
  if (always.length) body.push(...always, '');
  if (verif.length) body.push(...verif, '');
  if (body[body.length - 1] === '') body.pop();
  body.push('endmodule', '');
  return body.join('\n');
}

