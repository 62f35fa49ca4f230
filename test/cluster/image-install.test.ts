/**
 * The container image without a Docker engine: the Dockerfile's `deps` and `runtime` stages are
 * replayed in a clean temporary directory (a real `npm ci --omit=dev` from the lock file, then
 * the stage's COPY steps), and the server is started with the image's ENTRYPOINT + CMD from
 * there, alone: no devDependency, no checkout on its module path. Slow (a real install, ~30 s),
 * so it runs in `npm run test:cluster`, not in `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, HttpClient, tensor } from '../../src/client/index.js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { type ReplayedStage, replayImage } from './image-replay.js';

let dir: string;
let runtime: ReplayedStage;
let server: CliServer | null = null;

beforeAll(async () => {
  // In memory when possible: the install writes ~400 MB in many files, slow to write and remove on disk.
  dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'nereid-image-'));
  const started = performance.now();
  const replayed = await replayImage(dir);
  runtime = replayed.runtime;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`image replay (deps + runtime stages): ${seconds} s\n`);
  for (const t of [...replayed.deps.timings, ...replayed.runtime.timings]) {
    if (t.seconds >= 0.05) process.stdout.write(`  ${t.seconds.toFixed(1).padStart(5)} s  ${t.step}\n`);
  }
}, 300_000);

afterAll(async () => {
  await server?.kill();
  const started = performance.now();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`image replay removed in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
});

/** Starts the image's command (ENTRYPOINT + CMD) with the image's ENV, on free loopback ports. */
function startImage(): Promise<CliServer> {
  const [node, ...entry] = runtime.command;
  expect(node).toBe(process.execPath);
  return startCliServer([], { entry, env: runtime.env, timeoutMs: 90_000 });
}

/** Runs the HEALTHCHECK command against `port` instead of 8000; resolves with its exit code. */
function healthcheck(port: number): number | null {
  const [node, ...args] = runtime.healthcheck!;
  const result = spawnSync(
    node!,
    args.map((a) => a.replace('127.0.0.1:8000/', `127.0.0.1:${port}/`)),
    { timeout: 10_000 },
  );
  return result.status;
}

describe('the container image, replayed in a clean directory', () => {
  it('installs the production dependencies only, and nothing above it can lend a module', () => {
    const modules = join(runtime.workdir, 'node_modules');
    expect(existsSync(join(modules, 'onnxruntime-node'))).toBe(true);
    expect(existsSync(join(modules, 'sharp'))).toBe(true);
    expect(existsSync(join(modules, 'node-llama-cpp'))).toBe(true);
    // Not typescript: node-llama-cpp names it an optional peer dependency, so the lock file marks it
    // devOptional and `npm ci --omit=dev` keeps it (omitting optional packages would drop the
    // platform binaries of onnxruntime-node, sharp and node-llama-cpp).
    for (const dev of [
      'vitest',
      '@biomejs',
      'dependency-cruiser',
      '@jjhbw',
      'playwright-core',
      'kubernetes-models',
    ]) {
      expect(existsSync(join(modules, dev)), dev).toBe(false);
    }
    // Node resolves packages from every node_modules above the file: none may exist outside the image.
    for (let d = dirname(runtime.workdir); d !== dirname(d); d = dirname(d)) {
      expect(existsSync(join(d, 'node_modules')), d).toBe(false);
    }
    expect(readdirSync(runtime.workdir).sort()).toEqual(['dist', 'examples', 'node_modules', 'package.json']);
  });

  it('serves the bundled examples with every model READY over HTTP and gRPC, passes its HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const startedMs = performance.now();
    server = await startImage();
    const port = server.httpPort;
    const http = new HttpClient(`http://127.0.0.1:${port}`);
    const grpc = new GrpcClient(`127.0.0.1:${server.grpcPort}`);
    try {
      expect(await http.isServerReady()).toBe(true);
      process.stdout.write(
        `image server ready in ${((performance.now() - startedMs) / 1000).toFixed(1)} s\n`,
      );
      const index = await http.repositoryIndex();
      expect(index.length).toBeGreaterThanOrEqual(14);
      for (const entry of index)
        expect(`${entry.name} ${entry.state} ${entry.reason}`).toBe(`${entry.name} READY `);
      const a = Int32Array.from({ length: 16 }, (_, i) => i);
      const b = new Int32Array(16).fill(3);
      const result = await http.infer('simple', [
        tensor('INPUT0', 'INT32', [1, 16], a),
        tensor('INPUT1', 'INT32', [1, 16], b),
      ]);
      expect([...result.output<Int32Array>('OUTPUT0')]).toEqual([...a].map((x) => x + 3));
      expect(await grpc.isServerLive()).toBe(true);
      expect(await grpc.isModelReady('text_orientation_image')).toBe(true);
      expect(healthcheck(port)).toBe(0);
    } finally {
      await http.close();
      grpc.close();
    }
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = null;
    // The same check fails once nothing answers, so a passing HEALTHCHECK means something.
    expect(healthcheck(port)).toBe(1);
  }, 120_000);
});
