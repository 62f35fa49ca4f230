/**
 * E2E: the local response cache behind a real server (HTTP, real ONNX models): a repeated request
 * is answered from the cache with the same bytes and Triton's statistics (success and queue count
 * the hit, inference/execution counts do not), requested outputs and classification are part of
 * the key, the same bytes in another shape are a different request, entries are evicted by bytes,
 * uncached models are never cached, and the nv_cache_* / nereid_cache_* metrics count it all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type InferResult, tensor } from '../../../src/client/index.js';
import { buildEntry, LocalLruCache } from '../../../src/core/cache/index.js';
import { PrometheusObserver } from '../../../src/frontends/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { type CacheRepository, writeCacheRepository } from './cache-fixtures.js';

let repo: CacheRepository;
let server: TestServer;
let client: HttpClient;
let cache: LocalLruCache;
let observer: PrometheusObserver;

/** Capacity: room for about three `simple` answers (two INT32 [1,16] outputs each). */
const SIMPLE_ENTRY_BYTES = buildEntry([
  {
    outputs: ['OUTPUT0', 'OUTPUT1'].map((name) => ({
      name,
      datatype: 'INT32' as const,
      shape: [1, 16],
      data: new Uint8Array(64),
    })),
    parameters: null,
    final: true,
  },
]).byteSize;

beforeAll(async () => {
  repo = writeCacheRepository();
  cache = new LocalLruCache({ sizeBytes: SIMPLE_ENTRY_BYTES * 3 + 10 });
  observer = new PrometheusObserver({ cpuMetrics: false, processMetrics: false, cache });
  server = await startTestServer({ modelRepositories: [repo.dir], cache, observer });
  client = new HttpClient(server.baseUrl);
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  observer?.close();
  repo?.remove();
});

function simpleInputs(base: number) {
  const a = new Int32Array(16).map((_, i) => base + i);
  const b = new Int32Array(16).fill(2);
  return [tensor('INPUT0', 'INT32', [1, 16], a), tensor('INPUT1', 'INT32', [1, 16], b)];
}

async function stats(model: string) {
  const body = await client.modelStatistics(model);
  return body.model_stats[0]!;
}

function bytesOf(result: InferResult): Record<string, number[]> {
  return Object.fromEntries(result.outputs.map((o) => [o.name, [...o.data]]));
}

describe('local response cache', () => {
  it('A repeated request is answered from the cache with the same outputs and counted as a hit', async () => {
    const first = await client.infer('simple_cached', simpleInputs(100));
    const second = await client.infer('simple_cached', simpleInputs(100));
    expect(bytesOf(second)).toEqual(bytesOf(first));
    expect([...second.output('OUTPUT0')]).toEqual(Array.from({ length: 16 }, (_, i) => 102 + i));
    const s = await stats('simple_cached');
    expect(s.inference_stats.cache_hit.count).toBe(1);
    expect(s.inference_stats.cache_miss.count).toBe(1);
    expect(s.inference_stats.success.count).toBe(2);
    expect(s.inference_stats.queue.count).toBe(2);
    expect(s.inference_stats.compute_infer.count).toBe(1);
    expect(s.inference_count).toBe(1);
    expect(s.execution_count).toBe(1);
  });

  it('Requested outputs and classification are part of the cache key', async () => {
    const all = await client.infer('simple_cached', simpleInputs(200));
    const one = await client.infer('simple_cached', simpleInputs(200), { outputs: ['OUTPUT1'] });
    expect(one.outputNames()).toEqual(['OUTPUT1']);
    expect([...one.output('OUTPUT1')]).toEqual([...all.output('OUTPUT1')]);
    const top = await client.infer('simple_cached', simpleInputs(200), {
      outputs: [{ name: 'OUTPUT0', classCount: 2 }],
    });
    expect(top.datatype('OUTPUT0')).toBe('BYTES');
    expect(top.outputAsStrings('OUTPUT0')).toEqual(['217:15', '216:14']);
    const again = await client.infer('simple_cached', simpleInputs(200), { outputs: ['OUTPUT1'] });
    expect(again.outputNames()).toEqual(['OUTPUT1']);
    const s = await stats('simple_cached');
    expect(s.inference_stats.cache_hit.count).toBe(2);
  });

  it('The same bytes sent in another shape are not answered from the cache', async () => {
    const values = new Float32Array(16).map((_, i) => i / 2);
    const wide = await client.infer('identity_cached', [tensor('X', 'FP32', [2, 8], values)]);
    const square = await client.infer('identity_cached', [tensor('X', 'FP32', [4, 4], values)]);
    expect(wide.shape('Y')).toEqual([2, 8]);
    expect(square.shape('Y')).toEqual([4, 4]);
    const again = await client.infer('identity_cached', [tensor('X', 'FP32', [4, 4], values)]);
    expect(again.shape('Y')).toEqual([4, 4]);
    const s = await stats('identity_cached');
    expect(s.inference_stats.cache_miss.count).toBe(2);
    expect(s.inference_stats.cache_hit.count).toBe(1);
  });

  it('The least recently used answers are evicted when the cache bytes are exceeded', async () => {
    const before = cache.stats().evictions;
    for (let i = 0; i < 4; i++) await client.infer('simple_cached', simpleInputs(1000 + i));
    expect(cache.stats().evictions).toBeGreaterThan(before);
    expect(cache.stats().bytes!).toBeLessThanOrEqual(cache.capacityBytes);
    const hitsBefore = (await stats('simple_cached')).inference_stats.cache_hit.count;
    await client.infer('simple_cached', simpleInputs(1000));
    await client.infer('simple_cached', simpleInputs(1003));
    const hitsAfter = (await stats('simple_cached')).inference_stats.cache_hit.count;
    expect(hitsAfter - hitsBefore).toBe(1);
  });

  it('A model without response_cache enabled is never answered from the cache', async () => {
    await client.infer('simple', simpleInputs(5));
    await client.infer('simple', simpleInputs(5));
    const s = await stats('simple');
    expect(s.inference_stats.cache_hit.count).toBe(0);
    expect(s.inference_stats.cache_miss.count).toBe(0);
    expect(s.execution_count).toBe(2);
  });

  it("Metrics report Triton's nv_cache_* counters per model and the cache's own gauges", async () => {
    await client.infer('simple_cached', simpleInputs(300));
    await client.infer('simple_cached', simpleInputs(300));
    const text = await observer.render(server.server.pendingCounts());
    const value = (name: string, model: string) => {
      const m = new RegExp(`^${name}\\{model="${model}",version="1"\\} (\\S+)$`, 'm').exec(text);
      return m === null ? Number.NaN : Number(m[1]);
    };
    const s = await stats('simple_cached');
    expect(value('nv_cache_num_hits_per_model', 'simple_cached')).toBe(s.inference_stats.cache_hit.count);
    expect(value('nv_cache_num_misses_per_model', 'simple_cached')).toBe(s.inference_stats.cache_miss.count);
    expect(value('nv_cache_hit_duration_per_model', 'simple_cached')).toBe(
      Math.floor(s.inference_stats.cache_hit.ns / 1000),
    );
    expect(value('nv_cache_miss_duration_per_model', 'simple_cached')).toBeGreaterThan(0);
    expect(text).toMatch(
      new RegExp(`^nereid_cache_entries\\{cache="local"\\} ${cache.stats().entries}$`, 'm'),
    );
    expect(text).toMatch(/^nereid_cache_utilization\{cache="local"\} 0\.\d+$/m);
    expect(text).toMatch(/^nereid_cache_errors_total\{cache="local"\} 0$/m);
  });
});
