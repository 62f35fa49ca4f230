/**
 * CacheRegistry: the response-cache implementations the server knows, by the name
 * `--cache-config` uses, and the factory that builds the configured one (checking its settings).
 * createDefaultCacheRegistry() registers `local` (LocalLruCache) and `redis` (RedisCache). It
 * builds caches; it does not decide which models use them.
 */
import type { Clock, Logger, TimerFactory } from '../../common/index.js';
import { invalidArg } from '../../common/index.js';
import type { ResolvedCacheConfig } from './cache-config.js';
import { LocalLruCache } from './local-lru-cache.js';
import { RedisCache } from './redis-cache.js';
import { REDIS_SETTING_KEYS, resolveRedisCacheOptions } from './redis-cache-options.js';
import type { ResponseCache } from './response-cache.js';

/** What a cache factory may use. */
export interface CacheFactoryContext {
  /** Server log. */
  readonly logger: Logger;
  /** Time source. */
  readonly clock: Clock;
  /** Timers; default real ones. */
  readonly timers?: TimerFactory;
}

/** Builds one kind of cache from its settings. */
export interface CacheFactory {
  /** Implementation name (`local`). */
  readonly name: string;
  /** Setting keys it accepts. */
  readonly keys: readonly string[];
  /** Builds (and for remote stores starts connecting) the cache. */
  create(settings: ReadonlyMap<string, string>, context: CacheFactoryContext): Promise<ResponseCache>;
}

/** Cache implementations by name. */
export class CacheRegistry {
  private readonly factories = new Map<string, CacheFactory>();

  /** Adds a factory; returns this for chaining. */
  register(factory: CacheFactory): this {
    this.factories.set(factory.name, factory);
    return this;
  }

  /** Registered implementation names. */
  names(): string[] {
    return [...this.factories.keys()];
  }

  /**
   * Builds the configured cache.
   * @throws ServerError INVALID_ARG `ERR_CACHE_CONFIG` for an unknown implementation or setting
   */
  async create(config: ResolvedCacheConfig, context: CacheFactoryContext): Promise<ResponseCache> {
    const factory = this.factories.get(config.name);
    if (factory === undefined) {
      throw invalidArg(
        'ERR_CACHE_CONFIG',
        `Unknown cache implementation '${config.name}': allowed values are ${this.names().join(', ')}`,
      );
    }
    for (const key of config.settings.keys()) {
      if (!factory.keys.includes(key)) {
        throw invalidArg(
          'ERR_CACHE_CONFIG',
          `Unknown ${config.name} cache setting '${key}': allowed keys are ${factory.keys.join(', ')}`,
        );
      }
    }
    return factory.create(config.settings, context);
  }
}

/** `local,size=BYTES`: the in-process LRU cache. */
export const localCacheFactory: CacheFactory = {
  name: 'local',
  keys: ['size'],
  async create(settings) {
    const text = settings.get('size');
    if (text === undefined || !/^[0-9]+$/.test(text) || Number(text) <= 0) {
      throw invalidArg(
        'ERR_CACHE_CONFIG',
        `Local cache setting 'size' must be a positive number of bytes: received '${text ?? ''}'`,
      );
    }
    return new LocalLruCache({ sizeBytes: Number(text) });
  },
};

/** `redis,host=H,port=P,...`: the Redis cache; startup waits up to 2 s for the first connection. */
export const redisCacheFactory: CacheFactory = {
  name: 'redis',
  keys: REDIS_SETTING_KEYS,
  async create(settings, context) {
    const options = resolveRedisCacheOptions(settings);
    const cache = new RedisCache(options, context);
    const ready = await cache.connect(Math.min(options.connectTimeoutMs || 2000, 2000));
    if (ready) context.logger.logInfo(`Connected to Redis response cache at ${cache.address}`);
    else
      context.logger.logWarning(
        `Redis response cache at ${cache.address} is not reachable yet: requests are served as cache misses until it is`,
      );
    return cache;
  },
};

/** A registry with the built-in `local` and `redis` caches. */
export function createDefaultCacheRegistry(): CacheRegistry {
  return new CacheRegistry().register(localCacheFactory).register(redisCacheFactory);
}

/**
 * Builds the cache `config` names with the default registry, or returns null when `config` is null.
 * @throws ServerError INVALID_ARG `ERR_CACHE_CONFIG` for bad settings
 */
export function createResponseCache(
  config: ResolvedCacheConfig | null,
  context: CacheFactoryContext,
): Promise<ResponseCache | null> {
  if (config === null) return Promise.resolve(null);
  return createDefaultCacheRegistry().create(config, context);
}
