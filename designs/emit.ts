/**
 * Generates every shipped design into a directory tree (rtl/ by default):
 * rtl/<design>/<Module>.v, rtl/<design>/files.f, and rtl/designs.json (the
 * index: design, top module, ports). Directories of designs that no longer
 * exist are removed, so rtl/ is exactly what the generators produce.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, writeDesign } from '../generator/back/design';
import type { VerilogDesign } from '../generator/back/verilog';
import { loadDesigns, type DesignEntry } from './registry';

export interface GeneratedDesign { entry: DesignEntry; verilog: VerilogDesign }

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
  return chosen.map((entry) => ({ entry, verilog: generate(entry.make()) }));
}

/** The text of rtl/designs.json for a set of generated designs (merged into `keep`, an existing index, by name). */
export function indexJson(ds: GeneratedDesign[], keep: { name: string }[] = []): string {
  const fresh = ds.map(({ entry, verilog }) => ({
    name: entry.name,
    summary: entry.summary,
    top: verilog.top,
    modules: verilog.modules.map((m) => m.name),
    clock: verilog.clock ?? null,
    reset: verilog.reset ?? null,
    ports: verilog.ports,
  }));
  const index = [...keep.filter((k) => !fresh.some((f) => f.name === k.name)), ...fresh].sort((a, b) => a.name.localeCompare(b.name));
  return JSON.stringify(index, null, 2) + '\n';
}

/** Writes designs under `root`; with `prune`, removes design directories not in the set. */
export function writeAll(ds: GeneratedDesign[], root: string, prune: boolean): string[] {
  mkdirSync(root, { recursive: true });
  if (prune) {
    const keep = new Set(ds.map((d) => d.entry.name));
    for (const f of readdirSync(root, { withFileTypes: true })) {
      if (f.isDirectory() && !keep.has(f.name)) rmSync(join(root, f.name), { recursive: true });
    }
  }
  const written: string[] = [];
  for (const d of ds) written.push(...writeDesign(d.verilog, join(root, d.entry.name)).files);
  // Generating some designs updates their entries and keeps the others'.
  const indexPath = join(root, 'designs.json');
  const keep = !prune && existsSync(indexPath) ? (JSON.parse(readFileSync(indexPath, 'utf8')) as { name: string }[]) : [];
  writeFileSync(indexPath, indexJson(ds, keep));
  return written;
}

/** Files under `root` that differ from what the generators produce now (for `--check` and the tests). */
export function driftAgainst(ds: GeneratedDesign[], root: string): string[] {
  const drift: string[] = [];
  const same = (path: string, text: string): boolean => existsSync(path) && readFileSync(path, 'utf8') === text;
  for (const { entry, verilog } of ds) {
    const dir = join(root, entry.name);
    for (const m of verilog.modules) if (!same(join(dir, `${m.name}.v`), m.text)) drift.push(join(dir, `${m.name}.v`));
    const fl = verilog.modules.map((m) => `${m.name}.v`).join('\n') + '\n';
    if (!same(join(dir, 'files.f'), fl)) drift.push(join(dir, 'files.f'));
    if (existsSync(dir)) {
      const want = new Set([...verilog.modules.map((m) => `${m.name}.v`), 'files.f']);
      for (const f of readdirSync(dir)) if (!want.has(f)) drift.push(join(dir, f));
    }
  }
  if (!same(join(root, 'designs.json'), indexJson(ds))) drift.push(join(root, 'designs.json'));
  return drift;
}
