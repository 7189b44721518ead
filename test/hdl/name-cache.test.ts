/**
 * The name-table cache (generator/hdl/source.ts): a fresh process whose
 * tables are on disk names every value without loading TypeScript and prints
 * the same Verilog; a table is keyed on the file's content, so an edited file
 * is analysed again (a cache keyed on the path would keep the old names); a
 * table read is marked used.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tcast-names-'));
const cache = join(dir, 'cache');
const design = join(dir, 'design.mts');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A design whose one named value is `name` (the same length each time, so every position stays put). */
function writeDesign(name: string): void {
  writeFileSync(design, [
    `import { In, Module, Out, UInt } from ${JSON.stringify(join(root, 'generator/index.ts'))};`,
    'class Top extends Module {',
    '  readonly io = this.ports({ a: In(UInt(8)), b: In(UInt(8)), y: Out(UInt(8)) });',
    '  protected build(): void {',
    `    const ${name} = this.io.a.xor(this.io.b);`,
    `    this.io.y.set(${name}.addWrap(1));`,
    '  }',
    '}',
    'export default () => new Top();',
    '',
  ].join('\n'));
}

async function run(): Promise<{ verilog: string; tsLoaded: boolean }> {
  const { stdout } = await execa('npx', ['tsx', join(root, 'test/hdl/name-cache-run.ts'), design], { cwd: root, env: { TCAST_CACHE_DIR: cache } });
  return JSON.parse(stdout) as { verilog: string; tsLoaded: boolean };
}

describe('name-table cache', () => {
  test('a second process reads the names from the cache; an edited file is analysed again', async () => {
    writeDesign('alpha');
    const first = await run();
    expect(first.tsLoaded).toBe(true);
    expect(first.verilog).toMatch(/wire \[7:0\] alpha = a \^ b;/);

    // Reading a table marks it used (what `tcast cache prune` goes by): set them all 30 days back first.
    const tables = readdirSync(join(cache, 'names')).filter((f) => f.endsWith('.json'));
    expect(tables.length).toBeGreaterThan(0);
    const monthAgo = Date.now() / 1000 - 30 * 24 * 3600;
    for (const t of tables) utimesSync(join(cache, 'names', t), monthAgo, monthAgo);
    const second = await run();
    expect(second.tsLoaded).toBe(false);
    expect(second.verilog).toBe(first.verilog);
    expect(tables.filter((t) => Date.now() - statSync(join(cache, 'names', t)).mtimeMs < 60_000).length).toBeGreaterThan(0);

    writeDesign('gamma');
    const edited = await run();
    expect(edited.tsLoaded).toBe(true);
    expect(edited.verilog).toMatch(/wire \[7:0\] gamma = a \^ b;/);
    expect(edited.verilog).not.toMatch(/alpha/);
  }, 60_000);
});
