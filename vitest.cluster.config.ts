import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: tests that start several servers, a load balancer and Redis, or replay
// the container image's install (test/cluster/). They run one file at a time: each one loads the
// machine on its own, and their timings are part of what they check.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
