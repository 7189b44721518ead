import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fsReason } from '../sim/fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * The contract every `tcast` subcommand follows. A command lives in
 * cli/commands/NAME.ts and default-exports a Command; cli/main.ts finds it by
 * file name, so adding a command touches no other file.
 */
export interface Command {
  /** The word after `tcast`. */
  name: string;
  /** One line for `tcast --help`. */
  summary: string;
  /** The full text for `tcast NAME --help`: usage, options, exit codes. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Exit codes that mean something, shared by every command. */
export const EXIT = {
  ok: 0,
  /** The check the command ran failed (a mismatch, a failing property). */
  failed: 1,
  /** The input was wrong: a bad option, config, case directory or workload. */
  usage: 2,
  /** A tool the command needs is missing (Verilator, Yosys, Icarus). */
  missingTool: 3,
  /** A bug in tcast itself. */
  internal: 70,
} as const;

/**
 * An error the user can act on: the message names the thing and the fix. The
 * CLI prints it as one line, without a stack trace. Any layer may throw its own
 * error class instead, as long as it sets `userFacing = true` (duck-typed so
 * that the golden model and the DSL need not import the CLI).
 */
export class UsageError extends Error {
  readonly userFacing = true;
  readonly exitCode: number = EXIT.usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * node:util's parseArgs, with its errors turned into a UsageError that points
 * at the command's --help: `tcast COMMAND --help`, or `INVOCATION --help` when
 * the options belong to another entry point (`npm run bench -- NAME`).
 */
export function parseOptions<O extends ParseArgsConfig['options']>(
  command: string, argv: string[], options: O, allowPositionals = false, invocation = `tcast ${command}`,
): { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: boolean }>>['values']; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: r.values as never, positionals: r.positionals };
  } catch (e) {
    // One line: node's messages can span several ("... is ambiguous.\nDid you forget ...").
    const message = (e as Error).message.replace(/([.?!]?)\s*\n\s*/g, (_m, p: string) => `${p || '.'} `).replace(/\.$/, '');
    throw new UsageError(`${message}; see '${invocation} --help'`);
  }
}

export function isUserFacing(e: unknown): e is Error & { userFacing: true; exitCode?: number } {
  return e instanceof Error && (e as { userFacing?: unknown }).userFacing === true;
}

/**
 * Whether the module at `moduleUrl` (its import.meta.url) is the script node
 * was started with (`tsx cli/main.ts`, `tsx bench/run.ts`, through a symlink
 * too), rather than imported (by a test, say).
 */
export function isEntryModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === fileURLToPath(moduleUrl);
  } catch {
    return false;
  }
}

/** File-system errors that are about the user's paths or machine, not a bug in tcast. */
const FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EISDIR', 'ENOTDIR', 'ENOENT', 'EEXIST', 'ENAMETOOLONG', 'EDQUOT', 'ELOOP', 'EMFILE', 'ENFILE']);

/** A one-line message for an error that is the environment's, not tcast's; undefined for a real internal error. */
export function environmentMessage(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (err instanceof Error && err.code && FS_CODES.has(err.code)) {
    return `cannot ${err.syscall ?? 'access'} ${err.path ?? 'a file'}: ${fsReason(err)}`;
  }
  if (err instanceof RangeError && /allocation failed|Invalid (typed )?array length|Invalid string length|Array buffer/i.test(err.message)) {
    return `the input is too large to hold in memory (${err.message}); use a smaller case`;
  }
  return undefined;
}
