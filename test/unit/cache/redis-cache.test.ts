/**
 * RedisCache against a real redis-server on a free port: the conformance suite, the stored form
 * (one binary string per key, exactly the entry codec's bytes, under the key prefix), the TTL,
 * misses served at once when Redis is unreachable (counted as errors, the breaker then skipping
 * Redis), and a lookup answered as a miss when Redis does not reply within the wait limit (and a
 * close that does not wait for the frozen Redis).
 */
import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { buildEntry, encodeEntry, RedisCache } from '../../../src/core/cache/index.js';
import { responseCacheConformance } from '../../conformance/response-cache.case.js';
import { freePort, startRedisServer, type TestRedisServer } from '../../helpers/redis-server.js';

let redis: TestRedisServer;
let prefixSeq = 0;

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis?.stop();
});

async function openCache(
  extra: Partial<ConstructorParameters<typeof RedisCache>[0]> = {},
): Promise<RedisCache> {
  const cache = new RedisCache(
    { host: redis.host, port: redis.port, keyPrefix: `t${++prefixSeq}:`, ...extra },
    { logger: silentLogger },
  );
  expect(await cache.connect(5000)).toBe(true);
  return cache;
}

async function rawClient() {
  const client = createClient({
    socket: { host: redis.host, port: redis.port },
    commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } },
  });
  await client.connect();
  return client;
}

const ENTRY = buildEntry([
  {
    outputs: [
      { name: 'OUT', datatype: 'INT32', shape: [2], data: new Uint8Array(new Int32Array([3, 4]).buffer) },
    ],
    parameters: null,
    final: true,
  },
]);

responseCacheConformance('redis', async () => ({ cache: await openCache() }));

describe('RedisCache', () => {
  it('RedisCache stores an entry as one binary string of the codec form under its key prefix', async () => {
    const cache = await openCache({ keyPrefix: 'form:' });
    cache.insert('abc', ENTRY);
    await cache.flush();
    const client = await rawClient();
    try {
      expect(await client.type('form:abc')).toBe('string');
      const stored = (await client.get('form:abc')) as unknown as Buffer;
      expect(stored.equals(encodeEntry(ENTRY))).toBe(true);
    } finally {
      await client.close();
      await cache.close();
    }
  });

  it('RedisCache sets the configured TTL on stored entries and none by default', async () => {
    const withTtl = await openCache({ keyPrefix: 'ttl:', ttlMs: 60_000 });
    const without = await openCache({ keyPrefix: 'nottl:' });
    withTtl.insert('k', ENTRY);
    without.insert('k', ENTRY);
    await Promise.all([withTtl.flush(), without.flush()]);
    const client = await rawClient();
    try {
      const ttl = await client.pTTL('ttl:k');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await client.pTTL('nottl:k')).toBe(-1);
    } finally {
      await client.close();
      await withTtl.close();
      await without.close();
    }
  });

  it('RedisCache serves lookups as misses at once when Redis is unreachable, then stops calling it', async () => {
    const port = await freePort();
    const cache = new RedisCache(
      { host: '127.0.0.1', port, breakerThreshold: 2, breakerCooldownMs: 60_000 },
      { logger: silentLogger },
    );
    expect(await cache.connect(50)).toBe(false);
    try {
      for (let i = 0; i < 5; i++) expect(cache.lookup('k')).toBeNull();
      expect(cache.insert('k', ENTRY)).toBe(false);
      const stats = cache.stats();
      expect(stats).toMatchObject({ lookups: 5, misses: 5, hits: 0 });
      expect(stats.errors).toBe(2);
    } finally {
      await cache.close();
    }
  });

  it('RedisCache answers a miss when Redis does not reply within the wait limit, and closes without waiting for it', async () => {
    const cache = await openCache({ waitTimeoutMs: 50 });
    cache.insert('slow', ENTRY);
    await cache.flush();
    expect(await cache.lookup('slow')).toEqual(ENTRY);
    try {
      // Frozen until the end: every answer below comes from the cache's own wait limit and close
      // bound, never from Redis replying.
      redis.freeze();
      expect(await cache.lookup('slow')).toBeNull();
      expect(cache.stats()).toMatchObject({ lookups: 2, hits: 1, misses: 1, errors: 1 });
      await cache.close();
      expect(cache.clients.every((c) => !c.isOpen)).toBe(true);
      expect(cache.lookup('slow')).toBeNull();
    } finally {
      redis.thaw();
      await cache.close();
    }
  });
});
