import { configDefaults, defineConfig } from 'vitest/config';

// Unit tests run in parallel; e2e tests start real servers and worker threads, so the
// pool is kept small for these 2-core machines. test/cluster/ has its own config
// (vitest.cluster.config.ts, `npm run test:cluster`).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/cluster/**'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
