#!/usr/bin/env node
// Makes a fresh machine ready for `npm start` and `npm test`: installs the npm
// dependencies when node_modules is missing or stale, and Verilator, Icarus
// Verilog and Yosys from Debian when they are missing (as root; otherwise it
// stops with the exact command to run). Plain Node, no dependencies: it runs
// before they exist. Quiet when there is nothing to do.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => process.stderr.write(`setup: ${m}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    say(`'${[cmd, ...args].join(' ')}' failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
}

// 1. npm dependencies.
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  say('installing npm dependencies (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. Hardware tools.
const tools = [
  { bin: 'verilator', pkg: 'verilator' },
  { bin: 'iverilog', pkg: 'iverilog' },
  { bin: 'yosys', pkg: 'yosys' },
  // ABC, the model checker `tcast formal` runs (bmc3, pdr), ships in Debian's yosys package.
  { bin: 'yosys-abc', pkg: 'yosys' },
];
const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const missing = tools.filter((t) => !has(t.bin));
if (missing.length) {
  const pkgs = [...new Set(missing.map((t) => t.pkg))].join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    say(`missing ${missing.map((t) => t.bin).join(', ')}. Install them with:\n  sudo apt-get update && sudo apt-get install -y ${pkgs}`);
    process.exit(3);
  }
  say(`installing ${pkgs} from Debian...`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...new Set(missing.map((t) => t.pkg))], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
if (process.argv.includes('--verbose')) {
  for (const t of tools.filter((x) => x.bin !== 'yosys-abc')) say(`${t.bin}: ${execFileSync(t.bin, [t.bin === 'iverilog' ? '-V' : '--version'], { encoding: 'utf8' }).split('\n')[0]}`);
}
