/**
 * The response cache's own metrics, read from `ResponseCache.stats()` at scrape time:
 * `nereid_cache_entries`, `nereid_cache_bytes`, `nereid_cache_utilization` (0-1),
 * `nereid_cache_evictions_total` and `nereid_cache_errors_total`, labelled with the cache
 * implementation. Gauges a cache cannot know (Redis's size) are left out. The per-model
 * `nv_cache_*` counters live with the other per-model series (prometheus-observer.ts).
 */
import type { Metric, Registry } from 'prom-client';
import type { ResponseCache, ResponseCacheStats } from '../../core/index.js';

/** One family over one cache's statistics. */
interface CacheFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  read: (stats: ResponseCacheStats) => number | null;
}

const FAMILIES: readonly CacheFamily[] = [
  {
    name: 'nereid_cache_entries',
    help: 'Entries held by the response cache',
    type: 'gauge',
    read: (s) => s.entries,
  },
  {
    name: 'nereid_cache_bytes',
    help: 'Bytes held by the response cache (encoded entry sizes)',
    type: 'gauge',
    read: (s) => s.bytes,
  },
  {
    name: 'nereid_cache_utilization',
    help: 'Share of the response cache capacity in use (0-1)',
    type: 'gauge',
    read: (s) => (s.bytes === null || s.capacityBytes === null ? null : s.bytes / s.capacityBytes),
  },
  {
    name: 'nereid_cache_evictions_total',
    help: 'Entries evicted from the response cache to make room',
    type: 'counter',
    read: (s) => s.evictions,
  },
  {
    name: 'nereid_cache_errors_total',
    help: 'Failed or timed-out response cache operations, each served as a miss or skipped',
    type: 'counter',
    read: (s) => s.errors,
  },
];

/** A prom-client collector for one cache family. */
class CacheMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly aggregator = 'sum';
  private readonly cache: ResponseCache;
  private readonly read: CacheFamily['read'];

  constructor(cache: ResponseCache, family: CacheFamily) {
    this.cache = cache;
    this.name = family.name;
    this.help = family.help;
    this.type = family.type;
    this.read = family.read;
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { value: number; labels: Record<string, string> }[];
  }> {
    const value = this.read(this.cache.stats());
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: value === null ? [] : [{ value, labels: { cache: this.cache.name } }],
    };
  }

  /** The cache's counters cannot be reset; prom-client's `resetMetrics` leaves them. */
  reset(): void {}
}

/** Registers the `nereid_cache_*` families of `cache` in `registry`. */
export function registerCacheMetrics(registry: Registry, cache: ResponseCache): void {
  // prom-client renders any object with its collector shape; its types list only its own classes.
  for (const family of FAMILIES) registry.registerMetric(new CacheMetric(cache, family) as unknown as Metric);
}
