/**
 * E2E: the Redis response cache with the `nereid` binary as users run it (two processes, one real
 * redis-server, `--cache-config redis,host=..` `--cache-config redis,port=..`): each process
 * serves the answers the other cached; a Redis restart in the middle of a stream of requests
 * fails none of them and caching resumes on its own; with Redis down every request still
 * succeeds and the outage shows in nereid_cache_errors_total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, tensor } from '../../../src/client/index.js';
import { type CliServer, killCliServers, startCliServer } from '../../helpers/cli-server.js';
import { startRedisServer, type TestRedisServer } from '../../helpers/redis-server.js';
import { type CacheRepository, writeCacheRepository } from './cache-fixtures.js';

interface Nereid {
  server: CliServer;
  client: HttpClient;
  metricsPort: number;
}

let repo: CacheRepository;
let redis: TestRedisServer;
const started: Nereid[] = [];

async function startNereid(): Promise<Nereid> {
  const server = await startCliServer([
    '--model-repository',
    repo.dir,
    '--allow-grpc=false',
    '--allow-cpu-metrics=false',
    '--cache-config',
    `redis,host=${redis.host}`,
    '--cache-config',
    `redis,port=${redis.port}`,
    '--cache-config',
    'redis,wait_timeout=200',
  ]);
  const n = { server, client: new HttpClient(server.baseUrl), metricsPort: server.metricsPort };
  started.push(n);
  return n;
}

beforeAll(async () => {
  repo = writeCacheRepository();
  redis = await startRedisServer();
});

afterAll(async () => {
  for (const n of started) await n.client.close();
  await killCliServers();
  await redis?.stop();
  repo?.remove();
});

function inputs(base: number) {
  return [
    tensor(
      'INPUT0',
      'INT32',
      [1, 16],
      new Int32Array(16).map((_, i) => base + i),
    ),
    tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16).fill(3)),
  ];
}

async function cacheStats(n: Nereid) {
  const s = (await n.client.modelStatistics('simple_cached')).model_stats[0]!;
  return {
    hits: s.inference_stats.cache_hit.count,
    misses: s.inference_stats.cache_miss.count,
    runs: s.inference_count,
  };
}

async function metric(n: Nereid, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${n.metricsPort}/metrics`)).text();
  const m = new RegExp(`^${name}\\{cache="redis"\\} (\\S+)$`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

describe('Redis response cache', () => {
  it("Two Nereid processes sharing one Redis serve each other's cached responses", async () => {
    const [a, b] = await Promise.all([startNereid(), startNereid()]);
    const fromA = await a.client.infer('simple_cached', inputs(40));
    // A's insert is sent after its answer; wait until B sees it.
    let fromB = await b.client.infer('simple_cached', inputs(40));
    for (let i = 0; i < 50 && (await cacheStats(b)).hits === 0; i++) {
      fromB = await b.client.infer('simple_cached', inputs(40));
    }
    expect([...fromB.output('OUTPUT0')]).toEqual([...fromA.output('OUTPUT0')]);
    expect([...fromB.output('OUTPUT1')]).toEqual([...fromA.output('OUTPUT1')]);
    expect((await cacheStats(b)).hits).toBeGreaterThanOrEqual(1);
    const fromA2 = await a.client.infer('simple_cached', inputs(41));
    await b.client.infer('simple_cached', inputs(41));
    const a2 = await cacheStats(a);
    expect(a2.runs).toBe(2);
    expect([...fromA2.output('OUTPUT0')]).toEqual(Array.from({ length: 16 }, (_, i) => 44 + i));
  });

  it('A Redis restart in the middle of a stream of requests fails none of them and caching resumes', async () => {
    const n = started[0] ?? (await startNereid());
    const requests: Promise<unknown>[] = [];
    let failures = 0;
    const fire = (base: number) =>
      requests.push(n.client.infer('simple_cached', inputs(base)).catch(() => failures++));
    for (let i = 0; i < 20; i++) fire(500 + (i % 5));
    const restart = redis.restart();
    for (let i = 0; i < 40; i++) {
      fire(500 + (i % 5));
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    await restart;
    await Promise.all(requests);
    expect(failures).toBe(0);
    // Redis came back empty: the client reconnects by itself and the cache fills and hits again.
    const before = (await cacheStats(n)).hits;
    let hits = before;
    for (let i = 0; i < 100 && hits === before; i++) {
      await n.client.infer('simple_cached', inputs(900));
      await new Promise((r) => setTimeout(r, 50));
      hits = (await cacheStats(n)).hits;
    }
    expect(hits).toBeGreaterThan(before);
  });

  it('With Redis down every request succeeds as a miss and the errors show in nereid_cache_errors_total', async () => {
    const n = started[0] ?? (await startNereid());
    const errorsBefore = await metric(n, 'nereid_cache_errors_total');
    await redis.stop();
    try {
      const before = await cacheStats(n);
      for (let i = 0; i < 10; i++) {
        const r = await n.client.infer('simple_cached', inputs(70));
        expect(r.output('OUTPUT0')[0]).toBe(73);
      }
      const after = await cacheStats(n);
      expect(after.hits).toBe(before.hits);
      expect(after.misses - before.misses).toBe(10);
      expect(await metric(n, 'nereid_cache_errors_total')).toBeGreaterThan(errorsBefore);
    } finally {
      await redis.start();
    }
  });
});
