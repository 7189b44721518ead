import { defineConfig } from 'vitest/config';

export default defineConfig({
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
