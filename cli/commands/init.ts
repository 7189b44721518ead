import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { EXIT, UsageError, parseOptions, type Command } from '../command';
import { checkOutDir } from '../io';
import { version } from '../main';

const help = `Usage: tcast init DIR [--tcast SPEC] [--json]

Creates a new project in DIR (new or empty): a sample design
(src/counter.ts), its test (test/counter.test.ts: generates the Verilog,
simulates it in Verilator, checks the count and the locators), a README, a
package.json and a tsconfig.json. Then: cd DIR && npm install && npm test.

Options:
  --tcast SPEC  the tcast dependency in package.json (default ^VERSION; e.g.
                file:../tcast-VERSION.tgz for a packed tarball)
  --json        print the files written as JSON

Exit codes: 0 ok, 2 bad input (DIR not empty, not writable).`;

const files = (name: string, tcast: string): Record<string, string> => ({
  'package.json': JSON.stringify({
    name, version: '0.1.0', private: true, type: 'module',
    scripts: { test: 'tsx --test test/*.test.ts', generate: 'tsx src/counter.ts' },
    dependencies: { tcast },
    devDependencies: { tsx: '^4.23.15' },
  }, null, 2) + '\n',
  'tsconfig.json': JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true },
    include: ['src', 'test'],
  }, null, 2) + '\n',
  'src/counter.ts': `import { Module, In, Out, UInt, Reg, when, generate, writeDesign } from 'tcast';

/** Counts the cycles where \`en\` is high, wrapping at 256. */
export class Counter extends Module {
  io = this.ports({ en: In(UInt(1)), count: Out(UInt(8)) });
  protected build(): void {
    const total = Reg(UInt(8), { init: 0 });
    when(this.io.en, () => total.set(total.add(1).bits(7, 0)));
    this.io.count.set(total);
  }
}

// \`npm run generate\`: writes rtl/Counter.v and rtl/files.f.
if (import.meta.url === \`file://\${process.argv[1]}\`) {
  const { files } = writeDesign(generate(new Counter()), 'rtl');
  console.log(\`wrote \${files.join(', ')}\`);
}
`,
  'test/counter.test.ts': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from 'tcast';
import { simulate, targetOf } from 'tcast/sim';
import { Counter } from '../src/counter.ts';

test('the counter counts the cycles where en is high', async () => {
  const v = generate(new Counter());
  // The Verilog names the line of this project's source that built each register.
  assert.match(v.modules[0]!.text, /reg \\[7:0\\] total; \\/\\/ @\\[src\\/counter\\.ts:7\\]/);
  const [r] = await simulate(targetOf(v), [{ cycles: 6, drive: { en: [1, 1, 0, 1] }, watch: ['count'] }]);
  assert.deepEqual(r!.outputs.count!.map(Number), [0, 1, 2, 2, 3, 4]);
});
`,
  'README.md': `# ${name}

A hardware project written with [tcast](https://www.npmjs.com/package/tcast):
TypeScript that elaborates to readable Verilog, simulated with Verilator.

    npm install
    npm test           # generates src/counter.ts's Verilog and simulates it (Verilator on PATH)
    npm run generate   # writes rtl/Counter.v

- \`src/counter.ts\`: the design (a module: ports, then \`build()\`).
- \`test/counter.test.ts\`: its test (\`tcast/sim\`: \`generate\`, \`targetOf\`, \`simulate\`).
  For streams, \`runStreams\` with \`driver\`/\`monitor\` and a \`Scoreboard\`
  (tcast's docs/TESTBENCH.md).
`,
});

const command: Command = {
  name: 'init',
  summary: 'create a new project: a sample design, its test, a README',
  help,
  async run(argv) {
    const { values, positionals } = parseOptions('init', argv, { tcast: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (positionals.length !== 1) throw new UsageError(`init takes one DIR (got ${positionals.length === 0 ? 'none' : positionals.join(' ')})`);
    if (values.tcast !== undefined && values.tcast.trim() === '') throw new UsageError(`--tcast is empty; give the dependency spec, e.g. ^${version()} or file:../tcast-${version()}.tgz`);
    const dir = checkOutDir(positionals[0], 'DIR');
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new UsageError(`DIR ${positionals[0]} is not empty; give a new or empty folder`);
    const name = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'hardware';
    const written: string[] = [];
    for (const [f, text] of Object.entries(files(name, values.tcast ?? `^${version()}`))) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), text);
      written.push(f);
    }
    if (values.json) console.log(JSON.stringify({ dir, files: written }, null, 2));
    else console.log(`created ${relative(process.cwd(), dir) || '.'}: ${written.join(', ')}\nnext: cd ${positionals[0]} && npm install && npm test`);
    return EXIT.ok;
  },
};
export default command;
