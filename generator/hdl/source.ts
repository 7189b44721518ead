/**
 * Where in the user's TypeScript a piece of hardware was built. Every signal,
 * connection and expression records the first stack frame outside the DSL core
 * (this folder), so the Verilog can carry `// @[file:line]` locators and the
 * elaboration errors can point at the line to fix. The same frame gives the
 * signal its name: `const count = Reg(...)` names the register `count`.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceLoc } from '../netlist/loc';

const coreDir = dirname(fileURLToPath(import.meta.url));

/** The repository root: locators are relative to it so output is machine-independent. */
export const projectRoot = resolve(coreDir, '..', '..');

export { locToString, type SourceLoc } from '../netlist/loc';

const frameRe = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?$/;

function normalise(path: string): string {
  let p = path.startsWith('file://') ? fileURLToPath(path) : path;
  // Vite/vitest sometimes appends a query (e.g. ?v=123) to module URLs.
  p = p.replace(/\?.*$/, '');
  return p;
}

/**
 * The first frame outside the DSL core. Frames inside node_modules and node
 * internals are skipped too.
 */
export function callerLoc(): SourceLoc | undefined {
  const stack = new Error().stack;
  if (!stack) return undefined;
  const lines = stack.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const m = frameRe.exec(lines[i]!.trim());
    if (!m) continue;
    const abs = normalise(m[1]!);
    if (abs.startsWith('node:') || abs.includes(`${sep}node_modules${sep}`)) continue;
    if (abs.startsWith(coreDir + sep)) continue;
    const rel = relative(projectRoot, abs).split(sep).join('/');
    return { file: rel, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

const fileLines = new Map<string, string[] | null>();
function lineOf(loc: SourceLoc): string | undefined {
  let lines = fileLines.get(loc.file);
  if (lines === undefined) {
    try {
      lines = readFileSync(resolve(projectRoot, loc.file), 'utf8').split('\n');
    } catch {
      lines = null;
    }
    fileLines.set(loc.file, lines);
  }
  return lines?.[loc.line - 1];
}

const declRes = [
  /(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=[^=]/g,
  /this\.([A-Za-z_$][\w$]*)\s*=[^=]/g,
  /^\s*(?:readonly\s+|private\s+|protected\s+|public\s+)*([A-Za-z_$][\w$]*)\s*=[^=]/g,
  /^\s*([A-Za-z_$][\w$]*)\s*:/g,
];

/**
 * The name a user gave the value built at `loc`: the variable, field or
 * property on the left of the call. Undefined when the line declares nothing.
 */
export function inferName(loc: SourceLoc | undefined): string | undefined {
  if (!loc) return undefined;
  const text = lineOf(loc);
  if (!text) return undefined;
  const before = text.slice(0, Math.max(0, loc.column - 1));
  let best: string | undefined;
  for (const re of declRes) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(before)) !== null) best = m[1];
    if (best) return best;
  }
  return best;
}
