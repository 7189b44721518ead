/**
 * From a module object to files: elaborate, emit, write one `<Module>.v` per
 * module plus `files.f` (children first) into a directory.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { elaborate } from '../hdl/elaborate';
import type { Module } from '../hdl/module';
import { emitVerilog, type VerilogDesign } from './verilog';

/** Elaborates `top` (running its build()) and returns its Verilog. */
export function generate(top: Module): VerilogDesign {
  return emitVerilog(elaborate(top));
}

/**
 * Writes a design to `dir` (created; stale .v files from an earlier run are
 * removed so the directory is exactly the design). Returns the paths written.
 */
export function writeDesign(d: VerilogDesign, dir: string): { files: string[]; filelist: string } {
  mkdirSync(dir, { recursive: true });
  const want = new Set(d.modules.map((m) => `${m.name}.v`));
  for (const f of readdirSync(dir)) if (f.endsWith('.v') && !want.has(f)) rmSync(join(dir, f));
  const files: string[] = [];
  for (const m of d.modules) {
    const p = join(dir, `${m.name}.v`);
    writeFileSync(p, m.text);
    files.push(p);
  }
  const filelist = join(dir, 'files.f');
  writeFileSync(filelist, d.modules.map((m) => `${m.name}.v`).join('\n') + '\n');
  return { files, filelist };
}
