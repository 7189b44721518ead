/**
 * tcast as its users meet it: `npm pack` gives a tarball that installs into a
 * project outside the repository (offline, from the npm cache) and works there
 * without TypeScript tooling of ours: `import ... from 'tcast'`, 'tcast/sim',
 * 'tcast/model', 'tcast/stdlib', typed; the `tcast` CLI; locators naming the
 * user's own files. Packed once and installed once for the whole file.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { projectRoot } from '../../generator/hdl/source';

const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string>; license: string };
const tsxLoader = join(projectRoot, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
let tmp = '';
let tarball = '';
let user = '';

const run = (cmd: string, args: string[], opts: ExecFileSyncOptions = {}): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }) as string;

/**
 * A lockfile for a project that depends on the tarball: tcast's production
 * dependencies as the repository's lockfile pins them (so `npm ci --offline`
 * takes them from the npm cache), plus `extra` packages of that lockfile.
 */
function userLockfile(name: string, tgz: string, dev: Record<string, string> = {}): object {
  const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const packages: Record<string, object> = {
    '': { name, dependencies: { tcast: `file:${tgz}` }, ...(Object.keys(dev).length ? { devDependencies: dev } : {}) },
    'node_modules/tcast': { version: pkg.version, resolved: `file:${tgz}`, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  // A dev tool (tsx) comes with its dependency tree as the repository pins it.
  const wanted = (k: string): boolean => Object.keys(dev).length > 0 && /^node_modules\/(tsx|esbuild|@esbuild\/[^/]+|get-tsconfig|resolve-pkg-maps|fsevents)$/.test(k);
  for (const [k, v] of Object.entries(lock.packages)) {
    if (!k.startsWith('node_modules/')) continue;
    if (v.dev !== true || wanted(k)) packages[k] = v;
  }
  return { name, lockfileVersion: 3, requires: true, packages };
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tcast-package-'));
  const out = run('npm', ['pack', '--pack-destination', tmp, '--silent'], { cwd: projectRoot });
  tarball = join(tmp, out.trim().split('\n').pop()!);
  user = join(tmp, 'user');
  mkdirSync(join(user, 'src'), { recursive: true });
  writeFileSync(join(user, 'package.json'), JSON.stringify({ name: 'user', private: true, type: 'module', dependencies: { tcast: `file:${tarball}` } }, null, 2));
  writeFileSync(join(user, 'package-lock.json'), JSON.stringify(userLockfile('user', tarball), null, 2));
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--silent'], { cwd: user });
}, 300_000);
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

test('the installed package brings no TypeScript tooling and its CLI runs', () => {
  expect(existsSync(join(user, 'node_modules', 'tcast', 'dist', 'generator', 'index.d.ts'))).toBe(true);
  expect(existsSync(join(user, 'node_modules', 'tsx'))).toBe(false);
  expect(existsSync(join(user, 'node_modules', 'typescript', 'bin'))).toBe(false); // ts-morph brings only its own bundled compiler
  expect(run(join(user, 'node_modules', '.bin', 'tcast'), ['--version'], { cwd: user }).trim()).toBe(`tcast ${pkg.version}`);
  expect(run(join(user, 'node_modules', '.bin', 'tcast'), ['--help'], { cwd: user })).toMatch(/\n\s+init\s+create a new project/);
  // The commands and the shipped designs load from the compiled package.
  const list = JSON.parse(run(join(user, 'node_modules', '.bin', 'tcast'), ['generate', '--list', '--json'], { cwd: user })) as { name: string }[];
  expect(list.map((d) => d.name)).toContain('dma-d64-r4-b16');
});

const design = `import { Module, In, Out, UInt, Reg, when, generate } from 'tcast';
import { Queue } from 'tcast/stdlib';
import { targetOf, simulate } from 'tcast/sim';
import { f32 } from 'tcast/model';

export class Counter extends Module {
  io = this.ports({ en: In(UInt(1)), count: Out(UInt(8)) });
  protected build(): void {
    const total = Reg(UInt(8), { init: 0 });
    when(this.io.en, () => total.set(total.add(1).bits(7, 0)));
    this.io.count.set(total);
  }
}

const v = generate(new Counter());
const [r] = await simulate(targetOf(v), [{ cycles: 6, drive: { en: [1, 1, 0, 1] }, watch: ['count'] }]);
console.log(JSON.stringify({ verilog: v.modules[0]!.text, count: r!.outputs.count!.map(Number), queue: typeof Queue, half: f32(0.5) }));
`;

test("a user's design generates and simulates from the installed package; its locators name the user's file", () => {
  writeFileSync(join(user, 'src', 'counter.ts'), design);
  // The user's own TypeScript runner (tsx here) runs the user's file; tcast itself is plain JavaScript.
  const out = JSON.parse(run(process.execPath, ['--import', tsxLoader, 'src/counter.ts'], { cwd: user, env: { ...process.env } })) as { verilog: string; count: number[]; queue: string; half: number };
  const regLine = design.split('\n').findIndex((l) => l.includes('Reg(UInt(8)')) + 1;
  expect(out.verilog).toContain(`reg [7:0] total; // @[src/counter.ts:${regLine}]`);
  expect(out.verilog).toContain('(src/counter.ts:6)');
  expect(out.verilog).not.toMatch(/node_modules|\.\.\//);
  expect(out.count).toEqual([0, 1, 2, 2, 3, 4]);
  expect(out.queue).toBe('function');
  expect(out.half).toBe(0.5);
});

test("the user's project type-checks against the package's declarations", () => {
  writeFileSync(join(user, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] },
    include: ['src'],
  }));
  writeFileSync(join(user, 'src', 'bad.ts'), "import { UInt } from 'tcast';\nexport const w: string = UInt(8).width;\n");
  let log = '';
  try {
    run(process.execPath, [tsc, '-p', '.'], { cwd: user });
  } catch (e) {
    log = String((e as { stdout?: string }).stdout);
  }
  // The only error is the planted one: the package's own declarations and the good file check.
  expect(log.trim().split('\n').filter((l) => /error TS/.test(l)).map((l) => l.replace(/\(\d+,\d+\)/, ''))).toEqual([
    "src/bad.ts: error TS2322: Type 'number' is not assignable to type 'string'.",
  ]);
  rmSync(join(user, 'src', 'bad.ts'));
});

test('tcast init makes a project whose own npm test passes after npm install', () => {
  const proj = join(tmp, 'fresh');
  const out = JSON.parse(run(join(user, 'node_modules', '.bin', 'tcast'), ['init', proj, '--tcast', `file:${tarball}`, '--json'], { cwd: tmp })) as { files: string[] };
  expect(out.files.sort()).toEqual(['README.md', 'package.json', 'src/counter.ts', 'test/counter.test.ts', 'tsconfig.json']);
  const made = JSON.parse(readFileSync(join(proj, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  writeFileSync(join(proj, 'package-lock.json'), JSON.stringify(userLockfile('fresh', tarball, made.devDependencies), null, 2));
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--silent'], { cwd: proj });
  const log = run('npm', ['test'], { cwd: proj });
  expect(log).toMatch(/# pass 1/);
  expect(log).toMatch(/# fail 0/);
  // A second init into the now non-empty folder is refused (exit 2, one line).
  expect(() => run(join(user, 'node_modules', '.bin', 'tcast'), ['init', proj], { cwd: tmp })).toThrow(/not empty; give a new or empty folder/);
});
