/**
 * The plain description of a design that every sim/ entry point takes:
 * Verilog as files on disk and/or as in-memory texts, plus the top module name.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

export interface VerilogSource {
  /** File name (no directories), e.g. "fifo.v"; the extension picks the language for some tools. */
  name: string;
  text: string;
}

export interface VerilogInput {
  /** Name of the top module. */
  top: string;
  /** Verilog files on disk. */
  files?: string[];
  /** Verilog texts held in memory. */
  sources?: VerilogSource[];
}

/** A user-facing error about the input a caller passed (bad port name, bad value...). */
export class SimInputError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'SimInputError';
  }
}

const SAFE_NAME = /^[A-Za-z0-9_.+-]+$/;

function checkTop(top: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(top)) throw new SimInputError(`invalid top module name '${top}'`);
}

/**
 * Reads every source into memory, in order (files first, then sources), with
 * unique plain file names. The texts are what cache keys hash.
 */
export async function loadSources(input: VerilogInput): Promise<VerilogSource[]> {
  checkTop(input.top);
  const out: VerilogSource[] = [];
  for (const f of input.files ?? []) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      throw new SimInputError(`cannot read Verilog file ${f}: ${(e as Error).message}`);
    }
    out.push({ name: basename(f), text });
  }
  for (const s of input.sources ?? []) {
    if (!SAFE_NAME.test(s.name)) throw new SimInputError(`invalid Verilog source name '${s.name}': use a plain file name`);
    out.push({ name: s.name, text: s.text });
  }
  if (out.length === 0) throw new SimInputError(`no Verilog given for top '${input.top}': pass files or sources`);
  // Make names unique (two files called rtl.v from different folders).
  const seen = new Set<string>();
  for (const [i, s] of out.entries()) {
    let name = s.name;
    if (seen.has(name)) name = `${i}_${name}`;
    seen.add(name);
    s.name = name;
  }
  return out;
}

/** Directories of the input files, for the tools' include path. */
export function includeDirs(input: VerilogInput): string[] {
  return [...new Set((input.files ?? []).map((f) => resolve(f, '..')))];
}

/**
 * Gives `fn` the input as file paths: files are used in place, in-memory
 * sources are written to a temporary directory removed afterwards.
 */
export async function withVerilogFiles<T>(
  input: VerilogInput,
  fn: (paths: string[], workDir: string) => Promise<T>,
): Promise<T> {
  checkTop(input.top);
  const dir = await mkdtemp(join(tmpdir(), 'tcast-v-'));
  try {
    const paths = (input.files ?? []).map((f) => resolve(f));
    const names = new Set<string>();
    for (const s of input.sources ?? []) {
      if (!SAFE_NAME.test(s.name)) throw new SimInputError(`invalid Verilog source name '${s.name}': use a plain file name`);
      if (names.has(s.name)) throw new SimInputError(`two Verilog sources are named '${s.name}'`);
      names.add(s.name);
      const p = join(dir, s.name);
      await writeFile(p, s.text);
      paths.push(p);
    }
    if (paths.length === 0) throw new SimInputError(`no Verilog given for top '${input.top}': pass files or sources`);
    return await fn(paths, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
