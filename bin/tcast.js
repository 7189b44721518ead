#!/usr/bin/env node
// Package entry point: runs the TypeScript CLI through tsx's loader so that the
// sources are the single truth (no build step to forget). It calls runCli
// itself, so the CLI works through a symlink of any name.
import { register } from 'tsx/esm/api';
register();
const { runCli } = await import('../cli/main.ts');
runCli();
