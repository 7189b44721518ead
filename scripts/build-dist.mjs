#!/usr/bin/env node
// Builds dist/, what `npm pack` ships (run by `prepack`): the TypeScript
// sources compiled by tsc (tsconfig.build.json) to JavaScript and declarations,
// their relative imports given the extensions Node's ESM loader needs
// (`./x` -> `./x.js`, `./dir` -> `./dir/index.js`), and the non-TypeScript
// files the code reads at run time (the C++ harness templates). The checkout
// itself runs the sources through tsx and never reads dist/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const quiet = !process.stderr.isTTY;
const say = (m) => { if (!quiet) process.stderr.write(`${m}\n`); };

rmSync(dist, { recursive: true, force: true });
say('tcast: compiling to dist/ (tsc)...');
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });

function* walk(dir) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

const spec = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}(?:\/[^'"]*)?)\2/g;
let rewritten = 0;
for (const file of walk(dist)) {
  if (!file.endsWith('.js') && !file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const out = text.replace(spec, (all, head, q, s) => {
    // With an extension already (or .ts: text of a generated file, tcast init's template) it is left alone.
    if (/\.(js|json|mjs|cjs|ts)$/.test(s)) return all;
    const base = resolve(dirname(file), s);
    const ext = file.endsWith('.d.ts') ? '.d.ts' : '.js';
    let to;
    if (existsSync(base + ext)) to = `${s}.js`;
    else if (existsSync(join(base, `index${ext}`))) to = `${s}/index.js`;
    else throw new Error(`${file}: cannot resolve the import '${s}'`);
    rewritten++;
    return `${head}${q}${to}${q}`;
  });
  if (out !== text) writeFileSync(file, out);
}
// Files the code reads beside itself at run time.
for (const dir of ['testbench/templates', 'testbench/axi']) {
  cpSync(join(root, dir), join(dist, dir), { recursive: true, filter: (src) => !src.endsWith('.ts') });
}
say(`tcast: dist/ ready (${rewritten} imports given their extensions)`);
