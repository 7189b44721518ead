// Run by name-cache.test.ts as a separate process (a fresh process has no
// tables in memory): elaborates the module default-exported by the file named
// by argv[2] and prints its Verilog and whether TypeScript was loaded to name it.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { generate, type Module } from '../../generator';

const { default: make } = (await import(pathToFileURL(process.argv[2]!).href)) as { default: () => Module };
const verilog = generate(make()).modules.map((m) => m.text).join('\n');
const tsLoaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes(`${'/'}ts-morph${'/'}`));
console.log(JSON.stringify({ verilog, tsLoaded }));
