/**
 * `tcast generate --sv-wrapper`: the SystemVerilog wrapper of each design with
 * AXI4 / AXI4-Lite ports (generator/stdlib/axi/sv.ts).
 *
 *  - Its port map covers every port of the Verilog top exactly once, each AXI
 *    port through the interface field of its own name in the right modport
 *    direction (a checker written here, from the top's port list and the
 *    AXI signal lists; mutants of the wrapper prove it catches a missing, an
 *    extra, a swapped and a misdirected connection).
 *  - Verilator lints it with -Wall, clean, in a harness that instantiates the
 *    interfaces (a top-level interface port is undriven by definition);
 *    Yosys reads it with read_verilog -sv and synthesises it to the same
 *    cells as the bare top.
 *  - Simulated (the AXI slice): the wrapper's outputs equal the bare top's on
 *    random inputs, cycle for cycle, and a wrapper with two AXI fields
 *    swapped does not.
 *  - files.f, designs.json and the .core list the files; generation is
 *    deterministic; designs without AXI ports get none.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { generateAll, writeAll, type GeneratedDesign } from '../../designs/emit';
import { AXI4_SIGNALS, AXI_LITE_SIGNALS, AxiLite } from '../../generator/stdlib/axi/bundles';
import { svWrapper } from '../../generator/stdlib/axi/sv';
import { In, Module, Out, UInt, generate, instance } from '../../generator';
import { lintVerilator, synthYosys } from '../../sim/checks';
import { simulate, type PortSpec, type SimTarget } from '../../sim/vectors';
import { projectRoot } from '../../generator/hdl/source';


const tmp = mkdtempSync(join(tmpdir(), 'tcast-sv-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let ds: GeneratedDesign[];
beforeAll(async () => {
  ds = await generateAll([...AXI, PLAIN], { svWrapper: true });
  writeAll(ds, tmp, true);
});
const design = (name: string) => ds.find((d) => d.entry.name === name)!;
const file = (name: string, f: string) => readFileSync(join(tmp, name, f), 'utf8');
const wrapperOf = (d: GeneratedDesign) => `${d.verilog.top}_sv`;

// ------------------------------------------------------------------ an independent view of the AXI ports

type Kind = 'axi4' | 'lite';
interface Bundle { prefix: string; kind: Kind; fields: string[] }
const FIELDS: Record<Kind, string[]> = { axi4: Object.values(AXI4_SIGNALS).flat(), lite: Object.values(AXI_LITE_SIGNALS).flat() };
/** The AXI bundles among a top's ports: a prefix P with every P_<field> of AXI4 (else of AXI4-Lite). */
function bundlesOf(ports: PortSpec[]): Bundle[] {
  const names = new Set(ports.map((p) => p.name));
  const prefixes = new Set(ports.flatMap((p) => FIELDS.lite.filter((f) => p.name.endsWith(`_${f}`)).map((f) => p.name.slice(0, -f.length - 1))));
  return [...prefixes].flatMap((prefix): Bundle[] => {
    const has = (k: Kind) => FIELDS[k].every((f) => names.has(`${prefix}_${f}`));
    return has('axi4') ? [{ prefix, kind: 'axi4', fields: FIELDS.axi4 }] : has('lite') ? [{ prefix, kind: 'lite', fields: FIELDS.lite }] : [];
  });
}
/** The shipped designs with AXI ports (by their port names in rtl/designs.json), and one without. */
const shipped = JSON.parse(readFileSync(join(projectRoot, 'rtl', 'designs.json'), 'utf8')) as { name: string; ports: PortSpec[] }[];
const AXI = shipped.filter((d) => bundlesOf(d.ports).length > 0).map((d) => d.name);
const PLAIN = 'queue-d4-w8-reg';

/** A field's direction seen from the master: requests (and response readies) flow out. */
const masterDrives = (f: string): boolean => (/^(aw|w|ar)/.test(f) ? !f.endsWith('ready') : f.endsWith('ready'));

/**
 * What is wrong with a wrapper's port map against the top's ports: every port
 * of the top connected once, a scalar to the wrapper's port of the same name,
 * direction and width, an AXI port P_f to `P.f` of an interface port P of the
 * right interface and modport.
 */
function portMapProblems(text: string, top: string, ports: PortSpec[]): string[] {
  const problems: string[] = [];
  const head = /module (\w+) \(\n([\s\S]*?)\n\);/.exec(text);
  if (!head) return ['no module header'];
  const wports = new Map<string, string>();
  for (const l of head[2]!.split('\n')) {
    const m = /^\s*(input |output|tcast_axi4_if\.master|tcast_axi4_if\.slave|tcast_axi4_lite_if\.master|tcast_axi4_lite_if\.slave)\s+(?:wire\s+)?(\[\d+:0\]\s+)?(\w+),?/.exec(l);
    if (!m) { problems.push(`unparsed port line: ${l}`); continue; }
    wports.set(m[3]!, `${m[1]!.trim()}${m[2] ? ` ${m[2].trim()}` : ''}`);
  }
  const inst = new RegExp(`\\n  ${top} core \\([^\\n]*\\n([\\s\\S]*?)\\n  \\);`).exec(text);
  if (!inst) return [...problems, `no instance of ${top}`];
  const conns = [...inst[1]!.matchAll(/\.(\w+)\(([\w.]+)\)/g)].map((m) => [m[1]!, m[2]!] as const);
  const bundles = bundlesOf(ports);
  const seen = new Map<string, number>();
  for (const [pin] of conns) seen.set(pin, (seen.get(pin) ?? 0) + 1);
  for (const p of ports) if (seen.get(p.name) !== 1) problems.push(`${p.name} connected ${seen.get(p.name) ?? 0} times`);
  for (const [pin, sig] of conns) {
    const p = ports.find((q) => q.name === pin);
    if (!p) { problems.push(`.${pin} is not a port of ${top}`); continue; }
    const b = bundles.find((x) => x.fields.some((f) => `${x.prefix}_${f}` === pin));
    if (!b) {
      const want = `${p.dir === 'output' ? 'output' : 'input'}${p.width > 1 ? ` [${p.width - 1}:0]` : ''}`;
      if (sig !== pin || wports.get(pin) !== want) problems.push(`scalar ${pin}: connected to ${sig} (${wports.get(sig) ?? 'no such port'}), want the port ${pin} (${want})`);
      continue;
    }
    const field = pin.slice(b.prefix.length + 1);
    if (sig !== `${b.prefix}.${field}`) problems.push(`${pin} connected to ${sig}, want ${b.prefix}.${field}`);
    const master = masterDrives(field) === (p.dir === 'output');
    const want = `tcast_axi4${b.kind === 'lite' ? '_lite' : ''}_if.${master ? 'master' : 'slave'}`;
    if (wports.get(b.prefix) !== want) problems.push(`${b.prefix}: the wrapper's port is ${wports.get(b.prefix) ?? 'missing'}, want ${want} (${pin} is an ${p.dir})`);
  }
  const used = new Set([...conns.map(([, s]) => s.split('.')[0]!)]);
  for (const w of wports.keys()) if (!used.has(w)) problems.push(`wrapper port ${w} is connected to nothing`);
  return problems;
}

// ------------------------------------------------------------------ a harness of the wrapper in context

/**
 * A module with the top's own ports that drives the wrapper through interface
 * instances; with `ref`, the bare top beside it (outputs `ref_<port>`), with
 * `mutant` (a second wrapper module's name), that one too (`mut_<port>`).
 */
function harness(d: GeneratedDesign, name: string, opts: { ref?: boolean; mutant?: string } = {}): { text: string; ports: PortSpec[] } {
  const ports = d.verilog.ports;
  const bundles = bundlesOf(ports);
  const outs = ports.filter((p) => p.dir === 'output');
  const hports: PortSpec[] = [...ports, ...(opts.ref ? outs.map((p) => ({ ...p, name: `ref_${p.name}` })) : []), ...(opts.mutant ? outs.map((p) => ({ ...p, name: `mut_${p.name}` })) : [])];
  const range = (w: number) => (w > 1 ? `[${w - 1}:0] ` : '');
  const width = (n: string) => ports.find((p) => p.name === n)!.width;
  const body: string[] = [];
  const wrapped = (module: string, inst: string, pre: string) => {
    for (const b of bundles) {
      const params = [`.ADDR_WIDTH(${width(`${b.prefix}_awaddr`)})`, `.DATA_WIDTH(${width(`${b.prefix}_wdata`)})`, ...(b.kind === 'axi4' ? [`.ID_WIDTH(${width(`${b.prefix}_awid`)})`] : [])];
      body.push(`  tcast_axi4${b.kind === 'lite' ? '_lite' : ''}_if #(${params.join(', ')}) ${pre}${b.prefix} ();`);
      for (const f of b.fields) {
        const p = `${b.prefix}_${f}`;
        body.push(ports.find((q) => q.name === p)!.dir === 'input' ? `  assign ${pre}${b.prefix}.${f} = ${p};` : `  assign ${pre}${p} = ${pre}${b.prefix}.${f};`);
      }
    }
    const scalars = ports.filter((p) => !bundles.some((b) => b.fields.some((f) => `${b.prefix}_${f}` === p.name)));
    const pins = [...bundles.map((b) => `.${b.prefix}(${pre}${b.prefix})`), ...scalars.map((p) => `.${p.name}(${p.dir === 'output' ? pre : ''}${p.name})`)];
    body.push(`  ${module} ${inst} (${pins.join(', ')});`);
  };
  wrapped(wrapperOf(d), 'dut', '');
  if (opts.mutant) wrapped(opts.mutant, 'mut', 'mut_');
  if (opts.ref) body.push(`  ${d.verilog.top} bare (${ports.map((p) => `.${p.name}(${p.dir === 'output' ? 'ref_' : ''}${p.name})`).join(', ')});`);
  const text = [
    `module ${name} (`,
    hports.map((p) => `  ${p.dir === 'output' ? 'output' : 'input '} wire ${range(p.width)}${p.name}`).join(',\n'),
    ');',
    ...body,
    'endmodule',
    '',
  ].join('\n');
  return { text, ports: hports };
}

/** The design's files in files.f order, as paths under tmp. */
const filesOf = (name: string) => file(name, 'files.f').trim().split('\n').map((f) => join(tmp, name, f));

// ------------------------------------------------------------------ tests

test('designs with AXI ports get a wrapper and its interfaces, listed in files.f, designs.json and the .core; others none', () => {
  expect(AXI).toEqual(expect.arrayContaining(['axi4-slice-d32', 'dma-d64-r4-b16', 'dma-d128-a64-r2-b8', 'engine-d128', 'engine-d256c2']));
  const index = JSON.parse(file('', 'designs.json')) as { name: string; top: string; extras?: string[] }[];
  for (const name of AXI) {
    const d = design(name);
    const lite = bundlesOf(d.verilog.ports).some((b) => b.kind === 'lite');
    const sv = ['tcast_axi4_if.sv', ...(lite ? ['tcast_axi4_lite_if.sv'] : []), `${wrapperOf(d)}.sv`];
    expect(file(name, 'files.f').trim().split('\n')).toEqual([...d.verilog.modules.map((m) => `${m.name}.v`), ...sv]);
    expect(index.find((e) => e.name === name)!.extras).toEqual(expect.arrayContaining(sv));
    const core = parse(file(name, `${name}.core`)) as { filesets: Record<string, { file_type: string; files: string[] }>; targets: Record<string, { filesets: string[]; toplevel: string }> };
    expect(core.filesets.sv_wrapper).toEqual({ file_type: 'systemVerilogSource', files: sv });
    expect(core.targets.sv).toEqual({ filesets: ['rtl', 'sv_wrapper'], toplevel: wrapperOf(d) });
    expect(file(name, `${wrapperOf(d)}.sv`)).toMatch(/ \/\/ @\[(accel\/\S+|generator\/stdlib\/axi\/channels\.ts):\d+\]/);
  }
  expect(design(PLAIN).extras.filter((x) => x.name.endsWith('.sv'))).toEqual([]);
  expect(file(PLAIN, 'files.f').trim()).toBe('Queue_d4_w8_reg.v');
});

test('generation is deterministic, and without --sv-wrapper nothing of it is generated', async () => {
  const again = await generateAll(['dma-d64-r4-b16'], { svWrapper: true });
  expect(again[0]!.extras).toEqual(design('dma-d64-r4-b16').extras);
  const plain = await generateAll(['dma-d64-r4-b16']);
  expect(plain[0]!.extras.map((x) => x.name).filter((n) => n.endsWith('.sv'))).toEqual([]);
});

describe.each(AXI)('%s', (name) => {
  test("the wrapper's port map covers every port of the top exactly once, through the right interface field and modport", () => {
    const d = design(name);
    expect(bundlesOf(d.verilog.ports).length).toBeGreaterThanOrEqual(1);
    expect(portMapProblems(file(name, `${wrapperOf(d)}.sv`), d.verilog.top, d.verilog.ports)).toEqual([]);
  });

  test('verilator --lint-only -Wall is clean on the wrapper and the design, in a harness of interface instances', async () => {
    const d = design(name);
    const h = harness(d, 'tb_sv');
    const hpath = join(tmp, name, 'tb_sv.sv');
    writeFileSync(hpath, h.text);
    const r = await lintVerilator({ top: 'tb_sv', files: [...filesOf(name), hpath] });
    expect(r.warnings.map((w) => `${w.code ?? ''} ${w.file ?? ''}:${w.line ?? ''} ${w.message}`)).toEqual([]);
    expect(r.errors).toEqual([]);
  });
});

test('the port-map check catches a missing, an extra, a swapped and a misdirected connection (mutants of the wrapper)', () => {
  const d = design('dma-d64-r4-b16');
  const text = file('dma-d64-r4-b16', `${wrapperOf(d)}.sv`);
  const check = (t: string) => portMapProblems(t, d.verilog.top, d.verilog.ports);
  const mutants: Record<string, string> = {
    missing: text.replace(/\n {4}\.m_axi_wlast\(m_axi\.wlast\),/, ''),
    extra: text.replace('    .irq(irq)', '    .irq(irq),\n    .m_axi_wlast(m_axi.wlast)'),
    swapped: text.replace('.m_axi_awaddr(m_axi.awaddr)', '.m_axi_awaddr(m_axi.araddr)').replace('.m_axi_araddr(m_axi.araddr)', '.m_axi_araddr(m_axi.awaddr)'),
    misdirected: text.replace('tcast_axi4_if.master m_axi', 'tcast_axi4_if.slave m_axi'),
    scalar: text.replace('  output wire irq', '  input  wire irq'),
  };
  for (const [what, t] of Object.entries(mutants)) {
    expect(t, what).not.toBe(text);
    expect(check(t), what).not.toEqual([]);
  }
});

describe('axi4-slice-d32 through its wrapper', () => {
  const name = 'axi4-slice-d32';

  test('Yosys reads it with read_verilog -sv and synthesises the same cells as the bare top, no problems', async () => {
    const d = design(name);
    const hpath = join(tmp, name, 'tb_sv.sv');
    writeFileSync(hpath, harness(d, 'tb_sv').text);
    const [wrapped, bare] = await Promise.all([
      synthYosys({ top: 'tb_sv', files: [...filesOf(name), hpath] }, { coarse: true }),
      synthYosys({ top: d.verilog.top, files: d.verilog.modules.map((m) => join(tmp, name, `${m.name}.v`)) }, { coarse: true }),
    ]);
    expect(wrapped.errors).toEqual([]);
    expect(wrapped.problems).toEqual([]);
    expect(wrapped.cells).toBeGreaterThan(0);
    expect(wrapped.cellTypes).toEqual(bare.cellTypes);
  });

  test("simulated on random inputs, the wrapper's outputs equal the bare top's every cycle; a wrapper with two fields swapped differs", async () => {
    const d = design(name);
    const wrapper = file(name, `${wrapperOf(d)}.sv`);
    const mutName = `${wrapperOf(d)}_mut`;
    const mutant = wrapper.replace(`module ${wrapperOf(d)} (`, `module ${mutName} (`)
      .replace('.s_axi_awaddr(s_axi.awaddr)', '.s_axi_awaddr(s_axi.araddr)').replace('.s_axi_araddr(s_axi.araddr)', '.s_axi_araddr(s_axi.awaddr)');
    expect(mutant).toContain('.s_axi_awaddr(s_axi.araddr)');
    const h = harness(d, 'tb_sv_sim', { ref: true, mutant: mutName });
    const sources = [
      ...file(name, 'files.f').trim().split('\n').map((f) => ({ name: f, text: file(name, f) })),
      { name: `${mutName}.sv`, text: mutant },
      { name: 'tb_sv_sim.sv', text: h.text },
    ];
    const target: SimTarget = { top: 'tb_sv_sim', sources, ports: h.ports, clock: d.verilog.clock!, ...(d.verilog.reset ? { reset: d.verilog.reset } : {}) };
    // Random inputs every cycle (a fixed-seed LCG), every output watched.
    let s = 12345;
    const rnd = (w: number): bigint => {
      let v = 0n;
      for (let b = 0; b < w; b += 16) {
        s = (s * 1103515245 + 12345) & 0x7fffffff;
        v = (v << 16n) | BigInt(s >> 15);
      }
      return v & ((1n << BigInt(w)) - 1n);
    };
    const cycles = 400;
    const inputs = d.verilog.ports.filter((p) => p.dir === 'input' && p.name !== d.verilog.clock && p.name !== d.verilog.reset?.name);
    const drive = Object.fromEntries(inputs.map((p) => [p.name, Array.from({ length: cycles }, () => rnd(p.width))]));
    const outs = d.verilog.ports.filter((p) => p.dir === 'output').map((p) => p.name);
    const [r] = await simulate(target, [{ cycles, drive, watch: [...outs, ...outs.map((o) => `ref_${o}`), ...outs.map((o) => `mut_${o}`)] }]);
    // Handshakes every cycle; a payload in the cycles its channel is valid (the
    // slices' data registers are not reset, and start random in each instance).
    const bundles = bundlesOf(d.verilog.ports);
    const shown = (o: string, pre: string) => {
      const b = bundles.find((x) => o.startsWith(`${x.prefix}_`));
      const f = b ? o.slice(b.prefix.length + 1) : '';
      if (!b || /(valid|ready)$/.test(f)) return r!.outputs[`${pre}${o}`]!;
      const valid = r!.outputs[`${pre}${b.prefix}_${['aw', 'ar', 'w', 'b', 'r'].find((c) => f.startsWith(c))}valid`]!;
      return r!.outputs[`${pre}${o}`]!.map((v, k) => (valid[k] ? v : null));
    };
    for (const o of outs) expect(shown(o, ''), o).toEqual(shown(o, 'ref_'));
    // The inputs reach the outputs (the comparison is not of constants), and the swap shows.
    expect(new Set(r!.outputs.m_axi_awaddr!.map(String)).size).toBeGreaterThan(10);
    expect(r!.outputs.m_axi_awvalid!.filter((v) => v === 1n).length).toBeGreaterThan(10);
    expect(shown('m_axi_awaddr', 'mut_')).not.toEqual(shown('m_axi_awaddr', 'ref_'));
  });
});

describe("a user's module", () => {
  class Inverter extends Module {
    readonly io = this.ports({ a: In(UInt(1)), b: Out(UInt(1)) });
    constructor(readonly name: string) { super({ clock: null }); }
    override get moduleName() { return this.name; }
    protected build(): void { this.io.b.set(this.io.a.not()); }
  }
  class LiteTop extends Module {
    readonly io = this.ports({ regs: In(AxiLite({ addrBits: 4 })), busy: Out(UInt(1)) });
    constructor(readonly child: string) { super({ clock: null }); }
    override get moduleName() { return 'LiteTop'; }
    protected build(): void {
      const inv = instance(new Inverter(this.child));
      inv.io.a.set(this.io.regs.awvalid);
      this.io.busy.set(inv.io.b);
      const r = this.io.regs as unknown as Record<string, { set(v: number): void }>;
      for (const f of ['awready', 'wready', 'bresp', 'bvalid', 'arready', 'rdata', 'rresp', 'rvalid']) r[f]!.set(0);
    }
  }

  test('gets the wrapper (no clock: none in the wrapper); a child already named <Top>_sv is a NAME COLLISION', () => {
    const top = new LiteTop('Inv');
    const v = generate(top);
    const files = svWrapper(top, v)!;
    expect(files.map((f) => f.name)).toEqual(['tcast_axi4_lite_if.sv', 'LiteTop_sv.sv']);
    const text = files[1]!.text;
    expect(text).toMatch(/^ {2}tcast_axi4_lite_if\.slave regs, \/\/ @\[test\/rtl\/sv-wrapper\.test\.ts:\d+\]$/m);
    expect(text).toContain('//   regs  tcast_axi4_lite_if #(.ADDR_WIDTH(4), .DATA_WIDTH(32)), modport slave');
    expect(text).not.toMatch(/clock/);
    expect(portMapProblems(text, 'LiteTop', v.ports)).toEqual([]);
    const clash = new LiteTop('LiteTop_sv');
    expect(() => svWrapper(clash, generate(clash))).toThrow(/NAME COLLISION: the design already has a module named LiteTop_sv/);
  });
});
