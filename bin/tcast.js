#!/usr/bin/env node
// Package entry point. In the checkout it runs the TypeScript CLI through tsx's
// loader, so the sources are the single truth (no build step to forget); the
// installed package (npm pack) has no sources and runs the JavaScript that
// `prepack` compiled into dist/. It calls runCli itself, so the CLI works
// through a symlink of any name.
import { existsSync } from 'node:fs';

let main;
if (existsSync(new URL('../cli/main.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  main = await import('../cli/main.ts');
} else {
  main = await import('../dist/cli/main.js');
}
main.runCli();
