/**
 * Locating the external HDL tools (Verilator, Icarus Verilog, Yosys) and the
 * C++ toolchain Verilator builds with. A missing tool raises ToolMissingError,
 * a one-line, user-facing error that names the tool and the command that
 * installs it. Duck-typed to the CLI's convention (`userFacing`, `exitCode`)
 * so that sim/ need not import cli/.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export type ToolName = 'verilator' | 'iverilog' | 'yosys' | 'yosys-abc' | 'make' | 'g++';

interface ToolInfoSpec {
  /** The name users know the tool by, used in messages. */
  display: string;
  /** The Debian package that provides it. */
  aptPackage: string;
  /** Arguments that print the version. */
  versionArgs: string[];
  /** Extracts the version string from the version output. */
  parseVersion: (out: string) => string;
}

const SPECS: Record<ToolName, ToolInfoSpec> = {
  verilator: {
    display: 'Verilator',
    aptPackage: 'verilator',
    versionArgs: ['--version'],
    parseVersion: (out) => /Verilator\s+(\S+)/.exec(out)?.[1] ?? out.trim(),
  },
  iverilog: {
    display: 'Icarus Verilog (iverilog)',
    aptPackage: 'iverilog',
    versionArgs: ['-V'],
    parseVersion: (out) => /version\s+(\S+)/.exec(out)?.[1] ?? out.split('\n')[0]!.trim(),
  },
  yosys: {
    display: 'Yosys',
    aptPackage: 'yosys',
    versionArgs: ['-V'],
    parseVersion: (out) => /Yosys\s+(\S+)/.exec(out)?.[1] ?? out.trim(),
  },
  'yosys-abc': {
    display: 'ABC (yosys-abc, the model checker of `tcast formal`)',
    aptPackage: 'yosys',
    versionArgs: ['-c', 'version'],
    parseVersion: (out) => /ABC\s+(\S+)/.exec(out)?.[1] ?? out.trim(),
  },
  make: {
    display: 'make',
    aptPackage: 'make',
    versionArgs: ['--version'],
    parseVersion: (out) => /Make\s+(\S+)/.exec(out)?.[1] ?? out.split('\n')[0]!.trim(),
  },
  'g++': {
    display: 'g++ (C++ compiler, needed by Verilator)',
    aptPackage: 'g++',
    versionArgs: ['--version'],
    parseVersion: (out) => /(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? out.split('\n')[0]!.trim(),
  },
};

/** A tool is not installed. One line: what is missing and how to install it. */
export class ToolMissingError extends Error {
  readonly userFacing = true;
  /** Matches EXIT.missingTool in cli/command.ts. */
  readonly exitCode = 3;
  constructor(
    readonly tool: ToolName,
    message: string,
  ) {
    super(message);
    this.name = 'ToolMissingError';
  }
}

export interface ToolInfo {
  name: ToolName;
  /** Absolute path of the executable. */
  path: string;
  /** Version as the tool reports it, e.g. "5.006". */
  version: string;
  /** The tool's full first version line. */
  versionLine: string;
}

const found = new Map<ToolName, ToolInfo>();

function whichOnPath(exe: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, exe);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function missingMessage(tool: ToolName): string {
  const s = SPECS[tool];
  return `${s.display} not found on PATH: install it with 'apt-get update && apt-get install -y ${s.aptPackage}' (as root)`;
}

/**
 * Finds a tool on PATH and reads its version (cached per process).
 * @throws ToolMissingError when the tool is not on PATH or does not run.
 */
export function requireTool(tool: ToolName): ToolInfo {
  const cached = found.get(tool);
  if (cached) return cached;
  const spec = SPECS[tool];
  const path = whichOnPath(tool);
  if (!path) throw new ToolMissingError(tool, missingMessage(tool));
  let out: string;
  try {
    out = execFileSync(path, spec.versionArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    // Some tools print their version to stderr or exit non-zero; accept any output.
    out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    if (!out.trim()) throw new ToolMissingError(tool, `${missingMessage(tool)} (found ${path} but it does not run)`);
  }
  const info: ToolInfo = {
    name: tool,
    path,
    version: spec.parseVersion(out),
    versionLine: out.split('\n').find((l) => l.trim() !== '')?.trim() ?? '',
  };
  found.set(tool, info);
  return info;
}

/** Like requireTool, but returns undefined instead of throwing. */
export function findTool(tool: ToolName): ToolInfo | undefined {
  try {
    return requireTool(tool);
  } catch (e) {
    if (e instanceof ToolMissingError) return undefined;
    throw e;
  }
}

/** Versions of the three HDL tools; a missing tool is reported as null. */
export function toolVersions(): Record<'verilator' | 'iverilog' | 'yosys', string | null> {
  return {
    verilator: findTool('verilator')?.version ?? null,
    iverilog: findTool('iverilog')?.version ?? null,
    yosys: findTool('yosys')?.version ?? null,
  };
}

/** Forgets cached lookups (for tests that change PATH). */
export function resetToolCache(): void {
  found.clear();
}
