/**
 * Cache configuration: tritonserver's `--cache-config` forms (one setting per flag, several per
 * flag, repeated flags merged), the deprecated `--response-cache-byte-size`, the registry's checks
 * of implementation names and setting keys, and the Redis settings with Triton's defaults.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import {
  createDefaultCacheRegistry,
  LocalLruCache,
  parseCacheConfig,
  resolveRedisCacheOptions,
} from '../../../src/core/cache/index.js';

const context = { logger: silentLogger, clock: systemClock };

describe('parseCacheConfig', () => {
  it('parseCacheConfig returns null when no cache is configured', () => {
    expect(parseCacheConfig([], 0)).toBeNull();
  });

  it("parseCacheConfig reads Triton's local form and the deprecated byte-size flag the same way", () => {
    const a = parseCacheConfig(['local,size=1048576']);
    const b = parseCacheConfig([], 1048576);
    expect(a).toEqual({ name: 'local', settings: new Map([['size', '1048576']]) });
    expect(b).toEqual(a);
  });

  it('parseCacheConfig merges repeated redis flags and several settings in one flag', () => {
    const config = parseCacheConfig(['redis,host=localhost', 'redis,port=6379', 'redis,db=2,tls=true']);
    expect(config!.name).toBe('redis');
    expect(Object.fromEntries(config!.settings)).toEqual({
      host: 'localhost',
      port: '6379',
      db: '2',
      tls: 'true',
    });
  });

  it('parseCacheConfig keeps commas inside a value that has no key of its own', () => {
    const config = parseCacheConfig(['redis,host=h,port=1,password=a,b=c,d']);
    expect(config!.settings.get('password')).toBe('a');
    expect(config!.settings.get('b')).toBe('c,d');
    expect(parseCacheConfig(['redis,password=x,y'])!.settings.get('password')).toBe('x,y');
  });

  it('parseCacheConfig refuses two implementations and values without settings', () => {
    expect(() => parseCacheConfig(['local,size=10', 'redis,host=h'])).toThrow(
      "Only one cache implementation may be configured: received 'local' and 'redis'",
    );
    expect(() => parseCacheConfig(['local'])).toThrow(
      "--cache-config takes <cache>,<key>=<value>: received 'local'",
    );
    expect(() => parseCacheConfig(['redis,host=h'], 100)).toThrow("received 'redis' and 'local'");
  });
});

describe('CacheRegistry', () => {
  it('CacheRegistry builds a local cache of the configured size', async () => {
    const cache = await createDefaultCacheRegistry().create(parseCacheConfig(['local,size=4096'])!, context);
    expect(cache).toBeInstanceOf(LocalLruCache);
    expect(cache.stats().capacityBytes).toBe(4096);
  });

  it('CacheRegistry refuses an unknown implementation, an unknown key and a bad size', async () => {
    const registry = createDefaultCacheRegistry();
    await expect(registry.create({ name: 'memcached', settings: new Map() }, context)).rejects.toThrow(
      "Unknown cache implementation 'memcached': allowed values are local, redis",
    );
    await expect(registry.create(parseCacheConfig(['local,bytes=10'])!, context)).rejects.toThrow(
      "Unknown local cache setting 'bytes': allowed keys are size",
    );
    await expect(registry.create(parseCacheConfig(['local,size=-1'])!, context)).rejects.toThrow(
      "Local cache setting 'size' must be a positive number of bytes: received '-1'",
    );
  });
});

describe('resolveRedisCacheOptions', () => {
  it("resolveRedisCacheOptions applies Triton's defaults and Nereid's", () => {
    const options = resolveRedisCacheOptions(
      new Map([
        ['host', 'h'],
        ['port', '7000'],
      ]),
    );
    expect(options).toMatchObject({
      host: 'h',
      port: 7000,
      db: 0,
      tls: null,
      poolSize: 1,
      waitTimeoutMs: 100,
      ttlMs: 0,
      keyPrefix: 'nereid:rc:',
    });
    expect(options.username).toBeUndefined();
  });

  it('resolveRedisCacheOptions reads user or username, password, TTL and TLS', () => {
    const options = resolveRedisCacheOptions(
      new Map([
        ['host', 'h'],
        ['port', '1'],
        ['user', 'alice'],
        ['password', 'secret'],
        ['ttl_ms', '60000'],
        ['tls', 'true'],
        ['sni', 'cache.example'],
      ]),
    );
    expect(options).toMatchObject({ username: 'alice', password: 'secret', ttlMs: 60000 });
    expect(options.tls).toEqual({ servername: 'cache.example' });
  });

  it('resolveRedisCacheOptions requires host and port and checks numbers', () => {
    expect(() => resolveRedisCacheOptions(new Map([['port', '1']]))).toThrow("Redis cache needs 'host'");
    expect(() => resolveRedisCacheOptions(new Map([['host', 'h']]))).toThrow("Redis cache needs 'port'");
    expect(() =>
      resolveRedisCacheOptions(
        new Map([
          ['host', 'h'],
          ['port', 'x'],
        ]),
      ),
    ).toThrow("Redis cache setting 'port' must be an integer >= 1: received 'x'");
    expect(() =>
      resolveRedisCacheOptions(
        new Map([
          ['host', 'h'],
          ['port', '1'],
          ['cacert', '/nonexistent.pem'],
        ]),
      ),
    ).toThrow("Cannot read Redis cache setting 'cacert' file '/nonexistent.pem'");
  });
});
