/**
 * SystemVerilog wrappers with AXI interfaces (`tcast generate --sv-wrapper`).
 *
 * For a top module with AXI4 or AXI4-Lite port bundles (declared `In(Axi4(p))`,
 * `Out(AxiLite(p))`, ...), `svWrapper(top, verilog)` gives:
 *  - `tcast_axi4_if.sv` / `tcast_axi4_lite_if.sv`: the SV `interface`
 *    definitions, with `master` and `slave` modports and the widths as
 *    parameters, printed from the bundle types themselves (Axi4(), AxiLite():
 *    field order, directions from the flips);
 *  - `<Top>_sv.sv`: the module `<Top>_sv`, whose ports are those interfaces
 *    (an In bundle is the slave modport, an Out bundle the master) plus the
 *    top's other ports as they are, instantiating the generated Verilog top.
 *
 * Which ports form a bundle comes from the top's port declarations
 * (Module.portDecls: each `ports({...})` key with its type and the port
 * signals it became) and the AXI tag Axi4()/AxiLite() put on their types
 * (axiBundleInfo); never from the Verilog text. Every port of the Verilog top
 * is connected exactly once, or generation fails. Only a `ports()` key whose
 * type is an Axi4()/AxiLite() bundle becomes an interface; an AXI bundle
 * inside a Vec or another bundle, or a hand-written look-alike, stays flat.
 */
import type { Module, PortDecl } from '../../hdl/module';
import type { VerilogDesign } from '../../back/verilog';
import { locToString } from '../../hdl/source';
import type { FieldSpec, HwType } from '../../hdl/types';
import { ElaborationError } from '../../hdl/errors';
import { Axi4, AxiLite, axiBundleInfo, type AxiBundleInfo } from './bundles';

/** A file of the wrapper: its name (beside the Verilog) and text. */
export interface SvFile { name: string; text: string }

interface IfaceDef {
  /** The SV interface's name (and file stem). */
  name: string;
  title: string;
  spec: string;
  /** The stdlib function whose bundle it prints. */
  from: string;
  /** Parameters in order: name, default, value for a bundle's widths. */
  params: { name: string; dflt: number; of: (i: AxiBundleInfo) => number }[];
  /** The bundle type at given widths (the field list and directions). */
  type: (i: AxiBundleInfo) => HwType;
  /** The widths of the default parameters. */
  defaults: AxiBundleInfo;
}

const IFACES: Record<AxiBundleInfo['kind'], IfaceDef> = {
  axi4: {
    name: 'tcast_axi4_if',
    title: 'AXI4',
    from: 'Axi4()',
    spec: 'AMBA AXI IHI0022E, chapter A2',
    params: [
      { name: 'ADDR_WIDTH', dflt: 32, of: (i) => i.addrBits },
      { name: 'DATA_WIDTH', dflt: 64, of: (i) => i.dataBits },
      { name: 'ID_WIDTH', dflt: 1, of: (i) => (i.kind === 'axi4' ? i.idBits : 0) },
    ],
    type: (i) => Axi4({ dataBits: i.dataBits, addrBits: i.addrBits, idBits: i.kind === 'axi4' ? i.idBits : 1 }),
    defaults: { kind: 'axi4', addrBits: 32, dataBits: 64, idBits: 1 },
  },
  'axi4-lite': {
    name: 'tcast_axi4_lite_if',
    title: 'AXI4-Lite',
    from: 'AxiLite()',
    spec: 'AMBA AXI IHI0022E, chapter B1',
    params: [
      { name: 'ADDR_WIDTH', dflt: 12, of: (i) => i.addrBits },
      { name: 'DATA_WIDTH', dflt: 32, of: (i) => i.dataBits },
    ],
    type: (i) => AxiLite({ dataBits: i.dataBits, addrBits: i.addrBits }),
    defaults: { kind: 'axi4-lite', addrBits: 12, dataBits: 32 },
  },
};

/** The width of a field as an expression of the interface's parameters (ids, addresses, data, strobes); other fields are fixed. */
function widthExpr(field: string, width: number): { text: string; eval: (p: Record<string, number>) => number } {
  if (/^(aw|ar|b|r)id$/.test(field)) return { text: 'ID_WIDTH', eval: (p) => p.ID_WIDTH! };
  if (/^a[wr]addr$/.test(field)) return { text: 'ADDR_WIDTH', eval: (p) => p.ADDR_WIDTH! };
  if (/^[wr]data$/.test(field)) return { text: 'DATA_WIDTH', eval: (p) => p.DATA_WIDTH! };
  if (field === 'wstrb') return { text: 'DATA_WIDTH/8', eval: (p) => p.DATA_WIDTH! / 8 };
  return { text: String(width), eval: () => width };
}

/** The AXI channel a field belongs to, by its name's prefix. */
const channelOf = (field: string): string => ['aw', 'ar', 'w', 'b', 'r'].find((c) => field.startsWith(c))!;

const fieldsOf = (t: HwType): [string, FieldSpec][] => (t.kind === 'bundle' ? Object.entries(t.fields as Record<string, FieldSpec>) : []);

function paramValues(def: IfaceDef, i: AxiBundleInfo): Record<string, number> {
  return Object.fromEntries(def.params.map((p) => [p.name, p.of(i)]));
}

/** Internal consistency: each field's width expression gives the bundle's width at these parameters. */
function checkWidths(def: IfaceDef, i: AxiBundleInfo, t: HwType): void {
  const params = paramValues(def, i);
  for (const [f, spec] of fieldsOf(t)) {
    const w = spec.type.kind === 'uint' || spec.type.kind === 'sint' ? spec.type.width : -1;
    const e = widthExpr(f, w);
    if (e.eval(params) !== w) throw new Error(`internal: ${def.name}.${f} is ${e.text} = ${e.eval(params)} bits, the bundle's field has ${w}`);
  }
}

const range = (w: number): string => (w === 1 ? '' : `[${w - 1}:0] `);

/** The text of an interface definition file (`<name>.sv`). */
function interfaceText(def: IfaceDef): string {
  const t = def.type(def.defaults);
  checkWidths(def, def.defaults, t);
  const fields = fieldsOf(t);
  const guard = `${def.name.toUpperCase()}_SV`;
  const decl: string[] = [];
  let ch = '';
  for (const [f, spec] of fields) {
    if (channelOf(f) !== ch) {
      ch = channelOf(f);
      decl.push(`  // ${ch.toUpperCase()} channel`);
    }
    const w = spec.type.kind === 'vec' || spec.type.kind === 'bundle' ? 0 : spec.type.width;
    const e = widthExpr(f, w);
    decl.push(`  logic ${/^\d+$/.test(e.text) ? range(w) : `[${e.text}-1:0] `}${f};`);
  }
  // Per channel: the fields each side drives, then the ones it reads.
  const modport = (role: 'master' | 'slave'): string[] => {
    const chans = [...new Set(fields.map(([f]) => channelOf(f)))];
    const lines = chans.map((c) => {
      const groups: string[] = [];
      let dir = '';
      let names: string[] = [];
      for (const [f, spec] of fields.filter(([x]) => channelOf(x) === c)) {
        const out = (role === 'master') !== spec.flip;
        const d = out ? 'output' : 'input';
        if (d !== dir && names.length) {
          groups.push(`${dir} ${names.join(', ')}`);
          names = [];
        }
        dir = d;
        names.push(f);
      }
      groups.push(`${dir} ${names.join(', ')}`);
      return `    ${groups.join(', ')}`;
    });
    return [`  modport ${role} (`, ...lines.map((l, k) => (k < lines.length - 1 ? `${l},` : l)), '  );'];
  };
  return [
    `// Generated by tcast from ${def.from} (generator/stdlib/axi/bundles.ts). Do not edit.`,
    `// ${def.title} interface (${def.spec}): the signals of tcast's bundle, in its order.`,
    '// modport master drives the request side (addresses, write data, the response readies), modport slave the rest.',
    `\`ifndef ${guard}`,
    `\`define ${guard}`,
    `interface ${def.name} #(`,
    ...def.params.map((p, k) => `  parameter int ${p.name} = ${p.dflt}${k < def.params.length - 1 ? ',' : ''}`),
    ');',
    ...decl,
    '',
    ...modport('master'),
    ...modport('slave'),
    'endinterface',
    '`endif',
    '',
  ].join('\n');
}

/** The files of the SV interface definitions, by kind. */
export function svInterfaceFile(kind: AxiBundleInfo['kind']): SvFile {
  const def = IFACES[kind];
  return { name: `${def.name}.sv`, text: interfaceText(def) };
}

/** The wrapper module's name for a top. */
export const svWrapperName = (top: string): string => `${top}_sv`;

const at = (loc: PortDecl['loc']): string => (loc ? ` // @[${locToString(loc)}]` : '');

/**
 * The SV wrapper of a generated top and the interface files it uses, or
 * undefined when the top has no AXI4 / AXI4-Lite port bundle. `top` is the
 * elaborated Module object `verilog` was generated from.
 */
export function svWrapper(top: Module, verilog: VerilogDesign): SvFile[] | undefined {
  const axi = top.portDecls.flatMap((d) => {
    const info = axiBundleInfo(d.type);
    return info ? [{ decl: d, info, def: IFACES[info.kind] }] : [];
  });
  if (axi.length === 0) return undefined;
  const name = svWrapperName(verilog.top);
  if (verilog.modules.some((m) => m.name === name)) {
    throw new ElaborationError('NAME COLLISION', `the design already has a module named ${name}, the name of ${verilog.top}'s SV wrapper; rename that module (moduleName)`, undefined, locToString(top.declLoc));
  }
  const portNames = new Map(verilog.ports.map((p) => [p.name, p]));
  // Every AXI field's Verilog port, with the interface it belongs to.
  const member = new Map<string, { bundle: (typeof axi)[number]; field: string }>();
  for (const b of axi) {
    checkWidths(b.def, b.info, b.decl.type);
    const fields = new Map(fieldsOf(b.decl.type));
    for (const { path, signal } of b.decl.leaves) {
      const field = path[0]!;
      const p = portNames.get(signal.name);
      if (path.length !== 1 || !fields.has(field)) throw new Error(`internal: ${verilog.top}.${b.decl.name}: leaf ${path.join('.')} is not an ${b.def.title} field`);
      if (!p) throw new Error(`internal: ${verilog.top}.${b.decl.name}.${field}: no Verilog port ${signal.name}`);
      const out = (b.decl.dir === 'output') !== fields.get(field)!.flip;
      if (p.dir !== (out ? 'output' : 'input')) throw new Error(`internal: ${verilog.top}: port ${p.name} is an ${p.dir}, the ${b.def.title} bundle ${b.decl.name} makes it an ${out ? 'output' : 'input'}`);
      member.set(p.name, { bundle: b, field });
    }
    if (b.decl.leaves.length !== fields.size) throw new Error(`internal: ${verilog.top}.${b.decl.name} has ${b.decl.leaves.length} ports for ${fields.size} ${b.def.title} fields`);
  }
  const scalarLoc = new Map(top.portDecls.flatMap((d) => d.leaves.map((l) => [l.signal.name, d.loc] as const)));

  const ports: string[] = [];
  const conns: string[] = [];
  const shown = new Set<string>();
  for (const p of verilog.ports) {
    const m = member.get(p.name);
    if (m) {
      const { decl, def } = m.bundle;
      if (!shown.has(decl.name)) {
        shown.add(decl.name);
        ports.push(`  ${def.name}.${decl.dir === 'output' ? 'master' : 'slave'} ${decl.name}${at(decl.loc)}`);
      }
      conns.push(`    .${p.name}(${decl.name}.${m.field})`);
    } else {
      ports.push(`  ${p.dir === 'output' ? 'output' : 'input '} wire ${range(p.width)}${p.name}${at(scalarLoc.get(p.name))}`);
      conns.push(`    .${p.name}(${p.name})`);
    }
  }
  // A comma before each line's locator comment.
  const comma = (lines: string[]): string[] => lines.map((l, k) => {
    if (k === lines.length - 1) return l;
    const c = l.indexOf(' // @[');
    return c < 0 ? `${l},` : `${l.slice(0, c)},${l.slice(c)}`;
  });
  const used = [...new Set(axi.map((b) => b.info.kind))].sort();
  const widths = axi.map(({ decl, def, info }) => {
    const params = def.params.map((p) => `.${p.name}(${p.of(info)})`).join(', ');
    return `//   ${decl.name.padEnd(Math.max(...axi.map((b) => b.decl.name.length)))}  ${def.name} #(${params}), modport ${decl.dir === 'output' ? 'master' : 'slave'}`;
  });
  const src = top.declLoc ? locToString(top.declLoc) : 'tcast';
  const wrapper = [
    `// Generated by tcast from ${top.constructor.name} (${src}). Do not edit.`,
    `// SystemVerilog wrapper of ${verilog.top} (${verilog.top}.v): its AXI port bundles as interfaces`,
    `// (${used.map((k) => `${IFACES[k].name}.sv`).join(', ')}), its other ports as they are. Connect interface instances of these widths:`,
    ...widths,
    `module ${name} (`,
    ...comma(ports),
    ');',
    `  ${verilog.top} core (${at(top.declLoc)}`,
    ...comma(conns),
    '  );',
    'endmodule',
    '',
  ].join('\n');
  return [...used.map(svInterfaceFile), { name: `${name}.sv`, text: wrapper }];
}
