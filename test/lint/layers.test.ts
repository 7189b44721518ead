/**
 * The layers of ARCHITECTURE.md are enforced by `npm run lint`
 * (dependency-cruiser, .dependency-cruiser.cjs): an upward import planted in
 * a small copy of the tree makes `npm run lint:layers` fail and name the
 * rule; the same tree without it passes.
 */
import { execa } from 'execa';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { projectRoot } from '../../generator/hdl/source';

const root = mkdtempSync(join(tmpdir(), 'tcast-layers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A tree with one file per layer, each importing the layer below, plus `extra` files. */
function tree(name: string, extra: Record<string, string>): string {
  const dir = join(root, name);
  const files: Record<string, string> = {
    'model/index.ts': 'export const m = 1;\n',
    'generator/hdl/errors.ts': 'export const e = 1;\n',
    'generator/netlist/index.ts': "import { e } from '../hdl/errors';\nexport const n = e;\n",
    'generator/back/verilog.ts': "import { n } from '../netlist/index';\nexport const v = n;\n",
    'generator/stdlib/index.ts': "import { v } from '../back/verilog';\nexport const s = v;\n",
    'accel/index.ts': "import { s } from '../generator/stdlib/index';\nexport const a = s;\n",
    'sim/index.ts': "import { m } from '../model/index';\nexport const x = m;\n",
    'testbench/index.ts': 'export const t = 1;\n',
    'designs/index.ts': "import { a } from '../accel/index';\nexport const d = a;\n",
    'cli/index.ts': "import { d } from '../designs/index';\nexport const c = d;\n",
    'bench/index.ts': "import { d } from '../designs/index';\nimport { x } from '../sim/index';\nexport const b = d + x;\n",
    'test/index.ts': "import { c } from '../cli/index';\nexport const u = c;\n",
    ...extra,
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  for (const f of ['package.json', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(projectRoot, f), join(dir, f));
  symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

const lintLayers = (cwd: string) => execa('npm', ['run', '-s', 'lint:layers'], { cwd, reject: false, all: true });

test('the layered tree passes; upward imports planted in it fail lint, each named by its rule', async () => {
  const planted: [string, Record<string, string>][] = [
    ['generator-is-the-bottom', { 'generator/stdlib/index.ts': "import { a } from '../../accel/index';\nexport const s = a;\n" }],
    ['accel-below-sim', { 'accel/index.ts': "import { x } from '../sim/index';\nexport const a = x;\n" }],
    ['model-imports-nothing', { 'model/index.ts': "import { e } from '../generator/hdl/errors';\nexport const m = e;\n" }],
    ['nothing-imports-tests', { 'bench/index.ts': "import { u } from '../test/index';\nexport const b = u;\n" }],
    ['back-end-reads-the-netlist', { 'generator/hdl/module.ts': 'export const k = 1;\n', 'generator/back/verilog.ts': "import { k } from '../hdl/module';\nexport const v = k;\n" }],
  ];
  const [clean, bad] = await Promise.all([
    lintLayers(tree('clean', {})),
    lintLayers(tree('planted', Object.assign({}, ...planted.map(([, f]) => f)))),
  ]);
  expect(clean.exitCode, clean.all).toBe(0);
  expect(bad.exitCode).not.toBe(0);
  for (const [rule] of planted) expect(bad.all, rule).toContain(rule);
});
