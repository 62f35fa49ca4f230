/**
 * Three Nereid replicas behind a real HAProxy (health check on /v2/health/ready, retries on a
 * replica that went away) sharing one real redis-server as the response cache, on loopback, under
 * steady verified load from the project's client (test/cluster/steady-load.ts). Each test prints
 * its figures; docs/deploy.md records them. The tests run in order and share the cluster.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, tensor } from '../../src/client/index.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';
import { EXAMPLES_REPOSITORY } from '../helpers/test-server.js';
import { findSamples, parsePromText } from '../unit/metrics/prometheus-text.js';
import { type Haproxy, type HaproxyServerStats, startHaproxy } from './haproxy.js';
import { ReplicaSet } from './replica-set.js';
import { type LoadPhase, SteadyLoad, variantInputs } from './steady-load.js';

/** `simple` with the response cache on and a 20 ms batching window (see writeRepository). */
const MODEL = 'simple_cached';
const REPLICAS = 3;

let repo: string;
let redis: TestRedisServer;
let replicas: ReplicaSet;
let proxy: Haproxy;
let load: SteadyLoad | null = null;
const report: string[] = [];

/**
 * A repository with MODEL: the bundled `simple` with `response_cache` on, and a dynamic batcher
 * that waits up to 20 ms for a batch to fill, so that every computed answer spends time in the
 * server and a replica has requests in flight when it is stopped.
 */
function writeRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-cluster-'));
  mkdirSync(join(dir, MODEL, '1'), { recursive: true });
  copyFileSync(join(EXAMPLES_REPOSITORY, 'simple', '1', 'model.onnx'), join(dir, MODEL, '1', 'model.onnx'));
  const config = readFileSync(join(EXAMPLES_REPOSITORY, 'simple', 'config.pbtxt'), 'utf8');
  writeFileSync(
    join(dir, MODEL, 'config.pbtxt'),
    `${config.replace('name: "simple"', `name: "${MODEL}"`)}
response_cache { enable: true }
dynamic_batching { max_queue_delay_microseconds: 20000 }
`,
  );
  return dir;
}

beforeAll(async () => {
  repo = writeRepository();
  redis = await startRedisServer();
  replicas = await ReplicaSet.start({ replicas: REPLICAS, modelRepository: repo, redisPort: redis.port });
  proxy = await startHaproxy({ replicaPorts: replicas.ports.map((p) => p.http) });
  for (let i = 0; i < REPLICAS; i++) await proxy.waitFor(`r${i}`, 'UP');
});

afterAll(async () => {
  await load?.stop();
  await proxy?.stop();
  await replicas?.close();
  await redis?.stop();
  if (repo !== undefined) rmSync(repo, { recursive: true, force: true });
  if (report.length > 0) process.stdout.write(`\ncluster figures:\n${report.join('\n')}\n`);
});

/** Sum of a metric's samples on replica `i` (every model, version and label). */
async function metricSum(i: number, name: string): Promise<number> {
  const text = parsePromText(await replicas.metrics(i));
  return findSamples(text, name).reduce((sum, s) => sum + s.value, 0);
}

/** The cache hit and miss counts of MODEL on replica `i`, from the statistics extension. */
async function cacheCounts(i: number): Promise<{ hits: number; misses: number }> {
  const client = new HttpClient(replicas.url(i));
  try {
    const stats = (await client.modelStatistics(MODEL)).model_stats[0]!.inference_stats;
    return { hits: stats.cache_hit!.count, misses: stats.cache_miss!.count };
  } finally {
    await client.close();
  }
}

function describePhase(name: string, p: LoadPhase): string {
  return (
    `${name.padEnd(22)} ${String(p.ok).padStart(6)} ok ${String(p.failed).padStart(3)} failed ` +
    `${p.perSecond.toFixed(0).padStart(4)}/s  p50 ${p.p50Ms.toFixed(1)} ms  p99 ${p.p99Ms.toFixed(1)} ms  ` +
    `max ${p.maxMs.toFixed(0)} ms  (${p.seconds.toFixed(1)} s)`
  );
}

function retriesOf(servers: readonly HaproxyServerStats[]): number {
  return servers.reduce((n, s) => n + s.retries + s.redispatches, 0);
}

/** Starts the shared load once; later tests read phases from it. */
function steadyLoad(): SteadyLoad {
  load ??= new SteadyLoad({ url: proxy.url, model: MODEL, slots: 8, intervalMs: 20, variants: 2048 }).start();
  return load;
}

describe('three replicas behind HAProxy sharing one Redis cache', () => {
  it('a response cached by one replica is a hit on each of the others', async () => {
    const { a, b } = variantInputs(1_000_000);
    const inputs = [tensor('INPUT0', 'INT32', [1, 16], a), tensor('INPUT1', 'INT32', [1, 16], b)];
    const before = await Promise.all([0, 1, 2].map(cacheCounts));
    const first = new HttpClient(replicas.url(0));
    await first.infer(MODEL, inputs);
    await first.close();
    const lines: string[] = [];
    for (const i of [1, 2]) {
      const client = new HttpClient(replicas.url(i));
      // The first replica's insert is issued as it answers; give Redis a moment to have it.
      let hits = before[i]!.hits;
      for (let tries = 0; tries < 50 && hits === before[i]!.hits; tries++) {
        const result = await client.infer(MODEL, inputs);
        expect([...result.output<Int32Array>('OUTPUT0')]).toEqual([...a].map((x, k) => x + b[k]!));
        hits = (await cacheCounts(i)).hits;
        if (hits === before[i]!.hits) await sleep(20);
      }
      await client.close();
      const after = await cacheCounts(i);
      lines.push(
        `replica ${i}: +${after.hits - before[i]!.hits} hit, +${after.misses - before[i]!.misses} miss`,
      );
      expect(after.hits - before[i]!.hits).toBe(1);
      expect(after.misses).toBe(before[i]!.misses);
    }
    const origin = await cacheCounts(0);
    expect(origin.misses - before[0]!.misses).toBe(1);
    report.push(`shared cache: replica 0 +1 miss (computed and stored); ${lines.join('; ')}`);
  });

  it('a rolling restart under steady load (SIGTERM, wait for ready, next) fails no request', async () => {
    const l = steadyLoad();
    // Mostly new inputs: computed answers wait in the batching window, so a stopping replica has
    // requests in flight to finish.
    l.useVariants(1_000_000);
    await sleep(2000);
    const steady = l.take();
    report.push(describePhase('steady load', steady));
    expect(steady.failed, steady.errors.join('\n')).toBe(0);
    const retriesBefore = retriesOf(await proxy.servers());
    for (let i = 0; i < REPLICAS; i++) {
      const inflight = await metricSum(i, 'nereid_inference_inflight_requests');
      const { code, exitMs } = await replicas.terminate(i);
      const startMs = performance.now();
      await replicas.startReplica(i);
      const readyMs = performance.now() - startMs;
      await proxy.waitFor(`r${i}`, 'UP');
      const upMs = performance.now() - startMs;
      report.push(
        `  replica ${i}: ${inflight} in flight at SIGTERM, exited ${code} after ${exitMs.toFixed(0)} ms; ` +
          `restarted: ready after ${readyMs.toFixed(0)} ms, UP in the balancer after ${upMs.toFixed(0)} ms`,
      );
      expect(code).toBe(0);
    }
    await sleep(500);
    const rolling = l.take();
    const retries = retriesOf(await proxy.servers()) - retriesBefore;
    report.push(`${describePhase('rolling restart', rolling)}  balancer retries ${retries}`);
    expect(rolling.failed, rolling.errors.join('\n')).toBe(0);
    expect(rolling.ok).toBeGreaterThan(0);
  });

  it('a replica killed with SIGKILL costs no more failures than it had requests in flight, and rejoins', async () => {
    const l = steadyLoad();
    await sleep(500);
    report.push(describePhase('before SIGKILL', l.take()));
    const victim = 1;
    const servers = await proxy.servers();
    const inflight = servers[victim]!.current;
    await replicas.kill(victim);
    await proxy.waitFor(`r${victim}`, 'DOWN');
    await sleep(500);
    const killed = l.take();
    report.push(
      `${describePhase('SIGKILL one replica', killed)}  ${inflight} in flight on it, ` +
        `balancer retries ${retriesOf(await proxy.servers()) - retriesOf(servers)}`,
    );
    expect(killed.failed, killed.errors.join('\n')).toBeLessThanOrEqual(inflight);
    const totalBefore = (await proxy.servers())[victim]!.total;
    await replicas.startReplica(victim);
    await proxy.waitFor(`r${victim}`, 'UP');
    await sleep(1000);
    const rejoined = l.take();
    const served = (await proxy.servers())[victim]!.total - totalBefore;
    report.push(
      `${describePhase('restarted, rejoined', rejoined)}  ${served} requests to it within 1 s of UP`,
    );
    expect(rejoined.failed, rejoined.errors.join('\n')).toBe(0);
    expect(served).toBeGreaterThan(0);
  });

  it('Redis killed and restarted under load fails no request: misses while it is down, hits again after', async () => {
    const l = steadyLoad();
    // Few inputs: most answers come from the cache while Redis is up.
    l.useVariants(256);
    const sum = async (name: string) => {
      let total = 0;
      for (let i = 0; i < REPLICAS; i++) total += await metricSum(i, name);
      return total;
    };
    const counts = async () => ({
      hits: await sum('nv_cache_num_hits_per_model'),
      misses: await sum('nv_cache_num_misses_per_model'),
      errors: await sum('nereid_cache_errors_total'),
    });
    await sleep(500);
    l.take();
    const before = await counts();
    await redis.stop();
    await sleep(1000);
    const mid = await counts();
    await sleep(1000);
    const down = await counts();
    await redis.start();
    // The breaker probes again after its backoff (up to 5 s) and the client reconnects on its own
    // (up to 2 s between tries); Redis is back empty, so answers are stored again, then hit.
    const restartedMs = performance.now();
    let after = await counts();
    while (after.hits === down.hits && performance.now() - restartedMs < 15_000) {
      await sleep(250);
      after = await counts();
    }
    const resumedMs = performance.now() - restartedMs;
    const outage = l.take();
    const line = (from: typeof before, to: typeof before) =>
      `${to.hits - from.hits} hits, ${to.misses - from.misses} misses, ${to.errors - from.errors} cache errors`;
    report.push(
      `${describePhase('Redis down 2 s, back', outage)}\n` +
        `  Redis down: ${line(before, down)} (second 2: ${line(mid, down)}); ` +
        `back: first hits after ${resumedMs.toFixed(0)} ms`,
    );
    expect(outage.failed, outage.errors.join('\n')).toBe(0);
    expect(down.errors - before.errors).toBeGreaterThan(0);
    // Every answer while Redis is gone is computed (a miss), none comes from the cache.
    expect(down.hits - mid.hits).toBe(0);
    expect(down.misses - mid.misses).toBeGreaterThan(0);
    expect(after.hits - down.hits).toBeGreaterThan(0);
  });
});
