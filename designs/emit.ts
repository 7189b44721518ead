/**
 * Generates every shipped design into a directory tree (rtl/ by default):
 * rtl/<design>/<Module>.v, rtl/<design>/files.f, and rtl/designs.json (the
 * index: design, top module, ports). The index is also the manifest of what
 * tcast wrote: files of designs that no longer exist are removed only when the
 * previous index lists them, and a folder with no index of its own is never
 * written into without `force` (nothing of its own is ever removed).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, writeDesign } from '../generator/back/design';
import type { VerilogDesign } from '../generator/back/verilog';
import { registerDriverTs, registerHeaderC } from '../generator/stdlib/axi/driver';
import { registerMapsOf } from '../generator/stdlib/axi/regmap';
import type { Module } from '../generator/hdl/module';
import { loadDesigns, type DesignEntry } from './registry';

/** A file generated beside the Verilog (a register driver, a C header, a FuseSoC core). */
export interface ExtraFile { name: string; text: string }
export interface GeneratedDesign { entry: DesignEntry; verilog: VerilogDesign; extras: ExtraFile[] }

/**
 * The files a design gets beside its Verilog, from its elaborated top module:
 * for the RegisterMap its top serves, `<Top>.regs.ts` and `<Top>.h`.
 */
function extraFiles(top: Module, verilog: VerilogDesign): ExtraFile[] {
  const maps = registerMapsOf(top);
  if (maps.length > 1) throw userError(`${verilog.top} serves ${maps.length} register maps (${maps.map((m) => m.name).join(', ')}); drivers are generated for one map per top module`);
  const out: ExtraFile[] = [];
  for (const m of maps) out.push({ name: `${verilog.top}.regs.ts`, text: registerDriverTs(m, verilog.top) }, { name: `${verilog.top}.h`, text: registerHeaderC(m, verilog.top) });
  return out;
}

function userError(message: string): Error {
  return Object.assign(new Error(message), { userFacing: true, exitCode: 2 });
}

const DESIGN_NAME = /^[a-z0-9][a-z0-9-]*$/;
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const EXTRA_NAME = /^[A-Za-z_][A-Za-z0-9_$.-]*\.(regs\.ts|h|core|sv)$/;

/**
 * The entries of a designs.json that tcast wrote, or undefined when there is
 * none or it is not one of tcast's (malformed, or naming paths that are not
 * plain design and module names).
 */
function ownIndex(path: string): { name: string; modules: string[]; extras?: string[] }[] | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(raw)) return undefined;
  const ok = (raw as unknown[]).every((e: unknown): boolean => {
    if (typeof e !== 'object' || e === null) return false;
    const { name, modules, extras } = e as { name?: unknown; modules?: unknown; extras?: unknown };
    return typeof name === 'string' && DESIGN_NAME.test(name) &&
      Array.isArray(modules) && modules.every((m: unknown) => typeof m === 'string' && MODULE_NAME.test(m)) &&
      (extras === undefined || (Array.isArray(extras) && extras.every((x: unknown) => typeof x === 'string' && EXTRA_NAME.test(x))));
  });
  return ok ? (raw as { name: string; modules: string[]; extras?: string[] }[]) : undefined;
}

/** Removes the files tcast wrote for a design (its modules, files.f and extras), then the folder if nothing else is in it. */
function removeGenerated(dir: string, modules: string[], extras: string[] = []): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
  for (const f of [...modules.map((m) => `${m}.v`), 'files.f', ...extras]) rmSync(join(dir, f), { force: true });
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

/** Elaborates the shipped designs (all, or those named) in memory. */
export async function generateAll(names?: string[]): Promise<GeneratedDesign[]> {
  const all = await loadDesigns();
  const unknown = (names ?? []).filter((n) => !all.some((d) => d.name === n));
  if (unknown.length) {
    const err = new Error(`unknown design(s): ${unknown.join(', ')}; run 'tcast generate --list' for the names`) as Error & { userFacing: boolean };
    err.userFacing = true;
    throw err;
  }
  const chosen = names !== undefined && names.length > 0 ? all.filter((d) => names.includes(d.name)) : all;
  return chosen.map((entry) => {
    const top = entry.make();
    const verilog = generate(top);
    return { entry, verilog, extras: extraFiles(top, verilog) };
  });
}

/** The text of rtl/designs.json for a set of generated designs (merged into `keep`, an existing index, by name). */
export function indexJson(ds: GeneratedDesign[], keep: { name: string }[] = []): string {
  const fresh = ds.map(({ entry, verilog, extras }) => ({
    name: entry.name,
    summary: entry.summary,
    top: verilog.top,
    modules: verilog.modules.map((m) => m.name),
    ...(extras.length ? { extras: extras.map((x) => x.name) } : {}),
    clock: verilog.clock ?? null,
    reset: verilog.reset ?? null,
    ports: verilog.ports,
  }));
  const index = [...keep.filter((k) => !fresh.some((f) => f.name === k.name)), ...fresh].sort((a, b) => a.name.localeCompare(b.name));
  return JSON.stringify(index, null, 2) + '\n';
}

/**
 * Writes designs under `root`; with `prune`, removes the designs that the
 * previous designs.json lists and the set does not hold (only their files).
 * A non-empty `root` without a designs.json of tcast's is refused unless
 * `force` (then written beside the existing files, none removed).
 */
export function writeAll(ds: GeneratedDesign[], root: string, prune: boolean, opts: { force?: boolean } = {}): string[] {
  if (existsSync(root) && !statSync(root).isDirectory()) throw userError(`${root} is a file, not a directory`);
  mkdirSync(root, { recursive: true });
  const indexPath = join(root, 'designs.json');
  const previous = ownIndex(indexPath);
  if (!previous && readdirSync(root).length > 0 && !opts.force) {
    throw userError(`${root} is not empty and has no designs.json written by tcast: tcast writes into (and cleans) only folders it created; ` +
      `give a new or empty folder, or --force to write beside the existing files (none of them is removed)`);
  }
  if (prune && previous) {
    const keep = new Set(ds.map((d) => d.entry.name));
    for (const old of previous) if (!keep.has(old.name)) removeGenerated(join(root, old.name), old.modules, old.extras);
  }
  const written: string[] = [];
  for (const d of ds) {
    const dir = join(root, d.entry.name);
    written.push(...writeDesign(d.verilog, dir).files);
    // Extras an earlier run wrote and this one does not are removed (only names the index lists).
    const before = previous?.find((p) => p.name === d.entry.name)?.extras ?? [];
    for (const f of before) if (!d.extras.some((x) => x.name === f)) rmSync(join(dir, f), { force: true });
    for (const x of d.extras) {
      writeFileSync(join(dir, x.name), x.text);
      written.push(join(dir, x.name));
    }
  }
  // Generating some designs updates their entries and keeps the others'.
  writeFileSync(indexPath, indexJson(ds, !prune && previous ? previous : []));
  return written;
}

/** Files under `root` that differ from what the generators produce now (for `--check` and the tests). */
export function driftAgainst(ds: GeneratedDesign[], root: string): string[] {
  const drift: string[] = [];
  const same = (path: string, text: string): boolean => existsSync(path) && readFileSync(path, 'utf8') === text;
  for (const { entry, verilog, extras } of ds) {
    const dir = join(root, entry.name);
    for (const x of extras) if (!same(join(dir, x.name), x.text)) drift.push(join(dir, x.name));
    for (const m of verilog.modules) if (!same(join(dir, `${m.name}.v`), m.text)) drift.push(join(dir, `${m.name}.v`));
    const fl = verilog.modules.map((m) => `${m.name}.v`).join('\n') + '\n';
    if (!same(join(dir, 'files.f'), fl)) drift.push(join(dir, 'files.f'));
    if (existsSync(dir)) {
      const want = new Set([...verilog.modules.map((m) => `${m.name}.v`), 'files.f', ...extras.map((x) => x.name)]);
      for (const f of readdirSync(dir)) if (!want.has(f)) drift.push(join(dir, f));
    }
  }
  if (!same(join(root, 'designs.json'), indexJson(ds))) drift.push(join(root, 'designs.json'));
  return drift;
}
