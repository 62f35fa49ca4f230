import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Unit-tree files that start worker threads, child processes, ONNX Runtime sessions or a
 * redis-server, or grind through large loops: each takes seconds, so they run with the e2e tests
 * (`npm test`), not in the fast `unit` project a developer runs while editing (`npm run test:unit`).
 */
export const SLOW_UNIT_FILES = [
  'test/unit/backends/onnx-backend.test.ts',
  'test/unit/backends/shared-ring.test.ts',
  'test/unit/backends/worker-instance.test.ts',
  'test/unit/backends/worker-ring.test.ts',
  'test/unit/backends/native-session.test.ts',
  'test/unit/backends/js/**',
  'test/unit/cache/redis-cache.test.ts',
  'test/unit/optimize/**',
  'test/unit/frontends/grpc-decoupled-stream.test.ts',
  'test/unit/frontends/http/json-decode-pool.test.ts',
  'test/unit/frontends/http/sse-writer.test.ts',
  'test/unit/grpc/grpc-echo-server.test.ts',
  'test/unit/trace/tracer.test.ts',
  'test/unit/tools/example-models.test.ts',
  'test/unit/tools/example-repository.test.ts',
  'test/unit/tools/synthetic-models.test.ts',
  'test/unit/tune/config-search.test.ts',
  'test/unit/deploy/**',
];

// Three projects share one run: `unit` (fast, no servers, threads or processes), `unit-slow` (the
// slow unit files above) and `integration` (e2e and conformance tests that start real servers and
// worker threads). The pool is kept small for these 2-core machines, and the files of one fork share
// its module cache (isolate: false; importing the src tree once per file was most of the run:
// docs/adr/0023). test/cluster/ has its own config (vitest.cluster.config.ts, `npm run test:cluster`).
export default defineConfig({
  test: {
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SLOW_UNIT_FILES],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/cluster/**', 'test/unit/**'],
        },
      },
      {
        extends: true,
        test: { name: 'unit-slow', include: SLOW_UNIT_FILES.map((f) => (f.endsWith('**') ? `${f}/*.test.ts` : f)) },
      },
    ],
  },
});
