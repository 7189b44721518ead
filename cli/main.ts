/**
 * `tcast`: the command-line front door. Subcommands are discovered from
 * cli/commands/*.ts (see cli/command.ts for the contract).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXIT, environmentMessage, isEntryModule, isUserFacing, type Command } from './command';
import { fsReason } from './io';
import { clearProgress, progressNote } from './progress';
import { reportLockWaits } from '../sim/cache';
import { exitOnSignals, killChildren, runCleanups } from '../sim/proc';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Loads the commands: only `only` (the file cli/commands/ONLY.ts) when it
 * exists, so that a command does not pay for loading the others; all of them
 * otherwise (for the help and for an unknown name).
 */
async function loadCommands(only?: string): Promise<Command[]> {
  const dir = join(here, 'commands');
  // .ts in the checkout, .js in the installed package (dist/cli/commands).
  const all = readdirSync(dir)
    .filter((f) => /\.[jt]s$/.test(f) && !f.endsWith('.d.ts'))
    .sort();
  const one = all.find((f) => only !== undefined && f.replace(/\.[jt]s$/, '') === only);
  const files = one !== undefined ? [one] : all;
  const cmds: Command[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: Command };
    if (mod.default) cmds.push(mod.default);
  }
  return cmds;
}

function topHelp(cmds: Command[]): string {
  const w = Math.max(...cmds.map((c) => c.name.length));
  return [
    'tcast: describe, generate and verify tensor-casting gather-scatter accelerators',
    '',
    'Usage: tcast <command> [options]     (tcast <command> --help, or tcast help <command>, for details)',
    '',
    'Commands:',
    ...cmds.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Options: --version prints the version; --help this text.',
    '',
    'Exit codes: 0 ok, 1 check failed, 2 bad input, 3 missing tool, 70 internal error (docs/ERRORS.md).',
  ].join('\n');
}

export function version(): string {
  // cli/ in the checkout; dist/cli/ in the installed package.
  const pkg = [join(here, '..', 'package.json'), join(here, '..', '..', 'package.json')].find((p) => existsSync(p))!;
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** Whether anything was written to standard output (a `--json` error document is printed only on a clean stdout). */
let wroteStdout = false;
let watching = false;
function watchStdout(): void {
  if (watching) return;
  watching = true;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((...args: Parameters<typeof write>) => {
    wroteStdout = true;
    return write(...args);
  }) as typeof process.stdout.write;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // With --json, standard output is one JSON document: the results, or the error.
  const json = argv.includes('--json');
  if (json) watchStdout();
  /** The one-line error on stderr; with --json, also as the JSON document on stdout. */
  const fail = (code: number, message: string): number => {
    clearProgress();
    console.error(`tcast ${name}: error: ${message}`);
    if (json && !wroteStdout) console.log(JSON.stringify({ error: { command: name, message, exitCode: code } }, null, 2));
    return code;
  };
  if (name === '--version' || name === '-V') {
    console.log(json ? JSON.stringify({ version: version() }) : `tcast ${version()}`);
    return EXIT.ok;
  }
  const cmds = await loadCommands(name && /^[a-z][a-z0-9-]*$/.test(name) ? name : undefined);
  // `tcast help CMD` is `tcast CMD --help`.
  if (name === 'help' && rest.length > 0) {
    const c = cmds.find((x) => x.name === rest[0]);
    if (!c || rest.length > 1) return fail(EXIT.usage, c ? `help takes one command, got ${rest.join(' ')}` : `unknown command '${rest[0]}'; run 'tcast --help' for the list`);
    console.log(c.help);
    return EXIT.ok;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(topHelp(cmds));
    return name ? EXIT.ok : EXIT.usage;
  }
  const cmd = cmds.find((c) => c.name === name);
  if (!cmd) {
    console.error(`tcast: unknown command '${name}'. Run 'tcast --help' for the list.`);
    if (json) console.log(JSON.stringify({ error: { command: name, message: `unknown command '${name}'`, exitCode: EXIT.usage } }, null, 2));
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.help);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (isUserFacing(e)) return fail(e.exitCode ?? EXIT.usage, e.message);
    const env = environmentMessage(e);
    if (env) return fail(EXIT.usage, env);
    clearProgress();
    console.error(`tcast ${name}: internal error (please report):`);
    console.error(e instanceof Error ? e.stack : String(e));
    if (json && !wroteStdout) console.log(JSON.stringify({ error: { command: name, message: `internal error: ${e instanceof Error ? e.message : String(e)}`, exitCode: EXIT.internal } }, null, 2));
    return EXIT.internal;
  }
}

/**
 * Runs the CLI as the process: exit code, signals (children killed, temporary
 * files removed), and a closed standard output (`tcast ... | head -1`).
 */
export function runCli(argv = process.argv.slice(2)): void {
  exitOnSignals();
  const cmd = argv[0] && !argv[0].startsWith('-') ? `tcast ${argv[0]}` : 'tcast';
  reportLockWaits((m) => progressNote(`${cmd}: ${m}`));
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    killChildren();
    runCleanups();
    process.stderr.write(e.code === 'EPIPE'
      ? `${cmd}: error: standard output was closed before all output was written (EPIPE)\n`
      : `${cmd}: error: cannot write to standard output: ${fsReason(e)}\n`);
    process.exit(EXIT.usage);
  });
  main(argv).then(
    (code) => { process.exitCode = code; },
    (e) => { console.error(e); process.exitCode = EXIT.internal; },
  );
}

// `tsx cli/main.ts` (npm scripts); bin/tcast.js calls runCli itself, so that a
// symlink of any name works.
if (isEntryModule(import.meta.url)) runCli();
