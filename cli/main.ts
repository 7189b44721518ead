/**
 * `tcast`: the command-line front door. Subcommands are discovered from
 * cli/commands/*.ts (see cli/command.ts for the contract).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXIT, isUserFacing, type Command } from './command';

const here = dirname(fileURLToPath(import.meta.url));

async function loadCommands(): Promise<Command[]> {
  const dir = join(here, 'commands');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
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
    'Usage: tcast <command> [options]     (tcast <command> --help for details)',
    '',
    'Commands:',
    ...cmds.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Exit codes: 0 ok, 1 check failed, 2 bad input, 3 missing tool, 70 internal error.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const cmds = await loadCommands();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(topHelp(cmds));
    return name ? EXIT.ok : EXIT.usage;
  }
  const cmd = cmds.find((c) => c.name === name);
  if (!cmd) {
    console.error(`tcast: unknown command '${name}'. Run 'tcast --help' for the list.`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.help);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (isUserFacing(e)) {
      console.error(`tcast ${name}: error: ${e.message}`);
      return e.exitCode ?? EXIT.usage;
    }
    console.error(`tcast ${name}: internal error (please report):`);
    console.error(e instanceof Error ? e.stack : String(e));
    return EXIT.internal;
  }
}

const isEntry = process.argv[1] !== undefined &&
  /(?:^|[\\/])(main\.ts|tcast(\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => { console.error(e); process.exitCode = EXIT.internal; },
  );
}
