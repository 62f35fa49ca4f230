/**
 * The ResponseCache contract every cache implementation (local LRU, Redis) fulfils, the shape of
 * a cached answer (CacheEntry: the ordered responses one request produced) and the statistics a
 * cache reports. It does not compute keys (cache-key.ts), encode entries (entry-codec.ts) or
 * decide when a model is cached (cached-inference.ts).
 */
import type { Parameters, Tensor } from '../../protocol/index.js';

/** One response of a cached answer. */
export interface CachedResponse {
  /** Output tensors in the order the client asked for; null for an empty (final) response. */
  readonly outputs: Tensor[] | null;
  /** Response parameters, or null. */
  readonly parameters: Parameters | null;
  /** Whether this is the request's last response. */
  readonly final: boolean;
}

/**
 * A cached answer: every response one request produced, in order (one for ordinary models, the
 * whole stream for decoupled ones; the last has `final` true). Read-only once built: a hit hands
 * the same tensors to every request that hits it.
 */
export class CacheEntry {
  /** The responses, in the order they were produced. */
  readonly responses: readonly CachedResponse[];
  /** Bytes the entry occupies in its encoded form (what size limits count), from measureEntry. */
  readonly byteSize: number;

  constructor(responses: readonly CachedResponse[], byteSize: number) {
    this.responses = responses;
    this.byteSize = byteSize;
  }
}

/** Counters and gauges of one cache; gauges are null when the implementation cannot know them. */
export interface ResponseCacheStats {
  /** Lookups answered (hits + misses, including those served as misses because of errors). */
  lookups: number;
  /** Lookups that found an entry. */
  hits: number;
  /** Lookups that found nothing (or failed). */
  misses: number;
  /** Entries stored. */
  inserts: number;
  /** Entries removed to make room (local cache). */
  evictions: number;
  /** Failed or timed-out cache operations (Redis); each was served as a miss or skipped. */
  errors: number;
  /** Entries held now, or null when unknown (Redis). */
  entries: number | null;
  /** Bytes held now, or null when unknown. */
  bytes: number | null;
  /** Byte capacity, or null when unbounded or unknown. */
  capacityBytes: number | null;
}

/** A fresh all-zero statistics record. */
export function emptyCacheStats(): ResponseCacheStats {
  return {
    lookups: 0,
    hits: 0,
    misses: 0,
    inserts: 0,
    evictions: 0,
    errors: 0,
    entries: null,
    bytes: null,
    capacityBytes: null,
  };
}

/**
 * A response cache shared by every model that enables `response_cache`. Keys come from
 * `cacheKey()`; implementations never throw from lookup or insert: a failing backing store is a
 * miss (lookup) or a skipped insert, counted in `errors`.
 */
export interface ResponseCache {
  /** Implementation name as `--cache-config` spells it (`local`, `redis`). */
  readonly name: string;
  /** The entry stored under `key`, or null; remote caches answer with a promise. */
  lookup(key: string): CacheEntry | null | Promise<CacheEntry | null>;
  /**
   * Stores `entry` under `key`, replacing any entry there; returns false when it was not stored
   * (too large, store unavailable). Remote caches send it in the background.
   */
  insert(key: string, entry: CacheEntry): boolean;
  /** Current statistics (a snapshot). */
  stats(): ResponseCacheStats;
  /** Resolves once every insert issued so far has reached the store (or failed). */
  flush(): Promise<void>;
  /** Releases connections and memory; later lookups miss. */
  close(): Promise<void>;
}

/** Whether a lookup answer is a promise (a remote cache) rather than an immediate result. */
export function isPendingLookup(
  value: CacheEntry | null | Promise<CacheEntry | null>,
): value is Promise<CacheEntry | null> {
  return value !== null && !(value instanceof CacheEntry);
}
