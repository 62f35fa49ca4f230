/**
 * E2E: a decoupled model's stream is cached as its whole sequence and replayed in order on a hit
 * (Triton refuses caching for decoupled models): the `repeat_int32` JavaScript model behind the
 * gRPC ModelStreamInfer frontend, with the local cache and with Redis (a real redis-server). The
 * replay carries the same outputs, the same final flags and the empty final response, and the
 * model does not run again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, InferenceServerError, tensor } from '../../../src/client/index.js';
import { silentLogger } from '../../../src/common/logger.js';
import { LocalLruCache, RedisCache, type ResponseCache } from '../../../src/core/cache/index.js';
import { startRedisServer, type TestRedisServer } from '../../helpers/redis-server.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { type CacheRepository, writeCacheRepository } from './cache-fixtures.js';

let repo: CacheRepository;
let redis: TestRedisServer;

beforeAll(async () => {
  repo = writeCacheRepository();
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis?.stop();
  repo?.remove();
});

/** One response as compared: final flag and the outputs' values. */
interface Seen {
  final: boolean;
  out: number[] | null;
  idx: number[] | null;
}

async function streamOnce(client: GrpcClient, values: number[]): Promise<Seen[]> {
  const stream = client.stream();
  stream.send({
    model: 'repeat_cached',
    inputs: [
      tensor('IN', 'INT32', [values.length], new Int32Array(values)),
      tensor('DELAY', 'UINT32', [values.length], new Uint32Array(values.length).fill(2)),
      tensor('WAIT', 'UINT32', [1], new Uint32Array([2])),
    ],
    enableEmptyFinalResponse: true,
  });
  stream.end();
  const seen: Seen[] = [];
  for await (const item of stream) {
    if (item instanceof InferenceServerError) throw item;
    const result = item;
    seen.push({
      final: result.isFinal,
      out: result.has('OUT') ? [...result.output<Int32Array>('OUT')] : null,
      idx: result.has('IDX') ? [...result.output<Uint32Array>('IDX')] : null,
    });
  }
  return seen;
}

async function replays(open: () => Promise<ResponseCache>): Promise<void> {
  const cache = await open();
  let server: TestGrpcServer | null = null;
  let client: GrpcClient | null = null;
  try {
    server = await startTestGrpcServer({ modelRepositories: [repo.dir], cache });
    client = new GrpcClient(server.grpcAddress);
    const first = await streamOnce(client, [7, -3, 11]);
    expect(first).toEqual([
      { final: false, out: [7], idx: [0] },
      { final: false, out: [-3], idx: [1] },
      { final: false, out: [11], idx: [2] },
      { final: true, out: null, idx: null },
    ]);
    await cache.flush();
    const second = await streamOnce(client, [7, -3, 11]);
    expect(second).toEqual(first);
    const other = await streamOnce(client, [7, -3]);
    expect(other.length).toBe(3);
    const stats = (await client.modelStatistics('repeat_cached')).model_stats[0]!;
    expect(stats.inference_stats.cache_hit.count).toBe(1);
    expect(stats.inference_stats.cache_miss.count).toBe(2);
    expect(stats.execution_count).toBe(2);
    expect(stats.inference_stats.success.count).toBe(3);
  } finally {
    client?.close();
    await server?.close();
  }
}

describe('streamed response replay', () => {
  it('A decoupled stream is replayed from the local cache in order with its final flags', async () => {
    await replays(async () => new LocalLruCache({ sizeBytes: 1 << 20 }));
  });

  it('A decoupled stream is replayed from Redis in order with its final flags', async () => {
    await replays(async () => {
      const cache = new RedisCache(
        { host: redis.host, port: redis.port, keyPrefix: 'stream:' },
        { logger: silentLogger },
      );
      expect(await cache.connect(5000)).toBe(true);
      return cache;
    });
  });
});
