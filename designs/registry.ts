/**
 * The shipped designs: each is generated into rtl/<name>/ by `npm run generate`
 * and checked by the test suite (lint, synthesis, Icarus, and "rtl/ matches
 * its generator").
 *
 * A file designs/NAME.ts default-exports a list of DesignEntry;
 * this registry discovers the files, so adding a design touches no other file.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Module } from '../generator/hdl/module';

export interface DesignEntry {
  /** Directory under rtl/ (lower-case, dash-separated: `queue-d4-w8-reg`). */
  name: string;
  /** One line on what the configuration is. */
  summary: string;
  /** A fresh top module (a new object per call: modules build once). */
  make(): Module;
}

const here = dirname(fileURLToPath(import.meta.url));

export async function loadDesigns(): Promise<DesignEntry[]> {
  const files = readdirSync(here)
    // .ts in the checkout, .js in the installed package (dist/designs).
    .filter((f) => /\.[jt]s$/.test(f) && !f.endsWith('.d.ts') && !/^(registry|emit)\.[jt]s$/.test(f))
    .sort();
  const out: DesignEntry[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as { default?: DesignEntry[] };
    for (const d of mod.default ?? []) out.push(d);
  }
  const seen = new Set<string>();
  for (const d of out) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(d.name)) throw new Error(`design name '${d.name}' must be lower-case letters, digits and dashes`);
    if (seen.has(d.name)) throw new Error(`two designs are named '${d.name}'`);
    seen.add(d.name);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
