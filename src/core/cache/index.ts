/** The response cache: the ResponseCache contract, the local LRU and Redis implementations, keys, codec and config. */
export { parseCacheConfig, type ResolvedCacheConfig } from './cache-config.js';
export { type CacheInsertContext, CacheInsertSink } from './cache-insert-sink.js';
export { CACHE_KEY_DOMAIN, CACHE_KEY_LENGTH, cacheKey } from './cache-key.js';
export {
  type CacheFactory,
  type CacheFactoryContext,
  CacheRegistry,
  createDefaultCacheRegistry,
  createResponseCache,
  localCacheFactory,
  redisCacheFactory,
} from './cache-registry.js';
export { CachedInference } from './cached-inference.js';
export { BreakerState, CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
export {
  buildEntry,
  compactEntry,
  decodeEntry,
  ENTRY_FORMAT_VERSION,
  encodeEntry,
  measureResponses,
} from './entry-codec.js';
export { LocalLruCache, type LocalLruCacheOptions } from './local-lru-cache.js';
export { type LookupOwner, PendingLookup, PendingLookups } from './pending-lookups.js';
export { type RedisBinaryClient, RedisCache, type RedisCacheContext } from './redis-cache.js';
export {
  REDIS_SETTING_KEYS,
  type RedisCacheOptions,
  type RedisTlsOptions,
  resolveRedisCacheOptions,
} from './redis-cache-options.js';
export {
  type CachedResponse,
  CacheEntry,
  emptyCacheStats,
  isPendingLookup,
  type ResponseCache,
  type ResponseCacheStats,
} from './response-cache.js';
