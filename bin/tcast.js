#!/usr/bin/env node
// Package entry point: runs the TypeScript CLI through tsx's loader so that the
// sources are the single truth (no build step to forget).
import { register } from 'tsx/esm/api';
register();
await import('../cli/main.ts');
