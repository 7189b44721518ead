import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The package's entry points (package.json "exports"), so a test can import
  // tcast as a user does (test/sim/testbench.test.ts, the example of docs/TESTBENCH.md).
  resolve: {
    alias: [
      { find: /^tcast\/sim$/, replacement: fileURLToPath(new URL('./sim/index.ts', import.meta.url)) },
      { find: /^tcast\/stdlib$/, replacement: fileURLToPath(new URL('./generator/stdlib/index.ts', import.meta.url)) },
      { find: /^tcast\/model$/, replacement: fileURLToPath(new URL('./model/index.ts', import.meta.url)) },
      { find: /^tcast$/, replacement: fileURLToPath(new URL('./generator/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Verilator builds take tens of seconds on a 2-core machine; the build cache
    // (sim/cache.ts) makes every later run of an unchanged model instant.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
