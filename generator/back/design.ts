/**
 * From a module object to files: elaborate, emit, write one `<Module>.v` per
 * module plus `files.f` (children first) into a directory.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { elaborate } from '../hdl/elaborate';
import { withBaselineJit } from '../hdl/jit';
import type { Module } from '../hdl/module';
import { emitVerilog, type VerilogDesign } from './verilog';

/** Elaborates `top` (running its build()) and returns its Verilog. */
export function generate(top: Module): VerilogDesign {
  return withBaselineJit(() => emitVerilog(elaborate(top)));
}

/**
 * Writes a design to `dir` (created; .v files an earlier run listed in its
 * files.f and this design no longer has are removed). Returns the paths written.
 * `alsoListed` are files the caller writes beside the Verilog that belong in
 * files.f after it (an SV wrapper and its interfaces).
 */
export function writeDesign(d: VerilogDesign, dir: string, alsoListed: string[] = []): { files: string[]; filelist: string } {
  mkdirSync(dir, { recursive: true });
  const want = new Set(d.modules.map((m) => `${m.name}.v`));
  // Only files an earlier run wrote (listed in its files.f) are removed: never a file of the user's.
  const filelist = join(dir, 'files.f');
  const earlier = existsSync(filelist) ? readFileSync(filelist, 'utf8').split('\n').filter((f) => /^[A-Za-z_][A-Za-z0-9_$]*\.v$/.test(f)) : [];
  for (const f of earlier) if (!want.has(f)) rmSync(join(dir, f), { force: true });
  const files: string[] = [];
  for (const m of d.modules) {
    const p = join(dir, `${m.name}.v`);
    writeIfChanged(p, m.text);
    files.push(p);
  }
  writeIfChanged(filelist, filelistText(d, alsoListed));
  return { files, filelist };
}

/**
 * Writes `text` to `path` unless the file already holds exactly that: an
 * unchanged tree is left untouched (no mtime churn, and a reader of rtl/ never
 * sees a file truncated mid-rewrite when `tcast demo` regenerates it).
 */
export function writeIfChanged(path: string, text: string): void {
  try {
    if (readFileSync(path, 'utf8') === text) return;
  } catch {
    // missing or unreadable: write it
  }
  writeFileSync(path, text);
}

/** The text of a design's files.f: its modules' .v files, children first, then `alsoListed`. */
export function filelistText(d: VerilogDesign, alsoListed: string[] = []): string {
  return [...d.modules.map((m) => `${m.name}.v`), ...alsoListed].join('\n') + '\n';
}
