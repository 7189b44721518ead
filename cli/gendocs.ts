/**
 * Generated sections of the docs: tables written from a declaration (the
 * register maps) between `<!-- generated:ID -->` and `<!-- end generated:ID -->`
 * markers. `tcast generate` rewrites them; `tcast generate --check` and the
 * tests report a section that differs from its declaration.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DMA_REGISTERS } from '../accel/dma/regs';
import { ENGINE_REGISTERS, PROGRAM_CHECKS } from '../accel/engine/regs';
import { ENGINE_DESCRIPTOR } from '../accel/engine/descriptor';

export interface DocSection {
  /** Path relative to the project root. */
  file: string;
  id: string;
  text(): string;
}

export const DOC_SECTIONS: DocSection[] = [
  { file: 'docs/AXI.md', id: 'dma-registers', text: () => DMA_REGISTERS.markdown() },
  { file: 'docs/ENGINE.md', id: 'engine-registers', text: () => ENGINE_REGISTERS.markdown() },
  { file: 'docs/ENGINE.md', id: 'engine-descriptor', text: () => ENGINE_DESCRIPTOR.markdown() },
  { file: 'docs/ENGINE.md', id: 'engine-checks', text: programChecksMarkdown },
];

/** The register checks of START (ERROR.CAUSE codes) as a markdown table. */
function programChecksMarkdown(): string {
  const rows = PROGRAM_CHECKS.map((c) => `| ${c.code} | ${c.reg} | ${c.what} | ${c.fix} |`);
  return ['| CAUSE | Register | Refused when | Fix |', '|---|---|---|---|', ...rows, ''].join('\n');
}

const begin = (id: string) => `<!-- generated:${id} (npm run generate; from the declaration, do not edit) -->`;
const end = (id: string) => `<!-- end generated:${id} -->`;

/** The file's text with the section replaced; throws a one-line error when its markers are missing. */
function withSection(text: string, s: DocSection): string {
  const a = text.indexOf(begin(s.id));
  const b = text.indexOf(end(s.id));
  if (a < 0 || b < a) throw Object.assign(new Error(`${s.file} has no generated section '${s.id}': add the lines '${begin(s.id)}' and '${end(s.id)}' where the table goes`), { userFacing: true });
  return `${text.slice(0, a)}${begin(s.id)}\n${s.text()}${text.slice(b)}`;
}

/** Docs whose generated sections differ from their declarations (paths relative to root). */
export function docsDrift(root: string): string[] {
  const out: string[] = [];
  for (const s of DOC_SECTIONS) {
    const path = join(root, s.file);
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (withSection(text, s) !== text) out.push(s.file);
  }
  return [...new Set(out)];
}

/** Rewrites the generated sections; returns the files that changed. */
export function writeDocs(root: string): string[] {
  const changed: string[] = [];
  for (const s of DOC_SECTIONS) {
    const path = join(root, s.file);
    const text = readFileSync(path, 'utf8');
    const next = withSection(text, s);
    if (next !== text) {
      writeFileSync(path, next);
      changed.push(s.file);
    }
  }
  return changed;
}
