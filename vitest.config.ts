import { defineConfig } from 'vitest/config';

// Unit tests run in parallel; e2e tests start real servers and worker threads, so the
// pool is kept small for these 2-core machines.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
